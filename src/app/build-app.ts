import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CascadeConfig } from '../config/schema.js';
import { OrgIndex } from '../domain/org-index.js';
import type { ChatAdapter } from '../platform/port.js';
import { JobQueues, type AccountWorkerOptions } from '../queue/job-queues.js';
import type { Db } from '../store/db.js';
import { DirectiveRepo } from '../store/directive-repo.js';
import { InboundRepo } from '../store/inbound-repo.js';
import { LedgerRepo } from '../store/ledger-repo.js';
import { loadOrgSnapshot } from '../store/org-repo.js';
import { InboundHandler, inboundDedupeKey } from './inbound.js';
import { Outbox, Pacer, type Pacing } from './outbox.js';
import { Queries } from './queries.js';
import { Relay } from './relay.js';
import { ReplyCounter } from './replies.js';
import { ReviewRepo } from '../store/review-repo.js';
import { ChaseRepo } from '../store/chase-repo.js';
import { Chaser } from './chaser.js';
import { Auditor } from './auditor.js';
import { AuditRepo } from '../store/audit-repo.js';
import { BindingRepo } from '../store/binding-repo.js';
import { MemberRepo } from '../store/member-repo.js';
import { AccountStatusRepo } from '../store/account-status-repo.js';
import { AccountGuard } from './account-guard.js';
import { ManualDesk } from './manual.js';
import { formatTime } from '../domain/duration.js';
import { zhManual } from '../locale/zh-CN.js';
import { SessionIdRepo } from '../store/session-id-repo.js';
import { deliveryKey } from '../store/keys.js';
import { UnitOfWork } from './unit-of-work.js';
import { ResolvingAdapter } from './session-ids.js';

export interface AppDeps {
  readonly config: CascadeConfig;
  readonly db: Db;
  readonly redisUrl: string;
  /** Redis key prefix; tests and drills pass their own. Defaults to config.redis.prefix. */
  readonly prefix?: string;
  readonly clock: Clock;
  readonly adapters: readonly ChatAdapter[];
  readonly logger: Logger;
}

export interface App {
  readonly deps: AppDeps;
  readonly org: () => OrgIndex;
  readonly directives: DirectiveRepo;
  readonly ledger: LedgerRepo;
  readonly inboundRepo: InboundRepo;
  readonly queues: JobQueues;
  readonly relay: Relay;
  readonly queries: Queries;
  readonly outbox: Outbox;
  readonly inbound: InboundHandler;
  readonly reviews: ReviewRepo;
  readonly replies: ReplyCounter;
  readonly chaser: Chaser;
  readonly chaseLog: ChaseRepo;
  readonly auditor: Auditor;
  readonly bindings: BindingRepo;
  /** The accounts' circuit breakers. */
  readonly guard: AccountGuard;
  /** Manual tasks (`/已转发`). */
  readonly manual: ManualDesk;
  /** The adapters of accounts whose ids change at login, by account id (WeChat via wechat4u). */
  readonly sessions: ReadonlyMap<string, ResolvingAdapter>;
  /** Reloads the org from the store (after an import). */
  reloadOrg(): void;
  /** Connects adapters, starts workers, and re-queues sends a crash left behind. */
  start(): Promise<void>;
  /** Resolves once every queue is empty and nothing is in flight (drills, tests). */
  settle(timeoutMs?: number): Promise<void>;
  /** Graceful stop; `force` drops running jobs as a crash would (tests). */
  stop(force?: boolean): Promise<void>;
}

/** How often the accounts' state is written for `cascade accounts`. */
const ACCOUNT_STATUS_EVERY_MS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** A login step from the command line older than this is not carried out. */
const LOGIN_STEP_TTL_MS = 10 * 60 * 1000;

/** Wires everything without connecting an adapter or starting a worker (Fastify's build). */
export function buildApp(deps: AppDeps): App {
  const { config, db, clock, logger } = deps;
  const schoolName = config.school.name;
  let org = new OrgIndex(loadOrgSnapshot(db, schoolName));
  const orgRef = (): OrgIndex => org;
  // Where a platform changes ids at every login, the app sees canonical ids through a ResolvingAdapter.
  const sessionIds = new SessionIdRepo(db);
  const memberLists = new MemberRepo(db);
  const resolving = new Map<string, ResolvingAdapter>();
  const wrapped: ChatAdapter[] = deps.adapters.map((a) => {
    if (a.capabilities.stableIds) return a;
    const r = new ResolvingAdapter(a, {
      org: () => org,
      ids: sessionIds,
      members: memberLists,
      clock,
      logger,
      remarkGapMs: config.membership.remarkGap,
    });
    resolving.set(a.accountId, r);
    return r;
  });
  const adapters = new Map(wrapped.map((a) => [a.accountId, a]));
  // A bot's own id is known only once it has logged in (and changes at each WeChat login): asked live.
  const botIds = { has: (id: string): boolean => id !== '' && wrapped.some((a) => a.selfId === id) };
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
  const guard = new AccountGuard({ pauseMs: breaker.pause, maxPauseMs: breaker.maxPause, timeoutsToTrip: breaker.timeoutsToTrip, mutedPauseMs: breaker.mutedPause });
  /** Connected, logged in and not paused by its breaker. */
  const usable = (accountId: string): boolean => {
    const a = adapters.get(accountId);
    return a !== undefined && (a.status?.().state ?? 'online') === 'online' && guard.blockedUntil(accountId, null, clock.now()) === null;
  };
  /** Operators' login steps (`cascade login`), carried out by the adapter they name. */
  let stepping = false;
  const loginSteps = async (): Promise<void> => {
    // One pass at a time: a slow step is not run again by the next tick.
    if (stepping) return;
    stepping = true;
    try {
      await runLoginSteps();
    } catch (error) {
      logger.warn({ err: error }, 'could not carry out the login steps');
    } finally {
      stepping = false;
    }
  };
  const runLoginSteps = async (): Promise<void> => {
    for (const action of statusRepo.pending()) {
      // A step asked for long ago (the service was down) is stale: a slider ticket expires in minutes.
      if (clock.now() - action.createdAt > LOGIN_STEP_TTL_MS) {
        statusRepo.done(action.id, 'expired: the service did not run it in time', clock.now());
        continue;
      }
      const adapter = adapters.get(action.accountId);
      let result = 'done';
      if (!adapter?.loginStep) result = adapter ? 'unsupported: this account has no login steps' : 'unknown account';
      else {
        try {
          await adapter.loginStep(action.step);
        } catch (error) {
          result = `failed: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      statusRepo.done(action.id, result, clock.now());
      logger.info({ account: action.accountId, step: action.step.kind, result }, 'login step from the command line');
    }
  };
  /** When each account last used @全体成员 in each group (the daily quota). */
  const atAllUses = new Map<string, number[]>();
  const statusRepo = new AccountStatusRepo(db);
  const saveStatus = (): void => {
    const now = clock.now();
    statusRepo.save(
      [...adapters.values()].map((a) => {
        const st = a.status?.() ?? { state: 'online' as const, since: now };
        const pause = guard.pause(a.accountId, now);
        return {
          accountId: a.accountId,
          platform: config.accounts.find((c) => c.id === a.accountId)?.platform ?? `${a.platform} (simulator)`,
          state: st.state,
          detail: st.detail ?? null,
          pausedUntil: pause?.until ?? null,
          pauseReason: pause?.reason ?? null,
          lastHeartbeatAt: st.lastHeartbeatAt ?? null,
          selfId: a.selfId === '' ? null : a.selfId,
          updatedAt: now,
        };
      }),
    );
  };
  const directives = new DirectiveRepo(db);
  const ledger = new LedgerRepo(db);
  const inboundRepo = new InboundRepo(db);
  const queues = new JobQueues({
    url: deps.redisUrl,
    prefix: deps.prefix ?? config.redis.prefix,
    inboundConcurrency: config.queue.inboundConcurrency,
    lockDurationMs: config.queue.lockDurationMs,
    stalledIntervalMs: config.queue.stalledIntervalMs,
    maxAttempts: config.sending.maxAttempts,
    retryBackoffMs: config.sending.retryBackoffMs,
  });
  const pacer = new Pacer(clock, pacingOf);
  const outbox: Outbox = new Outbox({
    ledger,
    queues,
    adapters,
    clock,
    pacer,
    logger,
    offlineRetryMs: config.sending.offlineRetryMs,
    guard,
    routes: (d) => (d.chatType === 'group' ? (org.platformGroup(d.platform, d.target)?.accounts ?? []) : []),
    manualTask: (d, reason) => manual.task(d, reason),
    manualAfterMs: config.sending.manualAfter,
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
    onTrip: (trip) => {
      const until = formatTime(trip.until, config.school.timeZone, { now: clock.now() });
      logger.error({ account: trip.accountId, reason: trip.reason, until: new Date(trip.until).toISOString(), group: trip.group }, 'circuit breaker: account paused');
      saveStatus();
      if (trip.group !== undefined) return;
      // The team is told privately, through any account that still works.
      const text = zhManual.accountPaused({ account: trip.accountId, reason: trip.reason, until });
      uow
        .transaction((work) => work.queue(manual.tell(org.withRole('team_leader', null), text, deliveryKey.breakerAlert(trip.accountId, trip.until))))
        .catch((error: unknown) => logger.warn({ err: error }, 'could not plan the breaker alert'));
    },
  });
  const uow = new UnitOfWork({
    commit: (fn) => ledger.batch(fn),
    plan: (planned, options) => outbox.plan(planned, options),
    enqueue: (items) => outbox.enqueue(items),
    logger,
  });
  const manual = new ManualDesk({ org: () => org, ledger, clock, timeZone: config.school.timeZone, plan: (p) => outbox.plan(p), usable });
  const timeZone = config.school.timeZone;
  const canSend = (accountId: string): boolean => adapters.has(accountId);
  const relay = new Relay({ org: orgRef, directives, outbox, clock, timeZone, replyWindowMs: config.replies.windowMs, canSend });

  const reviews = new ReviewRepo(db);
  const chaseLog = new ChaseRepo(db);
  const queries = new Queries({
    org: orgRef,
    directives,
    timeZone,
    now: () => clock.now(),
    reviews,
    chaseLine: (d, scope, askerId, pre) => chaser.progressLine(d, scope, askerId, pre),
  });
  const chaser: Chaser = new Chaser({
    org: orgRef,
    uow,
    directives,
    chase: chaseLog,
    outbox,
    queries,
    timers: queues,
    clock,
    timeZone,
    config: config.chasing,
    accepts: (d) => relay.accepts(d),
    canSend,
    capabilities: (accountId) => adapters.get(accountId)?.capabilities,
    lastNotices: (directiveId) => ledger.lastNotices(directiveId),
    seatedIn: (platform, chatId) => {
      const list = memberLists.get(platform, chatId);
      return list ? new Set(list.members.map((m) => m.userId)) : undefined;
    },
    logger,
  });
  directives.watch({
    released: (id, groupIds, at) => chaser.noteReleased(id, groupIds, at),
    acknowledged: (id, level, kind, at) => chaser.noteAcknowledged(id, level, kind, at),
    withdrawn: (id) => chaser.noteWithdrawn(id),
  });
  const replies = new ReplyCounter({
    org: orgRef,
    inbound: inboundRepo,
    directives,
    reviews,
    relay,
    clock,
    logger,
    policy: config.replies,
    directiveOfMessage: (platform, chatId, messageId) =>
      ledger.directiveOfMessage(platform, chatId, messageId) ?? inboundRepo.directiveOfPlatformMessage(platform, chatId, messageId),
  });
  const bindings = new BindingRepo(db);
  const members = memberLists;
  const auditor = new Auditor({
    org: orgRef,
    adapters,
    audits: new AuditRepo(db),
    members,
    outbox,
    clock,
    patterns: config.membership.cardPatterns,
    botIds,
    timeZone: config.school.timeZone,
    logger,
  });
  const inbound = new InboundHandler({
    org: orgRef,
    uow,
    inbound: inboundRepo,
    directives,
    ledger,
    relay,
    queries,
    outbox,
    clock,
    timeZone,
    logger,
    botIds,
    crossAccountIds: (accountId) => adapters.get(accountId)?.capabilities.crossAccountMessageIds ?? true,
    replies,
    reviews,
    reloadOrg: () => app.reloadOrg(),
    chaser,
    auditor,
    bindings,
    maxGuardians: config.membership.maxGuardians,
    manual,
    // Every account of that platform that has the person among its contacts writes the remark.
    onBound: (b) => {
      for (const r of resolving.values()) if (r.platform === b.platform) r.remarkLater(b.userId, b.person);
    },
    // An unbound account loses the remark, so the next login does not take it for that person again.
    onUnbound: (b) => {
      for (const r of resolving.values()) if (r.platform === b.platform) r.remarkLater(b.userId, null);
    },
  });
  let started = false;
  let sweeper: NodeJS.Timeout | undefined;
  let statusWriter: NodeJS.Timeout | undefined;

  const app: App = {
    deps,
    org: orgRef,
    directives,
    ledger,
    inboundRepo,
    queues,
    relay,
    queries,
    outbox,
    inbound,
    reviews,
    replies,
    chaser,
    chaseLog,
    auditor,
    bindings,
    sessions: resolving,
    guard,
    manual,
    reloadOrg() {
      org = new OrgIndex(loadOrgSnapshot(db, schoolName));
    },
    async start() {
      if (started) return;
      started = true;
      relay.load();
      // The day budget counts the sends made before a restart.
      for (const [accountId, times] of ledger.sentTimes(clock.now() - DAY_MS)) pacer.seed(accountId, times);
      // Breaker pauses outlive a restart: an operator restarting the service must not unleash a risky account.
      for (const row of statusRepo.all()) if (row.pausedUntil !== null) guard.restore(row.accountId, row.pausedUntil, row.pauseReason ?? 'restored', clock.now());
      const workers = new Map<string, AccountWorkerOptions>();
      for (const a of adapters.values()) {
        const p = pacingOf(a.accountId);
        workers.set(a.accountId, { concurrency: p.minGapMs === 0 && p.jitterMs === 0 ? config.sending.unpacedConcurrency : 1 });
      }
      queues.startWorkers(
        {
          inbound: (ev) => inbound.handle(ev),
          send: (id, attempt) => outbox.deliver(id, attempt),
          chase: (id, at) => chaser.tick(id, at),
          audit: async () => {
            const sends = await auditor.daily();
            if (sends.length > 0) await outbox.enqueue(sends);
          },
        },
        workers,
      );
      const requeued = await outbox.recover();
      if (requeued > 0) logger.info({ requeued }, 'queued sends a previous run left unsent');
      // A round for every open directive: none is lost to a crash between rounds.
      await chaser.recover();
      await queues.scheduleDailyAudit(config.membership.dailyAuditAt, config.school.timeZone);
      // A send whose queue job was lost after it was planned (Redis hiccup, crash) is queued again.
      sweeper = setInterval(() => {
        outbox.recover().catch((error: unknown) => logger.warn({ err: error }, 'sweep of unsent deliveries failed'));
        chaser.retry().catch((error: unknown) => logger.warn({ err: error }, 'retry of chase rounds failed'));
      }, config.sending.sweepIntervalMs);
      sweeper.unref();
      statusWriter = setInterval(() => {
        try {
          saveStatus();
          void loginSteps();
        } catch (error) {
          logger.warn({ err: error }, 'could not save the accounts’ status');
        }
      }, ACCOUNT_STATUS_EVERY_MS);
      statusWriter.unref();
      await Promise.all(
        [...adapters.values()].map((a) =>
          a.start((ev) => {
            // A login is the adapter's business (ids re-resolved inside a ResolvingAdapter); it is only logged.
            if (ev.kind === 'login') {
              logger.info({ account: a.accountId }, 'bot account logged in');
              return;
            }
            queues.enqueueInbound(ev, inboundDedupeKey(ev, a.capabilities.crossAccountMessageIds)).catch((error: unknown) => {
              logger.error({ err: error, account: a.accountId }, 'could not queue an inbound event');
            });
          }),
        ),
      );
      saveStatus();
      logger.info({ accounts: adapters.size, ...org.counts() }, 'cascade started');
    },
    async settle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let quiet = 0;
      while (quiet < 3) {
        // Events held while a login's ids are resolved count as work to do.
        await Promise.all([...resolving.values()].map((r) => r.resolved()));
        if (Date.now() > deadline) throw new Error(`queues did not settle within ${timeoutMs} ms: ${JSON.stringify(await queues.counts())}`);
        await new Promise((r) => setTimeout(r, 5));
        quiet = (await queues.idle()) ? quiet + 1 : 0;
      }
    },
    async stop(force = false) {
      clearInterval(sweeper);
      clearInterval(statusWriter);
      // Workers first (a graceful stop lets running sends finish), then the platform connections.
      await queues.close(force);
      await Promise.all([...adapters.values()].map((a) => a.stop()));
      started = false;
    },
  };
  return app;
}
