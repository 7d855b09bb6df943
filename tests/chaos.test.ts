/**
 * The fault suite's quick variant (docs/reliability.md), on real processes: `cascade start` with OneBot
 * accounts against the spec peer in a process of its own, each fault injected once or a few times.
 * Every target must hold: no duplicate, no post lost without a person asked, no reply lost, resume within
 * 5 s, a SIGTERM within 10 s, no two sends of an account closer than its gap. (`npm run chaos` runs the
 * full variant: 20 kills, a 60-second freeze.)
 */
import { describe, expect, it } from 'vitest';
import { formatChaos, runChaos } from '../src/chaos/run.js';

describe('the fault suite, quick', () => {
  it('meets every target', { timeout: 600_000 }, async () => {
    const report = await runChaos({ quick: true });
    expect(report.ok, formatChaos(report)).toBe(true);
    expect(report.scenarios.map((s) => s.name)).toEqual(['sigkill', 'redis-embedded', 'redis-external', 'freeze', 'peer-kill', 'restart-replies', 'quotes']);
    for (const s of report.scenarios) expect(s.posts_expected, s.name).toBeGreaterThan(0);
  });
});
