/**
 * Dedupe that cannot drop a real reply, on OneBot, where each account numbers messages itself: one
 * person's two quote-replies 收到 to two directives, seconds apart, both count — with one account, and
 * with two accounts in the group that each see both (each message stored once, under the first copy).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OneBotPeer } from '../adapters/onebot/peer.js';
import { seatOnPeers } from './setup/onebot.js';
import { demoRosterCopy, level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
const peers: OneBotPeer[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await school?.close();
  school = undefined;
  for (const p of peers.splice(0)) await p.close();
  for (const c of cleanups.splice(0)) c();
});

const CLASS = 'L3:计算机2301';
const STUDENT = '2023010101';

/** The demo school with its QQ accounts on OneBot peers; `both`: the class group is served by both accounts. */
async function onOneBot(both: boolean) {
  const roster = demoRosterCopy(({ groups }) => ({ groups: both ? groups.replace(/(707564071,)qq-bot-1/u, '$1qq-bot-1 qq-bot-2') : groups }));
  cleanups.push(roster.remove);
  const bots = [
    { id: 'qq-bot-1', qq: '3100000001' },
    { id: 'qq-bot-2', qq: '3100000002' },
  ];
  const made = await Promise.all(
    bots.map(async (b) => {
      const peer = new OneBotPeer({ selfId: b.qq, nickname: b.id, heartbeatMs: 500, messageFormat: 'array', stringIds: true });
      peers.push(peer);
      return { ...b, peer, url: await peer.listen() };
    }),
  );
  school = await startTestSchool({
    org: roster.dir,
    realClock: true,
    config: { accounts: made.map((b) => ({ id: b.id, platform: 'onebot', mode: 'forward', url: b.url, callTimeoutMs: 3000, reconnect: { minMs: 20, maxMs: 200 } })) },
  });
  const org = school.runtime.app.org();
  seatOnPeers(org, made.map((b) => ({ ...b, nickname: b.id })));
  const chat = (key: string): string => {
    const g = org.groupByKeyText(key);
    return (g ? org.platformGroupsOf(g.id)[0]?.chatId : undefined) ?? '';
  };
  const qq = (ref: string): string => org.accountOn(org.personByRef(ref)?.id ?? -1, 'qq') ?? '';
  await waitUntil(() => made.every((b) => school?.runtime.app.deps.adapters.find((a) => a.accountId === b.id)?.status?.().state === 'online'));
  return { school, peers: made.map((b) => b.peer), chat, qq };
}

/** Two directives reach the class group; resolves with their ids and, per peer, the ids of their posts there (if it posted them). */
async function twoDirectives(w: Awaited<ReturnType<typeof onOneBot>>) {
  const ids: number[] = [];
  for (const text of ['请同学们完成健康打卡', '请同学们提交返校申请']) {
    w.peers[0]?.say(w.qq('T001'), w.chat('L1'), `/通知 学院=计算机学院 层级=3 ${text}`);
    await waitUntil(() => w.peers.some((p) => p.sent.some((m) => m.target === w.chat(CLASS) && m.text.includes(text))));
    const d = w.school.runtime.app.directives.latest();
    if (!d) throw new Error('no directive');
    ids.push(d.id);
  }
  const postOf = (peer: OneBotPeer, text: string): string => peer.sent.find((m) => m.target === w.chat(CLASS) && m.text.includes(text))?.messageId ?? 'unknown';
  return { ids, posts: w.peers.map((p) => [postOf(p, '健康打卡'), postOf(p, '返校申请')]) };
}

describe('two quote-replies 收到 by one person to two directives', () => {
  it('both count with one account', { timeout: 60_000 }, async () => {
    const w = await onOneBot(false);
    const { ids, posts } = await twoDirectives(w);
    const [first, second] = posts[0] ?? [];
    w.peers[0]?.say(w.qq(STUDENT), w.chat(CLASS), '收到', { quoteId: first });
    w.peers[0]?.say(w.qq(STUDENT), w.chat(CLASS), '收到', { quoteId: second });
    await w.school.settle();
    expect(level(w.school, ids[0] ?? -1, 3)?.acknowledged).toBe(1);
    expect(level(w.school, ids[1] ?? -1, 3)?.acknowledged).toBe(1);
  });

  it('both count, each once, when two accounts see both in any order', { timeout: 60_000 }, async () => {
    const w = await onOneBot(true);
    const { ids, posts } = await twoDirectives(w);
    const [a, b] = w.peers;
    if (!a || !b) throw new Error('two peers');
    // Each account knows only its own ids for the posts (the other's post it cannot name).
    const quote = (i: number, p: number): string => posts[p]?.[i] ?? 'unknown';
    a.say(w.qq(STUDENT), w.chat(CLASS), '收到', { quoteId: quote(0, 0) });
    b.say(w.qq(STUDENT), w.chat(CLASS), '收到', { quoteId: quote(0, 1) });
    b.say(w.qq(STUDENT), w.chat(CLASS), '收到', { quoteId: quote(1, 1) });
    a.say(w.qq(STUDENT), w.chat(CLASS), '收到', { quoteId: quote(1, 0) });
    await w.school.settle();
    expect(level(w.school, ids[0] ?? -1, 3)?.acknowledged).toBe(1);
    expect(level(w.school, ids[1] ?? -1, 3)?.acknowledged).toBe(1);
    const db = w.school.runtime.db.$client;
    const sender = w.qq(STUDENT);
    expect((db.prepare("SELECT count(*) AS n FROM inbound_messages WHERE sender_platform_id = ? AND text = '收到'").get(sender) as { n: number }).n).toBe(2);
    expect((db.prepare('SELECT count(*) AS n FROM inbound_sightings WHERE sender_platform_id = ?').get(sender) as { n: number }).n).toBe(4);
    // A redelivery of a message already seen is nothing new.
    const again = a.say(w.qq(STUDENT), w.chat(CLASS), '好的');
    a.redeliver(again);
    await w.school.settle();
    expect((db.prepare("SELECT count(*) AS n FROM inbound_messages WHERE sender_platform_id = ? AND text = '好的'").get(sender) as { n: number }).n).toBe(1);
  });
});

async function waitUntil(probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
