/**
 * `cascade audit`: the membership audit of a scope written for the archive the seed document asks
 * for, as JSON or as a workbook with one sheet per category. No phone numbers: findings carry
 * 学号/工号, names, accounts and cards only.
 */
import { maskedCards, type Findings, type GroupAudit } from '../../domain/membership.js';
import { AUDIT_COLUMNS, AUDIT_SHORT } from './texts.js';

export interface ExportedAudit extends Findings {
  readonly group: string;
  readonly name: string;
}

/** Sheet names of the workbook, in order. */
export const AUDIT_SHEETS = AUDIT_SHORT;

export function exportedAudit(key: string, name: string, a: GroupAudit): ExportedAudit {
  // A phone number in a card is masked in the archive too.
  const m = maskedCards;
  return { group: key, name, missing: m(a.missing), strangers: m(a.strangers), unmatched: m(a.unmatched), badCard: m(a.badCard), duplicates: m(a.duplicates), left: m(a.left) };
}

export function auditJson(audits: readonly ExportedAudit[], at: Date): string {
  return `${JSON.stringify({ generatedAt: at.toISOString(), audits }, null, 2)}\n`;
}

export async function auditWorkbook(audits: readonly ExportedAudit[], at: Date): Promise<Buffer> {
  // Loaded only for an export: `cascade start` goes through the same CLI module.
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.created = at;
  for (const [key, title] of AUDIT_SHEETS) {
    const ws = wb.addWorksheet(title);
    ws.addRow([...AUDIT_COLUMNS]);
    ws.getRow(1).font = { bold: true };
    for (const a of audits) {
      for (const e of a[key]) ws.addRow([a.group, a.name, e.ref ?? '', e.name ?? '', e.account ?? '', e.card ?? '', e.detail ?? '']);
    }
    ws.columns.forEach((c) => {
      c.width = 18;
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
