/**
 * Reads a roster workbook (.xlsx with sheets 学生, 家长, 教职工, 群) or a directory of CSV files
 * (学生.csv, ...), checks it, and returns it as RosterData. All or nothing: any problem throws RosterError.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { StaffRole } from '../domain/org.js';
import { RosterError, rosterIssue, sortIssues, type RosterIssue } from './errors.js';
import {
  cellText,
  headerKey,
  isCollegeRole,
  normalizeId,
  normalizeName,
  normalizePhone,
  parseLevel,
  parsePlatform,
  parseRole,
  splitList,
} from './normalize.js';
import { columnLookup, SHEET_SPECS, sheetNamed, type SheetSpec } from './sheets.js';
import type { RosterContacts, RosterData, RosterReadProgress, RosterRowRefs, SheetName } from './types.js';
import { validateRoster } from './validate.js';

export interface ReadRosterOptions {
  onProgress?: (progress: RosterReadProgress) => void;
}

/** Progress is reported at least this often while reading rows, and at the end of each sheet. */
export const PROGRESS_EVERY_ROWS = 1000;

/** A sheet as text: row 1 is the header; rows keep their spreadsheet numbers. */
export interface RawSheet {
  readonly spec: SheetSpec;
  readonly header: readonly string[];
  readonly rows: readonly { readonly rowNo: number; readonly cells: readonly string[] }[];
}

export async function readRoster(path: string, opts: ReadRosterOptions = {}): Promise<RosterData> {
  const sheets = await loadSheets(path);
  return rosterFromSheets(sheets, opts);
}

async function loadSheets(path: string): Promise<Map<SheetName, RawSheet>> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new RosterError([rosterIssue('', 0, '', 'file_unreadable', `找不到花名册：${path}`)]);
  }
  if (isDir) return loadCsvDir(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.xlsx') return loadWorkbook(path);
  const hint = ext === '.xls' ? '旧版 .xls 格式不受支持，请在 Excel 中另存为 .xlsx' : '花名册应为 .xlsx 工作簿或存放 CSV 文件的目录';
  throw new RosterError([rosterIssue(basename(path), 0, '', 'file_unreadable', hint)]);
}

async function loadWorkbook(path: string): Promise<Map<SheetName, RawSheet>> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new RosterError([rosterIssue(basename(path), 0, '', 'file_unreadable', `无法读取工作簿（${reason}）`)]);
  }
  const found = new Map<SheetName, RawSheet>();
  const issues: RosterIssue[] = [];
  for (const ws of workbook.worksheets) {
    const spec = sheetNamed(ws.name);
    if (!spec) continue;
    if (found.has(spec.name)) {
      issues.push(rosterIssue(spec.name, 0, '', 'ambiguous_sheet', `工作簿中有两个工作表都对应「${spec.name}」（${ws.name}）`));
      continue;
    }
    const width = ws.columnCount;
    const rowText = (row: ExcelJS.Row): string[] => {
      const cells: string[] = [];
      for (let col = 1; col <= width; col++) cells.push(cellText(row.getCell(col).value));
      return cells;
    };
    const rows: { rowNo: number; cells: string[] }[] = [];
    let header: string[] = [];
    ws.eachRow({ includeEmpty: false }, (row, rowNo) => {
      if (rowNo === 1) header = rowText(row);
      else {
        const cells = rowText(row);
        if (cells.some((c) => c.trim() !== '')) rows.push({ rowNo, cells });
      }
    });
    found.set(spec.name, { spec, header, rows });
  }
  if (issues.length > 0) throw new RosterError(issues);
  return found;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function loadCsvDir(dir: string): Promise<Map<SheetName, RawSheet>> {
  const files = (await readdir(dir)).filter((f) => extname(f).toLowerCase() === '.csv').sort();
  const found = new Map<SheetName, RawSheet>();
  const fileOf = new Map<SheetName, string>();
  const issues: RosterIssue[] = [];
  for (const file of files) {
    const spec = sheetNamed(basename(file, extname(file)).normalize('NFC'));
    if (!spec) continue;
    const other = fileOf.get(spec.name);
    if (other !== undefined) {
      issues.push(rosterIssue(spec.name, 0, '', 'ambiguous_sheet', `${other} 和 ${file} 都对应「${spec.name}」，请只保留一个`));
      continue;
    }
    fileOf.set(spec.name, file);
    const bytes = await readFile(join(dir, file));
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      issues.push(
        rosterIssue(spec.name, 0, '', 'not_utf8', `${file} 不是 UTF-8 编码（可能是 GBK/GB18030），请在 Excel 中另存为「CSV UTF-8（逗号分隔）」`),
      );
      continue;
    }
    let records: string[][];
    try {
      records = parse(text, { bom: true, relax_column_count: true }) as string[][];
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      issues.push(rosterIssue(spec.name, 0, '', 'file_unreadable', `${file} 不是有效的 CSV（${reason}）`));
      continue;
    }
    const [header = [], ...body] = records;
    const rows = body.map((cells, i) => ({ rowNo: i + 2, cells })).filter((r) => r.cells.some((c) => c.trim() !== ''));
    found.set(spec.name, { spec, header, rows });
  }
  if (issues.length > 0) throw new RosterError(issues);
  return found;
}

/** Cell getter for one row: canonical column name → trimmed text ('' when the column is absent). */
type Cells = (column: string) => string;

interface SheetColumns {
  readonly index: ReadonlyMap<string, number>;
}

function mapHeader(sheet: RawSheet, issues: RosterIssue[]): SheetColumns {
  const lookup = columnLookup(sheet.spec);
  const index = new Map<string, number>();
  sheet.header.forEach((text, i) => {
    const column = lookup.get(headerKey(text));
    if (!column) return; // extra columns are allowed and ignored
    if (index.has(column.name)) {
      issues.push(rosterIssue(sheet.spec.name, 1, column.name, 'duplicate_header', `有两列都是「${column.name}」`));
      return;
    }
    index.set(column.name, i);
  });
  for (const column of sheet.spec.columns) {
    if (column.required && !index.has(column.name)) {
      issues.push(
        rosterIssue(
          sheet.spec.name,
          1,
          column.name,
          'missing_header',
          `缺少必需的列「${column.name}」（也可写作：${column.aliases.join('、')}）`,
        ),
      );
    }
  }
  return { index };
}

/** Turns checked sheets into RosterData; exported for tests and callers that have rows already. */
export function rosterFromSheets(sheets: ReadonlyMap<SheetName, RawSheet>, opts: ReadRosterOptions = {}): RosterData {
  const issues: RosterIssue[] = [];
  const columns = new Map<SheetName, SheetColumns>();
  for (const spec of SHEET_SPECS) {
    const sheet = sheets.get(spec.name);
    if (!sheet) {
      const names = [spec.name, ...spec.aliases].join('、');
      issues.push(rosterIssue(spec.name, 0, '', 'missing_sheet', `缺少工作表「${spec.name}」（工作表名或 CSV 文件名可为：${names}）`));
      continue;
    }
    columns.set(spec.name, mapHeader(sheet, issues));
  }
  if (issues.length > 0) throw new RosterError(issues);

  const data: RosterData = { students: [], guardians: [], staff: [], groups: [] };
  const refs: RosterRowRefs = { students: [], guardians: [], staff: [], groups: [] };
  const rowReader = new RowReader(issues);
  for (const spec of SHEET_SPECS) {
    const sheet = sheets.get(spec.name);
    const index = columns.get(spec.name)?.index;
    if (!sheet || !index) continue;
    const total = sheet.rows.length;
    sheet.rows.forEach((row, i) => {
      const cells: Cells = (column) => {
        const at = index.get(column);
        return at === undefined ? '' : (row.cells[at] ?? '').trim();
      };
      rowReader.read(spec.name, row.rowNo, cells, data, refs);
      if ((i + 1) % PROGRESS_EVERY_ROWS === 0) opts.onProgress?.({ sheet: spec.name, rows: i + 1, total });
    });
    opts.onProgress?.({ sheet: spec.name, rows: total, total });
  }
  issues.push(...validateRoster(data, refs));
  if (issues.length > 0) throw new RosterError(sortIssues(withoutEchoes(issues)));
  return data;
}

/** A cell whose words could not be read is also empty to the validator; report it once. */
function withoutEchoes(issues: RosterIssue[]): RosterIssue[] {
  const at = (i: RosterIssue): string => `${i.sheet}\u0000${i.row}\u0000${i.column}`;
  const specific = new Set(issues.filter((i) => i.code !== 'empty').map(at));
  return issues.filter((i) => i.code !== 'empty' || !specific.has(at(i)));
}

function contacts(cells: Cells): RosterContacts {
  const phone = cells('手机');
  const qq = normalizeId(cells('QQ'));
  const wechat = normalizeId(cells('微信'));
  const out: RosterContacts = {};
  if (phone) out.phone = normalizePhone(phone);
  if (qq) out.qq = qq;
  if (wechat) out.wechat = wechat;
  return out;
}

const ROLE_CHOICES = '组长、工作组成员、副书记、学院领导、辅导员';
const LEVEL_CHOICES = '1/一级/L1、2、3、4、宿舍群、干部群、党员群、其他';

/** Reads one row of a sheet into RosterData; problems only these words reveal go to `issues`. */
class RowReader {
  constructor(private readonly issues: RosterIssue[]) {}

  read(sheet: SheetName, rowNo: number, cells: Cells, data: RosterData, refs: RosterRowRefs): void {
    switch (sheet) {
      case '学生':
        data.students.push({
          studentNo: normalizeId(cells('学号')),
          name: normalizeName(cells('姓名')),
          college: normalizeName(cells('学院')),
          className: normalizeName(cells('班级')),
          ...contacts(cells),
        });
        refs.students.push(rowNo);
        return;
      case '家长':
        data.guardians.push({
          studentNo: normalizeId(cells('学生学号')),
          name: normalizeName(cells('姓名')),
          relation: normalizeName(cells('关系')) || '家长',
          ...contacts(cells),
        });
        refs.guardians.push(rowNo);
        return;
      case '教职工':
        this.readStaff(rowNo, cells, data, refs);
        return;
      case '群':
        this.readGroup(rowNo, cells, data, refs);
        return;
    }
  }

  private readStaff(rowNo: number, cells: Cells, data: RosterData, refs: RosterRowRefs): void {
    const college = normalizeName(cells('学院')) || null;
    const roles: StaffRole[] = [];
    for (const word of splitList(cells('角色'))) {
      const role = parseRole(word);
      if (!role) {
        this.issues.push(rosterIssue('教职工', rowNo, '角色', 'bad_role', `无法识别的角色「${word}」（可用：${ROLE_CHOICES}）`));
      } else if (!roles.includes(role)) roles.push(role);
    }
    data.staff.push({
      staffNo: normalizeId(cells('工号')),
      name: normalizeName(cells('姓名')),
      roles: roles.map((role) => ({ role, college: isCollegeRole(role) ? college : null })),
      college,
      classes: [...new Set(splitList(cells('负责班级')).map(normalizeName))],
      ...contacts(cells),
    });
    refs.staff.push(rowNo);
  }

  private readGroup(rowNo: number, cells: Cells, data: RosterData, refs: RosterRowRefs): void {
    const levelText = cells('级别');
    const platformText = cells('平台');
    const levelKind = levelText ? parseLevel(levelText) : null;
    const platform = platformText ? parsePlatform(platformText) : null;
    if (!levelText) this.issues.push(rosterIssue('群', rowNo, '级别', 'empty', '不能为空'));
    else if (!levelKind) {
      this.issues.push(rosterIssue('群', rowNo, '级别', 'bad_level', `无法识别的级别「${levelText}」（可用：${LEVEL_CHOICES}）`));
    }
    if (!platformText) this.issues.push(rosterIssue('群', rowNo, '平台', 'empty', '不能为空'));
    else if (!platform) {
      this.issues.push(rosterIssue('群', rowNo, '平台', 'bad_platform', `无法识别的平台「${platformText}」（可用：QQ、微信）`));
    }
    if (!levelKind || !platform) return;
    const { level, kind } = levelKind;
    data.groups.push({
      level,
      kind,
      name: normalizeName(cells('名称')),
      college: level === 1 ? null : normalizeName(cells('学院')) || null,
      className: level === 3 ? normalizeName(cells('班级')) || null : null,
      platform,
      chatId: normalizeId(cells('群号')),
      accounts: [...new Set(splitList(cells('账号')).flatMap((a) => a.split(/\s+/)).map(normalizeId).filter((a) => a))],
    });
    refs.groups.push(rowNo);
  }
}
