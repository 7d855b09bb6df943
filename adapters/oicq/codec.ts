/**
 * oicq/icqq wire ↔ the port, pure: decode events, encode outbound messages, map send errors.
 * Message ids are the libraries' own base64 ids, built from (group, sender, seq, rand, time).
 */
import { genGroupMessageId, parseDmMessageId, parseGroupMessageId } from 'oicq/lib/message/message.js';
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type InboundMessage,
  type LoginEvent,
  type MemberEvent,
  type OutboundMessage,
  type RecallEvent,
  type RefusalCode,
  type Sender,
} from '../../src/platform/port.js';
import type {
  WireElem,
  WireGroupMessageEvent,
  WireMemberNotice,
  WirePrivateMessageEvent,
  WireQuotable,
  WireRecallNotice,
  WireSendable,
  WireSender,
} from './wire.js';

export interface DecodeContext {
  readonly accountId: string;
  /** The bot's own QQ number. */
  readonly selfUin: number;
  /** For notices that carry no time of their own. */
  readonly now: () => number;
}

/** The port's id for @全体成员. */
export const AT_ALL = 'all';
const SECOND_MS = 1000;
/** Byte lengths of the libraries' base64 message ids. */
const GROUP_ID_BYTES = 21;
const DM_ID_BYTES = 17;
/**
 * What receivers show for a quote when they lack the original (the library refuses an empty one
 * with -60). Clients that have the original show it, found by seq.
 */
const QUOTE_PLACEHOLDER = '[消息]';

// ---------------------------------------------------------------- inbound

function atText(elem: { qq: number | 'all'; text?: string }): string {
  return elem.text ?? (elem.qq === AT_ALL ? '@全体成员' : `@${elem.qq}`);
}

function isAt(elem: WireElem): elem is { type: 'at'; qq: number | 'all'; text?: string } {
  return elem.type === 'at' && 'qq' in elem;
}

/** `raw_message` already renders mentions as `@名字`; the elements are the fallback. */
export function renderText(raw: string | undefined, elems: readonly WireElem[] = []): string {
  if (raw !== undefined) return raw;
  return elems.map((e) => (isAt(e) ? atText(e) : (e.text ?? ''))).join('');
}

export function mentionIds(elems: readonly WireElem[] = []): string[] {
  const ids = elems.filter(isAt).map((e) => String(e.qq));
  return [...new Set(ids)];
}

function sender(from: WireSender | undefined, userId: number): Sender {
  const nickname = from?.nickname || String(userId);
  return from?.card ? { userId: String(userId), nickname, card: from.card } : { userId: String(userId), nickname };
}

/** The quoted message's id: the library's group id rebuilt from `source` (pktnum 1, as the original's). */
export function quoteIdOf(e: Pick<WireGroupMessageEvent, 'group_id' | 'source'>): string | undefined {
  const s = e.source;
  return s ? genGroupMessageId(e.group_id, s.user_id, s.seq, s.rand, s.time) : undefined;
}

/** A group message, or undefined for the bot's own (the library drops those too, unless `ignore_self` is off). */
export function decodeGroupMessage(e: WireGroupMessageEvent, ctx: DecodeContext): InboundMessage | undefined {
  if (e.user_id === ctx.selfUin) return undefined;
  const mentions = mentionIds(e.message);
  const quoteId = quoteIdOf(e);
  return {
    kind: 'message',
    platform: 'qq',
    accountId: ctx.accountId,
    chat: { type: 'group', chatId: String(e.group_id) },
    messageId: e.message_id,
    sender: sender(e.sender, e.user_id),
    text: renderText(e.raw_message, e.message),
    mentions,
    mentionsBot: e.atme === true || mentions.includes(String(ctx.selfUin)),
    ...(quoteId === undefined ? {} : { quoteId }),
    at: e.time * SECOND_MS,
  };
}

/** A private message; undefined for what the bot itself sent from another device (`sub_type: self`). */
export function decodePrivateMessage(e: WirePrivateMessageEvent, ctx: DecodeContext): InboundMessage | undefined {
  const from = e.from_id ?? e.user_id;
  if (from === ctx.selfUin || e.sub_type === 'self') return undefined;
  return {
    kind: 'message',
    platform: 'qq',
    accountId: ctx.accountId,
    chat: { type: 'private' },
    ...(e.message_id ? { messageId: e.message_id } : {}),
    sender: sender(e.sender, from),
    text: renderText(e.raw_message, e.message),
    mentions: [],
    mentionsBot: false,
    at: e.time === undefined ? ctx.now() : e.time * SECOND_MS,
  };
}

/** A join or leave; a leave of the bot itself (kicked, group dismissed) is reported like any other. */
export function decodeMemberNotice(kind: MemberEvent['kind'], e: WireMemberNotice, ctx: DecodeContext): MemberEvent {
  return {
    kind,
    platform: 'qq',
    accountId: ctx.accountId,
    chatId: String(e.group_id),
    userId: String(e.user_id),
    at: e.time === undefined ? ctx.now() : e.time * SECOND_MS,
  };
}

export function decodeRecall(e: WireRecallNotice, ctx: DecodeContext): RecallEvent {
  return {
    kind: 'recall',
    platform: 'qq',
    accountId: ctx.accountId,
    chatId: String(e.group_id),
    messageId: e.message_id,
    userId: String(e.user_id),
    at: e.time === undefined ? ctx.now() : e.time * SECOND_MS,
  };
}

export function loginEvent(ctx: DecodeContext): LoginEvent {
  return { kind: 'login', platform: 'qq', accountId: ctx.accountId, at: ctx.now() };
}

// ---------------------------------------------------------------- outbound

/** A QQ number from a port id; refuses anything else, so nothing malformed reaches the encoder. */
export function qqNumber(id: string, what: 'group' | 'user'): number {
  const n = /^[1-9]\d{0,11}$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(n)) throw new PlatformRefusedError(what === 'group' ? 'not_in_group' : 'unknown_user', `not a QQ ${what} number: ${id}`);
  return n;
}

/** `@a @b text`: mention entities first, as QQ clients put them. */
export function encodeOutbound(message: Pick<OutboundMessage, 'text' | 'mentions'>): WireSendable {
  const mentions = message.mentions ?? [];
  if (mentions.length === 0) return message.text;
  const parts: (string | WireElem)[] = [];
  for (const id of mentions) {
    parts.push({ type: 'at', qq: id === AT_ALL ? AT_ALL : qqNumber(id, 'user') }, ' ');
  }
  parts.push(message.text);
  return parts;
}

/**
 * The `source` that makes a send a quote-reply, from a group (21-byte) or private (17-byte) id;
 * undefined when the id is neither (the caller sends without the quote rather than lose the text).
 */
export function quoteSource(quoteId: string): WireQuotable | undefined {
  const bytes = Buffer.from(quoteId, 'base64').length;
  if (bytes === GROUP_ID_BYTES) {
    const p = parseGroupMessageId(quoteId);
    return { user_id: p.user_id, seq: p.seq, rand: p.rand, time: p.time, message: QUOTE_PLACEHOLDER };
  }
  if (bytes === DM_ID_BYTES) {
    const p = parseDmMessageId(quoteId);
    return { user_id: p.user_id, seq: p.seq, rand: p.rand, time: p.time, message: QUOTE_PLACEHOLDER };
  }
  return undefined;
}

/** Refuses a text the platform would reject or cut (before anything is sent). */
export function checkOutbound(message: Pick<OutboundMessage, 'text' | 'mentions'>, limits: { maxMessageChars: number; maxMentions: number }): void {
  if (message.text.length > limits.maxMessageChars) {
    throw new PlatformRefusedError('too_long', `text of ${message.text.length} chars exceeds ${limits.maxMessageChars}`);
  }
  const mentions = message.mentions?.length ?? 0;
  if (mentions > limits.maxMentions) {
    throw new PlatformRefusedError('too_many_mentions', `${mentions} mentions exceed ${limits.maxMentions}`);
  }
}

// ---------------------------------------------------------------- errors

/** The libraries' rejection: `{ code, message }`, NOT an Error subclass (no stack, instanceof Error is false). */
export interface ApiRejectionLike {
  readonly code: number;
  readonly message: string;
}

export function isApiRejection(error: unknown): error is ApiRejectionLike {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number';
}

/** Client not online: thrown before anything leaves the process. */
export const CODE_NOT_ONLINE = -1;
/** No answer from the server in time: it may have taken the message. */
export const CODE_PACKET_TIMEOUT = -2;
/**
 * -70 comes when the server's echo of the message never arrived, which can happen after the server
 * accepted it: "risk control" may mean "posted but unconfirmed".
 */
export const CODE_RISK_CONTROL = -70;

/** Codes that mean the platform said no; retrying will not help. */
export const REFUSALS: ReadonlyMap<number, RefusalCode> = new Map<number, RefusalCode>([
  [CODE_RISK_CONTROL, 'risk_control'],
  [-80, 'risk_control'], // sensitive words
  [120, 'muted'],
  [121, 'at_all_quota'],
  [10, 'too_long'],
  [34, 'too_long'],
  [-10, 'unknown_user'],
  [-20, 'not_in_group'],
  [-30, 'unknown_user'],
  [-60, 'bad_request'],
]);

function fromRejection(r: ApiRejectionLike): Error {
  const text = `oicq ${r.code}: ${r.message}`;
  if (r.code === CODE_NOT_ONLINE) return new PlatformUnavailableError(text, true);
  const refusal = REFUSALS.get(r.code);
  if (refusal === 'risk_control' && r.code === CODE_RISK_CONTROL) {
    return new PlatformRefusedError(refusal, `${text} (may have been posted: the server's echo never came)`);
  }
  if (refusal !== undefined) return new PlatformRefusedError(refusal, text);
  // A positive code is the server's answer to this message; a negative one is the library's own failure.
  if (r.code > 0) return new PlatformRefusedError('refused', text);
  return new PlatformUnavailableError(text, false);
}

/** Any failure of a send or API call, as the port's errors. Unknown failures: outcome unknown. */
export function toPortError(error: unknown): Error {
  if (error instanceof PlatformRefusedError || error instanceof PlatformUnavailableError) return error;
  if (isApiRejection(error)) return fromRejection(error);
  const text = error instanceof Error ? error.message : String(error);
  return new PlatformUnavailableError(`oicq call failed: ${text}`, false);
}
