/**
 * A flood cannot crowd out directives, in real time with pacing on: 200 private messages from an
 * account not on the roster, then a leader's directive. Its first post may come at most one pacing gap
 * later than in the same school without the flood (every answer is a paced send; the stranger is
 * answered once a day, and answers to non-staff queue behind directive posts).
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

/** Resolves once the store holds `count` messages from the account (each inbound commit is an event on the queue). */
async function stored(school: TestSchool, count: number): Promise<void> {
  const db = school.runtime.db.$client;
  const n = (): number => (db.prepare('SELECT count(*) AS n FROM inbound_messages WHERE sender_platform_id = ?').get(STRANGER) as { n: number }).n;
  while (n() < count) await new Promise((r) => setImmediate(r));
}

/** How long after the leader's /通知 its first post by the flooded account reached a group. */
async function firstPostDelay(flood: boolean): Promise<{ delayMs: number; strangerAnswers: number }> {
  const school = await startTestSchool({ realClock: true, minGapMs: GAP_MS });
  try {
    if (flood) {
      for (let i = 0; i < FLOOD; i++) school.say(`qq:${STRANGER}`, '私聊', `在吗？请问怎么报名 ${i}`);
      await stored(school, FLOOD);
    }
    // The account the stranger writes to, which also posts the directive into its groups.
    const account = school.runtime.school.accountsOn('qq')[0];
    const post = firstBotMessage(school, (m) => m.from === account && m.chatType === 'group' && m.deliveryKey !== undefined && isDirectivePostKey(m.deliveryKey));
    const t0 = Date.now();
    school.say('T001', 'L1', '/通知 请各学院统计返校人数');
    const first = await post;
    const strangerAnswers = school.runtime.school.world.transcript().filter((m) => m.chatType === 'private' && m.toUserId === STRANGER).length;
    return { delayMs: first.at - t0, strangerAnswers };
  } finally {
    await school.close();
  }
}

describe('a flood of private messages from a stranger', () => {
  it('delays the next directive’s first post by at most one pacing gap', { timeout: 60_000 }, async () => {
    const quiet = await firstPostDelay(false);
    const flooded = await firstPostDelay(true);
    expect(flooded.strangerAnswers).toBe(1);
    expect(flooded.delayMs - quiet.delayMs).toBeLessThanOrEqual(GAP_MS + NOISE_MS);
  });
});
