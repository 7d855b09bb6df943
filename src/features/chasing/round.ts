/**
 * A chase round: who is due for which reminder now (domain/chase), turned into messages planned in
 * the caller's transaction and recorded with the round, so a reminder happens at most once per round
 * per person however often the round is re-run. Automatic rounds run at their due time; `/催办` runs
 * one at once for the asker's scope.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { ChasingConfig } from '../../config/schema.js';
import {
  afterQuietHours,
  dueReminders,
  manualReminders,
  obligationKey,
  responsibleFor,
  subjectKey,
  type ChasePolicy,
  type ChaseSubject,
  type DueReminder,
  type ReminderState,
} from '../../domain/chase.js';
import { forEachObligation, type Directive, type Scope } from '../../domain/directive.js';
import { formatDuration, formatTime } from '../../domain/duration.js';
import type { Person } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { obligationGroup, scopedObligations } from '../../domain/progress.js';
import type { SendItem } from '../../queue/job-queues.js';
import type { ChaseRepo, NewReminder, ReminderAction } from '../../store/chase-repo.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { contactLogKey, deliveryKey, roundKey } from '../../store/keys.js';
import type { NewContactEntry } from '../../store/contact-log-repo.js';
import type { NewCallTask } from '../../store/call-task-repo.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import { inFocus, type Focus } from '../queries/views.js';
import { countByClass, type ChaseMessages, type NagBucket } from './messages.js';
import { zhChase, type CallLine, type ChaseKind } from './texts.js';

export interface ChaseRoundDeps {
  readonly org: () => OrgIndex;
  readonly directives: DirectiveRepo;
  readonly chase: ChaseRepo;
  /** Plans deliveries in the ledger, inside the caller's transaction. */
  readonly plan: (planned: readonly PlannedDelivery[]) => SendItem[];
  readonly clock: Clock;
  readonly timeZone: string;
  readonly config: ChasingConfig;
  readonly policy: ChasePolicy;
  readonly messages: ChaseMessages;
  /** When the last chase notice of the directive went into each group (the sent-ledger). */
  readonly lastNotices: (directiveId: number) => Map<number, number>;
  /** Where each group's post of the directive stands (the sent-ledger); absent: every released group counts as posted. */
  readonly posts?: (directiveId: number) => Map<number, { sentAt: number | null; unsure: boolean }>;
  readonly logger: Logger;
  /** Numbers call tasks and gives the numbers to phone; absent: the nag names whom to phone without numbers. */
  readonly calls?: {
    create(t: NewCallTask): number;
    /** Whether anyone was already given this family (or student) to phone for this directive. */
    handedOver(directiveId: number, level: number, kind: 'ack' | 'done', subjectId: number): boolean;
    /** Each person's current phone (the address book's), null when none. */
    phones(personIds: readonly number[]): ReadonlyMap<number, string | null>;
    /** A call list with numbers went to this person (the access log). */
    shown?(recipient: Person, classes: readonly string[], at: number): void;
  };
  /** SMS to families outside the parents groups (the L4 step `sms`); absent or disabled: they go on the call list. */
  readonly sms?: { readonly enabled: boolean; planFamily(d: Directive, studentId: number, kind: 'directive' | 'reminder', key: string, deadline: string | null): 'planned' | 'capped' | 'no_phone' | 'already' | 'uncertain' };
  /** Writes Cascade's own contact-log entries (a private reminder to a guardian, a family handed to the counselor to phone), in the caller's transaction. */
  readonly contactLog?: (entries: readonly NewContactEntry[]) => void;
}

/** What `/催办` did, for the answer to the asker. */
export interface ManualOutcome {
  readonly text: string;
  readonly sends: SendItem[];
}

interface RoundResult {
  readonly sends: SendItem[];
  readonly reminded: number;
  readonly counts: Record<ReminderAction, number>;
  /** Notices held back by the group's notice gap go out at this time (null: none held). */
  readonly deferredUntil: number | null;
}

export class ChaseRounds {
  constructor(private readonly deps: ChaseRoundDeps) {}

  /**
   * The people of a nag the bot could not message, numbered for `/已联系` (one task per directive,
   * subject and counselor, kept across rounds) with the numbers to phone: the address book's, never in a group.
   */
  private callList(org: OrgIndex, directiveId: number, b: NagBucket, now: number): CallLine[] {
    const calls = this.deps.calls;
    if (!calls) return [];
    const seen = new Set<string>();
    const subjects = b.calls.filter((s) => {
      const k = `${s.level}:${s.subjectId}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const people = subjects.flatMap((s) => (s.level === 4 ? org.guardiansOf(s.subjectId).map((g) => g.guardianId) : [s.subjectId]));
    const phones = calls.phones(people);
    return subjects
      .map((s) => {
        const student = org.person(s.subjectId);
        const no = calls.create({ directiveId, level: s.level, kind: s.kind, subjectId: s.subjectId, collegeId: s.collegeId, classId: s.classId, personId: b.recipient.id, createdAt: now });
        const numbers =
          s.level === 4
            ? org.guardiansOf(s.subjectId).map((g) => {
                const name = org.person(g.guardianId)?.name ?? '';
                return `${g.relation}${name && name !== g.relation ? ` ${name}` : ''} ${phones.get(g.guardianId) ?? '（无号码）'}`;
              })
            : [phones.get(s.subjectId) ?? '（无号码）'];
        return {
          no,
          klass: org.classUnit(s.classId ?? -1)?.name ?? zhChase.noClass,
          who: s.level === 4 ? `${student?.name ?? '?'}家长` : (student?.name ?? '?'),
          phones: numbers.length > 0 ? numbers.join('；') : '（名单中没有家长）',
        };
      })
      .sort((a, b2) => (a.klass < b2.klass ? -1 : a.klass > b2.klass ? 1 : a.no - b2.no));
  }

  /**
   * The automatic round of a directive at its due time `at`: whoever is due for a step of their
   * level's policy is reminded. Returns the sends and when the next reminder falls due (null: none).
   */
  auto(org: OrgIndex, d: Directive, at: number, now: number): { sends: SendItem[]; next: number | null } {
    const subjects = this.subjects(org, d);
    const stateOf = personState(this.deps.chase.state(d.id));
    const { due, next: nextDue } = dueReminders(subjects, stateOf, this.deps.policy, {
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
    return { sends, next };
  }

  /**
   * `/催办 [编号]`: the next step for everyone in the asker's scope who still owes, now, except
   * those reminded within the cool-down. Synchronous: it joins the inbound message's transaction.
   * The round key comes from the message, so a redelivered command runs nothing twice.
   */
  /** `focus`: asked in a class or parents group, only that group's people are reminded. */
  manual(d: Directive, asker: Person, scope: Scope, inboundId: number, focus?: Focus): ManualOutcome {
    const org = this.deps.org();
    const now = this.deps.clock.now();
    // Quiet hours hold a reminder asked for by hand too (unless the directive is urgent): the round is left to the morning.
    const quietEnd = d.urgent ? now : afterQuietHours(now, this.deps.policy.quietHours, this.deps.timeZone);
    if (quietEnd > now) return { text: zhChase.chaseQuietHours(d.id, formatTime(quietEnd, this.deps.timeZone, { now })), sends: [] };
    const focused = inFocus(focus);
    const inScope = scopedObligations(org, d, scope, asker.id).filter((o) => o.subjectId !== asker.id && focused(o));
    const all = this.subjects(org, d);
    const wanted = new Set(inScope.map((o) => obligationKey(o.subjectId, o.level, o.collegeId)));
    const subjects = all.filter((s) => wanted.has(obligationKey(s.subjectId, s.level, s.collegeId)));
    const state = this.deps.chase.state(d.id);
    const stateOf = personState(state);
    const round = this.deps.chase.startRound({ directiveId: d.id, key: roundKey.manual(inboundId), kind: 'manual', byPersonId: asker.id, at: now });
    const cooldown = formatDuration(this.deps.policy.cooldown);
    if (round === undefined) return { text: zhChase.chaseManualDone({ id: d.id, reminded: 0, mentions: 0, notices: 0, privates: 0, relayed: 0, cooling: 0, cooldown }), sends: [] };
    const { due, coolingDown } = manualReminders(subjects, stateOf, this.deps.policy, now, round);
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

  /** A new round row; a key already used (a re-run) gets a suffix, since what is due was worked out afresh. */
  private round(d: Directive, key: string, kind: 'auto' | 'manual', by: number | null, now: number): number | undefined {
    return (
      this.deps.chase.startRound({ directiveId: d.id, key, kind, byPersonId: by, at: now }) ??
      this.deps.chase.startRound({ directiveId: d.id, key: roundKey.rerun(key, now), kind, byPersonId: by, at: now })
    );
  }

  /** Replies still owed (or completion reports), each with when it became owed. */
  subjects(org: OrgIndex, d: Directive): ChaseSubject[] {
    const releases = this.deps.directives.releaseTimes(d.id);
    const posts = this.deps.posts?.(d.id);
    const chaseDone = d.requireCompletion && this.deps.policy.completion;
    const { acked, done, ackedAt } = this.deps.directives.ackIndex(d.id, chaseDone);
    const units = new Map<number, { groupId: number; at: number; unsure: boolean } | null>();
    const out: ChaseSubject[] = [];
    forEachObligation(org, d, (level, subjectId, collegeId, classId, groupId) => {
      const key = obligationKey(subjectId, level, collegeId);
      const replied = acked.has(key);
      if (replied && (!chaseDone || done.has(key))) return;
      // Extra groups (`至=干部群`) are units of their own: their members are chased there.
      const unitKey = groupId !== undefined ? -8 * (groupId + 1) : level === 1 ? -1 : (level === 3 ? (classId ?? -2) : collegeId) * 8 + level;
      let unit = units.get(unitKey);
      if (unit === undefined) {
        if (level === 1) unit = { groupId: d.originGroupId, at: d.createdAt, unsure: false };
        else {
          const g = obligationGroup(org, { level, subjectId, collegeId, classId, ...(groupId === undefined ? {} : { groupId }) });
          const released = g ? releases.get(g.id) : undefined;
          // Nobody is chased for a post their group never got: owed from when the post is known to be there
          // (sent, or posted by hand); where a bot may have posted it and nobody can tell, from its release,
          // with the directive's text in the reminders.
          const post = g && posts ? posts.get(g.id) : undefined;
          const at = !posts ? released : post?.sentAt != null ? Math.max(post.sentAt, released ?? 0) : post?.unsure ? released : undefined;
          unit = g && released !== undefined && at !== undefined ? { groupId: g.id, at, unsure: posts !== undefined && post?.sentAt == null } : null;
        }
        units.set(unitKey, unit);
      }
      if (!unit) return;
      out.push({
        level,
        kind: replied ? 'done' : 'ack',
        subjectId,
        collegeId,
        classId,
        groupId: unit.groupId,
        anchor: replied ? (ackedAt.get(key) ?? unit.at) : unit.at,
        ...(unit.unsure ? { unsure: true } : {}),
      });
    });
    return out;
  }

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
    const counts: Record<ReminderAction, number> = { mention: 0, notice: 0, private: 0, nag: 0, relay: 0, sms: 0 };
    /** Contacts with families (and students) the contact log records: private reminders, phone tasks. */
    const contacts: { r: DueReminder; reached: { personId: number; deliveryKey: string } | undefined }[] = [];
    const record = (r: DueReminder, action: ReminderAction): void => {
      counts[action]++;
      const s = r.subject;
      reminders.push({ level: s.level, kind: s.kind, subjectId: s.subjectId, collegeId: s.collegeId, classId: s.classId, step: r.step, n: r.n, action });
    };
    /** Group reminders by group, action and kind (one message set per group and kind). */
    const inGroup = new Map<string, { groupId: number; action: 'mention' | 'notice'; kind: ChaseKind; list: DueReminder[] }>();
    const nags = new Map<number, NagBucket>();
    const bucket = (recipient: Person, kind: ChaseKind): NagBucket => {
      const key = recipient.id * 2 + (kind === 'done' ? 1 : 0);
      let b = nags.get(key);
      if (!b) {
        b = { recipient, kind, deputies: [], counselors: [], classes: new Map(), unreachable: new Map(), calls: [] };
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
    /** No bot can reach them (no private channel, no SMS): whoever is responsible is told whom to phone. */
    const handOver = (r: DueReminder): void => {
      const s = r.subject;
      const name = org.person(s.subjectId)?.name ?? '?';
      // The asker of a `/催办` is told too: they are the one to phone.
      const told: NagBucket[] = [];
      for (const p of responsible(s)) {
        const b = bucket(p, s.kind);
        const klass = s.classId ?? -1;
        const entry = b.unreachable.get(klass) ?? { students: [], families: [] };
        (s.level === 4 ? entry.families : entry.students).push(name);
        b.unreachable.set(klass, entry);
        b.calls.push(s);
        told.push(b);
      }
      viaBuckets.push({ r, action: 'relay', buckets: told });
    };
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
          const k = JSON.stringify([s.groupId, action, s.kind]);
          const entry = inGroup.get(k) ?? { groupId: s.groupId, action, kind: s.kind, list: [] };
          entry.list.push(action === r.action ? r : { ...r, action });
          inGroup.set(k, entry);
          break;
        }
        case 'private': {
          const reached = this.deps.messages.privateReminder(org, d, r, deadline, key, planned);
          if (reached) {
            record(r, 'private');
            if (s.level >= 3) contacts.push({ r, reached });
          } else handOver(r);
          break;
        }
        case 'sms': {
          // For families none of whose guardians is in a parents group of the college (as far as the
          // kept member lists tell); the others are in the group and were reminded there.
          if (s.level !== 4 || !this.deps.messages.familyOutside(org, s.subjectId, s.collegeId)) break;
          const sms = this.deps.sms;
          const outcome = sms?.enabled ? sms.planFamily(d, s.subjectId, 'directive', deliveryKey.smsFamily(d.id, s.subjectId, `c${r.step}-${r.n}`), deadline) : 'disabled';
          if (outcome === 'planned' || outcome === 'already') record(r, 'sms');
          // No SMS (disabled, no number, over the daily cap, one that may not have gone out): the counselor
          // phones, unless they already have the family on a list.
          else if (!this.deps.calls?.handedOver(d.id, s.level, s.kind, s.subjectId)) handOver(r);
          break;
        }
        case 'nag': {
          const recipients = responsible(s).filter((p) => p.id !== asker);
          if (recipients.length === 0) break;
          const told = recipients.map((p) => bucket(p, s.kind));
          for (const b of told) this.deps.messages.addToNag(org, d, b, s, releasedGroups);
          viaBuckets.push({ r, action: 'nag', buckets: told });
          break;
        }
      }
    }

    // A nameless notice counts everyone in the group who still owes, not only those due now; and a
    // group gets at most one per noticeGap, however the replies (and so the due times) are spread.
    const lastNotice = inGroup.size > 0 ? this.deps.lastNotices(d.id) : new Map<number, number>();
    let deferredUntil: number | null = null;
    for (const { groupId, action, kind, list } of inGroup.values()) {
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
      const unsure = list.some((r) => r.subject.unsure === true);
      const sent = this.deps.messages.groupReminder(org, d, groupId, action, kind, list, owing, deadline, key, planned, unsure);
      for (const r of list) if (sent) record(r, action);
    }

    if (nags.size > 0) {
      const pendingByClass = countByClass(all);
      for (const b of nags.values()) {
        const route = this.deps.messages.route(org, b.recipient, undefined, false);
        if (!route) {
          this.deps.logger.warn({ directive: d.id, person: b.recipient.id }, 'no private channel to a responsible person; nag not sent');
          continue;
        }
        const content = this.deps.messages.nagContent(org, d, b, deadline, hint, pendingByClass);
        const calls = this.deps.calls && b.calls.length > 0 ? this.callList(org, d.id, b, now) : undefined;
        if (calls && calls.length > 0) this.deps.calls?.shown?.(b.recipient, [...new Set(calls.map((c) => c.klass))], now);
        const text = zhChase.chaseNag(calls ? { ...content, calls } : content);
        planned.push({ key: key.nag(b.recipient.id, b.kind), purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
        sentBuckets.add(b);
      }
    }
    for (const v of viaBuckets) {
      if (!v.buckets.some((b) => sentBuckets.has(b))) continue;
      record(v.r, v.action);
      if (v.action === 'relay' && v.r.subject.level >= 3) contacts.push({ r: v.r, reached: undefined });
    }

    const fresh = this.deps.chase.addReminders(d.id, roundId, now, reminders);
    if (this.deps.contactLog && contacts.length > 0) this.deps.contactLog(contacts.map((c) => contactEntry(org, d.id, c.r, c.reached, now)));
    this.deps.chase.finish(roundId, fresh, planned.length);
    return { sends: this.deps.plan(planned), reminded: reminders.filter((r) => r.action !== 'nag').length, counts, deferredUntil };
  }
}

/** The contact-log entry of a private reminder (reached) or of a family handed to the counselor to phone. */
function contactEntry(org: OrgIndex, directiveId: number, r: DueReminder, reached: { personId: number; deliveryKey: string } | undefined, at: number): NewContactEntry {
  const s = r.subject;
  const autoKey = contactLogKey.reminder(directiveId, s.level, s.kind, s.subjectId, r.step, r.n);
  const what = s.kind === 'ack' ? '未回复' : '未回复落实情况';
  if (!reached) {
    return { at, byPersonId: null, studentId: s.subjectId, contactPersonId: null, contactLabel: s.level === 4 ? '家长' : '本人', channel: 'phone_task', text: `第${directiveId}号通知${what}，机器人无法私信，已请辅导员电话联系`, outcome: null, source: 'cascade', autoKey };
  }
  const relation = s.level === 4 ? (org.guardiansOf(s.subjectId).find((g) => g.guardianId === reached.personId)?.relation ?? '家长') : '本人';
  return { at, byPersonId: null, studentId: s.subjectId, contactPersonId: reached.personId, contactLabel: relation, channel: 'bot_private', text: `第${directiveId}号通知${what}，机器人私信提醒`, outcome: null, source: 'cascade', autoKey, deliveryKey: reached.deliveryKey };
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
