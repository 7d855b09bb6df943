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

const PHONE = col('手机', false, 'phone', 'mobile', '手机号', '手机号码', '电话', '联系电话', '联系方式');
const QQ = col('QQ', false, 'qq', 'QQ号', 'QQ号码');
const WECHAT = col('微信', false, 'wechat', 'weixin', 'wx', '微信号');

export const SHEET_SPECS: readonly SheetSpec[] = [
  {
    name: '学生',
    aliases: ['students', 'student', '学生名单', '学生信息'],
    columns: [
      col('学号', true, 'studentNo', 'student_no', 'student_id', 'studentId'),
      col('姓名', true, 'name', '学生姓名'),
      col('学院', true, 'college', '院系', '所在学院'),
      col('班级', true, 'class', 'className', 'class_name', '班级名称', '所在班级'),
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
      col('姓名', true, 'name', '家长姓名'),
      col('关系', false, 'relation', 'relationship', '与学生关系', '亲属关系'),
      PHONE,
      QQ,
      WECHAT,
    ],
  },
  {
    name: '教职工',
    aliases: ['staff', 'teachers', '教师', '教职工名单'],
    columns: [
      col('工号', true, 'staffNo', 'staff_no', 'staff_id', 'staffId', '职工号', '教工号'),
      col('姓名', true, 'name'),
      col('角色', true, 'role', 'roles', '职务'),
      col('学院', false, 'college', '院系', '所在学院'),
      col('负责班级', false, 'classes', 'class', '所带班级', '班级'),
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
