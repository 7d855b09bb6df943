/**
 * The Redis side of Cascade (BullMQ): the inbound queue (platform events → core), one send queue per
 * bot account (the outbox's), and one queue per job kind a feature declares (chase rounds, the daily
 * audit …). Services never touch BullMQ; they go through this. Each kind has exactly one handler,
 * checked when the kinds are defined; adding a job of a kind nobody handles throws.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { InboundEvent } from '../platform/port.js';
import { jobId, sendQueueName } from '../store/keys.js';
import type { Lane } from '../store/ledger-repo.js';

export const INBOUND_QUEUE = 'inbound';
export const SEND_JOB = 'send';

export interface SendJobData {
  readonly deliveryId: number;
}

export interface InboundJobData {
  readonly event: InboundEvent;
}

/** A job being run, for logs and for handlers that decide by attempt. */
export interface JobInfo {
  readonly queue: string;
  readonly id: string;
  readonly attemptsMade: number;
  readonly maxAttempts: number;
}

export interface SendAttempt {
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  /** The account whose queue ran the job (a delivery moved to another account leaves its old job behind). */
  readonly queueAccountId?: string;
}

/** Thrown by a handler for a job that can never succeed (data of the wrong shape): it is not tried again. */
export class GiveUp extends Error {
  override readonly name = 'GiveUp';
}

/** A handler's way to say "not now, and it was not an attempt": the job waits without using a retry. */
export interface SendPause {
  readonly pauseMs: number;
}

/** The core's handlers: every inbound event, and every send of an account's queue. */
export interface CoreHandlers {
  inbound(event: InboundEvent): Promise<void>;
  send(deliveryId: number, attempt: SendAttempt): Promise<void | SendPause>;
}

/** A job kind a feature declares: its queue's name, how many run at once, and its handler. */
export interface JobKind {
  readonly name: string;
  readonly concurrency: number;
  /** The job's due time on the app's clock, kept in its data (a promoted job's delay reads 0). */
  dueAt?(data: unknown): number | null;
  run(data: unknown, info: JobInfo): Promise<void | SendPause>;
}

/** How a feature's job is added. */
export interface AddOptions {
  /** Deterministic: adding the same id twice is one job. */
  readonly jobId: string;
  readonly delayMs?: number;
  readonly attempts: number;
  /** First retry after this long, doubling. */
  readonly backoffMs: number;
  /** Removed once it ran, so the same id can be added again (a round re-checks everything anyway). */
  readonly forgetWhenDone?: boolean;
}

/** A job run with the failure seen: for logging and counting (the error boundary of every job). */
export interface JobFailure {
  readonly info: JobInfo;
  /** The job's data (an inbound job's event: whom to apologise to). */
  readonly data: unknown;
  readonly error: unknown;
  /** No attempt is left: BullMQ will not run it again. */
  readonly final: boolean;
}

export interface SendItem {
  readonly id: number;
  readonly accountId: string;
  /** Where it goes in the account's queue (see Lane). */
  readonly lane: Lane;
  /** Set when the delivery was moved to this account (a distinct job id). */
  readonly moved?: string;
}

export interface JobQueuesOptions {
  readonly url: string;
  /** For a `rediss://` url: the authority's certificate (PEM) to trust besides the system's. */
  readonly tlsCa?: string;
  readonly prefix: string;
  readonly inboundConcurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
  /** Called for every failed job run (queue, id, attempt, error); the queues log nothing themselves. */
  readonly onFailure?: (failure: JobFailure) => void;
  /** Called for a connection or worker error (not a job's): Redis unreachable, a script refused. */
  readonly onError?: (error: unknown, where: string) => void;
  /** Redis went away (`down`) or came back (`up`): once per change, never for the first connection. */
  readonly onConnection?: (state: 'down' | 'up') => void;
}

export interface AccountWorkerOptions {
  /** Parallel sends; 1 for paced accounts so the pacer sees every send in order. */
  readonly concurrency: number;
}

interface PendingInbound {
  readonly event: InboundEvent;
  readonly dedupeKey: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** What every worker shares: all workers need the same lock and stall settings (STACK.md). */
type WorkerCommon = Omit<WorkerOptions, 'concurrency'> & { connection: Redis };

/** The priority of the last lane: any priority is served after every plain job; one keeps them in order. */
const LAST_LANE_PRIORITY = 1;
const KEEP_COMPLETED = { count: 1000 };

/** An inbound job's data without what people wrote (texts, names, cards): its ids and kind stay. */
function withoutText(data: unknown): unknown {
  const event = (data as { event?: Record<string, unknown> } | undefined)?.event;
  if (!event || typeof event !== 'object') return data;
  const kept: Record<string, unknown> = {};
  for (const key of ['kind', 'platform', 'accountId', 'messageId', 'at', 'chat']) if (key in event) kept[key] = event[key];
  return { event: { ...kept, redacted: true } };
}
const KEEP_FAILED = { count: 5000 };
const INBOUND_ATTEMPTS = 3;
const INBOUND_BACKOFF_MS = 1000;
/** Each request to Redis stays bounded, however large the burst. */
const INBOUND_PIPELINE = 500;

export class JobQueues {
  private readonly connection: Redis;
  private readonly inbound: Queue<InboundJobData>;
  private readonly sendQueues = new Map<string, Queue<SendJobData>>();
  private readonly kinds = new Map<string, { kind: JobKind; queue: Queue }>();
  private readonly workers: Worker[] = [];
  private inFlightAdds = 0;
  private pendingInbound: PendingInbound[] = [];

  /** Undefined until the first connection; then whether Redis answers. */
  private up: boolean | undefined;
  private closing = false;

  constructor(private readonly options: JobQueuesOptions) {
    // Reconnects forever, at most a second apart: an outage ends as soon as Redis is back.
    this.connection = new Redis(options.url, {
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(50 * times, 1_000),
      // rediss:// turns TLS on by itself; a private authority is added here.
      ...(options.tlsCa !== undefined && options.url.startsWith('rediss://') ? { tls: { ca: options.tlsCa } } : {}),
    });
    this.connection.on('error', (error: unknown) => this.options.onError?.(error, 'redis'));
    this.connection.on('ready', () => this.connected(true));
    this.connection.on('close', () => this.connected(false));
    this.inbound = this.watched(new Queue<InboundJobData>(INBOUND_QUEUE, { connection: this.connection, prefix: options.prefix }));
  }

  /** Whether Redis answers right now (false before the first connection). */
  get reachable(): boolean {
    return this.connection.status === 'ready';
  }

  private connected(up: boolean): void {
    if (this.closing) return;
    const was = this.up;
    if (was === undefined && !up) return;
    this.up = up;
    if (was !== undefined && was !== up) this.options.onConnection?.(up ? 'up' : 'down');
  }

  /** A queue's connection errors are reported, never printed raw (BullMQ prints them when nobody listens). */
  private watched<Q extends Queue>(queue: Q): Q {
    queue.on('error', (error: unknown) => this.options.onError?.(error, `queue ${queue.name}`));
    return queue;
  }

  /** Declares the job kinds features handle. Throws when a name is the core's or taken. */
  define(kinds: readonly JobKind[]): void {
    for (const kind of kinds) {
      if (kind.name === INBOUND_QUEUE || kind.name.startsWith(`${SEND_JOB}-`)) throw new Error(`job kind ${kind.name} is the core's`);
      if (this.kinds.has(kind.name)) throw new Error(`job kind ${kind.name} has two handlers`);
      this.kinds.set(kind.name, { kind, queue: this.watched(new Queue(kind.name, { connection: this.connection, prefix: this.options.prefix })) });
    }
  }

  private kind(name: string): { kind: JobKind; queue: Queue } {
    const k = this.kinds.get(name);
    if (!k) throw new Error(`no feature handles job kind ${name}`);
    return k;
  }

  /** Adds a feature's job (deterministic id: adding one that waits is a no-op). */
  async add(name: string, data: object, opts: AddOptions): Promise<void> {
    const { queue } = this.kind(name);
    this.inFlightAdds++;
    try {
      await queue.add(name, data, {
        jobId: opts.jobId,
        delay: Math.max(0, opts.delayMs ?? 0),
        removeOnComplete: opts.forgetWhenDone ? true : KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
        attempts: opts.attempts,
        backoff: { type: 'exponential', delay: opts.backoffMs },
      });
    } finally {
      this.inFlightAdds--;
    }
  }

  /** Removes a kind's delayed jobs whose data matches. Returns how many. */
  async removeDelayed(name: string, match: (data: unknown) => boolean): Promise<number> {
    let removed = 0;
    for (const job of await this.kind(name).queue.getDelayed()) {
      if (!match(job.data)) continue;
      await job.remove().then(
        () => removed++,
        () => undefined,
      );
    }
    return removed;
  }

  /**
   * Runs now every delayed job due by `now` on the app's clock (kinds with a due time). Only needed
   * when that clock is virtual (drills, tests): in production BullMQ's own delays bring them due.
   */
  async promoteDue(now: number): Promise<number> {
    let promoted = 0;
    for (const { kind, queue } of this.kinds.values()) {
      if (!kind.dueAt) continue;
      for (const job of await queue.getDelayed()) {
        const at = kind.dueAt(job.data);
        if (at === null || at > now) continue;
        await job.promote().then(
          () => promoted++,
          () => undefined,
        );
      }
    }
    return promoted;
  }

  /** The earliest due time of a delayed job of the kinds with due times (or of one kind); null when none waits. */
  async nextDue(name?: string): Promise<number | null> {
    let next: number | null = null;
    for (const { kind, queue } of this.kinds.values()) {
      if (!kind.dueAt || (name !== undefined && kind.name !== name)) continue;
      for (const job of await queue.getDelayed()) {
        const at = kind.dueAt(job.data);
        if (at !== null && (next === null || at < next)) next = at;
      }
    }
    return next;
  }

  /**
   * A job that repeats every day at `at` (`HH:MM` in `timeZone`), as a BullMQ job scheduler (one id:
   * upserting it again changes the time, never adds a second). `at` null removes it.
   */
  async daily(name: string, schedulerId: string, at: string | null, timeZone: string, opts: { attempts: number; backoffMs: number }): Promise<void> {
    const { queue } = this.kind(name);
    if (at === null) {
      await queue.removeJobScheduler(schedulerId);
      return;
    }
    const [h, m] = at.split(':').map(Number);
    await queue.upsertJobScheduler(
      schedulerId,
      { pattern: `${m ?? 0} ${h ?? 0} * * *`, tz: timeZone },
      { name, data: {}, opts: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED, attempts: opts.attempts, backoff: { type: 'exponential', delay: opts.backoffMs } } },
    );
  }

  /** A kind's repeating schedule, as BullMQ stores it (cron pattern and zone), if any. */
  async schedule(name: string, schedulerId: string): Promise<{ pattern: string | null; tz: string | null } | null> {
    const s = (await this.kind(name).queue.getJobSchedulers()).find((j) => j.key === schedulerId || j.id === schedulerId);
    return s ? { pattern: s.pattern ?? null, tz: s.tz ?? null } : null;
  }

  private sendQueue(accountId: string): Queue<SendJobData> {
    let q = this.sendQueues.get(accountId);
    if (!q) {
      q = this.watched(new Queue<SendJobData>(sendQueueName(accountId), { connection: this.connection, prefix: this.options.prefix }));
      this.sendQueues.set(accountId, q);
    }
    return q;
  }

  /**
   * Queues an inbound event (job id from the dedupe key: the same message queued twice is one job).
   * Events arriving in the same turn of the event loop go to Redis together, in one pipeline.
   */
  enqueueInbound(event: InboundEvent, dedupeKey: string): Promise<void> {
    this.inFlightAdds++;
    return new Promise<void>((resolve, reject) => {
      this.pendingInbound.push({ event, dedupeKey, resolve, reject });
      if (this.pendingInbound.length === 1) setImmediate(() => this.flushInbound());
    });
  }

  private flushInbound(): void {
    const pending = this.pendingInbound;
    this.pendingInbound = [];
    for (let i = 0; i < pending.length; i += INBOUND_PIPELINE) this.addInbound(pending.slice(i, i + INBOUND_PIPELINE));
  }

  private addInbound(batch: readonly PendingInbound[]): void {
    const jobs = batch.map((p) => ({
      name: INBOUND_QUEUE,
      data: { event: p.event },
      opts: {
        jobId: jobId.hashed('in', p.dedupeKey),
        // Raw events leave Redis once handled: no completed-job history holding message text (the store
        // dedupes a redelivered event by its own key).
        removeOnComplete: true,
        removeOnFail: KEEP_FAILED,
        attempts: INBOUND_ATTEMPTS,
        backoff: { type: 'exponential' as const, delay: INBOUND_BACKOFF_MS },
      },
    }));
    this.inbound.addBulk(jobs).then(
      () => {
        this.inFlightAdds -= batch.length;
        for (const p of batch) p.resolve();
      },
      (error: unknown) => {
        this.inFlightAdds -= batch.length;
        for (const p of batch) p.reject(error);
      },
    );
  }

  /**
   * Queues sends with deterministic ids (`send-<deliveryId>`): queuing one that is waiting or running
   * is a no-op. Finished send jobs are removed at once (the ledger is their record), so a delivery
   * queued again later simply finds itself settled.
   */
  async enqueueSends(items: readonly SendItem[]): Promise<void> {
    if (items.length === 0) return;
    this.inFlightAdds++;
    try {
      const byAccount = new Map<string, { name: string; data: SendJobData; opts: JobsOptions }[]>();
      // Answers to staff jump the queue (LIFO pushes to the head; added in reverse so their parts
      // keep their order), so a reply is not stuck behind a paced fan-out of hundreds of groups.
      // Answers to everyone else are prioritized jobs, which BullMQ serves only once no plain job
      // waits: after every post. (Priorities cost throughput, so only those few use them.)
      const ordered = [...items.filter((i) => i.lane !== 'first'), ...items.filter((i) => i.lane === 'first').reverse()];
      for (const item of ordered) {
        const list = byAccount.get(item.accountId) ?? [];
        list.push({
          name: SEND_JOB,
          data: { deliveryId: item.id },
          opts: {
            jobId: jobId.send(item.id, item.moved),
            removeOnComplete: true,
            removeOnFail: true,
            attempts: this.options.maxAttempts,
            backoff: { type: 'exponential', delay: this.options.retryBackoffMs },
            ...(item.lane === 'first' ? { lifo: true } : item.lane === 'last' ? { priority: LAST_LANE_PRIORITY } : {}),
          },
        });
        byAccount.set(item.accountId, list);
      }
      await Promise.all([...byAccount].map(([account, jobs]) => this.sendQueue(account).addBulk(jobs)));
    } finally {
      this.inFlightAdds--;
    }
  }

  /**
   * Jobs a killed run left active (their lock held by a process that is gone) would wait for the lock
   * to expire and a stall check or two — a minute. Only one Cascade runs on a data directory (its
   * lock), so at start every active job is such an orphan: each is added again under a fresh id and
   * runs at once (the old one, run later, finds its work done: the store and the ledger dedupe).
   * Call before the workers start. Returns how many.
   */
  async requeueOrphans(accounts: readonly string[], runId: string): Promise<number> {
    let n = 0;
    for (const job of await this.inbound.getActive()) {
      if (!job?.data?.event) continue;
      await this.inbound.add(INBOUND_QUEUE, job.data, {
        jobId: `${job.id ?? 'in'}-r${runId}`,
        removeOnComplete: true,
        removeOnFail: KEEP_FAILED,
        attempts: INBOUND_ATTEMPTS,
        backoff: { type: 'exponential', delay: INBOUND_BACKOFF_MS },
      });
      n++;
    }
    for (const accountId of accounts) {
      const items: SendItem[] = [];
      for (const job of await this.sendQueue(accountId).getActive()) {
        const deliveryId = job?.data?.deliveryId;
        if (typeof deliveryId === 'number') items.push({ id: deliveryId, accountId, lane: 'queued', moved: `r${runId}` });
      }
      await this.enqueueSends(items);
      n += items.length;
    }
    return n;
  }

  /** Runs the account's sends that were put off (it was offline) now: it is back. */
  async promoteSends(accountId: string): Promise<number> {
    let n = 0;
    for (const job of await this.sendQueue(accountId).getDelayed()) {
      await job.promote().then(
        () => n++,
        () => undefined,
      );
    }
    return n;
  }

  /** True when the account's queue holds a plain (not last-lane) send waiting for its turn. */
  async plainWaiting(accountId: string): Promise<boolean> {
    return (await this.sendQueue(accountId).getWaitingCount()) > 0;
  }

  /** Starts the inbound worker, one send worker per account and one worker per declared job kind. */
  startWorkers(core: CoreHandlers, accounts: ReadonlyMap<string, AccountWorkerOptions>): void {
    if (typeof core.inbound !== 'function' || typeof core.send !== 'function') throw new Error('the inbound and send queues need their handlers');
    const common: WorkerCommon = {
      connection: this.connection,
      prefix: this.options.prefix,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
    this.start(INBOUND_QUEUE, this.options.inboundConcurrency, { ...common, removeOnComplete: { count: 0 } }, async (job: Job<InboundJobData>) => core.inbound(job.data.event));
    for (const { kind } of this.kinds.values()) {
      this.start(kind.name, kind.concurrency, common, (job, info) => kind.run(job.data, info));
    }
    for (const [accountId, opts] of accounts) {
      this.sendQueue(accountId);
      this.start(sendQueueName(accountId), opts.concurrency, common, (job: Job<SendJobData>, info) =>
        core.send(job.data.deliveryId, { attemptsMade: info.attemptsMade, maxAttempts: info.maxAttempts, queueAccountId: accountId }),
      );
    }
  }

  /**
   * One worker: a handler's pause moves the job back without spending an attempt; every failure is
   * reported with the queue, the job and the attempt (never swallowed).
   */
  private start<D>(name: string, concurrency: number, common: WorkerCommon, run: (job: Job<D>, info: JobInfo) => Promise<void | SendPause>): void {
    const worker = new Worker<D>(
      name,
      async (job: Job<D>, token?: string) => {
        const info: JobInfo = { queue: name, id: job.id ?? '?', attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 };
        let outcome: void | SendPause;
        try {
          outcome = await run(job, info);
        } catch (error) {
          throw error instanceof GiveUp ? new UnrecoverableError(`${error.name}: ${error.message}`) : error;
        }
        if (outcome) {
          await job.moveToDelayed(Date.now() + outcome.pauseMs, token);
          throw new DelayedError();
        }
      },
      { ...common, concurrency },
    );
    worker.on('failed', (job, error) => {
      if (!job || error instanceof DelayedError) return;
      const maxAttempts = job.opts.attempts ?? 1;
      const info: JobInfo = { queue: name, id: job.id ?? '?', attemptsMade: job.attemptsMade, maxAttempts };
      const final = error instanceof UnrecoverableError || job.attemptsMade >= maxAttempts;
      this.options.onFailure?.({ info, data: job.data, error, final });
      // A message that failed for good keeps its id and error in Redis, not what people wrote (issue #14).
      if (final && name === INBOUND_QUEUE) job.updateData(withoutText(job.data) as typeof job.data).catch(() => undefined);
    });
    worker.on('error', (error: unknown) => this.options.onError?.(error, `worker ${name}`));
    this.workers.push(worker);
  }

  /**
   * True when nothing is waiting, running or delayed in the inbound and send queues and no add is
   * under way. Feature jobs scheduled for later do not count: they wait for their time, not for work.
   */
  async idle(): Promise<boolean> {
    if (this.inFlightAdds > 0) return false;
    for (const q of [this.inbound, ...this.sendQueues.values()] as Queue[]) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      if (Object.values(c).some((n) => n > 0)) return false;
    }
    for (const { queue } of this.kinds.values()) {
      const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
      if (Object.values(c).some((n) => n > 0)) return false;
    }
    return this.inFlightAdds === 0;
  }

  private all(): Queue[] {
    return [this.inbound, ...[...this.kinds.values()].map((k) => k.queue), ...this.sendQueues.values()] as Queue[];
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const q of this.all()) out[q.name] = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    return out;
  }

  /** Jobs that failed for good and are still kept, newest first (the console's operations page). */
  async failedJobs(limit = 50): Promise<{ queue: string; id: string; name: string; reason: string; attempts: number; at: number }[]> {
    const out: { queue: string; id: string; name: string; reason: string; attempts: number; at: number }[] = [];
    for (const q of this.all()) {
      for (const job of await q.getFailed(0, limit - 1)) {
        if (!job?.id) continue;
        out.push({ queue: q.name, id: job.id, name: job.name, reason: (job.failedReason ?? '').slice(0, 200), attempts: job.attemptsMade, at: job.finishedOn ?? job.timestamp });
      }
    }
    return out.sort((a, b) => b.at - a.at).slice(0, limit);
  }

  /** Per queue, when its oldest waiting job was added (null: none waits): the metrics' queue ages. */
  async oldestWaiting(): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = {};
    for (const q of this.all()) {
      const [job] = await q.getWaiting(0, 0);
      out[q.name] = job?.timestamp ?? null;
    }
    return out;
  }

  /** An operator retries (`retry`) or drops (`drop`) a failed job. False when there is no such failed job. */
  async settleFailed(queue: string, id: string, how: 'retry' | 'drop'): Promise<boolean> {
    const q = this.all().find((x) => x.name === queue);
    const job = q ? await q.getJob(id) : undefined;
    if (!job || !(await job.isFailed())) return false;
    if (how === 'retry') await job.retry('failed');
    else await job.remove();
    return true;
  }

  /** Stops workers (waiting for running jobs unless `force`) and closes connections. */
  async close(force = false): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.close(force)));
    this.workers.length = 0;
    await Promise.all(this.all().map((q) => q.close()));
    this.connection.disconnect();
  }

  /** Removes every key of this prefix (drills and tests clean up after themselves). */
  async obliterate(): Promise<void> {
    for (const q of this.all()) await q.obliterate({ force: true });
  }
}
