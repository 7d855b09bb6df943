/**
 * The rules every roster obeys, whether read from a workbook or built in code (the synthetic campus).
 * Collects every problem; the caller decides to throw.
 */
import { groupKey, STAFF_ROLES, type StaffRole } from '../domain/org.js';
import { RosterError, rosterIssue, sortIssues, type RosterIssue, type RosterIssueCode } from './errors.js';
import { isClassRole, isCollegeRole, isValidPhone, isValidQq, KIND_LEVEL, KIND_LABELS, PLATFORM_LABELS } from './normalize.js';
import type {
  RosterContacts,
  RosterData,
  RosterGroup,
  RosterGuardian,
  RosterRowRefs,
  RosterStaff,
  RowList,
  SheetName,
  SheetPlace,
} from './types.js';

/** The store's key of the logical group a roster row belongs to (see groupKey in domain/org.ts). */
export function rosterGroupKey(g: RosterGroup): string {
  switch (g.kind) {
    case 'school':
      return groupKey.school();
    case 'college':
      return groupKey.college(g.college ?? '');
    case 'class':
      return groupKey.class(g.className ?? '');
    case 'parents':
      return groupKey.parents(g.college ?? '');
    case 'dorm':
    case 'cadre':
    case 'party':
    case 'other':
      return groupKey.extra(g.college ?? '', g.name);
  }
}

/** One guardian person: the rows of the same name and account under several students (siblings) merge. */
export interface GuardianIdentity {
  /** `家长:<学号>:<姓名>`, with the smallest 学号 of the guardian's students. */
  extId: string;
  name: string;
  phone?: string;
  qq?: string;
  wechat?: string;
  wards: { studentNo: string; relation: string }[];
  /** Indexes into roster.guardians. */
  rows: number[];
}

export function guardianExtId(studentNo: string, name: string): string {
  return `家长:${studentNo}:${name}`;
}

/** Same name and same 微信 (else QQ, else 手机) under two students is one person with two wards. */
function identityKey(g: RosterGuardian, index: number): string {
  if (g.wechat) return `w\u0000${g.name}\u0000${g.wechat}`;
  if (g.qq) return `q\u0000${g.name}\u0000${g.qq}`;
  if (g.phone) return `p\u0000${g.name}\u0000${g.phone}`;
  return `r\u0000${index}`;
}

export function guardianIdentities(guardians: readonly RosterGuardian[]): GuardianIdentity[] {
  const byKey = new Map<string, GuardianIdentity>();
  guardians.forEach((g, i) => {
    const key = identityKey(g, i);
    const found = byKey.get(key);
    if (!found) {
      byKey.set(key, {
        extId: guardianExtId(g.studentNo, g.name),
        name: g.name,
        phone: g.phone,
        qq: g.qq,
        wechat: g.wechat,
        wards: [{ studentNo: g.studentNo, relation: g.relation }],
        rows: [i],
      });
      return;
    }
    found.wards.push({ studentNo: g.studentNo, relation: g.relation });
    found.rows.push(i);
    found.phone ??= g.phone;
    found.qq ??= g.qq;
    found.wechat ??= g.wechat;
  });
  for (const id of byKey.values()) {
    id.wards.sort((a, b) => (a.studentNo < b.studentNo ? -1 : a.studentNo > b.studentNo ? 1 : 0));
    const first = id.wards[0];
    if (first) id.extId = guardianExtId(first.studentNo, id.name);
  }
  return [...byKey.values()];
}

/** `2.02301E+09`: a long number Excel showed in scientific notation before the file was saved as CSV. */
const SCIENTIFIC = /^\d(\.\d+)?e\+?\d+$/i;
const SCIENTIFIC_HINT = '数字被 Excel 显示成了科学计数法（如 2.02E+09），原值已丢失；请把该列设为文本后重新导出';

class Checker {
  readonly issues: RosterIssue[] = [];
  /** Where the guardian being checked was read, when not from the 家长 sheet's own columns. */
  guardianPlace: SheetPlace | undefined;
  constructor(private readonly refs: RosterRowRefs | undefined) {}

  row(list: RowList, index: number): number {
    return this.refs?.[list][index] ?? index + 2;
  }
  add(sheet: SheetName, row: number, column: string, code: RosterIssueCode, detail: string): void {
    const place = (sheet === '家长' ? this.guardianPlace : undefined) ?? this.refs?.places?.sheets?.[sheet];
    const label = place?.label ?? sheet;
    const header = column ? (place?.columns?.get(column) ?? column) : column;
    this.issues.push(rosterIssue(label, row, header, code, detail));
  }
  required(sheet: SheetName, row: number, column: string, value: string | null | undefined): boolean {
    if (value) return true;
    this.add(sheet, row, column, 'empty', '不能为空');
    return false;
  }
  /** A required id; false when it is missing or mangled. */
  id(sheet: SheetName, row: number, column: string, value: string): boolean {
    if (!this.required(sheet, row, column, value)) return false;
    if (!SCIENTIFIC.test(value)) return true;
    this.add(sheet, row, column, 'bad_number', SCIENTIFIC_HINT);
    return false;
  }
}

/**
 * Who first used each QQ and 微信 account. Owners are numbers (an index per sheet), and rows are looked up
 * only to word a problem: a 64,000-person roster allocates nothing per account but the map entry.
 */
class AccountRegistry {
  private readonly byColumn = { QQ: new Map<string, number>(), 微信: new Map<string, number>() };
  private readonly slotSheet: SheetName[] = [];
  private readonly slotRow: number[] = [];
  private readonly slotOwner: number[] = [];

  /** Records the account; returns where another owner used it first, if anyone did. */
  claim(column: 'QQ' | '微信', value: string, sheet: SheetName, row: number, owner: number): string | null {
    const map = this.byColumn[column];
    const slot = map.get(value);
    if (slot === undefined) {
      map.set(value, this.slotRow.length);
      this.slotSheet.push(sheet);
      this.slotRow.push(row);
      this.slotOwner.push(owner);
      return null;
    }
    if (this.slotOwner[slot] === owner) return null;
    const firstSheet = this.slotSheet[slot] ?? sheet;
    const firstRow = this.slotRow[slot] ?? 0;
    return firstSheet === sheet ? `第${firstRow}行` : `工作表「${firstSheet}」第${firstRow}行`;
  }
}

/** Owner numbers: students, guardian persons and staff each get their own range. */
const OWNER_RANGE = 100_000_000;

/** Every problem with the roster, in reading order. Empty when it can be imported. */
export function validateRoster(data: RosterData, refs?: RosterRowRefs): RosterIssue[] {
  const c = new Checker(refs);
  const colleges = new Set<string>();
  const classCollege = new Map<string, { college: string; row: number }>();
  const studentRows = new Map<string, number>();
  const accounts = new AccountRegistry();

  const checkContacts = (sheet: SheetName, row: number, owner: number, p: RosterContacts): void => {
    if (p.phone && SCIENTIFIC.test(p.phone)) c.add(sheet, row, '手机', 'bad_number', SCIENTIFIC_HINT);
    else if (p.phone && !isValidPhone(p.phone)) c.add(sheet, row, '手机', 'bad_phone', '手机号应为以 1 开头的 11 位数字');
    if (p.qq && SCIENTIFIC.test(p.qq)) c.add(sheet, row, 'QQ', 'bad_number', SCIENTIFIC_HINT);
    else if (p.qq && !isValidQq(p.qq)) c.add(sheet, row, 'QQ', 'bad_qq', 'QQ 号应为 5–12 位数字');
    if (p.qq) {
      const first = accounts.claim('QQ', p.qq, sheet, row, owner);
      if (first) c.add(sheet, row, 'QQ', 'duplicate_account', `QQ与${first}重复（一个账号只能属于一个人）`);
    }
    if (p.wechat) {
      const first = accounts.claim('微信', p.wechat, sheet, row, owner);
      if (first) c.add(sheet, row, '微信', 'duplicate_account', `微信与${first}重复（一个账号只能属于一个人）`);
    }
  };

  data.students.forEach((s, i) => {
    const row = c.row('students', i);
    const hasNo = c.id('学生', row, '学号', s.studentNo);
    c.required('学生', row, '姓名', s.name);
    const hasCollege = c.required('学生', row, '学院', s.college);
    const hasClass = c.required('学生', row, '班级', s.className);
    if (hasNo) {
      const first = studentRows.get(s.studentNo);
      if (first !== undefined) c.add('学生', row, '学号', 'duplicate', `与第${first}行重复`);
      else studentRows.set(s.studentNo, row);
    }
    if (hasCollege) colleges.add(s.college);
    if (hasCollege && hasClass) {
      const known = classCollege.get(s.className);
      if (!known) classCollege.set(s.className, { college: s.college, row });
      else if (known.college !== s.college) {
        c.add(
          '学生',
          row,
          '学院',
          'class_college_conflict',
          `班级「${s.className}」在第${known.row}行属于「${known.college}」，此处为「${s.college}」`,
        );
      }
    }
    checkContacts('学生', row, i, s);
  });

  const guardianPairs = new Map<string, number>();
  const identities = guardianIdentities(data.guardians);
  const identityOf: GuardianIdentity[] = [];
  const identityNo: number[] = [];
  identities.forEach((id, n) => {
    for (const r of id.rows) {
      identityOf[r] = id;
      identityNo[r] = n;
    }
  });
  data.guardians.forEach((g, i) => {
    c.guardianPlace = refs?.places?.guardians?.[i];
    const row = c.row('guardians', i);
    const hasStudent = c.id('家长', row, '学生学号', g.studentNo);
    const hasName = c.required('家长', row, '姓名', g.name);
    c.required('家长', row, '关系', g.relation);
    if (hasStudent && !studentRows.has(g.studentNo)) {
      c.add('家长', row, '学生学号', 'unknown_student', `学号「${g.studentNo}」不在「学生」工作表中`);
    }
    if (hasStudent && hasName) {
      const pair = `${g.studentNo}\u0000${g.name}`;
      const first = guardianPairs.get(pair);
      if (first !== undefined) c.add('家长', row, '姓名', 'duplicate', `与第${first}行重复（同一学生的同名家长）`);
      else guardianPairs.set(pair, row);
    }
    const identity = identityOf[i];
    const firstIndex = identity?.rows[0];
    if (identity && firstIndex !== undefined && firstIndex !== i) {
      const firstRow = c.row('guardians', firstIndex);
      for (const [column, mine, theirs] of [
        ['手机', g.phone, identity.phone],
        ['QQ', g.qq, identity.qq],
        ['微信', g.wechat, identity.wechat],
      ] as const) {
        if (mine && theirs && mine !== theirs) {
          c.add('家长', row, column, 'guardian_conflict', `与第${firstRow}行是同一家长（姓名和账号相同），但${column}不同`);
        }
      }
    }
    checkContacts('家长', row, OWNER_RANGE + (identityNo[i] ?? i), g);
  });
  c.guardianPlace = undefined;

  const staffRows = new Map<string, number>();
  data.staff.forEach((p, i) => {
    const row = c.row('staff', i);
    c.required('教职工', row, '姓名', p.name);
    if (c.id('教职工', row, '工号', p.staffNo)) {
      const first = staffRows.get(p.staffNo);
      if (first !== undefined) c.add('教职工', row, '工号', 'duplicate', `与第${first}行重复`);
      else staffRows.set(p.staffNo, row);
      const asStudent = studentRows.get(p.staffNo);
      if (asStudent !== undefined) {
        c.add('教职工', row, '工号', 'id_conflict', `与工作表「学生」第${asStudent}行的学号相同`);
      }
    }
    if (p.college && !colleges.has(p.college)) {
      c.add('教职工', row, '学院', 'unknown_college', `学院「${p.college}」不在「学生」工作表中`);
    }
    checkStaffRoles(c, row, p, colleges);
    checkStaffClasses(c, row, p, classCollege);
    checkContacts('教职工', row, 2 * OWNER_RANGE + i, p);
  });

  const chats = new Map<string, number>();
  const kindByKey = new Map<string, { kind: string; row: number }>();
  data.groups.forEach((g, i) => {
    const row = c.row('groups', i);
    c.required('群', row, '名称', g.name);
    c.required('群', row, '账号', g.accounts.filter((a) => a).join(','));
    if (!(g.kind in KIND_LEVEL) || KIND_LEVEL[g.kind] !== g.level) {
      c.add('群', row, '级别', 'bad_level', `级别 ${String(g.level)} 与种类 ${String(g.kind)} 不符`);
      return;
    }
    if (!(g.platform in PLATFORM_LABELS)) {
      c.add('群', row, '平台', 'bad_platform', `平台「${String(g.platform)}」无效，应为 QQ 或 微信`);
    } else if (c.id('群', row, '群号', g.chatId)) {
      const chat = `${g.platform}\u0000${g.chatId}`;
      const first = chats.get(chat);
      if (first !== undefined) {
        c.add('群', row, '群号', 'duplicate_platform_group', `与第${first}行重复（同一平台的同一个群）`);
      } else chats.set(chat, row);
      if (g.platform === 'qq' && !/^\d{5,12}$/.test(g.chatId)) {
        c.add('群', row, '群号', 'bad_qq', 'QQ 群号应为 5–12 位数字');
      }
    }
    checkGroupUnit(c, row, g, colleges, classCollege);
    if (g.level === 0 && g.college && g.name) {
      const key = rosterGroupKey(g);
      const first = kindByKey.get(key);
      if (!first) kindByKey.set(key, { kind: g.kind, row });
      else if (first.kind !== g.kind) {
        c.add('群', row, '级别', 'group_kind_conflict', `与第${first.row}行同名同学院，但种类不同`);
      }
    }
  });

  return sortIssues(c.issues);
}

function checkStaffRoles(c: Checker, row: number, p: RosterStaff, colleges: ReadonlySet<string>): void {
  if (p.roles.length === 0) {
    c.add('教职工', row, '角色', 'empty', '不能为空');
    return;
  }
  let needsCollegeReported = false;
  for (const grant of p.roles) {
    if (!(STAFF_ROLES as readonly string[]).includes(grant.role)) {
      c.add('教职工', row, '角色', 'bad_role', `角色「${String(grant.role)}」无效`);
      continue;
    }
    if (!isCollegeRole(grant.role)) continue;
    if (!grant.college) {
      if (!needsCollegeReported) c.add('教职工', row, '学院', 'role_needs_college', '学院角色（副书记、学院领导、辅导员、班主任）须填写学院');
      needsCollegeReported = true;
    } else if (grant.college !== p.college && !colleges.has(grant.college)) {
      c.add('教职工', row, '学院', 'unknown_college', `学院「${grant.college}」不在「学生」工作表中`);
    }
  }
}

function counselorCollege(p: RosterStaff): string | null {
  return p.roles.find((r) => isClassRole(r.role))?.college ?? p.college;
}

function checkStaffClasses(
  c: Checker,
  row: number,
  p: RosterStaff,
  classCollege: ReadonlyMap<string, { college: string }>,
): void {
  const holdsClasses = p.roles.some((r: { role: StaffRole }) => isClassRole(r.role));
  if (!holdsClasses) {
    if (p.classes.length > 0) c.add('教职工', row, '负责班级', 'classes_not_allowed', '只有辅导员和班主任填写负责班级');
    return;
  }
  if (p.classes.length === 0) {
    c.add('教职工', row, '负责班级', 'counselor_needs_classes', '辅导员和班主任须填写负责班级');
    return;
  }
  const college = counselorCollege(p);
  for (const name of p.classes) {
    const known = classCollege.get(name);
    if (!known) c.add('教职工', row, '负责班级', 'unknown_class', `班级「${name}」不在「学生」工作表中`);
    else if (college && known.college !== college) {
      c.add('教职工', row, '负责班级', 'class_college_conflict', `班级「${name}」属于「${known.college}」，不属于「${college}」`);
    }
  }
}

function checkGroupUnit(
  c: Checker,
  row: number,
  g: RosterGroup,
  colleges: ReadonlySet<string>,
  classCollege: ReadonlyMap<string, { college: string }>,
): void {
  if (g.level === 1) return;
  if (g.level === 3) {
    if (!c.required('群', row, '班级', g.className)) return;
    const known = classCollege.get(g.className ?? '');
    if (!known) c.add('群', row, '班级', 'unknown_class', `班级「${g.className ?? ''}」不在「学生」工作表中`);
    else if (g.college && known.college !== g.college) {
      c.add('群', row, '学院', 'class_college_conflict', `班级「${g.className ?? ''}」属于「${known.college}」，不属于「${g.college}」`);
    }
    return;
  }
  if (!g.college) {
    c.add('群', row, '学院', 'empty', `${KIND_LABELS[g.kind]}须填写学院`);
    return;
  }
  if (!colleges.has(g.college)) c.add('群', row, '学院', 'unknown_college', `学院「${g.college}」不在「学生」工作表中`);
}

/** Throws RosterError listing every problem; returns quietly when the roster can be imported. */
export function assertValidRoster(data: RosterData, refs?: RosterRowRefs): void {
  const issues = validateRoster(data, refs);
  if (issues.length > 0) throw new RosterError(issues);
}
