/**
 * Chasing: who is due for which reminder, and when the next one falls due. Pure: given what each
 * person owes, when it became owed (the directive reached their group, or they replied and a
 * completion report is still owed), and what they have been reminded of so far.
 */
import type { AckKind, ObligationLevel } from './directive.js';
import { fromWallClock, wallClock } from './duration.js';
import { groupKey, type Group, type GroupKey, type Person } from './org.js';
import type { OrgIndex } from './org-index.js';

export type ChaseAction = 'mention' | 'notice' | 'private' | 'nag' | 'sms';

export interface ChaseStep {
  readonly after: number;
  readonly action: ChaseAction;
  readonly every?: number | undefined;
  readonly times: number;
}

export interface QuietHours {
  /** `22:30` */
  readonly start: string;
  /** `07:00` */
  readonly end: string;
}

export interface ChasePolicy {
  readonly levels: Readonly<Record<ObligationLevel, readonly ChaseStep[]>>;
  readonly quietHours: QuietHours | null;
  readonly maxPerPerson: number;
  readonly cooldown: number;
  readonly granularity: number;
  readonly completion: boolean;
}

/** Mention, notice and private reach the person who owes; a nag goes to whoever answers for them. */
export function remindsSubject(action: ChaseAction): boolean {
  return action !== 'nag';
}

/** One reply still owed, and since when. */
export interface ChaseSubject {
  readonly level: ObligationLevel;
  readonly kind: AckKind;
  readonly subjectId: number;
  readonly collegeId: number;
  readonly classId: number | null;
  /** The group the reply is owed in (logical group id). */
  readonly groupId: number;
  /** When it became owed: the directive reached the group, or (completion) the person replied. */
  readonly anchor: number;
  /** The group's post may not be there and nobody can tell: reminders there carry the directive's text. */
  readonly unsure?: boolean;
}

/** What a subject has been reminded of for one kind (ack or done). */
export interface ReminderState {
  /** Reminders given per policy step. */
  readonly perStep: ReadonlyMap<number, number>;
  /** When each step last ran for the subject (absent: never, or not known). */
  readonly stepLastAt?: ReadonlyMap<number, number>;
  /** Reminders that reached the person: mention, notice, private, or their counselor told to phone them (relay). */
  readonly direct: number;
  /** When the person was last reminded directly. */
  readonly lastAt: number;
}

export interface DueReminder {
  readonly subject: ChaseSubject;
  /** Policy step index; -1 for a manual round. */
  readonly step: number;
  /** Which repeat of the step (0 for the first). */
  readonly n: number;
  readonly action: ChaseAction;
}

/**
 * A number naming one obligation: subject, level and college (a counselor of two colleges owes a
 * reply in each). The store packs acknowledgements the same way (DirectiveRepo.ackIndex).
 */
export function obligationKey(subjectId: number, level: number, collegeId: number): number {
  return (subjectId * 8 + level) * COLLEGE_SPAN + collegeId;
}

/** Colleges are numbered below this (ids of a university's colleges). */
export const COLLEGE_SPAN = 65536;

/** A number naming (level, kind, subject): maps keyed by it stay fast for a whole campus. */
export function subjectKey(level: number, kind: AckKind, subjectId: number): number {
  return subjectId * 16 + level * 2 + (kind === 'done' ? 1 : 0);
}

function parseClock(s: string): { hour: number; minute: number } {
  const [h, m] = s.split(':');
  return { hour: Number(h), minute: Number(m) };
}

/**
 * When a reminder due at `t` may go out: `t` itself, or the end of the quiet hours `t` falls in
 * (which may cross midnight: 22:30–07:00).
 */
export function afterQuietHours(t: number, quiet: QuietHours | null, timeZone: string): number {
  if (!quiet) return t;
  const start = parseClock(quiet.start);
  const end = parseClock(quiet.end);
  const s = start.hour * 60 + start.minute;
  const e = end.hour * 60 + end.minute;
  if (s === e) return t;
  const w = wallClock(t, timeZone);
  const m = w.hour * 60 + w.minute;
  const wraps = s > e;
  const inQuiet = wraps ? m >= s || m < e : m >= s && m < e;
  if (!inQuiet) return t;
  // The end is today when we are past midnight (or the hours do not wrap), else tomorrow.
  const dayShift = wraps && m >= s ? 1 : 0;
  return fromWallClock({ year: w.year, month: w.month, day: w.day + dayShift, hour: end.hour, minute: end.minute, second: 0 }, timeZone);
}

export interface TickOptions {
  readonly now: number;
  readonly timeZone: string;
  /** 紧急: quiet hours do not apply. */
  readonly urgent: boolean;
  /** Chasing ends here (the deadline), or null. */
  readonly endAt: number | null;
}

/**
 * The reminders due now, and when the next falls due. Per subject at most one direct reminder and
 * one nag per round, the earliest due step first; later steps wait for the next round (and, for
 * direct reminders, for the cool-down), so a late round does not fire a burst.
 */
export function dueReminders(
  subjects: Iterable<ChaseSubject>,
  stateOf: (s: ChaseSubject) => ReminderState | undefined,
  policy: ChasePolicy,
  opts: TickOptions,
): { due: DueReminder[]; next: number | null } {
  const { now, endAt } = opts;
  const due: DueReminder[] = [];
  let next = Infinity;
  if (endAt !== null && now > endAt) return { due, next: null };
  const g = Math.max(1000, policy.granularity);
  // A round that runs in quiet hours (late, after a restart) sends nothing until they end.
  const quietUntil = opts.urgent || !policy.quietHours ? now : afterQuietHours(now, policy.quietHours, opts.timeZone);
  // Due times land on a grid, so the quiet-hours check runs once per grid slot, not per person.
  const shifted = new Map<number, number>();
  const release = (t: number): number => {
    const slot = Math.ceil(t / g) * g;
    if (opts.urgent || !policy.quietHours) return slot;
    let r = shifted.get(slot);
    if (r === undefined) {
      r = afterQuietHours(slot, policy.quietHours, opts.timeZone);
      shifted.set(slot, r);
    }
    return r;
  };
  for (const s of subjects) {
    const steps = policy.levels[s.level];
    if (steps.length === 0) continue;
    const st = stateOf(s);
    let direct: DueReminder | null = null;
    let nag: DueReminder | null = null;
    const capped = (st?.direct ?? 0) >= policy.maxPerPerson;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as ChaseStep;
      const toSubject = remindsSubject(step.action);
      if (toSubject && capped) continue;
      const n = st?.perStep.get(i) ?? 0;
      if (n >= step.times) continue;
      let t = s.anchor + step.after + n * (step.every ?? 0);
      // A repeat comes `every` after the step last ran, even when that ran late.
      const last = n > 0 ? st?.stepLastAt?.get(i) : undefined;
      if (last !== undefined) t = Math.max(t, last + (step.every ?? 0));
      if (toSubject && st && st.lastAt > 0) t = Math.max(t, st.lastAt + policy.cooldown);
      // A step of the kind already chosen this round waits: a direct one for the cool-down after it
      // (at least one grid slot, so it is never due in this round).
      if (toSubject ? direct !== null : nag !== null) {
        t = release(Math.max(t, now + (toSubject ? Math.max(policy.cooldown, g) : g)));
        if ((endAt === null || t <= endAt) && t < next) next = t;
        continue;
      }
      t = release(t);
      if (endAt !== null && t > endAt) continue;
      if (t <= now && quietUntil > now) {
        if (quietUntil < next && (endAt === null || quietUntil <= endAt)) next = quietUntil;
      } else if (t <= now) {
        const r: DueReminder = { subject: s, step: i, n, action: step.action };
        if (toSubject) direct = r;
        else nag = r;
        // Its repeat, if any, is the step's next due time.
        if (n + 1 < step.times) {
          const again = release(Math.max(s.anchor + step.after + (n + 1) * (step.every ?? 0), now + (step.every ?? 0), now + (toSubject ? Math.max(policy.cooldown, g) : g)));
          if ((endAt === null || again <= endAt) && again < next) next = again;
        }
      } else if (t < next) next = t;
    }
    if (direct) due.push(direct);
    if (nag) due.push(nag);
  }
  return { due, next: next === Infinity ? null : next };
}

/**
 * A `/催办` round: per subject, the first direct step (mention, notice, private) of their level
 * not yet run for them (the last direct one when all have run) runs now, unless they were
 * reminded within the cool-down. It is recorded as that step, so the automatic schedule does not
 * run it again. Nags are left out: the asker is the one who would be told. `manualN` numbers the
 * reminders of a level that has no direct step (step -1).
 */
export function manualReminders(
  subjects: Iterable<ChaseSubject>,
  stateOf: (s: ChaseSubject) => ReminderState | undefined,
  policy: ChasePolicy,
  now: number,
  manualN: number,
): { due: DueReminder[]; coolingDown: ChaseSubject[] } {
  const due: DueReminder[] = [];
  const coolingDown: ChaseSubject[] = [];
  for (const s of subjects) {
    const st = stateOf(s);
    if (st && st.lastAt > 0 && now < st.lastAt + policy.cooldown) {
      coolingDown.push(s);
      continue;
    }
    // An SMS is not sent by hand (it texts families outside the groups, once, on the schedule).
    const direct = policy.levels[s.level].map((step, i) => ({ step, i })).filter((x) => remindsSubject(x.step.action) && x.step.action !== 'sms');
    const pick = direct.find((x) => (st?.perStep.get(x.i) ?? 0) === 0) ?? direct.at(-1);
    if (!pick) {
      // A level without direct steps is still reminded by hand: in the group, where that is allowed.
      due.push({ subject: s, step: -1, n: manualN, action: s.level === 4 ? 'notice' : 'mention' });
      continue;
    }
    due.push({ subject: s, step: pick.i, n: st?.perStep.get(pick.i) ?? 0, action: pick.step.action });
  }
  return { due, coolingDown };
}

/**
 * Who answers for a reply not given: the team leader for deputy secretaries, the deputy secretary
 * for counselors, the counselor for students and parents; one level up where that role is vacant.
 */
export function responsibleFor(org: OrgIndex, level: ObligationLevel, collegeId: number, classId: number | null, issuerId: number): readonly Person[] {
  const leaders = (): readonly Person[] => {
    const l = org.withRole('team_leader', null);
    if (l.length > 0) return l;
    const issuer = org.person(issuerId);
    return issuer ? [issuer] : [];
  };
  const deputies = (): readonly Person[] => {
    const d = org.withRole('deputy_secretary', collegeId);
    return d.length > 0 ? d : leaders();
  };
  switch (level) {
    case 1:
      return leaders();
    case 2:
      return deputies();
    case 3:
    case 4: {
      const c = classId === null ? [] : org.counselorsOf(classId);
      return c.length > 0 ? c : deputies();
    }
  }
}

/**
 * The logical groups a person belongs in, as the seed document seats them: the team and deputy
 * secretaries in L1; a college's staff in its L2 and L4; counselors and students in their class
 * groups; guardians in their children's colleges' L4. Private messages go from a bot that shares
 * one of these with the person (a QQ temporary chat needs a shared group).
 */
export function homeGroups(org: OrgIndex, person: Person): Group[] {
  const keys: GroupKey[] = [];
  const college = (id: number | null): string | undefined => (id === null ? undefined : org.college(id)?.name);
  if (person.kind === 'student') {
    const k = person.classId === null ? undefined : org.classUnit(person.classId);
    if (k) keys.push(groupKey.class(k.name));
  } else if (person.kind === 'guardian') {
    for (const w of org.wardsOf(person.id)) {
      const c = college(org.person(w.studentId)?.collegeId ?? null);
      if (c) keys.push(groupKey.parents(c));
    }
  } else {
    for (const r of person.roles) {
      if (r.role === 'team_leader' || r.role === 'team_member' || r.role === 'deputy_secretary') keys.push(groupKey.school());
      // A head teacher (班主任) sits in their class groups only, unless the config seats them in L2.
      if (r.role === 'head_teacher' && (r.collegeId === null || !org.isCollegeCounselor(person, r.collegeId))) continue;
      const c = college(r.collegeId);
      if (c) keys.push(groupKey.college(c), groupKey.parents(c));
    }
    for (const id of person.counselorOf) {
      const k = org.classUnit(id);
      if (!k) continue;
      keys.push(groupKey.class(k.name));
      const c = org.isCollegeCounselor(person, k.collegeId) ? college(k.collegeId) : undefined;
      if (c) keys.push(groupKey.college(c), groupKey.parents(c));
    }
  }
  const out: Group[] = [];
  for (const key of new Set(keys)) {
    const g = org.groupByKeyName(key);
    if (g) out.push(g);
  }
  return out;
}
