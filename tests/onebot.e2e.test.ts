/**
 * Cascade with a real adapter: the demo school's qq-bot-1 configured as a OneBot v11 account (forward
 * WebSocket) against a OneBot implementation written from the spec, the other accounts simulated. A
 * directive is relayed into qq-bot-1's groups over the wire, replies come back over it and are counted,
 * the membership audit reads the member list over it, and `cascade accounts` would see it online.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OneBotPeer } from '../adapters/onebot/peer.js';
import { seatOnPeers } from './setup/onebot.js';
import { level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
let peer: OneBotPeer | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
  await peer?.close();
  peer = undefined;
});

const TOKEN = 'e2e-token';
const BOT_QQ = '3100000001';

async function schoolWithOneBot(
  pacing: { minGapMs?: number } = {},
  peerOptions: { uploadApi?: 'napcat' | 'none' } = {},
): Promise<{ school: TestSchool; peer: OneBotPeer; chat: (key: string) => string; qq: (ref: string) => string }> {
  const p = new OneBotPeer({ selfId: BOT_QQ, nickname: '联络机器人', accessToken: TOKEN, heartbeatMs: 500, messageFormat: 'array', stringIds: true, reportSelf: 'message_sent', ...peerOptions });
  const url = await p.listen();
  const s = await startTestSchool({
    realClock: true,
    config: { accounts: [{ id: 'qq-bot-1', platform: 'onebot', mode: 'forward', url, accessToken: TOKEN, callTimeoutMs: 3000, reconnect: { minMs: 20, maxMs: 200 }, ...pacing }] },
  });
  const org = s.runtime.app.org();
  // The platform's groups of qq-bot-1, seated as the simulator seats everyone else.
  seatOnPeers(org, [{ id: 'qq-bot-1', qq: BOT_QQ, peer: p }]);
  const chat = (key: string): string => {
    const g = org.groupByKeyText(key);
    return (g ? org.platformGroupsOf(g.id)[0]?.chatId : undefined) ?? '';
  };
  const qq = (ref: string): string => org.accountOn(org.personByRef(ref)?.id ?? -1, 'qq') ?? '';
  return { school: s, peer: p, chat, qq };
}

describe('Cascade on OneBot v11', () => {
  it('relays a directive over the wire, counts the replies that come back, and audits the group from its member list', async () => {
    const w = await schoolWithOneBot();
    school = w.school;
    peer = w.peer;
    // The leader posts in L1 (a qq-bot-1 group): the command arrives over the WebSocket.
    peer.say(w.qq('T001'), w.chat('L1'), '/通知 学院=计算机学院 层级=3 请各班今晚统计返校人数');
    const sentTo = (key: string): number => (peer?.sent ?? []).filter((m) => m.chatType === 'group' && m.target === w.chat(key) && m.text.includes('统计返校人数')).length;
    await waitUntil(() => sentTo('L3:计算机2303') === 1 && sentTo('L2:计算机学院') === 1);
    expect(sentTo('L3:计算机2301')).toBe(1);
    expect(sentTo('L3:计算机2302')).toBe(1);
    expect((peer.sent).some((m) => m.target === w.chat('L1') && m.text.includes('已发布第'))).toBe(true);
    const d = school.runtime.app.directives.latest();
    if (!d) throw new Error('no directive');
    // Two students answer in their class group over the wire.
    peer.say(w.qq('2023010101'), w.chat('L3:计算机2301'), '收到');
    peer.say(w.qq('2023010102'), w.chat('L3:计算机2301'), '收到！');
    await waitUntil(() => (level(school as TestSchool, d.id, 3)?.acknowledged ?? 0) === 2);
    // The counselor's /核对 reads the member list with get_group_member_list.
    peer.say(w.qq('S111'), w.chat('L3:计算机2301'), '/核对');

    await waitUntil(() => peer?.sent.some((m) => m.target === w.chat('L3:计算机2301') && m.text.includes('没有发现问题')) ?? false);
    expect(peer.calls).toContain('get_group_member_list');
    expect(school.runtime.app.deps.adapters.find((a) => a.accountId === 'qq-bot-1')?.status?.().state).toBe('online');
  });

  it('keeps every send of a relay when the connection drops mid-way, each posted once after it comes back', async () => {
    // Paced, so the relay is still going when the link drops.
    const w = await schoolWithOneBot({ minGapMs: 150 });
    school = w.school;
    peer = w.peer;
    await waitUntil(() => school?.runtime.app.deps.adapters.find((a) => a.accountId === 'qq-bot-1')?.status?.().state === 'online');
    peer.say(w.qq('T001'), w.chat('L1'), '/通知 学院=计算机学院 层级=3 请各班核对离校名单');
    const groups = ['L2:计算机学院', 'L3:计算机2301', 'L3:计算机2302', 'L3:计算机2303'];
    const sentTo = (key: string): number => (peer?.sent ?? []).filter((m) => m.target === w.chat(key) && m.text.includes('核对离校名单')).length;
    await waitUntil(() => groups.some((k) => sentTo(k) === 1));
    peer.drop();
    const during = groups.filter((k) => sentTo(k) === 1).length;
    // The account sees its link gone before the link comes back.
    const account = (): string | undefined => school?.runtime.app.deps.adapters.find((a) => a.accountId === 'qq-bot-1')?.status?.().state;
    await waitUntil(() => account() !== 'online');
    peer.restore();
    await waitUntil(() => groups.every((k) => sentTo(k) >= 1));
    // Every queue drained: nothing more is on its way.
    await school.settle();
    expect(during).toBeLessThan(groups.length);
    for (const k of groups) expect(sentTo(k)).toBe(1);
    const d = school.runtime.app.directives.latest();
    expect(d && school.runtime.app.ledger.counts(d.id)).toMatchObject({ failed: 0, uncertain: 0 });
  });
});

describe('directives with files on OneBot v11 (issue #15)', () => {
  const PDF = { kind: 'file' as const, name: '安全检查表.pdf', data: new TextEncoder().encode('%PDF-1.4 '.repeat(300)) };
  const PNG = { kind: 'image' as const, name: 'poster.png', data: Uint8Array.from({ length: 2048 }, (_, i) => i % 256) };
  const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

  it('a file uploaded to L1 right after /通知 reaches every group over the wire, once each, after the text; a picture before the command does not', async () => {
    const w = await schoolWithOneBot();
    school = w.school;
    peer = w.peer;
    await waitUntil(() => school?.runtime.app.deps.adapters.find((a) => a.accountId === 'qq-bot-1')?.status?.().state === 'online');
    // A picture before the command is not the directive's; the PDF uploaded to the group's files after it is.
    peer.sendFile(w.qq('T001'), w.chat('L1'), PNG);
    peer.say(w.qq('T001'), w.chat('L1'), '/通知 学院=计算机学院 层级=3 请按附件完成宿舍安全检查');
    await waitUntil(() => (peer?.sent ?? []).some((m) => m.text.includes('宿舍安全检查') && m.target === w.chat('L2:计算机学院')));
    peer.sendFile(w.qq('T001'), w.chat('L1'), PDF);
    const groups = ['L2:计算机学院', 'L3:计算机2301', 'L3:计算机2302', 'L3:计算机2303'];
    const filesIn = (key: string) => (peer?.sent ?? []).filter((m) => m.target === w.chat(key)).flatMap((m) => m.files ?? []);
    await waitUntil(() => groups.every((k) => filesIn(k).length >= 1));
    await school.settle();
    for (const k of groups) {
      const files = filesIn(k);
      expect(files.map((f) => f.name)).toEqual([PDF.name]);
      expect(same(files[0]?.data ?? new Uint8Array(), PDF.data)).toBe(true);
      // Through the group's files, after the text.
      const seq = (peer.sent ?? []).filter((m) => m.target === w.chat(k));
      expect(seq[0]?.text).toContain('宿舍安全检查');
      expect(seq[1]?.params).toMatchObject({ name: PDF.name });
    }
    expect(peer.calls).toContain('upload_group_file');
    expect(peer.calls).toContain('get_group_file_url');
  });

  it('an implementation without upload_group_file gets the line instead, and the issuer is told', async () => {
    const w = await schoolWithOneBot({}, { uploadApi: 'none' });
    school = w.school;
    peer = w.peer;
    await waitUntil(() => school?.runtime.app.deps.adapters.find((a) => a.accountId === 'qq-bot-1')?.status?.().state === 'online');
    // Quoting an image someone posted: the picture is the directive's (pictures go as image segments, which it takes).
    const pic = peer.sendFile(w.qq('T002'), w.chat('L1'), PNG) ?? '';
    await waitUntil(() => (school?.runtime.app.repos.inbound.filesOfPlatformMessage('qq', w.chat('L1'), pic, 'qq-bot-1')?.files.length ?? 0) > 0);
    peer.say(w.qq('T001'), w.chat('L1'), '/通知 学院=计算机学院 层级=3 请张贴海报', { quoteId: pic });
    const l2 = w.chat('L2:计算机学院');
    await waitUntil(() => (peer?.sent ?? []).some((m) => m.target === l2 && (m.files?.length ?? 0) > 0));
    expect((peer.sent ?? []).filter((m) => m.target === l2).flatMap((m) => m.files ?? []).map((f) => same(f.data, PNG.data))).toEqual([true]);
    // A file after it cannot be uploaded: the line goes instead, the issuer hears of it once.
    peer.sendFile(w.qq('T001'), w.chat('L1'), PDF);
    await waitUntil(() => (peer?.sent ?? []).some((m) => m.target === l2 && m.text.includes('【附件未能发送】')));
    await school.settle();
    expect((peer.sent ?? []).filter((m) => m.target === l2 && m.text.includes('【附件未能发送】'))).toHaveLength(1);
    const toIssuer = [...(peer.sent ?? []), ...school.botMessages().map((m) => ({ text: m.text }))].filter((m) => m.text.includes('无法在QQ的群中发送'));
    expect(toIssuer).toHaveLength(1);
  });
});

async function waitUntil(probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
