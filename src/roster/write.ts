/** RosterData back to the CSV files readRoster reads: for tests, exports and generated campuses. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KIND_LABELS, PLATFORM_LABELS, ROLE_LABELS } from './normalize.js';
import type { RosterData, SheetName } from './types.js';

const LEVEL_WORDS: Record<number, string> = { 1: '一级', 2: '二级', 3: '三级', 4: '四级' };

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** The four CSV texts of a roster, by sheet name. */
export function rosterToCsv(roster: RosterData): Record<SheetName, string> {
  return {
    学生: csv(
      ['学号', '姓名', '学院', '班级', '手机', 'QQ', '微信'],
      roster.students.map((s) => [s.studentNo, s.name, s.college, s.className, s.phone ?? '', s.qq ?? '', s.wechat ?? '']),
    ),
    家长: csv(
      ['学生学号', '姓名', '关系', '手机', 'QQ', '微信'],
      roster.guardians.map((g) => [g.studentNo, g.name, g.relation, g.phone ?? '', g.qq ?? '', g.wechat ?? '']),
    ),
    教职工: csv(
      ['工号', '姓名', '角色', '学院', '负责班级', '手机', 'QQ', '微信'],
      roster.staff.map((p) => [
        p.staffNo,
        p.name,
        p.roles.map((r) => ROLE_LABELS[r.role]).join('、'),
        p.college ?? p.roles.find((r) => r.college)?.college ?? '',
        p.classes.join('、'),
        p.phone ?? '',
        p.qq ?? '',
        p.wechat ?? '',
      ]),
    ),
    群: csv(
      ['级别', '名称', '学院', '班级', '平台', '群号', '账号'],
      roster.groups.map((g) => [
        LEVEL_WORDS[g.level] ?? KIND_LABELS[g.kind],
        g.name,
        g.college ?? '',
        g.className ?? '',
        PLATFORM_LABELS[g.platform],
        g.chatId,
        g.accounts.join('、'),
      ]),
    ),
  };
}

/** Writes 学生.csv, 家长.csv, 教职工.csv and 群.csv into `dir` (created if needed). */
export function writeRosterCsv(dir: string, roster: RosterData): void {
  mkdirSync(dir, { recursive: true });
  for (const [sheet, text] of Object.entries(rosterToCsv(roster))) writeFileSync(join(dir, `${sheet}.csv`), text);
}
