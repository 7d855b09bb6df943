/** Simulator events → the port's inbound events. Pure: the adapter's `decode` step. */
import { parseWechatSolitaire } from '../../src/domain/wechat-solitaire.js';
import type { InboundEvent, InboundMessage, Sender } from '../../src/platform/port.js';
import type { SimEvent, SimMessage } from './world.js';

export function decodeMessage(message: SimMessage, sender: Sender, accountId: string): InboundMessage {
  // A native WeChat 接龙 arrives as an app message; the adapter reads its rows and their authors.
  const solitaire = message.appXml === undefined ? null : parseWechatSolitaire(message.appXml);
  return {
    kind: 'message',
    platform: message.platform,
    accountId,
    chat: message.chatType === 'group' ? { type: 'group', chatId: message.chatId } : { type: 'private' },
    // Same id for every account that sees it; real WeChat has no cross-account id (see world.ts).
    messageId: message.id,
    sender,
    text: message.text,
    mentions: message.mentions,
    mentionsBot: message.mentions.includes(accountId),
    ...(message.quoteId === undefined ? {} : { quoteId: message.quoteId }),
    // The bytes stay on the platform until the bot downloads them (fetchFile): the event carries a reference.
    ...(message.files && message.files.length > 0
      ? { files: message.files.map((f, i) => ({ kind: f.kind, name: f.name, size: f.data.byteLength, ref: `sim:${message.id}:${i}` })) }
      : {}),
    ...(solitaire === null
      ? {}
      : { solitaire: { title: solitaire.title, entries: solitaire.entries.map((e) => ({ index: e.index, text: e.text, ...(e.userId === undefined ? {} : { userId: e.userId }) })) } }),
    at: message.at,
  };
}

export function decodeEvent(event: SimEvent, accountId: string): InboundEvent {
  switch (event.kind) {
    case 'message':
      return decodeMessage(event.message, event.sender, accountId);
    case 'member_join':
    case 'member_leave':
      return { kind: event.kind, platform: event.platform, accountId, chatId: event.chatId, userId: event.userId, at: event.at };
    case 'login':
      return { kind: 'login', platform: event.platform, accountId, at: event.at };
    case 'recall':
      return {
        kind: 'recall',
        platform: event.platform,
        accountId,
        chatId: event.chatId,
        messageId: event.messageId,
        userId: event.userId,
        at: event.at,
      };
  }
}
