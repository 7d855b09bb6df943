/**
 * Directives and who owes a reply to them. Pure: given the org and a directive, which groups it
 * goes to, who must acknowledge at each level, and what a reply by one person counts for.
 */
import { groupKey, type Group, type Person } from './org.js';
import type { OrgIndex } from './org-index.js';

export type RelayMode = 'immediate' | 'step';
export type AckKind = 'ack' | 'done';
export type Depth = 2 | 3 | 4;
export type ObligationLevel = 1 | 2 | 3 | 4;
export const OBLIGATION_LEVELS: readonly ObligationLevel[] = [1, 2, 3, 4];

export interface Directive {
  /** The 编号 people type in /未回复 <编号>. */
  readonly id: number;
  readonly issuerId: number;
  readonly originGroupId: number;
  readonly originInboundId: number | null;
  readonly text: string;
  readonly deadlineAt: number | null;
  readonly depth: Depth;
  /** null: every college. */
  readonly collegeIds: readonly number[] | null;
  readonly requireCompletion: boolean;
  readonly mode: RelayMode;
  readonly replyHint: string;
  /** `withdrawn`: `/撤回` — replies no longer count, nobody is chased. */
  readonly status: 'open' | 'closed' | 'withdrawn';
  readonly createdAt: number;
  /** 紧急: reminders go out even in quiet hours. */
  readonly urgent: boolean;
  /** 短信: texted at release to every family none of whose guardians is in a parents group. */
  readonly sms: boolean;
  /** `家长版：…`: what the parents groups (L4) receive instead of `text`; null: the same text. */
  readonly parentsText: string | null;
  /**
   * The first level that owes a reply (issue #15): 1 for the school's directives (deputy secretaries in
   * L1, counselors in L2, …); 3 for a deputy secretary's or a counselor's own directive, which goes
   * straight to class (and parents) groups. Absent: 1.
   */
  readonly fromLevel?: 1 | 3;
  /** Only these classes (a counselor's directive); null or absent: every class of its colleges. */
  readonly classIds?: readonly number[] | null;
  /** A collection (`/收集`, issue #15): any reply of someone who owes one is their answer, the latest kept. */
  readonly collect?: boolean;
  /** The fields read out of each answer (`字段=体温,所在地`); null: the answer as written. */
  readonly fields?: readonly string[] | null;
  /**
   * `至=干部群` (issue #15): the extra groups (宿舍群、干部群、党员群 …) it goes to instead of the levels,
   * each with the roster students found in it when it was issued: they owe a reply there, counted at
   * level 3 under the group's own heading. Null or absent: the levels.
   */
  readonly extraGroups?: readonly ExtraTarget[] | null;
}

/** An extra group a directive went to, and who in it owes a reply. */
export interface ExtraTarget {
  readonly groupId: number;
  readonly memberIds: readonly number[];
}

/** Whether a directive reaches this class (every class of its colleges unless it names classes). */
export function targetsClass(directive: Pick<Directive, 'classIds'>, classId: number | null): boolean {
  const only = directive.classIds;
  return only === null || only === undefined || (classId !== null && only.includes(classId));
}

function fromLevelOf(directive: Pick<Directive, 'fromLevel'>): 1 | 3 {
  return directive.fromLevel ?? 1;
}

/** One reply owed: by `subject` (a person; for L4 the student whose family owes it). */
export interface Obligation {
  readonly level: ObligationLevel;
  readonly subjectId: number;
  readonly collegeId: number;
  /** L3/L4: the student's class. */
  readonly classId: number | null;
  /** Owed in an extra group (`至=干部群`), not in the class group. */
  readonly groupId?: number;
}

export function targetCollegeIds(org: OrgIndex, directive: Pick<Directive, 'collegeIds'>): number[] {
  return directive.collegeIds ? [...directive.collegeIds] : org.colleges.map((c) => c.id);
}

/** Whether a directive goes to this college (same as targetCollegeIds(...).includes, without building the list). */
export function targetsCollege(org: OrgIndex, directive: Pick<Directive, 'collegeIds'>, collegeId: number): boolean {
  return directive.collegeIds ? directive.collegeIds.includes(collegeId) : org.college(collegeId) !== undefined;
}

/** Who may issue a directive: the student-work team. */
export function canIssueDirective(org: OrgIndex, person: Person): boolean {
  return org.hasRole(person, 'team_leader') || org.hasRole(person, 'team_member');
}

/** The logical groups below L1 a directive goes to, by level (or its extra groups). */
export function targetGroups(org: OrgIndex, directive: Pick<Directive, 'collegeIds' | 'depth' | 'fromLevel' | 'classIds' | 'extraGroups'>): Group[] {
  if (directive.extraGroups) return directive.extraGroups.map((x) => org.group(x.groupId)).filter((g): g is Group => g !== undefined);
  const out: Group[] = [];
  for (const collegeId of targetCollegeIds(org, directive)) {
    const college = org.college(collegeId);
    if (!college) continue;
    const l2 = fromLevelOf(directive) <= 2 ? org.groupByKeyName(groupKey.college(college.name)) : undefined;
    if (l2) out.push(l2);
    if (directive.depth >= 3) {
      for (const k of org.classesOf(collegeId)) {
        if (!targetsClass(directive, k.id)) continue;
        const l3 = org.groupByKeyName(groupKey.class(k.name));
        if (l3) out.push(l3);
      }
    }
    // A class directive reaches the college's parents group only when one of its classes is in this college.
    if (directive.depth >= 4 && org.classesOf(collegeId).some((k) => targetsClass(directive, k.id))) {
      const l4 = org.groupByKeyName(groupKey.parents(college.name));
      if (l4) out.push(l4);
    }
  }
  return out;
}

/**
 * Groups released at once. Immediate: every target group. Step by step: nothing below L1, except
 * where nobody could acknowledge above a group (a college without a deputy secretary).
 */
export function initialReleases(org: OrgIndex, directive: Pick<Directive, 'collegeIds' | 'depth' | 'mode' | 'fromLevel' | 'classIds' | 'extraGroups'>): Group[] {
  // A directive that starts below L2 has nobody above its groups to acknowledge: they open at once.
  if (directive.mode === 'immediate' || fromLevelOf(directive) > 2) return targetGroups(org, directive);
  return targetCollegeIds(org, directive)
    .filter((c) => org.withRole('deputy_secretary', c).length === 0)
    .flatMap((c) => openCollege(org, directive, c));
}

/**
 * Step-by-step relay: a deputy secretary's acknowledgement in L1 opens their college's L2 group; a
 * counselor's in L2 opens their classes' L3 groups and the college's L4 parents group (counselors
 * relay to parents, as the seed document assigns). Where a step has no group or nobody to
 * acknowledge it, the groups below it open with it, so no group waits forever.
 */
export function releasesAfterAck(org: OrgIndex, directive: Directive, person: Person, level: ObligationLevel): Group[] {
  if (directive.mode !== 'step') return [];
  const colleges = new Set(targetCollegeIds(org, directive));
  if (level === 1) {
    return person.roles
      .filter((r) => r.role === 'deputy_secretary' && r.collegeId !== null && colleges.has(r.collegeId))
      .flatMap((r) => openCollege(org, directive, r.collegeId ?? 0));
  }
  if (level === 2) {
    const classes = person.counselorOf.filter((id) => colleges.has(org.classUnit(id)?.collegeId ?? -1));
    return openClasses(org, directive, classes);
  }
  return [];
}

/** What a college's deputy secretary opens: the college group, or what it would have opened below. */
function openCollege(org: OrgIndex, d: Pick<Directive, 'depth'>, collegeId: number): Group[] {
  const college = org.college(collegeId);
  if (!college) return [];
  const l2 = org.groupByKeyName(groupKey.college(college.name));
  const classes = org.classesOf(collegeId).map((k) => k.id);
  if (!l2) return openClasses(org, d, classes);
  // Classes nobody is counselor of would wait forever behind L2: they open with it.
  // (A head teacher who does not sit in the college group opens nothing there.)
  const orphaned = classes.filter((id) => !org.counselorsOf(id).some((p) => org.isCollegeCounselor(p, collegeId)));
  const out = [l2, ...openClasses(org, d, orphaned)];
  if (orphaned.length === 0 && org.collegeCounselors(collegeId).length === 0) out.push(...openClasses(org, d, classes));
  return unique(out);
}

/** What a counselor opens: their class groups and their college's parents group. */
function openClasses(org: OrgIndex, d: Pick<Directive, 'depth'>, classIds: readonly number[]): Group[] {
  const out: Group[] = [];
  for (const id of classIds) {
    const k = org.classUnit(id);
    if (!k) continue;
    if (d.depth >= 3) {
      const g = org.groupByKeyName(groupKey.class(k.name));
      if (g) out.push(g);
    }
    if (d.depth >= 4) {
      const college = org.college(k.collegeId);
      const g = college && org.groupByKeyName(groupKey.parents(college.name));
      if (g) out.push(g);
    }
  }
  return unique(out);
}

function unique(groups: readonly Group[]): Group[] {
  return [...new Map(groups.map((g) => [g.id, g])).values()];
}

/** Levels a directive asks replies at: L1 always, then down to its depth. */
export function directiveLevels(directive: Pick<Directive, 'depth' | 'fromLevel'>): ObligationLevel[] {
  return OBLIGATION_LEVELS.filter((l) => l >= fromLevelOf(directive) && l <= directive.depth);
}

/** Every reply owed for the directive within the given colleges (default: all its colleges). */
export function obligations(org: OrgIndex, directive: Directive, collegeIds?: readonly number[]): Obligation[] {
  const out: Obligation[] = [];
  forEachObligation(
    org,
    directive,
    (level, subjectId, collegeId, classId, groupId) => out.push(groupId === undefined ? { level, subjectId, collegeId, classId } : { level, subjectId, collegeId, classId, groupId }),
    collegeIds,
  );
  return out;
}

/**
 * The same as obligations(), one call each, without building a list: a whole campus owes tens of
 * thousands of replies, and a chase round only wants the few still missing.
 */
export function forEachObligation(
  org: OrgIndex,
  directive: Pick<Directive, 'collegeIds' | 'depth' | 'fromLevel' | 'classIds' | 'extraGroups'>,
  visit: (level: ObligationLevel, subjectId: number, collegeId: number, classId: number | null, groupId?: number) => void,
  collegeIds?: readonly number[],
): void {
  const wanted = new Set(targetCollegeIds(org, directive));
  const colleges = (collegeIds ?? [...wanted]).filter((c) => wanted.has(c));
  if (directive.extraGroups) {
    // The students found in each extra group owe a reply there, once each (in the first group they are in).
    const seen = new Set<number>();
    const within = new Set(colleges);
    for (const x of directive.extraGroups) {
      for (const id of x.memberIds) {
        const p = org.person(id);
        if (!p || seen.has(id) || p.collegeId === null || !within.has(p.collegeId)) continue;
        seen.add(id);
        visit(3, id, p.collegeId, p.classId, x.groupId);
      }
    }
    return;
  }
  const staff = fromLevelOf(directive) === 1;
  for (const collegeId of colleges) {
    if (staff) {
      for (const p of org.withRole('deputy_secretary', collegeId)) visit(1, p.id, collegeId, null);
      for (const p of org.collegeCounselors(collegeId)) visit(2, p.id, collegeId, null);
    }
    if (directive.depth < 3) continue;
    for (const k of org.classesOf(collegeId)) {
      if (!targetsClass(directive, k.id)) continue;
      for (const s of org.studentsOf(k.id)) {
        visit(3, s.id, collegeId, k.id);
        if (directive.depth >= 4) visit(4, s.id, collegeId, k.id);
      }
    }
  }
}

/**
 * What a reply by `person` in `group` can count for: the level and the subjects. Deputy secretaries
 * answer in L1, counselors in L2, students in their class group, guardians for their children of
 * the parents group's college.
 */
export function owedBy(org: OrgIndex, directive: Directive, person: Person, group: Group): Obligation[] {
  const targets = (collegeId: number): boolean => targetsCollege(org, directive, collegeId);
  switch (group.level) {
    case 1:
      if (fromLevelOf(directive) > 1) return [];
      return person.roles
        .filter((r) => r.role === 'deputy_secretary' && r.collegeId !== null && targets(r.collegeId))
        .map((r) => ({ level: 1, subjectId: person.id, collegeId: r.collegeId ?? 0, classId: null }));
    case 2:
      return fromLevelOf(directive) <= 2 && group.collegeId !== null && targets(group.collegeId) && org.isCollegeCounselor(person, group.collegeId)
        ? [{ level: 2, subjectId: person.id, collegeId: group.collegeId, classId: null }]
        : [];
    case 3:
      return !directive.extraGroups &&
        directive.depth >= 3 &&
        person.kind === 'student' &&
        person.classId !== null &&
        person.classId === group.classId &&
        targetsClass(directive, person.classId) &&
        person.collegeId !== null &&
        targets(person.collegeId)
        ? [{ level: 3, subjectId: person.id, collegeId: person.collegeId, classId: person.classId }]
        : [];
    case 4: {
      if (directive.depth < 4 || person.kind !== 'guardian' || group.collegeId === null || !targets(group.collegeId)) return [];
      const out: Obligation[] = [];
      for (const w of org.wardsOf(person.id)) {
        const student = org.person(w.studentId);
        if (student && student.collegeId === group.collegeId && targetsClass(directive, student.classId)) {
          out.push({ level: 4, subjectId: student.id, collegeId: group.collegeId, classId: student.classId });
        }
      }
      return out;
    }
    case 0: {
      // An extra group a directive went to: the students found in it when it was issued.
      const x = directive.extraGroups?.find((t) => t.groupId === group.id);
      if (!x || !x.memberIds.includes(person.id) || person.collegeId === null || !targets(person.collegeId)) return [];
      // Someone in two of its extra groups answers where they first owe it.
      const first = directive.extraGroups?.find((t) => t.memberIds.includes(person.id));
      if (first?.groupId !== group.id) return [];
      return [{ level: 3, subjectId: person.id, collegeId: person.collegeId, classId: person.classId, groupId: group.id }];
    }
  }
}

/** Whose progress a person may see. */
export type Scope =
  | { readonly kind: 'school' }
  | { readonly kind: 'colleges'; readonly collegeIds: readonly number[] }
  | { readonly kind: 'classes'; readonly classIds: readonly number[]; readonly collegeIds: readonly number[] }
  | { readonly kind: 'none' };

export function scopeOf(org: OrgIndex, person: Person): Scope {
  if (org.hasRole(person, 'team_leader') || org.hasRole(person, 'team_member')) return { kind: 'school' };
  const colleges = person.roles
    .filter((r) => (r.role === 'deputy_secretary' || r.role === 'college_leader') && r.collegeId !== null)
    .map((r) => r.collegeId as number);
  if (colleges.length > 0) return { kind: 'colleges', collegeIds: [...new Set(colleges)] };
  if (person.counselorOf.length > 0) {
    const collegeIds = [...new Set(person.counselorOf.map((c) => org.classUnit(c)?.collegeId).filter((c): c is number => c !== undefined))];
    return { kind: 'classes', classIds: person.counselorOf, collegeIds };
  }
  return { kind: 'none' };
}

/** Whether a scope covers something of a college and, maybe, a class (a review item, a student). */
export function scopeCovers(scope: Scope, item: { readonly collegeId: number | null; readonly classId: number | null }): boolean {
  switch (scope.kind) {
    case 'school':
      return true;
    case 'colleges':
      return item.collegeId !== null && scope.collegeIds.includes(item.collegeId);
    case 'classes':
      return item.classId !== null
        ? scope.classIds.includes(item.classId)
        : item.collegeId !== null && scope.collegeIds.includes(item.collegeId);
    case 'none':
      return false;
  }
}
