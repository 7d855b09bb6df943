import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrgIndex } from '../src/domain/org-index.js';
import {
  demoSchoolCsv,
  demoSchoolDir,
  readRoster,
  RosterError,
  syntheticCampus,
  validateRoster,
  writeRosterCsv,
  type RosterData,
  type RosterIssue,
  type RosterReadProgress,
} from '../src/roster/index.js';
import { closeDb, openDb, type Db } from '../src/store/db.js';
import {
  applyRoster,
  formatImportReport,
  isOrgEmpty,
  loadOrgSnapshot,
  type ImportReport,
} from '../src/store/org-repo.js';
import { tempDir } from './setup/helpers.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/roster');
const SMALL = join(FIXTURES, 'small');
const ENGLISH = join(FIXTURES, 'english');
const NOW = Date.UTC(2020, 3, 1, 8, 0, 0);
const STORE_TABLES = [
  'colleges',
  'classes',
  'persons',
  'staff_roles',
  'counselor_classes',
  'guardianships',
  'groups',
  'platform_groups',
  'bindings',
  'imports',
] as const;

let db: Db;
let temp: { path: string; remove: () => void };

beforeEach(() => {
  db = openDb(':memory:');
  temp = tempDir('roster');
});

afterEach(() => {
  closeDb(db);
  temp.remove();
});

/** Every org row in the store, to compare before and after a rejected import. */
function dumpStore(): Record<string, unknown[]> {
  return Object.fromEntries(
    STORE_TABLES.map((t) => [t, db.$client.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]),
  );
}

async function importDir(dir: string, now = NOW): Promise<ImportReport> {
  return applyRoster(db, await readRoster(dir), { source: dir, now });
}

/** A private copy of a fixture roster directory, to edit. */
function copyOf(fixture: string, name = 'copy'): string {
  const dir = join(temp.path, name);
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

function editCsv(dir: string, file: string, edit: (lines: string[]) => string[]): void {
  const path = join(dir, file);
  const lines = readFileSync(path, 'utf8').replace(/\n$/, '').split('\n');
  writeFileSync(path, `${edit(lines).join('\n')}\n`);
}

const replaceIn =
  (from: string, to: string) =>
  (lines: string[]): string[] => {
    const text = lines.join('\n');
    if (!text.includes(from)) throw new Error(`fixture has no ${from}`);
    return text.replace(from, to).split('\n');
  };
const append =
  (...rows: string[]) =>
  (lines: string[]): string[] => [...lines, ...rows];

async function rosterError(dir: string): Promise<RosterError> {
  try {
    await readRoster(dir);
  } catch (err) {
    if (err instanceof RosterError) return err;
    throw err;
  }
  throw new Error('roster was accepted');
}

function csvRecords(dir: string, file: string): string[][] {
  return parse(readFileSync(join(dir, file), 'utf8'), { bom: true }) as string[][];
}

describe('the demo school', () => {
  it('imports with the people, roles, wards, groups and bindings of config/demo', async () => {
    expect(isOrgEmpty(db)).toBe(true);
    const dir = demoSchoolDir();
    const report = await importDir(dir);
    expect(isOrgEmpty(db)).toBe(false);

    const students = csvRecords(dir, '学生.csv').slice(1);
    const guardianRows = csvRecords(dir, '家长.csv').slice(1);
    const guardianPeople = new Set(guardianRows.map(([, name, , , , wechat]) => `${name}/${wechat}`));
    expect(guardianPeople.size).toBeLessThan(guardianRows.length); // siblings share their parents
    expect(report.students).toEqual({ added: students.length, updated: 0, unchanged: 0, removed: 0 });
    expect(report.guardians).toEqual({ added: guardianPeople.size, updated: 0, unchanged: 0, removed: 0 });
    expect(report.staff).toEqual({ added: 18, updated: 0, unchanged: 0, removed: 0 });
    expect(report.groups).toEqual({ added: 17, updated: 0, unchanged: 0, removed: 0 });
    expect(report.colleges.added).toBe(3);
    expect(report.classes.added).toBe(9);
    expect(report.bindings).toEqual({ roster: students.length + guardianPeople.size + 18 * 2, conflicts: 0 });

    const snapshot = loadOrgSnapshot(db, '示例大学');
    const org = new OrgIndex(snapshot);
    expect(org.schoolName).toBe('示例大学');
    expect(org.counts()).toEqual({ students: students.length, guardians: guardianPeople.size, staff: 18, groups: 17 });
    expect(snapshot.colleges.map((c) => c.name)).toEqual(['计算机学院', '外国语学院', '机械工程学院']);
    expect(snapshot.classes).toHaveLength(9);
    expect(snapshot.platformGroups).toHaveLength(18);

    for (const klass of snapshot.classes) {
      const size = org.studentsOf(klass.id).length;
      expect(size).toBeGreaterThanOrEqual(20);
      expect(size).toBeLessThanOrEqual(30);
      expect(org.counselorsOf(klass.id)).toHaveLength(1);
      for (const student of org.studentsOf(klass.id)) {
        expect(student.collegeId).toBe(klass.collegeId);
        expect(org.guardiansOf(student.id).length).toBeGreaterThanOrEqual(1);
        expect(org.guardiansOf(student.id).length).toBeLessThanOrEqual(2);
      }
    }

    const cs = org.collegeNamed('计算机学院');
    const fl = org.collegeNamed('外国语学院');
    const me = org.collegeNamed('机械工程学院');
    if (!cs || !fl || !me) throw new Error('colleges missing');
    expect(org.withRole('team_leader', null).map((p) => p.extId)).toEqual(['T001']);
    expect(org.withRole('team_member', null)).toHaveLength(2);
    expect(org.withRole('deputy_secretary', cs.id)).toHaveLength(2);
    expect(org.withRole('deputy_secretary', fl.id)).toHaveLength(1);
    expect(org.withRole('deputy_secretary', me.id)).toHaveLength(1);
    for (const college of [cs, fl, me]) {
      expect(org.collegeCounselors(college.id)).toHaveLength(2);
      expect(org.withRole('college_leader', college.id).length).toBeGreaterThanOrEqual(1);
    }
    const s201 = org.personByExtId('S201');
    expect(s201?.roles).toEqual([
      { role: 'college_leader', collegeId: fl.id },
      { role: 'deputy_secretary', collegeId: fl.id },
    ]);
    const s111 = org.personByExtId('S111');
    expect(s111?.counselorOf.map((id) => org.classUnit(id)?.name)).toEqual(['计算机2301', '计算机2302']);
    expect(s111?.collegeId).toBe(cs.id);

    // Siblings: the same two parents (one person each) guard a student in two colleges.
    const shared = snapshot.people.filter((p) => p.kind === 'guardian' && org.wardsOf(p.id).length === 2);
    expect(shared.length).toBeGreaterThanOrEqual(1);
    const wardColleges = new Set(shared.flatMap((g) => org.wardsOf(g.id).map((w) => org.person(w.studentId)?.collegeId)));
    expect(wardColleges.size).toBe(2);

    const l1 = org.groupByKeyName('L1');
    expect(l1?.level).toBe(1);
    expect(org.platformGroupsOf(l1?.id ?? 0).map((pg) => [pg.platform, pg.accounts])).toEqual([['qq', ['qq-bot-1']]]);
    const csParents = org.groupByKeyName(`L4:计算机学院`);
    expect(csParents?.collegeId).toBe(cs.id);
    const rooms = org.platformGroupsOf(csParents?.id ?? 0);
    expect(rooms).toHaveLength(2);
    for (const room of rooms) {
      expect(room.platform).toBe('wechat');
      expect(room.accounts).toEqual(['wx-bot-1']);
      expect(org.platformGroup('wechat', room.chatId)?.groupId).toBe(csParents?.id);
    }
    expect(org.platformGroupsOf(org.groupByKeyName('L4:外国语学院')?.id ?? 0)).toHaveLength(1);
    const flClass = org.groupByKeyName('L3:英语2301');
    expect(flClass?.classId).toBe(org.classNamed('英语2301')?.id);
    expect(org.platformGroupsOf(flClass?.id ?? 0)[0]?.accounts).toEqual(['qq-bot-2']);
    const cadre = org.groupByKeyName('X:计算机学院:计算机学院学生干部群');
    expect(cadre).toMatchObject({ level: 0, kind: 'cadre', collegeId: cs.id, classId: null });

    const [firstStudent] = students;
    const student = org.personByExtId(firstStudent?.[0] ?? '');
    expect(student?.name).toBe(firstStudent?.[1]);
    expect(org.personByPlatformAccount('qq', firstStudent?.[5] ?? '')?.id).toBe(student?.id);
    const [firstGuardian] = guardianRows;
    const guardian = org.personByPlatformAccount('wechat', firstGuardian?.[5] ?? '');
    expect(guardian?.kind).toBe('guardian');
    expect(org.wardsOf(guardian?.id ?? 0).map((w) => w.studentId)).toContain(student?.id);
    const t001 = org.personByExtId('T001');
    expect(snapshot.bindings.filter((b) => b.personId === t001?.id).map((b) => b.platform).sort()).toEqual([
      'qq',
      'wechat',
    ]);

    const imports = db.$client.prepare('SELECT source, at, summary FROM imports').all() as { summary: string }[];
    expect(imports).toHaveLength(1);
    expect(JSON.parse(imports[0]?.summary ?? '{}').students.added).toBe(students.length);
  });

  it('re-imports unchanged without touching a row', async () => {
    await importDir(demoSchoolDir());
    const before = dumpStore();
    const report = await importDir(demoSchoolDir(), NOW + 60_000);
    for (const kind of ['students', 'guardians', 'staff', 'groups'] as const) {
      expect(report[kind].added + report[kind].updated + report[kind].removed).toBe(0);
    }
    expect(report.changes).toEqual([]);
    const after = dumpStore();
    expect(after.imports).toHaveLength(2);
    expect({ ...after, imports: [] }).toEqual({ ...before, imports: [] });
    expect(formatImportReport(report)).toContain('学生：新增 0，更新 0');
  });

  it('matches what scripts/make-demo-school.ts generates', () => {
    const generated = demoSchoolCsv();
    for (const [sheet, text] of Object.entries(generated)) {
      expect(readFileSync(join(demoSchoolDir(), `${sheet}.csv`), 'utf8'), `${sheet}.csv is stale`).toBe(text);
    }
    expect(demoSchoolCsv()).toEqual(generated);
  });
});

describe('reading a roster', () => {
  it('reads an .xlsx workbook with numeric cells exactly like the CSV directory', async () => {
    const fromCsv = await readRoster(SMALL);
    const workbook = new ExcelJS.Workbook();
    const numeric = new Set(['学号', '学生学号', 'QQ', '手机', '群号']);
    const sheetNames: Record<string, string> = { '学生.csv': '学生', '家长.csv': '家长', '教职工.csv': 'Staff', '群.csv': '群' };
    workbook.addWorksheet('说明').addRow(['这张表不会被读取']);
    for (const [file, sheetName] of Object.entries(sheetNames)) {
      const [header = [], ...rows] = csvRecords(SMALL, file);
      const ws = workbook.addWorksheet(sheetName);
      ws.addRow([...header.map((h) => (h === '学号' ? '学\u3000号 ' : h)), '备注']);
      for (const row of rows) {
        ws.addRow([
          ...row.map((cell, i) => (numeric.has(header[i] ?? '') && /^\d+$/.test(cell) ? Number(cell) : cell)),
          '随便写点什么',
        ]);
      }
    }
    const students = workbook.getWorksheet('学生');
    if (!students) throw new Error('no sheet');
    students.getCell('B2').value = '  张伟 ';
    students.getCell('E2').value = '+86 138-0000-0001';
    students.getCell('A3').value = '２０２３０１０１０２';
    students.getCell('B3').value = { richText: [{ text: '王' }, { text: '芳', font: { bold: true } }] };
    students.getCell('F4').value = { formula: '100000000+3', result: 100000003 };
    expect(typeof students.getCell('A2').value).toBe('number');
    expect(typeof students.getCell('F2').value).toBe('number');
    const file = join(temp.path, '花名册.xlsx');
    await workbook.xlsx.writeFile(file);

    const progress: RosterReadProgress[] = [];
    const fromXlsx = await readRoster(file, { onProgress: (p) => progress.push(p) });
    expect(fromXlsx).toEqual(fromCsv);
    expect(fromXlsx.students[0]).toEqual({
      studentNo: '2023010101',
      name: '张伟',
      college: '计算机学院',
      className: '计算机2301',
      phone: '13800000001',
      qq: '100000001',
    });
    expect(progress.map((p) => p.sheet)).toEqual(['学生', '家长', '教职工', '群']);
    expect(progress[0]).toEqual({ sheet: '学生', rows: 6, total: 6 });
  });

  it('reads the CSV directory into RosterData', async () => {
    const roster = await readRoster(SMALL);
    expect(roster.students).toHaveLength(6);
    expect(roster.guardians[4]).toEqual({
      studentNo: '2023010202',
      name: '刘军',
      relation: '监护人',
      phone: '13900000005',
      wechat: 'wxid_p05',
    });
    expect(roster.staff.find((s) => s.staffNo === 'S201')).toMatchObject({
      roles: [
        { role: 'deputy_secretary', college: '外国语学院' },
        { role: 'college_leader', college: '外国语学院' },
      ],
      college: '外国语学院',
      classes: [],
    });
    expect(roster.staff.find((s) => s.staffNo === 'T001')?.roles).toEqual([{ role: 'team_leader', college: null }]);
    expect(roster.staff.find((s) => s.staffNo === 'S111')?.classes).toEqual(['计算机2301', '计算机2302']);
    expect(roster.groups[0]).toEqual({
      level: 1,
      kind: 'school',
      name: '学生疫情防控管理一级群',
      college: null,
      className: null,
      platform: 'qq',
      chatId: '700000001',
      accounts: ['qq-bot-1'],
    });
    expect(roster.groups[4]?.accounts).toEqual(['qq-bot-1', 'qq-bot-2']);
    expect(roster.groups[9]).toMatchObject({ level: 0, kind: 'dorm', college: '计算机学院' });
  });

  it('accepts English sheet names, headers, roles, levels and platforms', async () => {
    expect(await readRoster(ENGLISH)).toEqual(await readRoster(SMALL));
  });

  it('accepts a UTF-8 BOM and ignores blank lines', async () => {
    const dir = copyOf(SMALL);
    const path = join(dir, '学生.csv');
    writeFileSync(path, `\ufeff${readFileSync(path, 'utf8')}\n\n`);
    expect(await readRoster(dir)).toEqual(await readRoster(SMALL));
  });

  it('reports progress at least every 1000 rows and at the end of each sheet', async () => {
    const roster = syntheticCampus({ colleges: 1, classesPerCollege: 3, studentsPerClass: 800 });
    writeRosterCsv(temp.path, roster);
    const progress: RosterReadProgress[] = [];
    const read = await readRoster(temp.path, { onProgress: (p) => progress.push(p) });
    expect(read).toEqual(roster);
    expect(progress.filter((p) => p.sheet === '学生').map((p) => p.rows)).toEqual([1000, 2000, 2400]);
    expect(progress.at(-1)).toEqual({ sheet: '群', rows: roster.groups.length, total: roster.groups.length });
  });
});

interface BadCase {
  name: string;
  edit: (dir: string) => void;
  expected: Pick<RosterIssue, 'sheet' | 'row' | 'column' | 'code'>;
  /** Part of the message, when the wording matters. */
  says?: string;
}

const BAD_CASES: BadCase[] = [
  {
    name: 'a renamed required header',
    edit: (d) => editCsv(d, '学生.csv', replaceIn('学号,姓名', '学生编号,姓名')),
    expected: { sheet: '学生', row: 1, column: '学号', code: 'missing_header' },
    says: '工作表「学生」第1行「学号」列：缺少必需的列「学号」',
  },
  {
    name: 'a missing required header in 群',
    edit: (d) => editCsv(d, '群.csv', replaceIn(',平台,', ',平台名称,')),
    expected: { sheet: '群', row: 1, column: '平台', code: 'missing_header' },
  },
  {
    name: 'a missing sheet',
    edit: (d) => rmSync(join(d, '群.csv')),
    expected: { sheet: '群', row: 0, column: '', code: 'missing_sheet' },
  },
  {
    name: 'a duplicate 学号',
    edit: (d) => editCsv(d, '学生.csv', append('2023010101,张三,计算机学院,计算机2301,,,')),
    expected: { sheet: '学生', row: 8, column: '学号', code: 'duplicate' },
    says: '工作表「学生」第8行「学号」列：与第2行重复',
  },
  {
    name: 'a 学号 Excel turned into scientific notation',
    edit: (d) => editCsv(d, '学生.csv', replaceIn('2023010201,', '2.02301E+09,')),
    expected: { sheet: '学生', row: 4, column: '学号', code: 'bad_number' },
    says: '科学计数法',
  },
  {
    name: 'an empty required cell',
    edit: (d) => editCsv(d, '学生.csv', replaceIn('2023010102,王芳,', '2023010102,,')),
    expected: { sheet: '学生', row: 3, column: '姓名', code: 'empty' },
  },
  {
    name: 'a parent of an unknown student',
    edit: (d) => editCsv(d, '家长.csv', append('2099999999,某某,父亲,,,wxid_nobody')),
    expected: { sheet: '家长', row: 9, column: '学生学号', code: 'unknown_student' },
  },
  {
    name: 'the same guardian twice',
    edit: (d) => editCsv(d, '家长.csv', append('2023010101,赵丽,母亲,,,')),
    expected: { sheet: '家长', row: 9, column: '姓名', code: 'duplicate' },
  },
  {
    name: 'a counselor of an unknown class',
    edit: (d) => editCsv(d, '教职工.csv', replaceIn(',英语2301,', ',英语2399,')),
    expected: { sheet: '教职工', row: 8, column: '负责班级', code: 'unknown_class' },
  },
  {
    name: 'a group of an unknown class',
    edit: (d) => editCsv(d, '群.csv', replaceIn(',英语2301,QQ', ',英语2399,QQ')),
    expected: { sheet: '群', row: 7, column: '班级', code: 'unknown_class' },
  },
  {
    name: 'staff of an unknown college',
    edit: (d) => editCsv(d, '教职工.csv', replaceIn('学院领导,计算机学院', '学院领导,数学学院')),
    expected: { sheet: '教职工', row: 5, column: '学院', code: 'unknown_college' },
  },
  {
    name: 'a group of an unknown college',
    edit: (d) => editCsv(d, '群.csv', replaceIn('外国语学院家长群,外国语学院', '外国语学院家长群,法学院')),
    expected: { sheet: '群', row: 10, column: '学院', code: 'unknown_college' },
  },
  {
    name: 'a college role without a college',
    edit: (d) => editCsv(d, '教职工.csv', replaceIn('党总支副书记,计算机学院', '党总支副书记,')),
    expected: { sheet: '教职工', row: 4, column: '学院', code: 'role_needs_college' },
  },
  {
    name: 'a class listed under two colleges',
    edit: (d) => editCsv(d, '学生.csv', append('2023020103,赵六,外国语学院,计算机2301,,,')),
    expected: { sheet: '学生', row: 8, column: '学院', code: 'class_college_conflict' },
  },
  {
    name: 'a bad role',
    edit: (d) => editCsv(d, '教职工.csv', replaceIn('孙涛,学院领导', '孙涛,院长')),
    expected: { sheet: '教职工', row: 5, column: '角色', code: 'bad_role' },
    says: '无法识别的角色「院长」',
  },
  {
    name: 'a bad level',
    edit: (d) => editCsv(d, '群.csv', replaceIn('宿舍群,', '五级,')),
    expected: { sheet: '群', row: 11, column: '级别', code: 'bad_level' },
  },
  {
    name: 'a bad platform',
    edit: (d) => editCsv(d, '群.csv', replaceIn('一级群,,,QQ', '一级群,,,钉钉')),
    expected: { sheet: '群', row: 2, column: '平台', code: 'bad_platform' },
  },
  {
    name: 'the same platform group twice',
    edit: (d) => editCsv(d, '群.csv', append('三级,英语2301班备用群,外国语学院,英语2301,QQ,700000006,qq-bot-2')),
    expected: { sheet: '群', row: 12, column: '群号', code: 'duplicate_platform_group' },
    says: '与第7行重复',
  },
  {
    name: 'a malformed phone',
    edit: (d) => editCsv(d, '学生.csv', replaceIn('13800000003', '1380000003')),
    expected: { sheet: '学生', row: 4, column: '手机', code: 'bad_phone' },
  },
  {
    name: 'one QQ for two people',
    edit: (d) => editCsv(d, '教职工.csv', replaceIn('200000002', '100000001')),
    expected: { sheet: '教职工', row: 3, column: 'QQ', code: 'duplicate_account' },
    says: '工作表「学生」第2行',
  },
  {
    // UTF-16 (what Excel's "Unicode text" saves): neither UTF-8 nor GBK. (GBK itself is read: see below.)
    name: 'a CSV that is neither UTF-8 nor GBK',
    edit: (d) => writeFileSync(join(d, '学生.csv'), Buffer.from('\ufeff学号,姓名\n', 'utf16le')),
    expected: { sheet: '学生.csv', row: 0, column: '', code: 'not_utf8' },
    says: '另存为「CSV UTF-8（逗号分隔）」',
  },
];

describe('a bad roster', () => {
  it.each(BAD_CASES)('is rejected whole, naming sheet, row and column: $name', async (bad) => {
    await importDir(SMALL);
    const before = dumpStore();
    const dir = copyOf(SMALL);
    bad.edit(dir);

    const error = await rosterError(dir);
    expect(error.code).toBe('ROSTER_INVALID');
    expect(error.issues).toContainEqual(expect.objectContaining(bad.expected));
    const issue = error.issues.find((i) => i.code === bad.expected.code);
    if (bad.says) expect(issue?.message).toContain(bad.says);
    expect(error.message).toContain(issue?.message ?? '?');

    await expect(importDir(dir)).rejects.toBeInstanceOf(RosterError);
    expect(dumpStore()).toEqual(before);
  });

  it('lists every problem at once', async () => {
    const dir = copyOf(SMALL);
    editCsv(dir, '教职工.csv', replaceIn('孙涛,学院领导', '孙涛,院长'));
    editCsv(dir, '家长.csv', append('2099999999,某某,父亲,,,'));
    editCsv(dir, '群.csv', replaceIn('宿舍群,', '五级,'));
    const error = await rosterError(dir);
    expect(error.issues.map((i) => [i.sheet, i.row, i.code])).toEqual([
      ['家长', 9, 'unknown_student'],
      ['教职工', 5, 'bad_role'],
      ['群', 11, 'bad_level'],
    ]);
    expect(error.message.split('\n')[0]).toBe('花名册有 3 处问题，未导入任何数据：');
  });

  it('caps the list at 200 problems and says how many more', async () => {
    const dir = copyOf(SMALL);
    const rows = Array.from({ length: 250 }, (_, i) => `2023010101,重复${i},计算机学院,计算机2301,,,`);
    editCsv(dir, '学生.csv', append(...rows));
    const error = await rosterError(dir);
    expect(error.total).toBe(250);
    expect(error.issues).toHaveLength(200);
    expect(error.message).toContain('另有 50 处问题未列出');
  });

  it('is rejected by applyRoster too when built in code', async () => {
    await importDir(SMALL);
    const before = dumpStore();
    const roster = await readRoster(SMALL);
    roster.guardians.push({ studentNo: '2099999999', name: '某某', relation: '父亲' });
    roster.staff[0]?.roles.push({ role: 'counselor', college: '外国语学院' });
    expect(() => applyRoster(db, roster, { source: 'code', now: NOW })).toThrow(RosterError);
    const issues = validateRoster(roster);
    expect(issues.map((i) => [i.sheet, i.row, i.column, i.code])).toEqual([
      ['家长', 9, '学生学号', 'unknown_student'],
      ['教职工', 2, '负责班级', 'counselor_needs_classes'],
    ]);
    expect(dumpStore()).toEqual(before);
  });

  it('leaves nothing behind when the store fails half-way through', async () => {
    await importDir(SMALL);
    const before = dumpStore();
    const roster = await readRoster(SMALL);
    const first = roster.students[0];
    if (first) first.name = '张炜';
    roster.students.push({ studentNo: '2023010203', name: '新同学', college: '计算机学院', className: '计算机2302' });
    db.$client.exec(`CREATE TRIGGER fail_new_student BEFORE INSERT ON persons WHEN NEW.ext_id = '2023010203'
      BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    expect(() => applyRoster(db, roster, { source: 'code', now: NOW + 1 })).toThrow('disk on fire');
    db.$client.exec('DROP TRIGGER fail_new_student');
    expect(dumpStore()).toEqual(before);
  });
});

describe('re-importing an updated roster', () => {
  it('updates, adds and deactivates people and reports what changed', async () => {
    await importDir(SMALL);
    const firstSnapshot = loadOrgSnapshot(db, 'S');
    const removed = firstSnapshot.people.find((p) => p.extId === '2023010202');
    const removedGuardian = firstSnapshot.people.find((p) => p.extId === '家长:2023010202:刘军');
    expect(removed && removedGuardian).toBeTruthy();
    // Someone confirmed a WeChat account by hand: the roster import must keep it.
    const wangFang = firstSnapshot.people.find((p) => p.extId === '2023010102');
    db.$client
      .prepare(`INSERT INTO bindings VALUES ('wechat', 'wxid_wangfang', ?, 'confirmed', ?)`)
      .run(wangFang?.id, NOW);

    const dir = copyOf(SMALL);
    editCsv(dir, '学生.csv', (lines) =>
      lines
        .map((l) => l.replace('2023010101,张伟,', '2023010101,张炜,'))
        .map((l) => l.replace('2023010102,王芳,计算机学院,计算机2301', '2023010102,王芳,计算机学院,计算机2302'))
        .map((l) => l.replace('13800000005', '13800000099'))
        .filter((l) => !l.startsWith('2023010202,'))
        .concat('2023010203,新同学,计算机学院,计算机2302,13800000010,100000010,'),
    );
    editCsv(dir, '家长.csv', (lines) =>
      lines.filter((l) => !l.startsWith('2023010202,')).concat('2023010203,新家长,母亲,13900000010,,wxid_p10'),
    );
    editCsv(dir, '教职工.csv', replaceIn('计算机2301、计算机2302', '计算机2301'));
    editCsv(dir, '群.csv', (lines) => lines.filter((l) => !l.startsWith('宿舍群,')));
    const report = await importDir(dir, NOW + 1000);

    expect(report.students).toEqual({ added: 1, updated: 3, unchanged: 2, removed: 1 });
    expect(report.guardians).toEqual({ added: 1, updated: 0, unchanged: 6, removed: 1 });
    expect(report.staff).toEqual({ added: 0, updated: 1, unchanged: 6, removed: 0 });
    expect(report.groups).toEqual({ added: 0, updated: 0, unchanged: 8, removed: 1 });
    const change = (id: string) => report.changes.find((c) => c.id === id);
    expect(change('2023010101')).toMatchObject({ action: 'updated', details: ['姓名：张伟→张炜'] });
    expect(change('2023010102')).toMatchObject({ action: 'updated', details: ['班级：计算机2301→计算机2302'] });
    expect(change('2023020101')).toMatchObject({ action: 'updated', details: ['手机已更新'] });
    expect(change('2023010202')).toMatchObject({ action: 'removed', name: '刘洋' });
    expect(change('2023010203')).toMatchObject({ action: 'added', name: '新同学' });
    expect(change('S111')?.details).toEqual(['负责班级：计算机2301、计算机2302→计算机2301']);
    expect(change('X:计算机学院:计算机学院男生宿舍群')).toMatchObject({ action: 'removed' });

    const text = formatImportReport(report);
    expect(text).toContain('学生：新增 1，更新 3，未变 2，移除 1');
    expect(text).toContain('姓名：张伟→张炜');
    expect(text).toContain('手机已更新');
    expect(text).not.toMatch(/1380000\d{4}|100000\d{3}|wxid_/);
    const summary = (db.$client.prepare('SELECT summary FROM imports ORDER BY id DESC').get() as { summary: string })
      .summary;
    expect(summary).not.toMatch(/1380000\d{4}/);

    const snapshot = loadOrgSnapshot(db, 'S');
    const org = new OrgIndex(snapshot);
    expect(org.personByExtId('2023010202')).toBeUndefined();
    expect(org.personByExtId('家长:2023010202:刘军')).toBeUndefined();
    expect(org.personByExtId('2023010101')?.name).toBe('张炜');
    expect(org.personByExtId('2023010102')?.classId).toBe(org.classNamed('计算机2302')?.id);
    expect(org.personByExtId('S111')?.counselorOf).toEqual([org.classNamed('计算机2301')?.id]);
    expect(org.groupByKeyName('X:计算机学院:计算机学院男生宿舍群')).toBeUndefined();
    expect(snapshot.platformGroups.some((pg) => pg.chatId === '700000007')).toBe(false);
    const newcomer = org.personByExtId('2023010203');
    expect(org.guardiansOf(newcomer?.id ?? 0).map((g) => org.person(g.guardianId)?.name)).toEqual(['新家长']);
    // Roster bindings follow the roster; the confirmed one stays.
    expect(org.personByPlatformAccount('qq', '100000004')).toBeUndefined();
    expect(org.personByPlatformAccount('wechat', 'wxid_wangfang')?.extId).toBe('2023010102');
    expect(org.personByPlatformAccount('qq', '100000010')?.id).toBe(newcomer?.id);
    const row = db.$client.prepare('SELECT active, phone, updated_at FROM persons WHERE ext_id = ?');
    expect(row.get('2023010202')).toEqual({ active: 0, phone: '13800000004', updated_at: NOW + 1000 });
    expect(row.get('2023020101')).toMatchObject({ active: 1, phone: '13800000099' });
    expect(row.get('2023020102')).toMatchObject({ updated_at: NOW });

    // The original roster again: the removed student and group come back with their old ids.
    const again = await importDir(SMALL, NOW + 2000);
    expect(again.students).toEqual({ added: 1, updated: 3, unchanged: 2, removed: 1 });
    expect(again.groups).toMatchObject({ added: 1, removed: 0 });
    expect(again.changes.find((c) => c.id === '2023010202')).toMatchObject({ action: 'reactivated' });
    const back = new OrgIndex(loadOrgSnapshot(db, 'S'));
    expect(back.personByExtId('2023010202')?.id).toBe(removed?.id);
    expect(back.personByExtId('家长:2023010202:刘军')?.id).toBe(removedGuardian?.id);
    expect(back.personByExtId('2023010203')).toBeUndefined();
    expect(back.groupByKeyName('X:计算机学院:计算机学院男生宿舍群')?.id).toBe(
      firstSnapshot.groups.find((g) => g.key === 'X:计算机学院:计算机学院男生宿舍群')?.id,
    );
  });

  it('moves a platform group between logical groups and changes its bots', async () => {
    await importDir(SMALL);
    const dir = copyOf(SMALL);
    editCsv(dir, '群.csv', (lines) =>
      lines
        .map((l) => l.replace('计算机学院家长群（二）,计算机学院,,微信,10000000002@chatroom', '外国语学院家长群（二）,外国语学院,,微信,10000000002@chatroom'))
        .map((l) => l.replace('700000006,qq-bot-2', '700000006,qq-bot-3、qq-bot-2')),
    );
    const report = await importDir(dir, NOW + 1);
    expect(report.groups).toEqual({ added: 0, updated: 3, unchanged: 6, removed: 0 });
    const org = new OrgIndex(loadOrgSnapshot(db, 'S'));
    expect(org.platformGroupsOf(org.groupByKeyName('L4:计算机学院')?.id ?? 0)).toHaveLength(1);
    expect(org.platformGroupsOf(org.groupByKeyName('L4:外国语学院')?.id ?? 0)).toHaveLength(2);
    expect(org.platformGroup('qq', '700000006')?.accounts).toEqual(['qq-bot-3', 'qq-bot-2']);
  });
});

describe('the synthetic campus', () => {
  it('is a valid roster of 32,000 students and 881 groups', () => {
    const roster = syntheticCampus({ colleges: 40, classesPerCollege: 20, studentsPerClass: 40 });
    expect(roster.students).toHaveLength(32_000);
    expect(roster.guardians).toHaveLength(32_000);
    expect(roster.staff).toHaveLength(40 * (2 + 10) + 3);
    expect(roster.groups).toHaveLength(881);
    expect(new Set(roster.groups.flatMap((g) => g.accounts))).toEqual(
      new Set(Array.from({ length: 20 }, (_, i) => `bot-${String(i + 1).padStart(2, '0')}`)),
    );
    expect(validateRoster(roster)).toEqual([]);
    expect(syntheticCampus({ colleges: 40, classesPerCollege: 20, studentsPerClass: 40 })).toEqual(roster);
  });

  it('applies and loads', () => {
    const roster: RosterData = syntheticCampus({ colleges: 40, classesPerCollege: 20, studentsPerClass: 40 });
    const report = applyRoster(db, roster, { source: 'synthetic', now: NOW });
    expect(report.students.added).toBe(32_000);
    expect(report.guardians.added).toBe(32_000);
    expect(report.staff.added).toBe(483);
    expect(report.groups.added).toBe(881);
    expect(report.changes).toHaveLength(100);
    expect(report.changesOmitted).toBe(32_000 + 32_000 + 483 + 881 - 100);
    const snapshot = loadOrgSnapshot(db, 'Synthetic');
    expect(snapshot.people).toHaveLength(64_483);
    expect(snapshot.guardianships).toHaveLength(32_000);
    expect(snapshot.classes).toHaveLength(800);
    expect(snapshot.colleges).toHaveLength(40);
    expect(snapshot.platformGroups).toHaveLength(881);
    expect(snapshot.bindings).toHaveLength(32_000 + 32_000 + 483 * 2);
    const org = new OrgIndex(snapshot);
    const klass = org.classNamed('01院01班');
    expect(org.studentsOf(klass?.id ?? 0)).toHaveLength(40);
    expect(org.counselorsOf(klass?.id ?? 0)).toHaveLength(1);
    expect(org.withRole('deputy_secretary', org.collegeNamed('第40学院')?.id ?? 0)).toHaveLength(1);
  });
});
