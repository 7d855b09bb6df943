import { describe, expect, it } from 'vitest';
import {
  afterQuietHours,
  dueReminders,
  homeGroups,
  manualReminders,
  remindsSubject,
  responsibleFor,
  subjectKey,
  type ChasePolicy,
  type ChaseSubject,
  type DueReminder,
  type QuietHours,
  type ReminderState,
  type TickOptions,
} from './chase.js';
import type { Group, GroupKey, OrgSnapshot, Person } from './org.js';
import { OrgIndex } from './org-index.js';

const M = 60_000;
const at = (iso: string): number => Date.parse(iso);
const SH = 'Asia/Shanghai';
/** Monday 2026-03-02 10:00 in Shanghai; on the minute grid. */
const A = at('2026-03-02T10:00:00+08:00');

const policy: ChasePolicy = {
  levels: {
    1: [
      { after: 15 * M, action: 'mention', times: 1 },
      { after: 30 * M, action: 'private', times: 1 },
      { after: 60 * M, action: 'nag', every: 120 * M, times: 2 },
    ],
    2: [],
    3: [
      { after: 60 * M, action: 'mention', times: 1 },
      { after: 120 * M, action: 'nag', times: 1 },
    ],
    4: [
      { after: 60 * M, action: 'notice', times: 1 },
      { after: 90 * M, action: 'private', times: 1 },
      { after: 120 * M, action: 'nag', times: 1 },
    ],
  },
  quietHours: null,
  maxPerPerson: 3,
  cooldown: 10 * M,
  granularity: M,
  completion: true,
};
const quietPolicy: ChasePolicy = { ...policy, quietHours: { start: '22:30', end: '07:00' } };

function subject(level: ChaseSubject['level'], p: Partial<ChaseSubject> = {}): ChaseSubject {
  return { level, kind: 'ack', subjectId: 5, collegeId: 1, classId: 11, groupId: 111, anchor: A, ...p };
}

function state(perStep: Record<number, number>, direct: number, lastAt: number): ReminderState {
  return { perStep: new Map(Object.entries(perStep).map(([k, v]) => [Number(k), v])), direct, lastAt };
}

/** One round for a single subject (or several sharing one state). */
function tick(
  subjects: ChaseSubject | ChaseSubject[],
  now: number,
  st?: ReminderState,
  o: Partial<TickOptions> = {},
  p: ChasePolicy = policy,
): { due: string[]; next: number | null } {
  const list = Array.isArray(subjects) ? subjects : [subjects];
  const r = dueReminders(list, () => st, p, { now, timeZone: SH, urgent: false, endAt: null, ...o });
  return { due: r.due.map(brief), next: r.next };
}

const brief = (r: DueReminder): string => `${r.subject.subjectId}:${r.subject.kind} step${r.step}#${r.n} ${r.action}`;

describe('remindsSubject and subjectKey', () => {
  it('only a nag goes to someone other than the subject', () => {
    expect(remindsSubject('mention')).toBe(true);
    expect(remindsSubject('notice')).toBe(true);
    expect(remindsSubject('private')).toBe(true);
    expect(remindsSubject('nag')).toBe(false);
  });

  it('keys a subject by level, kind and id, one number each', () => {
    const keys = [subjectKey(3, 'ack', 42), subjectKey(3, 'done', 42), subjectKey(4, 'ack', 42), subjectKey(3, 'ack', 43), subjectKey(1, 'ack', 42), subjectKey(4, 'done', 7)];
    expect(new Set(keys).size).toBe(keys.length);
    expect(subjectKey(3, 'ack', 42)).toBe(subjectKey(3, 'ack', 42));
  });
});

describe('afterQuietHours', () => {
  const night: QuietHours = { start: '22:30', end: '07:00' };
  const q = (iso: string, quiet: QuietHours | null = night, tz = SH): number => afterQuietHours(at(iso), quiet, tz);

  it('leaves a time outside the night window alone', () => {
    expect(q('2026-03-02T22:29:59+08:00')).toBe(at('2026-03-02T22:29:59+08:00'));
    expect(q('2026-03-02T12:00:00+08:00')).toBe(at('2026-03-02T12:00:00+08:00'));
    expect(q('2026-03-03T07:00:00+08:00')).toBe(at('2026-03-03T07:00:00+08:00'));
  });

  it('defers the evening part of the window to 07:00 the next day', () => {
    expect(q('2026-03-02T22:30:00+08:00')).toBe(at('2026-03-03T07:00:00+08:00'));
    expect(q('2026-03-02T23:59:00+08:00')).toBe(at('2026-03-03T07:00:00+08:00'));
    // Across a month end.
    expect(q('2026-03-31T23:00:00+08:00')).toBe(at('2026-04-01T07:00:00+08:00'));
  });

  it('defers the part after midnight to 07:00 the same day', () => {
    expect(q('2026-03-03T00:10:00+08:00')).toBe(at('2026-03-03T07:00:00+08:00'));
    expect(q('2026-03-03T06:59:00+08:00')).toBe(at('2026-03-03T07:00:00+08:00'));
    expect(q('2026-03-03T06:59:30+08:00')).toBe(at('2026-03-03T07:00:00+08:00'));
  });

  it('handles a window that does not cross midnight', () => {
    const noon: QuietHours = { start: '12:00', end: '14:00' };
    expect(q('2026-03-02T11:59:00+08:00', noon)).toBe(at('2026-03-02T11:59:00+08:00'));
    expect(q('2026-03-02T12:00:00+08:00', noon)).toBe(at('2026-03-02T14:00:00+08:00'));
    expect(q('2026-03-02T13:30:00+08:00', noon)).toBe(at('2026-03-02T14:00:00+08:00'));
    expect(q('2026-03-02T14:00:00+08:00', noon)).toBe(at('2026-03-02T14:00:00+08:00'));
    expect(q('2026-03-02T23:00:00+08:00', noon)).toBe(at('2026-03-02T23:00:00+08:00'));
  });

  it('has no quiet hours when start equals end, or when there are none', () => {
    const none: QuietHours = { start: '07:00', end: '07:00' };
    expect(q('2026-03-02T07:00:00+08:00', none)).toBe(at('2026-03-02T07:00:00+08:00'));
    expect(q('2026-03-02T23:00:00+08:00', none)).toBe(at('2026-03-02T23:00:00+08:00'));
    expect(q('2026-03-02T23:00:00+08:00', null)).toBe(at('2026-03-02T23:00:00+08:00'));
  });

  it('reads the wall clock in the given zone', () => {
    // 14:30Z is 22:30 in Shanghai but mid-afternoon in UTC.
    expect(q('2026-03-02T14:30:00Z', night, 'UTC')).toBe(at('2026-03-02T14:30:00Z'));
    expect(q('2026-03-02T14:30:00Z', night, SH)).toBe(at('2026-03-02T23:00:00Z'));
    expect(q('2026-03-02T23:00:00Z', night, 'UTC')).toBe(at('2026-03-03T07:00:00Z'));
    expect(q('2026-03-02T23:00:00Z', night, SH)).toBe(at('2026-03-02T23:00:00Z')); // 07:00 in Shanghai
  });
});

describe('dueReminders', () => {
  it('has nothing due before the first step, and names its time as next', () => {
    expect(tick(subject(3), A + 59 * M)).toEqual({ due: [], next: A + 60 * M });
    // An anchor off the grid: due at 11:00:30, rounded up to 11:01.
    expect(tick(subject(3, { anchor: A + 30_000 }), A + 60 * M)).toEqual({ due: [], next: A + 61 * M });
    expect(tick(subject(3, { anchor: A + 30_000 }), A + 61 * M).due).toEqual(['5:ack step0#0 mention']);
  });

  it('is due exactly at anchor + after', () => {
    const s = subject(3);
    const r = dueReminders([s], () => undefined, policy, { now: A + 60 * M, timeZone: SH, urgent: false, endAt: null });
    expect(r).toEqual({ due: [{ subject: s, step: 0, n: 0, action: 'mention' }], next: A + 120 * M });
  });

  it('rounds to at least a 1s grid', () => {
    const fine = { ...policy, granularity: 1 };
    const s = subject(3, { anchor: A + 500 });
    expect(tick(s, A + 60 * M + 999, undefined, {}, fine)).toEqual({ due: [], next: A + 60 * M + 1000 });
    expect(tick(s, A + 60 * M + 1000, undefined, {}, fine).due).toEqual(['5:ack step0#0 mention']);
  });

  it('gives one direct reminder per round, the earliest step, and postpones the next by the cool-down', () => {
    // 10:40: mention (15m) and private (30m) are both overdue; only the mention goes out.
    expect(tick(subject(1), A + 40 * M)).toEqual({ due: ['5:ack step0#0 mention'], next: A + 50 * M });
    // 11:00: one direct reminder and one nag together; the private waits until 11:10.
    expect(tick(subject(1), A + 60 * M)).toEqual({ due: ['5:ack step0#0 mention', '5:ack step2#0 nag'], next: A + 70 * M });
    // Next round, with the mention recorded at 10:40.
    expect(tick(subject(1), A + 50 * M, state({ 0: 1 }, 1, A + 40 * M))).toEqual({ due: ['5:ack step1#0 private'], next: A + 60 * M });
  });

  it('gives one nag per round; a second nag step waits one grid slot', () => {
    const twoNags: ChasePolicy = {
      ...policy,
      levels: {
        ...policy.levels,
        2: [
          { after: 30 * M, action: 'nag', times: 1 },
          { after: 45 * M, action: 'nag', times: 1 },
        ],
      },
    };
    expect(tick(subject(2), A + 50 * M, undefined, {}, twoNags)).toEqual({ due: ['5:ack step0#0 nag'], next: A + 51 * M });
  });

  it('repeats a step every `every`, counted per step, `times` times in all', () => {
    const once = state({ 0: 1, 1: 1, 2: 1 }, 2, A + 30 * M);
    expect(tick(subject(1), A + 179 * M, once)).toEqual({ due: [], next: A + 180 * M });
    expect(tick(subject(1), A + 180 * M, once)).toEqual({ due: ['5:ack step2#1 nag'], next: null });
    expect(tick(subject(1), A + 500 * M, state({ 0: 1, 1: 1, 2: 2 }, 2, A + 30 * M))).toEqual({ due: [], next: null });
  });

  it('names the repeat of a step firing now as next, within the deadline and after the cool-down', () => {
    const r = tick(subject(1), A + 60 * M, state({ 0: 1, 1: 1 }, 2, A + 30 * M));
    expect(r).toEqual({ due: ['5:ack step2#0 nag'], next: A + 180 * M });
    expect(tick(subject(1), A + 60 * M, state({ 0: 1, 1: 1 }, 2, A + 30 * M), { endAt: A + 179 * M }).next).toBe(null);
    // A direct step repeating every 5 minutes still waits the 10-minute cool-down.
    const often: ChasePolicy = { ...policy, levels: { ...policy.levels, 3: [{ after: 60 * M, action: 'mention', every: 5 * M, times: 2 }] } };
    expect(tick(subject(3), A + 60 * M, undefined, {}, often)).toEqual({ due: ['5:ack step0#0 mention'], next: A + 70 * M });
  });

  it('stops direct reminders at maxPerPerson but still nags', () => {
    const capped = state({}, 3, A + 10 * M);
    // The mention and private are overdue but capped; only the nag at 11:00 is left.
    expect(tick(subject(1), A + 30 * M, capped)).toEqual({ due: [], next: A + 60 * M });
    expect(tick(subject(1), A + 60 * M, capped).due).toEqual(['5:ack step2#0 nag']);
    expect(tick(subject(1), A + 30 * M, state({}, 2, A + 10 * M)).due).toEqual(['5:ack step0#0 mention']);
  });

  it('keeps direct reminders a cool-down after the last one, but not nags', () => {
    const recent = state({ 0: 1 }, 1, A + 25 * M);
    expect(tick(subject(1), A + 30 * M, recent)).toEqual({ due: [], next: A + 35 * M });
    expect(tick(subject(1), A + 35 * M, recent).due).toEqual(['5:ack step1#0 private']);
    expect(tick(subject(1), A + 60 * M, state({ 0: 1, 1: 1 }, 2, A + 55 * M)).due).toEqual(['5:ack step2#0 nag']);
    // lastAt 0 means never reminded: no cool-down.
    expect(tick(subject(1), A + 15 * M, state({}, 0, 0)).due).toEqual(['5:ack step0#0 mention']);
  });

  it('chases nothing after the deadline', () => {
    const endAt = A + 90 * M;
    expect(tick(subject(3), A + 30 * M, undefined, { endAt })).toEqual({ due: [], next: A + 60 * M });
    // The nag (12:00) falls after the deadline: neither due nor next.
    expect(tick(subject(3), A + 60 * M, undefined, { endAt })).toEqual({ due: ['5:ack step0#0 mention'], next: null });
    expect(tick(subject(3), A + 91 * M, undefined, { endAt })).toEqual({ due: [], next: null });
    expect(tick(subject(3), A + 200 * M, undefined, { endAt })).toEqual({ due: [], next: null });
    // A step due exactly at the deadline still runs.
    expect(tick(subject(3), A + 120 * M, state({ 0: 1 }, 1, A + 60 * M), { endAt: A + 120 * M }).due).toEqual(['5:ack step1#0 nag']);
  });

  it('defers steps falling in quiet hours to their end, unless urgent', () => {
    const nextMorning = at('2026-03-03T07:00:00+08:00');
    // Anchored 22:00: the mention at 22:15 is before the quiet hours and goes out.
    const early = subject(1, { anchor: at('2026-03-02T22:00:00+08:00') });
    expect(tick(early, at('2026-03-02T22:20:00+08:00'), undefined, {}, quietPolicy)).toEqual({
      due: ['5:ack step0#0 mention'],
      next: nextMorning, // the private (22:30) and the nag (23:00) both wait for the morning
    });
    // Anchored 22:20: the mention at 22:35 falls in the quiet hours.
    const late = subject(1, { anchor: at('2026-03-02T22:20:00+08:00') });
    expect(tick(late, at('2026-03-02T22:40:00+08:00'), undefined, {}, quietPolicy)).toEqual({ due: [], next: nextMorning });
    expect(tick(late, nextMorning, undefined, {}, quietPolicy)).toEqual({
      due: ['5:ack step0#0 mention', '5:ack step2#0 nag'],
      // The private step waits for the cool-down after the mention; the nag's repeat comes `every` (2 h) after it ran.
      next: nextMorning + 10 * M,
    });
    expect(tick(late, at('2026-03-02T22:35:00+08:00'), undefined, { urgent: true }, quietPolicy)).toEqual({
      due: ['5:ack step0#0 mention'],
      next: at('2026-03-02T22:50:00+08:00'),
    });
    // With a deadline at 23:00, everything deferred to the morning is dropped.
    const endAt = at('2026-03-02T23:00:00+08:00');
    expect(tick(late, at('2026-03-02T22:40:00+08:00'), undefined, { endAt }, quietPolicy)).toEqual({ due: [], next: null });
  });

  it('with no cool-down still sends one direct reminder per round, the earliest, and the next one a slot later', () => {
    const noCooldown: ChasePolicy = { ...policy, cooldown: 0 };
    // Level 1 at +40 min: the mention (15 min) and the private message (30 min) are both due.
    expect(tick(subject(1), A + 40 * M, undefined, {}, noCooldown)).toEqual({ due: ['5:ack step0#0 mention'], next: A + 41 * M });
  });

  it('sends nothing from a late round that runs inside the quiet hours: it waits for their end', () => {
    // Due at 22:15, before the quiet hours; a round that only runs at 23:00 (after a restart) holds it until 07:00.
    const early = subject(1, { anchor: at('2026-03-02T22:00:00+08:00') });
    expect(tick(early, at('2026-03-02T23:00:00+08:00'), undefined, {}, quietPolicy)).toEqual({ due: [], next: at('2026-03-03T07:00:00+08:00') });
    // Urgent: sent at once, with the nag that is due at 23:00 too.
    expect(tick(early, at('2026-03-02T23:00:00+08:00'), undefined, { urgent: true }, quietPolicy).due).toEqual(['5:ack step0#0 mention', '5:ack step2#0 nag']);
  });

  it('runs completion (`done`) subjects from their own anchor and state', () => {
    const ack = subject(3, { subjectId: 7 });
    const done = subject(3, { kind: 'done', anchor: A + 100 * M });
    const states = new Map([[subjectKey(3, 'ack', 7), state({ 0: 1 }, 1, A + 60 * M)]]);
    const run = (now: number) =>
      dueReminders([ack, done], (s) => states.get(subjectKey(s.level, s.kind, s.subjectId)), policy, {
        now,
        timeZone: SH,
        urgent: false,
        endAt: null,
      });
    expect(run(A + 159 * M).due.map(brief)).toEqual(['7:ack step1#0 nag']);
    expect(run(A + 159 * M).next).toBe(A + 160 * M);
    expect(run(A + 160 * M).due.map(brief)).toEqual(['7:ack step1#0 nag', '5:done step0#0 mention']);
    expect(run(A + 160 * M).next).toBe(A + 220 * M);
  });

  it('skips levels without steps and takes the earliest next over all subjects', () => {
    expect(tick(subject(2), A + 1000 * M)).toEqual({ due: [], next: null });
    const subjects = [subject(3, { subjectId: 1 }), subject(4, { subjectId: 2 }), subject(1, { subjectId: 3, anchor: A + 50 * M })];
    expect(tick(subjects, A + 60 * M)).toEqual({ due: ['1:ack step0#0 mention', '2:ack step0#0 notice'], next: A + 65 * M });
  });
});

describe('manualReminders', () => {
  const now = A + 300 * M;
  const manual = (s: ChaseSubject, st: ReminderState | undefined, p: ChasePolicy = policy, n = 9) =>
    manualReminders([s], () => st, p, now, n);

  it('runs the first direct step not yet run, as that step', () => {
    const s = subject(1);
    expect(manual(s, undefined)).toEqual({ due: [{ subject: s, step: 0, n: 0, action: 'mention' }], coolingDown: [] });
    expect(manual(s, state({ 0: 1 }, 1, A)).due).toEqual([{ subject: s, step: 1, n: 0, action: 'private' }]);
    expect(manual(s, state({ 1: 1 }, 1, A)).due).toEqual([{ subject: s, step: 0, n: 0, action: 'mention' }]);
    // A nag already run does not count as a direct step run.
    expect(manual(s, state({ 2: 1 }, 0, A)).due).toEqual([{ subject: s, step: 0, n: 0, action: 'mention' }]);
  });

  it('runs the last direct step again once all have run, never a nag', () => {
    const s = subject(1);
    expect(manual(s, state({ 0: 1, 1: 1 }, 2, A)).due).toEqual([{ subject: s, step: 1, n: 1, action: 'private' }]);
    expect(manual(s, state({ 0: 1, 1: 1, 2: 2 }, 2, A)).due).toEqual([{ subject: s, step: 1, n: 1, action: 'private' }]);
    const s3 = subject(3);
    expect(manual(s3, state({ 0: 2 }, 2, A)).due).toEqual([{ subject: s3, step: 0, n: 2, action: 'mention' }]);
    const s4 = subject(4);
    expect(manual(s4, state({ 0: 1, 1: 2, 2: 1 }, 3, A)).due).toEqual([{ subject: s4, step: 1, n: 2, action: 'private' }]);
  });

  it('leaves out those reminded within the cool-down', () => {
    const s = subject(1);
    expect(manual(s, state({ 0: 1 }, 1, now - 5 * M))).toEqual({ due: [], coolingDown: [s] });
    expect(manual(s, state({ 0: 1 }, 1, now - 10 * M)).due).toEqual([{ subject: s, step: 1, n: 0, action: 'private' }]);
    const both = manualReminders([subject(3, { subjectId: 1 }), s], (x) => (x.subjectId === 5 ? state({}, 1, now - M) : undefined), policy, now, 1);
    expect(both.due.map(brief)).toEqual(['1:ack step0#0 mention']);
    expect(both.coolingDown).toEqual([s]);
  });

  it('reminds by hand at a level without direct steps: a notice for parents, a mention otherwise', () => {
    const nagOnly: ChasePolicy = { ...policy, levels: { ...policy.levels, 3: [{ after: 30 * M, action: 'nag', times: 1 }], 4: [] } };
    const s2 = subject(2);
    const s3 = subject(3);
    const s4 = subject(4);
    expect(manual(s2, undefined, nagOnly, 4).due).toEqual([{ subject: s2, step: -1, n: 4, action: 'mention' }]);
    expect(manual(s3, state({ 0: 1 }, 0, A), nagOnly, 5).due).toEqual([{ subject: s3, step: -1, n: 5, action: 'mention' }]);
    expect(manual(s4, state({}, 1, A), nagOnly, 6).due).toEqual([{ subject: s4, step: -1, n: 6, action: 'notice' }]);
  });
});

function person(id: number, p: Partial<Person>): Person {
  return { id, kind: 'staff', extId: `P${id}`, name: `人${id}`, collegeId: null, classId: null, roles: [], counselorOf: [], ...p };
}

function group(id: number, key: GroupKey, level: Group['level'], collegeId: number | null, classId: number | null): Group {
  return { id, key, level, kind: 'other', name: key, collegeId, classId };
}

/** College 甲 (1) is complete; college 乙 (2) has no deputy secretary and no L2 group; class 甲2 has no counselor. */
const leader = person(1, { roles: [{ role: 'team_leader', collegeId: null }] });
const member = person(2, { roles: [{ role: 'team_member', collegeId: null }] });
const deputy = person(3, { roles: [{ role: 'deputy_secretary', collegeId: 1 }] });
const counselor = person(4, { collegeId: 1, roles: [{ role: 'counselor', collegeId: 1 }], counselorOf: [11] });
const counselor2 = person(5, { collegeId: 2, roles: [{ role: 'counselor', collegeId: 2 }], counselorOf: [21] });
const studentA = person(10, { kind: 'student', collegeId: 1, classId: 11 });
const studentB = person(11, { kind: 'student', collegeId: 2, classId: 21 });
const studentC = person(12, { kind: 'student', collegeId: 1, classId: 12 });
const parent = person(20, { kind: 'guardian' });
const issuer = person(30, { roles: [{ role: 'college_leader', collegeId: 1 }] });

function org(people: Person[]): OrgIndex {
  const snapshot: OrgSnapshot = {
    schoolName: '测试',
    colleges: [
      { id: 1, name: '甲' },
      { id: 2, name: '乙' },
    ],
    classes: [
      { id: 11, name: '甲1', collegeId: 1 },
      { id: 12, name: '甲2', collegeId: 1 },
      { id: 21, name: '乙1', collegeId: 2 },
    ],
    people,
    guardianships: [
      { guardianId: 20, studentId: 10, relation: '母亲' },
      { guardianId: 20, studentId: 12, relation: '母亲' },
      { guardianId: 20, studentId: 11, relation: '母亲' },
    ],
    groups: [
      group(100, 'L1', 1, null, null),
      group(101, 'L2:甲', 2, 1, null),
      group(111, 'L3:甲1', 3, 1, 11),
      group(121, 'L3:乙1', 3, 2, 21),
      group(104, 'L4:甲', 4, 1, null),
      group(204, 'L4:乙', 4, 2, null),
    ],
    platformGroups: [],
    bindings: [],
  };
  return new OrgIndex(snapshot);
}

const everyone = [leader, member, deputy, counselor, counselor2, studentA, studentB, studentC, parent, issuer];
const full = org(everyone);
const ids = (people: readonly Person[]): number[] => people.map((p) => p.id);

describe('responsibleFor', () => {
  it('answers by level: team leader, deputy secretary, counselor', () => {
    expect(ids(responsibleFor(full, 1, 1, null, 30))).toEqual([1]);
    expect(ids(responsibleFor(full, 2, 1, null, 30))).toEqual([3]);
    expect(ids(responsibleFor(full, 3, 1, 11, 30))).toEqual([4]);
    expect(ids(responsibleFor(full, 4, 2, 21, 30))).toEqual([5]);
  });

  it('goes one level up where a role is vacant', () => {
    expect(ids(responsibleFor(full, 3, 1, 12, 30))).toEqual([3]); // no counselor for 甲2
    expect(ids(responsibleFor(full, 4, 1, null, 30))).toEqual([3]); // no class
    expect(ids(responsibleFor(full, 2, 2, null, 30))).toEqual([1]); // no deputy secretary in 乙
    expect(ids(responsibleFor(full, 3, 2, 22, 30))).toEqual([1]); // unknown class, no deputy in 乙
  });

  it('falls back to the issuer when there is no team leader, and to nobody when the issuer is unknown', () => {
    const leaderless = org(everyone.filter((p) => p !== leader));
    expect(ids(responsibleFor(leaderless, 1, 1, null, 30))).toEqual([30]);
    expect(ids(responsibleFor(leaderless, 2, 2, null, 30))).toEqual([30]);
    expect(ids(responsibleFor(leaderless, 2, 1, null, 30))).toEqual([3]);
    expect(responsibleFor(leaderless, 1, 1, null, 999)).toEqual([]);
  });
});

describe('homeGroups', () => {
  const keys = (p: Person, o: OrgIndex = full): string[] => homeGroups(o, p).map((g) => g.key).sort();

  it('seats students in their class group, skipping a class without one', () => {
    expect(keys(studentA)).toEqual(['L3:甲1']);
    expect(keys(studentC)).toEqual([]);
    expect(keys(person(13, { kind: 'student', collegeId: 1, classId: null }))).toEqual([]);
  });

  it('seats guardians in the parents group of each child’s college, once', () => {
    expect(keys(parent)).toEqual(['L4:乙', 'L4:甲']);
    expect(homeGroups(full, parent)).toHaveLength(2);
  });

  it('seats counselors in their classes and their college’s L2 and L4', () => {
    expect(keys(counselor)).toEqual(['L2:甲', 'L3:甲1', 'L4:甲']);
    // 乙 has no L2 group.
    expect(keys(counselor2)).toEqual(['L3:乙1', 'L4:乙']);
  });

  it('seats deputy secretaries in L1 and their college’s groups, the team in L1', () => {
    expect(keys(deputy)).toEqual(['L1', 'L2:甲', 'L4:甲']);
    expect(keys(person(6, { roles: [{ role: 'deputy_secretary', collegeId: 2 }] }))).toEqual(['L1', 'L4:乙']);
    expect(keys(leader)).toEqual(['L1']);
    expect(keys(member)).toEqual(['L1']);
    expect(keys(issuer)).toEqual(['L2:甲', 'L4:甲']); // a college leader is not in L1
  });
});
