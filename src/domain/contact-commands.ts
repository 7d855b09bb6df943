/** Arguments of the address-book commands (`/通讯录`, `/核实`): pure, bounded, linear. */
import type { CommandError } from './commands.js';

/** `/通讯录 [班级|学号|姓名]`: what to look up; '' for the overview of one's classes. */
export interface AddressQuery {
  readonly term: string;
}

const MAX_TERM = 40;

export function parseAddressQuery(rest: string): AddressQuery | CommandError {
  const term = rest.normalize('NFKC').trim();
  if (term.length > MAX_TERM || /\s/u.test(term)) return { type: 'error', command: 'addressbook', code: 'bad_contact_query', detail: '' };
  return { term };
}

/** `/核实 <学号> <本人|家长|关系|姓名> [电话已核实|号码错误 新号码|联系不上]`. */
export interface VerifyArgs {
  readonly studentNo: string;
  /** 本人, 家长, a relation (父亲) or a guardian's name. */
  readonly who: string;
  readonly outcome: { readonly kind: 'confirmed' } | { readonly kind: 'wrong'; readonly phone: string } | { readonly kind: 'unreachable' } | { readonly kind: 'sms_code' };
}

const CONFIRMED = new Set(['电话已核实', '已核实', '核实', '正确', '无误', '号码正确', '已确认']);
const WRONG = new Set(['号码错误', '错误', '号码有误', '更正', '改为', '新号码']);
const UNREACHABLE = new Set(['联系不上', '无法联系', '打不通', '空号', '停机', '无人接听']);
const SMS_CODE = new Set(['短信验证', '短信核实', '发验证码']);

/** An 11-digit mainland mobile number, written with or without +86, spaces or dashes. */
export function readMobile(raw: string): string | undefined {
  const digits = raw.replace(/[\s\-()（）]/gu, '').replace(/^(\+86|0086)/u, '');
  return /^1\d{10}$/u.test(digits) ? digits : undefined;
}

export function parseVerifyArgs(rest: string): VerifyArgs | CommandError {
  const error: CommandError = { type: 'error', command: 'verify', code: 'bad_verify', detail: '' };
  const text = rest.normalize('NFKC').trim();
  if (text.length > 80) return error;
  const [studentNo, who, word, ...more] = text.split(/\s+/u);
  if (!studentNo || !who || !/^[0-9A-Za-z]{4,20}$/u.test(studentNo) || who.length > 10) return error;
  if (word === undefined || CONFIRMED.has(word)) return more.length > 0 ? error : { studentNo, who, outcome: { kind: 'confirmed' } };
  if (UNREACHABLE.has(word)) return more.length > 0 ? error : { studentNo, who, outcome: { kind: 'unreachable' } };
  if (SMS_CODE.has(word)) return more.length > 0 ? error : { studentNo, who, outcome: { kind: 'sms_code' } };
  // `号码错误 13900000000`, or the new number alone.
  const phone = WRONG.has(word) ? readMobile(more.join('')) : more.length === 0 ? readMobile(word) : undefined;
  return phone ? { studentNo, who, outcome: { kind: 'wrong', phone } } : error;
}

/** The channels staff write in `/记录` (the bot's own are recorded by Cascade). */
export type StaffChannel = 'phone' | 'sms' | 'wechat' | 'qq' | 'video' | 'meeting';

const CHANNEL_WORDS: Readonly<Record<string, StaffChannel>> = {
  电话: 'phone',
  打电话: 'phone',
  通话: 'phone',
  短信: 'sms',
  微信: 'wechat',
  qq: 'qq',
  视频: 'video',
  视频通话: 'video',
  面谈: 'meeting',
  当面: 'meeting',
  家访: 'meeting',
  见面: 'meeting',
};

export function channelOf(word: string): StaffChannel | undefined {
  return CHANNEL_WORDS[word.toLowerCase()];
}

/** What one contact-log line may hold (content and outcome together). */
export const MAX_RECORD_CHARS = 300;

/** `/记录 <学号或姓名> [本人|关系|家长姓名] <渠道> <内容> [结果：…]`; `/记录` alone lists one's entries. */
export type RecordArgs =
  | { readonly kind: 'list' }
  | { readonly kind: 'add'; readonly student: string; readonly who: string | null; readonly channel: StaffChannel; readonly text: string; readonly outcome: string | null };

/** Splits `内容 结果：后续` into the text and the outcome. */
function textAndOutcome(raw: string): { text: string; outcome: string | null } {
  const m = /^(.*?)\s*(?:结果|后续|跟进)[:：]\s*(.*)$/su.exec(raw);
  const text = (m ? (m[1] ?? '') : raw).trim();
  const outcome = m ? (m[2] ?? '').trim() || null : null;
  return { text, outcome };
}

export function parseRecordArgs(rest: string): RecordArgs | CommandError {
  const error: CommandError = { type: 'error', command: 'record', code: 'bad_record', detail: '' };
  // Tokens are read half-width (２０２３…, ＱＱ); what was said is kept as written.
  const text = rest.trim();
  if (text === '') return { kind: 'list' };
  if (text.length > MAX_RECORD_CHARS + 60) return error;
  const m = /^(\S+)\s+(\S+)(?:\s+(\S+))?(?:\s+([\s\S]*))?$/u.exec(text);
  if (!m) return error;
  const nfkc = (t: string | undefined): string | undefined => t?.normalize('NFKC');
  const [student = '', second = '', third] = [nfkc(m[1]), nfkc(m[2]), nfkc(m[3])];
  const more = m[4];
  if (student.length > 20) return error;
  let who: string | null = null;
  let channel = channelOf(second);
  let body: string;
  if (channel) body = [m[3], more].filter((x) => x !== undefined).join(' ');
  else {
    channel = third === undefined ? undefined : channelOf(third);
    if (!channel || second.length > 10) return error;
    who = second;
    body = more ?? '';
  }
  const split = textAndOutcome(body);
  if (split.text === '' || split.text.length + (split.outcome?.length ?? 0) > MAX_RECORD_CHARS) return error;
  return { kind: 'add', student, who, channel, text: split.text, outcome: split.outcome };
}

/** `/更正记录 <编号> <新内容> [结果：…]`. */
export interface CorrectArgs {
  readonly id: number;
  readonly text: string;
  readonly outcome: string | null;
}

export function parseCorrectArgs(rest: string): CorrectArgs | CommandError {
  const error: CommandError = { type: 'error', command: 'correct', code: 'bad_correction', detail: '' };
  const m = /^[#＃]?([0-9０-９]{1,9})\s+([\s\S]+)$/u.exec(rest.trim());
  if (!m) return error;
  const split = textAndOutcome(m[2] ?? '');
  if (split.text === '' || split.text.length + (split.outcome?.length ?? 0) > MAX_RECORD_CHARS) return error;
  return { id: Number((m[1] ?? '').normalize('NFKC')), text: split.text, outcome: split.outcome };
}

/** `/已联系 <编号> <结果>`: a call from a call list was made; what came of it. */
export interface CalledArgs {
  readonly id: number;
  readonly result: string;
}

export function parseCalledArgs(rest: string): CalledArgs | CommandError {
  const m = /^[#＃]?([0-9０-９]{1,9})\s+([\s\S]+)$/u.exec(rest.trim());
  const result = m?.[2]?.replace(/\s+/gu, ' ').trim() ?? '';
  if (!m || result === '' || result.length > MAX_RECORD_CHARS) return { type: 'error', command: 'called', code: 'bad_called', detail: '' };
  return { id: Number((m[1] ?? '').normalize('NFKC')), result };
}
