/**
 * oicq/icqq wire ↔ the port, pure: decode events, encode outbound messages, map send errors.
 * Message ids are the libraries' own base64 ids, built from (group, sender, seq, rand, time).
 */
import { genGroupMessageId, parseDmMessageId, parseGroupMessageId } from 'oicq/lib/message/message.js';
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type InboundFile,
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
  WireFileElem,
  WireGroupMessageEvent,
  WireImageElem,
  WireImageSend,
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
/**
 * What the text shows for a picture and a file. The libraries brief a file as `[群文件]` or
 * `[离线文件]`; the app knows `[文件]` (it leaves these out of a directive's text).
 */
const IMAGE_PLACEHOLDER = '[图片]';
const FILE_PLACEHOLDER = '[文件]';
/** The size inside a picture's file parameter, `<md5><size>-<width>-<height>.<ext>`. */
const IMAGE_PARAM_SIZE = /^[0-9a-f]{32}(\d+)-/iu;
const IMAGE_FALLBACK_NAME = 'image.jpg';

// ---------------------------------------------------------------- inbound

function atText(elem: { qq: number | 'all'; text?: string }): string {
  return elem.text ?? (elem.qq === AT_ALL ? '@全体成员' : `@${elem.qq}`);
}

function isAt(elem: WireElem): elem is { type: 'at'; qq: number | 'all'; text?: string } {
  return elem.type === 'at' && 'qq' in elem;
}

function isImage(elem: WireElem): elem is WireImageElem {
  return elem.type === 'image' && typeof (elem as { file?: unknown }).file === 'string';
}

function isFile(elem: WireElem): elem is WireFileElem {
  const e = elem as { fid?: unknown; name?: unknown };
  return elem.type === 'file' && typeof e.fid === 'string' && typeof e.name === 'string';
}

function elemText(elem: WireElem): string {
  if (isAt(elem)) return atText(elem);
  if (isImage(elem)) return IMAGE_PLACEHOLDER;
  if (isFile(elem)) return FILE_PLACEHOLDER;
  return 'text' in elem ? (elem.text ?? '') : '';
}

/** `raw_message` already renders mentions as `@名字`; the elements are the fallback. */
export function renderText(raw: string | undefined, elems: readonly WireElem[] = []): string {
  // A file message holds the file alone; its brief is the library's own word for it.
  if (elems.some(isFile)) return FILE_PLACEHOLDER;
  if (raw !== undefined) return raw;
  return elems.map(elemText).join('');
}

/** The reference of a group or offline file: its id, which `fetchFile` turns into an address when asked. */
export function fileRef(fid: string): string {
  return JSON.stringify({ fid });
}

/** What `fetchFile` reads from a reference: an address to GET, or a file id to ask QQ about. */
export function parseFileRef(ref: string): { readonly url: string } | { readonly fid: string } {
  if (!ref.startsWith('{')) return { url: ref };
  let parsed: unknown;
  try {
    parsed = JSON.parse(ref);
  } catch {
    parsed = undefined;
  }
  const fid = (parsed as { fid?: unknown } | undefined)?.fid;
  if (typeof fid !== 'string' || fid.length === 0) throw new PlatformRefusedError('bad_request', 'not a QQ file reference');
  return { fid };
}

function positive(n: number | undefined): { size: number } | Record<string, never> {
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? { size: n } : {};
}

function imageFile(e: WireImageElem): InboundFile | undefined {
  // A picture the packet gave no address for cannot be fetched: the text still shows [图片].
  if (!e.url) return undefined;
  const size = e.size ?? Number(IMAGE_PARAM_SIZE.exec(e.file)?.[1]);
  return { kind: 'image', name: e.file || IMAGE_FALLBACK_NAME, ...positive(size), ref: e.url };
}

/** The pictures and files a message carried, as references `fetchFile` resolves. */
export function filesOf(elems: readonly WireElem[] = []): InboundFile[] {
  return elems.flatMap((e): InboundFile[] => {
    if (isImage(e)) {
      const file = imageFile(e);
      return file ? [file] : [];
    }
    if (isFile(e)) return [{ kind: 'file', name: e.name, ...positive(e.size), ref: fileRef(e.fid) }];
    return [];
  });
}

function withFiles(elems: readonly WireElem[] | undefined): { files?: InboundFile[] } {
  const files = filesOf(elems);
  return files.length > 0 ? { files } : {};
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
    ...withFiles(e.message),
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
    ...withFiles(e.message),
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

/** A picture as the libraries send it: from its bytes. */
export function imageElem(bytes: Buffer): WireImageSend {
  return { type: 'image', file: bytes };
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

/** The libraries' upload channel ("highway") timed out, broke, or is not there yet (just after a login). */
export const CODE_HIGHWAY_TIMEOUT = -110;
export const CODE_HIGHWAY_NETWORK = -120;
export const CODE_NO_UPLOAD_CHANNEL = -130;
/** The libraries' own failures while moving a file; any other code on a file is the server's answer to it. */
const FILE_TRANSPORT_CODES: ReadonlySet<number> = new Set([CODE_NOT_ONLINE, CODE_PACKET_TIMEOUT, CODE_HIGHWAY_TIMEOUT, CODE_HIGHWAY_NETWORK, CODE_NO_UPLOAD_CHANNEL]);

/**
 * A failed picture or file send: the server's no to the file (an unsafe file, no upload right in the
 * group, any code of the file system) is `file_refused`, so the app posts its line instead; risk
 * signals and unknown users keep their codes; transport failures stay unavailable.
 */
export function toFileError(error: unknown): Error {
  const mapped = toPortError(error);
  if (!isApiRejection(error) || FILE_TRANSPORT_CODES.has(error.code)) return mapped;
  if (mapped instanceof PlatformRefusedError && mapped.code !== 'bad_request' && mapped.code !== 'refused') return mapped;
  return new PlatformRefusedError('file_refused', `oicq ${error.code}: ${error.message}`);
}

/**
 * Why a picture did not upload (a settled result's reason). The library's plain errors are its
 * verdict on the picture ("bad image file", the server's refusal); nothing was posted, so a
 * transport failure is a definite not-sent.
 */
export function toImageUploadError(reason: unknown): Error {
  if (!isApiRejection(reason)) {
    return new PlatformRefusedError('file_refused', `picture not taken: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
  const mapped = toFileError(reason);
  return mapped instanceof PlatformUnavailableError ? new PlatformUnavailableError(mapped.message, true) : mapped;
}

/** A file QQ no longer gives (expired, deleted: any server code) is `bad_request`; transport failures stay unavailable. */
export function toFetchError(error: unknown): Error {
  if (!isApiRejection(error) || FILE_TRANSPORT_CODES.has(error.code)) return toPortError(error);
  return new PlatformRefusedError('bad_request', `oicq ${error.code}: ${error.message}`);
}

/** Any failure of a send or API call, as the port's errors. Unknown failures: outcome unknown. */
export function toPortError(error: unknown): Error {
  if (error instanceof PlatformRefusedError || error instanceof PlatformUnavailableError) return error;
  if (isApiRejection(error)) return fromRejection(error);
  const text = error instanceof Error ? error.message : String(error);
  return new PlatformUnavailableError(`oicq call failed: ${text}`, false);
}
