/**
 * The grammar of what people type to the bot: `/通知 截止=18:00 正文`, `/未回复 12`, `@机器人 进度`,
 * `/帮助`. Pure and bounded. A `WordTable` (built from the commands the app registers) reads a
 * message's head — the command word — looking at a few characters only, so ordinary chat is turned
 * away on its first character and a long message costs nothing to reject; each command's arguments
 * are then read by its own parser, in time linear in their length.
 */
import { DAY_MS, fromWallClock, parseDuration, wallClock, type WallClock } from './duration.js';
import { isRelationWord } from './relations.js';

export type CommandErrorCode =
  | 'bad_deadline'
  | 'deadline_past'
  | 'bad_depth'
  | 'empty_body'
  | 'bad_option'
  | 'bad_review_ids'
  | 'too_many_ids'
  | 'bad_bind'
  | 'bad_unbind'
  | 'bad_posted'
  | 'bad_contact_query'
  | 'bad_verify'
  | 'bad_record'
  | 'bad_correction'
  | 'bad_called'
  | 'deadline_too_far'
  | 'empty_parents_text'
  | 'bad_revision';

/** A command's arguments could not be read: the app answers with the command's usage. */
export interface CommandError {
  readonly type: 'error';
  readonly command: string;
  readonly code: CommandErrorCode;
  /** The offending value or token, as typed. */
  readonly detail: string;
}

export function isCommandError(x: unknown): x is CommandError {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'error' && 'code' in x;
}

/** What argument parsers may need besides the text. */
export interface ParseEnv {
  readonly now: number;
  /** IANA zone deadlines are read in, e.g. `Asia/Shanghai`. */
  readonly timeZone: string;
  /** Most ids one command may name (`/确认 1-500` is refused, not expanded). */
  readonly maxIds: number;
}

export const DEFAULT_REPLY_HINT = '收到';
/** How far a directive goes when `/通知` names no depth and gives no parents' version (`directives.defaultDepth`). */
export const DEFAULT_DEPTH = 3;

/** A command as the head reader knows it: its name and the words that call it. */
export interface CommandWords {
  readonly name: string;
  readonly words: readonly string[];
  /** A number may follow the word without a space: `/未回复12`, `/确认3`. */
  readonly digitsFollow?: boolean;
  /** Only after a prefix: a bare `@机器人 确认` is not this command. */
  readonly prefixOnly?: boolean;
}

/** The command word of a message and what follows it; `name` null for `/xyz` with an unknown word. */
export interface CommandHead {
  readonly name: string | null;
  /** The word as typed. */
  readonly word: string;
  /** Everything after the word (and one separator). */
  readonly rest: string;
}

const PREFIX_CHARS = new Set(['/', '#', '／', '＃']);
const LEADING_MENTIONS = /^(?:\s*@[^\s@]{1,64})+\s+/u;
/** An unknown word longer than this after `/` is chat, not a mistyped command. */
const MAX_UNKNOWN_WORD_CHARS = 8;
/** Leading mentions and spaces looked through before the command word; a longer run is chat. */
const MAX_LEAD_CHARS = 256;

/**
 * QQ copies its classic faces as `/微笑`, `/呲牙`; they are not mistyped commands.
 * Only the faces people actually send; the list need not be complete.
 */
const QQ_FACE_WORDS = new Set(
  (
    '微笑 撇嘴 色 发呆 得意 流泪 害羞 闭嘴 睡 大哭 尴尬 发怒 调皮 呲牙 惊讶 难过 酷 冷汗 抓狂 吐 偷笑 可爱 白眼 傲慢 ' +
    '饥饿 困 惊恐 流汗 憨笑 奋斗 咒骂 疑问 嘘 晕 衰 骷髅 敲打 再见 擦汗 抠鼻 鼓掌 坏笑 哈欠 鄙视 委屈 快哭了 阴险 ' +
    '亲亲 可怜 菜刀 西瓜 啤酒 咖啡 玫瑰 凋谢 爱心 心碎 蛋糕 礼物 拥抱 强 弱 握手 胜利 抱拳 拳头 爱你 捂脸 笑哭 ' +
    '奸笑 机智 皱眉 耶 吃瓜 加油 汗 天啊 旺柴 打脸 哇 ok no'
  ).split(' '),
);

/**
 * The command words of the registered commands, longest first (`未回复` wins over `未回`). ASCII
 * words match case-insensitively. Throws when two commands share a word.
 */
export class WordTable {
  private readonly entries: readonly (readonly [string, CommandWords])[];
  private readonly longest: number;

  constructor(commands: readonly CommandWords[]) {
    const seen = new Map<string, string>();
    const entries: (readonly [string, CommandWords])[] = [];
    for (const c of commands) {
      for (const w of c.words) {
        const word = w.toLowerCase();
        const other = seen.get(word);
        if (other !== undefined) throw new Error(`the command word "${w}" belongs to both ${other} and ${c.name}`);
        seen.set(word, c.name);
        entries.push([word, c]);
      }
    }
    this.entries = entries.sort((a, b) => b[0].length - a[0].length);
    this.longest = Math.max(1, ...entries.map(([w]) => w.length));
  }

  /**
   * The head of a command message, or null for ordinary chat. Reads at most a few hundred characters
   * whatever the message's length. `mentionsBot`: the platform says the message @-mentions the bot,
   * so a known word counts without a prefix (`@机器人 进度`).
   */
  read(text: string, mentionsBot: boolean): CommandHead | null {
    let s = text.slice(0, MAX_LEAD_CHARS + this.longest + MAX_UNKNOWN_WORD_CHARS + 2).trimStart();
    const first = s.charAt(0);
    if (first === '') return null;
    if (!mentionsBot && !PREFIX_CHARS.has(first) && first !== '@') return null;
    // Offsets are kept so `rest` is cut from the whole text, not the window read.
    let offset = text.length - text.trimStart().length;
    if (s.startsWith('@')) {
      const m = LEADING_MENTIONS.exec(s);
      if (!m) return null;
      s = s.slice(m[0].length);
      offset += m[0].length;
    }
    const prefix = s.charAt(0);
    if (PREFIX_CHARS.has(prefix)) return this.prefixed(text, s.slice(1), offset + 1, prefix === '/' || prefix === '／');
    return mentionsBot ? this.bare(text, s, offset) : null;
  }

  /** After `/` or `#`. `#` starts hashtags and WeChat 接龙 (`#接龙`), so only known words count there. */
  private prefixed(text: string, s: string, offset: number, slash: boolean): CommandHead | null {
    const known = this.match(s);
    if (known) {
      const after = s.slice(known.length, known.length + 4);
      // A slash is deliberate: `/通知明天开会` is a command. After `#` the word must stand alone (`#通知#` is a topic).
      if (slash ? !continuesAsciiWord(known.word, after) : isBoundary(after, known.entry, false)) {
        return { name: known.entry.name, word: known.word, rest: stripSeparator(text.slice(offset + known.length)) };
      }
    }
    if (!slash) return null;
    const m = /^[\p{L}][\p{L}\p{N}_]*/u.exec(s.slice(0, MAX_UNKNOWN_WORD_CHARS + 1));
    if (!m) return null;
    const word = m[0];
    const after = s.charAt(word.length);
    if (after !== '' && !/[\s\p{P}]/u.test(after)) return null;
    if (/[/.:：@\\]/u.test(after)) return null; // paths, URLs, e-mail
    if ([...word].length > MAX_UNKNOWN_WORD_CHARS || QQ_FACE_WORDS.has(word.toLowerCase())) return null;
    return { name: null, word, rest: text.slice(offset + word.length) };
  }

  /** `@机器人 未回复 12`: a known word that stands alone; anything else is chat with the bot. */
  private bare(text: string, s: string, offset: number): CommandHead | null {
    const known = this.match(s);
    if (!known || known.entry.prefixOnly === true) return null;
    const after = s.slice(known.length, known.length + 4);
    const rest = text.slice(offset + known.length);
    if (isBoundary(after, known.entry, true)) return { name: known.entry.name, word: known.word, rest: stripSeparator(rest) };
    if (/^[?？]\s*$/u.test(rest)) return { name: known.entry.name, word: known.word, rest: '' };
    return null;
  }

  private match(s: string): { word: string; entry: CommandWords; length: number } | null {
    const lower = s.slice(0, this.longest).toLowerCase().replace(/^？/u, '?');
    for (const [word, entry] of this.entries) {
      if (lower.startsWith(word)) return { word: s.slice(0, word.length), entry, length: word.length };
    }
    return null;
  }
}

function continuesAsciiWord(word: string, after: string): boolean {
  return /[a-z]$/iu.test(word) && /^[a-z0-9_]/iu.test(after);
}

/**
 * Whether the command word ends here. Digits may follow a word that takes a number (`未回复12`);
 * `#12` too, except after a `#` prefix, where `#进度#` is a topic, not a command.
 */
function isBoundary(after: string, entry: CommandWords, hashNumber: boolean): boolean {
  if (after === '' || /^[\s:：,，]/u.test(after)) return true;
  if (entry.digitsFollow !== true) return false;
  return /^(?:[0-9０-９]|no\.?\d)/iu.test(after) || (hashNumber && /^[#＃][0-9０-９]/u.test(after));
}

/** `/通知：正文`, `/未回复，12`: one separator after the word is not part of the arguments. */
function stripSeparator(rest: string): string {
  return rest.replace(/^[:：,，]/u, '');
}

/** Whitespace-separated tokens, in one linear pass. */
function words(text: string): string[] {
  return text.split(/\s+/u).filter((t) => t !== '');
}

// ─── /未回复, /进度, /催办 ────────────────────────────────────────────────────────────────

/** `[编号] [学院或班级]`: which directive (null: the latest the asker sees) and a college or class name. */
export interface QueryArgs {
  readonly directiveId: number | null;
  /** A college or class name, free text; the app resolves it. */
  readonly filter: string | null;
}

const DIRECTIVE_ID = /^(?:#|no\.?|第)?(\d{1,9})(?:号|条|期)?$/u;

function parseDirectiveId(token: string): number | null {
  const m = DIRECTIVE_ID.exec(token.normalize('NFKC').toLowerCase());
  if (!m?.[1]) return null;
  const id = Number(m[1]);
  return id > 0 ? id : null;
}

/** `[编号] [筛选]`; the 编号 may also come last (`/未回复 计算机学院 12`). */
export function parseQueryArgs(rest: string): QueryArgs {
  // A trailing `@机器人` is how some people address the bot; it is not a filter.
  const tokens = words(rest).filter((t) => !t.startsWith('@'));
  const head = tokens[0];
  const tail = tokens[tokens.length - 1];
  let directiveId: number | null = null;
  if (head !== undefined && (directiveId = parseDirectiveId(head)) !== null) tokens.shift();
  else if (tail !== undefined && (directiveId = parseDirectiveId(tail)) !== null) tokens.pop();
  const filter = tokens.join(' ');
  return { directiveId, filter: filter === '' ? null : filter };
}

// ─── /核对 ────────────────────────────────────────────────────────────────────────────────

/** `/核对 [群]`: a group key (`L3:计算机2301`), a class or college name, or null: the group it was sent in. */
export interface AuditArgs {
  readonly target: string | null;
}

export function parseAuditArgs(rest: string): AuditArgs {
  const target = rest.trim();
  return { target: target === '' ? null : target };
}

// ─── /绑定, /解绑 ─────────────────────────────────────────────────────────────────────────

export interface AccountRef {
  readonly platform: 'qq' | 'wechat';
  readonly userId: string;
}

/** `/绑定 <学号> <姓名>` (a student) or `/绑定 <学生学号> <学生姓名> <关系>` (a parent). */
export interface BindArgs {
  readonly studentNo: string;
  readonly name: string;
  /** One of RELATION_WORDS (妈妈, 爸爸, 家长 …); null for a student binding themselves. */
  readonly relation: string | null;
  /** A counselor binding someone else's account: `qq:12345` / `wechat:wxid_…` (as `/核对` lists them). */
  readonly account: AccountRef | null;
}

/** `/解绑 qq:12345`: a counselor removes a binding in their scope. */
export interface UnbindArgs {
  readonly account: AccountRef;
}

/** `qq:12345`, `QQ：12345`, `wechat:wxid_x`, `微信:wxid_x`; nothing else (it is echoed in the answer). */
export function parseAccount(token: string): AccountRef | null {
  const m = /^(qq|wechat|wx|微信)[:：]([\w@.-]{1,64})$/iu.exec(token.normalize('NFKC'));
  if (!m?.[1] || !m[2]) return null;
  const platform = m[1].toLowerCase() === 'qq' ? 'qq' : 'wechat';
  // A QQ number is 5 to 12 digits; a WeChat id is a word of at most 64 characters.
  if (platform === 'qq' && !/^\d{5,12}$/u.test(m[2])) return null;
  return { platform, userId: m[2] };
}

export function parseBindArgs(rest: string): BindArgs | CommandError {
  const tokens = words(rest.normalize('NFKC'));
  const last = tokens.at(-1);
  const account = last !== undefined && tokens.length >= 3 ? parseAccount(last) : null;
  if (account) tokens.pop();
  const [no, name, relation, ...extra] = tokens;
  // Only a known relation word: whatever else was typed is not read, and never echoed.
  const fits = no !== undefined && /^\d{4,20}$/u.test(no) && name !== undefined && (relation === undefined || isRelationWord(relation)) && extra.length === 0;
  if (!fits) return { type: 'error', command: 'bind', code: 'bad_bind', detail: '' };
  return { studentNo: no, name, relation: relation ?? null, account };
}

export function parseUnbindArgs(rest: string): UnbindArgs | CommandError {
  const account = parseAccount(rest.trim());
  return account ? { account } : { type: 'error', command: 'unbind', code: 'bad_unbind', detail: rest.trim() };
}

// ─── /确认, /忽略, /已转发 ────────────────────────────────────────────────────────────────

/** `/确认 3 5`, `/确认 全部`, `/确认 3 #12` (count an ambiguous reply for directive 12 only), `/忽略 4`. */
export interface SettleArgs {
  /** Review item numbers, each once, in the order typed; empty with `all`. */
  readonly ids: readonly number[];
  readonly all: boolean;
  readonly directiveId: number | null;
}

/**
 * `3 5`, `3,5`, `3-5`, `全部`, plus an optional `#12` naming the directive. At most `maxIds` ids in
 * all (ranges included): a longer list is an error, not a long loop.
 */
export function parseSettleArgs(command: string, rest: string, maxIds: number): SettleArgs | CommandError {
  const seen = new Set<number>();
  let named = 0;
  let all = false;
  let directiveId: number | null = null;
  const error = (code: CommandErrorCode, detail: string): CommandError => ({ type: 'error', command, code, detail });
  for (const raw of rest.normalize('NFKC').split(/[\s,，、]+/u)) {
    const token = raw.trim();
    if (token === '') continue;
    if (/^(?:全部|所有|all)$/iu.test(token)) {
      all = true;
      continue;
    }
    const ref = /^(?:#|第)(\d{1,9})号?$/u.exec(token);
    if (ref?.[1] !== undefined) {
      directiveId = Number(ref[1]);
      continue;
    }
    const range = /^(\d{1,9})(?:-(\d{1,9}))?$/u.exec(token);
    if (range?.[1] === undefined) return error('bad_review_ids', token);
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (to < from) return error('bad_review_ids', token);
    // Every id written counts, repeats too: `1-200 1-200 …` is as long a loop as 1-20000.
    named += to - from + 1;
    if (named > maxIds) return error('too_many_ids', String(maxIds));
    for (let n = from; n <= to; n++) seen.add(n);
  }
  if (!all && seen.size === 0) return error('bad_review_ids', rest.trim());
  return { ids: [...seen], all, directiveId };
}

/** `/已转发 12 13`: the asker posted these manual tasks by hand. */
export interface PostedArgs {
  readonly ids: readonly number[];
}

export function parsePostedArgs(rest: string, maxIds: number): PostedArgs | CommandError {
  const seen = new Set<number>();
  for (const token of rest.normalize('NFKC').split(/[\s,，、]+/u)) {
    if (token === '') continue;
    const n = /^(?:#|第)?(\d{1,12})号?$/u.exec(token)?.[1];
    const id = n === undefined ? NaN : Number(n);
    if (!Number.isSafeInteger(id)) return { type: 'error', command: 'posted', code: 'bad_posted', detail: rest.trim() };
    seen.add(id);
    if (seen.size > maxIds) return { type: 'error', command: 'posted', code: 'too_many_ids', detail: String(maxIds) };
  }
  if (seen.size === 0) return { type: 'error', command: 'posted', code: 'bad_posted', detail: rest.trim() };
  return { ids: [...seen] };
}

// ─── /通知 ────────────────────────────────────────────────────────────────────────────────

type OptionKey = 'deadline' | 'depth' | 'to' | 'colleges' | 'completion' | 'mode' | 'reply' | 'urgent' | 'sms' | 'fields';

/** `/收集 字段=体温,所在地`: at most this many fields, each at most FIELD_MAX_CHARS. */
export const MAX_FIELDS = 10;
const FIELD_MAX_CHARS = 12;

const OPTION_KEYS: ReadonlyMap<string, OptionKey> = new Map([
  ['字段', 'fields'],
  ['项目', 'fields'],
  ['收集', 'fields'],
  ['截止', 'deadline'],
  ['截至', 'deadline'],
  ['截止时间', 'deadline'],
  ['期限', 'deadline'],
  ['deadline', 'deadline'],
  ['层级', 'depth'],
  ['级别', 'depth'],
  ['至', 'to'],
  ['到', 'to'],
  ['下发至', 'to'],
  ['depth', 'depth'],
  ['学院', 'colleges'],
  ['college', 'colleges'],
  ['落实', 'completion'],
  ['需落实', 'completion'],
  ['模式', 'mode'],
  ['mode', 'mode'],
  ['回复', 'reply'],
  ['reply', 'reply'],
  ['紧急', 'urgent'],
  ['加急', 'urgent'],
  ['短信', 'sms'],
  ['sms', 'sms'],
]);

/** Options written as a bare word. */
const FLAG_WORDS: ReadonlyMap<string, (o: NotifyDraft) => void> = new Map([
  ['落实', (o: NotifyDraft) => void (o.requireCompletion = true)],
  ['需落实', (o: NotifyDraft) => void (o.requireCompletion = true)],
  ['需要落实', (o: NotifyDraft) => void (o.requireCompletion = true)],
  ['逐级', (o: NotifyDraft) => void (o.mode = 'step')],
  ['立即', (o: NotifyDraft) => void (o.mode = 'immediate')],
  ['紧急', (o: NotifyDraft) => void (o.urgent = true)],
  ['加急', (o: NotifyDraft) => void (o.urgent = true)],
  ['短信', (o: NotifyDraft) => void (o.sms = true)],
]);

const YES = new Set(['是', '要', '需', '需要', '对', 'yes', 'y', 'true', '1']);
const NO = new Set(['否', '不', '不要', '不需要', '无', 'no', 'n', 'false', '0']);

const DEPTH_WORDS: ReadonlyMap<string, 2 | 3 | 4> = new Map([
  ['2', 2],
  ['二', 2],
  ['学院', 2],
  ['院', 2],
  ['3', 3],
  ['三', 3],
  ['班级', 3],
  ['班', 3],
  ['4', 4],
  ['四', 4],
  ['家长', 4],
]);

interface NotifyDraft {
  fields: string[] | null;
  extra: string[] | null;
  deadlineAt: number | null;
  depth: 2 | 3 | 4 | null;
  colleges: string[] | null;
  requireCompletion: boolean;
  mode: 'immediate' | 'step';
  replyHint: string;
  urgent: boolean;
  sms: boolean;
}

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The first `max` whitespace-separated tokens: reading the options never walks a long body. */
function tokenize(s: string, max: number): Token[] {
  const tokens: Token[] = [];
  for (const m of s.matchAll(/\S+/gu)) {
    if (tokens.length >= max) break;
    tokens.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/** Most option tokens read before the body of a `/通知`. */
const MAX_OPTION_TOKENS = 16;

function notifyError(code: CommandErrorCode, detail: string): CommandError {
  return { type: 'error', command: 'notify', code, detail };
}

/** `/通知 [选项…] 正文`: options first (`截止=18:00`, `层级=3`, `逐级` …), then the body. */
export interface NotifyArgs {
  readonly body: string;
  readonly deadlineAt: number | null;
  /** 2: college groups only; 3: down to class groups; 4: down to parents groups; null: not given (the app's default, or 4 with a parents' version). */
  readonly depth: 2 | 3 | 4 | null;
  /** `家长版：…` after the text: what the parents groups receive instead (issue #15); null: none. */
  readonly parentsText: string | null;
  /** `字段=体温,所在地` (a collection, `/收集`): the fields read out of each answer; null: none named. */
  readonly fields: string[] | null;
  /** College names as typed (the app validates them); null: every college. */
  readonly colleges: string[] | null;
  /**
   * `至=干部群` (宿舍群, 党员群, or an extra group's name; several with `,`): the extra groups of the
   * issuer's scope it goes to instead of the levels (issue #15); null: none.
   */
  readonly extra: string[] | null;
  readonly requireCompletion: boolean;
  readonly mode: 'immediate' | 'step';
  readonly replyHint: string;
  readonly urgent: boolean;
  /** 短信: texted at release to every family with no guardian in a parents group. */
  readonly sms: boolean;
}

export function parseNotifyArgs(rest: string, ctx: Pick<ParseEnv, 'now' | 'timeZone'>): NotifyArgs | CommandError {
  const draft: NotifyDraft = {
    deadlineAt: null,
    depth: null,
    fields: null,
    extra: null,
    colleges: null,
    requireCompletion: false,
    mode: 'immediate',
    replyHint: DEFAULT_REPLY_HINT,
    urgent: false,
    sms: false,
  };
  // Options come first and are few; a run longer than this is the body (one extra token reads a deadline's clock).
  const tokens = tokenize(rest, MAX_OPTION_TOKENS + 2);
  let i = 0;
  for (; i < tokens.length && i < MAX_OPTION_TOKENS; i++) {
    const token = tokens[i];
    if (!token) break;
    const flag = FLAG_WORDS.get(token.text.normalize('NFKC').toLowerCase());
    if (flag) {
      flag(draft);
      continue;
    }
    const option = splitOption(token.text);
    if (!option) break;
    const key = OPTION_KEYS.get(option.key.toLowerCase());
    if (!key) {
      // `foo=bar` is a mistyped option; `注意：明天…` is the body.
      if (option.sep === '=') return notifyError('bad_option', token.text);
      break;
    }
    let value = option.value;
    if (key === 'deadline') {
      const next = tokens[i + 1];
      if (next && looksLikeDatePart(value) && looksLikeClock(next.text)) {
        value = `${value} ${next.text}`;
        i++;
      }
    }
    const error = applyOption(draft, key, value, token.text, ctx);
    if (error) return error;
  }
  const bodyStart = tokens[i]?.start;
  const whole = bodyStart === undefined ? '' : rest.slice(bodyStart).trimEnd();
  // `家长版：…` (at a line's start or after a space) splits the text: what follows is the parents' version.
  // At the very start it is the second-message form (`/通知 家长版：…` quoting the first): the app decides.
  const found = PARENTS_VERSION.exec(whole);
  const split = found && found.index > 0 ? found : null;
  const body = (split ? whole.slice(0, split.index) : whole).trim();
  const parentsText = split ? whole.slice(split.index + split[0].length).trim() : null;
  if (body === '') return notifyError('empty_body', '');
  if (parentsText === '') return notifyError('empty_parents_text', '');
  return { body, ...draft, parentsText };
}

const PARENTS_VERSION = /(?:^|\s)[【\[]?家长版[】\]]?\s*[:：]\s*/u;

/** `key=value` with `=`, `＝`, `:` or `：`; the key must look like a word, not a URL scheme or a time. */
function splitOption(token: string): { key: string; sep: '=' | ':'; value: string } | null {
  const m = /^([\p{L}_]{1,8})([=＝:：])(.*)$/u.exec(token);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return null;
  if (m[3].startsWith('//')) return null;
  return { key: m[1], sep: m[2] === '=' || m[2] === '＝' ? '=' : ':', value: m[3] };
}

function applyOption(
  draft: NotifyDraft,
  key: OptionKey,
  value: string,
  token: string,
  ctx: Pick<ParseEnv, 'now' | 'timeZone'>,
): CommandError | null {
  const v = value.normalize('NFKC').trim().toLowerCase();
  switch (key) {
    case 'deadline': {
      const r = resolveDeadline(value, ctx.now, ctx.timeZone);
      if (!r.ok) return notifyError(r.code, value);
      draft.deadlineAt = r.at;
      return null;
    }
    case 'depth': {
      const depth = DEPTH_WORDS.get(v.replace(/群$/u, '').replace(/级$/u, ''));
      if (depth === undefined) return notifyError('bad_depth', value);
      draft.depth = depth;
      return null;
    }
    case 'to': {
      // `至=家长` / `至=班级` is a depth; anything else names extra groups (the app finds them).
      const depth = DEPTH_WORDS.get(v.replace(/群$/u, '').replace(/级$/u, ''));
      if (depth !== undefined) {
        draft.depth = depth;
        return null;
      }
      const names = [...new Set(value.split(/[,，、;；]/u).map((n) => n.trim()).filter((n) => n !== ''))];
      if (names.length === 0 || names.length > 10 || names.some((n) => [...n].length > 30)) return notifyError('bad_option', token);
      draft.extra = names;
      return null;
    }
    case 'colleges': {
      const names = [...new Set(value.split(/[,，、;；]/u).map((n) => n.trim()).filter((n) => n !== ''))];
      if (names.length === 0) return notifyError('bad_option', token);
      draft.colleges = names;
      return null;
    }
    case 'fields': {
      const names = [...new Set(value.split(/[,，、;；]/u).map((n) => n.trim()).filter((n) => n !== ''))];
      if (names.length === 0 || names.length > MAX_FIELDS || names.some((n) => [...n].length > FIELD_MAX_CHARS)) return notifyError('bad_option', token);
      draft.fields = names;
      return null;
    }
    case 'completion':
    case 'urgent':
    case 'sms': {
      const on = YES.has(v) ? true : NO.has(v) ? false : null;
      if (on === null) return notifyError('bad_option', token);
      if (key === 'completion') draft.requireCompletion = on;
      else if (key === 'urgent') draft.urgent = on;
      else draft.sms = on;
      return null;
    }
    case 'mode': {
      if (v === '逐级' || v === 'step') draft.mode = 'step';
      else if (v === '立即' || v === 'immediate') draft.mode = 'immediate';
      else return notifyError('bad_option', token);
      return null;
    }
    case 'reply': {
      const hint = value.trim();
      if (hint === '') return notifyError('bad_option', token);
      draft.replyHint = hint;
      return null;
    }
  }
}

// ─── deadlines ────────────────────────────────────────────────────────────────────────────

export type DeadlineResult =
  | { readonly ok: true; readonly at: number }
  | { readonly ok: false; readonly code: 'bad_deadline' | 'deadline_past' | 'deadline_too_far' };

/** A date written without a year that has passed is taken as next year's only if that is this close. */
const NEXT_YEAR_WINDOW_DAYS = 183;
/** A date without a clock time means the end of that day. */
const END_OF_DAY = { hour: 23, minute: 59 } as const;

const DATE_PART = String.raw`(?:(?<y>\d{4})[-/.年](?<ym>\d{1,2})[-/.月](?<yd>\d{1,2})|(?<m>\d{1,2})[-/月](?<d>\d{1,2}))[日号]?`;
const DAY_WORD = '大后天|后天|今天|今日|明天|明日|今|明';
const WEEK_PART = '(?:周|星期|礼拜)(?<weekday>[一二三四五六日天1-7])';
const PERIOD = '上午|早上|早晨|清晨|凌晨|中午|下午|傍晚|晚上|夜里|夜间|早|晚';
const CLOCK_PART = String.raw`(?<hour>\d{1,2})(?:[:.](?<minute>\d{2})|(?:点|时)(?:(?<half>半)|(?<cnMinute>\d{1,2})分?|整|钟)?)`;
const DEADLINE = new RegExp(
  `^(?:${DATE_PART}|(?<dayWord>${DAY_WORD})|${WEEK_PART})?[\\st]*(?<period>${PERIOD})?\\s*(?:${CLOCK_PART})?$`,
  'u',
);
/** `11-30` in `截止=11-30 18:00`: the clock time is the next token. */
const DATE_ONLY = new RegExp(`^(?:${DATE_PART}|${DAY_WORD}|${WEEK_PART})(?:${PERIOD})?$`, 'u');
const CLOCK_ONLY = new RegExp(`^(?:${PERIOD})?${CLOCK_PART}(?:之?前|以前)?$`, 'u');
const DAY_OFFSETS: ReadonlyMap<string, number> = new Map([
  ['今', 0],
  ['今天', 0],
  ['今日', 0],
  ['明', 1],
  ['明天', 1],
  ['明日', 1],
  ['后天', 2],
  ['大后天', 3],
]);
const WEEKDAY_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['日', 0],
  ['天', 0],
  ['7', 0],
  ['一', 1],
  ['1', 1],
  ['二', 2],
  ['2', 2],
  ['三', 3],
  ['3', 3],
  ['四', 4],
  ['4', 4],
  ['五', 5],
  ['5', 5],
  ['六', 6],
  ['6', 6],
]);
const PM_PERIODS = new Set(['下午', '傍晚', '晚上', '夜里', '夜间', '晚']);
const NIGHT_PERIODS = new Set(['晚上', '夜里', '夜间', '晚']);
const AM_PERIODS = new Set(['上午', '早上', '早晨', '清晨', '凌晨', '早']);

function looksLikeDatePart(value: string): boolean {
  return DATE_ONLY.test(value.normalize('NFKC').trim());
}

function looksLikeClock(token: string): boolean {
  return CLOCK_ONLY.test(token.normalize('NFKC').trim());
}

/**
 * A deadline as typed, against `now` in `timeZone`. Relative (`2h`, `2小时`, `30分钟`, `1天`) or
 * absolute (`18:00`, `今晚8点`, `明早8点`, `后天9:30`, `周五18:00`, `11月30日18:00`, `11-30 18:00`,
 * `2026-11-30 18:00`). A bare clock time already past today means tomorrow; a dated time in the
 * past is `deadline_past`; a date without a time means 23:59 that day.
 */
/** A deadline is at most this far ahead (a longer one is a typo, and dates past year 275,760 do not exist). */
export const MAX_DEADLINE_AHEAD_MS = 366 * 86_400_000;

export function resolveDeadline(input: string, now: number, timeZone: string): DeadlineResult {
  const r = resolveAnyDeadline(input, now, timeZone);
  return r.ok && !(r.at - now <= MAX_DEADLINE_AHEAD_MS) ? { ok: false, code: 'deadline_too_far' } : r;
}

function resolveAnyDeadline(input: string, now: number, timeZone: string): DeadlineResult {
  const v = input
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/(?:之前|以前|前|为止|截止)$/u, '')
    .trim();
  if (v === '') return { ok: false, code: 'bad_deadline' };
  const relative = parseDuration(v.replace(/(?:之后|以后|以内|后|内)$/u, ''));
  if (relative !== null) return relative > 0 ? { ok: true, at: now + relative } : { ok: false, code: 'bad_deadline' };
  const m = DEADLINE.exec(v);
  if (!m) return { ok: false, code: 'bad_deadline' };
  const { y: year, dayWord, weekday, period, hour: hourText, minute: minuteText, half, cnMinute } = m.groups ?? {};
  const month = m.groups?.['ym'] ?? m.groups?.['m'];
  const day = m.groups?.['yd'] ?? m.groups?.['d'];
  const hasDate = month !== undefined;
  if (!hasDate && dayWord === undefined && weekday === undefined && period === undefined && hourText === undefined) {
    return { ok: false, code: 'bad_deadline' };
  }
  const clock = resolveClock(period, hourText, half ? '30' : (minuteText ?? cnMinute));
  if (!clock) return { ok: false, code: 'bad_deadline' };
  const today = wallClock(now, timeZone);
  if (hasDate) return resolveDated(today, year, Number(month), Number(day), clock, now, timeZone);
  if (dayWord !== undefined) {
    const at = atDay(today, DAY_OFFSETS.get(dayWord) ?? 0, clock, timeZone);
    return at > now ? { ok: true, at } : { ok: false, code: 'deadline_past' };
  }
  if (weekday !== undefined) {
    const ahead = ((WEEKDAY_NUMBERS.get(weekday) ?? 0) - today.weekday + 7) % 7;
    const at = atDay(today, ahead, clock, timeZone);
    return { ok: true, at: at > now ? at : atDay(today, ahead + 7, clock, timeZone) };
  }
  const at = atDay(today, 0, clock, timeZone);
  return { ok: true, at: at > now ? at : atDay(today, 1, clock, timeZone) };
}

interface Clock {
  readonly hour: number;
  readonly minute: number;
}

function resolveClock(period: string | undefined, hourText: string | undefined, minuteText: string | undefined): Clock | null {
  if (hourText === undefined) {
    return period === undefined || NIGHT_PERIODS.has(period) ? END_OF_DAY : null;
  }
  let hour = Number(hourText);
  const minute = minuteText === undefined ? 0 : Number(minuteText);
  if (minute > 59 || hour > 24 || (hour === 24 && minute > 0)) return null;
  if (period !== undefined) {
    if (AM_PERIODS.has(period)) {
      if (hour > 12) return null;
      if (hour === 12 && period === '凌晨') hour = 0;
    } else if (PM_PERIODS.has(period)) {
      if (hour < 12) hour += 12;
      else if (hour === 12 && NIGHT_PERIODS.has(period)) hour = 24;
    } else if (hour < 3) {
      hour += 12; // 中午1点 is 13:00
    }
  }
  return { hour, minute };
}

function atDay(today: WallClock, daysAhead: number, clock: Clock, timeZone: string): number {
  return fromWallClock({ year: today.year, month: today.month, day: today.day + daysAhead, ...clock }, timeZone);
}

function resolveDated(
  today: WallClock,
  yearText: string | undefined,
  month: number,
  day: number,
  clock: Clock,
  now: number,
  timeZone: string,
): DeadlineResult {
  const year = yearText === undefined ? today.year : Number(yearText);
  if (!isCalendarDate(year, month, day)) return { ok: false, code: 'bad_deadline' };
  const at = fromWallClock({ year, month, day, ...clock }, timeZone);
  if (at > now) return { ok: true, at };
  if (yearText === undefined && isCalendarDate(year + 1, month, day)) {
    const next = fromWallClock({ year: year + 1, month, day, ...clock }, timeZone);
    if (next - now <= NEXT_YEAR_WINDOW_DAYS * DAY_MS) return { ok: true, at: next };
  }
  return { ok: false, code: 'deadline_past' };
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}
