/**
 * When chase rounds run. Rounds are delayed BullMQ jobs with deterministic ids (`chase-<directive>-<due>`);
 * a transaction that releases a directive into groups or counts a reply asks for a wake, scheduled once
 * it has committed. What a round does is decided when it runs, from the store, so a wake too many costs
 * one empty round and a wake too few is caught by the next. When everyone has replied, the rounds still
 * waiting are removed.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { ChasingConfig } from '../../config/schema.js';
import type { ChasePolicy } from '../../domain/chase.js';
import { forEachObligation, type Directive, type ObligationLevel } from '../../domain/directive.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { obligationGroup } from '../../domain/progress.js';
import type { ChaseRepo } from '../../store/chase-repo.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { roundKey } from '../../store/keys.js';
import type { AfterCommit, UnitOfWork } from '../../app/unit-of-work.js';

/** The timer side (BullMQ in production): what the scheduler needs of it. */
export interface ChaseTimers {
  scheduleChase(directiveId: number, at: number, delayMs: number): Promise<void>;
  cancelChases(directiveId: number): Promise<number>;
}

export interface ChaseSchedulerDeps {
  readonly org: () => OrgIndex;
  /** Transactions; the wakes a transaction asks for are scheduled once it has committed. */
  readonly uow: UnitOfWork;
  readonly directives: DirectiveRepo;
  readonly chase: ChaseRepo;
  readonly timers: ChaseTimers;
  readonly clock: Clock;
  readonly config: ChasingConfig;
  readonly policy: ChasePolicy;
  /** Whether a directive still takes replies (the relay's rule: open, within the reply window). */
  readonly accepts: (d: Directive) => boolean;
  /** Whether the deadline summary of a directive is still to go out. */
  readonly summaryOwed: (d: Directive, now: number) => boolean;
  /** How many replies (or completion reports) are still owed. */
  readonly owing: (org: OrgIndex, d: Directive) => number;
  readonly logger: Logger;
}

export class ChaseScheduler {
  /** Rounds already scheduled by this process (directive → due times): a wake is one Redis call at most. */
  private readonly scheduled = new Map<number, Set<number>>();
  /** Wakes asked for inside a transaction, scheduled once it has committed. */
  private pendingWakes: { directiveId: number; at: number }[] = [];
  /**
   * Per directive: replies owed (where a group exists to reply in) and replies counted since this
   * process started watching, per kind. The count only ever runs high (a withdrawn reply is not
   * subtracted), so it is a cheap trigger for an exact check, never the verdict.
   */
  private readonly tallies = new Map<number, { org: OrgIndex; required: number; ack: number; done: number } | null>();
  private readonly ackedSince = new Set<number>();
  /** Per directive, how often a round was scheduled: a cancel that raced a new wake is undone. */
  private readonly generation = new Map<number, number>();
  private readonly directiveCache = new Map<number, Directive>();
  /** Schedules the wakes asked for, once the transaction that asked has committed. */
  private readonly flushTask: AfterCommit = { key: 'chase-wakes', run: () => this.flush() };
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ChaseSchedulerDeps) {}

  /** The round due at `at` is running: it is no longer waiting in this process. */
  ran(directiveId: number, at: number): void {
    this.scheduled.get(directiveId)?.delete(at);
  }

  /** Earliest first step of a level, for waking a directive when something new becomes owed. */
  private firstAfter(level: ObligationLevel): number | null {
    const steps = this.deps.policy.levels[level];
    return steps.length === 0 ? null : Math.min(...steps.map((s) => s.after));
  }

  /**
   * Called (synchronously, inside the store's transaction) when the directive reached groups or a
   * reply was counted: asks for a round when the first reminder could fall due. The round itself
   * works out what is due; this only makes sure one runs.
   */
  noteReleased(directiveId: number, groupIds: readonly number[], at: number): void {
    if (!this.deps.config.enabled) return;
    const org = this.deps.org();
    const levels = new Set<ObligationLevel>();
    for (const id of groupIds) {
      const raw = org.group(id)?.level;
      // An extra group (`至=干部群`) owes replies as a class group does.
      const level = raw === 0 ? 3 : raw;
      if (level === 1 || level === 2 || level === 3 || level === 4) levels.add(level);
    }
    for (const level of levels) {
      const after = this.firstAfter(level);
      if (after !== null) this.pendingWakes.push({ directiveId, at: at + after });
    }
    const d = this.directive(directiveId);
    if (d?.deadlineAt != null) this.pendingWakes.push({ directiveId, at: d.deadlineAt + this.deps.config.summaryAfter });
    this.afterCommit();
  }

  /** Outside a transaction (never in the service) the periodic retry schedules what is pending. */
  private afterCommit(): void {
    this.deps.uow.current()?.afterCommit(this.flushTask);
  }

  noteAcknowledged(directiveId: number, level: number, kind: 'ack' | 'done', at: number): void {
    if (!this.deps.config.enabled) return;
    this.ackedSince.add(directiveId);
    this.afterCommit();
    const t = this.tallies.get(directiveId);
    if (t) t[kind]++;
    if (kind !== 'ack' || !this.deps.policy.completion || level < 1 || level > 4) return;
    if (!this.directive(directiveId)?.requireCompletion) return;
    const after = this.firstAfter(level as ObligationLevel);
    if (after !== null) this.pendingWakes.push({ directiveId, at: at + after });
  }

  /**
   * A reply was taken back: it is owed again. Its rounds may have been cancelled (everyone had
   * replied), so a round runs soon to work out when to remind.
   */
  noteWithdrawn(directiveId: number): void {
    if (!this.deps.config.enabled) return;
    this.pendingWakes.push({ directiveId, at: this.deps.clock.now() });
    this.afterCommit();
  }

  /** Directives by id; only fields that never change are read from it (deadline, completion). */
  private directive(id: number): Directive | undefined {
    let d = this.directiveCache.get(id);
    if (!d) {
      d = this.deps.directives.get(id);
      if (d) this.directiveCache.set(id, d);
    }
    return d;
  }

  /**
   * Schedules the rounds asked for since the last flush (after the transaction committed). A wake
   * Redis refused stays in the list and is tried again at the next flush or sweep.
   */
  async flush(): Promise<void> {
    const wakes = this.pendingWakes;
    this.pendingWakes = [];
    for (const w of wakes) {
      try {
        await this.schedule(w.directiveId, w.at);
      } catch (error) {
        this.pendingWakes.push(w);
        this.deps.logger.warn({ err: error, directive: w.directiveId }, 'could not schedule a chase round; will retry');
      }
    }
    const acked = [...this.ackedSince];
    this.ackedSince.clear();
    for (const id of acked) await this.cancelIfAllReplied(id);
  }

  /** Throws when Redis refuses: callers keep the wake, or let BullMQ retry the round that asked. */
  async schedule(directiveId: number, at: number): Promise<void> {
    const g = this.deps.policy.granularity;
    const slot = Math.ceil(at / g) * g;
    this.generation.set(directiveId, (this.generation.get(directiveId) ?? 0) + 1);
    let set = this.scheduled.get(directiveId);
    if (!set) {
      set = new Set();
      this.scheduled.set(directiveId, set);
    }
    if (set.has(slot)) return;
    set.add(slot);
    try {
      await this.deps.timers.scheduleChase(directiveId, slot, slot - this.deps.clock.now());
    } catch (error) {
      set.delete(slot);
      throw error;
    }
  }

  /**
   * Everyone has replied (and reported completion where asked): the rounds still waiting are
   * removed. A running count triggers the exact check; a round that fires anyway finds nobody and
   * stops.
   */
  private async cancelIfAllReplied(directiveId: number): Promise<void> {
    const d = this.directive(directiveId);
    if (!d) return;
    const org = this.deps.org();
    let t = this.tallies.get(directiveId);
    if (!t || t.org !== org) {
      // Replies owed where a group exists to give them in (looked up once per class or college).
      const hasGroup = new Map<number, boolean>();
      let required = 0;
      forEachObligation(org, d, (level, subjectId, collegeId, classId, groupId) => {
        const unit = groupId !== undefined ? -8 * (groupId + 1) : level === 1 ? -1 : (level === 3 ? (classId ?? -2) : collegeId) * 8 + level;
        let ok = hasGroup.get(unit);
        if (ok === undefined) {
          ok = level === 1 || obligationGroup(org, { level, subjectId, collegeId, classId, ...(groupId === undefined ? {} : { groupId }) }) !== undefined;
          hasGroup.set(unit, ok);
        }
        if (ok) required++;
      });
      t = { org, required, ack: this.deps.directives.ackCount(directiveId, 'ack'), done: this.deps.directives.ackCount(directiveId, 'done') };
      this.tallies.set(directiveId, t);
    }
    const needDone = d.requireCompletion && this.deps.policy.completion;
    if (t.ack < t.required || (needDone && t.done < t.required)) return;
    // Exact counts: the running ones may include replies since withdrawn.
    t.ack = this.deps.directives.ackCount(directiveId, 'ack');
    t.done = this.deps.directives.ackCount(directiveId, 'done');
    if (t.ack < t.required || (needDone && t.done < t.required)) return;
    if (d.deadlineAt !== null && !this.deps.chase.hasRound(directiveId, roundKey.summary)) return; // the summary still goes out
    // The verdict: nobody owes anything (the counts may include people the roster has since dropped).
    if (this.deps.owing(org, d) > 0) return;
    const before = this.generation.get(directiveId) ?? 0;
    const removed = await this.deps.timers.cancelChases(directiveId);
    this.scheduled.delete(directiveId);
    this.deps.directives.setNextChase(directiveId, null);
    if (removed > 0) this.deps.logger.info({ directive: directiveId, removed }, 'everyone replied; chase rounds cancelled');
    // A wake scheduled while the rounds were being removed (a reply taken back) may have gone with them.
    if ((this.generation.get(directiveId) ?? 0) !== before) await this.schedule(directiveId, this.deps.clock.now());
  }

  /**
   * At start: a round for every open directive that still takes replies or owes its deadline
   * summary, so none is lost to a crash between rounds.
   */
  async recover(): Promise<void> {
    if (!this.deps.config.enabled) return;
    for (const d of this.deps.directives.open(0)) {
      if (!this.deps.accepts(d) && !this.deps.summaryOwed(d, this.deps.clock.now())) continue;
      await this.schedule(d.id, Math.max(this.deps.clock.now(), d.createdAt));
    }
  }

  /** The periodic sweep: wakes Redis refused earlier are tried again. */
  async retry(): Promise<void> {
    if (this.pendingWakes.length > 0 || this.ackedSince.size > 0) await this.flush();
  }

  /** Runs `retry` every `everyMs` until stopped. */
  startRetrying(everyMs: number): void {
    this.stopRetrying();
    this.retryTimer = setInterval(() => {
      this.retry().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'retry of chase rounds failed'));
    }, everyMs);
    this.retryTimer.unref();
  }

  stopRetrying(): void {
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }
}
