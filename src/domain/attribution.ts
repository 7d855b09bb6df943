/**
 * Whom a reply counts for. By default the sender's bound identity; in a parents group a reply that
 * names a student (`张三妈妈收到`, `收到，王五爸爸`, `我是李四家长，收到`) counts for that student when
 * the sender is one of the student's guardians, or when the sender's account is not bound yet and
 * the name fits exactly one student of the group (then the binding is suggested for review).
 */
import { owedBy, targetsClass, targetsCollege, type Directive, type Obligation } from './directive.js';
import type { Group, Person, Platform } from './org.js';
import type { OrgIndex } from './org-index.js';

/** Students of a group found by name: built once per group and org snapshot. */
export class NameIndex {
  private readonly byName = new Map<string, Person[]>();
  private readonly lengths: number[];

  constructor(students: readonly Person[]) {
    const lengths = new Set<number>();
    for (const s of students) {
      const name = s.name.trim();
      if ([...name].length < 2) continue;
      const list = this.byName.get(name);
      if (list) list.push(s);
      else this.byName.set(name, [s]);
      lengths.add(name.length);
    }
    this.lengths = [...lengths].sort((a, b) => b - a);
  }

  /**
   * Each distinct name found in the text, longest first at each position, so `张三丰` is not also
   * `张三`. Digits and class names around a name do not matter (`2301张三`, `张三-计算机2001`).
   */
  find(text: string): { name: string; students: readonly Person[] }[] {
    const found: { name: string; students: readonly Person[] }[] = [];
    if (this.lengths.length === 0) return found;
    for (let i = 0; i < text.length; ) {
      let matched = 0;
      for (const len of this.lengths) {
        if (i + len > text.length) continue;
        const students = this.byName.get(text.slice(i, i + len));
        if (students) {
          const name = text.slice(i, i + len);
          if (!found.some((f) => f.name === name)) found.push({ name, students });
          matched = len;
          break;
        }
      }
      i += matched > 0 ? matched : 1;
    }
    return found;
  }
}

const indexes = new WeakMap<OrgIndex, Map<number, NameIndex>>();

/** The students a reply in this group may name: the class for a class group, the college for a parents group. */
export function nameIndexFor(org: OrgIndex, group: Group): NameIndex {
  let perOrg = indexes.get(org);
  if (!perOrg) {
    perOrg = new Map();
    indexes.set(org, perOrg);
  }
  let index = perOrg.get(group.id);
  if (!index) {
    const students: Person[] = [];
    if (group.level === 3 && group.classId !== null) students.push(...org.studentsOf(group.classId));
    else if (group.level === 4 && group.collegeId !== null) {
      for (const k of org.classesOf(group.collegeId)) students.push(...org.studentsOf(k.id));
    }
    index = new NameIndex(students);
    perOrg.set(group.id, index);
  }
  return index;
}

export type Attribution =
  /** Counts for what the sender owes in the group (no name, or their own name). */
  | { readonly kind: 'self' }
  /** Counts for these students (a guardian naming their child). */
  | { readonly kind: 'students'; readonly students: readonly Person[] }
  /** An unbound account naming exactly one student: counts for them, and the binding is suggested. */
  | { readonly kind: 'suggest'; readonly student: Person }
  /** Names a student the sender is not bound to, or several students: for a person to decide. */
  | { readonly kind: 'review'; readonly students: readonly Person[]; readonly reason: 'not_ward' | 'several' }
  /** Cannot count for anyone (an unknown account that names nobody). */
  | { readonly kind: 'none' };

/** Whom a reply from `sender` (undefined: an unbound account) in `group` counts for, given the text it was read from. */
export function attribute(org: OrgIndex, group: Group, sender: Person | undefined, text: string): Attribution {
  if (group.level !== 3 && group.level !== 4) return sender ? { kind: 'self' } : { kind: 'none' };
  const named = nameIndexFor(org, group).find(text);
  if (named.length === 0) return sender ? { kind: 'self' } : { kind: 'none' };
  const students = named.flatMap((n) => n.students);
  if (sender) {
    if (sender.kind === 'student') return { kind: 'self' };
    if (sender.kind !== 'guardian') return { kind: 'self' };
    const wards = new Set(org.wardsOf(sender.id).map((w) => w.studentId));
    const mine = students.filter((s) => wards.has(s.id));
    if (mine.length > 0) return { kind: 'students', students: mine };
    return { kind: 'review', students, reason: 'not_ward' };
  }
  if (students.length === 1 && students[0]) return { kind: 'suggest', student: students[0] };
  return { kind: 'review', students, reason: 'several' };
}

/** What a reply counts for in a directive: the sender's own obligations, or those of the students it names. */
export function obligationsOf(org: OrgIndex, d: Directive, group: Group, sender: Person | undefined, who: Attribution): Obligation[] {
  switch (who.kind) {
    case 'self':
      return sender ? owedBy(org, d, sender, group) : [];
    case 'students':
      return studentObligations(org, d, group, who.students);
    case 'suggest':
      return studentObligations(org, d, group, [who.student]);
    case 'review':
      return studentObligations(org, d, group, who.students);
    case 'none':
      return [];
  }
}

/** The L3 (student) or L4 (family) obligation of each student in the group, where the directive reaches it. */
export function studentObligations(org: OrgIndex, d: Directive, group: Group, students: readonly Person[]): Obligation[] {
  const out: Obligation[] = [];
  const level = group.level;
  if ((level !== 3 && level !== 4) || d.depth < level) return out;
  for (const s of students) {
    if (s.collegeId === null || !targetsCollege(org, d, s.collegeId) || !targetsClass(d, s.classId)) continue;
    if (level === 3 && s.classId !== group.classId) continue;
    if (level === 4 && s.collegeId !== group.collegeId) continue;
    out.push({ level, subjectId: s.id, collegeId: s.collegeId, classId: s.classId });
  }
  return out;
}

/**
 * The accounts that answer for a student's claim on a platform: in a class group the student's own,
 * in a parents group every guardian's (the roster's and verified bindings).
 */
export function knownAccounts(org: OrgIndex, group: Group, student: Person, platform: Platform): string[] {
  if (group.level === 3) return [...org.accountsOn(student.id, platform)];
  if (group.level === 4) return org.guardiansOf(student.id).flatMap((g) => org.accountsOn(g.guardianId, platform));
  return [];
}
