/**
 * The org tree of one school: colleges, classes, people with roles, and the groups at four levels.
 * Pure data; built from store rows by the store layer and shared read-only by every service.
 */

export const STAFF_ROLES = [
  'team_leader', // 学生工作组组长
  'team_member', // 学生工作组成员
  'deputy_secretary', // 党总支副书记
  'college_leader', // 学院党政班子成员
  'counselor', // 辅导员
  'head_teacher', // 班主任: a counselor's rights for the classes they hold; not in the college group by default
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type PersonKind = 'student' | 'staff' | 'guardian';

/** 1 school, 2 college, 3 class, 4 parents; 0 for extra groups a college adds (dorm, cadre, party). */
export type GroupLevel = 0 | 1 | 2 | 3 | 4;
export type GroupKind = 'school' | 'college' | 'class' | 'parents' | 'dorm' | 'cadre' | 'party' | 'other';

/** A chat platform as the roster names it; the adapter that serves an account is configured separately. */
export type Platform = 'qq' | 'wechat';

export interface College {
  readonly id: number;
  readonly name: string;
}

export interface ClassUnit {
  readonly id: number;
  readonly name: string;
  readonly collegeId: number;
}

export interface StaffRoleGrant {
  readonly role: StaffRole;
  /** The college the role applies to; null for school-wide roles (team leader, team member). */
  readonly collegeId: number | null;
}

export interface Person {
  readonly id: number;
  readonly kind: PersonKind;
  /** 学号 for students, 工号 for staff, `家长:<学号>:<姓名>` for guardians. Stable across imports. */
  readonly extId: string;
  readonly name: string;
  readonly collegeId: number | null;
  /** Students only. */
  readonly classId: number | null;
  readonly roles: readonly StaffRoleGrant[];
  /** Counselors and head teachers (班主任): the classes they are in charge of. */
  readonly counselorOf: readonly number[];
}

export interface Guardianship {
  readonly guardianId: number;
  readonly studentId: number;
  /** 母亲, 父亲, 监护人, ... */
  readonly relation: string;
}

/** A logical group: one per level and unit, possibly backed by several platform groups. */
export interface Group {
  readonly id: number;
  readonly key: GroupKey;
  readonly level: GroupLevel;
  readonly kind: GroupKind;
  readonly name: string;
  readonly collegeId: number | null;
  readonly classId: number | null;
}

/** One real chat group on a platform, served by one or more bot accounts (first = preferred). */
export interface PlatformGroup {
  readonly id: number;
  readonly groupId: number;
  readonly platform: Platform;
  /** The platform's group number / room id. */
  readonly chatId: string;
  readonly accounts: readonly string[];
}

/** A person's account on a platform, as the roster or a confirmed binding gives it. */
export interface Binding {
  readonly platform: Platform;
  readonly platformUserId: string;
  readonly personId: number;
}

export interface OrgSnapshot {
  readonly schoolName: string;
  readonly colleges: readonly College[];
  readonly classes: readonly ClassUnit[];
  readonly people: readonly Person[];
  readonly guardianships: readonly Guardianship[];
  readonly groups: readonly Group[];
  readonly platformGroups: readonly PlatformGroup[];
  readonly bindings: readonly Binding[];
}

/** A logical group's key: `L1`, `L2:<学院>`, `L3:<班级>`, `L4:<学院>`, or `X:<学院>:<名称>` for extra groups. */
export type GroupKey = 'L1' | `L2:${string}` | `L3:${string}` | `L4:${string}` | `X:${string}:${string}`;

export const groupKey = {
  school: (): GroupKey => 'L1',
  college: (college: string): GroupKey => `L2:${college}`,
  class: (className: string): GroupKey => `L3:${className}`,
  parents: (college: string): GroupKey => `L4:${college}`,
  extra: (college: string, name: string): GroupKey => `X:${college}:${name}`,
};

/** A group key as typed by a person or a drill (`L3:计算机2301`), or null when it is not one. */
export function parseGroupKey(text: string): GroupKey | null {
  const s = text.trim();
  if (s === 'L1') return 'L1';
  const m = /^(L[234]):(.+)$/u.exec(s);
  if (m?.[1] !== undefined && m[2] !== undefined) {
    const unit = m[2];
    return m[1] === 'L2' ? groupKey.college(unit) : m[1] === 'L3' ? groupKey.class(unit) : groupKey.parents(unit);
  }
  const x = /^X:([^:]+):(.+)$/u.exec(s);
  return x?.[1] !== undefined && x[2] !== undefined ? groupKey.extra(x[1], x[2]) : null;
}
