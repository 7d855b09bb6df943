/** Simulator events → the port's inbound events. Pure: the adapter's `decode` step. */
import type { InboundEvent, InboundMessage, Sender } from '../../src/platform/port.js';
import type { SimEvent, SimMessage } from './world.js';

export function decodeMessage(message: SimMessage, sender: Sender, accountId: string): InboundMessage {
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
