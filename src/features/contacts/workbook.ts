/** A printable sheet for the contact exports: A4 landscape, fitted to the width, titles repeated on each page. */
import type ExcelJS from 'exceljs';

export interface PrintSheet {
  readonly name: string;
  /** Row 1, merged across the columns. */
  readonly title: string;
  /** The page header (`&L…&C…&R…`) and footer. */
  readonly header: string;
  readonly footer: string;
  readonly columns: readonly string[];
  readonly widths: readonly number[];
}

export function addPrintSheet(wb: ExcelJS.Workbook, p: PrintSheet): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(p.name, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, horizontalCentered: true, printTitlesRow: '2:2' },
    headerFooter: { oddHeader: p.header, oddFooter: p.footer },
    views: [{ state: 'frozen', ySplit: 2 }],
  });
  ws.addRow([p.title]);
  ws.mergeCells(1, 1, 1, p.columns.length);
  ws.getRow(1).font = { bold: true, size: 13 };
  ws.addRow([...p.columns]);
  ws.getRow(2).font = { bold: true };
  p.widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  return ws;
}

/** A worksheet name Excel accepts, unique within the workbook (`used` collects them). */
export function sheetName(name: string, used: Set<string>, fallback = '表'): string {
  const base = name.replace(/[[\]:*?/\\]/gu, '_').slice(0, 28) || fallback;
  let candidate = base;
  for (let n = 2; used.has(candidate); n++) candidate = `${base}_${n}`;
  used.add(candidate);
  return candidate;
}

/** Thin borders on every cell from the column titles down (call once the rows are in). */
export function ruleRows(ws: ExcelJS.Worksheet): void {
  ws.eachRow((row, n) => {
    if (n < 2) return;
    row.eachCell({ includeEmpty: true }, (cell) => {
      cell.border = { top: { style: 'thin' }, bottom: { style: 'thin' }, left: { style: 'thin' }, right: { style: 'thin' } };
    });
  });
}
