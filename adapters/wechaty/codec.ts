/** wechaty/puppet records (wire.ts) → the port's inbound events. Pure: the adapter's decode step. */
import { parseWechatSolitaire } from '../../src/domain/wechat-solitaire.js';
import type { FileKind, InboundFile, InboundMessage, MemberEvent, RecallEvent } from '../../src/platform/port.js';
import { WIRE_MESSAGE_TYPE, type WireMemberChange, type WireMessage } from './wire.js';

const PLATFORM = 'wechat' as const;
/** Below this a puppet timestamp is in seconds (wechat4u's CreateTime); wechaty's own rule. */
const SECONDS_LIMIT = 1e12;
/** How WeChat clients write @所有人 in the text; wechat4u gives no mention entity for it. */
const AT_ALL = /@所有人(?:[\s\u2005]|$)/u;
/** The preview wechat4u puts before a quote-reply's own text: `「名字：原文」\n- - - … -\n`. */
const QUOTE_PREVIEW = /^「[\s\S]*?」\n-(?: -)+\n/u;
/** What a file message shows as text: its own text is the puppet's XML (wechat4u) or nothing (puppet-mock). */
const FILE_PLACEHOLDER: Readonly<Record<FileKind, string>> = { image: '[图片]', file: '[文件]' };
/** A file without a name in the payload; WeChat always names files, so this is a puppet that does not say. */
const UNNAMED_FILE = 'file';

export interface DecodeContext {
  readonly accountId: string;
  /** The bot's id in the current login session. */
  readonly selfId: string;
}

export function toMs(timestamp: number): number {
  return timestamp < SECONDS_LIMIT ? timestamp * 1000 : timestamp;
}

/** wechat4u turns `&lt;` back into `<` in most contents, but not always in nested app XML. */
function unescapeXml(xml: string): string {
  return xml.includes('&lt;') ? xml.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : xml;
}

function firstTag(xml: string, tag: string): string | undefined {
  const found = new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(xml);
  return found?.[1] === undefined || found[1] === '' ? undefined : found[1];
}

/** The id of the message a quote-reply quotes: `<refermsg><svrid>` of app message 57. */
export function quotedMessageId(rawContent: string | undefined): string | undefined {
  if (rawContent === undefined) return undefined;
  const xml = unescapeXml(rawContent);
  const refer = /<refermsg>([\s\S]*?)<\/refermsg>/.exec(xml)?.[1];
  return refer === undefined ? undefined : firstTag(refer, 'svrid');
}

/** The reply itself, without the quoted preview wechat4u prepends. */
export function stripQuotePreview(text: string): string {
  return text.replace(QUOTE_PREVIEW, '');
}

/** A recall's original message id: the text itself (puppet-mock) or `<newmsgid>` of wechat4u's `revokemsg`. */
export function recalledMessageId(text: string): string | undefined {
  if (!text.includes('<')) return text.trim() === '' ? undefined : text.trim();
  const xml = unescapeXml(text);
  return firstTag(xml, 'newmsgid') ?? firstTag(xml, 'msgid');
}

function mentionsOf(wire: WireMessage): string[] {
  const ids = [...wire.mentionIds];
  if (AT_ALL.test(wire.text) && !ids.includes('all')) ids.push('all');
  return ids;
}

function solitaireOf(wire: WireMessage): InboundMessage['solitaire'] {
  if (wire.type !== WIRE_MESSAGE_TYPE.GroupNote || wire.rawContent === undefined) return undefined;
  const parsed = parseWechatSolitaire(wire.rawContent);
  if (parsed === null) return undefined;
  const entries = parsed.entries.map((e) => ({ index: e.index, text: e.text, ...(e.userId === undefined ? {} : { userId: e.userId }) }));
  return { title: parsed.title, entries };
}

function decodeRecall(wire: WireMessage, ctx: DecodeContext): RecallEvent | null {
  const messageId = recalledMessageId(wire.text);
  // A recall in a private chat has no group to report it in; the port's recall events are group events.
  if (messageId === undefined || wire.roomId === undefined) return null;
  return { kind: 'recall', platform: PLATFORM, accountId: ctx.accountId, chatId: wire.roomId, messageId, userId: wire.talkerId, at: toMs(wire.timestamp) };
}

/** What every message shares: where, from whom, when. */
function messageBase(wire: WireMessage, ctx: DecodeContext): Pick<InboundMessage, 'kind' | 'platform' | 'accountId' | 'chat' | 'messageId' | 'sender' | 'at'> {
  return {
    kind: 'message',
    platform: PLATFORM,
    accountId: ctx.accountId,
    chat: wire.roomId === undefined ? { type: 'private' } : { type: 'group', chatId: wire.roomId },
    messageId: wire.id,
    sender: {
      userId: wire.talkerId,
      nickname: wire.talkerName,
      ...(wire.roomAlias === undefined || wire.roomAlias === '' ? {} : { card: wire.roomAlias }),
    },
    at: toMs(wire.timestamp),
  };
}

function decodeText(wire: WireMessage, ctx: DecodeContext): InboundMessage {
  const quoteId = quotedMessageId(wire.rawContent);
  const solitaire = solitaireOf(wire);
  const mentions = mentionsOf(wire);
  return {
    ...messageBase(wire, ctx),
    text: stripQuotePreview(wire.text),
    mentions,
    mentionsBot: wire.mentionsSelf || mentions.includes(ctx.selfId),
    ...(quoteId === undefined ? {} : { quoteId }),
    ...(solitaire === undefined ? {} : { solitaire }),
  };
}

/**
 * A picture or a file. The ref is the message id: the puppet fetches the bytes by it (`messageFile`) for as
 * long as it keeps the message, which for wechat4u is the current login session.
 */
function fileOf(wire: WireMessage): InboundFile {
  const kind: FileKind = wire.type === WIRE_MESSAGE_TYPE.Image ? 'image' : 'file';
  // wechat4u names no picture; its messageFile calls it `<MsgId>.jpg`, and so does this.
  const name = wire.fileName || (kind === 'image' ? `${wire.id}.jpg` : UNNAMED_FILE);
  const sized = wire.fileSize !== undefined && wire.fileSize > 0 ? { size: wire.fileSize } : {};
  return { kind, name, ...sized, ref: wire.id };
}

function decodeFile(wire: WireMessage, ctx: DecodeContext): InboundMessage {
  const file = fileOf(wire);
  return { ...messageBase(wire, ctx), text: FILE_PLACEHOLDER[file.kind], mentions: [], mentionsBot: false, files: [file] };
}

/**
 * A message as the port sees it: a text (group or private), a 接龙, a picture or file, or a recall. Null for
 * the bot's own messages (wechaty echoes every send) and for kinds Cascade cannot read (videos, red envelopes).
 */
export function decodeMessage(wire: WireMessage, ctx: DecodeContext): InboundMessage | RecallEvent | null {
  if (wire.self || wire.talkerId === ctx.selfId) return null;
  switch (wire.type) {
    case WIRE_MESSAGE_TYPE.Recalled:
      return decodeRecall(wire, ctx);
    case WIRE_MESSAGE_TYPE.Text:
    case WIRE_MESSAGE_TYPE.GroupNote:
      return decodeText(wire, ctx);
    case WIRE_MESSAGE_TYPE.Image:
    case WIRE_MESSAGE_TYPE.Attachment:
      return decodeFile(wire, ctx);
    default:
      return null;
  }
}

/** One member event per contact that joined or left. */
export function decodeMemberChange(change: WireMemberChange, accountId: string): MemberEvent[] {
  const kind = change.kind === 'join' ? 'member_join' : 'member_leave';
  const at = toMs(change.timestamp);
  return change.contactIds.map((userId) => ({ kind, platform: PLATFORM, accountId, chatId: change.roomId, userId, at }));
}
