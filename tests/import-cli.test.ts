/**
 * `cascade template` and `cascade import` with several sources, through the real bin: the summary says
 * where each sheet came from, which row held its header and which columns were not read.
 */
import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './setup/helpers.js';

const bin = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
const SMALL = resolve(fileURLToPath(new URL('./fixtures/roster/small', import.meta.url)));
const dirs: { remove: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function run(args: string[], cwd: string, dataDir = join(cwd, 'data')): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, cwd, env: { ...process.env, CASCADE_DATA_DIR: dataDir } }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('cascade template and import', () => {
  it('writes a template, refuses to overwrite it, and checks several sources at once', async () => {
    const dir = tempDir('import-cli');
    dirs.push(dir);
    const made = await run(['template', '花名册模板.xlsx'], dir.path);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('已写入花名册模板');
    const again = await run(['template', '花名册模板.xlsx'], dir.path);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');

    const checked = await run(['import', join(SMALL, '学生.csv'), join(SMALL, '家长.csv'), join(SMALL, '教职工.csv'), join(SMALL, '群.csv'), '--dry-run'], dir.path);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('「学生」← 学生.csv，表头在第 1 行，6 行');
    expect(checked.stdout).toContain('检查通过（未写入）：学生 6，家长 7');
  });
});

describe('cascade addressbook', () => {
  it('exports one class as JSON, a college as a workbook, and names a class it does not know', async () => {
    const dir = tempDir('addressbook-cli');
    dirs.push(dir);
    const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
    const json = await run(['addressbook', '--format', 'json', '--class', '计算机2301'], root, join(dir.path, 'data'));
    expect(json.code).toBe(0);
    const book = JSON.parse(json.stdout) as { students: { class: string; guardians: unknown[] }[] };
    expect(book.students.length).toBeGreaterThan(0);
    expect(new Set(book.students.map((s) => s.class))).toEqual(new Set(['计算机2301']));
    const file = join(dir.path, '通讯录.xlsx');
    // An existing file is made owner-only too.
    writeFileSync(file, '', { mode: 0o644 });
    const xlsx = await run(['addressbook', '--college', '计算机学院', '--out', file], root, join(dir.path, 'data'));
    expect(xlsx.code).toBe(0);
    expect(xlsx.stderr).toContain('3 个班级');
    expect(statSync(file).mode & 0o077).toBe(0);
    // Each export is in the access log, with the operator's account.
    const log = await run(['access-log', '--json'], root, join(dir.path, 'data'));
    expect((JSON.parse(log.stdout) as { entries: { what: string; scope: string; by: string }[] }).entries.map((e) => [e.what, e.scope])).toEqual([
      ['export_address_book', '计算机2301'],
      ['export_address_book', '计算机学院'],
    ]);
    expect((await run(['access-log'], root, join(dir.path, 'data'))).stdout).toContain('导出通讯录  计算机学院');
    const unknown = await run(['addressbook', '--class', '火星2301'], root, join(dir.path, 'data'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('没有“火星2301”这个班级');
  });
});

describe('cascade contact-log', () => {
  it('exports an empty period as JSON and a workbook, and explains a bad date or an unknown 工号', async () => {
    const dir = tempDir('contact-log-cli');
    dirs.push(dir);
    const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
    const data = join(dir.path, 'data');
    const json = await run(['contact-log', '--format', 'json', '--class', '计算机2301', '--from', '2026-03-01', '--to', '2026-03-31'], root, data);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ entries: [] });
    const file = join(dir.path, '工作日志.xlsx');
    expect((await run(['contact-log', '--by', 'S111', '--out', file], root, data)).code).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(0);
    const badDate = await run(['contact-log', '--from', '3月1日'], root, data);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('日期应写成 2026-03-01 的形式');
    const unknown = await run(['contact-log', '--by', 'X999'], root, data);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('没有工号为“X999”的教职工');
  });
});
