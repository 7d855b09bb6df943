/**
 * `cascade audit` as an operator runs it: the real bin, a data directory of its own, JSON on stdout
 * or a workbook with one sheet per category.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cascade-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function audit(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'audit', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CASCADE_DATA_DIR: dir } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cascade audit', () => {
  it('writes the audit of a scope as JSON, each group with its six categories', () => {
    const r = audit(['--format', 'json', '--group', '计算机学院']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { generatedAt: string; audits: { group: string }[] };
    expect(out.audits.map((a) => a.group)).toEqual(['L2:计算机学院', 'L4:计算机学院']);
    expect(Object.keys(out.audits[0] ?? {})).toEqual(['group', 'name', 'missing', 'strangers', 'unmatched', 'badCard', 'duplicates', 'left']);
  });

  it('writes a workbook with one sheet per category for every group', async () => {
    const file = join(dir, 'audit.xlsx');
    const r = audit(['--format=xlsx', '--out', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('17 个群');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['陌生人', '未入群', '退群', '身份不明', '一人多号', '名片不规范']);
    expect(wb.worksheets[0]?.getRow(1).values).toEqual([undefined, '群', '群名称', '学号/工号', '姓名', '账号', '群名片', '说明']);
  });

  it('names a scope it cannot find, and a format it does not know', () => {
    expect(audit(['--group', '火星学院'])).toMatchObject({ code: 1, stderr: expect.stringContaining('没有找到“火星学院”') });
    expect(audit(['--format', 'csv'])).toMatchObject({ code: 2 });
  });
});
