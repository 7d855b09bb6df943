/**
 * Every id an inbound event carries, mapped: sender, chat, mentions, 接龙 authors, members. Used where
 * one kind of id is shown for another (a WeChat login session's ids for canonical ones, and back).
 */
import type { InboundEvent } from './port.js';

export interface IdMaps {
  readonly user: (id: string) => string;
  readonly group: (id: string) => string;
  /**
   * The authors of a native WeChat 接龙's rows: the XML carries their real wxids, not the login
   * session's ids, so by default they are left as they are.
   */
  readonly author?: (id: string) => string;
}

export function mapEventIds(ev: InboundEvent, { user, group, author = (id) => id }: IdMaps): InboundEvent {
  switch (ev.kind) {
    case 'message':
      return {
        ...ev,
        chat: ev.chat.type === 'group' ? { type: 'group', chatId: group(ev.chat.chatId) } : ev.chat,
        sender: { ...ev.sender, userId: user(ev.sender.userId) },
        mentions: ev.mentions.map(user),
        ...(ev.solitaire
          ? { solitaire: { ...ev.solitaire, entries: ev.solitaire.entries.map((e) => (e.userId === undefined ? e : { ...e, userId: author(e.userId) })) } }
          : {}),
      };
    case 'member_join':
    case 'member_leave':
    case 'recall':
      return { ...ev, chatId: group(ev.chatId), userId: user(ev.userId) };
    case 'login':
      return ev;
  }
}
