/**
 * A slow link is not a banned account, and pacing holds through a freeze. The OneBot implementation
 * hangs (no heartbeat, no answers) mid-relay, then carries out at once whatever it was asked: no call
 * was written on the link once it missed its heartbeat, the send that timed out is settled (its late
 * answer, or the history) before the next, every group gets the post once, no two posts of the account
 * come closer than its gap, and the account is not paused by the risk breaker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OneBotPeer } from '../adapters/onebot/peer.js';
import { schoolOnOneBot, waitUntil, type OneBotSchool } from './setup/onebot.js';

let w: OneBotSchool | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const GAP_MS = 300;
const GROUPS = ['L2:计算机学院', 'L3:计算机2301', 'L3:计算机2302', 'L3:计算机2303'];
const TEXT = '请各班今晚统计返校人数';

describe('the OneBot implementation frozen mid-relay', () => {
  it('gets each post once, never two closer than the gap, and the account keeps its place', { timeout: 60_000 }, async () => {
    w = await schoolOnOneBot([{ id: 'qq-bot-1', qq: '3100000001', config: { minGapMs: GAP_MS, jitterMs: 0, callTimeoutMs: 600, heartbeatGraceMs: 200 }, peer: { heartbeatMs: 300 } }]);
    const s = w;
    const peer = s.peers[0] as OneBotPeer;
    const posts = (): typeof peer.sent => peer.sent.filter((m) => m.chatType === 'group' && m.text.includes(TEXT));
    peer.say(s.qq('T001'), s.chat('L1'), `/通知 学院=计算机学院 层级=3 ${TEXT}`);
    await waitUntil(() => posts().length === 1);
    peer.freeze();
    // Frozen for several heartbeats and call timeouts.
    await new Promise((r) => setTimeout(r, 2_500));
    const written = peer.calls.length;
    peer.thaw();
    await waitUntil(() => GROUPS.every((k) => posts().filter((m) => m.target === s.chat(k)).length >= 1), 30_000);
    await s.school.settle();
    for (const k of GROUPS) expect(posts().filter((m) => m.target === s.chat(k))).toHaveLength(1);
    // Every send of the account, in the order the implementation carried them out: never closer than the gap.
    const times = peer.sent.map((m) => m.at);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(GAP_MS - 5);
    const d = s.school.runtime.app.directives.latest();
    expect(d && s.school.runtime.app.ledger.counts(d.id)).toMatchObject({ uncertain: 0, manual: 0, failed: 0 });
    // Not the half-hour risk pause.
    expect(s.school.runtime.app.guard.pause('qq-bot-1', Date.now())?.reason ?? null).not.toBe('risk_control');
    expect(written).toBeGreaterThan(0);
  });
});
