/**
 * Bench: one inbound message of up to 1 MB, from the OneBot frame to the stored, read message — the
 * frame parsed and decoded, the event bounded (`inbound.maxChars`), its dedupe key, the row stored in
 * SQLite, and the kept text read as the app reads it (command head and arguments, or meaning, names
 * and 接龙 lines). Target: ≤ 50 ms each (issue #18).
 */
import { decodeEvent, parseFrame } from '../../adapters/onebot/codec.js';
import { inboundDedupeKey } from '../app/inbound.js';
import type { Group } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import { boundInbound } from '../platform/inbound-bounds.js';
import type { InboundMessage } from '../platform/port.js';
import type { InboundRepo } from '../store/inbound-repo.js';
import { messageReader, timeCases, type ParseCase, type ParseResult } from './parse64.js';

export const INPUT_BYTES = 1024 * 1024;
export const INPUT_TARGET_MS = 50;

function fill(unit: string, bytes = INPUT_BYTES): string {
  // Characters such that the UTF-8 payload is about `bytes`.
  const per = Buffer.byteLength(unit);
  return unit.repeat(Math.max(1, Math.floor(bytes / per)));
}

/** OneBot frames (as NapCat sends them, array form unless noted) whose payload is about 1 MB. */
export function inputCases(names: readonly string[]): ParseCase[] {
  const frame = (message: unknown): string =>
    JSON.stringify({
      time: Math.floor(Date.now() / 1000),
      self_id: 10001,
      post_type: 'message',
      message_type: 'group',
      sub_type: 'normal',
      message_id: 1,
      group_id: 700001,
      user_id: 20001,
      message,
      raw_message: '',
      font: 14,
      sender: { user_id: 20001, nickname: '张三', card: '' },
    });
  const text = (t: string): { type: 'text'; data: { text: string } } => ({ type: 'text', data: { text: t } });
  const chain = `#接龙 请家长回复\n${names.map((n, i) => `${i + 1}. ${n}妈妈收到`).join('\n')}\n`;
  return [
    { name: 'text 1 MB, 收到 at the end', text: frame([text(`${fill('哈', INPUT_BYTES - 8)}收到`)]) },
    { name: 'newlines 1 MB', text: frame([text(fill('\n'))]) },
    { name: '接龙 1 MB', text: frame([text(fill(chain))]) },
    { name: '30,000 segments', text: frame(Array.from({ length: 30_000 }, (_, i) => (i % 2 ? { type: 'at', data: { qq: String(20000 + (i % 500)) } } : text('收到')))) },
    { name: 'CQ string 1 MB of codes', text: frame(fill('[CQ:face,id=76]')) },
    { name: 'emoji 1 MB', text: frame([text(fill('👍'))]) },
    { name: '/通知 1 MB', text: frame([text(`/通知 截止=18:00 ${fill('请家长点击http://evil.example/pay缴纳保险费')}`)]) },
    { name: '/确认 1 MB of ids', text: frame([text(`/确认 ${Array.from({ length: 150_000 }, (_, i) => i + 1).join(' ')}`)]) },
  ];
}

/** Times each frame from arrival to the stored row and its reading; `inbound` takes the rows. */
export function benchInput(org: OrgIndex, group: Group, inbound: InboundRepo, cases: readonly ParseCase[], maxChars = 20_000, runs = 10, warmups = 3): ParseResult[] {
  const read = messageReader(org, group);
  let n = 0;
  const arrive = (raw: string): unknown => {
    const frame = parseFrame(raw);
    if (frame?.kind !== 'event') throw new Error('bench: not an event frame');
    const now = Date.now();
    const decoded = decodeEvent(frame.event, { accountId: 'qq-bot', selfId: '10001', nameOf: () => undefined, now });
    if (decoded?.kind !== 'message') throw new Error('bench: not a message');
    const ev = boundInbound(decoded, { maxChars, now }) as InboundMessage;
    const key = `${inboundDedupeKey(ev, false)}|${n++}`;
    inbound.insert({
      dedupeKey: key,
      platform: 'qq',
      accountId: ev.accountId,
      chatType: 'group',
      chatId: ev.chat.type === 'group' ? ev.chat.chatId : '',
      groupId: group.id,
      platformMessageId: ev.messageId ?? null,
      senderPlatformId: ev.sender.userId,
      senderPersonId: null,
      text: ev.text,
      quoteId: ev.quoteId ?? null,
      at: ev.at,
    });
    return read(ev.text);
  };
  return timeCases(cases, arrive, runs, warmups);
}
