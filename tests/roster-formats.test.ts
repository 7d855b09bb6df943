/**
 * Rosters as schools have them (issue #13): the one-sheet 学工系统 export with guardians in columns and a
 * title row, any sheet name, staff and groups from files of their own, GBK CSVs and zips with GBK names,
 * unknown columns listed, 班主任, and the template.
 */
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owedBy } from '../src/domain/directive.js';
import { OrgIndex } from '../src/domain/org-index.js';
import { readRoster, readRosterWithReport, RosterError, type RosterData, type RosterIssue } from '../src/roster/index.js';
import { rosterTemplate } from '../src/roster/template.js';
import { closeDb, openDb, type Db } from '../src/store/db.js';
import { applyRoster, loadOrgSnapshot } from '../src/store/org-repo.js';
import { tempDir } from './setup/helpers.js';
import { windowsZip } from './setup/zip.js';

const SMALL = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/roster/small');
const STAFF = join(SMALL, '教职工.csv');
const GROUPS = join(SMALL, '群.csv');

let temp: { path: string; remove: () => void };
beforeEach(() => {
  temp = tempDir('roster-formats');
});
afterEach(() => temp.remove());

function csv(file: string): Record<string, string>[] {
  return parse(readFileSync(join(SMALL, file), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
}

/** Guardians in a stable order, to compare rosters read from different layouts. */
function sorted(data: RosterData): RosterData {
  const key = (g: RosterData['guardians'][number]): string => `${g.studentNo}\u0000${g.name}`;
  return { ...data, guardians: [...data.guardians].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) };
}

async function issuesOf(paths: string | string[]): Promise<RosterIssue[]> {
  try {
    await readRoster(paths);
  } catch (error) {
    if (error instanceof RosterError) return [...error.issues];
    throw error;
  }
  throw new Error('the roster was accepted');
}

/**
 * The small school's students and guardians as one sheet named Sheet1, the way a 学工系统 exports it: a
 * title row, then 序号, 学号, 学生姓名, 性别, 院系, 所在班级, 联系电话, QQ号, 微信号, the guardians in columns
 * (家长姓名, 关系, 家长电话, 家长微信, then 家长2…), and 班主任/辅导员.
 */
async function oneSheetExport(file: string, edit?: (rows: (string | number)[][]) => void): Promise<void> {
  const students = csv('学生.csv');
  const guardians = csv('家长.csv');
  const header = ['序号', '学号', '学生姓名', '性别', '院系', '所在班级', '联系电话', 'QQ号', '微信号', '家长姓名', '关系', '家长电话', '家长微信', '家长2姓名', '家长2关系', '家长2电话', '家长2微信', '班主任/辅导员'];
  const rows: (string | number)[][] = students.map((s, i) => {
    const mine = guardians.filter((g) => g['学生学号'] === s['学号']);
    const slot = (n: number): string[] => {
      const g = mine[n];
      return g ? [g['姓名'] ?? '', g['关系'] ?? '', g['手机'] ?? '', g['微信'] ?? ''] : ['', '', '', ''];
    };
    // 学号 and phones as numbers, as Excel keeps them when nobody set the column to text.
    return [i + 1, Number(s['学号']), s['姓名'] ?? '', '男', s['学院'] ?? '', s['班级'] ?? '', Number(s['手机']), s['QQ'] ?? '', s['微信'] ?? '', ...slot(0), ...slot(1), '周老师'];
  });
  edit?.(rows);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  ws.addRow(['计算机学院2023级学生信息汇总表']);
  ws.mergeCells(1, 1, 1, header.length);
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
}

describe('the one-sheet 学工系统 export', () => {
  it('is read with its title row, any sheet name and the guardians in columns; staff and groups come from files of their own', async () => {
    const file = join(temp.path, '学生信息汇总.xlsx');
    await oneSheetExport(file);
    const { roster, report } = await readRosterWithReport([file, STAFF, GROUPS]);
    expect(sorted(roster)).toEqual(sorted(await readRoster(SMALL)));
    const students = report.sheets.find((s) => s.sheet === '学生');
    expect(students).toMatchObject({ headerRow: 2, rows: 6, guardianSlots: ['家长1', '家长2'] });
    expect(students?.source).toContain('Sheet1');
    // Nothing dropped silently: what is not read is listed.
    expect(students?.unused).toEqual(['序号', '性别', '班主任/辅导员']);
    expect(report.sheets.map((s) => s.sheet)).toEqual(['学生', '教职工', '群']);
  });

  it('stores the parents\' phones of the header a school really sends (家长姓名, 家长电话, no 关系)', async () => {
    const file = join(temp.path, 'export.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(['计算机学院2023级学生信息汇总表']);
    ws.addRow(['序号', '学号', '学生姓名', '性别', '院系', '所在班级', '联系电话', '家长姓名', '家长电话', '班主任/辅导员']);
    ws.addRow([1, '2023010101', '张伟', '男', '计算机学院', '计算机2301', '13800000001', '张建国', '139 0000 0001', '周老师']);
    ws.addRow([2, '2023010102', '王芳', '女', '计算机学院', '计算机2301', '13800000002', '', '13900000003', '周老师']);
    await wb.xlsx.writeFile(file);
    const minimal = join(temp.path, 'groups.csv');
    writeFileSync(minimal, '级别,名称,学院,班级,平台,群号,账号\n一级,一级群,,,QQ,700000001,qq-bot-1\n');
    const staff = join(temp.path, 'staff.csv');
    writeFileSync(staff, '工号,姓名,角色,学院,负责班级\nT001,周建华,组长,,\nS201,周老师,辅导员,计算机学院,计算机2301\n');
    const roster = await readRoster([file, staff, minimal]);
    expect(roster.guardians).toEqual([
      { studentNo: '2023010101', name: '张建国', relation: '家长', phone: '13900000001' },
      // A phone without a name is a guardian still, named by the relation.
      { studentNo: '2023010102', name: '家长', relation: '家长', phone: '13900000003' },
    ]);
  });

  it('reads 父亲 / 母亲 and 监护人 columns as guardians with those relations', async () => {
    const dir = join(temp.path, 'parents');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'students.csv'),
      [
        '学号,学生姓名,院系,所在班级,父亲姓名,父亲电话,母亲姓名,母亲手机,监护人,监护人电话,监护人关系',
        '2023010101,张伟,计算机学院,计算机2301,张建国,13900000001,赵丽,13900000002,,,',
        '2023010102,王芳,计算机学院,计算机2301,,,,,王奶奶,13900000009,祖母',
      ].join('\n'),
    );
    writeFileSync(join(dir, '教职工.csv'), '工号,姓名,角色\nT001,周建华,组长\n');
    writeFileSync(join(dir, '群.csv'), '级别,名称,学院,班级,平台,群号,账号\n一级,一级群,,,QQ,700000001,qq-bot-1\n');
    const roster = await readRoster(dir);
    expect(roster.guardians).toEqual([
      { studentNo: '2023010101', name: '张建国', relation: '父亲', phone: '13900000001' },
      { studentNo: '2023010101', name: '赵丽', relation: '母亲', phone: '13900000002' },
      { studentNo: '2023010102', name: '王奶奶', relation: '祖母', phone: '13900000009' },
    ]);
  });

  it('names the worksheet, row and column as the school wrote them, and imports nothing', async () => {
    const file = join(temp.path, 'bad.xlsx');
    await oneSheetExport(file, (rows) => {
      const third = rows[2];
      if (third) third[11] = '1390000'; // 家长电话 of the student on spreadsheet row 5
      const first = rows[0];
      if (first) first[2] = ''; // 学生姓名 on row 3
    });
    const issues = await issuesOf([file, STAFF, GROUPS]);
    expect(issues).toContainEqual(expect.objectContaining({ sheet: 'Sheet1', row: 5, column: '家长电话', code: 'bad_phone' }));
    expect(issues).toContainEqual(expect.objectContaining({ sheet: 'Sheet1', row: 3, column: '学生姓名', code: 'empty' }));
    expect(issues.find((i) => i.code === 'bad_phone')?.message).toBe('工作表「Sheet1」第5行「家长电话」列：手机号应为以 1 开头的 11 位数字');
  });

  it('says where staff and groups may come from when they are missing', async () => {
    const file = join(temp.path, 'only-students.xlsx');
    await oneSheetExport(file);
    const issues = await issuesOf(file);
    expect(issues.map((i) => [i.sheet, i.code])).toEqual([
      ['教职工', 'missing_sheet'],
      ['群', 'missing_sheet'],
    ]);
    expect(issues[0]?.message).toContain('另一个文件');
    // Not "缺少工作表「学生」": the student sheet was found by its header.
    expect(issues.some((i) => i.sheet === '学生')).toBe(false);
  });

  it('lists a worksheet it cannot place instead of guessing', async () => {
    const file = join(temp.path, 'extra.xlsx');
    await oneSheetExport(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    wb.addWorksheet('统计').addRow(['学院', '人数']);
    await wb.xlsx.writeFile(file);
    const { report } = await readRosterWithReport([file, STAFF, GROUPS]);
    expect(report.skipped).toEqual(['extra.xlsx 工作表「统计」']);
  });
});

describe('encodings', () => {
  /** The small school's CSV files re-encoded as GBK, the way Excel in China saves "CSV". */
  function gbkCopy(): string {
    const dir = join(temp.path, 'gbk');
    mkdirSync(dir);
    for (const f of readdirSync(SMALL)) writeFileSync(join(dir, f), iconv.encode(readFileSync(join(SMALL, f), 'utf8'), 'gbk'));
    return dir;
  }

  it('reads GBK CSV files exactly like UTF-8 ones and says so', async () => {
    const { roster, report } = await readRosterWithReport(gbkCopy());
    expect(roster).toEqual(await readRoster(SMALL));
    expect(report.sheets.map((s) => s.encoding)).toEqual(['gb18030', 'gb18030', 'gb18030', 'gb18030']);
  });

  it('reads a zip made on Windows, whose file names are GBK', async () => {
    const gbk = gbkCopy();
    const file = join(temp.path, '花名册.zip');
    writeFileSync(
      file,
      windowsZip(readdirSync(gbk).map((f) => ({ name: iconv.encode(`名单/${f}`, 'gbk'), data: readFileSync(join(gbk, f)) }))),
    );
    // The names really are GBK: their UTF-8 reading is not the name.
    expect(readFileSync(file).includes(Buffer.from('学生.csv'))).toBe(false);
    const { roster, report } = await readRosterWithReport(file);
    expect(roster).toEqual(await readRoster(SMALL));
    expect(report.sheets.map((s) => s.source)).toContain('花名册.zip 中的 学生.csv');
  });
});

describe('班主任', () => {
  let db: Db;
  beforeEach(() => {
    db = openDb(':memory:');
  });
  afterEach(() => closeDb(db));

  async function withHeadTeacher(): Promise<RosterData> {
    const dir = join(temp.path, 'head');
    mkdirSync(dir);
    for (const f of readdirSync(SMALL)) writeFileSync(join(dir, f), readFileSync(join(SMALL, f)));
    writeFileSync(join(dir, '教职工.csv'), `${readFileSync(STAFF, 'utf8').trimEnd()}\nH001,陈静,班主任,计算机学院,计算机2301,13700000099,,\n`);
    return readRoster(dir);
  }

  it('is a role: a counselor\'s rights for their classes, not in the college group unless the config says so', async () => {
    applyRoster(db, await withHeadTeacher(), { source: 'test', now: 0 });
    const snapshot = loadOrgSnapshot(db, '示范大学');
    const org = new OrgIndex(snapshot);
    const head = org.personByRef('H001');
    const klass = org.classes.find((k) => k.name === '计算机2301');
    expect(head?.roles.map((r) => r.role)).toEqual(['head_teacher']);
    expect(klass && org.counselorsOf(klass.id)).toContain(head);
    const college = org.colleges.find((c) => c.name === '计算机学院');
    if (!college || !head) throw new Error('fixture');
    expect(org.collegeCounselors(college.id)).not.toContain(head);
    const l2 = org.groups.find((g) => g.level === 2 && g.collegeId === college.id);
    if (!l2) throw new Error('fixture');
    const directive = { id: 1, depth: 4, collegeIds: null, mode: 'immediate' } as unknown as Parameters<typeof owedBy>[1];
    expect(owedBy(org, directive, head, l2)).toEqual([]);

    const inCollegeGroup = new OrgIndex(snapshot, { headTeachersInCollegeGroup: true });
    const head2 = inCollegeGroup.personByRef('H001');
    if (!head2) throw new Error('fixture');
    expect(inCollegeGroup.collegeCounselors(college.id)).toContain(head2);
    expect(owedBy(inCollegeGroup, directive, head2, l2)).toEqual([{ level: 2, subjectId: head2.id, collegeId: college.id, classId: null }]);
  });

  it('needs classes, like a counselor', async () => {
    const dir = join(temp.path, 'noclass');
    mkdirSync(dir);
    for (const f of readdirSync(SMALL)) writeFileSync(join(dir, f), readFileSync(join(SMALL, f)));
    writeFileSync(join(dir, '教职工.csv'), `${readFileSync(STAFF, 'utf8').trimEnd()}\nH001,陈静,班主任,计算机学院,,,,\n`);
    const issues = await issuesOf(dir);
    expect(issues).toContainEqual(expect.objectContaining({ sheet: '教职工', column: '负责班级', code: 'counselor_needs_classes' }));
  });
});

describe('cascade template', () => {
  it('writes the four sheets and the instructions; filled in, it imports like the CSV files', async () => {
    const file = join(temp.path, 'template.xlsx');
    await rosterTemplate().xlsx.writeFile(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['说明', '学生', '家长', '教职工', '群']);
    const header = (name: string): string[] => {
      const row = wb.getWorksheet(name)?.getRow(1);
      const out: string[] = [];
      row?.eachCell((c) => out.push(String(c.value)));
      return out;
    };
    expect(header('学生').slice(0, 4)).toEqual(['学号', '姓名', '学院', '班级']);
    expect(header('学生')).toContain('家长1电话');
    expect(wb.getWorksheet('学生')?.getColumn(1).numFmt).toBe('@');
    // Fill each sheet from the small school's CSV files, by header name.
    for (const [sheet, source] of [['学生', '学生.csv'], ['家长', '家长.csv'], ['教职工', '教职工.csv'], ['群', '群.csv']] as const) {
      const ws = wb.getWorksheet(sheet);
      const names = header(sheet);
      for (const r of csv(source)) ws?.addRow(names.map((n) => r[n] ?? ''));
    }
    await wb.xlsx.writeFile(file);
    const { roster, report } = await readRosterWithReport(file);
    expect(roster).toEqual(await readRoster(SMALL));
    expect(report.skipped).toEqual(['template.xlsx 工作表「说明」']);
  });
});

describe('a header with a column missing', () => {
  it('is found below a title row and the problem named at its own row', async () => {
    const dir = join(temp.path, 'missing');
    mkdirSync(dir);
    for (const f of readdirSync(SMALL)) writeFileSync(join(dir, f), readFileSync(join(SMALL, f)));
    const lines = readFileSync(join(SMALL, '学生.csv'), 'utf8').split('\n');
    writeFileSync(join(dir, '学生.csv'), ['学生名单（2023级）', lines[0]?.replace('班级', '行政班级名') ?? '', ...lines.slice(1)].join('\n'));
    const issues = await issuesOf(dir);
    expect(issues.map((i) => [i.sheet, i.row, i.column, i.code])).toEqual([['学生', 2, '班级', 'missing_header']]);
  });
});

describe('hostile rosters (issue #14)', () => {
  function copySmall(name: string): string {
    const dir = join(temp.path, name);
    mkdirSync(dir);
    for (const f of readdirSync(SMALL)) writeFileSync(join(dir, f), readFileSync(join(SMALL, f)));
    return dir;
  }

  it('refuses a file over the size limit before reading it, naming the limit', async () => {
    const dir = copySmall('big');
    const issues = await (async () => {
      try {
        await readRoster(dir, { limits: { maxBytes: 100 } });
      } catch (e) {
        return e instanceof RosterError ? e.issues : [];
      }
      return [];
    })();
    expect(issues.map((i) => i.code)).toContain('file_too_large');
    expect(issues[0]?.message).toContain('超过了 0 MB 的上限');
  });

  it('counts rows past the limit without keeping them, and says so', async () => {
    const file = join(temp.path, 'many.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('学生');
    ws.addRow(['学号', '姓名', '学院', '班级']);
    for (let i = 0; i < 60; i++) ws.addRow([`20230199${String(i).padStart(2, '0')}`, '某某', '计算机学院', '计算机2301']);
    await wb.xlsx.writeFile(file);
    let issues: readonly RosterIssue[] = [];
    try {
      await readRoster([file, STAFF, GROUPS], { limits: { maxRowsPerSheet: 50 } });
    } catch (e) {
      if (e instanceof RosterError) issues = e.issues;
    }
    expect(issues).toContainEqual(expect.objectContaining({ sheet: '学生', code: 'too_many_rows' }));
    expect(issues.find((i) => i.code === 'too_many_rows')?.detail).toBe('有 61 行，超过了每个工作表 50 行的上限；请拆分后分别导入');
    // A small file whose sheets unpack past three times the limit is refused before it is parsed.
    const bomb = join(temp.path, 'bomb.xlsx');
    const big = new ExcelJS.Workbook();
    const sheet = big.addWorksheet('学生');
    for (let i = 0; i < 3000; i++) sheet.addRow(['计算机学院计算机学院计算机学院', '计算机2301计算机2301计算机2301']);
    await big.xlsx.writeFile(bomb);
    const size = statSync(bomb).size;
    let unpacked: readonly RosterIssue[] = [];
    try {
      await readRoster(bomb, { limits: { maxBytes: size + 1 } });
    } catch (e) {
      if (e instanceof RosterError) unpacked = e.issues;
    }
    expect(unpacked.map((i) => i.code)).toEqual(['file_too_large']);
    expect(unpacked[0]?.detail).toContain('工作表解压后有');
  });

  it('refuses a 400-character cell and a formula without a value, naming the cell', async () => {
    const file = join(temp.path, 'cells.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('学生');
    ws.addRow(['学号', '姓名', '学院', '班级']);
    ws.addRow(['2023010101', '长'.repeat(400), '计算机学院', '计算机2301']);
    ws.addRow(['2023010102', { formula: 'CONCAT("王","芳")' }, '计算机学院', '计算机2301']);
    await wb.xlsx.writeFile(file);
    const issues = await issuesOf([file, STAFF, GROUPS]);
    expect(issues).toContainEqual(expect.objectContaining({ sheet: '学生', row: 2, column: 'B列', code: 'cell_too_long' }));
    expect(issues).toContainEqual(expect.objectContaining({ sheet: '学生', row: 3, column: 'B列', code: 'formula_without_value' }));
    expect(JSON.stringify(issues)).not.toContain('[object Object]');
  });

  it('removes zero-width, direction and control characters from names and says where', async () => {
    const dir = copySmall('invisible');
    const lines = readFileSync(join(dir, '学生.csv'), 'utf8').split('\n');
    lines[1] = lines[1]?.replace('张伟', '张\u200b伟\u202e') ?? '';
    lines[2] = lines[2]?.replace('王芳', '王\u0007芳') ?? '';
    writeFileSync(join(dir, '学生.csv'), lines.join('\n'));
    const { roster, report } = await readRosterWithReport(dir);
    expect(roster.students.slice(0, 2).map((s) => s.name)).toEqual(['张伟', '王芳']);
    expect(report.sheets.find((s) => s.sheet === '学生')?.cleaned).toEqual({ count: 2, where: ['第2行B列', '第3行B列'] });
  });
});
