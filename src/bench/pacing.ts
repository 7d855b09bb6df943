/**
 * `cascade bench`, 60-second pacing phase: three OneBot accounts, each paced on its own, drain a
 * backlog larger than the run can send, through the real send path (sent-ledger in a temporary
 * SQLite file, one BullMQ send queue per account on Redis, `Outbox` + `Pacer` on the system clock,
 * `OneBotAdapter` over a loopback WebSocket). The time each message reaches its peer is recorded at
 * the peer, and the gaps are checked per account. What each figure means: the fields of `Pacing60Bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { OneBotAdapter } from '../../adapters/onebot/adapter.js';
import { oneBotOptionsSchema } from '../../adapters/onebot/options.js';
import { OneBotPeer, type PeerSent } from '../../adapters/onebot/peer.js';
import { silentLogger } from '../app/logger.js';
import { Outbox, Pacer, type Pacing } from '../app/outbox.js';
import { systemClock } from '../clock.js';
import type { ChatAdapter } from '../platform/port.js';
import { JobQueues, type JobQueuesOptions } from '../queue/job-queues.js';
import { closeDb, openDb, type Db } from '../store/db.js';
import { LedgerRepo, type PlannedDelivery } from '../store/ledger-repo.js';
import { round, sleep } from './util.js';

/** The three accounts' pacing: as a deployment might set them, one per account. */
export const PACING60_ACCOUNTS: readonly Pacing[] = Object.freeze([
  { minGapMs: 1500, jitterMs: 300 },
  { minGapMs: 1000, jitterMs: 200 },
  { minGapMs: 700, jitterMs: 100 },
]);
/** Groups each account posts to. */
export const PACING60_GROUPS = 4;
const TOKEN = 'bench-pacing-token';

export interface Pacing60Options {
  readonly url: string;
  /** Redis prefix of this phase alone. */
  readonly prefix: string;
  /** How long the accounts send, in seconds (default 60). */
  readonly seconds?: number;
  readonly accounts?: readonly Pacing[];
  readonly progress: (line: string) => void;
}

export interface Pacing60Account {
  account: string;
  min_gap_ms_setting: number;
  jitter_ms: number;
  groups: number;
  /** Deliveries planned and queued before the run: twice what the run could send at the bare minimum gap. */
  backlog: number;
  /** Messages that reached this account's peer. */
  sends: number;
  /** Between consecutive arrivals at the peer (performance.now(), sub-millisecond). */
  min_gap_ms: number | null;
  mean_gap_ms: number | null;
  max_gap_ms: number | null;
  /** Gaps shorter than min_gap_ms_setting, strictly, no tolerance. */
  violations: number;
  /** Texts that reached the peer more than once (every planned text is unique). */
  duplicates: number;
  /** Deliveries the ledger marks sent: equals `sends` when nothing was lost or doubled. */
  ledger_sent: number;
}

export interface Pacing60Bench {
  /** The run's planned length; `ran_ms` is from starting the send workers until they were closed (the send in flight finished). */
  seconds: number;
  ran_ms: number;
  accounts: Pacing60Account[];
  sends: number;
  violations: number;
  duplicates: number;
  /** Ledger rows not `sent` or still waiting (`planned`) are expected; `failed` and `uncertain` must be 0. */
  ledger: { sent: number; planned: number; sending: number; failed: number; uncertain: number };
}

/** Gaps between consecutive times (sorted copy), with the count of those below `minGapMs`. */
export function gapsOf(times: readonly number[], minGapMs: number): { min: number | null; mean: number | null; max: number | null; violations: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let min: number | null = null;
  let max: number | null = null;
  let sum = 0;
  let violations = 0;
  for (let i = 1; i < sorted.length; i++) {
    const gap = (sorted[i] as number) - (sorted[i - 1] as number);
    sum += gap;
    if (min === null || gap < min) min = gap;
    if (max === null || gap > max) max = gap;
    if (gap < minGapMs) violations++;
  }
  const n = sorted.length - 1;
  return { min, mean: n > 0 ? sum / n : null, max, violations };
}

/** When each message reached the peer: the peer appends to `sent` as it takes a `send_*_msg` call. */
function recordArrivals(peer: OneBotPeer): { at: number[]; texts: string[] } {
  const at: number[] = [];
  const texts: string[] = [];
  const sent = peer.sent;
  const push = sent.push.bind(sent);
  sent.push = (...items: PeerSent[]): number => {
    const now = performance.now();
    for (const item of items) {
      at.push(now);
      texts.push(item.text);
    }
    return push(...items);
  };
  return { at, texts };
}

interface Account {
  readonly id: string;
  readonly selfId: string;
  readonly pacing: Pacing;
  readonly groups: readonly string[];
  readonly peer: OneBotPeer;
  readonly arrivals: { at: number[]; texts: string[] };
  adapter?: OneBotAdapter;
}

/** The 60-second pacing phase; everything (adapters, peers, queues, keys, the SQLite file) is torn down before it returns. */
export async function benchPacing60(opts: Pacing60Options): Promise<Pacing60Bench> {
  const { progress } = opts;
  const seconds = opts.seconds ?? 60;
  const settings = opts.accounts ?? PACING60_ACCOUNTS;
  const scratch = mkdtempSync(join(tmpdir(), 'cascade-bench-pacing-'));
  const queueOptions: JobQueuesOptions = {
    url: opts.url,
    prefix: opts.prefix,
    inboundConcurrency: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    maxAttempts: 5,
    retryBackoffMs: 1_000,
  };
  let db: Db | undefined;
  let queues: JobQueues | undefined;
  const accounts: Account[] = settings.map((pacing, i) => {
    const selfId = String(2_854_200_000 + i * 1_111);
    const peer = new OneBotPeer({ selfId, nickname: `联络机器人${i + 1}`, accessToken: TOKEN, heartbeatMs: 5_000, messageFormat: 'array' });
    const groups = Array.from({ length: PACING60_GROUPS }, (_, g) => String(741_000_000 + i * 10_007 + g * 97));
    groups.forEach((g, k) => {
      peer.addGroup(g, `2024级${['计算机', '软件', '网络'][i] ?? '信息'}${k + 1}班家校群`);
      peer.addMember(g, { userId: selfId, nickname: `联络机器人${i + 1}`, role: 'admin' });
    });
    return { id: `qq-pace-${i + 1}`, selfId, pacing, groups, peer, arrivals: recordArrivals(peer) };
  });
  try {
    // ---- accounts online -----------------------------------------------------------------
    for (const a of accounts) {
      const url = await a.peer.listen();
      const adapter = new OneBotAdapter({ accountId: a.id, ...oneBotOptionsSchema.parse({ mode: 'forward', url, accessToken: TOKEN, callTimeoutMs: 5_000 }) }, { logger: silentLogger });
      a.adapter = adapter;
      await adapter.start(() => undefined);
      if (adapter.status().state !== 'online') throw new Error(`bench: OneBot account ${a.id} did not come online`);
    }

    // ---- the real send path ----------------------------------------------------------------
    db = openDb(join(scratch, 'ledger.db'));
    const ledger = new LedgerRepo(db);
    const q = new JobQueues(queueOptions);
    queues = q;
    const pacingOf = new Map(accounts.map((a) => [a.id, a.pacing]));
    const adapters = new Map<string, ChatAdapter>(accounts.map((a) => [a.id, a.adapter as OneBotAdapter]));
    const outbox = new Outbox({
      ledger,
      queues: q,
      adapters,
      clock: systemClock,
      pacer: new Pacer(systemClock, (id) => pacingOf.get(id) ?? { minGapMs: 0, jitterMs: 0 }),
      logger: silentLogger,
      offlineRetryMs: 1_000,
    });

    // ---- the backlog: twice what the run could send at the bare minimum gap -------------------
    const backlogs = new Map<string, number>();
    for (const a of accounts) {
      const backlog = 2 * Math.ceil((seconds * 1000) / Math.max(1, a.pacing.minGapMs));
      backlogs.set(a.id, backlog);
      const planned: PlannedDelivery[] = Array.from({ length: backlog }, (_, n) => ({
        key: `pace-${a.id}-${n}`,
        purpose: 'directive',
        directiveId: null,
        groupId: null,
        accountId: a.id,
        platform: 'qq',
        chatType: 'group',
        target: a.groups[n % a.groups.length] as string,
        text: `【通知 ${a.id}-${n + 1}】请各位同学于本周五 18:00 前完成宿舍安全自查，并在群内回复“收到”。`,
        mentions: [],
        quoteId: null,
      }));
      await outbox.enqueue(outbox.plan(planned));
    }
    progress(
      `pacing60: ${accounts.length} OneBot accounts (${accounts.map((a) => `${a.pacing.minGapMs} + 0..${a.pacing.jitterMs} ms`).join(', ')}), ` +
        `backlogs ${[...backlogs.values()].join(' / ')} over ${PACING60_GROUPS} groups each; sending for ${seconds} s`,
    );

    // ---- run: real time, then close the workers (the send in flight completes) ----------------
    const none = async (): Promise<void> => {};
    const started = performance.now();
    q.startWorkers({ inbound: none, send: (id, attempt) => outbox.deliver(id, attempt) }, new Map(accounts.map((a) => [a.id, { concurrency: 1 }])));
    await sleep(seconds * 1000);
    await q.close();
    queues = undefined;
    const ranMs = performance.now() - started;

    // ---- what the peers saw ---------------------------------------------------------------------
    const rows = ledger.all();
    const statusCount = (status: string, account?: string): number => rows.filter((r) => r.status === status && (account === undefined || r.accountId === account)).length;
    const perAccount: Pacing60Account[] = accounts.map((a) => {
      const g = gapsOf(a.arrivals.at, a.pacing.minGapMs);
      const seen = new Set<string>();
      let duplicates = 0;
      for (const t of a.arrivals.texts) {
        if (seen.has(t)) duplicates++;
        seen.add(t);
      }
      return {
        account: a.id,
        min_gap_ms_setting: a.pacing.minGapMs,
        jitter_ms: a.pacing.jitterMs,
        groups: a.groups.length,
        backlog: backlogs.get(a.id) ?? 0,
        sends: a.arrivals.at.length,
        min_gap_ms: g.min === null ? null : round(g.min, 1),
        mean_gap_ms: g.mean === null ? null : round(g.mean, 1),
        max_gap_ms: g.max === null ? null : round(g.max, 1),
        violations: g.violations,
        duplicates,
        ledger_sent: statusCount('sent', a.id),
      };
    });
    const result: Pacing60Bench = {
      seconds,
      ran_ms: round(ranMs),
      accounts: perAccount,
      sends: perAccount.reduce((s, a) => s + a.sends, 0),
      violations: perAccount.reduce((s, a) => s + a.violations, 0),
      duplicates: perAccount.reduce((s, a) => s + a.duplicates, 0),
      ledger: { sent: statusCount('sent'), planned: statusCount('planned'), sending: statusCount('sending'), failed: statusCount('failed'), uncertain: statusCount('uncertain') },
    };
    for (const a of perAccount) {
      progress(`  ${a.account} (${a.min_gap_ms_setting} + 0..${a.jitter_ms} ms): ${a.sends} sends, gaps min ${a.min_gap_ms ?? '—'} / mean ${a.mean_gap_ms ?? '—'} / max ${a.max_gap_ms ?? '—'} ms, ${a.violations} below ${a.min_gap_ms_setting} ms, ${a.duplicates} duplicates`);
    }
    return result;
  } finally {
    await queues?.close(true).catch(() => undefined);
    await removeKeys(opts.url, opts.prefix).catch(() => undefined);
    for (const a of accounts) {
      await a.adapter?.stop().catch(() => undefined);
      await a.peer.close().catch(() => undefined);
    }
    if (db) closeDb(db);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every key under the phase's prefix (its queues were closed, so JobQueues cannot obliterate them). */
async function removeKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
