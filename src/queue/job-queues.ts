import { DelayedError, Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { InboundEvent } from '../platform/port.js';
import { jobId, sendQueueName } from '../store/keys.js';

export const JOB = {
  inbound: 'inbound',
  send: 'send',
  chase: 'chase',
  audit: 'audit',
} as const;

/** A chase round of a directive, due at `at` (epoch ms on the app's clock). */
export interface ChaseJobData {
  readonly directiveId: number;
  readonly at: number;
}

export interface SendJobData {
  readonly deliveryId: number;
}

export interface InboundJobData {
  readonly event: InboundEvent;
}

export interface SendAttempt {
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  /** The account whose queue ran the job (a delivery moved to another account leaves its old job behind). */
  readonly queueAccountId?: string;
}

/** A send handler's way to say "not now, and it was not an attempt": the job waits without using a retry. */
export interface SendPause {
  readonly pauseMs: number;
}

/** One handler per job name; workers refuse to start without both. */
export interface JobHandlers {
  inbound(event: InboundEvent): Promise<void>;
  send(deliveryId: number, attempt: SendAttempt): Promise<void | SendPause>;
  /** Returns a pause when the round is not due yet on the app's clock. */
  chase(directiveId: number, at: number): Promise<void | SendPause>;
  /** The daily membership audit of every group. */
  audit(): Promise<void>;
}

export interface SendItem {
  readonly id: number;
  readonly accountId: string;
  /** Bulk fan-out (directive posts) queues at the back; everything else (answers to people) goes to the front. */
  readonly bulk?: boolean;
  /** Set when the delivery was moved to this account (a distinct job id). */
  readonly moved?: string;
}

export interface JobQueuesOptions {
  readonly url: string;
  readonly prefix: string;
  readonly inboundConcurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
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

const KEEP_COMPLETED = { count: 1000 };
const DAILY_AUDIT = 'daily-audit';
const KEEP_FAILED = { count: 5000 };


/**
 * The Redis side of Cascade: the inbound queue (platform events → core) and one send queue per bot
 * account. Services never touch BullMQ; they go through this.
 */
export class JobQueues {
  private readonly connection: Redis;
  private readonly inbound: Queue<InboundJobData>;
  private readonly chase: Queue<ChaseJobData>;
  private readonly audit: Queue;
  private readonly sendQueues = new Map<string, Queue<SendJobData>>();
  private readonly workers: Worker[] = [];
  private inFlightAdds = 0;
  private pendingInbound: PendingInbound[] = [];

  constructor(private readonly options: JobQueuesOptions) {
    this.connection = new Redis(options.url, { maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined);
    this.inbound = new Queue<InboundJobData>(JOB.inbound, { connection: this.connection, prefix: options.prefix });
    this.chase = new Queue<ChaseJobData>(JOB.chase, { connection: this.connection, prefix: options.prefix });
    this.audit = new Queue(JOB.audit, { connection: this.connection, prefix: options.prefix });
  }

  /**
   * The daily membership audit as a BullMQ job scheduler (one id: upserting it again changes the
   * time, never adds a second). `at` is `HH:MM` in the school's time zone; null removes it.
   */
  async scheduleDailyAudit(at: string | null, timeZone: string): Promise<void> {
    if (at === null) {
      await this.audit.removeJobScheduler(DAILY_AUDIT);
      return;
    }
    const [h, m] = at.split(':').map(Number);
    await this.audit.upsertJobScheduler(
      DAILY_AUDIT,
      { pattern: `${m ?? 0} ${h ?? 0} * * *`, tz: timeZone },
      { name: JOB.audit, data: {}, opts: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED, attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } },
    );
  }

  /** The daily audit's schedule, as BullMQ stores it (cron pattern and zone), if any. */
  async dailyAudit(): Promise<{ pattern: string | null; tz: string | null } | null> {
    const s = (await this.audit.getJobSchedulers()).find((j) => j.key === DAILY_AUDIT || j.id === DAILY_AUDIT);
    return s ? { pattern: s.pattern ?? null, tz: s.tz ?? null } : null;
  }

  /**
   * Schedules a chase round as a delayed job with a deterministic id (`chase-<directive>-<due>`):
   * scheduling the same round twice is one job, and it survives restarts in Redis.
   */
  async scheduleChase(directiveId: number, at: number, delayMs: number): Promise<void> {
    await this.chase.add(
      JOB.chase,
      { directiveId, at },
      {
        jobId: jobId.chase(directiveId, at),
        delay: Math.max(0, delayMs),
        // Gone once run, so the same time can be asked for again (a round re-checks everything anyway).
        removeOnComplete: true,
        removeOnFail: KEEP_FAILED,
        attempts: 5,
        backoff: { type: 'exponential', delay: 2000 },
      },
    );
  }

  /** Removes a directive's chase rounds that have not run yet (everyone has replied). Returns how many. */
  async cancelChases(directiveId: number): Promise<number> {
    let removed = 0;
    for (const job of await this.chase.getDelayed()) {
      if (job.data.directiveId !== directiveId) continue;
      await job.remove().then(
        () => removed++,
        () => undefined,
      );
    }
    return removed;
  }

  /**
   * Runs now every delayed chase round due by `now` on the app's clock. Only needed when that clock
   * is virtual (drills, tests): in production BullMQ's own delay brings them due.
   */
  async promoteDueChases(now: number): Promise<number> {
    let promoted = 0;
    for (const job of await this.chase.getDelayed()) {
      if (job.data.at > now) continue;
      await job.promote().then(
        () => promoted++,
        () => undefined,
      );
    }
    return promoted;
  }

  /** The earliest chase round still waiting, on the app's clock; null when none is. */
  async nextChaseAt(): Promise<number | null> {
    let next: number | null = null;
    for (const job of await this.chase.getDelayed()) if (next === null || job.data.at < next) next = job.data.at;
    return next;
  }

  private sendQueue(accountId: string): Queue<SendJobData> {
    let q = this.sendQueues.get(accountId);
    if (!q) {
      q = new Queue<SendJobData>(sendQueueName(accountId), { connection: this.connection, prefix: this.options.prefix });
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
    // Pipelines of at most 500 jobs: each request to Redis stays bounded, however large the burst.
    for (let i = 0; i < pending.length; i += 500) this.addInbound(pending.slice(i, i + 500));
  }

  private addInbound(batch: readonly PendingInbound[]): void {
    const jobs = batch.map((p) => ({
      name: JOB.inbound,
      data: { event: p.event },
      opts: {
        jobId: jobId.hashed('in', p.dedupeKey),
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
        attempts: 3,
        backoff: { type: 'exponential' as const, delay: 1000 },
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
      // Answers jump the queue (LIFO pushes to the head; added in reverse so their parts keep their
      // order), so a reply is not stuck behind a paced fan-out of hundreds of groups. Priorities
      // would do the same but cost a third of the queue's throughput.
      const ordered = [...items.filter((i) => i.bulk), ...items.filter((i) => !i.bulk).reverse()];
      for (const item of ordered) {
        const list = byAccount.get(item.accountId) ?? [];
        list.push({
          name: JOB.send,
          data: { deliveryId: item.id },
          opts: {
            // A delivery moved to another account gets a job of its own there, even if an old one lingers.
            jobId: jobId.send(item.id, item.moved),
            removeOnComplete: true,
            removeOnFail: true,
            attempts: this.options.maxAttempts,
            backoff: { type: 'exponential', delay: this.options.retryBackoffMs },
            ...(item.bulk ? {} : { lifo: true }),
          },
        });
        byAccount.set(item.accountId, list);
      }
      await Promise.all([...byAccount].map(([account, jobs]) => this.sendQueue(account).addBulk(jobs)));
    } finally {
      this.inFlightAdds--;
    }
  }

  /** Starts the inbound worker and one send worker per account. */
  startWorkers(handlers: JobHandlers, accounts: ReadonlyMap<string, AccountWorkerOptions>): void {
    if (typeof handlers.inbound !== 'function' || typeof handlers.send !== 'function' || typeof handlers.chase !== 'function' || typeof handlers.audit !== 'function') {
      throw new Error('every job name needs exactly one handler');
    }
    const common = {
      connection: this.connection,
      prefix: this.options.prefix,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
    this.workers.push(
      new Worker<InboundJobData>(
        JOB.inbound,
        async (job: Job<InboundJobData>) => {
          await handlers.inbound(job.data.event);
        },
        { ...common, concurrency: this.options.inboundConcurrency },
      ),
    );
    this.workers.push(
      new Worker<ChaseJobData>(
        JOB.chase,
        async (job: Job<ChaseJobData>, token?: string) => {
          const outcome = await handlers.chase(job.data.directiveId, job.data.at);
          if (outcome) {
            await job.moveToDelayed(Date.now() + outcome.pauseMs, token);
            throw new DelayedError();
          }
        },
        // One round at a time: rounds of one directive must not overlap.
        { ...common, concurrency: 1 },
      ),
    );
    this.workers.push(
      new Worker(
        JOB.audit,
        async () => {
          await handlers.audit();
        },
        { ...common, concurrency: 1 },
      ),
    );
    for (const [accountId, opts] of accounts) {
      this.sendQueue(accountId);
      this.workers.push(
        new Worker<SendJobData>(
          sendQueueName(accountId),
          async (job: Job<SendJobData>, token?: string) => {
            const outcome = await handlers.send(job.data.deliveryId, {
              attemptsMade: job.attemptsMade,
              maxAttempts: job.opts.attempts ?? 1,
              queueAccountId: accountId,
            });
            if (outcome) {
              await job.moveToDelayed(Date.now() + outcome.pauseMs, token);
              throw new DelayedError();
            }
          },
          { ...common, concurrency: opts.concurrency },
        ),
      );
    }
    for (const w of this.workers) w.on('error', () => undefined);
  }

  /**
   * True when nothing is waiting, running or delayed in any queue and no add is under way. Chase
   * rounds scheduled for later do not count: they wait for their time, not for work.
   */
  async idle(): Promise<boolean> {
    if (this.inFlightAdds > 0) return false;
    const queues: Queue[] = [this.inbound, ...this.sendQueues.values()];
    for (const q of queues) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      if (Object.values(c).some((n) => n > 0)) return false;
    }
    // The chase rounds and the daily audit waiting for their time are not work to wait for.
    for (const q of [this.chase, this.audit]) {
      const c = await q.getJobCounts('waiting', 'active', 'prioritized');
      if (Object.values(c).some((n) => n > 0)) return false;
    }
    return this.inFlightAdds === 0;
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const q of [this.inbound, this.chase, this.audit, ...this.sendQueues.values()]) {
      out[q.name] = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    }
    return out;
  }

  /** Stops workers (waiting for running jobs unless `force`) and closes connections. */
  async close(force = false): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(force)));
    this.workers.length = 0;
    await Promise.all([this.inbound.close(), this.chase.close(), this.audit.close(), ...[...this.sendQueues.values()].map((q) => q.close())]);
    this.connection.disconnect();
  }

  /** Removes every key of this prefix (drills and tests clean up after themselves). */
  async obliterate(): Promise<void> {
    for (const q of [this.inbound, this.chase, this.audit, ...this.sendQueues.values()]) await q.obliterate({ force: true });
  }
}
