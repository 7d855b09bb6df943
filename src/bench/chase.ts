/**
 * `cascade bench`, chase phase: one automatic chase round for a directive to the whole synthetic
 * campus, timed from "work out who is due" to "sends queued", and the per-account send pacing
 * checked on everything the bots post. What each figure means: the fields of `ChaseBench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { buildApp, type App } from '../app/build-app.js';
import { silentLogger } from '../app/logger.js';
import { systemClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { initialReleases, obligations, type Directive } from '../domain/directive.js';
import { OrgIndex } from '../domain/org-index.js';
import { obligationGroup } from '../domain/progress.js';

import type { RosterData } from '../roster/types.js';
import { populateWorld } from '../sim/populate.js';
import type { ReminderAction } from '../store/chase-repo.js';
import { closeDb, openDb, type Db } from '../store/db.js';
import type { NewAcknowledgement } from '../store/directive-repo.js';
import { applyRoster, loadOrgSnapshot } from '../store/org-repo.js';
import { seededRandom } from '../roster/names.js';
import { round, waitFor } from './util.js';
import { RELAY } from '../features/directives/index.js';
import { CHASE_JOB, CHASER } from '../features/chasing/index.js';

/** Pacing of the chase phase: real gaps, small enough that the campus drains in a few seconds. */
export const CHASE_PACING = Object.freeze({ minGapMs: 25, jitterMs: 10 });
/** Share of obligations nobody replies to. */
export const CHASE_NON_RESPONDERS = 0.3;
/**
 * How far the directive is backdated: past the last first-step of the default policy (L3 nag and
 * L4 nag at 2 h), so every level has something due in the one round.
 */
export const CHASE_BACKDATE_MS = 125 * 60_000;

export interface ChaseBenchOptions {
  readonly url: string;
  /** Redis prefix of this phase alone. */
  readonly prefix: string;
  /** The campus, as the other phases import it. */
  readonly roster: RosterData;
  readonly minGapMs?: number;
  readonly jitterMs?: number;
  /** Share of obligations left unanswered (default 0.3). */
  readonly nonResponders?: number;
  /** Seed of the pseudo-random choice of non-responders. */
  readonly seed?: number;
  /** Extra `sending` / `queue` settings; the pacing above always wins. */
  readonly sending?: Record<string, unknown>;
  readonly queue?: Record<string, unknown>;
  readonly progress: (line: string) => void;
}

export interface ChaseBench {
  /** Directives chased (one, depth 4, immediate, every college). */
  directives: number;
  /** How long before the round the directive was created, in minutes. */
  backdated_min: number;
  /** Replies owed (L1 deputy secretaries, L2 counselors, L3 students, L4 families). */
  obligations: number;
  non_responders: number;
  /** One automatic round (`Chaser.tick`), wall time: who is due, the plan, the record, the sends queued. */
  round_ms: number;
  /** The same round run again right after the sends drained: nobody is due (cool-down), so only working it out. */
  idle_round_ms: number;
  /**
   * The deadline summary of a second directive to the whole campus (deadline passed, 30 % never
   * replied, a tenth of the replies late): one round that only sends the summaries.
   */
  summary_ms: number;
  /** Private summaries planned (team leaders, and the deputy secretaries and counselors with something missing). */
  summary_messages: number;
  /** Ledger rows the round planned (keys `c<directive>-…`), parts of split messages counted. */
  deliveries: number;
  deliveries_group: number;
  deliveries_private: number;
  /** Reminders the round recorded, by action. */
  reminders: Record<ReminderAction, number>;
  /** Chase rounds recorded for the directive (1: nothing ran on its own). */
  rounds: number;
  /** Chase jobs the timed round left in Redis: rounds it scheduled (the chase queue is paused in this phase). */
  rounds_scheduled: { already_due: number; later: number };
  /** Of both directives: their initial posts, the round's deliveries and the summaries. */
  expected_sends: number;
  sent: number;
  failed: number;
  uncertain: number;
  duplicates: number;
  setup_ms: number;
  pacing: {
    min_gap_ms_setting: number;
    jitter_ms: number;
    accounts: number;
    /** Bot posts in the simulator's transcript: the initial posts and the round's sends. */
    sends_checked: number;
    busiest_account_sends: number;
    /** Smallest gap between two consecutive posts of one account. */
    min_gap_ms: number | null;
    /** Gaps below min_gap_ms_setting − 1 ms (1 ms for the clock's rounding). */
    violations: number;
    /** The initial posts, from the create until the last was sent. */
    initial_drain_ms: number;
    /** The most initial posts one account had to make. */
    initial_busiest_posts: number;
    /**
     * What pacing allows at best for the initial posts: the busiest account's posts less one, times the
     * mean gap (minGap + jitter / 2) — the “groups ÷ accounts × gap” of issue #17, for the account that has most.
     */
    initial_pacing_limit_ms: number;
    /** initial_drain_ms ÷ initial_pacing_limit_ms: 1 is the pacing limit itself (issue #17 asks ≤ 1.05). */
    initial_pacing_ratio: number;
    /** The round's sends, from the end of the round until the last was sent. */
    drain_ms: number;
  };
}

/** Per account, the gaps between consecutive posts (by `at`): the smallest, and how many are short. */
export function pacingOf(
  posts: readonly { from: string; at: number }[],
  minGapMs: number,
): { accounts: number; busiest: number; minGap: number | null; violations: number } {
  const byAccount = new Map<string, number[]>();
  for (const p of posts) {
    const list = byAccount.get(p.from) ?? [];
    list.push(p.at);
    byAccount.set(p.from, list);
  }
  let minGap: number | null = null;
  let violations = 0;
  let busiest = 0;
  for (const times of byAccount.values()) {
    times.sort((a, b) => a - b);
    busiest = Math.max(busiest, times.length);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      if (minGap === null || gap < minGap) minGap = gap;
      if (gap < minGapMs - 1) violations++;
    }
  }
  return { accounts: byAccount.size, busiest, minGap, violations };
}

/** The chase phase, in a store and Redis prefix of its own; everything is torn down before it returns. */
export async function benchChase(opts: ChaseBenchOptions): Promise<ChaseBench> {
  const { progress, url, prefix } = opts;
  const minGapMs = opts.minGapMs ?? CHASE_PACING.minGapMs;
  const jitterMs = opts.jitterMs ?? CHASE_PACING.jitterMs;
  const share = opts.nonResponders ?? CHASE_NON_RESPONDERS;
  const random = seededRandom(opts.seed ?? 20261129);
  const scratch = mkdtempSync(join(tmpdir(), 'cascade-bench-chase-'));
  let db: Db | undefined;
  let app: App | undefined;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  const chaseQueue = new Queue(CHASE_JOB, { connection, prefix });
  try {
    const config = parseConfig({
      dataDir: scratch,
      // The measure is the gap; the production budgets (per minute, per day, per group) would only slow the bench.
      sending: { ...opts.sending, minGapMs, jitterMs, perMinute: 1_000_000, perDay: 1_000_000, perGroupPerMinute: 1_000_000 },
      queue: { ...opts.queue },
      redis: { url, prefix },
      log: { level: 'silent' },
      // The default policy, but the same at any hour the bench runs: no quiet hours.
      chasing: { quietHours: null },
    });

    // ---- campus ----------------------------------------------------------------------------
    const setupStarted = performance.now();
    db = openDb(join(scratch, 'bench.db'));
    applyRoster(db, opts.roster, { source: 'synthetic', now: Date.now() });
    // The transcript is kept: the pacing check reads when each bot post went out.
    const school = populateWorld(new OrgIndex(loadOrgSnapshot(db, config.school.name)), { keepTranscript: true });
    const { world } = school;
    const a = buildApp({ config, db, redisUrl: url, prefix, clock: systemClock, adapters: school.adapters, logger: silentLogger });
    app = a;
    // Rounds run only when the bench calls the handler: the one timed round must not be joined by
    // rounds of its own scheduling (the backdated directive's first wakes are already due).
    await chaseQueue.pause();
    await a.start();
    const org = a.org();
    const client = db.$client;
    const unsentStmt = client.prepare(`SELECT count(*) AS n FROM deliveries WHERE status IN ('planned', 'sending')`);
    const setupMs = performance.now() - setupStarted;

    // ---- the directive, created 2 h 05 min ago -------------------------------------------
    const leader = org.withRole('team_leader', null)[0];
    const l1 = org.groupByKeyName('L1');
    if (!leader || !l1) throw new Error('bench: the synthetic campus has no team leader or L1 group');
    /** A directive to the whole campus, its posts drained, and (not timed) all but `share` of its replies given. */
    const directive = async (text: string, createdAt: number, deadlineAt: number | null): Promise<{ d: Directive; posts: number; drainMs: number; owed: number; given: number }> => {
      const input = {
        issuerId: leader.id,
        originGroupId: l1.id,
        originInboundId: null,
        text,
        deadlineAt,
        depth: 4 as const,
        collegeIds: null,
        requireCompletion: false,
        mode: 'immediate' as const,
        replyHint: '收到',
        urgent: false,
        sms: false,
        parentsText: null,
        createdAt,
      };
      const started = performance.now();
      const before = world.messageCount();
      const { directive: d, sends } = a.get(RELAY).create(input, initialReleases(org, input));
      progress(`chase: directive ${d.id} to ${sends.length} groups, created ${Math.round((Date.now() - createdAt) / 60_000)} min ago; posts paced at ${minGapMs} + 0..${jitterMs} ms per account`);
      await a.outbox.enqueue(sends);
      await waitFor('the initial posts', 300_000, 20, () => world.messageCount() - before >= sends.length && (unsentStmt.get() as { n: number }).n === 0);
      const drainMs = performance.now() - started;
      // The posts of a directive created then went out then: chasing counts from when a post reached its group.
      client.prepare(`UPDATE deliveries SET sent_at = ? WHERE directive_id = ? AND purpose = 'directive'`).run(createdAt, d.id);
      // Rounds scheduled on their own wait in the paused chase queue: only the bench runs rounds here.
      await chaseQueue.drain(true);
      await a.settle(60_000);
      const owed = obligations(org, d);
      const order = owed.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      const acks: NewAcknowledgement[] = [];
      for (const i of order.slice(Math.round(owed.length * share))) {
        const o = owed[i];
        if (!o) continue;
        const groupId = o.level === 1 ? d.originGroupId : obligationGroup(org, o)?.id;
        if (groupId === undefined) continue;
        const byPersonId = o.level === 4 ? (org.guardiansOf(o.subjectId)[0]?.guardianId ?? null) : o.subjectId;
        // With a deadline, a tenth of the replies come after it.
        const late = deadlineAt !== null && random() < 0.1;
        const at = late ? (deadlineAt as number) + 60_000 : createdAt + 60_000 + Math.floor(random() * 60 * 60_000);
        acks.push({ directiveId: d.id, level: o.level, kind: 'ack', subjectId: o.subjectId, byPersonId, collegeId: o.collegeId, classId: o.classId, groupId, inboundId: 0, at, late });
      }
      const given = a.directives.transaction(() => a.directives.acknowledge(acks));
      progress(`  ${owed.length} replies owed, ${given} given, ${owed.length - given} never (${Math.round(share * 100)} %)`);
      return { d, posts: sends.length, drainMs, owed: owed.length, given };
    };
    const first = await directive('基准测试通知（催办）：请各位同学和家长回复“收到”。', Date.now() - CHASE_BACKDATE_MS, null);
    const { d } = first;
    const initialDrainMs = first.drainMs;
    const busiestInitial = (client.prepare(`SELECT max(n) AS n FROM (SELECT count(*) AS n FROM deliveries WHERE directive_id = ? AND purpose = 'directive' GROUP BY account_id)`).get(d.id) as { n: number | null }).n ?? 0;
    const pacingLimitMs = Math.max(1, busiestInitial - 1) * (minGapMs + jitterMs / 2);

    // ---- (timed) one automatic round ---------------------------------------------------------
    const before = world.messageCount();
    const roundStarted = performance.now();
    await a.get(CHASER).tick(d.id, Date.now());
    const roundEnded = performance.now();
    const roundMs = roundEnded - roundStarted;
    const planned = client
      .prepare(`SELECT chat_type AS chatType, count(*) AS n FROM deliveries WHERE key LIKE ? GROUP BY chat_type`)
      .all(`c${d.id}-%`) as { chatType: 'group' | 'private'; n: number }[];
    const deliveriesGroup = planned.find((p) => p.chatType === 'group')?.n ?? 0;
    const deliveriesPrivate = planned.find((p) => p.chatType === 'private')?.n ?? 0;
    const deliveries = deliveriesGroup + deliveriesPrivate;
    const reminders: Record<ReminderAction, number> = { mention: 0, notice: 0, private: 0, nag: 0, relay: 0, sms: 0 };
    for (const r of a.repos.chase.reminders(d.id)) reminders[r.action]++;
    progress(
      `  round: ${round(roundMs, 1)} ms, ${deliveries} deliveries (${deliveriesGroup} in groups, ${deliveriesPrivate} private); reminders ${Object.entries(reminders)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    // What the round scheduled: rounds already due (the backdated directive's first wakes) and later ones.
    const jobs = await chaseQueue.getJobs(['waiting', 'delayed', 'prioritized']);
    const now = Date.now();
    const roundsScheduled = {
      already_due: jobs.filter((j) => (j.data as { at: number }).at <= now).length,
      later: jobs.filter((j) => (j.data as { at: number }).at > now).length,
    };

    // ---- the round's sends drain at the paced rate -----------------------------------------
    await waitFor('the chase sends', 300_000, 20, () => world.messageCount() - before >= deliveries && (unsentStmt.get() as { n: number }).n === 0);
    const drainMs = performance.now() - roundEnded;
    progress(`  ${deliveries} sends drained in ${round(drainMs)} ms`);

    // Again, now that everyone owing was just reminded: nothing is due, only the working out.
    const idleStarted = performance.now();
    await a.get(CHASER).tick(d.id, Date.now());
    const idleRoundMs = performance.now() - idleStarted;

    // ---- (timed) the deadline summary of a second directive --------------------------------
    const second = await directive('基准测试通知（截止汇总）：请各位同学和家长回复“收到”。', Date.now() - 3 * 3600_000, Date.now() - 2 * 3600_000);
    const summaryBefore = world.messageCount();
    const summaryStarted = performance.now();
    await a.get(CHASER).tick(second.d.id, Date.now());
    const summaryMs = performance.now() - summaryStarted;
    const summaryMessages = (client.prepare('SELECT count(*) AS n FROM deliveries WHERE key LIKE ?').get(`c${second.d.id}-summary-%`) as { n: number }).n;
    progress(`  deadline summary: ${round(summaryMs, 1)} ms, ${summaryMessages} private summaries`);
    await waitFor('the summaries', 300_000, 20, () => world.messageCount() - summaryBefore >= summaryMessages && (unsentStmt.get() as { n: number }).n === 0);
    await chaseQueue.drain(true);
    await a.settle(60_000);

    const posts = world.transcript().filter((m) => world.account(m.from) !== undefined);
    const pacing = pacingOf(posts, minGapMs);
    // Everything in this phase's store is the two directives': their posts, the round's reminders, the summaries.
    const byStatus = new Map(
      (client.prepare('SELECT status, count(*) AS n FROM deliveries GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
    );
    const result: ChaseBench = {
      directives: 1,
      backdated_min: CHASE_BACKDATE_MS / 60_000,
      obligations: first.owed,
      non_responders: first.owed - first.given,
      round_ms: round(roundMs, 1),
      idle_round_ms: round(idleRoundMs, 1),
      summary_ms: round(summaryMs, 1),
      summary_messages: summaryMessages,
      deliveries,
      deliveries_group: deliveriesGroup,
      deliveries_private: deliveriesPrivate,
      reminders,
      rounds: a.repos.chase.rounds(d.id).length,
      rounds_scheduled: roundsScheduled,
      expected_sends: first.posts + deliveries + second.posts + summaryMessages,
      sent: byStatus.get('sent') ?? 0,
      failed: byStatus.get('failed') ?? 0,
      uncertain: byStatus.get('uncertain') ?? 0,
      duplicates: world.duplicateDeliveries(),
      setup_ms: round(setupMs),
      pacing: {
        min_gap_ms_setting: minGapMs,
        jitter_ms: jitterMs,
        accounts: pacing.accounts,
        sends_checked: posts.length,
        busiest_account_sends: pacing.busiest,
        min_gap_ms: pacing.minGap,
        violations: pacing.violations,
        initial_drain_ms: round(initialDrainMs),
        initial_busiest_posts: busiestInitial,
        initial_pacing_limit_ms: round(pacingLimitMs),
        initial_pacing_ratio: round(initialDrainMs / pacingLimitMs, 3),
        drain_ms: round(drainMs),
      },
    };
    progress(`  pacing: ${posts.length} posts on ${pacing.accounts} accounts, smallest gap ${pacing.minGap ?? '—'} ms, ${pacing.violations} below ${minGapMs} ms`);
    return result;
  } finally {
    await chaseQueue.obliterate({ force: true }).catch(() => undefined);
    await chaseQueue.close().catch(() => undefined);
    connection.disconnect();
    if (app) {
      await app.queues.obliterate().catch(() => undefined);
      await app.stop().catch(() => undefined);
    }
    if (db) closeDb(db);
    rmSync(scratch, { recursive: true, force: true });
  }
}
