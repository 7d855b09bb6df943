/**
 * Chasing along the org tree: reminders in the groups, private messages, and lists for the people
 * responsible, on the schedule of `chasing` in the config; `/催办` on demand; a summary at the
 * deadline. Rounds are timed by delayed BullMQ jobs (deterministic ids), but what a round does is
 * decided at fire time from the store, and recorded with the deliveries it plans in one transaction:
 * a reminder happens at most once per round per person, however often a round is re-run.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { ChasingConfig } from '../../config/schema.js';
import {
  afterQuietHours,
  dueReminders,
  homeGroups,
  manualReminders,
  obligationKey,
  responsibleFor,
  subjectKey,
  type ChasePolicy,
  type ChaseSubject,
  type DueReminder,
  type ReminderState,
} from '../../domain/chase.js';
import { forEachObligation, scopeOf, type Directive, type ObligationLevel, type Scope } from '../../domain/directive.js';
import { formatClock, formatDuration, formatTime } from '../../domain/duration.js';
import { groupKey, type Person, type Platform, type PlatformGroup } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { obligationGroup, scopedObligations } from '../../domain/progress.js';
import { zhChase, type ChaseKind, type NagContent } from './texts.js';
import type { AdapterCapabilities } from '../../platform/port.js';
import type { SendItem, SendPause } from '../../queue/job-queues.js';
import type { ChaseRepo, ChaseRound, NewReminder, ReminderAction, ReminderRow } from '../../store/chase-repo.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { deliveryKey, roundKey } from '../../store/keys.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import type { Outbox } from '../../app/outbox.js';
import type { AfterCommit, UnitOfWork } from '../../app/unit-of-work.js';
import { renderFinal } from '../queries/render.js';
import type { Queries } from '../queries/views.js';

/** The timer side (BullMQ in production): what the chaser needs of it. */
export interface ChaseTimers {
  scheduleChase(directiveId: number, at: number, delayMs: number): Promise<void>;
  cancelChases(directiveId: number): Promise<number>;
}

export interface ChaserDeps {
  readonly org: () => OrgIndex;
  /** Transactions; the wakes a transaction asks for are scheduled once it has committed. */
  readonly uow: UnitOfWork;
  readonly directives: DirectiveRepo;
  readonly chase: ChaseRepo;
  readonly outbox: Outbox;
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
  /**
   * Who sits in a platform group, from its kept member list (undefined: not known). With it, a group
   * behind several platform groups (a college's parents in two rooms) gets, in each room, the mentions
   * and the count of those who sit there.
   */
  readonly seatedIn?: (platform: Platform, chatId: string) => ReadonlySet<string> | undefined;
  readonly logger: Logger;
}

/** What `/催办` did, for the answer to the asker. */
export interface ManualOutcome {
  readonly text: string;
  readonly sends: SendItem[];
}

/** Mentions per message where the adapter does not say. */
const DEFAULT_MAX_MENTIONS = 20;
/** How long the directive's own text is in a private reminder. */
const SUMMARY_CHARS = 30;
/** How late a deadline summary may still go out. */
const SUMMARY_STALE_MS = 24 * 3600_000;
/** A failed round is tried again this many grid slots later. */
const RETRY_SLOTS = 5;
/** Late repliers named in a summary; more are counted. */
const MAX_LATE_NAMES = 30;

type ChaseKeys = ReturnType<typeof deliveryKey.chase>;

interface NagBucket {
  readonly recipient: Person;
  readonly kind: ChaseKind;
  readonly deputies: { name: string; college: string }[];
  readonly counselors: { name: string; waiting: string[]; collegeId: number }[];
  readonly classes: Map<number, { students: string[]; families: string[] }>;
  /** Per class: students, and families by the student's name, the bot could not message. */
  readonly unreachable: Map<number, { students: string[]; families: string[] }>;
}

interface RoundResult {
  readonly sends: SendItem[];
  readonly reminded: number;
  readonly counts: Record<ReminderAction, number>;
  /** Notices held back by the group's notice gap go out at this time (null: none held). */
  readonly deferredUntil: number | null;
}

export class Chaser {
  private readonly policy: ChasePolicy;
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
  }

  get enabled(): boolean {
    return this.deps.config.enabled;
  }

  // ---- timers --------------------------------------------------------------------------------

  /** Earliest first step of a level, for waking a directive when something new becomes owed. */
  private firstAfter(level: ObligationLevel): number | null {
    const steps = this.policy.levels[level];
    return steps.length === 0 ? null : Math.min(...steps.map((s) => s.after));
  }

  /**
   * Called (synchronously, inside the store's transaction) when the directive reached groups or a
   * reply was counted: asks for a round when the first reminder could fall due. The round itself
   * works out what is due; this only makes sure one runs.
   */
  noteReleased(directiveId: number, groupIds: readonly number[], at: number): void {
    if (!this.enabled) return;
    const org = this.deps.org();
    const levels = new Set<ObligationLevel>();
    for (const id of groupIds) {
      const level = org.group(id)?.level;
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
    if (!this.enabled) return;
    this.ackedSince.add(directiveId);
    this.afterCommit();
    const t = this.tallies.get(directiveId);
    if (t) t[kind]++;
    if (kind !== 'ack' || !this.policy.completion || level < 1 || level > 4) return;
    if (!this.directive(directiveId)?.requireCompletion) return;
    const after = this.firstAfter(level as ObligationLevel);
    if (after !== null) this.pendingWakes.push({ directiveId, at: at + after });
  }

  /**
   * A reply was taken back: it is owed again. Its rounds may have been cancelled (everyone had
   * replied), so a round runs soon to work out when to remind.
   */
  noteWithdrawn(directiveId: number): void {
    if (!this.enabled) return;
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
  private async schedule(directiveId: number, at: number): Promise<void> {
    const g = this.policy.granularity;
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
      forEachObligation(org, d, (level, subjectId, collegeId, classId) => {
        const unit = level === 1 ? -1 : (level === 3 ? (classId ?? -2) : collegeId) * 8 + level;
        let ok = hasGroup.get(unit);
        if (ok === undefined) {
          ok = level === 1 || obligationGroup(org, { level, subjectId, collegeId, classId }) !== undefined;
          hasGroup.set(unit, ok);
        }
        if (ok) required++;
      });
      t = { org, required, ack: this.deps.directives.ackCount(directiveId, 'ack'), done: this.deps.directives.ackCount(directiveId, 'done') };
      this.tallies.set(directiveId, t);
    }
    const needDone = d.requireCompletion && this.policy.completion;
    if (t.ack < t.required || (needDone && t.done < t.required)) return;
    // Exact counts: the running ones may include replies since withdrawn.
    t.ack = this.deps.directives.ackCount(directiveId, 'ack');
    t.done = this.deps.directives.ackCount(directiveId, 'done');
    if (t.ack < t.required || (needDone && t.done < t.required)) return;
    if (d.deadlineAt !== null && !this.deps.chase.hasRound(directiveId, roundKey.summary)) return; // the summary still goes out
    // The verdict: nobody owes anything (the counts may include people the roster has since dropped).
    if (this.subjects(org, d).length > 0) return;
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
    if (!this.enabled) return;
    for (const d of this.deps.directives.open(0)) {
      if (!this.deps.accepts(d) && !this.summaryOwed(d, this.deps.clock.now())) continue;
      await this.schedule(d.id, Math.max(this.deps.clock.now(), d.createdAt));
    }
  }

  /** The periodic sweep: wakes Redis refused earlier are tried again. */
  async retry(): Promise<void> {
    if (this.pendingWakes.length > 0 || this.ackedSince.size > 0) await this.flush();
  }

  private retryTimer: NodeJS.Timeout | undefined;

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

  // ---- automatic rounds ----------------------------------------------------------------------

  /** The chase job: runs whatever is due, then schedules the next round. */
  async tick(directiveId: number, at: number): Promise<void | SendPause> {
    const now = this.deps.clock.now();
    if (now < at) return { pauseMs: at - now };
    this.scheduled.get(directiveId)?.delete(at);
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
      this.deps.logger.error({ err: error, directive: directiveId }, 'chase round failed; retrying later');
      await this.schedule(directiveId, now + RETRY_SLOTS * this.policy.granularity);
      return;
    }
    // Should Redis fail here, the job fails and BullMQ runs it again: the round is recorded, so the
    // re-run finds nothing new to send and schedules the next.
    if (next !== null) await this.schedule(directiveId, next);
  }

  private runTick(directiveId: number, at: number, now: number): { sends: SendItem[]; next: number | null } {
    const d = this.deps.directives.get(directiveId);
    if (!d || !this.enabled) return { sends: [], next: null };
    const org = this.deps.org();
    if (!this.deps.accepts(d)) {
      // Replies are no longer taken: no reminders, but the deadline summary still goes out.
      const summary = this.summaryDue(org, d, now);
      this.deps.directives.setNextChase(d.id, summary.next);
      return summary;
    }
    const subjects = this.subjects(org, d);
    const state = this.deps.chase.state(d.id);
    const stateOf = personState(state);
    const { due, next: nextDue } = dueReminders(subjects, stateOf, this.policy, {
      now,
      timeZone: this.deps.timeZone,
      urgent: d.urgent,
      endAt: d.deadlineAt,
    });
    let next = nextDue;
    const sends: SendItem[] = [];
    if (due.length > 0) {
      const round = this.round(d, roundKey.auto(at), 'auto', null, now);
      if (round !== undefined) {
        const result = this.execute(org, d, round, due, subjects, now, null);
        sends.push(...result.sends);
        if (result.deferredUntil !== null && (next === null || result.deferredUntil < next)) next = result.deferredUntil;
      }
    }
    const summary = this.summaryDue(org, d, now);
    sends.push(...summary.sends);
    if (summary.next !== null && (next === null || summary.next < next)) next = summary.next;
    this.deps.directives.setNextChase(d.id, next);
    return { sends, next };
  }

  /** The deadline summary if it is due now; else when it will be (null: none owed). */
  private summaryDue(org: OrgIndex, d: Directive, now: number): { sends: SendItem[]; next: number | null } {
    if (!this.summaryOwed(d, now)) return { sends: [], next: null };
    // Not in quiet hours either, when the round runs late.
    const summaryAt = Math.max(this.summaryAt(d), d.urgent ? now : afterQuietHours(now, this.policy.quietHours, this.deps.timeZone));
    return summaryAt <= now ? { sends: this.summary(org, d, now), next: null } : { sends: [], next: summaryAt };
  }

  /** A summary more than a day late (Cascade was down, or a directive from before chasing) is not sent. */
  private summaryOwed(d: Directive, now: number): boolean {
    return d.deadlineAt !== null && now <= this.summaryAt(d) + SUMMARY_STALE_MS && !this.deps.chase.hasRound(d.id, roundKey.summary);
  }

  private summaryAt(d: Directive): number {
    const t = (d.deadlineAt ?? 0) + this.deps.config.summaryAfter;
    return d.urgent ? t : afterQuietHours(t, this.policy.quietHours, this.deps.timeZone);
  }

  /** A new round row; a key already used (a re-run) gets a suffix, since what is due was worked out afresh. */
  private round(d: Directive, key: string, kind: 'auto' | 'manual', by: number | null, now: number): number | undefined {
    return (
      this.deps.chase.startRound({ directiveId: d.id, key, kind, byPersonId: by, at: now }) ??
      this.deps.chase.startRound({ directiveId: d.id, key: roundKey.rerun(key, now), kind, byPersonId: by, at: now })
    );
  }

  /** Replies still owed (or completion reports), each with when it became owed. */
  private subjects(org: OrgIndex, d: Directive): ChaseSubject[] {
    const releases = this.deps.directives.releaseTimes(d.id);
    const chaseDone = d.requireCompletion && this.policy.completion;
    const { acked, done, ackedAt } = this.deps.directives.ackIndex(d.id, chaseDone);
    const units = new Map<number, { groupId: number; at: number } | null>();
    const out: ChaseSubject[] = [];
    forEachObligation(org, d, (level, subjectId, collegeId, classId) => {
      const key = obligationKey(subjectId, level, collegeId);
      const replied = acked.has(key);
      if (replied && (!chaseDone || done.has(key))) return;
      const unitKey = level === 1 ? -1 : (level === 3 ? (classId ?? -2) : collegeId) * 8 + level;
      let unit = units.get(unitKey);
      if (unit === undefined) {
        if (level === 1) unit = { groupId: d.originGroupId, at: d.createdAt };
        else {
          const g = obligationGroup(org, { level, subjectId, collegeId, classId });
          const at = g ? releases.get(g.id) : undefined;
          unit = g && at !== undefined ? { groupId: g.id, at } : null;
        }
        units.set(unitKey, unit);
      }
      if (!unit) return;
      out.push({ level, kind: replied ? 'done' : 'ack', subjectId, collegeId, classId, groupId: unit.groupId, anchor: replied ? (ackedAt.get(key) ?? unit.at) : unit.at });
    });
    return out;
  }

  // ---- on demand ---------------------------------------------------------------------------

  /**
   * `/催办 [编号]`: the next step for everyone in the asker's scope who still owes, now, except
   * those reminded within the cool-down. Synchronous: it joins the inbound message's transaction.
   * The round key comes from the message, so a redelivered command runs nothing twice.
   */
  manual(d: Directive, asker: Person, scope: Scope, inboundId: number): ManualOutcome {
    const org = this.deps.org();
    const now = this.deps.clock.now();
    // Quiet hours hold a reminder asked for by hand too (unless the directive is urgent): the round is left to the morning.
    const quietEnd = d.urgent ? now : afterQuietHours(now, this.policy.quietHours, this.deps.timeZone);
    if (quietEnd > now) return { text: zhChase.chaseQuietHours(d.id, formatTime(quietEnd, this.deps.timeZone, { now })), sends: [] };
    const inScope = scopedObligations(org, d, scope, asker.id).filter((o) => o.subjectId !== asker.id);
    const all = this.subjects(org, d);
    const wanted = new Set(inScope.map((o) => obligationKey(o.subjectId, o.level, o.collegeId)));
    const subjects = all.filter((s) => wanted.has(obligationKey(s.subjectId, s.level, s.collegeId)));
    const state = this.deps.chase.state(d.id);
    const stateOf = personState(state);
    const round = this.deps.chase.startRound({ directiveId: d.id, key: roundKey.manual(inboundId), kind: 'manual', byPersonId: asker.id, at: now });
    const cooldown = formatDuration(this.policy.cooldown);
    if (round === undefined) return { text: zhChase.chaseManualDone({ id: d.id, reminded: 0, mentions: 0, notices: 0, privates: 0, relayed: 0, cooling: 0, cooldown }), sends: [] };
    const { due, coolingDown } = manualReminders(subjects, stateOf, this.policy, now, round);
    const result = this.execute(org, d, round, due, all, now, asker.id);
    const c = result.counts;
    return {
      text: zhChase.chaseManualDone({
        id: d.id,
        reminded: result.reminded,
        mentions: c.mention,
        notices: c.notice,
        privates: c.private,
        relayed: c.relay,
        cooling: coolingDown.length,
        cooldown,
      }),
      sends: result.sends,
    };
  }

  // ---- doing a round -------------------------------------------------------------------------

  /**
   * Turns due reminders into messages, plans them in the ledger and records who was reminded, all
   * in the caller's transaction. `all` is every subject still owing (for the counts in nags);
   * `asker` (manual rounds) gets no nag: the answer tells them.
   */
  private execute(
    org: OrgIndex,
    d: Directive,
    roundId: number,
    due: readonly DueReminder[],
    all: readonly ChaseSubject[],
    now: number,
    asker: number | null,
  ): RoundResult {
    const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, this.deps.timeZone, { now });
    const planned: PlannedDelivery[] = [];
    const reminders: NewReminder[] = [];
    const counts: Record<ReminderAction, number> = { mention: 0, notice: 0, private: 0, nag: 0, relay: 0 };
    const record = (r: DueReminder, action: ReminderAction): void => {
      counts[action]++;
      const s = r.subject;
      reminders.push({ level: s.level, kind: s.kind, subjectId: s.subjectId, collegeId: s.collegeId, classId: s.classId, step: r.step, n: r.n, action });
    };
    const inGroup = new Map<string, DueReminder[]>();
    const nags = new Map<number, NagBucket>();
    const bucket = (recipient: Person, kind: ChaseKind): NagBucket => {
      const key = recipient.id * 2 + (kind === 'done' ? 1 : 0);
      let b = nags.get(key);
      if (!b) {
        b = { recipient, kind, deputies: [], counselors: [], classes: new Map(), unreachable: new Map() };
        nags.set(key, b);
      }
      return b;
    };
    // The same few answer for thousands: worked out once per level and unit.
    const answering = new Map<number, readonly Person[]>();
    const responsible = (s: ChaseSubject): readonly Person[] => {
      const unit = (s.level >= 3 ? (s.classId ?? -1) : s.level === 2 ? s.collegeId : 0) * 8 + s.level;
      let people = answering.get(unit);
      if (!people) {
        people = responsibleFor(org, s.level, s.collegeId, s.classId, d.issuerId);
        answering.set(unit, people);
      }
      return people;
    };
    const key = deliveryKey.chase(d.id, roundId);
    // Nags and relays count once the list reaching one of the people responsible is planned.
    const viaBuckets: { r: DueReminder; action: 'nag' | 'relay'; buckets: NagBucket[] }[] = [];
    const sentBuckets = new Set<NagBucket>();
    // Read once per round, and only if a nag lists counselors (their classes still waiting).
    let released: ReadonlySet<number> | undefined;
    const releasedGroups = (): ReadonlySet<number> => (released ??= new Set(this.deps.directives.releasedGroups(d.id)));
    const hint = d.replyHint;

    for (const r of due) {
      const s = r.subject;
      switch (r.action) {
        case 'mention':
        case 'notice': {
          // Parents are never named in a group, whatever the policy says.
          const action = s.level === 4 ? 'notice' : r.action;
          const k = `${s.groupId}:${action}:${s.kind}`;
          const list = inGroup.get(k) ?? [];
          list.push(action === r.action ? r : { ...r, action });
          inGroup.set(k, list);
          break;
        }
        case 'private': {
          const delivered = this.privateReminder(org, d, r, deadline, key, planned);
          if (delivered) record(r, 'private');
          else {
            // No private channel (a WeChat parent who is not the bot's friend): the counselor is told.
            const name = org.person(s.subjectId)?.name ?? '?';
            // The asker of a `/催办` is told too: they are the one to phone.
            const told: NagBucket[] = [];
            for (const p of responsible(s)) {
              const b = bucket(p, s.kind);
              const klass = s.classId ?? -1;
              const entry = b.unreachable.get(klass) ?? { students: [], families: [] };
              (s.level === 4 ? entry.families : entry.students).push(name);
              b.unreachable.set(klass, entry);
              told.push(b);
            }
            viaBuckets.push({ r, action: 'relay', buckets: told });
          }
          break;
        }
        case 'nag': {
          const recipients = responsible(s).filter((p) => p.id !== asker);
          if (recipients.length === 0) break;
          const told = recipients.map((p) => bucket(p, s.kind));
          for (const b of told) this.addToNag(org, d, b, s, releasedGroups);
          viaBuckets.push({ r, action: 'nag', buckets: told });
          break;
        }
      }
    }

    // A nameless notice counts everyone in the group who still owes, not only those due now; and a
    // group gets at most one per noticeGap, however the replies (and so the due times) are spread.
    const lastNotice = inGroup.size > 0 ? this.deps.lastNotices(d.id) : new Map<number, number>();
    let deferredUntil: number | null = null;
    for (const [k, list] of inGroup) {
      const [groupIdText, action, kind] = k.split(':') as [string, 'mention' | 'notice', ChaseKind];
      const groupId = Number(groupIdText);
      let owing: readonly ChaseSubject[] = list.map((r) => r.subject);
      if (action === 'notice') {
        owing = all.filter((x) => x.groupId === groupId && x.kind === kind);
        const last = lastNotice.get(groupId);
        // The group had a notice lately: these wait for the gap to pass, then one notice covers them all.
        if (last !== undefined && now < last + this.deps.config.noticeGap) {
          const at = last + this.deps.config.noticeGap;
          if (deferredUntil === null || at < deferredUntil) deferredUntil = at;
          continue;
        }
      }
      const sent = this.groupReminder(org, d, groupId, action, kind, list, owing, deadline, key, planned);
      for (const r of list) if (sent) record(r, action);
    }

    if (nags.size > 0) {
      const pendingByClass = countByClass(all);
      for (const b of nags.values()) {
        const route = this.route(org, b.recipient, undefined, false);
        if (!route) {
          this.deps.logger.warn({ directive: d.id, person: b.recipient.id }, 'no private channel to a responsible person; nag not sent');
          continue;
        }
        const text = zhChase.chaseNag(this.nagContent(org, d, b, deadline, hint, pendingByClass));
        planned.push({ key: key.nag(b.recipient.id, b.kind), purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
        sentBuckets.add(b);
      }
    }
    for (const v of viaBuckets) if (v.buckets.some((b) => sentBuckets.has(b))) record(v.r, v.action);

    const fresh = this.deps.chase.addReminders(d.id, roundId, now, reminders);
    this.deps.chase.finish(roundId, fresh, planned.length);
    return { sends: this.deps.outbox.plan(planned, { bulk: true }), reminded: reminders.filter((r) => r.action !== 'nag').length, counts, deferredUntil };
  }

  /** @-mentions (L1–L3) or a notice naming nobody, in each platform group behind the logical group. */
  private groupReminder(
    org: OrgIndex,
    d: Directive,
    groupId: number,
    action: 'mention' | 'notice',
    kind: ChaseKind,
    list: readonly DueReminder[],
    owing: readonly ChaseSubject[],
    deadline: string | null,
    key: ChaseKeys,
    planned: PlannedDelivery[],
  ): boolean {
    const group = org.group(groupId);
    if (!group) return false;
    let any = false;
    const pgs = org.platformGroupsOf(groupId);
    for (const pg of pgs) {
      const accountId = pg.accounts.find((a) => this.deps.canSend(a)) ?? pg.accounts[0];
      if (!accountId) continue;
      const base = { purpose: 'notice' as const, directiveId: d.id, groupId, accountId, platform: pg.platform, chatType: 'group' as const, target: pg.chatId, quoteId: null };
      // Behind several platform groups, each gets only those who sit in it, where its member list is kept.
      const seated = pgs.length > 1 ? this.deps.seatedIn?.(pg.platform, pg.chatId) : undefined;
      const sitsHere = (subjectId: number): boolean => {
        if (!seated) return true;
        const people = group.level === 4 ? org.guardiansOf(subjectId).map((g) => g.guardianId) : [subjectId];
        const accounts = people.flatMap((p) => org.accountsOn(p, pg.platform));
        // Nobody knows where someone without an account sits: every room hears of them.
        return accounts.length === 0 || accounts.some((a) => seated.has(a));
      };
      if (action === 'notice' || group.level === 4) {
        const count = owing.filter((x) => sitsHere(x.subjectId)).length;
        if (count === 0) {
          // Nobody who owes sits in this room: nothing to say here (and the reminder counts as done).
          any = true;
          continue;
        }
        const text = zhChase.chaseNotice({ id: d.id, level: group.level, kind, hint: d.replyHint, deadline, count, room: seated !== undefined });
        planned.push({ ...base, key: key.notice(pg.id, kind), text, mentions: [] });
        any = true;
        continue;
      }
      // A deputy secretary of two colleges owes two replies in L1 but is mentioned once.
      const ids: string[] = [];
      const unbound: string[] = [];
      for (const r of list) {
        if (!sitsHere(r.subject.subjectId)) continue;
        const id = org.accountOn(r.subject.subjectId, pg.platform);
        const name = org.person(r.subject.subjectId)?.name ?? '?';
        if (id) {
          if (!ids.includes(id)) ids.push(id);
        } else if (!unbound.includes(name)) unbound.push(name);
      }
      if (ids.length === 0 && unbound.length === 0) {
        any = true;
        continue;
      }
      const max = Math.max(1, this.deps.capabilities(accountId)?.maxMentions ?? DEFAULT_MAX_MENTIONS);
      const batches = Math.max(1, Math.ceil(ids.length / max));
      for (let b = 0; b < batches; b++) {
        const mentions = ids.slice(b * max, (b + 1) * max);
        const text = zhChase.chaseMention({ id: d.id, level: group.level, kind, hint: d.replyHint, deadline, unbound: b === batches - 1 ? unbound : [] });
        planned.push({ ...base, key: key.mention(pg.id, kind, b + 1), text, mentions });
      }
      any = true;
    }
    return any;
  }

  /** A private reminder to whoever owes (for L4, a guardian of the student); false when nobody can be reached. */
  private privateReminder(
    org: OrgIndex,
    d: Directive,
    r: DueReminder,
    deadline: string | null,
    key: ChaseKeys,
    planned: PlannedDelivery[],
  ): boolean {
    const s = r.subject;
    const group = org.group(s.groupId);
    const pg = org.platformGroupsOf(s.groupId)[0];
    const summary = d.text.length > SUMMARY_CHARS ? `${d.text.slice(0, SUMMARY_CHARS)}…` : d.text;
    const common = { id: d.id, level: s.level, kind: s.kind, hint: d.replyHint, deadline, group: group?.name ?? '', summary };
    if (s.level === 4) {
      const student = org.person(s.subjectId);
      for (const g of org.guardiansOf(s.subjectId)) {
        const guardian = org.person(g.guardianId);
        const route = guardian && this.route(org, guardian, pg, true);
        if (!route) continue;
        const text = zhChase.chasePrivate({ ...common, student: student?.name ?? '' });
        planned.push({ key: key.guardian(guardian.id, s.kind, s.subjectId), purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
        return true;
      }
      return false;
    }
    const person = org.person(s.subjectId);
    // Staff have added the bots as friends; students on a platform without temporary chats cannot be reached.
    const route = person && this.route(org, person, pg, person.kind !== 'staff');
    if (!route) return false;
    const text = zhChase.chasePrivate({ ...common, student: null });
    planned.push({ key: key.person(person.id, s.kind, s.level), purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
    return true;
  }

  /**
   * Which bot account messages a person privately, and their id there: the platform of the group
   * concerned first, and a bot that shares a group with the person (a QQ temporary chat needs one;
   * on WeChat, staff have added the bots of their groups as friends). `strangersOnly`: only where
   * the platform lets a bot message someone who is not its friend.
   */
  private route(
    org: OrgIndex,
    person: Person,
    pg: PlatformGroup | undefined,
    strangersOnly: boolean,
  ): { accountId: string; platform: Platform; target: string } | null {
    const order: Platform[] = pg ? [pg.platform, pg.platform === 'qq' ? 'wechat' : 'qq'] : ['qq', 'wechat'];
    const shared = homeGroups(org, person).flatMap((g) => org.platformGroupsOf(g.id));
    for (const platform of order) {
      const userId = org.accountOn(person.id, platform);
      if (!userId) continue;
      const candidates = [
        ...(pg && pg.platform === platform ? pg.accounts : []),
        ...shared.filter((x) => x.platform === platform).flatMap((x) => x.accounts),
      ];
      for (const accountId of candidates) {
        if (!this.deps.canSend(accountId)) continue;
        if (strangersOnly && !this.deps.capabilities(accountId)?.privateToStrangers) continue;
        return { accountId, platform, target: userId };
      }
    }
    return null;
  }

  private addToNag(org: OrgIndex, d: Directive, b: NagBucket, s: ChaseSubject, releasedGroups: () => ReadonlySet<number>): void {
    const person = org.person(s.subjectId);
    const name = person?.name ?? '?';
    switch (s.level) {
      case 1:
        b.deputies.push({ name, college: org.college(s.collegeId)?.name ?? '?' });
        break;
      case 2: {
        const released = releasedGroups();
        const waiting =
          d.mode === 'step' && person
            ? person.counselorOf
                .map((id) => org.classUnit(id))
                .filter((k) => k !== undefined && k.collegeId === s.collegeId)
                .filter((k) => {
                  const g = k === undefined ? undefined : org.groupByKeyName(groupKey.class(k.name));
                  return g !== undefined && !released.has(g.id);
                })
                .map((k) => k?.name ?? '')
            : [];
        b.counselors.push({ name, waiting, collegeId: s.collegeId });
        break;
      }
      case 3:
      case 4: {
        const klass = s.classId ?? -1;
        const entry = b.classes.get(klass) ?? { students: [], families: [] };
        (s.level === 3 ? entry.students : entry.families).push(name);
        b.classes.set(klass, entry);
        break;
      }
    }
  }

  private nagContent(
    org: OrgIndex,
    d: Directive,
    b: NagBucket,
    deadline: string | null,
    hint: string,
    pendingByClass: Map<number, { students: number; families: number }>,
  ): NagContent {
    const className = (id: number): string => org.classUnit(id)?.name ?? zhChase.noClass;
    // A deputy secretary sees how each counselor's classes stand, grouped by counselor and class.
    const byCounselor: NagContent['byCounselor'][number][] = [];
    if (b.counselors.length > 0 && b.kind === 'ack') {
      const colleges = new Set(b.counselors.map((c) => c.collegeId));
      for (const collegeId of colleges) {
        for (const counselor of org.collegeCounselors(collegeId)) {
          const classes = counselor.counselorOf
            .filter((id) => org.classUnit(id)?.collegeId === collegeId)
            .map((id) => ({ name: className(id), ...(pendingByClass.get(id) ?? { students: 0, families: 0 }) }))
            .filter((x) => x.students + x.families > 0);
          if (classes.length > 0) byCounselor.push({ name: counselor.name, classes });
        }
      }
    }
    return {
      id: d.id,
      deadline,
      kind: b.kind,
      hint,
      deputies: b.deputies,
      counselors: b.counselors.map((c) => ({ name: c.name, waiting: c.waiting })),
      byCounselor,
      // Whoever is listed to phone is not listed twice.
      classes: [...b.classes].map(([id, e]) => {
        const phone = b.unreachable.get(id);
        const students = new Set(phone?.students);
        const families = new Set(phone?.families);
        return { name: className(id), students: e.students.filter((n) => !students.has(n)), families: e.families.filter((n) => !families.has(n)) };
      }),
      unreachable: [...b.unreachable].map(([id, e]) => ({ klass: className(id), students: e.students, families: e.families })),
    };
  }

  // ---- the deadline summary ------------------------------------------------------------------

  /**
   * After the deadline: to the team leaders always, and to each deputy secretary and counselor whose
   * scope has replies missing or late, a final account of who never replied and who replied late.
   */
  private summary(org: OrgIndex, d: Directive, now: number): SendItem[] {
    if (this.deps.chase.hasRound(d.id, roundKey.summary)) return [];
    // Read once for hundreds of recipients, before this round's own row exists.
    const snap = this.deps.queries.snapshot(d, this.chaseSnapshot(d));
    const round = this.deps.chase.startRound({ directiveId: d.id, key: roundKey.summary, kind: 'summary', byPersonId: null, at: now });
    if (round === undefined) return [];
    const deadline = formatTime(d.deadlineAt ?? now, this.deps.timeZone, { now });
    const recipients = new Map<number, Person>();
    for (const p of org.withRole('team_leader', null)) recipients.set(p.id, p);
    const colleges = d.collegeIds ?? org.colleges.map((c) => c.id);
    for (const c of colleges) {
      for (const p of org.withRole('deputy_secretary', c)) recipients.set(p.id, p);
      if (d.depth >= 3) for (const k of org.classesOf(c)) for (const p of org.counselorsOf(k.id)) recipients.set(p.id, p);
    }
    const planned: PlannedDelivery[] = [];
    for (const p of recipients.values()) {
      const scope = scopeOf(org, p);
      if (scope.kind === 'none' || !this.deps.queries.concerns(d, scope)) continue;
      const view = this.deps.queries.final(d, scope, p, snap);
      const leader = org.hasRole(p, 'team_leader');
      if (!leader && view.pending === 0 && view.late.length === 0) continue;
      const route = this.route(org, p, undefined, false);
      if (!route) continue;
      const final = renderFinal(view, this.deps.timeZone);
      const late = final.late.slice(0, MAX_LATE_NAMES);
      const text = zhChase.chaseSummary({ id: d.id, deadline, progress: final.progress, pending: final.pending, late, lateMore: final.late.length - late.length });
      planned.push({ key: deliveryKey.chaseSummary(d.id, p.id), purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
    }
    this.deps.chase.finish(round, 0, planned.length);
    return this.deps.outbox.plan(planned, { bulk: true });
  }

  // ---- /进度 -------------------------------------------------------------------------------

  /** What the chase line reads, once: direct reminders by college, the rounds, the next round. */
  private chaseSnapshot(d: Directive): ChaseSnapshot {
    const byCollege = new Map<number, ReminderRow[]>();
    for (const r of this.deps.chase.reminders(d.id)) {
      if (r.action === 'nag') continue;
      const c = r.collegeId ?? -1;
      const list = byCollege.get(c);
      if (list) list.push(r);
      else byCollege.set(c, [r]);
    }
    return {
      directiveId: d.id,
      byCollege,
      rounds: this.deps.chase.rounds(d.id),
      nextAt: this.enabled && this.deps.accepts(d) ? this.deps.directives.nextChaseAt(d.id) : null,
    };
  }

  /** The chase line of `/进度`: reminders given in the scope, manual rounds, the next round. */
  progressLine(d: Directive, scope: Scope, askerId: number, pre?: unknown): string | null {
    const org = this.deps.org();
    const snap = isChaseSnapshot(pre) && pre.directiveId === d.id ? pre : this.chaseSnapshot(d);
    let rows: readonly ReminderRow[];
    switch (scope.kind) {
      case 'school':
        rows = [...snap.byCollege.values()].flat();
        break;
      case 'colleges':
        rows = scope.collegeIds.flatMap((c) => snap.byCollege.get(c) ?? []);
        break;
      case 'classes':
        rows = scope.collegeIds.flatMap((c) => (snap.byCollege.get(c) ?? []).filter((r) => inScope(scope, r, askerId)));
        break;
      case 'none':
        rows = [];
    }
    const people = new Set(rows.map((r) => subjectKey(r.level, r.kind, r.subjectId))).size;
    const last = rows.reduce((m, r) => Math.max(m, r.at), 0);
    const manual = snap.rounds
      .filter((r) => r.kind === 'manual')
      .slice(-3)
      .map((r) => `${formatClock(r.at, this.deps.timeZone)} ${org.person(r.byPersonId ?? -1)?.name ?? ''}`.trim());
    const summaryRound = snap.rounds.find((r) => r.kind === 'summary');
    const fmt = (t: number): string => formatTime(t, this.deps.timeZone, { now: this.deps.clock.now() });
    return zhChase.chaseProgress({
      reminders: rows.length,
      people,
      last: last > 0 ? fmt(last) : null,
      manual,
      next: snap.nextAt !== null && snap.nextAt > this.deps.clock.now() ? fmt(snap.nextAt) : null,
      summary: summaryRound ? fmt(summaryRound.at) : null,
    });
  }
}

interface ChaseSnapshot {
  readonly directiveId: number;
  readonly byCollege: ReadonlyMap<number, readonly ReminderRow[]>;
  readonly rounds: readonly ChaseRound[];
  readonly nextAt: number | null;
}

function isChaseSnapshot(x: unknown): x is ChaseSnapshot {
  return typeof x === 'object' && x !== null && 'byCollege' in x && 'rounds' in x;
}

/**
 * What a person has been reminded of for one obligation, with the direct reminders of both kinds
 * (receipt and completion) counted together: the cap and the cool-down are per person.
 */
function personState(state: ReadonlyMap<number, ReminderState>): (s: ChaseSubject) => ReminderState | undefined {
  return (s) => {
    const own = state.get(subjectKey(s.level, s.kind, s.subjectId));
    const other = state.get(subjectKey(s.level, s.kind === 'ack' ? 'done' : 'ack', s.subjectId));
    if (!other) return own;
    return {
      perStep: own?.perStep ?? new Map<number, number>(),
      ...(own?.stepLastAt ? { stepLastAt: own.stepLastAt } : {}),
      direct: (own?.direct ?? 0) + other.direct,
      lastAt: Math.max(own?.lastAt ?? 0, other.lastAt),
    };
  };
}

function inScope(scope: Scope, r: { level: number; subjectId: number; collegeId: number | null; classId: number | null }, askerId: number): boolean {
  switch (scope.kind) {
    case 'school':
      return true;
    case 'colleges':
      return r.collegeId !== null && scope.collegeIds.includes(r.collegeId);
    case 'classes':
      return (r.classId !== null && scope.classIds.includes(r.classId)) || (r.level === 2 && r.subjectId === askerId);
    case 'none':
      return false;
  }
}

/** Students and families still owing a reply, per class. */
function countByClass(all: readonly ChaseSubject[]): Map<number, { students: number; families: number }> {
  const out = new Map<number, { students: number; families: number }>();
  for (const s of all) {
    if (s.kind !== 'ack' || s.classId === null || s.level < 3) continue;
    const e = out.get(s.classId) ?? { students: 0, families: 0 };
    if (s.level === 3) e.students++;
    else e.families++;
    out.set(s.classId, e);
  }
  return out;
}
