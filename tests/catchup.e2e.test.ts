/**
 * Catch up after a gap: replies sent while Cascade restarts, or while its OneBot link is down, are read
 * back from the group's history and counted once; where the platform keeps no history, `/进度` says
 * the bot was away and replies may be missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OneBotPeer } from '../adapters/onebot/peer.js';
import { schoolOnOneBot, waitUntil, type OneBotSchool } from './setup/onebot.js';
import { issue, level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
let w: OneBotSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
  await w?.close();
  w = undefined;
});

const STUDENTS = ['2023010101', '2023010102', '2023010103'];

describe('replies sent while Cascade restarts', () => {
  it('are read back from the history and counted once', { timeout: 60_000 }, async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 学院=计算机学院 层级=3 请同学们完成健康打卡');
    const s = school;
    await s.runtime.restart(false, async () => {
      // Nobody is connected: the platform keeps these, no event carries them.
      for (const who of STUDENTS) s.say(who, 'L3:计算机2301', '收到');
    });
    await waitUntil(() => (level(s, id, 3)?.acknowledged ?? 0) === 3);
    await s.settle();
    expect(level(s, id, 3)?.acknowledged).toBe(3);
    // Read back again at the next start, they are not counted twice.
    await s.runtime.restart(false);
    await s.settle();
    expect(level(s, id, 3)?.acknowledged).toBe(3);
    expect((s.runtime.db.$client.prepare("SELECT count(*) AS n FROM inbound_messages WHERE text = '收到'").get() as { n: number }).n).toBe(3);
  });
});

describe('a OneBot link that was down', () => {
  async function relayed(w: OneBotSchool): Promise<number> {
    const peer = w.peers[0] as OneBotPeer;
    peer.say(w.qq('T001'), w.chat('L1'), '/通知 学院=计算机学院 层级=3 请同学们完成健康打卡');
    await waitUntil(() => peer.sent.some((m) => m.target === w.chat('L3:计算机2301') && m.text.includes('健康打卡')));
    await w.school.settle();
    const d = w.school.runtime.app.directives.latest();
    if (!d) throw new Error('no directive');
    return d.id;
  }

  it('has the replies sent meanwhile read back after the reconnect', { timeout: 60_000 }, async () => {
    w = await schoolOnOneBot();
    const s = w;
    const peer = s.peers[0] as OneBotPeer;
    const id = await relayed(s);
    peer.drop();
    await waitUntil(() => s.school.runtime.app.adapters.get('qq-bot-1')?.status?.().state !== 'online');
    for (const who of STUDENTS) peer.sayUnseen(s.qq(who), s.chat('L3:计算机2301'), '收到');
    peer.restore();
    await waitUntil(() => (level(s.school, id, 3)?.acknowledged ?? 0) === 3);
  });

  it('without history: /进度 says the bot was away and replies may be missing', { timeout: 60_000 }, async () => {
    w = await schoolOnOneBot([{ id: 'qq-bot-1', qq: '3100000001', peer: { historyApi: 'none' } }]);
    const s = w;
    const peer = s.peers[0] as OneBotPeer;
    const id = await relayed(s);
    peer.drop();
    await waitUntil(() => s.school.runtime.app.adapters.get('qq-bot-1')?.status?.().state !== 'online');
    await new Promise((r) => setTimeout(r, 1_100)); // away for more than a second
    peer.sayUnseen(s.qq(STUDENTS[0] ?? ''), s.chat('L3:计算机2301'), '收到');
    peer.restore();
    await waitUntil(() => s.school.runtime.app.adapters.get('qq-bot-1')?.status?.().state === 'online');
    await s.school.settle();
    peer.say(s.qq('S111'), s.chat('L2:计算机学院'), `/进度 ${id}`);
    await waitUntil(() => peer.sent.some((m) => m.target === s.chat('L2:计算机学院') && m.text.includes('机器人离线')));
    const answer = peer.sent.find((m) => m.target === s.chat('L2:计算机学院') && m.text.includes('机器人离线'))?.text ?? '';
    expect(answer).toMatch(/机器人离线 \d+秒/u);
    expect(answer).toContain('期间的回复可能未计入');
  });
});
