/**
 * A roster's files as text tables: .xlsx workbooks, .csv files (UTF-8 or GBK/GB18030), directories of them
 * and .zip archives of them (entry names in UTF-8 or, from Windows, GBK). Limits a hostile or broken file
 * cannot get past are checked before and while reading (issue #14), and invisible characters are removed
 * from every cell (and listed). What the tables mean is read.ts's.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import JSZip from 'jszip';
import { rosterIssue, type RosterIssue } from './errors.js';
import { cellText } from './normalize.js';

export interface RosterLimits {
  /** A file (or a zip entry, unpacked) larger than this is refused before it is read. */
  readonly maxBytes: number;
  /** Rows a sheet may hold; reading stops counting past ten times this. */
  readonly maxRowsPerSheet: number;
  /** Characters one cell may hold. */
  readonly maxCellChars: number;
}

export const ROSTER_LIMITS: RosterLimits = { maxBytes: 20 * 1024 * 1024, maxRowsPerSheet: 100_000, maxCellChars: 200 };

/**
 * Characters nobody types into a name and that change how text shows or compares: C0/C1 controls (but
 * tab and line breaks), soft hyphen, zero-width and joiner characters, bidirectional controls (an RTL
 * override reverses a whole @-mention line), BOMs, interlinear annotations and the private-use area.
 */
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ue000-\uf8ff]/gu;

/** `A`, `B`, … `AA`: a column as Excel names it. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Progress is reported at least this often while reading rows, and at the end of each sheet. */

export type TextEncodingName = 'utf-8' | 'gb18030';

/** A worksheet or CSV file before it is recognised: all its non-empty rows. */
export interface RawTable {
  readonly label: string;
  readonly source: string;
  readonly rows: readonly { readonly rowNo: number; readonly cells: readonly string[] }[];
  readonly encoding?: TextEncodingName;
  /** Where invisible or control characters were removed (`第3行B列`), the first few. */
  readonly cleaned?: { readonly count: number; readonly where: readonly string[] };
}

/** Cells checked against the limits, invisible characters removed (and where, for the summary). */
export function cleanTable(t: RawTable, limits: RosterLimits, issues: RosterIssue[]): RawTable {
  let count = 0;
  const where: string[] = [];
  const rows = t.rows.map((row) => ({
    rowNo: row.rowNo,
    cells: row.cells.map((cell, i) => {
      if ([...cell].length > limits.maxCellChars) {
        issues.push(rosterIssue(t.label, row.rowNo, `${columnLetter(i)}列`, 'cell_too_long', `内容超过 ${limits.maxCellChars} 个字符（名单的一格最多 ${limits.maxCellChars} 个字符）`));
        return '';
      }
      const clean = cell.replace(INVISIBLE, '');
      if (clean !== cell) {
        count++;
        if (where.length < 5) where.push(`第${row.rowNo}行${columnLetter(i)}列`);
      }
      return clean;
    }),
  }));
  return { ...t, rows, ...(count > 0 ? { cleaned: { count, where } } : {}) };
}

export async function loadPath(path: string, issues: RosterIssue[], limits: RosterLimits): Promise<RawTable[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    issues.push(rosterIssue('', 0, '', 'file_unreadable', `找不到花名册：${path}`));
    return [];
  }
  if (isDir) {
    const files = (await readdir(path)).filter((f) => ['.csv', '.xlsx'].includes(extname(f).toLowerCase()) && !f.startsWith('~$')).sort();
    const out: RawTable[] = [];
    for (const f of files) out.push(...(await loadFile(join(path, f), issues, limits)));
    return out;
  }
  return loadFile(path, issues, limits);
}

function tooLarge(name: string, bytes: number, limits: RosterLimits): RosterIssue {
  const mb = (n: number): string => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  return rosterIssue(name, 0, '', 'file_too_large', `文件有 ${mb(bytes)}，超过了 ${mb(limits.maxBytes)} 的上限；请拆分后分别导入`);
}

async function loadFile(path: string, issues: RosterIssue[], limits: RosterLimits): Promise<RawTable[]> {
  const name = basename(path).normalize('NFC');
  const ext = extname(path).toLowerCase();
  const size = (await stat(path)).size;
  if (['.xlsx', '.csv', '.zip'].includes(ext) && size > limits.maxBytes) {
    issues.push(tooLarge(name, size, limits));
    return [];
  }
  if (ext === '.xlsx') return loadWorkbook(name, await readFile(path), issues, limits);
  if (ext === '.csv') return loadCsv(name, await readFile(path), issues, limits);
  if (ext === '.zip') return loadZip(name, await readFile(path), issues, limits);
  const hint =
    ext === '.xls'
      ? '旧版 .xls 格式不受支持，请在 Excel 中另存为 .xlsx'
      : '花名册应为 .xlsx 工作簿、.csv 文件、存放它们的目录或 .zip 压缩包';
  issues.push(rosterIssue(name, 0, '', 'file_unreadable', hint));
  return [];
}

/** A workbook's sheets may unpack to at most this many times `maxBytes` (their XML is read whole). */
const UNPACKED_FACTOR = 3;

/**
 * A workbook: its sheets' unpacked size is checked from the archive's directory before anything is parsed
 * (a 21 MB workbook of two million rows used to exhaust the heap), then it is read and each sheet's rows
 * counted against the limit. A formula without a cached value is named, never read as text.
 */
async function loadWorkbook(name: string, bytes: Buffer, issues: RosterIssue[], limits: RosterLimits): Promise<RawTable[]> {
  let unpacked = 0;
  try {
    const zip = await JSZip.loadAsync(bytes);
    for (const entry of Object.values(zip.files)) {
      if (/^xl\/(worksheets\/sheet\d+\.xml|sharedStrings\.xml)$/u.test(entry.name)) unpacked += (entry as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0;
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    issues.push(rosterIssue(name, 0, '', 'file_unreadable', `无法读取工作簿（${reason.slice(0, 200)}）`));
    return [];
  }
  if (unpacked > UNPACKED_FACTOR * limits.maxBytes) {
    const mb = (n: number): string => `${Math.round(n / 1024 / 1024)} MB`;
    issues.push(rosterIssue(name, 0, '', 'file_too_large', `工作表解压后有 ${mb(unpacked)}，超过了 ${mb(UNPACKED_FACTOR * limits.maxBytes)} 的上限；请拆分后分别导入`));
    return [];
  }
  // Loaded when a workbook is read (a third of a second): a service start with a stored roster needs none.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    issues.push(rosterIssue(name, 0, '', 'file_unreadable', `无法读取工作簿（${reason.slice(0, 200)}）`));
    return [];
  }
  const out: RawTable[] = [];
  for (const ws of workbook.worksheets) {
    if (ws.actualRowCount > limits.maxRowsPerSheet + 1) {
      issues.push(rosterIssue(ws.name, 0, '', 'too_many_rows', `有 ${ws.actualRowCount} 行，超过了每个工作表 ${limits.maxRowsPerSheet} 行的上限；请拆分后分别导入`));
      continue;
    }
    const width = ws.columnCount;
    const rows: { rowNo: number; cells: string[] }[] = [];
    ws.eachRow({ includeEmpty: false }, (row, rowNo) => {
      const cells: string[] = [];
      for (let col = 1; col <= width; col++) {
        const v = row.getCell(col).value;
        if (typeof v === 'object' && v !== null && ('formula' in v || 'sharedFormula' in v) && (v as { result?: unknown }).result === undefined) {
          issues.push(rosterIssue(ws.name, rowNo, `${columnLetter(col - 1)}列`, 'formula_without_value', '是没有计算结果的公式：请在 Excel 中打开并保存（或把公式改成数值）后再导入'));
          cells.push('');
          continue;
        }
        cells.push(cellText(v));
      }
      if (cells.some((c) => c.trim() !== '')) rows.push({ rowNo, cells });
    });
    out.push({ label: ws.name, source: `${name} 工作表「${ws.name}」`, rows });
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030', { fatal: true });
/** Control characters no spreadsheet text holds: a file decoded into them was not text in that encoding. */
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u;

/**
 * Bytes as text: UTF-8 (with or without BOM) when they are valid UTF-8, else GBK/GB18030 (what Excel in
 * China saves as "CSV"), else undefined.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncodingName } | undefined {
  try {
    const text = utf8.decode(bytes);
    // UTF-16 (Excel's "Unicode text") is valid UTF-8 with a NUL in every other byte; other stray controls
    // are removed from the cells later and listed.
    if (!text.includes('\u0000')) return { text, encoding: 'utf-8' };
  } catch {
    // not UTF-8: try GB18030 below
  }
  try {
    const text = gb18030.decode(bytes);
    if (!NOT_TEXT.test(text)) return { text, encoding: 'gb18030' };
  } catch {
    // neither
  }
  return undefined;
}

function loadCsv(name: string, bytes: Uint8Array, issues: RosterIssue[], limits: RosterLimits): RawTable[] {
  const decoded = decodeText(bytes);
  if (!decoded) {
    issues.push(
      rosterIssue(name, 0, '', 'not_utf8', `${name} 既不是 UTF-8 也不是 GBK 编码的文本，请在 Excel 中另存为「CSV UTF-8（逗号分隔）」`),
    );
    return [];
  }
  let records: string[][];
  try {
    records = parse(decoded.text, { bom: true, relax_column_count: true }) as string[][];
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    issues.push(rosterIssue(name, 0, '', 'file_unreadable', `${name} 不是有效的 CSV（${reason}）`));
    return [];
  }
  if (records.length > limits.maxRowsPerSheet + 1) {
    issues.push(rosterIssue(name, 0, '', 'too_many_rows', `有 ${records.length} 行，超过了每个文件 ${limits.maxRowsPerSheet} 行的上限；请拆分后分别导入`));
    return [];
  }
  const rows = records.map((cells, i) => ({ rowNo: i + 1, cells })).filter((r) => r.cells.some((c) => c.trim() !== ''));
  return [{ label: basename(name, extname(name)), source: name, rows, encoding: decoded.encoding }];
}

/** A zip entry's name: UTF-8 when flagged or valid, else GBK (zips made by Windows' Explorer). */
function zipName(bytes: Uint8Array | string[] | Buffer): string {
  const raw = Uint8Array.from(bytes as ArrayLike<number>);
  return (decodeText(raw)?.text ?? utf8.decode(raw)).normalize('NFC');
}

async function loadZip(name: string, bytes: Buffer, issues: RosterIssue[], limits: RosterLimits): Promise<RawTable[]> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { decodeFileName: zipName });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    issues.push(rosterIssue(name, 0, '', 'file_unreadable', `无法读取压缩包（${reason}）`));
    return [];
  }
  const out: RawTable[] = [];
  const entries = Object.values(zip.files)
    .filter((f) => !f.dir && !f.name.startsWith('__MACOSX/') && !basename(f.name).startsWith('.') && !basename(f.name).startsWith('~$'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const entryName = basename(entry.name);
    const ext = extname(entryName).toLowerCase();
    if (ext !== '.csv' && ext !== '.xlsx') continue;
    // Unpacked size as the archive states it, checked before unpacking (a zip bomb is refused unread).
    const stated = (entry as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0;
    if (stated > limits.maxBytes) {
      issues.push(tooLarge(`${name} 中的 ${entryName}`, stated, limits));
      continue;
    }
    const content = await entry.async('nodebuffer');
    if (content.length > limits.maxBytes) {
      issues.push(tooLarge(`${name} 中的 ${entryName}`, content.length, limits));
      continue;
    }
    const tables = ext === '.csv' ? loadCsv(entryName, content, issues, limits) : await loadWorkbook(entryName, content, issues, limits);
    out.push(...tables.map((t) => ({ ...t, source: `${name} 中的 ${t.source}` })));
  }
  return out;
}
