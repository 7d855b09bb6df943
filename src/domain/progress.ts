/**
 * Who has replied to a directive, within a scope. Pure: obligations, the acknowledgements stored so
 * far and where the directive has been released in; the app turns this into chat text.
 */
import type { AckKind, Directive, Obligation, ObligationLevel, Scope } from './directive.js';
import { obligations } from './directive.js';
import { groupKey, type Group, type GroupKey } from './org.js';
import type { OrgIndex } from './org-index.js';

export interface AckFact {
  readonly level: number;
  readonly kind: AckKind;
  readonly subjectId: number;
  readonly late: boolean;
  /** Counted from an account the roster and no verified binding know, by the name it gave (issue #14). */
  readonly provisional?: boolean;
}

/** not_released: its group has not received the directive yet (step by step); no_group: the roster has no such group. */
export type ObligationState = 'acknowledged' | 'pending' | 'not_released' | 'no_group';

export interface ObligationStatus extends Obligation {
  readonly state: ObligationState;
  readonly late: boolean;
  /** Only meaningful when the directive requires a completion report. */
  readonly done: boolean;
  /** Acknowledged only by an unverified account answering by name: counted, shown apart. */
  readonly provisional: boolean;
}

export interface Tally {
  required: number;
  acknowledged: number;
  pending: number;
  notReleased: number;
  /** Owed in a group the roster does not have: nobody can reply there until it is added. */
  noGroup: number;
  late: number;
  done: number;
  /** Acknowledged provisionally (an unverified account answered by name). */
  provisional: number;
}

export function emptyTally(): Tally {
  return { required: 0, acknowledged: 0, pending: 0, notReleased: 0, noGroup: 0, late: 0, done: 0, provisional: 0 };
}

export function addTo(t: Tally, s: ObligationStatus): void {
  t.required++;
  if (s.state === 'acknowledged') t.acknowledged++;
  else if (s.state === 'pending') t.pending++;
  else if (s.state === 'no_group') t.noGroup++;
  else t.notReleased++;
  if (s.late) t.late++;
  if (s.done) t.done++;
  if (s.provisional) t.provisional++;
}

/** The group an obligation is answered in: L1 the origin, L2/L4 the college's, L3 the class's. */
export function obligationGroupKey(org: OrgIndex, o: Obligation): GroupKey | null {
  if (o.groupId !== undefined) return org.group(o.groupId)?.key ?? null;
  const college = org.college(o.collegeId);
  switch (o.level) {
    case 1:
      return groupKey.school();
    case 2:
      return college ? groupKey.college(college.name) : null;
    case 3: {
      const k = o.classId === null ? undefined : org.classUnit(o.classId);
      return k ? groupKey.class(k.name) : null;
    }
    case 4:
      return college ? groupKey.parents(college.name) : null;
  }
}

/** The group an obligation is answered in, when the roster has one. */
export function obligationGroup(org: OrgIndex, o: Obligation): Group | undefined {
  const key = obligationGroupKey(org, o);
  return key === null ? undefined : org.groupByKeyName(key);
}

/** Obligations a scope covers: a counselor sees their classes (students and parents) and their own L2 reply. */
export function scopedObligations(org: OrgIndex, d: Directive, scope: Scope, askerId: number): Obligation[] {
  switch (scope.kind) {
    case 'school':
      return obligations(org, d);
    case 'colleges':
      return obligations(org, d, scope.collegeIds);
    case 'classes': {
      const classes = new Set(scope.classIds);
      return obligations(org, d, scope.collegeIds).filter(
        (o) => (o.classId !== null && classes.has(o.classId)) || (o.level === 2 && o.subjectId === askerId),
      );
    }
    case 'none':
      return [];
  }
}

export function statusOf(
  org: OrgIndex,
  d: Directive,
  list: readonly Obligation[],
  acks: readonly AckFact[],
  releasedGroupIds: ReadonlySet<number>,
): ObligationStatus[] {
  // Numeric keys (subject × 8 + level): no string building per obligation.
  const acked = new Map<number, AckFact>();
  const done = new Set<number>();
  for (const a of acks) {
    const key = a.subjectId * 8 + a.level;
    if (a.kind === 'ack') acked.set(key, a);
    else done.add(key);
  }
  const releasedKeys = new Set<string>();
  for (const id of releasedGroupIds) {
    const g = org.group(id);
    if (g) releasedKeys.add(g.key);
  }
  // Whether an obligation's group is released depends only on its level and unit (class or college).
  const unitState = new Map<number, 'pending' | 'not_released' | 'no_group'>();
  const out: ObligationStatus[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const o = list[i] as Obligation;
    let open: 'pending' | 'not_released' | 'no_group' = 'pending';
    if (o.level !== 1) {
      const unit = (o.level === 3 ? (o.classId ?? -1) : o.collegeId) * 8 + o.level;
      let r = unitState.get(unit);
      if (r === undefined) {
        const key = obligationGroupKey(org, o);
        r = key === null || !org.groupByKeyName(key) ? 'no_group' : releasedKeys.has(key) ? 'pending' : 'not_released';
        unitState.set(unit, r);
      }
      open = r;
    }
    const key = o.subjectId * 8 + o.level;
    const ack = acked.get(key);
    out[i] = {
      level: o.level,
      subjectId: o.subjectId,
      collegeId: o.collegeId,
      classId: o.classId,
      state: ack ? 'acknowledged' : open,
      late: ack?.late ?? false,
      done: d.requireCompletion && done.has(key),
      provisional: ack?.provisional === true,
    };
  }
  return out;
}

export function tallyByLevel(statuses: readonly ObligationStatus[]): Map<ObligationLevel, Tally> {
  const out = new Map<ObligationLevel, Tally>();
  for (const s of statuses) {
    const t = out.get(s.level) ?? emptyTally();
    addTo(t, s);
    out.set(s.level, t);
  }
  return out;
}

/** Tallies grouped by any key (college, class), keeping the key's first-seen order. */
export function tallyBy<K>(statuses: readonly ObligationStatus[], keyOf: (s: ObligationStatus) => K | null): Map<K, Map<ObligationLevel, Tally>> {
  const out = new Map<K, Map<ObligationLevel, Tally>>();
  for (const s of statuses) {
    const k = keyOf(s);
    if (k === null) continue;
    const byLevel = out.get(k) ?? new Map<ObligationLevel, Tally>();
    const t = byLevel.get(s.level) ?? emptyTally();
    addTo(t, s);
    byLevel.set(s.level, t);
    out.set(k, byLevel);
  }
  return out;
}
