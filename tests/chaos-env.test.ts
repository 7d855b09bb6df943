/**
 * The fault suite's environment (src/chaos/env.ts) measures faults, not sending budgets: its accounts are
 * paced by their gap alone. With the production budgets (30 sends a minute) the sigkill scenario, a
 * 12-group directive every few seconds, spent qq-bot-2's minute every fourth directive, and a restart then
 * waited out the window (Pacer.seed: correct) for up to 40 s, reported as a resume of Infinity.
 */
import { afterEach, describe, expect, it } from 'vitest';
import '../adapters/index.js';
import { Pacer } from '../src/app/outbox.js';
import { ChaosEnv } from '../src/chaos/env.js';
import { VirtualClock } from '../src/clock.js';
import { loadConfig } from '../src/config/load.js';

let env: ChaosEnv | undefined;

afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('the fault suite’s environment', () => {
  it('paces its accounts by the gap alone: a restart right after a busy minute sends again within the gap', async () => {
    env = await ChaosEnv.create({ heartbeatMs: 5_000, callTimeoutMs: 3_000, minGapMs: 300 });
    const config = loadConfig({}, {}, env.configFile);
    expect(config.accounts.map((a) => a.id)).toEqual(['qq-bot-1', 'qq-bot-2']);
    for (const a of config.accounts) {
      // As build-app resolves an account's pacing.
      const pacing = {
        minGapMs: a.minGapMs ?? config.sending.minGapMs,
        jitterMs: a.jitterMs ?? config.sending.jitterMs,
        perMinute: a.perMinute ?? config.sending.perMinute,
        perDay: a.perDay ?? config.sending.perDay,
        perGroupPerMinute: a.perGroupPerMinute ?? config.sending.perGroupPerMinute,
      };
      expect(pacing.minGapMs).toBe(300);
      const clock = new VirtualClock(3_600_000);
      const pacer = new Pacer(clock, () => pacing, () => 0);
      // The slow runs: 30 posts of the account in the 20 s before the kill (four directives, 300 ms apart).
      const before = Array.from({ length: 30 }, (_, i) => clock.now() - 20_000 + i * 300);
      pacer.seed(a.id, before);
      const start = clock.now();
      // The restarted process's pending posts: each after the gap, none put back for the budget.
      for (let i = 0; i < 8; i++) {
        expect(await pacer.acquire(a.id, `g${i}`)).toBe(0);
        pacer.sent(a.id);
      }
      expect(clock.now() - start).toBeLessThan(8 * 300 + 1);
      // Enough for a full run (20 directives) into each group within a minute.
      expect(pacing.perGroupPerMinute).toBeGreaterThanOrEqual(20);
    }
  });
});
