/** Cell text → clean values: half-width ids, phones without +86, role / level / platform words. */
import type { GroupKind, GroupLevel, Platform, StaffRole } from '../domain/org.js';

const FULLWIDTH_OFFSET = 0xfee0;

/** Full-width ASCII (！ to ～) → ASCII, ideographic space → space. */
export function toHalfWidth(s: string): string {
  return s.replace(/[\uff01-\uff5e\u3000]/g, (ch) =>
    ch === '\u3000' ? ' ' : String.fromCharCode(ch.charCodeAt(0) - FULLWIDTH_OFFSET),
  );
}

/** Full-width digits and letters only; names keep their full-width punctuation （）. */
function alnumToHalfWidth(s: string): string {
  return s.replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, (ch) =>
    String.fromCharCode(ch.charCodeAt(0) - FULLWIDTH_OFFSET),
  );
}

/** An id (学号, 工号, QQ, 群号, 账号): half-width, no whitespace, no `.0` left by a spreadsheet. */
export function normalizeId(raw: string): string {
  const s = toHalfWidth(raw).replace(/\s+/g, '');
  const decimal = /^(\d+)\.0+$/.exec(s);
  return decimal?.[1] ?? s;
}

/** A name (person, college, class, group): trimmed, full-width digits and letters made half-width. */
export function normalizeName(raw: string): string {
  return alnumToHalfWidth(raw).trim();
}

const PHONE_PATTERN = /^1\d{10}$/;
const QQ_PATTERN = /^[1-9]\d{4,11}$/;

/** Strips +86 / 0086, spaces, dashes and brackets; returns the digits, which may still be malformed. */
export function normalizePhone(raw: string): string {
  const s = toHalfWidth(raw).replace(/[\s\-()（）]/g, '');
  const withoutCountry = s.replace(/^(\+86|0086)/, '');
  const decimal = /^(\d+)\.0+$/.exec(withoutCountry);
  return decimal?.[1] ?? withoutCountry;
}

export function isValidPhone(phone: string): boolean {
  return PHONE_PATTERN.test(phone);
}

export function isValidQq(qq: string): boolean {
  return QQ_PATTERN.test(qq);
}

/** Cells holding several values: 、 , ， ; ； / and line breaks separate them. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[、,，;；/\n\r]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function wordKey(raw: string): string {
  return toHalfWidth(raw)
    .toLowerCase()
    .replace(/[\s_\-]+/g, '');
}

const ROLE_WORDS: Record<string, StaffRole> = {
  组长: 'team_leader',
  学生工作组组长: 'team_leader',
  学工组组长: 'team_leader',
  teamleader: 'team_leader',
  工作组成员: 'team_member',
  学生工作组成员: 'team_member',
  学工组成员: 'team_member',
  成员: 'team_member',
  teammember: 'team_member',
  member: 'team_member',
  副书记: 'deputy_secretary',
  党总支副书记: 'deputy_secretary',
  学院党总支副书记: 'deputy_secretary',
  deputysecretary: 'deputy_secretary',
  学院领导: 'college_leader',
  党政班子成员: 'college_leader',
  学院党政班子成员: 'college_leader',
  班子成员: 'college_leader',
  collegeleader: 'college_leader',
  辅导员: 'counselor',
  counselor: 'counselor',
  counsellor: 'counselor',
  班主任: 'head_teacher',
  班导师: 'head_teacher',
  班导: 'head_teacher',
  headteacher: 'head_teacher',
  classteacher: 'head_teacher',
};

export function parseRole(raw: string): StaffRole | null {
  return ROLE_WORDS[wordKey(raw)] ?? null;
}

export const ROLE_LABELS: Record<StaffRole, string> = {
  team_leader: '组长',
  team_member: '工作组成员',
  deputy_secretary: '副书记',
  college_leader: '学院领导',
  counselor: '辅导员',
  head_teacher: '班主任',
};

/** Roles that belong to one college (the others are school-wide). */
export function isCollegeRole(role: StaffRole): boolean {
  return role === 'deputy_secretary' || role === 'college_leader' || role === 'counselor' || role === 'head_teacher';
}

/** Roles held for classes (负责班级): counselors and head teachers. */
export function isClassRole(role: StaffRole): boolean {
  return role === 'counselor' || role === 'head_teacher';
}

export interface LevelKind {
  level: GroupLevel;
  kind: GroupKind;
}

const LEVEL_WORDS: Record<string, LevelKind> = {};
function levelWords(level: GroupLevel, kind: GroupKind, words: string[]): void {
  for (const w of words) LEVEL_WORDS[wordKey(w)] = { level, kind };
}
levelWords(1, 'school', ['1', 'L1', '一级', '一级群', '一', 'school']);
levelWords(2, 'college', ['2', 'L2', '二级', '二级群', '二', 'college']);
levelWords(3, 'class', ['3', 'L3', '三级', '三级群', '三', 'class']);
levelWords(4, 'parents', ['4', 'L4', '四级', '四级群', '四', 'parents']);
levelWords(0, 'dorm', ['宿舍群', '宿舍', 'dorm', 'dormitory']);
levelWords(0, 'cadre', ['干部群', '学生干部群', '干部', 'cadre']);
levelWords(0, 'party', ['党员群', '学生党员群', '党员', 'party']);
levelWords(0, 'other', ['其他', '其他群', '其它', 'other']);

export function parseLevel(raw: string): LevelKind | null {
  return LEVEL_WORDS[wordKey(raw)] ?? null;
}

/** The level each kind must have; kinds of level 0 are the extra groups a college adds. */
export const KIND_LEVEL: Record<GroupKind, GroupLevel> = {
  school: 1,
  college: 2,
  class: 3,
  parents: 4,
  dorm: 0,
  cadre: 0,
  party: 0,
  other: 0,
};

export const KIND_LABELS: Record<GroupKind, string> = {
  school: '一级群',
  college: '二级群',
  class: '三级群',
  parents: '四级群',
  dorm: '宿舍群',
  cadre: '干部群',
  party: '党员群',
  other: '其他群',
};

const PLATFORM_WORDS: Record<string, Platform> = {
  qq: 'qq',
  微信: 'wechat',
  wechat: 'wechat',
  wx: 'wechat',
  weixin: 'wechat',
};

export function parsePlatform(raw: string): Platform | null {
  return PLATFORM_WORDS[wordKey(raw)] ?? null;
}

export const PLATFORM_LABELS: Record<Platform, string> = { qq: 'QQ', wechat: '微信' };

/** Header text → lookup key: half-width, lower case, no spaces, underscores, dashes, `*` or trailing （注释）. */
export function headerKey(raw: string): string {
  return toHalfWidth(raw)
    .trim()
    .replace(/\(.*\)$/, '')
    .toLowerCase()
    .replace(/[\s_\-*:]+/g, '');
}

/**
 * An exceljs cell value as text: integers without `.0` or exponent, rich text joined, formulas by their result,
 * hyperlinks by their text, dates as yyyy-mm-dd.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) {
      return v.richText.map((part: unknown) => String((part as { text?: unknown }).text ?? '')).join('');
    }
    if ('result' in v) return cellText(v.result);
    if ('text' in v) return cellText(v.text);
    if ('error' in v) return '';
  }
  return String(value);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  return String(n);
}
