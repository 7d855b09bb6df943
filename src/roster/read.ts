/**
 * Reads a roster as schools have it, checks it, and returns it as RosterData. All or nothing: any problem
 * throws RosterError, naming the worksheet (or file), the row and the column as the school wrote them.
 *
 * The files become text tables in sources.ts (workbooks, CSV in UTF-8 or GBK, directories, zips, and the
 * limits a hostile file cannot pass). Several sources may be given together (students from
 * the 学工系统 export, staff and groups from files of their own). A worksheet or file is taken for one
 * of the four sheets (学生, 家长, 教职工, 群) by its name or, failing that, by its header; title rows above
 * the header are skipped. The student sheet may carry the guardians in columns (家长姓名/家长电话/关系,
 * 父亲…/母亲…, 监护人…, 家长2…). Columns nobody reads are listed in the report, never dropped silently.
 */
import type { StaffRole } from '../domain/org.js';
import { RosterError, rosterIssue, sortIssues, type RosterIssue } from './errors.js';
import {
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
import {
  columnLookup,
  guardianColumn,
  headerScore,
  isHeaderOf,
  SHEET_SPECS,
  sheetByHeader,
  sheetNamed,
  type GuardianColumn,
  type GuardianField,
  type SheetSpec,
} from './sheets.js';
import type { RosterContacts, RosterData, RosterReadProgress, RosterRowRefs, SheetName, SheetPlace } from './types.js';
import { cleanTable, loadPath, ROSTER_LIMITS, type RawTable, type RosterLimits, type TextEncodingName } from './sources.js';
import { validateRoster } from './validate.js';

export interface ReadRosterOptions {
  onProgress?: (progress: RosterReadProgress) => void;
  /** Limits a hostile or broken file cannot get past (defaults: ROSTER_LIMITS). */
  limits?: Partial<RosterLimits>;
}

export const PROGRESS_EVERY_ROWS = 1000;
/** A header is looked for in this many non-empty rows at the top of a sheet (title rows above it). */
export const HEADER_SEARCH_ROWS = 10;

/** A sheet as text; rows keep their spreadsheet numbers. */
export interface RawSheet {
  readonly spec: SheetSpec;
  readonly header: readonly string[];
  readonly rows: readonly { readonly rowNo: number; readonly cells: readonly string[] }[];
  /** How the school named it (worksheet or file name); the canonical name when absent. */
  readonly label?: string;
  /** The row that held the header (1 when absent). */
  readonly headerRow?: number;
  /** The file it came from, for the report. */
  readonly source?: string;
  /** How a CSV file was decoded. */
  readonly encoding?: TextEncodingName;
  /** Invisible or control characters removed from its cells. */
  readonly cleaned?: { readonly count: number; readonly where: readonly string[] };
}


/** What reading found, for the import summary: where each sheet came from and what was not read. */
export interface RosterReadReport {
  readonly sheets: readonly SheetReadReport[];
  /** Worksheets and files that are none of the four sheets (neither by name nor by header). */
  readonly skipped: readonly string[];
}

export interface SheetReadReport {
  readonly sheet: SheetName;
  /** `学生信息.xlsx 工作表「Sheet1」`, `教职工.csv`. */
  readonly source: string;
  readonly headerRow: number;
  readonly rows: number;
  /** Header cells no column is read from, as written. */
  readonly unused: readonly string[];
  /** Student sheet only: the guardian slots read from its columns (`家长1`, `父亲`, …). */
  readonly guardianSlots: readonly string[];
  readonly encoding?: TextEncodingName;
  /** Invisible or control characters removed (zero-width, direction marks, controls), and the first places. */
  readonly cleaned?: { readonly count: number; readonly where: readonly string[] };
}

export async function readRoster(paths: string | readonly string[], opts: ReadRosterOptions = {}): Promise<RosterData> {
  return (await readRosterWithReport(paths, opts)).roster;
}

export async function readRosterWithReport(
  paths: string | readonly string[],
  opts: ReadRosterOptions = {},
): Promise<{ roster: RosterData; report: RosterReadReport }> {
  const list = typeof paths === 'string' ? [paths] : paths;
  const limits: RosterLimits = { ...ROSTER_LIMITS, ...opts.limits };
  const tables: RawTable[] = [];
  const issues: RosterIssue[] = [];
  for (const path of list) tables.push(...(await loadPath(path, issues, limits)));
  // Every problem of the files at once: what they could not read, and their cells.
  const cleaned = tables.map((t) => cleanTable(t, limits, issues));
  if (issues.length > 0) throw new RosterError(issues);
  const { sheets, skipped } = recognise(cleaned);
  const read = readSheets(sheets, opts);
  return { roster: read.roster, report: { sheets: read.reports, skipped } };
}

// ------------------------------------------------------------------ recognising sheets

/** Takes each table for one of the four sheets, by name or by header, and finds its header row. */
function recognise(tables: readonly RawTable[]): { sheets: Map<SheetName, RawSheet>; skipped: string[] } {
  const sheets = new Map<SheetName, RawSheet>();
  const skipped: string[] = [];
  const issues: RosterIssue[] = [];
  for (const table of tables) {
    const top = table.rows.slice(0, HEADER_SEARCH_ROWS);
    const named = sheetNamed(table.label.normalize('NFC'));
    let spec: SheetSpec | undefined = named;
    let headerAt = named ? top.findIndex((r) => isHeaderOf(named, r.cells)) : -1;
    if (!named) {
      headerAt = top.findIndex((r) => sheetByHeader(r.cells) !== undefined);
      spec = headerAt < 0 ? undefined : sheetByHeader(top[headerAt]?.cells ?? []);
    }
    if (!spec) {
      if (table.rows.length > 0) skipped.push(table.source);
      continue;
    }
    // A named sheet whose header lacks a required column: the top row holding most of them is its header
    // (below a title row too), and the problems name what it lacks, at its row.
    if (headerAt < 0) {
      const sheetSpec = spec;
      const scores = top.map((r) => headerScore(sheetSpec, r.cells));
      const best = Math.max(0, ...scores);
      headerAt = best === 0 ? 0 : scores.indexOf(best);
    }
    const other = sheets.get(spec.name);
    if (other) {
      issues.push(
        rosterIssue(spec.name, 0, '', 'ambiguous_sheet', `${other.source ?? other.label ?? ''} 和 ${table.source} 都是「${spec.name}」，请只保留一个`),
      );
      continue;
    }
    const headerRow = table.rows[headerAt];
    sheets.set(spec.name, {
      spec,
      header: headerRow?.cells ?? [],
      headerRow: headerRow?.rowNo ?? 1,
      rows: table.rows.slice(headerAt + 1),
      label: table.label,
      source: table.source,
      ...(table.encoding ? { encoding: table.encoding } : {}),
      ...(table.cleaned ? { cleaned: table.cleaned } : {}),
    });
  }
  if (issues.length > 0) throw new RosterError(issues);
  return { sheets, skipped };
}

// ------------------------------------------------------------------ reading rows

/** Cell getter for one row: canonical column name → trimmed text ('' when the column is absent). */
type Cells = (column: string) => string;

interface SheetColumns {
  readonly index: ReadonlyMap<string, number>;
  /** Canonical column name → the header as written. */
  readonly headers: ReadonlyMap<string, string>;
  readonly unused: readonly string[];
  /** Student sheet: guardian slots in column order, each field's column. */
  readonly guardians: readonly GuardianSlot[];
}

interface GuardianSlot {
  readonly name: string;
  readonly relation: string;
  readonly fields: ReadonlyMap<GuardianField, { readonly at: number; readonly header: string }>;
}

function mapHeader(sheet: RawSheet, issues: RosterIssue[]): SheetColumns {
  const label = sheet.label ?? sheet.spec.name;
  const headerRow = sheet.headerRow ?? 1;
  const lookup = columnLookup(sheet.spec);
  const index = new Map<string, number>();
  const headers = new Map<string, string>();
  const unused: string[] = [];
  const slots = new Map<string, { relation: string; fields: Map<GuardianField, { at: number; header: string }> }>();
  sheet.header.forEach((text, i) => {
    const written = text.trim();
    if (written === '') return;
    const column = lookup.get(headerKey(text));
    if (column) {
      if (index.has(column.name)) {
        issues.push(rosterIssue(label, headerRow, written, 'duplicate_header', `与「${headers.get(column.name) ?? column.name}」列都是「${column.name}」`));
        return;
      }
      index.set(column.name, i);
      headers.set(column.name, written);
      return;
    }
    const g: GuardianColumn | undefined = sheet.spec.name === '学生' ? guardianColumn(text) : undefined;
    if (g) {
      let slot = slots.get(g.slot);
      if (!slot) slots.set(g.slot, (slot = { relation: g.relation, fields: new Map() }));
      if (slot.fields.has(g.field)) {
        issues.push(rosterIssue(label, headerRow, written, 'duplicate_header', `与「${slot.fields.get(g.field)?.header ?? ''}」列重复`));
        return;
      }
      slot.fields.set(g.field, { at: i, header: written });
      return;
    }
    unused.push(written);
  });
  for (const column of sheet.spec.columns) {
    if (column.required && !index.has(column.name)) {
      issues.push(
        rosterIssue(label, headerRow, column.name, 'missing_header', `缺少必需的列「${column.name}」（也可写作：${column.aliases.join('、')}）`),
      );
    }
  }
  // A slot with only a relation (a 关系 column and no parent) is not a guardian: its column is unused.
  const guardians: GuardianSlot[] = [];
  for (const [name, slot] of slots) {
    if ([...slot.fields.keys()].every((f) => f === '关系')) unused.push(...[...slot.fields.values()].map((f) => f.header));
    else guardians.push({ name, relation: slot.relation, fields: slot.fields });
  }
  return { index, headers, unused, guardians };
}

function missingSheetText(name: SheetName, spec: SheetSpec): string {
  const names = [spec.name, ...spec.aliases].join('、');
  const where =
    name === '学生'
      ? ''
      : '；也可以放在另一个文件里一起导入（cascade import 学生.xlsx 教职工.csv 群.csv），或在配置的 org 中列出多个文件';
  return `缺少工作表「${name}」（工作表名或 CSV 文件名可为：${names}，或首行为该表的表头${where}）`;
}

/** Turns recognised sheets into RosterData; exported for tests and callers that have rows already. */
export function rosterFromSheets(sheets: ReadonlyMap<SheetName, RawSheet>, opts: ReadRosterOptions = {}): RosterData {
  return readSheets(sheets, opts).roster;
}

function readSheets(
  sheets: ReadonlyMap<SheetName, RawSheet>,
  opts: ReadRosterOptions,
): { roster: RosterData; reports: SheetReadReport[] } {
  const issues: RosterIssue[] = [];
  const columns = new Map<SheetName, SheetColumns>();
  for (const spec of SHEET_SPECS) {
    const sheet = sheets.get(spec.name);
    if (sheet) columns.set(spec.name, mapHeader(sheet, issues));
  }
  const guardiansInStudents = (columns.get('学生')?.guardians.length ?? 0) > 0;
  for (const spec of SHEET_SPECS) {
    if (sheets.has(spec.name)) continue;
    // The guardians may all be in the student sheet's columns.
    if (spec.name === '家长' && guardiansInStudents) continue;
    issues.push(rosterIssue(spec.name, 0, '', 'missing_sheet', missingSheetText(spec.name, spec)));
  }
  if (issues.length > 0) throw new RosterError(issues);

  const data: RosterData = { students: [], guardians: [], staff: [], groups: [] };
  const placeOf = new Map<SheetName, SheetPlace>();
  const guardianPlaces: (SheetPlace | undefined)[] = [];
  const refs: RosterRowRefs = { students: [], guardians: [], staff: [], groups: [], places: { sheets: {}, guardians: guardianPlaces } };
  const reports: SheetReadReport[] = [];
  const rowIssues: RosterIssue[] = [];
  const rowReader = new RowReader(rowIssues);
  for (const spec of SHEET_SPECS) {
    const sheet = sheets.get(spec.name);
    const cols = columns.get(spec.name);
    if (!sheet || !cols) continue;
    const place: SheetPlace = { label: sheet.label ?? spec.name, columns: cols.headers };
    placeOf.set(spec.name, place);
    const slotPlaces = cols.guardians.map((slot) => guardianSlotPlace(place, cols, slot));
    const total = sheet.rows.length;
    sheet.rows.forEach((row, i) => {
      const at = (n: number | undefined): string => (n === undefined ? '' : (row.cells[n] ?? '').trim());
      const cells: Cells = (column) => at(cols.index.get(column));
      rowReader.read(spec.name, row.rowNo, cells, data, refs);
      if (spec.name === '学生') {
        cols.guardians.forEach((slot, s) => {
          if (readGuardianSlot(slot, (f) => at(slot.fields.get(f)?.at), cells('学号'), data)) {
            refs.guardians.push(row.rowNo);
            guardianPlaces[data.guardians.length - 1] = slotPlaces[s];
          }
        });
      }
      if ((i + 1) % PROGRESS_EVERY_ROWS === 0) opts.onProgress?.({ sheet: spec.name, rows: i + 1, total });
    });
    opts.onProgress?.({ sheet: spec.name, rows: total, total });
    reports.push({
      sheet: spec.name,
      source: sheet.source ?? place.label,
      headerRow: sheet.headerRow ?? 1,
      rows: total,
      unused: cols.unused,
      guardianSlots: cols.guardians.map((g) => g.name),
      ...(sheet.encoding ? { encoding: sheet.encoding } : {}),
      ...(sheet.cleaned ? { cleaned: sheet.cleaned } : {}),
    });
  }
  if (refs.places?.sheets) Object.assign(refs.places.sheets, Object.fromEntries(placeOf));
  // Rows were read under the canonical names: report them as the school wrote them.
  for (const i of rowIssues) {
    const place = placeOf.get(i.sheet as SheetName);
    issues.push(place ? rosterIssue(place.label, i.row, (i.column && place.columns?.get(i.column)) || i.column, i.code, i.detail) : i);
  }
  issues.push(...validateRoster(data, refs));
  if (issues.length > 0) throw new RosterError(sortIssues(withoutEchoes(issues)));
  return { roster: data, reports };
}

/** Where a guardian read from a student-sheet slot is reported: the student sheet, the slot's columns. */
function guardianSlotPlace(student: SheetPlace, cols: SheetColumns, slot: GuardianSlot): SheetPlace {
  const columns = new Map<string, string>([['学生学号', cols.headers.get('学号') ?? '学号']]);
  for (const [field, { header }] of slot.fields) columns.set(field, header);
  if (!slot.fields.has('姓名')) columns.set('姓名', `${slot.name}姓名`);
  return { label: student.label, columns };
}

/**
 * One guardian from a student row's slot: when any of its cells but the relation is filled. A slot
 * without a name (an export with 家长电话 only) is named by its relation (父亲, 家长).
 */
function readGuardianSlot(slot: GuardianSlot, cell: (f: GuardianField) => string, studentNo: string, data: RosterData): boolean {
  const name = normalizeName(cell('姓名'));
  const phone = cell('手机');
  const qq = normalizeId(cell('QQ'));
  const wechat = normalizeId(cell('微信'));
  if (!name && !phone && !qq && !wechat) return false;
  const relation = normalizeName(cell('关系')) || slot.relation;
  const contacts: RosterContacts = {};
  if (phone) contacts.phone = normalizePhone(phone);
  if (qq) contacts.qq = qq;
  if (wechat) contacts.wechat = wechat;
  data.guardians.push({ studentNo: normalizeId(studentNo), name: name || relation, relation, ...contacts });
  return true;
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

const ROLE_CHOICES = '组长、工作组成员、副书记、学院领导、辅导员、班主任';
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

/** The read report in Chinese, for `cascade import`: where each sheet came from and what was not read. */
export function formatReadReport(report: RosterReadReport): string {
  const lines: string[] = [];
  for (const s of report.sheets) {
    const parts = [`「${s.sheet}」← ${s.source}，表头在第 ${s.headerRow} 行，${s.rows} 行`];
    if (s.encoding === 'gb18030') parts.push('按 GBK 编码读取');
    if (s.guardianSlots.length > 0) parts.push(`家长取自本表的列（${s.guardianSlots.join('、')}）`);
    if (s.unused.length > 0) parts.push(`未使用的列：${s.unused.join('、')}`);
    if (s.cleaned) parts.push(`已去除不可见或控制字符 ${s.cleaned.count} 处（${s.cleaned.where.join('、')}${s.cleaned.count > s.cleaned.where.length ? ' 等' : ''}）`);
    lines.push(parts.join('；'));
  }
  for (const skipped of report.skipped) lines.push(`未读取：${skipped}（按名称和表头都不是花名册的工作表）`);
  return lines.join('\n');
}
