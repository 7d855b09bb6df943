/**
 * The roster as the school hands it over (学工系统 export): students, guardians, staff and groups.
 * Names, not ids: colleges and classes are derived from the students; the store assigns ids on import.
 */
import type { GroupKind, GroupLevel, Platform, StaffRole } from '../domain/org.js';

export interface RosterContacts {
  /** 11 digits, normalised (no +86, spaces or dashes). Sensitive: never logged, never posted. */
  phone?: string;
  qq?: string;
  wechat?: string;
}

export interface RosterStudent extends RosterContacts {
  studentNo: string;
  name: string;
  college: string;
  className: string;
}

export interface RosterGuardian extends RosterContacts {
  /** The 学号 of the student this guardian belongs to. */
  studentNo: string;
  name: string;
  /** 母亲, 父亲, 监护人, ... */
  relation: string;
}

export interface RosterRoleGrant {
  role: StaffRole;
  /** The college a college role applies to; null for school-wide roles (team leader, team member). */
  college: string | null;
}

export interface RosterStaff extends RosterContacts {
  staffNo: string;
  name: string;
  roles: RosterRoleGrant[];
  college: string | null;
  /** Counselors only: the classes they are in charge of. */
  classes: string[];
}

/** One platform group; several rows with the same logical group (level + unit) back one group. */
export interface RosterGroup {
  level: GroupLevel;
  kind: GroupKind;
  name: string;
  college: string | null;
  className: string | null;
  platform: Platform;
  chatId: string;
  /** Bot account ids serving the group, preferred first. */
  accounts: string[];
}

export interface RosterData {
  students: RosterStudent[];
  guardians: RosterGuardian[];
  staff: RosterStaff[];
  groups: RosterGroup[];
}

export type SheetName = '学生' | '家长' | '教职工' | '群';
export const SHEETS: readonly SheetName[] = ['学生', '家长', '教职工', '群'];

/**
 * Spreadsheet row numbers (header = row 1) of each entry of a RosterData, parallel to its arrays.
 * Absent for a roster built in code: entry i is then reported as row i + 2.
 */
export interface RosterRowRefs {
  students: number[];
  guardians: number[];
  staff: number[];
  groups: number[];
  /** Where the sheets were read when their names and columns are not the canonical ones. */
  places?: RosterPlaces;
}

export type RowList = 'students' | 'guardians' | 'staff' | 'groups';

/** A sheet as the school named it (`Sheet1`, `学生.csv`) and its columns as headed (学号 → 学号, 姓名 → 学生姓名). */
export interface SheetPlace {
  readonly label: string;
  /** Canonical column name → the header as written. */
  readonly columns?: ReadonlyMap<string, string>;
}

export interface RosterPlaces {
  readonly sheets?: Partial<Record<SheetName, SheetPlace>>;
  /** Per guardian (parallel to RosterData.guardians): one read from the student sheet's guardian columns. */
  readonly guardians?: readonly (SheetPlace | undefined)[];
}

export interface RosterReadProgress {
  sheet: SheetName;
  rows: number;
  total: number;
}
