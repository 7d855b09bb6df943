/**
 * What a reply in a group means for a directive, by plain rules: "收到" and its many spellings are
 * an acknowledgement, "已传达" a completion report, "没收到" never an acknowledgement.
 * The app decides what confidence is enough to count a reply.
 */

export type ReplyMeaning = 'ack' | 'done' | 'negative' | 'question' | 'other';

export interface ReplyClassification {
  readonly meaning: ReplyMeaning;
  /** 0…1. ≥ 0.9 clear; 0.6 a plain "好的"; 0.5 a bare 👌 or 👍. A bare "谢谢老师" or 🙏 is `other`. */
  readonly confidence: number;
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
  named: 0.85,
  long: 0.8,
  recovered: 0.75,
  weakWord: 0.6,
  emoji: 0.5,
  otherClear: 0.9,
  otherDefault: 0.7,
} as const;

/** Longer than this, a message that merely contains 收到 is chat or an instruction, not a reply. */
export const LONG_REPLY_CHARS = 40;
/** Up to this, a message containing 收到 reads as a short reply. */
const SHORT_REPLY_CHARS = 20;

/** WeChat writes a quoted reply as `「张三：原文」\n- - - - - - - - - - - - - - -\n回复`. */
const WECHAT_QUOTE = /^「[\s\S]*」\s*\n\s*(?:-\s*){5,}\n/u;
const LEADING_MENTIONS = /^(?:@[^\s@]+[\s\u2005]+)+/u;
/** `[OK]`, `[强]`, `[抱拳]`: how WeChat and QQ write their built-in faces in text. */
const FACE_CODE = /\[[\p{L}\p{N}]{1,4}\]/gu;
const EDGE_NOISE = /^[\s\p{P}\p{S}\p{Extended_Pictographic}\uFE0F\u20E3\u200D]+|[\s\p{P}\p{S}\p{Extended_Pictographic}\uFE0F\u20E3\u200D]+$/gu;
const ACK_FACES = new Set(['👌', '👍', '✅', '✔', '☑', '[ok]', '[强]', '[好的]', '[耶]']);

const NEGATIVE = /没收到|未收到|收不到|没有收到|不会收到|收不了|打不开|看不到|看不了|没看到|没有看到|下载不了|点不开|进不去/u;
/** Whose receipt is asked about, or who is addressed: `没收到的同学请私聊我`. */
const NEGATIVE_ABOUT_OTHERS = /[没未]有?收到[^,.!?;。、]{0,8}的(?:同学|家长|老师|人|请|可以|私聊|联系|及时)/u;
const RECOVERED = /(?:现在|已经|刚刚|刚才|后来|又|重新)(?:也)?(?:收到|看到)了?/u;
const ASKS_RECEIPT = /谁收到|收到谁|有没有收到|收没收到|是否收到|是不是没收到|还有没收到|谁没收到|谁还没收到|收到没有?$|收到了没有?$/u;
const QUESTION_WORDS = /吗|请问|怎么|为什么|为啥|如何|什么时候|哪里|是否|是不是|能不能|可不可以|[么嘛]$/u;
const CONFUSED = /不太?(?:明白|清楚|懂|了解|知道)/u;
const INSTRUCTION = /(?:请|麻烦|务必|记得|需要|须|要求|不用|不必|无需|无须|勿|别|不要)[^,.!?;，。！？；]{0,12}回复/u;
const DONE =
  /(?:已经?|均已|都已|全部|已全部)(?:传达|转达|落实|完成|通知|下发|上报|提交|填报|填写|填好|处理|转(?:发|到|至|了|群|给)|发(?:到|至|送|了|群|布|班|给))|(?:传达|转发|转达|落实|通知|下发|上报|提交|填报)(?:完毕|完成|到位|好了)/u;
/** `没有全部完成`, `还未全部传达`: a report that the work is not done yet. */
const NOT_DONE = /(?:没有?|未|尚未|还没有?|还未)(?:全部|都)/u;
const ACK_HEADS = /^(?:好的|ok|嗯|已经?|均已|都)?收到/u;
const EXACT_ACK =
  /^(?:(?:好的|ok|嗯)[,. 。、]*|已经?|均已|都)?收到(?:了|啦|咯|哦|喽|嘞)?(?:[,.!~ 。、]*(?:谢谢|谢谢老师|老师|辛苦了|老师辛苦了|谢谢您|好的|明白))*$/u;
const POLITE_TAIL = '(?:[,.!~ 。、]*(?:好的?|嗯|ok|老师|谢谢老师|谢谢|辛苦了|辛苦|老师辛苦了|谢谢您|呢|哈|呀|哦|喔|啦|嘞|滴|的))*';
/** Read-receipt words; `明白`, `了解` only as the whole reply (`我想了解一下…` is not one). */
const STRONG_ACK = new RegExp(
  `^(?:好的?|ok|嗯)?[,. 。、]*(?:已阅|已读|阅|收|已收|收悉|已知悉|知悉|已知|明白|了解|知道|遵照执行|照办)了?${POLITE_TAIL}$`,
  'u',
);
const READ_RECEIPT = /已阅|已读|收悉|知悉/u;
const WEAK_ACK = new RegExp(`^(?:好的?|好滴|好哒|好嘞|好吧|嗯+|ok|okay|行|可以|没问题|是的?)${POLITE_TAIL}$`, 'u');

/**
 * Full-width to half-width, a few traditional characters to simplified, lower case; a WeChat
 * quote, leading `@名字` mentions and edge punctuation, emoji and face codes removed; repeats
 * collapsed (`收到收到` → `收到`). Empty when nothing but emoji and punctuation was sent.
 */
export function normalizeReply(text: string): string {
  return collapseRepeats(stripEdges(prepare(text)));
}

/** Traditional forms of the characters the rules look for (some parents type traditional). */
const TRADITIONAL_CHARS = [...'請復沒達轉發謝師麼嗎問開讀閱傳實還應執經學們馬'];
const SIMPLIFIED_CHARS = [...'请复没达转发谢师么吗问开读阅传实还应执经学们马'];
const TRADITIONAL: ReadonlyMap<string, string> = new Map(
  TRADITIONAL_CHARS.map((t, i) => [t, SIMPLIFIED_CHARS[i] ?? t] as const),
);

function prepare(text: string): string {
  const simplified = text.replace(/[\u3400-\u9fff]/gu, (ch) => TRADITIONAL.get(ch) ?? ch);
  return simplified.replace(WECHAT_QUOTE, '').normalize('NFKC').toLowerCase().trim().replace(LEADING_MENTIONS, '');
}

function stripEdges(s: string): string {
  let out = s;
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(/^(?:\[[\p{L}\p{N}]{1,4}\])+|(?:\[[\p{L}\p{N}]{1,4}\])+$/gu, '').replace(EDGE_NOISE, '');
  }
  return out;
}

/** `收到收到` → `收到`, `哈哈哈` → `哈`; a doubled single character stays (`谢谢`, `妈妈`). */
function collapseRepeats(s: string): string {
  return s.replace(/(.)\1{2,}/gu, '$1').replace(/(.{2,4}?)\1+/gu, '$1');
}

function result(meaning: ReplyMeaning, confidence: number): ReplyClassification {
  return { meaning, confidence };
}

export function classifyReply(text: string, ctx: ReplyContext): ReplyClassification {
  const prepared = prepare(text);
  if (/^#接龙/u.test(prepared)) return result('other', CONFIDENCE.otherClear);
  const plain = stripEdges(prepared);
  const core = collapseRepeats(plain);
  if (core === '') return classifyBareEmoji(prepared);
  return (
    classifyTrouble(prepared, core) ??
    classifyStatement(core) ??
    stronger(classifyAck(core), classifyHint(plain, core, ctx.replyHint)) ??
    result('other', CONFIDENCE.otherDefault)
  );
}

function stronger(a: ReplyClassification | null, b: ReplyClassification | null): ReplyClassification | null {
  if (a === null || b === null) return a ?? b;
  return b.confidence > a.confidence ? b : a;
}

function classifyBareEmoji(prepared: string): ReplyClassification {
  const units = [...prepared.matchAll(/\[[^\]]{1,4}\]|\p{Extended_Pictographic}/gu)].map((m) => m[0]);
  if (units.length > 0 && units.every((u) => ACK_FACES.has(u))) return result('ack', CONFIDENCE.emoji);
  return result('other', CONFIDENCE.otherDefault);
}

/** Didn't get it, can't open it, or asks something: never an acknowledgement. */
function classifyTrouble(prepared: string, core: string): ReplyClassification | null {
  if (ASKS_RECEIPT.test(core)) return result('question', CONFIDENCE.clear);
  if (NEGATIVE_ABOUT_OTHERS.test(core)) return result('other', CONFIDENCE.otherDefault);
  if (NEGATIVE.test(core)) {
    const afterNegative = core.slice(core.search(NEGATIVE));
    if (RECOVERED.test(afterNegative) && !/[?]\s*$/u.test(prepared)) return result('ack', CONFIDENCE.recovered);
    return result('negative', CONFIDENCE.clear);
  }
  if (/[?]\s*$/u.test(stripTrailingFaces(prepared))) return result('question', CONFIDENCE.clear);
  if (QUESTION_WORDS.test(core) || CONFUSED.test(core)) return result('question', CONFIDENCE.long);
  if (INSTRUCTION.test(core)) return result('other', CONFIDENCE.otherClear);
  return null;
}

function stripTrailingFaces(s: string): string {
  return s.replace(FACE_CODE, '').replace(/[\s\p{Extended_Pictographic}\uFE0F\u200D~]+$/u, '');
}

/** Completion reports (`已传达`, `已转发班级群 3/3`) and long messages. */
function classifyStatement(core: string): ReplyClassification | null {
  if (DONE.test(core) && !NOT_DONE.test(core)) return result('done', CONFIDENCE.contains);
  if ([...core].length <= LONG_REPLY_CHARS) return null;
  return ACK_HEADS.test(core) ? result('ack', CONFIDENCE.long) : result('other', CONFIDENCE.otherDefault);
}

/** The asked-for reply: `1`, `+1`, `1️⃣`, `张三妈妈 1` for hint `1`; containing it for a word hint. */
function classifyHint(plain: string, core: string, replyHint: string): ReplyClassification | null {
  const hint = replyHint.normalize('NFKC').toLowerCase().trim();
  if (hint === '') return null;
  const compact = plain.replace(/[\s\uFE0F\u20E3]/gu, '');
  if (compact === hint || compact === `+${hint}` || core === hint) return result('ack', CONFIDENCE.exact);
  if (/^\d+$/u.test(hint)) {
    const named = new RegExp(`^[^\\d]{1,12}?[\\s:,-]*\\+?${hint}$`, 'u');
    return named.test(plain) ? result('ack', CONFIDENCE.named) : null;
  }
  if (core.includes(hint) && [...core].length <= SHORT_REPLY_CHARS) return result('ack', CONFIDENCE.contains);
  return null;
}

function classifyAck(core: string): ReplyClassification | null {
  if (EXACT_ACK.test(core)) return result('ack', CONFIDENCE.exact);
  if (core.includes('收到')) {
    return result('ack', [...core].length <= SHORT_REPLY_CHARS ? CONFIDENCE.contains : CONFIDENCE.long);
  }
  if (STRONG_ACK.test(core)) return result('ack', CONFIDENCE.strongWord);
  if (READ_RECEIPT.test(core) && [...core].length <= SHORT_REPLY_CHARS) return result('ack', CONFIDENCE.named);
  if (WEAK_ACK.test(core)) return result('ack', CONFIDENCE.weakWord);
  return null;
}

/** One entry of a WeChat 接龙 list (`3. 张三妈妈 收到`). */
export interface ChainEntry {
  readonly index: number;
  readonly text: string;
}

/**
 * A WeChat 接龙 message: the header (the instruction) and the numbered entries. Each new reply
 * repeats the whole list, so the app compares entries with the previous version; null when the
 * text is not a 接龙.
 */
export function parseChain(text: string): { header: string; entries: ChainEntry[] } | null {
  const lines = text.normalize('NFKC').split(/\r?\n/u);
  if (!/^\s*#接龙/u.test(lines[0] ?? '')) return null;
  const header: string[] = [];
  const entries: ChainEntry[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\s*(\d{1,4})[.、)\s]\s*(.*?)\s*$/u.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) entries.push({ index: Number(m[1]), text: m[2] });
    else if (entries.length === 0 && line.trim() !== '') header.push(line.trim());
  }
  return { header: header.join('\n'), entries };
}
