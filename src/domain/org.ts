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
  /** Counselors only: the classes they are in charge of. */
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
  /** `L1`, `L2:<学院>`, `L3:<班级>`, `L4:<学院>`, or `X:<学院>:<名称>` for extra groups. */
  readonly key: string;
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

export const groupKey = {
  school: (): string => 'L1',
  college: (college: string): string => `L2:${college}`,
  class: (className: string): string => `L3:${className}`,
  parents: (college: string): string => `L4:${college}`,
  extra: (college: string, name: string): string => `X:${college}:${name}`,
};
