/**
 * Who answers for what in the network, as the seed document assigns it. Pure.
 */
import { groupKey, parseGroupKey, type Group, type Person } from './org.js';
import type { OrgIndex } from './org-index.js';

/**
 * Whether a group is the person's business (the seed's responsibilities): the team for every group; a
 * college's deputy secretary and leaders for its groups; a counselor for their class groups and their
 * college's parents group. Who may audit it, settle its manual tasks.
 */
export function isResponsibleFor(org: OrgIndex, person: Person, group: Group): boolean {
  if (org.hasRole(person, 'team_leader') || org.hasRole(person, 'team_member')) return true;
  if (group.collegeId === null) return false;
  if (org.hasRole(person, 'deputy_secretary', group.collegeId) || org.hasRole(person, 'college_leader', group.collegeId)) return true;
  if (group.level === 3 && group.classId !== null) return person.counselorOf.includes(group.classId);
  if (group.level === 4) return person.counselorOf.some((id) => org.classUnit(id)?.collegeId === group.collegeId);
  return false;
}

/** The groups `/核对 <target>` names: a group key, a class (its class group), or a college (its college and parents groups). */
export function groupsNamed(org: OrgIndex, target: string): Group[] {
  const key = parseGroupKey(target);
  const exact = key === null ? undefined : org.groupByKeyName(key);
  if (exact) return [exact];
  const klass = org.classNamed(target) ?? (org.collegeNamed(target) ? undefined : org.findClass(target).match);
  if (klass) return [org.groupByKeyName(groupKey.class(klass.name))].filter((g): g is Group => g !== undefined);
  // A unique prefix names a college too (`计算机` → 计算机学院).
  const college = org.collegeNamed(target) ?? org.findCollege(target).match;
  if (college) return [groupKey.college(college.name), groupKey.parents(college.name)].map((k) => org.groupByKeyName(k)).filter((g): g is Group => g !== undefined);
  return [];
}

/** Who posts a group's messages by hand: its responsible person, as for chasing (L3/L4 counselors, L2 and L4 the deputy secretary …). */
export function responsibleForGroup(org: OrgIndex, g: Group): readonly Person[] {
  const leaders = org.withRole('team_leader', null);
  const deputies = g.collegeId === null ? [] : org.withRole('deputy_secretary', g.collegeId);
  if (g.level === 1) return leaders;
  if (g.level === 3 && g.classId !== null) {
    const counselors = org.counselorsOf(g.classId);
    if (counselors.length > 0) return counselors;
  }
  return deputies.length > 0 ? deputies : leaders;
}
