import type { SheetName } from './types.js';

export type RosterIssueCode =
  | 'file_unreadable'
  | 'file_too_large'
  | 'too_many_rows'
  | 'cell_too_long'
  | 'formula_without_value'
  | 'not_utf8'
  | 'missing_sheet'
  | 'ambiguous_sheet'
  | 'missing_header'
  | 'duplicate_header'
  | 'empty'
  | 'duplicate'
  | 'unknown_student'
  | 'unknown_class'
  | 'unknown_college'
  | 'class_college_conflict'
  | 'bad_role'
  | 'bad_level'
  | 'bad_platform'
  | 'bad_phone'
  | 'bad_qq'
  | 'bad_number'
  | 'duplicate_platform_group'
  | 'duplicate_account'
  | 'role_needs_college'
  | 'classes_not_allowed'
  | 'counselor_needs_classes'
  | 'guardian_conflict'
  | 'group_kind_conflict'
  | 'id_conflict';

export interface RosterIssue {
  /** Canonical sheet name, or the file name for a problem with a whole file. */
  readonly sheet: SheetName | string;
  /** Spreadsheet row number (header = 1); 0 when the problem is with the whole sheet or file. */
  readonly row: number;
  /** Canonical column name (学号, 姓名, ...); '' when the problem is not with one column. */
  readonly column: string;
  readonly code: RosterIssueCode;
  /** What is wrong, without the position, e.g. `与第5行重复`. */
  readonly detail: string;
  /** The full sentence for people, e.g. `工作表「学生」第12行「学号」列：与第5行重复`. */
  readonly message: string;
}

/** Most issues listed in a RosterError; the rest are counted. */
export const MAX_LISTED_ISSUES = 200;

export function rosterIssue(
  sheet: SheetName | string,
  row: number,
  column: string,
  code: RosterIssueCode,
  detail: string,
): RosterIssue {
  return { sheet, row, column, code, detail, message: issueText(sheet, row, column, detail) };
}

function issueText(sheet: string, row: number, column: string, detail: string): string {
  const where = `${sheet ? `工作表「${sheet}」` : ''}${row > 0 ? `第${row}行` : ''}${column ? `「${column}」列` : ''}`;
  return where ? `${where}：${detail}` : detail;
}

/**
 * The roster was rejected; nothing was imported. `issues` holds up to MAX_LISTED_ISSUES problems,
 * `total` how many were found.
 */
export class RosterError extends Error {
  readonly code = 'ROSTER_INVALID';
  readonly issues: readonly RosterIssue[];
  readonly total: number;

  constructor(issues: readonly RosterIssue[]) {
    const listed = issues.slice(0, MAX_LISTED_ISSUES);
    const more = issues.length - listed.length;
    const lines = [`花名册有 ${issues.length} 处问题，未导入任何数据：`, ...listed.map((i) => `  ${i.message}`)];
    if (more > 0) lines.push(`  ……另有 ${more} 处问题未列出`);
    super(lines.join('\n'));
    this.name = 'RosterError';
    this.issues = listed;
    this.total = issues.length;
  }
}

const SHEET_ORDER: Record<string, number> = { 学生: 1, 家长: 2, 教职工: 3, 群: 4 };

/** Issues in reading order: by sheet, then row. */
export function sortIssues(issues: RosterIssue[]): RosterIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort(
      (a, b) =>
        (SHEET_ORDER[a.issue.sheet] ?? 0) - (SHEET_ORDER[b.issue.sheet] ?? 0) ||
        a.issue.row - b.issue.row ||
        a.i - b.i,
    )
    .map((x) => x.issue);
}
