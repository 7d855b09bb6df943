/**
 * The benchmark in small mode, for correctness only: every delivery sent once, every acknowledgement
 * stored, every reported key present. Timings depend on the machine and are never asserted.
 */
import { describe, expect, it } from 'vitest';
import { pacingOf } from '../src/bench/chase.js';
import { formatBench, runBench } from '../src/bench/run.js';
import { benchService } from '../src/bench/service.js';
import { redisUrl } from './setup/helpers.js';

describe('bench --small', () => {
  it('relays, takes acknowledgements and answers /未回复 on a small synthetic campus', async () => {
    const r = await runBench({ small: true, redisUrl: redisUrl(), directives: 10, referenceJobs: 500, pendingCalls: 20 });

    for (const key of [
      'reference_jobs_per_s',
      'relay_deliveries_per_s',
      'relay_ratio',
      'ack_msgs_per_s',
      'ack_ratio',
      'pending_query_p95_ms',
      'peak_rss_mb',
    ] as const) {
      expect(typeof r[key], key).toBe('number');
      expect(Number.isFinite(r[key]), key).toBe(true);
      expect(r[key], key).toBeGreaterThan(0);
    }

    // 4 colleges × (L2 + 5 × L3 + L4) = 28 groups below L1.
    expect(r.campus).toMatchObject({ colleges: 4, classes: 20, students: 400, guardians: 400, groups: 29 });
    expect(r.relay).toMatchObject({ directives: 10, groups_per_directive: 28, expected: 280, sent: 280, failed: 0, uncertain: 0, duplicates: 0 });
    // 400 students + 400 guardians + 4 deputy secretaries + 12 counselors (3 per college).
    expect(r.ack).toMatchObject({ directive_id: 10, messages: 816, expected_acks: 816, stored_acks: 816, inbound_stored: 816 });
    expect(r.pending.calls).toBe(20);
    // Reply understanding: the labelled corpus, the baseline and the throughput, measured in the same run.
    expect(r.understanding.corpus.rows).toBe(r.understanding.tuning.rows + r.understanding.holdout.rows);
    expect(r.understanding.corpus.rows).toBeGreaterThanOrEqual(400);
    expect(Object.keys(r.understanding.corpus.per_label).sort()).toEqual(['ack', 'done', 'negative', 'other', 'question']);
    expect(r.understanding.baseline.accuracy).toBeLessThan(r.understanding.corpus.accuracy);
    expect(r.understanding.msgs_per_s).toBeGreaterThan(0);
    // Reading messages of up to 64 KB: every adversarial shape measured (the time itself is the bench's business).
    expect(r.parse64.cases.length).toBeGreaterThanOrEqual(15);
    expect(r.parse64.cases.every((c) => c.chars >= 60_000 && c.worstMs >= c.medianMs)).toBe(true);
    expect(r.pending.chat_path_ms).not.toBeNull();
    // Chasing: one round for the whole (small) campus, its sends paced. Timings are not asserted.
    expect(r.chase).toMatchObject({ directives: 1, obligations: 816, non_responders: 245, rounds: 1, failed: 0, uncertain: 0, duplicates: 0 });
    expect(r.chase.round_ms).toBeGreaterThan(0);
    expect(r.chase_round_ms).toBe(r.chase.round_ms);
    expect(r.chase.deliveries).toBeGreaterThan(0);
    expect(r.chase.reminders.mention).toBeGreaterThan(0);
    expect(r.chase.summary_ms).toBeGreaterThan(0);
    expect(r.chase.summary_messages).toBeGreaterThan(0);
    expect(r.chase.sent).toBe(r.chase.expected_sends);
    expect(r.chase.pacing.sends_checked).toBe(r.chase.expected_sends);
    // Every gap between two posts of one account is at least the configured minimum.
    expect(r.chase.pacing.min_gap_ms_setting).toBeGreaterThan(0);
    expect(r.chase.pacing.sends_checked - r.chase.pacing.accounts).toBeGreaterThan(0);
    expect(r.chase.pacing.violations).toBe(0);
    expect(r.chase.pacing.min_gap_ms).toBeGreaterThanOrEqual(r.chase.pacing.min_gap_ms_setting - 1);
    expect(typeof r.targets.chase_round_ms).toBe('boolean');
    // Membership: every group audited; each kind of irregularity made is found.
    expect(r.membership.groups).toBe(r.campus.groups);
    expect(r.membership.irregular).toBeGreaterThan(0);
    for (const k of ['missing', 'strangers', 'badCard', 'duplicates'] as const) expect(r.membership.findings[k]).toBeGreaterThan(0);
    expect(r.membership.audit_ms).toBeGreaterThan(0);
    // The web console: every page as three roles, and the read an open directive page repeats.
    expect(r.web.pages.length).toBe(21);
    expect(r.web.worst_ms).toBe(Math.max(...r.web.pages.map((p) => p.max_ms)));
    expect(r.web.live_read.map((l) => l.role)).toEqual(['team', 'deputy', 'counselor']);
    for (const l of r.web.live_read) expect(l.max_ms).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(formatBench(r)).toContain('correctness: every delivery sent exactly once');
    expect(formatBench(r)).toContain('chase: one round, whole campus');
  }, 60_000);

  it('counts, per account, the gaps between posts that are shorter than the pacing allows', () => {
    const posts = [
      { from: 'a', at: 100 },
      { from: 'b', at: 101 },
      { from: 'a', at: 124 }, // 24: within the 1 ms of rounding
      { from: 'a', at: 140 }, // 16: too short
      { from: 'b', at: 160 },
    ];
    expect(pacingOf(posts, 25)).toEqual({ accounts: 2, busiest: 3, minGap: 16, violations: 1 });
    expect(pacingOf([], 25)).toEqual({ accounts: 0, busiest: 0, minGap: null, violations: 0 });
  });
});

describe('bench --campus large, the service phase (small campus, correctness only)', () => {
  it('runs cascade start against the OneBot peer through a day of work and reads its memory', async () => {
    const r = await benchService({
      url: redisUrl(),
      prefix: `bench-service-test-${process.pid}`,
      campus: { colleges: 2, classesPerCollege: 3, studentsPerClass: 10, accounts: 3 },
      progress: () => undefined,
    });
    expect(r.phases.map((p) => p.name)).toEqual(['start', 'audit', 'relay', 'acks', 'queries', 'chase']);
    for (const p of r.phases) {
      expect(p.rss_mb, p.name).toBeGreaterThan(0);
      expect(p.peak_rss_mb, p.name).toBeGreaterThanOrEqual(p.rss_mb - 1);
      expect(p.heap_used_mb, p.name).toBeGreaterThan(0);
    }
    // The run's peak is read once more after the last phase (the final checks run while the service is up).
    expect(r.peak_rss_mb).toBeGreaterThanOrEqual(Math.max(...r.phases.map((p) => p.peak_rss_mb)));
    // 2 colleges × (L2 + 3 × L3 + L4) + L1 = 11 groups; the directive reaches all but L1.
    expect(r.campus).toMatchObject({ students: 60, guardians: 60, groups: 11, accounts: 3 });
    expect(r.audit).toEqual({ groups: 11, audited: 11 });
    expect(r.relay).toEqual({ posts: 10, groups: 10, duplicates: 0 });
    // 7 of every 10 students and their first guardians.
    expect(r.acks).toMatchObject({ messages: 84, stored: 84 });
    expect(r.queries).toEqual({ asked: 2, answered: 2 });
    expect(r.chase.reminders_sent).toBeGreaterThan(1);
    expect(r.ok).toBe(true);
  }, 120_000);
});
