/**
 * OneBot v11 wire ⇄ port. Pure functions: frames in, port events out; port messages in, segments
 * out; failed answers in, the port's two errors out.
 */
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type InboundEvent,
  type InboundFile,
  type InboundMessage,
  type MemberInfo,
  type OutboundMessage,
  type RefusalCode,
  type Sender,
} from '../../src/platform/port.js';
import {
  RETCODE,
  type WireEvent,
  type WireGroupMemberNotice,
  type WireGroupUploadNotice,
  type WireId,
  type WireMemberInfo,
  type WireMessage,
  type WireMessageEvent,
  type WireResponse,
  type WireSegment,
} from './wire.js';

/** The mention id the port uses for @全体成员, and how QQ shows it. */
export const AT_ALL = 'all';
const AT_ALL_TEXT = '@全体成员';

// ---------------------------------------------------------------- ids

/** A wire id as the port keeps it: a string, or undefined when absent or not an id. */
export function idString(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 0) return value;
  return undefined;
}

/** Ids go out as numbers when they are all digits (NapCat validates numeric ids), else unchanged. */
export function wireId(id: string): WireId {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

// ---------------------------------------------------------------- frames

export type WireFrame = { readonly kind: 'response'; readonly response: WireResponse } | { readonly kind: 'event'; readonly event: WireEvent };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Classifies one text frame; undefined for anything that is neither an event nor an answer. */
export function parseFrame(text: string): WireFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (typeof value.post_type === 'string') return { kind: 'event', event: value as unknown as WireEvent };
  if (typeof value.status === 'string' || typeof value.retcode === 'number') {
    return { kind: 'response', response: { ...value, status: normaliseStatus(value), retcode: Number(value.retcode ?? -1) } as WireResponse };
  }
  return undefined;
}

function normaliseStatus(value: Record<string, unknown>): WireResponse['status'] {
  if (value.status === 'ok' || value.status === 'async' || value.status === 'failed') return value.status;
  return value.retcode === RETCODE.ok ? 'ok' : 'failed';
}

// ---------------------------------------------------------------- CQ codes

const CQ_CODE = /\[CQ:([^,\]]+)((?:,[^\]]*)?)\]/g;
const UNESCAPES: Readonly<Record<string, string>> = { '&amp;': '&', '&#91;': '[', '&#93;': ']', '&#44;': ',' };

/**
 * One pass, so `&amp;#91;` becomes `&#91;` and not `[` (the spec's "unescape `&amp;` last"). Plain
 * text never escapes `,`, so `&#44;` is unescaped in param values only.
 */
export function unescapeCq(text: string, inParam = false): string {
  const entities = inParam ? /&(?:amp|#91|#93|#44);/g : /&(?:amp|#91|#93);/g;
  return text.replace(entities, (entity) => UNESCAPES[entity] ?? entity);
}

export function escapeCqText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/\[/g, '&#91;').replace(/\]/g, '&#93;');
}

export function escapeCqParam(value: string): string {
  return escapeCqText(value).replace(/,/g, '&#44;');
}

/**
 * Most segments read from one message. A real one has a few dozen (QQ caps mentions and pictures);
 * past this the rest is kept as plain text, which the app then cuts to `inbound.maxChars`.
 */
export const MAX_SEGMENTS = 2_000;

/** The CQ-string form as segments: text between codes, each code split into type and params. */
export function parseCqString(message: string): WireSegment[] {
  const segments: WireSegment[] = [];
  let last = 0;
  for (const match of message.matchAll(CQ_CODE)) {
    if (segments.length >= MAX_SEGMENTS) break;
    if (match.index > last) segments.push(textSegment(unescapeCq(message.slice(last, match.index))));
    segments.push({ type: match[1] ?? '', data: parseCqParams(match[2] ?? '') });
    last = match.index + match[0].length;
  }
  if (last < message.length) segments.push(textSegment(unescapeCq(message.slice(last))));
  return segments;
}

/** `,key=value,key=value`: each param splits at its first `=`. */
function parseCqParams(params: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const param of params.split(',').slice(1)) {
    const eq = param.indexOf('=');
    if (eq > 0) data[param.slice(0, eq)] = unescapeCq(param.slice(eq + 1), true);
  }
  return data;
}

export function toSegments(message: WireMessage | undefined): readonly WireSegment[] {
  if (typeof message === 'string') return parseCqString(message);
  // A segment without a type or without a data object is dropped alone; the message keeps the rest.
  if (!Array.isArray(message)) return [];
  const segments: WireSegment[] = [];
  for (const s of message) {
    if (segments.length >= MAX_SEGMENTS) break;
    if (isRecord(s) && typeof s.type === 'string' && isRecord(s.data)) segments.push(s as unknown as WireSegment);
  }
  return segments;
}

function textSegment(text: string): WireSegment {
  return { type: 'text', data: { text } };
}

// ---------------------------------------------------------------- inbound

export interface DecodeContext {
  readonly accountId: string;
  /** The bot's user id once known; before that the event's own `self_id` stands in. */
  readonly selfId: string | undefined;
  /** The group card, else nickname, the adapter knows for a user (for `@` segments without a name). */
  readonly nameOf: (groupId: string | undefined, userId: string) => string | undefined;
  /** Used when an event has no `time`. */
  readonly now: number;
}

/** Placeholders for segments that carry no text, so a picture-only message is not empty. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  face: '[表情]',
  image: '[图片]',
  record: '[语音]',
  video: '[视频]',
  file: '[文件]',
};

interface RenderedMessage {
  readonly text: string;
  readonly mentions: readonly string[];
  readonly quoteId?: string;
  readonly files: readonly InboundFile[];
}

/**
 * A picture or file segment as a file reference: its `url` where the event gives one (QQ's CDN, or
 * `base64://`), else the group file's id for `get_group_file_url`.
 */
function fileOf(segment: WireSegment): InboundFile | undefined {
  const d = segment.data;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const size = Number(d.file_size ?? d.size);
  const sized = Number.isFinite(size) && size > 0 ? { size } : {};
  if (segment.type === 'image') {
    const ref = str(d.url) ?? (str(d.file)?.startsWith('base64://') ? str(d.file) : undefined);
    if (ref === undefined) return undefined;
    const name = str(d.filename) ?? str(d.name) ?? (str(d.file)?.startsWith('base64://') ? undefined : str(d.file)) ?? 'image.png';
    return { kind: 'image', name, ...sized, ref };
  }
  if (segment.type === 'file') {
    const name = str(d.name) ?? str(d.file) ?? 'file';
    const url = str(d.url);
    const fileId = str(d.file_id) ?? str(d.id);
    if (url === undefined && fileId === undefined) return undefined;
    return { kind: 'file', name, ...sized, ref: url ?? groupFileRef(fileId ?? '', d.busid) };
  }
  return undefined;
}

/** The reference of a group file that only `get_group_file_url` can turn into an address. */
export function groupFileRef(fileId: string, busid: unknown): string {
  return JSON.stringify({ fileId, ...(typeof busid === 'number' ? { busid } : {}) });
}

/** Segments → plain text with `@名字` for mentions, the mention ids, and the quoted message. */
export function renderSegments(segments: readonly WireSegment[], groupId: string | undefined, ctx: Pick<DecodeContext, 'nameOf'>): RenderedMessage {
  let text = '';
  const mentions: string[] = [];
  let quoteId: string | undefined;
  const files: InboundFile[] = [];
  for (const segment of segments) {
    const file = segment.type === 'image' || segment.type === 'file' ? fileOf(segment) : undefined;
    if (file) files.push(file);
    if (segment.type === 'text') text += typeof segment.data.text === 'string' ? segment.data.text : '';
    else if (segment.type === 'at') {
      const id = idString(segment.data.qq);
      if (id === undefined) continue;
      mentions.push(id);
      text += id === AT_ALL ? AT_ALL_TEXT : `@${atName(segment, groupId, id, ctx)}`;
    } else if (segment.type === 'reply') quoteId ??= idString(segment.data.id);
    else text += PLACEHOLDERS[segment.type] ?? '';
  }
  return { text: text.trim(), mentions: [...new Set(mentions)], ...(quoteId === undefined ? {} : { quoteId }), files };
}

function atName(segment: WireSegment, groupId: string | undefined, id: string, ctx: Pick<DecodeContext, 'nameOf'>): string {
  const given = typeof segment.data.name === 'string' ? segment.data.name.replace(/^@/, '') : '';
  return given || ctx.nameOf(groupId, id) || id;
}

/**
 * `time` is epoch seconds; the port wants ms. Some builds send milliseconds (read as such), and a time
 * more than a day from the receipt is a wrong clock, not the truth: the receipt time stands in.
 */
export function eventAt(event: Pick<WireEvent, 'time'>, ctx: Pick<DecodeContext, 'now'>): number {
  return correctedTime(typeof event.time === 'number' ? event.time : Number.NaN, ctx.now);
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Epoch seconds stay below this for millennia; epoch ms passed it in 1973. */
const MS_THRESHOLD = 100_000_000_000;

export function correctedTime(time: number, receivedAt: number): number {
  if (!Number.isFinite(time) || time <= 0) return receivedAt;
  const ms = time >= MS_THRESHOLD ? time : time * 1000;
  return Math.abs(ms - receivedAt) > DAY_MS ? receivedAt : Math.round(ms);
}

function selfOf(event: WireEvent, ctx: DecodeContext): string | undefined {
  return ctx.selfId ?? idString(event.self_id);
}

/** A wire event as a port event; undefined for meta events, the bot's own messages and anything unused. */
export function decodeEvent(event: WireEvent, ctx: DecodeContext): InboundEvent | undefined {
  switch (event.post_type) {
    case 'message':
      return 'message_type' in event ? decodeMessage(event, ctx) : undefined;
    case 'notice':
      return decodeNotice(event, ctx);
    default:
      // message_sent (the bot's own, NapCat), meta_event (the transport's business), request.
      return undefined;
  }
}

function decodeMessage(event: WireMessageEvent, ctx: DecodeContext): InboundMessage | undefined {
  const userId = idString(event.user_id) ?? idString(event.sender?.user_id);
  if (userId === undefined || userId === selfOf(event, ctx)) return undefined;
  const groupId = event.message_type === 'group' ? idString(event.group_id) : undefined;
  if (event.message_type === 'group' && groupId === undefined) return undefined;
  const rendered = renderSegments(toSegments(event.message), groupId, ctx);
  const self = selfOf(event, ctx);
  const messageId = idString(event.message_id);
  return {
    kind: 'message',
    platform: 'qq',
    accountId: ctx.accountId,
    chat: groupId === undefined ? { type: 'private' } : { type: 'group', chatId: groupId },
    ...(messageId === undefined ? {} : { messageId }),
    sender: senderOf(event, userId, groupId, ctx),
    text: rendered.text,
    mentions: rendered.mentions,
    mentionsBot: self !== undefined && rendered.mentions.includes(self),
    ...(rendered.quoteId === undefined ? {} : { quoteId: rendered.quoteId }),
    ...(rendered.files.length > 0 ? { files: rendered.files } : {}),
    at: eventAt(event, ctx),
  };
}

function senderOf(event: WireMessageEvent, userId: string, groupId: string | undefined, ctx: DecodeContext): Sender {
  const card = event.sender?.card?.trim();
  const nickname = event.sender?.nickname?.trim() || ctx.nameOf(groupId, userId) || userId;
  return { userId, nickname, ...(card ? { card } : {}) };
}

function decodeNotice(event: WireEvent, ctx: DecodeContext): InboundEvent | undefined {
  if (!('notice_type' in event)) return undefined;
  const base = { platform: 'qq' as const, accountId: ctx.accountId, at: eventAt(event, ctx) };
  switch (event.notice_type) {
    case 'group_increase':
    case 'group_decrease':
      return decodeMemberNotice(event as WireGroupMemberNotice, ctx, base);
    case 'group_recall': {
      const chatId = idString('group_id' in event ? event.group_id : undefined);
      const messageId = idString('message_id' in event ? event.message_id : undefined);
      const userId = idString('user_id' in event ? event.user_id : undefined);
      if (!chatId || !messageId || !userId) return undefined;
      return { kind: 'recall', ...base, chatId, messageId, userId };
    }
    case 'group_upload': {
      // A file put in the group's files: a message of its own for the app (no id: nothing can quote it).
      const e = event as WireGroupUploadNotice;
      const chatId = idString(e.group_id);
      const userId = idString(e.user_id);
      if (!chatId || !userId || userId === selfOf(event, ctx) || typeof e.file?.id !== 'string' || typeof e.file.name !== 'string') return undefined;
      const size = typeof e.file.size === 'number' && e.file.size > 0 ? { size: e.file.size } : {};
      const nickname = ctx.nameOf(chatId, userId) ?? userId;
      return {
        kind: 'message',
        platform: 'qq',
        accountId: ctx.accountId,
        chat: { type: 'group', chatId },
        sender: { userId, nickname },
        text: PLACEHOLDERS.file ?? '',
        mentions: [],
        mentionsBot: false,
        files: [{ kind: 'file', name: e.file.name, ...size, ref: groupFileRef(e.file.id, e.file.busid) }],
        at: base.at,
      };
    }
    case 'friend_recall': {
      // The app keys private messages by the sender's id (its chat id), so the recall does too.
      const userId = idString('user_id' in event ? event.user_id : undefined);
      const messageId = idString('message_id' in event ? event.message_id : undefined);
      if (!userId || !messageId) return undefined;
      return { kind: 'recall', ...base, chatId: userId, messageId, userId };
    }
    default:
      return undefined;
  }
}

function decodeMemberNotice(
  event: WireGroupMemberNotice,
  ctx: DecodeContext,
  base: { platform: 'qq'; accountId: string; at: number },
): InboundEvent | undefined {
  const chatId = idString(event.group_id);
  const userId = idString(event.user_id);
  if (!chatId || !userId) return undefined;
  // kick_me: the bot itself was removed; the next group list shows it, and the app has no event for it.
  if (event.sub_type === 'kick_me' || userId === selfOf(event, ctx)) return undefined;
  return { kind: event.notice_type === 'group_increase' ? 'member_join' : 'member_leave', ...base, chatId, userId };
}

export function decodeRole(role: unknown): MemberInfo['role'] {
  return role === 'owner' || role === 'admin' ? role : 'member';
}

export function decodeMember(member: WireMemberInfo): MemberInfo | undefined {
  const userId = idString(member.user_id);
  if (userId === undefined) return undefined;
  const card = member.card?.trim();
  return { userId, nickname: member.nickname?.trim() || userId, ...(card ? { card } : {}), role: decodeRole(member.role) };
}

// ---------------------------------------------------------------- outbound

/**
 * The array form (no escaping needed): a quote, then each mention followed by a space, then the text,
 * as QQ clients compose "@张三 @李四 请回复收到".
 */
export function encodeMessage(message: Pick<OutboundMessage, 'text' | 'mentions' | 'quoteId'>): WireSegment[] {
  const segments: WireSegment[] = [];
  if (message.quoteId !== undefined) segments.push({ type: 'reply', data: { id: message.quoteId } });
  for (const id of new Set(message.mentions ?? [])) {
    segments.push({ type: 'at', data: { qq: id } }, textSegment(' '));
  }
  if (message.text.length > 0) segments.push(textSegment(message.text));
  return segments;
}

// ---------------------------------------------------------------- failures

/** Failure texts (NapCat `message`/`wording`, go-cqhttp `msg`) that mean a refusal, most specific first. */
const REFUSAL_TEXTS: readonly (readonly [RegExp, RefusalCode])[] = [
  [/禁言|\bmuted?\b/i, 'muted'],
  [/风控|risk/i, 'risk_control'],
  [/(全体成员|@all|at_?all).*(次数|上限|用完|剩余|quota|limit)/i, 'at_all_quota'],
  // "发送消息过于频繁" may come after the message was shown: a risk signal, never resent on its own.
  [/频繁|rate.?limit|too (many|frequent)/i, 'risk_control'],
  [/不在.{0,6}群|群.{0,6}不存在|未加入|not (in|a member of) (the |this )?group|group not found/i, 'not_in_group'],
  [/过长|太长|too long/i, 'too_long'],
];

function failureText(response: WireResponse): string {
  return [response.message, response.wording, response.msg].filter((t) => typeof t === 'string' && t.length > 0).join(' / ');
}

/**
 * A non-ok answer as the port's error. Refusals (retrying will not help, and nothing was posted):
 * 1400/1404 and texts that say why. Everything else, 1200 included, leaves the outcome unknown.
 */
export function responseError(action: string, response: WireResponse): Error {
  const text = failureText(response);
  const detail = `${action} answered ${response.status} ${response.retcode}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (response.status === 'async') return new PlatformUnavailableError(`${detail} (queued, outcome unknown)`, false);
  if (response.retcode === RETCODE.badRequest || response.retcode === RETCODE.unknownAction) {
    return new PlatformRefusedError('bad_request', detail);
  }
  if (response.retcode === RETCODE.unauthorized || response.retcode === RETCODE.forbidden) {
    // The implementation rejected the token: it handled nothing.
    return new PlatformUnavailableError(`${detail} (auth failed)`, true);
  }
  const refusal = REFUSAL_TEXTS.find(([pattern]) => pattern.test(text));
  return refusal ? new PlatformRefusedError(refusal[1], detail) : new PlatformUnavailableError(detail, false);
}
