/** The four sheets of a roster and their columns, with the English and 学工系统 spellings accepted for each. */
import { headerKey } from './normalize.js';
import type { SheetName } from './types.js';

export interface ColumnSpec {
  /** Canonical (Chinese) column name, used in messages. */
  readonly name: string;
  readonly aliases: readonly string[];
  readonly required: boolean;
}

export interface SheetSpec {
  readonly name: SheetName;
  readonly aliases: readonly string[];
  readonly columns: readonly ColumnSpec[];
}

const col = (name: string, required: boolean, ...aliases: string[]): ColumnSpec => ({ name, aliases, required });

const PHONE = col('手机', false, 'phone', 'mobile', '手机号', '手机号码', '电话', '联系电话', '联系方式', '本人电话', '本人手机', '学生电话', '学生手机');
const QQ = col('QQ', false, 'qq', 'QQ号', 'QQ号码');
const WECHAT = col('微信', false, 'wechat', 'weixin', 'wx', '微信号');
const GUARDIAN_PHONE = col('手机', false, 'phone', 'mobile', '手机号', '手机号码', '电话', '联系电话', '联系方式', '家长电话', '家长手机', '家长手机号', '家长联系电话');

export const SHEET_SPECS: readonly SheetSpec[] = [
  {
    name: '学生',
    aliases: ['students', 'student', '学生名单', '学生信息'],
    columns: [
      col('学号', true, 'studentNo', 'student_no', 'student_id', 'studentId'),
      col('姓名', true, 'name', '学生姓名'),
      col('学院', true, 'college', '院系', '所在学院', '所在院系', '学院名称'),
      col('班级', true, 'class', 'className', 'class_name', '班级名称', '所在班级', '行政班', '行政班级'),
      PHONE,
      QQ,
      WECHAT,
    ],
  },
  {
    name: '家长',
    aliases: ['parents', 'parent', 'guardians', 'guardian', '家长名单', '家长信息'],
    columns: [
      col('学生学号', true, 'studentNo', 'student_no', 'student_id', 'studentId', '学号'),
      col('姓名', true, 'name', '家长姓名', '监护人', '监护人姓名'),
      col('关系', false, 'relation', 'relationship', '与学生关系', '亲属关系', '家长关系', '监护人关系'),
      GUARDIAN_PHONE,
      QQ,
      WECHAT,
    ],
  },
  {
    name: '教职工',
    aliases: ['staff', 'teachers', '教师', '教职工名单'],
    columns: [
      col('工号', true, 'staffNo', 'staff_no', 'staff_id', 'staffId', '职工号', '教工号'),
      col('姓名', true, 'name', '教师姓名', '教职工姓名'),
      col('角色', true, 'role', 'roles', '职务', '岗位', '身份'),
      col('学院', false, 'college', '院系', '所在学院', '所在院系', '部门'),
      col('负责班级', false, 'classes', 'class', '所带班级', '班级', '负责的班级', '管理班级'),
      PHONE,
      QQ,
      WECHAT,
    ],
  },
  {
    name: '群',
    aliases: ['groups', 'group', '群组', '群列表'],
    columns: [
      col('级别', true, 'level', 'kind', '类型'),
      col('名称', true, 'name', '群名', '群名称'),
      col('学院', false, 'college', '院系'),
      col('班级', false, 'class', 'className', 'class_name'),
      col('平台', true, 'platform'),
      col('群号', true, 'chatId', 'chat_id', 'group_id', 'groupId', '群ID'),
      col('账号', true, 'account', 'accounts', 'bot', 'bots', '机器人', '机器人账号'),
    ],
  },
];

const SHEET_BY_KEY = new Map<string, SheetSpec>();
for (const spec of SHEET_SPECS) {
  for (const alias of [spec.name, ...spec.aliases]) SHEET_BY_KEY.set(headerKey(alias), spec);
}

/** The sheet a worksheet or CSV file name stands for, or undefined for a sheet we do not read. */
export function sheetNamed(name: string): SheetSpec | undefined {
  return SHEET_BY_KEY.get(headerKey(name));
}

/** Header key → column, for one sheet. */
export function columnLookup(spec: SheetSpec): Map<string, ColumnSpec> {
  const map = new Map<string, ColumnSpec>();
  for (const c of spec.columns) for (const alias of [c.name, ...c.aliases]) map.set(headerKey(alias), c);
  return map;
}

/**
 * Guardian columns in the student sheet (a 学工系统 export: a row per student, the parents in columns).
 * 家长姓名 / 家长电话 / 关系, 家长2姓名 …, 父亲姓名 / 父亲电话, 母亲…, 监护人 / 监护人电话 …: each prefix and
 * number is one guardian slot; a slot is a guardian when its name cell is filled.
 */
export type GuardianField = '姓名' | '关系' | '手机' | 'QQ' | '微信';

export interface GuardianColumn {
  /** `家长1`, `家长2`, `父亲`, `母亲`, `监护人1` … */
  readonly slot: string;
  readonly field: GuardianField;
  /** The relation a slot without a 关系 cell has (父亲, 母亲, 监护人, 家长). */
  readonly relation: string;
}

const GUARDIAN_FIELD_WORDS: Readonly<Record<string, GuardianField>> = {
  '': '姓名',
  姓名: '姓名',
  名字: '姓名',
  name: '姓名',
  关系: '关系',
  与学生关系: '关系',
  称谓: '关系',
  电话: '手机',
  手机: '手机',
  手机号: '手机',
  手机号码: '手机',
  联系电话: '手机',
  联系方式: '手机',
  电话号码: '手机',
  qq: 'QQ',
  qq号: 'QQ',
  qq号码: 'QQ',
  微信: '微信',
  微信号: '微信',
};
const SLOT_NUMBERS: Readonly<Record<string, string>> = { '': '1', 一: '1', 二: '2', 三: '3', 四: '4' };
const GUARDIAN_HEADER = /^(家长|监护人|父亲|母亲)(\d|[一二三四])?(.*)$/;
/** A 关系 column in the student sheet is the first guardian's relation. */
const FIRST_RELATION = new Set(['关系', '与学生关系', '家长关系', '亲属关系', 'relation']);

/** The guardian slot and field a student-sheet header names, if it names one. */
export function guardianColumn(header: string): GuardianColumn | undefined {
  const key = headerKey(header);
  if (FIRST_RELATION.has(key)) return { slot: '家长1', field: '关系', relation: '家长' };
  const m = GUARDIAN_HEADER.exec(key);
  if (!m) return undefined;
  const [, who = '', number = '', rest = ''] = m;
  const field = GUARDIAN_FIELD_WORDS[rest];
  if (!field) return undefined;
  const n = SLOT_NUMBERS[number] ?? number;
  const parent = who === '父亲' || who === '母亲';
  return { slot: parent ? `${who}${n === '1' ? '' : n}` : `${who}${n}`, field, relation: who };
}

/**
 * The sheet a header row stands for: the spec all of whose required columns it holds, the one with the
 * most required columns when several do (a student export holds the 家长 sheet's 学号 and 家长姓名 too).
 */
export function sheetByHeader(header: readonly string[]): SheetSpec | undefined {
  const keys = new Set(header.map(headerKey).filter((k) => k !== ''));
  let best: { spec: SheetSpec; required: number; matched: number } | undefined;
  for (const spec of SHEET_SPECS) {
    const lookup = columnLookup(spec);
    const found = new Set<string>();
    for (const k of keys) {
      const c = lookup.get(k);
      if (c) found.add(c.name);
    }
    const required = spec.columns.filter((c) => c.required);
    if (!required.every((c) => found.has(c.name))) continue;
    const better = !best || required.length > best.required || (required.length === best.required && found.size > best.matched);
    if (better) best = { spec, required: required.length, matched: found.size };
  }
  return best?.spec;
}

/** How many of `spec`'s required columns this row holds (a header holds them all). */
export function headerScore(spec: SheetSpec, row: readonly string[]): number {
  const lookup = columnLookup(spec);
  const found = new Set<string>();
  for (const cell of row) {
    const c = lookup.get(headerKey(cell));
    if (c?.required) found.add(c.name);
  }
  return found.size;
}

/** Does this row hold the header of `spec` (all its required columns)? */
export function isHeaderOf(spec: SheetSpec, row: readonly string[]): boolean {
  return headerScore(spec, row) === spec.columns.filter((c) => c.required).length;
}
