/**
 * A directive's replies as a table to hand upward (issue #15): one row per person owed a reply in a
 * scope — level, college, class, name, 学号/工号, replied or not, when, late, how it was counted, what they
 * wrote — as JSON (`cascade export --format json`) or a workbook (one sheet per class, one for the staff,
 * and a summary with counts per college and class).
 */
import ExcelJS from 'exceljs';
import type { Directive, Scope } from '../../domain/directive.js';
import { maskPhone } from '../../domain/message-text.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { scopedObligations } from '../../domain/progress.js';
import type { AckDetail } from '../../store/directive-repo.js';
import { addPrintSheet, ruleRows, sheetName } from '../contacts/workbook.js';

export interface DirectiveExportRow {
  readonly level: number;
  readonly college: string;
  readonly class: string | null;
  /** The person; for a family (L4), the student's name. */
  readonly name: string;
  /** 学号 (students, families) or 工号 (staff). */
  readonly ref: string;
  readonly replied: boolean;
  /** ISO time of the reply that counted; null when none. */
  readonly at: string | null;
  readonly late: boolean;
  /** How it was counted: `reply`, `chain` (接龙), `review`, `sms`, `call`; null when not replied. */
  readonly via: string | null;
  /** What they wrote (phone and ID numbers masked); null when nothing was kept. */
  readonly text: string | null;
  /** Collected fields (信息收集); null for a plain directive. */
  readonly fields: Readonly<Record<string, string>> | null;
}

export interface DirectiveExport {
  readonly directive: {
    readonly id: number;
    readonly text: string;
    readonly issuer: string;
    readonly createdAt: string;
    readonly deadline: string | null;
    readonly depth: number;
    readonly status: string;
    readonly scope: string;
  };
  readonly rows: readonly DirectiveExportRow[];
}

const LEVEL_NAMES: Record<number, string> = { 1: '副书记（一级群）', 2: '辅导员（二级群）', 3: '学生（三级群）', 4: '家长（家长群）' };
const VIA_NAMES: Record<string, string> = { reply: '群内回复', chain: '接龙', review: '人工确认', sms: '短信', call: '电话' };

export function directiveExport(
  org: OrgIndex,
  d: Directive,
  scope: Scope,
  scopeName: string,
  acks: readonly AckDetail[],
  status: string,
  answers: ReadonlyMap<string, { text: string; fields: Record<string, string> | null }> = new Map(),
): DirectiveExport {
  const byKey = new Map<string, AckDetail>();
  for (const a of acks) if (a.kind === 'ack') byKey.set(`${a.level}:${a.subjectId}:${a.collegeId ?? ''}`, a);
  const rows: DirectiveExportRow[] = scopedObligations(org, d, scope, 0).map((o) => {
    const person = org.person(o.subjectId);
    const a = byKey.get(`${o.level}:${o.subjectId}:${o.collegeId}`);
    // A collection: the latest answer and its fields, rather than the reply that first counted.
    const answer = d.collect ? answers.get(`${o.level}:${o.subjectId}`) : undefined;
    return {
      level: o.level,
      college: org.college(o.collegeId)?.name ?? '',
      class: o.classId === null ? null : (org.classUnit(o.classId)?.name ?? null),
      name: person?.name ?? '?',
      ref: person?.extId ?? '',
      replied: a !== undefined,
      at: a ? new Date(a.at).toISOString() : null,
      late: a?.late ?? false,
      via: a?.via ?? null,
      text: answer ? maskPhone(answer.text) : a?.text ? maskPhone(a.text) : null,
      fields: d.collect ? (answer?.fields ?? (answer ? {} : null)) : null,
    };
  });
  rows.sort((x, y) => x.level - y.level || x.college.localeCompare(y.college, 'zh') || (x.class ?? '').localeCompare(y.class ?? '', 'zh') || x.ref.localeCompare(y.ref));
  return {
    directive: {
      id: d.id,
      text: d.text,
      issuer: org.person(d.issuerId)?.name ?? '?',
      createdAt: new Date(d.createdAt).toISOString(),
      deadline: d.deadlineAt === null ? null : new Date(d.deadlineAt).toISOString(),
      depth: d.depth,
      status,
      scope: scopeName,
    },
    rows,
  };
}


const COLUMNS = ['层级', '学院', '班级', '姓名', '学号/工号', '是否回复', '回复时间', '逾期', '方式', '回复内容'];
const WIDTHS = [16, 16, 14, 10, 14, 9, 18, 6, 10, 48];
const FIELD_WIDTH = 14;

export async function directiveWorkbook(exp: DirectiveExport, timeZone: string): Promise<Buffer> {
  const time = (iso: string | null): string =>
    iso === null ? '' : new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(Date.parse(iso));
  const wb = new ExcelJS.Workbook();
  const d = exp.directive;
  const title = `第${d.id}号通知 回复情况（${exp.directive.scope}）`;
  const used = new Set<string>();
  // Summary first: counts per college and class, per level.
  const summary = addPrintSheet(wb, {
    name: sheetName('汇总', used),
    title: `${title}：${[...d.text].slice(0, 40).join('')}`,
    header: `&L第${d.id}号通知&C回复情况汇总&R${time(new Date().toISOString())}`,
    footer: '&C第 &P 页，共 &N 页',
    columns: ['学院', '班级', '层级', '应回复', '已回复', '未回复', '逾期'],
    widths: [18, 16, 18, 9, 9, 9, 9],
  });
  const units = new Map<string, { college: string; klass: string; level: number; required: number; replied: number; late: number }>();
  for (const r of exp.rows) {
    const k = `${r.college}|${r.class ?? ''}|${r.level}`;
    const u = units.get(k) ?? { college: r.college, klass: r.class ?? '—', level: r.level, required: 0, replied: 0, late: 0 };
    u.required++;
    if (r.replied) u.replied++;
    if (r.late) u.late++;
    units.set(k, u);
  }
  for (const u of units.values()) summary.addRow([u.college, u.klass, LEVEL_NAMES[u.level] ?? String(u.level), u.required, u.replied, u.required - u.replied, u.late]);
  ruleRows(summary);
  // Then the staff (L1, L2) and one sheet per class (students and families).
  const groups = new Map<string, DirectiveExportRow[]>();
  for (const r of exp.rows) {
    const k = r.class === null ? '老师' : r.class;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  // A collection's fields get a column each.
  const fieldNames = [...new Set(exp.rows.flatMap((r) => Object.keys(r.fields ?? {})))];
  for (const [name, rows] of groups) {
    const ws = addPrintSheet(wb, {
      name: sheetName(name, used),
      title: `${title} ${name}`,
      header: `&L第${d.id}号通知&C${name}&R${exp.directive.scope}`,
      footer: '&C第 &P 页，共 &N 页',
      columns: [...COLUMNS, ...fieldNames],
      widths: [...WIDTHS, ...fieldNames.map(() => FIELD_WIDTH)],
    });
    for (const r of rows) {
      ws.addRow([
        LEVEL_NAMES[r.level] ?? String(r.level),
        r.college,
        r.class ?? '',
        r.name,
        r.ref,
        r.replied ? '是' : '否',
        time(r.at),
        r.late ? '是' : '',
        r.via === null ? '' : (VIA_NAMES[r.via] ?? r.via),
        r.text ?? '',
        ...fieldNames.map((f) => r.fields?.[f] ?? ''),
      ]);
    }
    ruleRows(ws);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
