/**
 * The composition root (Fastify's `build`): wires the core — org, store, queues, outbox, adapters —
 * and composes the features, without connecting an adapter or starting a worker. `start()` does that.
 * Business logic lives in the features; this file only puts them together.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CascadeConfig } from '../config/schema.js';
import { orgOptions } from '../config/schema.js';
import { OrgIndex } from '../domain/org-index.js';
import type { ChatAdapter, InboundEvent } from '../platform/port.js';
import { INBOUND_QUEUE, JobQueues, type AccountWorkerOptions, type JobFailure, type JobInfo } from '../queue/job-queues.js';
import type { Db } from '../store/db.js';
import type { DirectiveRepo } from '../store/directive-repo.js';
import type { LedgerRepo } from '../store/ledger-repo.js';
import { loadOrgSnapshot } from '../store/org-repo.js';
import { openRepos } from '../store/repos.js';
import { FEATURES } from '../features/index.js';
import { AccountGuard } from './account-guard.js';
import { AnswerLimits } from './answer-limits.js';
import { CommandRegistry, COMMANDS } from './commands.js';
import type { AppContext, Feature, ServiceKey } from './feature.js';
import { describeError, ErrorStorm, newErrorNumber } from './errors.js';
import { Inbound, inboundDedupeKey } from './inbound.js';
import { boundInbound } from '../platform/inbound-bounds.js';
import { InboundBuffer, takeSpilled } from './inbound-buffer.js';
import { join } from 'node:path';
import { Outbox, Pacer, type Pacing } from './outbox.js';
import { ResolvingAdapter } from './session-ids.js';
import { UnitOfWork } from './unit-of-work.js';
import { FileStore } from '../store/file-store.js';

export interface AppDeps {
  readonly config: CascadeConfig;
  readonly db: Db;
  readonly redisUrl: string;
  /** Redis key prefix; tests and drills pass their own. Defaults to config.redis.prefix. */
  readonly prefix?: string;
  readonly clock: Clock;
  readonly adapters: readonly ChatAdapter[];
  readonly logger: Logger;
  /** The features to compose (default: all of Cascade's). */
  readonly features?: readonly Feature[];
  /**
   * The org already loaded from this store (the runtime's, at start), handed over once and then forgotten:
   * at 160,000 people a second index built beside it is 200 MB more at the start's peak.
   */
  readonly loadedOrg?: { take(): OrgIndex | undefined };
}

/** A built Cascade: everything a feature sees, plus its lifecycle. */
export interface App extends AppContext {
  readonly deps: AppDeps;
  /** Shorthands for the repositories tools read most. */
  readonly directives: DirectiveRepo;
  readonly ledger: LedgerRepo;
  readonly commands: CommandRegistry;
  /** The features composed, in setup order. */
  readonly features: readonly Feature[];
  /** Connects adapters, starts workers, and re-queues sends a crash left behind. */
  start(): Promise<void>;
  /** Resolves once every queue is empty and nothing is in flight (drills, tests). */
  settle(timeoutMs?: number): Promise<void>;
  /** Graceful stop; `force` drops running jobs as a crash would (tests). */
  stop(force?: boolean): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** An inbound add unanswered this long means Redis is not answering. */
const INBOUND_STALL_MS = 3_000;
const INBOUND_RETRY_MS = 1_000;
/** Where a stop writes the inbound events Redis had not taken, in the data directory. */
export const INBOUND_SPILL_FILE = 'inbound-held.jsonl';
/** How long a graceful stop lets running jobs finish; each other step of a stop gets STOP_STEP_MS. */
const STOP_JOBS_MS = 3_000;
const STOP_STEP_MS = 1_000;

/** Whether `work` settled within `ms` (its failure counts as settled: a stop goes on). */
async function within(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (work === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = work.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}
/** Queue errors of one kind are logged at most this often (Redis down: every connection reports every retry). */
const ERROR_STORM_MS = 60_000;

/**
 * Orders features so each is set up after the features providing what it needs. Throws, naming the
 * feature, when something it needs is provided by none, or when two provide one service.
 */
export function orderFeatures(features: readonly Feature[], core: ReadonlySet<string>): Feature[] {
  const provider = new Map<string, Feature>();
  for (const f of features) {
    for (const k of f.provides ?? []) {
      const other = provider.get(k.name);
      if (other || core.has(k.name)) throw new Error(`feature ${f.name} provides ${k.name}, which ${other ? `feature ${other.name}` : 'the core'} already provides`);
      provider.set(k.name, f);
    }
  }
  for (const f of features) {
    for (const k of f.needs ?? []) {
      if (!core.has(k.name) && !provider.has(k.name)) throw new Error(`feature ${f.name} needs ${k.name}, which no feature provides`);
    }
  }
  const out: Feature[] = [];
  const state = new Map<Feature, 'visiting' | 'done'>();
  const visit = (f: Feature, path: readonly string[]): void => {
    const s = state.get(f);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`features need each other in a cycle: ${[...path, f.name].join(' → ')}`);
    state.set(f, 'visiting');
    for (const k of f.needs ?? []) {
      const p = provider.get(k.name);
      if (p && p !== f) visit(p, [...path, f.name]);
    }
    state.set(f, 'done');
    out.push(f);
  };
  for (const f of features) visit(f, []);
  return out;
}

/** Wires everything without connecting an adapter or starting a worker (Fastify's build). */
export function buildApp(deps: AppDeps): App {
  const { config, db, clock, logger } = deps;
  const schoolName = config.school.name;
  const repos = openRepos(db);
  let org = deps.loadedOrg?.take() ?? new OrgIndex(loadOrgSnapshot(db, schoolName), orgOptions(config));
  // Where a platform changes ids at every login, the app sees canonical ids through a ResolvingAdapter.
  const sessions = new Map<string, ResolvingAdapter>();
  const wrapped: ChatAdapter[] = deps.adapters.map((a) => {
    if (a.capabilities.stableIds) return a;
    const r = new ResolvingAdapter(a, { org: () => org, ids: repos.sessionIds, members: repos.members, clock, logger, remarkGapMs: config.membership.remarkGap });
    sessions.set(a.accountId, r);
    return r;
  });
  const adapters = new Map(wrapped.map((a) => [a.accountId, a]));
  const pacingOf = (accountId: string): Pacing => {
    const account = config.accounts.find((a) => a.id === accountId);
    return {
      minGapMs: account?.minGapMs ?? config.sending.minGapMs,
      jitterMs: account?.jitterMs ?? config.sending.jitterMs,
      perMinute: account?.perMinute ?? config.sending.perMinute,
      perDay: account?.perDay ?? config.sending.perDay,
      perGroupPerMinute: account?.perGroupPerMinute ?? config.sending.perGroupPerMinute,
    };
  };
  const breaker = config.sending.breaker;
  const guard = new AccountGuard({
    pauseMs: breaker.pause,
    maxPauseMs: breaker.maxPause,
    timeoutsToTrip: breaker.timeoutsToTrip,
    slowPauseMs: breaker.slowPause,
    maxSlowPauseMs: breaker.maxSlowPause,
    mutedPauseMs: breaker.mutedPause,
  });
  const usable = (accountId: string): boolean => {
    const a = adapters.get(accountId);
    return a !== undefined && (a.status?.().state ?? 'online') === 'online' && guard.blockedUntil(accountId, null, clock.now()) === null;
  };
  const queues = new JobQueues({
    url: deps.redisUrl,
    ...(config.redis.tlsCa !== undefined ? { tlsCa: readFileSync(config.redis.tlsCa, 'utf8') } : {}),
    prefix: deps.prefix ?? config.redis.prefix,
    inboundConcurrency: config.queue.inboundConcurrency,
    lockDurationMs: config.queue.lockDurationMs,
    stalledIntervalMs: config.queue.stalledIntervalMs,
    maxAttempts: config.sending.maxAttempts,
    retryBackoffMs: config.sending.retryBackoffMs,
    onFailure: (f) => jobFailed(f),
    onError: (error, where) => {
      // One storm for all of them: with Redis down, every connection reports every retry.
      const { log, suppressed } = storm.admit('redis');
      if (log) logger.warn({ err: error, where, suppressed }, 'queue error (Redis unreachable or refused)');
    },
    onConnection: (state) => {
      if (state === 'down') {
        redisDownSince = clock.now();
        logger.error('redis unreachable: sends and jobs wait, inbound events are held in memory until it is back');
        return;
      }
      logger.info({ downMs: clock.now() - (redisDownSince ?? clock.now()) }, 'redis reachable again');
      redisDownSince = null;
      buffer.retry();
      void resumeAfterOutage();
    },
  });
  const storm = new ErrorStorm(ERROR_STORM_MS);
  let redisDownSince: number | null = null;
  /** Every inbound event passes through it: held until Redis has it (see InboundBuffer). */
  const buffer = new InboundBuffer({
    enqueue: (ev, key) => queues.enqueueInbound(ev, key),
    max: config.inbound.bufferEvents,
    stallMs: INBOUND_STALL_MS,
    retryMs: INBOUND_RETRY_MS,
    logger,
  });
  const spillFile = join(config.dataDir, INBOUND_SPILL_FILE);
  /**
   * Redis is back (reconnected, or the embedded server restarted, possibly without its last second):
   * sends and timers a lost job would have carried are queued again, and the features resume theirs.
   */
  const resumeAfterOutage = async (): Promise<void> => {
    try {
      // Sends an earlier run left mid-send are settled (the platform's word, the group's history) before their accounts send again.
      const interrupted = outbox.adoptInterrupted();
      if (interrupted > 0) logger.info({ interrupted }, 'sends a previous run left mid-send are settled before anything else');
      const requeued = await outbox.recover();
      if (requeued > 0) logger.info({ requeued }, 'queued again the sends waiting when redis went away');
      for (const f of features) await f.onResume?.(app);
    } catch (error) {
      logger.warn({ err: error }, 'resuming after a redis outage failed; the sweep will retry');
    }
  };
  /**
   * The error boundary of every job: each failed run is logged with its queue, id and attempt under an
   * error number; one with no attempt left is recorded for `cascade status`, and a message that could
   * not be handled at all is apologised for to its sender.
   */
  const jobFailed = (f: JobFailure): void => {
    const errorNo = newErrorNumber();
    const fields = { err: f.error, errorNo, queue: f.info.queue, job: f.info.id, attempt: f.info.attemptsMade, attempts: f.info.maxAttempts };
    if (!f.final) {
      logger.warn(fields, 'a job failed; it will be tried again');
      return;
    }
    logger.error(fields, 'a job failed and will not be tried again');
    try {
      repos.failures.record({ errorNo, queue: f.info.queue, ref: f.info.id, attempts: f.info.attemptsMade, error: describeError(f.error), at: clock.now() });
    } catch (error) {
      logger.error({ err: error, errorNo }, 'could not record a failed job');
    }
    const event = (f.data as { event?: InboundEvent } | null)?.event;
    if (f.info.queue === INBOUND_QUEUE && event?.kind === 'message') {
      inbound.failed(event, errorNo, f.info.id).catch((error: unknown) => logger.error({ err: error, errorNo }, 'could not apologise for a failed message'));
    }
  };
  const pacer = new Pacer(clock, pacingOf);
  const files = new FileStore(config.dataDir);
  /** When each account last used @全体成员 in each group (the daily quota). */
  const atAllUses = new Map<string, number[]>();
  const outbox = new Outbox({
    ledger: repos.ledger,
    queues,
    adapters,
    clock,
    pacer,
    logger,
    offlineRetryMs: config.sending.offlineRetryMs,
    guard,
    routes: (d) => (d.chatType === 'group' ? (org.platformGroup(d.platform, d.target)?.accounts ?? []) : []),
    manualAfterMs: config.sending.manualAfter,
    attachment: (id) => {
      const a = repos.attachments.get(id);
      if (!a || a.status !== 'stored' || a.sha256 === null || a.size === null || !files.has(a.sha256)) return undefined;
      return { kind: a.kind, name: a.name, path: files.path(a.sha256), size: a.size };
    },
    atAll: (accountId, group) => {
      const quota = config.accounts.find((a) => a.id === accountId)?.atAll;
      if (!quota?.enabled) return false;
      const key = `${accountId}|${group}`;
      const now = clock.now();
      const used = (atAllUses.get(key) ?? []).filter((t) => t > now - DAY_MS);
      if (used.length >= quota.perGroupPerDay) return false;
      atAllUses.set(key, [...used, now]);
      return true;
    },
  });
  const store = new UnitOfWork({
    commit: (fn) => repos.ledger.batch(fn),
    plan: (planned) => outbox.plan(planned),
    enqueue: (items) => outbox.enqueue(items),
    savepoint: (part) => db.$client.transaction(part)(),
    logger,
  });

  const services = new Map<string, unknown>();
  const features = orderFeatures(deps.features ?? FEATURES, new Set([COMMANDS.name]));
  // Each job kind has one handler: two features declaring one kind fail here.
  queues.define(
    features.flatMap((f) => f.jobs ?? []).map((job) => ({
      name: job.name,
      concurrency: job.concurrency,
      dueAt: (data: unknown) => job.dueAt(data),
      run: (data: unknown, info: JobInfo) => job.handle(data, { ...info, app }),
    })),
  );
  const registry = new CommandRegistry(
    features.flatMap((f) => f.commands ?? []),
    { maxChars: config.commands.maxChars, noticeMaxChars: config.commands.noticeMaxChars, maxIds: config.commands.maxIds },
  );
  services.set(COMMANDS.name, registry);
  const limits = new AnswerLimits({
    perMinute: config.answers.perMinute,
    perDay: config.answers.perDay,
    accountPerMinute: config.answers.accountPerMinute,
    accountPerDay: config.answers.accountPerDay,
    refusalEveryMs: config.answers.refusalEvery,
    strangerEveryMs: config.answers.strangerEvery,
  });

  /** A /通知 as long as commands allow is never cut. */
  const inboundMaxChars = Math.max(config.inbound.maxChars, config.commands.noticeMaxChars);
  let started = false;
  let sweeper: NodeJS.Timeout | undefined;
  const app: App = {
    deps,
    config,
    clock,
    timeZone: config.school.timeZone,
    logger,
    org: () => org,
    reloadOrg() {
      org = new OrgIndex(loadOrgSnapshot(db, schoolName), orgOptions(config));
    },
    store,
    repos,
    files,
    outbox,
    queues,
    adapters,
    sessions,
    guard,
    // A bot's own id is known only once it has logged in (and changes at each WeChat login): asked live.
    botIds: { has: (id: string): boolean => id !== '' && wrapped.some((a) => a.selfId === id) },
    usable,
    failed(where, ref, error, message = 'a failure no job retry covers') {
      const errorNo = newErrorNumber();
      logger.error({ err: error, errorNo, where, ref }, message);
      try {
        repos.failures.record({ errorNo, queue: where, ref, attempts: 1, error: describeError(error), at: clock.now() });
      } catch (again) {
        logger.error({ err: again, errorNo }, 'could not record a failure');
      }
      return errorNo;
    },
    ingest(ev) {
      const adapter = adapters.get(ev.accountId);
      const bounded = boundInbound(ev, { maxChars: inboundMaxChars, now: clock.now() });
      buffer.push(bounded, inboundDedupeKey(bounded, adapter?.capabilities.crossAccountMessageIds ?? true));
    },
    health() {
      return { redisReachable: queues.reachable, redisDownSince, inboundHeld: buffer.size };
    },
    provide<T>(key: ServiceKey<T>, service: T) {
      if (services.has(key.name)) throw new Error(`service ${key.name} is provided twice`);
      services.set(key.name, service);
    },
    get<T>(key: ServiceKey<T>): T {
      if (!services.has(key.name)) throw new Error(`no feature provides ${key.name}`);
      return services.get(key.name) as T;
    },
    find<T>(key: ServiceKey<T>): T | undefined {
      return services.get(key.name) as T | undefined;
    },
    directives: repos.directives,
    ledger: repos.ledger,
    commands: registry,
    features,
    async start() {
      if (started) return;
      started = true;
      for (const f of features) await f.onStart?.(app);
      // The day budget counts the sends made before a restart.
      for (const [accountId, times] of repos.ledger.sentTimes(clock.now() - DAY_MS)) pacer.seed(accountId, times);
      const workers = new Map<string, AccountWorkerOptions>();
      for (const a of adapters.values()) {
        const p = pacingOf(a.accountId);
        workers.set(a.accountId, { concurrency: p.minGapMs === 0 && p.jitterMs === 0 ? config.sending.unpacedConcurrency : 1 });
      }
      // What a killed run left mid-job runs now, not after its lock expires (one Cascade per data directory).
      const orphans = await queues.requeueOrphans([...adapters.keys()], clock.now().toString(36));
      if (orphans > 0) logger.info({ orphans }, 'jobs a previous run left running are run again');
      queues.startWorkers({ inbound: (ev) => inbound.handle(ev), send: (id, attempt) => outbox.deliver(id, attempt) }, workers);
      // Events the last run held when it stopped (Redis was away) go first.
      const spilled = takeSpilled(spillFile);
      for (const { event, key } of spilled) buffer.push(event, key);
      if (spilled.length > 0) logger.info({ events: spilled.length }, 'queued the inbound events the last run held at its stop');
      // Sends an earlier run left mid-send are settled (the platform's word, the group's history) before their accounts send again.
      const interrupted = outbox.adoptInterrupted();
      if (interrupted > 0) logger.info({ interrupted }, 'sends a previous run left mid-send are settled before anything else');
      const requeued = await outbox.recover();
      if (requeued > 0) logger.info({ requeued }, 'queued sends a previous run left unsent');
      // A send whose queue job was lost after it was planned (Redis hiccup, crash) is queued again.
      sweeper = setInterval(() => {
        outbox.recover().catch((error: unknown) => logger.warn({ err: error }, 'sweep of unsent deliveries failed'));
      }, config.sending.sweepIntervalMs);
      sweeper.unref();
      for (const f of features) await f.onReady?.(app);
      await Promise.all(
        [...adapters.values()].map((a) =>
          a.start((ev) => {
            // A login (ids re-resolved inside a ResolvingAdapter) is logged, and the features hear of it (catch-up).
            if (ev.kind === 'login') {
              logger.info({ account: a.accountId, offlineSince: ev.offlineSince }, 'bot account logged in');
              // Its sends put off while it was away go now (pacing still applies), not after their wait.
              queues.promoteSends(a.accountId).catch((error: unknown) => logger.warn({ err: error, account: a.accountId }, 'could not run the put-off sends'));
              const login = { accountId: a.accountId, ...(ev.offlineSince === undefined ? {} : { offlineSince: ev.offlineSince }) };
              for (const f of features) f.onLogin?.(app, login).catch((error: unknown) => logger.warn({ err: error, feature: f.name }, 'a feature failed at a login'));
              return;
            }
            app.ingest(ev);
          }),
        ),
      );
      for (const f of features) await f.onConnected?.(app);
      logger.info({ accounts: adapters.size, features: features.map((f) => f.name), ...org.counts() }, 'cascade started');
    },
    async settle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let quiet = 0;
      while (quiet < 3) {
        // Events held while a login's ids are resolved count as work to do.
        await Promise.all([...sessions.values()].map((r) => r.resolved()));
        if (Date.now() > deadline) throw new Error(`queues did not settle within ${timeoutMs} ms: ${JSON.stringify(await queues.counts())}`);
        await new Promise((r) => setTimeout(r, 5));
        quiet = (await queues.idle()) ? quiet + 1 : 0;
      }
    },
    async stop(force = false) {
      // Each step is bounded: a stop finishes within seconds whatever state Redis or a platform is in.
      for (const f of [...features].reverse()) {
        if (!(await within(f.onClose?.(app), STOP_STEP_MS))) logger.warn({ feature: f.name }, 'a feature did not close in time');
      }
      clearInterval(sweeper);
      // Workers first (a graceful stop lets running sends finish, for a while), then the platform connections.
      if (!(await within(queues.close(force), force ? STOP_STEP_MS : STOP_JOBS_MS))) {
        logger.warn('jobs still running at the stop were cut off (a send in flight is settled at the next start)');
        await within(queues.close(true), STOP_STEP_MS);
      }
      await within(Promise.all([...adapters.values()].map((a) => a.stop())), STOP_STEP_MS);
      const held = buffer.close(spillFile);
      if (held > 0) logger.warn({ events: held, file: spillFile }, 'inbound events redis had not taken were written to a file; the next start queues them');
      started = false;
    },
  };
  for (const f of features) {
    f.setup?.(app);
    for (const k of f.provides ?? []) if (!services.has(k.name)) throw new Error(`feature ${f.name} declares ${k.name} but its setup did not provide it`);
  }
  const inbound = new Inbound({ app, registry, features, limits, maxIds: config.commands.maxIds });
  return app;
}
