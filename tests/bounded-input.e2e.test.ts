/**
 * What a platform sends is bounded before the app reads it: a huge message is kept only as its head,
 * marked, and never counted as a reply (whatever its tail says); names are cut; an event time far from
 * its receipt is corrected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { boundInbound } from '../src/platform/inbound-bounds.js';
import type { InboundMessage } from '../src/platform/port.js';
import { issue, level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

const NOW = Date.parse('2026-12-06T08:00:00+08:00');
const message = (over: Partial<InboundMessage>): InboundMessage => ({
  kind: 'message',
  platform: 'qq',
  accountId: 'qq-bot-1',
  chat: { type: 'group', chatId: '1' },
  sender: { userId: '2', nickname: '张三' },
  text: '收到',
  mentions: [],
  mentionsBot: false,
  at: NOW,
  ...over,
});

describe('inbound bounds', () => {
  it('keep a text up to the cap unchanged and cut a longer one, marking it', () => {
    expect(boundInbound(message({ text: '收到' }), { maxChars: 10, now: NOW })).toEqual(message({ text: '收到' }));
    const cut = boundInbound(message({ text: '好'.repeat(25) }), { maxChars: 10, now: NOW }) as InboundMessage;
    expect(cut.text).toBe('好'.repeat(10));
    expect(cut.truncatedFrom).toBe(25);
  });

  it('never end a cut inside a surrogate pair, and cut names and mention lists', () => {
    const cut = boundInbound(message({ text: '😀'.repeat(10), sender: { userId: '2', nickname: '名'.repeat(500), card: '片'.repeat(500) }, mentions: Array.from({ length: 5000 }, (_, i) => String(i)) }), { maxChars: 5, now: NOW }) as InboundMessage;
    expect(cut.text).toBe('😀'.repeat(2));
    expect(cut.sender.nickname.length).toBe(64);
    expect(cut.sender.card?.length).toBe(64);
    expect(cut.mentions).toHaveLength(200);
  });

  it('correct a time more than a day from the receipt to the receipt', () => {
    expect(boundInbound(message({ at: NOW + 3 * 86_400_000 }), { maxChars: 10, now: NOW }).at).toBe(NOW);
    expect(boundInbound(message({ at: 1_800_000_000_000_000 }), { maxChars: 10, now: NOW }).at).toBe(NOW);
    expect(boundInbound(message({ at: NOW - 60_000 }), { maxChars: 10, now: NOW }).at).toBe(NOW - 60_000);
    expect(boundInbound({ kind: 'member_leave', platform: 'qq', accountId: 'a', chatId: '1', userId: '2', at: 5 }, { maxChars: 10, now: NOW }).at).toBe(NOW);
  });
});

describe('a huge message in a group', () => {
  it('is stored as its head, marked too long, and never counts as a reply', async () => {
    school = await startTestSchool({ config: { inbound: { maxChars: 20_000 } } });
    const id = await issue(school, '/通知 层级=3 请同学们完成健康打卡');
    const before = level(school, id, 3)?.acknowledged;
    // 1 MB: filler, then what would count as a reply.
    school.say('2023010101', 'L3:计算机2301', `${'哈'.repeat(1_000_000)}收到`);
    await school.settle();
    expect(level(school, id, 3)?.acknowledged).toBe(before);
    const row = school.runtime.db.$client.prepare("SELECT length(text) AS n, meaning, detail FROM inbound_messages WHERE meaning = 'too_long'").get() as { n: number; meaning: string; detail: string };
    expect(row.n).toBe(20_000);
    expect(JSON.parse(row.detail)).toEqual({ truncatedFrom: 1_000_002 });
    // A real reply from the same student still counts.
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    expect(level(school, id, 3)?.acknowledged).toBe((before ?? 0) + 1);
  });
});
