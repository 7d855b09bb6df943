/**
 * Chasing along the org tree, put together: the scheduler decides when rounds run, a round works out
 * who is due for which reminder and plans the messages, the deadline summary goes out once after the
 * deadline, and the progress line tells `/进度` what chasing did. This class is what the rest of
 * Cascade sees (the chase job, `/催办`, the directive repository's watcher, `/进度`).
 */
import type { NewContactEntry } from '../../store/contact-log-repo.js';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { ChasingConfig } from '../../config/schema.js';
import type { ChasePolicy } from '../../domain/chase.js';
import type { Directive, Scope } from '../../domain/directive.js';
import type { Person, Platform } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { AdapterCapabilities } from '../../platform/port.js';
import type { SendItem, SendPause } from '../../queue/job-queues.js';
import type { ChaseRepo } from '../../store/chase-repo.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import type { UnitOfWork } from '../../app/unit-of-work.js';
import type { Focus, Queries } from '../queries/views.js';
import { ChaseMessages } from './messages.js';
import { ChaseProgress } from './progress.js';
import { ChaseRounds, type ChaseRoundDeps, type ManualOutcome } from './round.js';
import { ChaseScheduler, type ChaseTimers } from './scheduling.js';
import { DeadlineSummary } from './summary.js';

export type { ChaseTimers, ManualOutcome };

export interface ChaserDeps {
  readonly org: () => OrgIndex;
  /** Transactions; the wakes a transaction asks for are scheduled once it has committed. */
  readonly uow: UnitOfWork;
  readonly directives: DirectiveRepo;
  readonly chase: ChaseRepo;
  /** Plans deliveries in the ledger, inside the caller's transaction. */
  readonly plan: (planned: readonly PlannedDelivery[]) => SendItem[];
  readonly queries: Queries;
  readonly timers: ChaseTimers;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly config: ChasingConfig;
  /** Whether a directive still takes replies (the relay's rule: open, within the reply window). */
  readonly accepts: (d: Directive) => boolean;
  readonly canSend: (accountId: string) => boolean;
  readonly capabilities: (accountId: string) => AdapterCapabilities | undefined;
  /** When the last chase notice of the directive went into each group (the sent-ledger). */
  readonly lastNotices: (directiveId: number) => Map<number, number>;
  /** Where each group's post of the directive stands (the sent-ledger): nobody is chased for a post their group never got. */
  readonly posts?: (directiveId: number) => Map<number, { sentAt: number | null; unsure: boolean }>;
  /** Who sits in a platform group, from its kept member list (undefined: not known). */
  readonly seatedIn?: (platform: Platform, chatId: string) => ReadonlySet<string> | undefined;
  readonly logger: Logger;
  /** Numbers call tasks and gives the numbers to phone (see ChaseRoundDeps.calls). */
  readonly calls?: ChaseRoundDeps['calls'];
  /** SMS to families outside the parents groups (see ChaseRoundDeps.sms). */
  readonly sms?: ChaseRoundDeps['sms'];
  /** Writes Cascade's own contact-log entries in the round's transaction (see ChaseRoundDeps.contactLog). */
  readonly contactLog?: (entries: readonly NewContactEntry[]) => void;
  /** Records a failure under an error number (for `cascade status`); absent: only logged. */
  readonly failed?: (where: string, ref: string, error: unknown, message: string) => string;
}

/** A failed round is tried again this many grid slots later. */
const RETRY_SLOTS = 5;

export class Chaser {
  private readonly policy: ChasePolicy;
  private readonly scheduler: ChaseScheduler;
  private readonly rounds: ChaseRounds;
  private readonly summary: DeadlineSummary;
  private readonly progress: ChaseProgress;

  constructor(private readonly deps: ChaserDeps) {
    const c = deps.config;
    this.policy = {
      levels: { 1: c.levels.L1, 2: c.levels.L2, 3: c.levels.L3, 4: c.levels.L4 },
      quietHours: c.quietHours,
      maxPerPerson: c.maxPerPerson,
      cooldown: c.cooldown,
      granularity: c.granularity,
      completion: c.completion,
    };
    const { org, directives, chase, clock, timeZone, logger, plan } = deps;
    const messages = new ChaseMessages({ directives, canSend: deps.canSend, capabilities: deps.capabilities, ...(deps.seatedIn ? { seatedIn: deps.seatedIn } : {}), logger });
    this.rounds = new ChaseRounds({
      org,
      directives,
      chase,
      plan,
      clock,
      timeZone,
      config: c,
      policy: this.policy,
      messages,
      lastNotices: deps.lastNotices,
      ...(deps.posts ? { posts: deps.posts } : {}),
      ...(deps.contactLog ? { contactLog: deps.contactLog } : {}),
      ...(deps.calls ? { calls: deps.calls } : {}),
      ...(deps.sms ? { sms: deps.sms } : {}),
      logger,
    });
    this.progress = new ChaseProgress({ org, chase, directives, clock, timeZone, running: (d) => c.enabled && deps.accepts(d) });
    this.summary = new DeadlineSummary({ chase, queries: deps.queries, progress: this.progress, messages, plan, timeZone, policy: this.policy, summaryAfterMs: c.summaryAfter });
    this.scheduler = new ChaseScheduler({
      org,
      uow: deps.uow,
      directives,
      chase,
      timers: deps.timers,
      clock,
      config: c,
      policy: this.policy,
      accepts: deps.accepts,
      summaryOwed: (d, now) => this.summary.owed(d, now),
      owing: (o, d) => this.rounds.subjects(o, d).length,
      logger,
    });
  }

  // ---- what the directive repository tells (inside its transaction) -------------------------------

  noteReleased(directiveId: number, groupIds: readonly number[], at: number): void {
    this.scheduler.noteReleased(directiveId, groupIds, at);
  }

  noteAcknowledged(directiveId: number, level: number, kind: 'ack' | 'done', at: number): void {
    this.scheduler.noteAcknowledged(directiveId, level, kind, at);
  }

  noteWithdrawn(directiveId: number): void {
    this.scheduler.noteWithdrawn(directiveId);
  }

  // ---- rounds -----------------------------------------------------------------------------------

  /** The chase job: runs whatever is due, then schedules the next round. */
  async tick(directiveId: number, at: number): Promise<void | SendPause> {
    const now = this.deps.clock.now();
    if (now < at) return { pauseMs: at - now };
    this.scheduler.ran(directiveId, at);
    let next: number | null;
    try {
      // The round's sends are queued once it has committed (a failure to queue them is swept up).
      next = await this.deps.uow.transaction((work) => {
        const result = this.runTick(directiveId, at, now);
        work.queue(result.sends);
        return result.next;
      });
    } catch (error) {
      // Nothing of the round was written. Try again a little later rather than give the directive up.
      const message = 'chase round failed; retrying later';
      if (this.deps.failed) this.deps.failed('chase', `${directiveId}@${at}`, error, message);
      else this.deps.logger.error({ err: error, directive: directiveId }, message);
      await this.scheduler.schedule(directiveId, now + RETRY_SLOTS * this.policy.granularity);
      return;
    }
    // Should Redis fail here, the job fails and BullMQ runs it again: the round is recorded, so the
    // re-run finds nothing new to send and schedules the next.
    if (next !== null) await this.scheduler.schedule(directiveId, next);
  }

  private runTick(directiveId: number, at: number, now: number): { sends: SendItem[]; next: number | null } {
    const d = this.deps.directives.get(directiveId);
    if (!d || !this.deps.config.enabled) return { sends: [], next: null };
    const org = this.deps.org();
    // Replies no longer taken: no reminders, but the deadline summary still goes out.
    const auto = this.deps.accepts(d) ? this.rounds.auto(org, d, at, now) : { sends: [], next: null };
    const summary = this.summary.due(org, d, now);
    const next = auto.next === null ? summary.next : summary.next === null ? auto.next : Math.min(auto.next, summary.next);
    this.deps.directives.setNextChase(d.id, next);
    return { sends: [...auto.sends, ...summary.sends], next };
  }

  /** `/催办`: a round now for the asker's scope (joins the message's transaction). */
  manual(d: Directive, asker: Person, scope: Scope, inboundId: number, focus?: Focus): ManualOutcome {
    return this.rounds.manual(d, asker, scope, inboundId, focus);
  }

  /** The chase line of `/进度`. */
  progressLine(d: Directive, scope: Scope, askerId: number, pre?: unknown): string | null {
    return this.progress.line(d, scope, askerId, pre);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** At start: a round for every open directive, so none is lost to a crash between rounds. */
  recover(): Promise<void> {
    return this.scheduler.recover();
  }

  startRetrying(everyMs: number): void {
    this.scheduler.startRetrying(everyMs);
  }

  stopRetrying(): void {
    this.scheduler.stopRetrying();
  }
}
