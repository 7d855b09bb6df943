/**
 * A flood cannot crowd out directives, in real time with pacing on: 200 private messages from an
 * account not on the roster, or a dozen strangers asking /帮助 five times each, then a leader's
 * directive. Its first post may come at most one pacing gap later than in the same school without the
 * flood (the send under way when it arrives): every answer is a paced send, but the stranger is told
 * "not on the roster" once a day, answers to people without a staff role queue after every post, and
 * an account gives such answers at most a share of its minute budget.
 */
import { describe, expect, it } from 'vitest';
import { isDirectivePostKey } from '../src/store/keys.js';
import type { SimMessage } from '../adapters/simulator/index.js';
import { startTestSchool, type TestSchool } from './setup/runtime.js';

/** The pacing gap of every account in these runs. */
const GAP_MS = 500;
/** Scheduling noise between two runs of the same steps (timers, commits): not a pacing gap. */
const NOISE_MS = 100;
const FLOOD = 200;
const STRANGER = '999000009';

/** Resolves with the first bot message matching, as the simulator delivers it (an event, not a poll). */
function firstBotMessage(school: TestSchool, match: (m: SimMessage) => boolean): Promise<SimMessage> {
  const { world } = school.runtime.school;
  return new Promise((resolve) => {
    const off = world.onMessage((m) => {
      if (world.account(m.from) === undefined || !match(m)) return;
      off();
      resolve(m);
    });
  });
}

/** Resolves once the store holds `count` messages from these accounts. */
async function stored(school: TestSchool, senders: readonly string[], count: number): Promise<void> {
  const db = school.runtime.db.$client;
  const n = (): number =>
    (db.prepare(`SELECT count(*) AS n FROM inbound_messages WHERE sender_platform_id IN (${senders.map(() => '?').join(',')})`).get(...senders) as { n: number }).n;
  while (n() < count) await new Promise((r) => setImmediate(r));
}

type Flood = 'none' | 'chat' | 'help';
/** A dozen strangers who each ask /帮助 this often. */
const HELP_SENDERS = Array.from({ length: 12 }, (_, i) => String(999_100_000 + i));
const HELP_EACH = 5;

/** How long after the leader's /通知 its first post by the flooded account reached a group. */
async function firstPostDelay(flood: Flood): Promise<{ delayMs: number; strangerAnswers: number; helpAnswers: number }> {
  const school = await startTestSchool({ realClock: true, minGapMs: GAP_MS });
  try {
    if (flood === 'chat') {
      for (let i = 0; i < FLOOD; i++) school.say(`qq:${STRANGER}`, '私聊', `在吗？请问怎么报名 ${i}`);
      await stored(school, [STRANGER], FLOOD);
    }
    if (flood === 'help') {
      for (let n = 0; n < HELP_EACH; n++) for (const who of HELP_SENDERS) school.say(`qq:${who}`, '私聊', `/帮助 ${n}`);
      await stored(school, HELP_SENDERS, HELP_SENDERS.length * HELP_EACH);
    }
    // The account the stranger writes to, which also posts the directive into its groups.
    const account = school.runtime.school.accountsOn('qq')[0];
    const post = firstBotMessage(school, (m) => m.from === account && m.chatType === 'group' && m.deliveryKey !== undefined && isDirectivePostKey(m.deliveryKey));
    const t0 = Date.now();
    school.say('T001', 'L1', '/通知 请各学院统计返校人数');
    const first = await post;
    const transcript = school.runtime.school.world.transcript();
    const strangerAnswers = transcript.filter((m) => m.chatType === 'private' && m.toUserId === STRANGER).length;
    // Answers that went out between the leader's /通知 and its first post.
    const helpAnswers = transcript.filter((m) => m.chatType === 'private' && HELP_SENDERS.includes(m.toUserId) && m.at >= t0 && m.at <= first.at).length;
    return { delayMs: first.at - t0, strangerAnswers, helpAnswers };
  } finally {
    await school.close();
  }
}

describe('a flood', () => {
  it('of private messages from a stranger delays the next directive’s first post by at most one pacing gap', { timeout: 60_000 }, async () => {
    const quiet = await firstPostDelay('none');
    const flooded = await firstPostDelay('chat');
    expect(flooded.strangerAnswers).toBe(1);
    expect(flooded.delayMs - quiet.delayMs).toBeLessThanOrEqual(GAP_MS + NOISE_MS);
  });

  it('of /帮助 from a dozen strangers delays it by at most one pacing gap too', { timeout: 60_000 }, async () => {
    const quiet = await firstPostDelay('none');
    const flooded = await firstPostDelay('help');
    // The answers wait behind the directive's posts: at most the one under way went first.
    expect(flooded.helpAnswers).toBeLessThanOrEqual(1);
    expect(flooded.delayMs - quiet.delayMs).toBeLessThanOrEqual(GAP_MS + NOISE_MS);
  });
});
