/**
 * `cascade contact-log`: the home–school contact log (家校联系工作日志) a counselor hands in, as JSON (a
 * contract, docs/contacts.md) or as a workbook with one A4 sheet per month. No phone numbers in it.
 */
import { wallClock } from '../../domain/duration.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { ContactEntryView } from '../../store/contact-log-repo.js';
import { CHANNEL_LABELS } from './log.js';
import { addPrintSheet, ruleRows } from './workbook.js';

export interface ContactLogJsonEntry {
  readonly id: number;
  readonly at: string;
  /** The staff member's 工号, or `cascade` for Cascade's own entries. */
  readonly by: string;
  readonly byName: string;
  /** The student's 学号. */
  readonly student: string;
  readonly studentName: string;
  readonly college: string;
  readonly class: string;
  /** Whom they reached: 本人, 父亲, 母亲, 家长 … */
  readonly contact: string;
  readonly contactName: string | null;
  readonly channel: string;
  readonly channelLabel: string;
  readonly text: string;
  readonly outcome: string | null;
  readonly source: 'staff' | 'cascade';
  /** Cascade's own messages: their status in the sent-ledger (sent, failed, manual …). */
  readonly status: string | null;
  /** Earlier versions of a corrected entry, oldest first. */
  readonly corrected: readonly { readonly text: string; readonly outcome: string | null; readonly at: string }[];
}

export function contactLogEntries(org: OrgIndex, entries: readonly ContactEntryView[]): ContactLogJsonEntry[] {
  return entries.map((e) => {
    const student = org.person(e.studentId);
    const k = student?.classId == null ? undefined : org.classUnit(student.classId);
    const by = e.byPersonId === null ? undefined : org.person(e.byPersonId);
    const contact = e.contactPersonId === null || e.contactPersonId === e.studentId ? undefined : org.person(e.contactPersonId);
    return {
      id: e.id,
      at: new Date(e.at).toISOString(),
      by: by?.extId ?? 'cascade',
      byName: by?.name ?? 'Cascade',
      student: student?.extId ?? '',
      studentName: student?.name ?? '',
      college: k ? (org.college(k.collegeId)?.name ?? '') : '',
      class: k?.name ?? '',
      contact: e.contactLabel,
      contactName: contact?.name ?? (e.contactLabel === '本人' ? (student?.name ?? null) : null),
      channel: e.channel,
      channelLabel: CHANNEL_LABELS[e.channel],
      text: e.text,
      outcome: e.outcome,
      source: e.source,
      status: e.deliveryStatus,
      corrected: e.corrected.map((c) => ({ text: c.text, outcome: c.outcome, at: new Date(c.at).toISOString() })),
    };
  });
}

const COLUMNS = ['编号', '日期', '时间', '联系人', '学号', '学生', '班级', '联系对象', '方式', '联系内容', '结果/后续', '备注'] as const;
const WIDTHS = [6, 11, 6, 9, 12, 8, 11, 10, 9, 36, 24, 12];
const STATUS_LABELS: Readonly<Record<string, string>> = { sent: '已送达', failed: '发送失败', manual: '人工转发', uncertain: '送达未知', planned: '待发送', sending: '发送中' };

export async function contactLogWorkbook(entries: readonly ContactLogJsonEntry[], at: Date, timeZone: string, title: string): Promise<Buffer> {
  // Loaded for an export only (the drill runner, and so `cascade start`, import this module).
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.created = at;
  const months = new Map<string, ContactLogJsonEntry[]>();
  for (const e of entries) {
    const w = wallClock(Date.parse(e.at), timeZone);
    const key = `${w.year}年${w.month}月`;
    const list = months.get(key) ?? [];
    list.push(e);
    months.set(key, list);
  }
  if (months.size === 0) months.set('无记录', []);
  for (const [month, list] of months) {
    const ws = addPrintSheet(wb, {
      name: month,
      title: `家校联系工作日志（${title}，${month}）`,
      header: `&L${title}&C家校联系工作日志&R${month}`,
      footer: '&C第 &P 页，共 &N 页',
      columns: COLUMNS,
      widths: WIDTHS,
    });
    ws.getColumn(10).alignment = { wrapText: true, vertical: 'top' };
    ws.getColumn(11).alignment = { wrapText: true, vertical: 'top' };
    for (const e of list) {
      const w = wallClock(Date.parse(e.at), timeZone);
      const pad = (n: number): string => String(n).padStart(2, '0');
      const note = [e.corrected.length > 0 ? '已更正' : '', e.status ? (STATUS_LABELS[e.status] ?? e.status) : ''].filter((x) => x).join('；');
      ws.addRow([
        e.id,
        `${w.year}-${pad(w.month)}-${pad(w.day)}`,
        `${pad(w.hour)}:${pad(w.minute)}`,
        e.byName,
        e.student,
        e.studentName,
        e.class,
        e.contact === '本人' ? '本人' : `${e.contact}${e.contactName && e.contactName !== e.contact ? ` ${e.contactName}` : ''}`,
        e.channelLabel,
        e.text,
        e.outcome ?? '',
        note,
      ]);
    }
    ruleRows(ws);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
