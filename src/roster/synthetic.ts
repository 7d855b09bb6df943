/**
 * A large made-up campus for the benchmark: by default 40 colleges × 20 classes × 40 students
 * (32,000 students, 32,000 guardians) and 881 QQ groups over 20 bot accounts. Deterministic.
 */
import { nthName } from './names.js';
import type { RosterData, RosterGroup, RosterStaff } from './types.js';

export interface SyntheticCampusOptions {
  colleges: number;
  classesPerCollege: number;
  studentsPerClass: number;
  /** Bot accounts the groups are spread over (`bot-01`, ...); default 20. */
  accounts?: number;
}

export const SYNTHETIC_DEFAULTS: Readonly<Required<SyntheticCampusOptions>> = Object.freeze({
  colleges: 40,
  classesPerCollege: 20,
  studentsPerClass: 40,
  accounts: 20,
});

/** One counselor per this many classes. */
const CLASSES_PER_COUNSELOR = 2;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const widthOf = (max: number): number => Math.max(2, String(max).length);

export function syntheticCollegeName(c: number): string {
  return `第${pad(c, 2)}学院`;
}

export function syntheticClassName(c: number, k: number): string {
  return `${pad(c, 2)}院${pad(k, 2)}班`;
}

export function syntheticCampus(opts: Partial<SyntheticCampusOptions> = {}): RosterData {
  const o = { ...SYNTHETIC_DEFAULTS, ...opts };
  const accountCount = Math.max(1, o.accounts);
  const accountWidth = widthOf(accountCount);
  const account = (i: number): string => `bot-${pad((i % accountCount) + 1, accountWidth)}`;
  const cw = widthOf(o.colleges);
  const kw = widthOf(o.classesPerCollege);
  const sw = widthOf(o.studentsPerClass);
  const data: RosterData = { students: [], guardians: [], staff: [], groups: [] };
  const groups: RosterGroup[] = data.groups;
  let groupSeq = 0;
  const chatId = (): string => String(600_000_000 + groupSeq++);
  groups.push(group(1, 'school', '学生疫情防控管理一级群', null, null, chatId(), account(0)));

  let person = 0;
  for (let c = 1; c <= o.colleges; c++) {
    const college = syntheticCollegeName(c);
    const classNames: string[] = [];
    for (let k = 1; k <= o.classesPerCollege; k++) {
      const className = syntheticClassName(c, k);
      classNames.push(className);
      for (let s = 1; s <= o.studentsPerClass; s++) {
        const n = person++;
        const studentNo = `2023${pad(c, cw)}${pad(k, kw)}${pad(s, sw)}`;
        data.students.push({
          studentNo,
          name: nthName(n),
          college,
          className,
          phone: `13${pad(n, 9)}`,
          qq: `1${pad(n, 9)}`,
        });
        data.guardians.push({
          studentNo,
          name: nthName(n + 7919),
          relation: n % 2 === 0 ? '母亲' : '父亲',
          phone: `15${pad(n, 9)}`,
          wechat: `wxid_g${pad(n, 7)}`,
        });
      }
    }
    data.staff.push(...collegeStaff(c, college, classNames));
  }
  data.staff.push(
    staff('T001', 0, [{ role: 'team_leader', college: null }], null, []),
    staff('T002', 1, [{ role: 'team_member', college: null }], null, []),
    staff('T003', 2, [{ role: 'team_member', college: null }], null, []),
  );

  for (let c = 1; c <= o.colleges; c++) {
    const college = syntheticCollegeName(c);
    groups.push(group(2, 'college', `${college}疫情防控二级群`, college, null, chatId(), account(c)));
    for (let k = 1; k <= o.classesPerCollege; k++) {
      const className = syntheticClassName(c, k);
      groups.push(group(3, 'class', `${className}疫情防控三级群`, college, className, chatId(), account(c + k)));
    }
    groups.push(group(4, 'parents', `${college}家长疫情防控四级群`, college, null, chatId(), account(c)));
  }
  return data;
}

function group(
  level: RosterGroup['level'],
  kind: RosterGroup['kind'],
  name: string,
  college: string | null,
  className: string | null,
  chatId: string,
  account: string,
): RosterGroup {
  return { level, kind, name, college, className, platform: 'qq', chatId, accounts: [account] };
}

function staff(
  staffNo: string,
  n: number,
  roles: RosterStaff['roles'],
  college: string | null,
  classes: string[],
): RosterStaff {
  return {
    staffNo,
    name: nthName(900_001 + n),
    roles,
    college,
    classes,
    phone: `18${pad(n, 9)}`,
    qq: `2${pad(n, 9)}`,
    wechat: `wxid_t${pad(n, 7)}`,
  };
}

function collegeStaff(c: number, college: string, classNames: string[]): RosterStaff[] {
  const base = c * 1000;
  const out: RosterStaff[] = [
    staff(`S${pad(base + 1, 6)}`, base + 1, [{ role: 'deputy_secretary', college }], college, []),
    staff(`S${pad(base + 2, 6)}`, base + 2, [{ role: 'college_leader', college }], college, []),
  ];
  for (let i = 0; i * CLASSES_PER_COUNSELOR < classNames.length; i++) {
    const n = base + 10 + i;
    const classes = classNames.slice(i * CLASSES_PER_COUNSELOR, (i + 1) * CLASSES_PER_COUNSELOR);
    out.push(staff(`S${pad(n, 6)}`, n, [{ role: 'counselor', college }], college, classes));
  }
  return out;
}
