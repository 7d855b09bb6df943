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
  readonly outcome: { readonly kind: 'confirmed' } | { readonly kind: 'wrong'; readonly phone: string } | { readonly kind: 'unreachable' };
}

const CONFIRMED = new Set(['电话已核实', '已核实', '核实', '正确', '无误', '号码正确', '已确认']);
const WRONG = new Set(['号码错误', '错误', '号码有误', '更正', '改为', '新号码']);
const UNREACHABLE = new Set(['联系不上', '无法联系', '打不通', '空号', '停机', '无人接听']);

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
  // `号码错误 13900000000`, or the new number alone.
  const phone = WRONG.has(word) ? readMobile(more.join('')) : more.length === 0 ? readMobile(word) : undefined;
  return phone ? { studentNo, who, outcome: { kind: 'wrong', phone } } : error;
}
