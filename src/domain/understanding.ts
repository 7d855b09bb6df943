/**
 * What a reply in a group means: `ack` (received), `done` (relayed or carried out), `negative`
 * (not received, cannot open, cannot do), `question`, or `other`, with a confidence, plus what the
 * reply says about its sender (`张三妈妈收到` → 张三, 妈妈), the figures of a completion report, a
 * directive number it cites, and whether it takes back an earlier reply (`刚才回错了`).
 *
 * The text is normalised first (traditional to simplified, full-width to half-width, platform
 * face codes, a WeChat quoted block and @-mentions removed), then split into clauses so that a
 * negation only reaches its own clause and a later clause can overrule an earlier one
 * (`之前没收到，现在收到了`). Runs on every inbound message: keep it allocation-light.
 */

import { parseChain } from './chain.js';
import { QQ_ACK_FACE_IDS, QQ_FACE_NAMES } from './qq-faces.js';

export type ReplyLabel = 'ack' | 'done' | 'negative' | 'question' | 'other';
export const REPLY_LABELS: readonly ReplyLabel[] = ['ack', 'done', 'negative', 'question', 'other'];

export interface Understanding {
  readonly label: ReplyLabel;
  /**
   * 0…1. 0.97 a plain 收到; 0.93 a named one (张三妈妈收到); ≥ 0.9 otherwise clear; 0.85 a typo'd
   * 收到 (收道); 0.6 a plain 好的; 0.5 a bare 👍 or an unasked 1.
   */
  readonly confidence: number;
  /** Names the sender identifies with (`张三妈妈收到`, `2301张三 收到`); the app matches them to the roster. */
  readonly names: readonly string[];
  /** How the sender relates to the named student (妈妈, 爸爸, 家长), when they said so. */
  readonly relation: string | null;
  /** Figures of a completion report as written (`42/42`, `应到42实到42`). */
  readonly figures: readonly string[];
  /** A directive number the reply cites (`#12 收到`, `12号通知收到`). */
  readonly directiveRef: number | null;
  /** The sender takes back an earlier reply (`刚才回错了`, `发错群了`). */
  readonly retract: boolean;
}

export interface ReplyContext {
  /** What people were asked to reply (`收到`, `1`, `已阅`). */
  readonly replyHint: string;
}

export const CONFIDENCE = {
  exact: 0.97,
  clear: 0.93,
  contains: 0.9,
  strongWord: 0.88,
  /** A typo'd 收到 (收道, 手到) and other near-misses; a named 收到 gets `clear`. */
  named: 0.85,
  long: 0.8,
  recovered: 0.8,
  weakWord: 0.6,
  emoji: 0.5,
  otherClear: 0.9,
  otherDefault: 0.7,
} as const;

/** Longer than this (after normalising), a message that merely contains 收到 is chat, not a reply. */
export const LONG_REPLY_CHARS = 40;
/** Up to this, a message containing 收到 reads as a short reply. */
const SHORT_REPLY_CHARS = 20;
/**
 * Only this much of a message is classified: far beyond LONG_REPLY_CHARS, so it reads as long
 * either way, and it bounds the work any rule can do on an adversarial message.
 */
export const MAX_CLASSIFIED_CHARS = 2000;
/** A 接龙's last entry is looked for among its last this many lines (blank lines and notes may follow it). */
const LAST_ENTRY_LINES = 20;

// ---------------------------------------------------------------------------------------------
// Normalisation

/** Traditional forms of the characters the rules and names look for (some parents type traditional): pairs. */
const TRADITIONAL_PAIRS =
  '請请復复覆复沒没達达轉转發发謝谢師师麼么嗎吗問问開开讀读閱阅傳传實实還还應应執执經经學学們们馬马說说個个這这長长媽妈爺爷會会過过載载點点裡里裏里該该辦办寫写報报來来時时間间為为與与總总數数號号誰谁對对錯错聽听見见覺觉員员組组級级處处務务張张趙赵錢钱孫孙陳陈劉刘黃黄鄭郑吳吴週周無无後后麗丽龍龙蘭兰華华東东誌志偉伟劍剑軍军紅红愛爱鳳凤寶宝貝贝雲云準准參参機机腦脑電电話话簽签網网絡络幾几嗎吗樓楼證证';
const TRADITIONAL: ReadonlyMap<string, string> = new Map(
  Array.from({ length: TRADITIONAL_PAIRS.length / 2 }, (_, i) => [TRADITIONAL_PAIRS[2 * i] ?? '', TRADITIONAL_PAIRS[2 * i + 1] ?? ''] as const),
);
const TRADITIONAL_CHARS = [...TRADITIONAL.keys()];
const TRADITIONAL_TEST = new RegExp(`[${TRADITIONAL_CHARS.join('')}]`, 'u');
const TRADITIONAL_ALL = new RegExp(`[${TRADITIONAL_CHARS.join('')}]`, 'gu');

/** Face names that mean OK: WeChat's `[OK]`, `[强]`, `[抱拳]` and QQ's (`[赞]`, `[/敬礼]`). */
const ACK_FACE_NAMES: ReadonlySet<string> = new Set([
  'ok', '强', '赞', '点赞', '好的', '收到', '耶', '胜利', '敬礼', 'good',
  ...[...QQ_ACK_FACE_IDS].map((faceId) => (QQ_FACE_NAMES.get(faceId) ?? '').toLowerCase()).filter((n) => n !== ''),
]);
const ACK_EMOJI = new Set(['👌', '👍', '✅', '✔', '☑', '🆗', '🤝', '✌']);
/** Smiles and flowers: friendly beside an ack emoji (😊👍), not a receipt alone. */
const FRIENDLY_EMOJI = new Set(['😊', '🙂', '😄', '😁', '😀', '☺', '🌹', '🌸', '💐', '🙏', '❤', '💪', '🥰', '😃']);

/** WeChat writes a quote-reply as `「张三：原文」`, a line of dashes, then the reply. */
// Spaces only inside the line (not `\s`): a run of newlines must not be rescanned from each one.
const WECHAT_QUOTE_SEPARATOR = /\n[^\S\n]*(?:-[^\S\n]*){5,}\n/u;
/** How far into a message a WeChat quote's separator is looked for (a quoted post is rarely longer). */
const MAX_QUOTE_CHARS = 8000;

/**
 * A WeChat quote-reply, `「张三：原文」`, a line of dashes, then the reply: the quoted text and the
 * reply, or null when the message is not one. Linear in the first MAX_QUOTE_CHARS, whatever the text.
 */
export function weChatQuote(text: string): { readonly quoted: string; readonly reply: string } | null {
  const start = text.length - text.trimStart().length;
  if (text.charAt(start) !== '「') return null;
  const head = text.slice(0, MAX_QUOTE_CHARS);
  const sep = WECHAT_QUOTE_SEPARATOR.exec(head);
  if (!sep) return null;
  const close = head.lastIndexOf('」', sep.index);
  if (close <= start || head.slice(close + 1, sep.index).trim() !== '') return null;
  return { quoted: head.slice(start + 1, close), reply: text.slice(sep.index + sep[0].length) };
}
// CQ arguments escape `[` and `]`: stopping at either keeps a run of `[CQ:x,` linear.
const CQ_CODE = /\[CQ:([a-z_]+)((?:,[^\][]*)?)\]/gu;
const MENTION = /@[^\s@\u2005]{1,24}(?:[\s\u2005]+|$)/gu;
const FACE_CODE = /\[\/?([\p{L}\p{N}]{1,4})\]/gu;
const ACK_TOKEN = '\u{1F44D}';

/**
 * The reply as judged: its first MAX_CLASSIFIED_CHARS, the text after a WeChat quote, platform face
 * codes turned into 👍 (when they mean OK) or dropped, traditional characters simplified, NFKC
 * (full-width to half-width), lower case, @-mentions removed.
 */
export function prepareReply(text: string): string {
  // What follows a quote, and only its classified part: whom a reply names is read where its meaning is.
  let s = clip(weChatQuote(text)?.reply ?? text);
  if (s.includes('[CQ:')) s = s.replace(CQ_CODE, cqReplacement);
  if (TRADITIONAL_TEST.test(s)) s = s.replace(TRADITIONAL_ALL, (ch) => TRADITIONAL.get(ch) ?? ch);
  // NFKC only where it can change something: anything beyond ASCII and the CJK block (full-width
  // forms, CJK punctuation, circled digits). Invisible format characters (zero-width space, soft
  // hyphen, word joiner: `没\u200b收到`) go first, and ❓❔ read as `?`.
  if (NEEDS_NFKC.test(s)) {
    if (INVISIBLE_OR_QUESTION_EMOJI.test(s)) s = s.replace(FORMAT_CHARS, '').replace(QUESTION_EMOJIS, '?');
    s = s.normalize('NFKC');
  }
  if (HAS_UPPER.test(s)) s = s.toLowerCase();
  if (s.includes('[')) s = s.replace(FACE_CODE, (_m, name: string) => (ACK_FACE_NAMES.has(name) ? ACK_TOKEN : ' '));
  if (s.includes('@')) s = s.replace(MENTION, ' ');
  return s.trim();
}

const NEEDS_NFKC = /[^\x00-\x7f\u4e00-\u9fff]/u;
const INVISIBLE_OR_QUESTION_EMOJI = /[\p{Cf}\u2753\u2754]/u;
const FORMAT_CHARS = /\p{Cf}/gu;
const QUESTION_EMOJIS = /[\u2753\u2754]/gu;
const HAS_UPPER = /[A-Z\u00c0-\u024f\u0391-\u03a9\u0410-\u042f]/u;

function cqReplacement(_m: string, type: string, args: string): string {
  if (type === 'face') {
    const id = /id=(\d+)/u.exec(args)?.[1];
    return id !== undefined && QQ_ACK_FACE_IDS.has(Number(id)) ? ACK_TOKEN : ' ';
  }
  if (type === 'at') return '@x ';
  if (type === 'image' || type === 'record' || type === 'video' || type === 'file') return ' ';
  return ' ';
}

const INNER_EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\u20E3\u200D]+/gu;

/** `收到收到` → `收到`, `哈哈哈` → `哈`; a doubled single character stays (`谢谢`, `妈妈`). */
function collapseRepeats(s: string): string {
  if (s.length < 3 || !hasAdjacentRepeat(s)) return s;
  return s.replace(/(.)\1{2,}/gu, '$1').replace(/(.{2,4}?)\1+/gu, '$1');
}

/** Whether some unit runs three times or some 2–4 units come twice in a row: else nothing to collapse. */
function hasAdjacentRepeat(s: string): boolean {
  const n = s.length;
  for (let i = 0; i + 2 < n; i++) {
    const c = s.charCodeAt(i);
    if (c === s.charCodeAt(i + 1) && c === s.charCodeAt(i + 2)) return true;
  }
  for (let len = 2; len <= 4; len++) {
    for (let i = 0; i + 2 * len <= n; i++) {
      let same = true;
      for (let k = 0; k < len && same; k++) same = s.charCodeAt(i + k) === s.charCodeAt(i + len + k);
      if (same) return true;
    }
  }
  return false;
}

/** The prepared text without edge punctuation and emoji, repeats collapsed: what the rules read. */
export function normalizeReply(text: string): string {
  return coreOf(prepareReply(text));
}

function coreOf(prepared: string): string {
  let s = trimNoise(prepared);
  if (INNER_EMOJI.test(s)) s = s.replace(INNER_EMOJI, ' ').trim();
  if (s.includes(' ')) s = s.replace(HAN_GAP, '$1$2');
  return collapseRepeats(s);
}

const NOISE_CHAR = /^[\s\p{P}\p{S}\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\u20E3\u200D]$/u;

/** Edge punctuation, symbols and emoji removed from both ends, by hand: a regex anchored at the end tries every position. */
function trimNoise(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end) {
    const cp = s.codePointAt(start) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (!isNoise(cp, ch)) break;
    start += ch.length;
  }
  while (end > start) {
    let i = end - 1;
    const low = s.charCodeAt(i);
    if (low >= 0xdc00 && low <= 0xdfff && i > start) i--;
    const cp = s.codePointAt(i) ?? 0;
    if (!isNoise(cp, String.fromCodePoint(cp))) break;
    end = i;
  }
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Whether the run of punctuation, symbols and emoji at the end holds a `?` (`收到？`, `收到？！`,
 * `收到?。`, `收到❓`), scanned by hand from the end.
 */
function endsWithQuestionMark(s: string): boolean {
  if (!s.includes('?')) return false;
  let end = s.length;
  while (end > 0) {
    let i = end - 1;
    const low = s.charCodeAt(i);
    if (low >= 0xdc00 && low <= 0xdfff && i > 0) i--;
    const cp = s.codePointAt(i) ?? 0;
    if (cp === 0x3f) return true;
    if (!isNoise(cp, String.fromCodePoint(cp))) return false;
    end = i;
  }
  return false;
}

function isNoise(cp: number, ch: string): boolean {
  // Letters, digits and CJK ideographs are never noise: skip the Unicode-property test for them.
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x4e00 && cp <= 0x9fff)) return false;
  return NOISE_CHAR.test(ch);
}

/** `收 到`: a space typed between two characters. */
const HAN_GAP = /(?<![\u4e00-\u9fff])([\u4e00-\u9fff])\s+(?=([\u4e00-\u9fff])(?![\u4e00-\u9fff]))/gu;

// ---------------------------------------------------------------------------------------------
// Who the sender says they are

const RELATIONS = '妈妈|爸爸|家长|母亲|父亲|奶奶|爷爷|外婆|外公|姥姥|姥爷|监护人|哥哥|姐姐|姑姑|舅舅|阿姨|叔叔|家属|妈|爸';
/** Words that look like a name before 家长/妈妈 but are not one. */
const NOT_NAMES = new Set([
  '孩子', '学生', '各位', '我们', '大家', '同学', '本人', '小孩', '我家', '宝宝', '老师', '所有', '全体', '各班', '班级', '学院',
  '请各位', '请', '的', '他', '她', '我', '你', '您', '哪位', '这位', '那位', '新生', '部分', '其他', '个别', '一些', '没有',
  '还有', '已经', '都', '给', '通知', '联系', '配合', '提醒', '告知', '转告', '是', '位', '群里', '群', '收到', '好的',
]);
const HAN_NAME = '[\\u4e00-\\u9fff]{2,4}?';
/** `我是张三妈妈`, `张三的家长`, `张三妈妈收到`, `收到，王五爸爸`. */
const NAMED_RELATION = new RegExp(`(?:我是)?(${HAN_NAME})(?:同学)?(?:的|他|她)?(${RELATIONS})`, 'gu');
/** `2301张三`, `2301班张三`, `计算机2101张三`: digits then a name. */
const NUMBER_THEN_NAME = /\d{1,12}(?:\s*班)?[\s\-_).、]*([\u4e00-\u9fff]{2,3}?)(?=$|[\s,.!~:、。\-]|收|已|好|明|了|到|\+?\d)/gu;
/** `张三1234`, `张三-计算机2001`, `张三(2301)`. */
const NAME_THEN_NUMBER = /(?:^|[\s,.!~:、。])([\u4e00-\u9fff]{2,3})\s*(?:[-_(]\s*)?(?:[\u4e00-\u9fff]{0,4}\d{2,12})/gu;
/** A bare name before or after 收到 (`张三收到`, `收到 张三`): only as a candidate for the roster to confirm. */
const NAME_AROUND_ACK =
  /(?:^|[\s,.:、])([\u4e00-\u9fff]{2,3})(?:[\s,.:、]*(?=(?:已经?)?(?:收到|已阅|已读|已填|已提交|已完成|已交|已报|明白|知道|了解))|\s*:)|(?:收到|已阅|已读|已填|已提交|已完成|已交|已报|明白|知道了?)[\u4e00-\u9fff]{0,2}?[,.!~:、\s]+([\u4e00-\u9fff]{2,3})$/gu;

const SELF_NAMED = /我是([\u4e00-\u9fff]{2,3})(?=$|[\s,.!~、])/u;
const LEADING_NAME = /^([\u4e00-\u9fff]{2,3})\s+\S/u;
const MAY_NAME_AROUND_ACK = /收到|已[阅读填提完交报]|明白|知道|了解|:/;

interface Identity {
  readonly names: string[];
  readonly relation: string | null;
  /** The text with the self-identification removed. */
  readonly rest: string;
}

const NO_NAMES: readonly string[] = Object.freeze([]);

function identify(s: string): Identity {
  const names: string[] = [];
  let relation: string | null = null;
  let rest = s;
  if (/妈|爸|家长|母亲|父亲|奶奶|爷爷|外婆|外公|姥|监护人|哥哥|姐姐|姑姑|舅舅|阿姨|叔叔|家属/u.test(s)) {
    rest = rest.replace(NAMED_RELATION, (m, name: string, rel: string) => {
      const clean = name.replace(/^(?:我是|是|我)/u, '');
      if (clean.length < 2 || NOT_NAMES.has(clean) || /[们各位请]/u.test(clean) || !isNameLike(clean)) return m;
      if (!names.includes(clean)) names.push(clean);
      relation ??= rel;
      return ' ';
    });
  }
  if (/\d/u.test(rest)) {
    rest = rest.replace(NUMBER_THEN_NAME, (m, name: string) => (keepName(names, name) ? m.replace(name, ' ') : m));
    rest = rest.replace(NAME_THEN_NUMBER, (m, name: string) => keepName(names, name) ? ' ' : m);
  }
  if (names.length === 0) {
    // `我是黄磊`, `林晓 周末回不了学校` (a 接龙 line): a name said outright, or first and set apart.
    const said = SELF_NAMED.exec(rest) ?? LEADING_NAME.exec(rest);
    const name = said?.[1];
    if (name !== undefined && isNameLike(name)) {
      names.push(name);
      rest = rest.replace(name, ' ');
    }
  }
  if (names.length === 0 && rest.length >= 4 && MAY_NAME_AROUND_ACK.test(rest)) {
    for (const bare of rest.matchAll(NAME_AROUND_ACK)) {
      const name = bare[1] ?? bare[2];
      if (name !== undefined && isNameLike(name)) {
        names.push(name);
        rest = rest.replace(name, ' ');
        break;
      }
    }
  }
  return { names, relation, rest: rest.trim() };
}

/** Two- and three-character words around 收到 that are not names. */
const NOT_BARE_NAMES = /^(?:好的?|好滴|好嘞|已经|均已|都已|全部|我们|我已|我家|本人|孩子|同学|老师|家长|谢谢|嗯嗯|明白|知道|了解|马上|已|均|都|我|也|刚刚?|现在|今天|已全部|通知|文件|信息|消息|短信|邮件|资料|附件|表格|链接|全体|各班|大家|班级|群里|刚才|昨天|之前|后来|重新|终于|这边|那边|已收|现已|我也|也已|确认|一切|完全|全都|早就|早已|真的|没有|还没|尚未|是否|有没|可以|应该|肯定|确实|已经都|我们都|都已经)$/u;

/** The commonest Chinese surnames: a found "name" must start with one (the roster has the final say). */
const SURNAMES = new Set([
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝',
]);
const TITLE_SUFFIX = /(?:老师|同学|书记|主任|领导|校长|院长|辅导员|班长|家长|妈妈|爸爸)$/u;

function isNameLike(name: string): boolean {
  return (
    SURNAMES.has(name.charAt(0)) &&
    !TITLE_SUFFIX.test(name) &&
    !NOT_NAMES.has(name) &&
    !NOT_BARE_NAMES.test(name) &&
    !/[的了吗呢吧啊哦嗯是在有没不也都已收到好请他她]/u.test(name.slice(1)) &&
    !/孩子|同学|老师/u.test(name)
  );
}

function keepName(names: string[], name: string): boolean {
  if (!isNameLike(name) || /班|级|院|系|专业/u.test(name)) return false;
  if (!names.includes(name)) names.push(name);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Rules
//
// The rule patterns below are written without the `u` flag where they can be (no \p{…}, nothing
// beyond the BMP): V8 runs them about a quarter faster, and over Chinese text and ASCII they match the same.

/** A retraction on its own: only the sender says these of a message (`发错群了`, `请忽略上一条`). */
const RETRACT_SELF =
  /发错群|回错群|手滑|拿我手机|回(?:另一个|另外一?个|别的|其他)群|发(?:给|到)(?:另一个|另外一?个|别的|其他)群|wrong (?:group|chat)|sent (?:it )?by mistake|忽略(?:我|刚才|刚刚|上一?条|上面|这条|那条)/;
/** An error word; a retraction only with RETRACT_CONTEXT (`刚才回错了`, not `老师发错了`). */
const RETRACT_ERROR =
  /(?:回|发|答|打|点|按)错|乱发|乱按|乱点|错发|误发|误回|回复错|发串了|不是这个群|不算数?$|不作数|作废|请忽略|忽略$/;
/** The sender's own earlier message: first person, just now, an apology, their own 撤回. */
const RETRACT_CONTEXT = /我|刚才|刚刚|上面那个|上一?条是我|这条是我|不好意思|抱歉|对不起|sorry|^撤回|撤回$/;
/** Any of the words above: removed before looking for a negative beside them. */
const RETRACT_WORDS = new RegExp(`${RETRACT_SELF.source}|${RETRACT_ERROR.source}`, 'u');
/**
 * A message with a receipt word in it is a retraction only when it takes the receipt back
 * (`上面那个收到不算`, `刚才的收到是回另一个群的`, `撤回，回错了，这条是给另一个群的收到`).
 */
const TAKE_BACK =
  /(?:上面|刚才|刚刚|上一?条|之前|前面)(?:的|那个|那条|发的|回的|回复的)?[^,.]{0,3}?收到.{0,16}?(?:不算|不作数|作废|无效|忽略|是回|是给|是发给|发错|回错|点错|乱发|拿我手机)|^撤回.{0,4}(?:回|发|点|按)错|(?:回|给)(?:另一个|另外一?个|别的|其他)群的收到/;

/** A character or word every retraction above has: most messages are ruled out by one scan. */
const MAY_RETRACT = /[错乱误滑群算废忽串效撤]|作数|是[回给发]|拿我手机|wrong|mistake/;

function isRetraction(core: string): boolean {
  if (!MAY_RETRACT.test(core)) return false;
  if (ACK_WORD.test(core)) return TAKE_BACK.test(core);
  return RETRACT_SELF.test(core) || (RETRACT_ERROR.test(core) && RETRACT_CONTEXT.test(core));
}
/** Instructions to others: `请各位同学回复收到`, `收到请回复1`, `不用回复收到`, `没收到的同学请私聊我`. */
const INSTRUCTION =
  /(?:请(?!问)|麻烦|务必|记得|需要|须|要求|不用|不必|无需|无须|勿|别|不要|尽快|及时)[^,.!?;]{0,14}(?:回复|接龙|回个|回一下|说一声|报一下)|收到(?:的|后)?(?:请|麻烦)?(?:回复|回|接龙|扣)\s*(?:\d|收到|一下|[a-z])|(?:还)?[没未]有?(?:收到|看到)[^,.!?;]{0,8}的(?:同学|家长|老师|人|朋友|请|可以|私聊|联系|及时|尽快|抓紧)|(?:看到|收到)(?:通知|消息|信息)?(?:的|后)(?:请|麻烦)|(?:请|麻烦)(?:大家|各位|同学们?|家长们?)|收到的(?:同学|家长|人|老师)|回复格式|格式[:为是]|回复收到(?:即可|就(?:行|好|可以))|只(?:需|要)回复/;
const ASKS_RECEIPT =
  /[没未]有?收到[^,.]{0,8}的[^,.]{0,8}(?:怎么办|咋办|怎么弄|如何)|哪(?:位|些|个)[^,.]{0,6}[没未]有?收到|谁收到|收到谁|有没有收到|收没收到|是否(?:都)?收到|是不是没收到|是不是都收到|还有没收到|谁没收到|谁还没收到|收到了?(?:没有?|未|咩|伐|木有|冇|否)(?:啊|呀|呢|哇|啦|嘛)?$|有收到(?:冇|未|咩|伐|木有|否)|都收到了?(?:吗|么|嘛)|收到了?(?:吗|么|嘛)|能收到吗|收到了没|有人收到|怎么确认收到|收到了?不/;
const QUESTION_WORDS =
  /吗|请问|(?<!没|没有)什么(?!都|也)|^(?:is|are|do|does|did|can|could|should|will|when|where|what|how|why|which|who)\b(?!')|在哪|同问|同求|求问|我也想(?:问|知道)|想问|问下|问一下|几楼|几个|几时|谁(?!都|也)|怎么|为什么|为啥|如何|什么时候|什么时间|哪里|哪儿|哪个|哪些|哪天|哪位|几号|几点|(?<![这前近那过])几天|多少|是否|是不是|能不能|可不可以|可以不|要不要|需不需要|用不用|有没有|会不会|行不行|对不对|还是|(?<!嗯|好的?|是|对)呢$|[么嘛]$|咋|(?<!没)啥(?!也|都)|了(?:没有?|未|木有|冇)(?:呢|啊|呀|哇|嘛)?$|有(?:个|一个|几个)问题/;
const CONFUSED = /不太?(?:明白|清楚|懂|了解|知道)(?!了)/;
/** Not received / cannot open / cannot do. Kept per clause. */
const NEGATIVE =
  /[没未]有?(?:收到|看到|接到|见到|通知到)|没(?:看|听)懂|被(?:微信|qq)?屏蔽|乱七八糟|(?:啥|什么)(?:也|都)没有|失败|not received|didn'?t (?:get|receive)|can'?t open|cannot open|(?:[没未冇]|木有)(?!问题|事|关系|毛病|错)[^,.!?;\s回复人多久会想过几等]{0,3}?收到|收不到|没得到|不会收到|收不了|打不开|看不到|看不了|看不见|下载不了|下不了|下载不下|点不开|进不去|登不上|登录不了|提交不了|填不了|交不了|上传不了|加载不出|显示不出|无法(?:打开|下载|查看|提交|填写|登录|上传|完成|参加|到场|按时|访问|进入)|[\u4e00-\u9fff]不(?:了(?!解)|上去)|[看扫打登签解进点填交下上传印载开存]不(?:清|出来?|进去|下来|开)|已?过期|乱码|被删除?|已删除|(?:没有|没)[^,.]{0,6}账号|\b404\b|0\s?kb|0字节|没反应|[回过赶]不(?:去|来)|看不懂|不识字|入口[^,.]{0,4}关|名额(?:已经?)?满|空白|是空的|无权限|没有权限|没找到|找不到|不显示|报错|闪退|加载失败|提交失败|登录失败|失效|过期了|做不了|做不到|办不到|去不了|来不了|参加不了|完成不了|赶不上|没法(?:去|做|完成|参加|提交|填)|不能(?:参加|按时|完成|去|来|提交)|不在群|没看见|(?<![没如若果么])有(?:点|些)?问题(?=$|[,.!;~]|啊|呀|哦|哈)|损坏|下不来|[去来做办弄]不成/;
/** Double negation: `不是没收到`, `并非没收到` — the clause says it was received. */
const DOUBLE_NEGATION = /(?:不是|并非|并不是|也不是)[没未]有?收到/;
/** The clause says it is there now (`现在收到了`, `已经看到了`). */
const RECOVERED =
  /(?:现在|已经|刚刚|刚才|后来|又|重新|终于|这次|这下|可以)(?:也|都)?(?:收到|看到|打开|找到|下载)了?|(?:能|可以)(?:打开|看到|收到|下载)了|好了|解决了|找到了/;
/** 已传达/已转发/已落实/已完成 and the like: a report that the work is done. */
const DONE =
  /^(?:填|交|做|签|办|弄|报|打卡)(?:好|完)?了|^(?:搞定|办妥|弄好|做好|填好|交好)(?:了|啦)?$|(?<![没未不])(?:提交|填好|交好|上交|报名)(?:啦|了)|报送|(?:并|且|也)(?:已经?)?(?:转发|传达|转达|下发|落实|通知)|(?:已经?|均已|都已|全部|已全部|都|均|全都)(?:经)?(?:[^,.!?没未不收]{0,4}?)(?:上报|汇总|打卡|上交|办理|办好|做完|做好|传达|转达|落实|完成|通知|下发|上报|提交|报备|填报|填写|填好|填完|处理|安排|部署|告知|转告|签字|签好|交|缴|报名|登记|统计|核实|确认完|发放|填|转|发(?:到|至|送|了|群|布|班|给|放|老师|邮箱|$))|(?<!收到|[没未不])(?:传达|转发|转达|落实|通知|下发|上报|提交|填报|报备|统计|部署|登记)(?:完毕|完成|到位|好了|了|啦|到)|(?:应到|应交|应报)\s*\d+(?:\s*人)?\s*(?:,\s*)?(?:实到|实交|已交|已报)\s*\d+|(?<!\d)\d+\s*\/\s*\d+(?:\s*人)?\s*(?:已|均|全)/;
/** `收到，稍后转发到班群`, `按要求落实`: a promise to do it, not a report that it is done. */
const PROMISE = /(?:稍后|马上|一会儿?|待会儿?|等会儿?|晚点|准备|即将|立即|随后|这就|尽快|按要求|(?<![班开例大晚早年])会|将)[^,.已]{0,3}?(?:转发|传达|转达|通知|落实|完成|填|交|发|上报|下发)/;
/** `昨晚班会上已经讲过了`, `forwarded to class groups`: done, in words the main pattern lacks. */
const DONE_MORE = /已经?[^,.没未不]{0,6}?(?:讲过|说过|强调过|讲了|宣讲|签字|签好)|^(?:forwarded|done|finished|completed|submitted)\b/;
/** A promise and no 已: `收到，稍后转发` is a receipt, `已转发，稍后再通知家长` is done. */
function onlyPromise(core: string): boolean {
  return PROMISE.test(core) && !/已|完毕|好了|过了/u.test(core.replace(PROMISE, ''));
}

/** `应到42实到0`, `已报备0人`, `0/42`: a report with nothing done is no completion. */
const ZERO_DONE = /(?:实到|实交|实报|实填|已[^,.\d]{0,4}?)\s*0+(?![\d.])|(?<![\d.])0+\s*\/\s*[1-9]/;
/** `还有5个同学没回复收到`: a status report about others, not a receipt. */
const OTHERS_STATUS = /还(?:有|差)[^,.]{0,8}[没未]有?(?:回复?|回|接龙|填|交|报)|[没未]有?回复?收到|(?<!\d)\d+\s*(?:人|位|名)?已回复|还(?:有|差)\s*\d+\s*(?:人|个|名|位)/;
/** `没有全部完成`, `还未全部传达`, `还有3个同学没填`: not done yet. */
const NOT_DONE = /(?:没有?|未|尚未|还没有?|还未)(?:全部|都|完成|传达|转发|落实|通知|填)|还(?:有|差)\s*(?:\d+\s*)?(?:个|名|位)?(?:人|同学|学生|家长)?[没未]|还(?:有|差)\d+/;
/** `没有全部完成`, `尚未传达`: the report is that it is not done. */
const NOT_ALL_DONE = /(?:没有?|未|尚未|还没有?|还未)(?:全部|都)|(?:尚未|还没有?|还未)(?:传达|转发|落实|完成|通知)/;
const FIGURES = /(?:应到|实到|应报|实报|应交|实交|应填|实填)\s*\d+\s*(?:人|名)?|(?<!\d)\d+\s*\/\s*\d+|(?<!\d)\d+(?:\.\d+)?\s*(?:%|人|个班级?|名)|(?<![零一二两三四五六七八九十百千])[零一二两三四五六七八九十百千]{1,6}(?:人|个班级?|名)|百分之[零一二两三四五六七八九十百]{1,4}/gu;
const DIRECTIVE_REF = /#\s*(\d{1,7})|第\s*(\d{1,7})\s*号|(\d{1,7})\s*号(?:通知|文件|任务)/u;

const ACK_WORD = /收到|收道|收倒|手到|搜到|首到|shoudao|sd(?![a-z])|收悉|已收(?!费|集)|(?<!not |n't )received|\bnoted\b/;
const EXACT_ACK =
  /^(?:(?:好的?|ok|嗯+|好滴|哦)[,. 、]*|已经?|均已|都|也|我也|我们?(?:已经?)?|(?:全部|都)已经?)?(?:收到|shoudao|sd)(?:了|啦|咯|哦|喽|嘞|哈|呢|的|滴)?(?:[,.!~ 、]*(?:谢谢您?|老师|辛苦了|好的|明白|感谢|ok|嗯|马上(?:办|处理|填|转发|落实)?|立即(?:执行|落实)?|会按时(?:完成|参加|提交)))*$/;
// No word here is a sequence of others (好的 is 好 + 的, 谢谢老师 is 谢谢 + 老师): each tail parses one
// way, so a long tail that fails at its end is not retried in exponentially many splits.
const POLITE_TAIL =
  '(?:[,.!~ 、]*(?:好|嗯|ok|老师们?|书记|领导|主任|谢谢(?:(?:[\u4e00-\u9fff]?老师|领导|书记)?(?:提醒|通知|关心)|[\u4e00-\u9fff]?老师|您)?|辛苦了?|感谢|呢|哈|呀|哦|喔|啦|嘞|滴|的|会(?:(?:按时|准时|及时)(?:完成|参加|提交|配合)|完成|参加|提交)|(?:一定|会)?(?:配合|遵守|照做|注意)))*';
/** Read-receipt words; `明白`, `了解` only as the whole reply (`我想了解一下…` is not one). */
const STRONG_ACK = new RegExp(
  `^(?:(?:好的?|ok|嗯+|哦+)[,. 、]*){0,2}(?:已阅|已读|阅|收|已收|收悉|已知悉|知悉|已知|已知晓|知晓|晓得|明白|了解|知道|清楚|晓得|遵照执行|照办|看到|看到了|已看|已看到|已查收|查收|get|got it|roger|received|noted|copy that|一定配合|会配合)(?:了|咯|喽|啦|哈|呀|哒)?${POLITE_TAIL}$`,
  'u',
);
const READ_RECEIPT = /已阅|已读|收悉|知悉|已查收|已看到/;
const WEAK_ACK = new RegExp(
  `^(?:好的?|好滴|好哒|好嘞|好吧|嗯+|嗯[呐呢哪]|哦+|ok+|okay|ok的|行|可以|没问题|是的?|对|嗯嗯好|好好)${POLITE_TAIL}$`,
  'u',
);
/** Thanks and greetings alone: polite, but not a receipt. */
const POLITE_ONLY = /^(?:谢谢|谢谢老师|感谢|感谢老师|辛苦了|老师辛苦了|辛苦|老师好|谢谢您|多谢|好的谢谢)$/;

const CLAUSE_SPLIT = /[,.!?;~、\s]+|但是|但|可是|不过|就是|只是/u;

function make(
  label: ReplyLabel,
  confidence: number,
  id: Identity | null,
  figures: readonly string[] = NO_NAMES,
  directiveRef: number | null = null,
  retract = false,
): Understanding {
  return {
    label,
    confidence,
    names: id && id.names.length > 0 ? id.names : NO_NAMES,
    relation: id?.relation ?? null,
    figures,
    directiveRef,
    retract,
  };
}

/** Classifies one reply. */
export function understandReply(text: string, ctx: ReplyContext): Understanding {
  if (text.includes('接龙')) {
    // A 接龙 version: what the sender said is, as a rule, the line they added at the end. Read
    // before clipping (the last line is what counts); parseChain clips each line itself.
    const chain = parseChain(text, LAST_ENTRY_LINES);
    const last = chain?.entries[chain.entries.length - 1];
    if (chain) return last ? understandReply(last.text, ctx) : make('other', CONFIDENCE.otherClear, null);
  }
  const prepared = prepareReply(text);
  if (/^[?]+$/u.test(prepared)) return make('question', CONFIDENCE.clear, null);
  if (SAME_QUESTION.test(prepared) && quotesQuestion(text)) return make('question', CONFIDENCE.long, null);
  const hasMark = endsWithQuestionMark(prepared);
  let directiveRef: number | null = null;
  let body = prepared;
  if (body.includes('#') || body.includes('号')) {
    const ref = DIRECTIVE_REF.exec(body);
    if (ref) {
      directiveRef = Number(ref[1] ?? ref[2] ?? ref[3]);
      body = body.replace(ref[0], ' ');
    }
  }
  // The commonest replies (收到, 收到了, 好的收到, 收到，谢谢老师) need none of the checks below.
  const plainCore = coreOf(body);
  if (!hasMark && EXACT_ACK.test(plainCore)) return make('ack', CONFIDENCE.exact, null, NO_NAMES, directiveRef);
  const id = identify(body);
  const core = id.rest === body ? plainCore : coreOf(id.rest);
  if (core === '') {
    const emoji = bareEmoji(id.rest, ctx, id, directiveRef);
    // `张三妈妈` alone, as a 接龙 line would be: a receipt, but a weak one.
    if (emoji.label === 'other' && id.names.length > 0 && !hasMark) return make('ack', CONFIDENCE.emoji, id, NO_NAMES, directiveRef);
    return emoji;
  }
  if (isRetraction(core) && !NEGATIVE.test(core.replace(RETRACT_WORDS, '')) && !hasMark && !QUESTION_WORDS.test(core)) return make('other', CONFIDENCE.otherClear, id, NO_NAMES, directiveRef, true);
  const figures = /[\d零一二两三四五六七八九十百千]/u.test(body) ? (body.match(FIGURES) ?? NO_NAMES).map((f) => f.trim()) : NO_NAMES;
  const trouble = classifyTrouble(core, hasMark, id, directiveRef);
  if (trouble) return trouble;
  if ((DONE.test(core) || DONE_MORE.test(core)) && !NOT_ALL_DONE.test(core) && !ZERO_DONE.test(core) && !onlyPromise(core)) {
    return make('done', CONFIDENCE.contains, id, figures, directiveRef);
  }
  if (OTHERS_STATUS.test(core)) return make('other', CONFIDENCE.otherDefault, id, figures, directiveRef);
  const ack = classifyAck(core, id, directiveRef);
  const hinted = withHint(ack, prepared, core, ctx, id, directiveRef);
  if (hinted) return hinted;
  if (NOT_DONE.test(core)) return make('other', CONFIDENCE.otherDefault, id, figures, directiveRef);
  return make('other', POLITE_ONLY.test(core) ? CONFIDENCE.otherClear : CONFIDENCE.otherDefault, id, NO_NAMES, directiveRef);
}

/** The first MAX_CLASSIFIED_CHARS of a message, not cutting a surrogate pair. */
function clip(text: string): string {
  if (text.length <= MAX_CLASSIFIED_CHARS) return text;
  const high = text.charCodeAt(MAX_CLASSIFIED_CHARS - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_CLASSIFIED_CHARS - 1 : MAX_CLASSIFIED_CHARS);
}

/** `+1` or `同问` under a quoted question: the same question. */
const SAME_QUESTION = /^(?:(?:\+1)+|同问|同求|我也想问|一样的问题|me too)$/u;

function quotesQuestion(text: string): boolean {
  const quoted = weChatQuote(text)?.quoted;
  if (quoted === undefined) return false;
  return /[?？]|吗|请问|怎么|什么|哪|要不要|是不是|能不能|可不可以|有没有|会不会|用不用|需不需要/u.test(quoted);
}

function bareEmoji(prepared: string, ctx: ReplyContext, id: Identity, ref: number | null): Understanding {
  const units = [...prepared.matchAll(/\p{Extended_Pictographic}|[\u2705\u2714\u2611]/gu)].map((m) => m[0]);
  if (units.length > 0 && units.some((u) => ACK_EMOJI.has(u)) && units.every((u) => ACK_EMOJI.has(u) || FRIENDLY_EMOJI.has(u))) {
    const asked = ctx.replyHint.trim() !== '' && units.every((u) => u === ctx.replyHint.trim());
    return make('ack', asked ? CONFIDENCE.exact : CONFIDENCE.emoji, id, NO_NAMES, ref);
  }
  return make('other', CONFIDENCE.otherDefault, id, NO_NAMES, ref);
}

/** Didn't get it, can't open it, asks something, or tells others what to reply: never an acknowledgement. */
function classifyTrouble(core: string, hasMark: boolean, id: Identity, ref: number | null): Understanding | null {
  if (INSTRUCTION.test(core) && !/^(?:好的?|ok)?[,. ]*收到[,. ]/u.test(core)) return make('other', CONFIDENCE.otherClear, id, NO_NAMES, ref);
  if (ASKS_RECEIPT.test(core) && !NEGATIVE_STATEMENT.test(core)) return make('question', CONFIDENCE.clear, id, NO_NAMES, ref);
  if (NEGATIVE.test(core) || CANT.test(core)) {
    const verdict = negationVerdict(core);
    if (verdict === 'negative') return make('negative', CONFIDENCE.clear, id, NO_NAMES, ref);
    if (verdict === 'recovered') return make(hasMark ? 'question' : 'ack', CONFIDENCE.recovered, id, NO_NAMES, ref);
  }
  if (hasMark) return make('question', CONFIDENCE.clear, id, NO_NAMES, ref);
  if ((QUESTION_WORDS.test(core) || tagQuestion(core)) && !DECLARATIVE_QUESTION_WORD.test(core)) return make('question', CONFIDENCE.long, id, NO_NAMES, ref);
  if (CONFUSED.test(core)) return make('question', CONFIDENCE.long, id, NO_NAMES, ref);
  return null;
}

/** `可以电子签名不`, `交电子版就可以了吧`: a question by its last character. */
function tagQuestion(core: string): boolean {
  const last = core.charCodeAt(core.length - 1);
  if (last === 0x4e0d /* 不 */) return TAG_BU.test(core);
  if (last === 0x5427 /* 吧 */) return TAG_BA.test(core);
  return false;
}
const TAG_BU = /[^,.]{3}不$/u;
const TAG_BA = /(?:可以|行|对|是|能|要|好)[^,.]{0,6}吧$/u;

/** `我没收到，你们收到了吗`: a statement of not receiving wins over the question. */
const NEGATIVE_STATEMENT = /我(?:家|们)?(?:孩子|这边|班)?(?:还)?(?:[没未冇]|木有)(?:有|能|法)?收到(?!的)|还[没未]有?收到(?!的)|[没未]有?收到(?:附件|文件|通知|消息|信息|链接|表格|图片)(?!的)/;
/** `这个我做不了`, `我们去不了`: cannot do it. */
const CANT = /[做去来办交填参]不了|不能(?:按时)?(?:参加|完成|提交|去|来)|没(?:时间|办法)(?:参加|去|来|完成)?/;
/** `会不会`-style words that are part of a statement: `不管怎么样都会配合`. */
const DECLARATIVE_QUESTION_WORD = /不管|无论|怎么样都|没什么|什么都/;

/**
 * For a message with a negative in it: `negative` unless a later clause says it is there after all
 * (`之前没收到，现在收到了`) or the negative is doubled (`不是没收到`); `none` when the only
 * negative is a double one and nothing else is wrong.
 */
function negationVerdict(core: string): 'negative' | 'recovered' | 'none' {
  const clauses = core.split(CLAUSE_SPLIT);
  let negativeAt = -1;
  let recoveredAt = -1;
  let doubled = false;
  for (let i = 0; i < clauses.length; i++) {
    const c = clauses[i] ?? '';
    if (c === '') continue;
    if (DOUBLE_NEGATION.test(c)) {
      doubled = true;
      const rest = c.replace(DOUBLE_NEGATION, '');
      if (NEGATIVE.test(rest) || CANT.test(rest)) negativeAt = i;
      continue;
    }
    const neg = NEGATIVE.test(c) || CANT.test(c);
    if (neg) {
      const after = c.slice(Math.max(0, c.search(NEGATIVE)));
      if (RECOVERED.test(after) && !NEGATIVE.test(after.replace(RECOVERED, ''))) recoveredAt = i;
      else negativeAt = i;
    } else if (negativeAt >= 0 && (RECOVERED.test(c) || (/收到|看到/u.test(c) && /现在|已经|刚|又|后来|重新|终于|今天/u.test(c)))) {
      recoveredAt = i;
    }
  }
  if (negativeAt >= 0 && recoveredAt > negativeAt) return 'recovered';
  // `收到了，之前一直没看到`: the not-seeing is in the past, and another clause says it is there now.
  if (negativeAt >= 0 && pastOnly(clauses, negativeAt) && clauses.some((c, i) => i !== negativeAt && /^(?:已经?|现在|今天)?(?:收到|看到)了?$/u.test(c))) return 'recovered';
  if (negativeAt >= 0) return 'negative';
  if (recoveredAt >= 0) return 'recovered';
  // A negative the clause split cut in two (`not received`, `can't open the file`).
  if (!doubled && NEGATIVE.test(core)) return 'negative';
  return 'none';
}

/** The negative clause speaks of before (`之前没看到`, `昨天没收到`). */
function pastOnly(clauses: readonly string[], at: number): boolean {
  return /之前|以前|昨天|刚才|刚开始|一开始|早上|上午|前面|原来|本来/u.test(clauses[at] ?? '');
}

function classifyAck(core: string, id: Identity, ref: number | null): Understanding | null {
  const named = id.names.length > 0;
  if (EXACT_ACK.test(core)) return make('ack', named ? CONFIDENCE.clear : CONFIDENCE.exact, id, NO_NAMES, ref);
  const len = core.length;
  if (len > LONG_REPLY_CHARS && !ACK_WORD.test(core)) {
    return /明白了|知道了|清楚了|了解了|已阅|知悉/u.test(core) ? make('ack', CONFIDENCE.long, id, NO_NAMES, ref) : null;
  }
  if (ACK_WORD.test(core)) {
    if (len > LONG_REPLY_CHARS) return ACK_HEAD.test(core) || ACK_TAIL.test(core) ? make('ack', CONFIDENCE.long, id, NO_NAMES, ref) : null;
    const typo = !/收到|收悉|已收/u.test(core);
    return make('ack', typo ? CONFIDENCE.named : len <= SHORT_REPLY_CHARS ? CONFIDENCE.contains : CONFIDENCE.long, id, NO_NAMES, ref);
  }
  if (STRONG_ACK.test(core)) return make('ack', CONFIDENCE.strongWord, id, NO_NAMES, ref);
  // `老师好，通知我仔细看了一遍，明白了，…`: one clause is a plain receipt.
  if (len > 4 && /明白|知道|清楚|了解|知悉|已阅/u.test(core) && core.split(CLAUSE_SPLIT).some((c) => c.length >= 2 && STRONG_ACK.test(c))) {
    return make('ack', CONFIDENCE.long, id, NO_NAMES, ref);
  }
  if (READ_RECEIPT.test(core) && len <= SHORT_REPLY_CHARS) return make('ack', CONFIDENCE.named, id, NO_NAMES, ref);
  if (WEAK_ACK.test(core)) return make('ack', named ? CONFIDENCE.named : CONFIDENCE.weakWord, id, NO_NAMES, ref);
  return null;
}

const ACK_HEAD = /^(?:好的|ok|嗯|已经?|均已|都)?[,. ]*收到/;
const ACK_TAIL = /收到了?(?:[,.!~ ]*(?:谢谢|谢谢老师|老师辛苦了|辛苦了|感谢)[^,.]{0,6})?$|(?:东西|通知|消息|信息|文件|资料)(?:都|也)?(?:已经?)?收到了/;

/** The asked-for reply: `1`, `+1`, `1️⃣`, `张三妈妈 1` for hint `1`; containing it for a word hint. */
function withHint(
  ack: Understanding | null,
  prepared: string,
  core: string,
  ctx: ReplyContext,
  id: Identity,
  ref: number | null,
): Understanding | null {
  const hint = normalHint(ctx.replyHint);
  if (ack && (hint === '' || hint === '收到')) return ack;
  const plain = prepared.replace(/[\s\uFE0F\u20E3\p{P}]/gu, '').replace(/^\+/u, '');
  if (hint !== '' && hint !== '收到') {
    const compact = coreOf(id.rest).replace(/[\s\uFE0F\u20E3]/gu, '');
    if (compact === hint || compact === `+${hint}` || core === hint || plain === hint || hintThenTail(hint).test(compact)) {
      return make('ack', id.names.length > 0 ? CONFIDENCE.clear : CONFIDENCE.exact, id, NO_NAMES, ref);
    }
    if (/^\d+$/u.test(hint) && namedNumber(hint).test(trimNoise(prepared))) {
      return make('ack', CONFIDENCE.named, id, NO_NAMES, ref);
    }
    if (!/^\d+$/u.test(hint) && core.includes(hint) && core.length <= SHORT_REPLY_CHARS && !core.includes(`不${hint}`)) {
      return stronger(ack, make('ack', CONFIDENCE.contains, id, NO_NAMES, ref));
    }
  }
  if (ack) return ack;
  // An unasked `1` or `+1`: most likely a reply, but to what is not certain.
  if (plain === '1') return make('ack', CONFIDENCE.emoji, id, NO_NAMES, ref);
  return null;
}

function normalHint(hint: string): string {
  if (hint === '收到' || hint === '') return hint;
  return hint.normalize('NFKC').toLowerCase().trim();
}

const namedNumbers = new Map<string, RegExp>();

/** `张三妈妈 1`, `张三+1` for a numeric hint. */
function namedNumber(hint: string): RegExp {
  let re = namedNumbers.get(hint);
  if (!re) {
    re = new RegExp(`^[^\\d]{1,12}?[\\s:,-]*\\+?${hint}$|^\\+?${hint}[\\s:,.)、-]+[^\\d]{1,12}$`, 'u');
    if (namedNumbers.size < 64) namedNumbers.set(hint, re);
  }
  return re;
}

const hintTails = new Map<string, RegExp>();

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/gu, '\\$&');
}

/** The asked-for reply and what may follow it: `1，谢谢老师`, `+1 好的`. Anchored at both ends. */
function hintThenTail(hint: string): RegExp {
  let re = hintTails.get(hint);
  if (!re) {
    re = new RegExp(`^\\+?${escapeRegExp(hint)}${POLITE_TAIL}$`, 'u');
    if (hintTails.size < 64) hintTails.set(hint, re);
  }
  return re;
}

function stronger(a: Understanding | null, b: Understanding): Understanding {
  return a === null || b.confidence > a.confidence ? b : a;
}

/** The naive rule the benchmark compares with: any message containing 收到/好的/明白/ok is an ack. */
export function naiveBaseline(text: string): ReplyLabel {
  return /收到|好的|明白|ok/iu.test(text) ? 'ack' : 'other';
}
