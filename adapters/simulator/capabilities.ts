import type { Platform } from '../../src/domain/org.js';
import type { AdapterCapabilities } from '../../src/platform/port.js';

/**
 * What each simulated flavour can do, copied from the real adapters it stands in for:
 * 'qq' behaves like QQ behind OneBot v11, 'wechat' like wechaty with wechaty-puppet-wechat4u.
 */
export const SIM_CAPABILITIES: Readonly<Record<Platform, AdapterCapabilities>> = Object.freeze({
  qq: Object.freeze({
    sentMessageIds: true,
    mentionEntities: true,
    quoteReply: true,
    // Temporary sessions reach anyone who shares a group with the bot.
    privateToStrangers: true,
    maxMessageChars: 4500,
    maxMentions: 30,
    stableIds: true,
    crossAccountMessageIds: true,
    files: Object.freeze({ groupImages: true, groupFiles: true, privateImages: true, privateFiles: true, maxBytes: 100 * 1024 * 1024 }),
  }),
  wechat: Object.freeze({
    sentMessageIds: false,
    mentionEntities: false,
    // Inbound only: wechat4u reports quotes but cannot send them.
    quoteReply: true,
    privateToStrangers: false,
    maxMessageChars: 4000,
    maxMentions: 100,
    stableIds: false,
    // The simulator gives every account the same id, but real WeChat does not: the app must not rely on it.
    crossAccountMessageIds: false,
    files: Object.freeze({ groupImages: true, groupFiles: true, privateImages: true, privateFiles: true, maxBytes: 25 * 1024 * 1024 }),
  }),
});

/** How each flavour's clients render @全体成员 in message text. */
export const AT_ALL_TEXT: Readonly<Record<Platform, string>> = Object.freeze({
  qq: '@全体成员',
  wechat: '@所有人',
});

/** The id a mention list uses for @全体成员 (as in the port). */
export const AT_ALL = 'all';

/** Whether a flavour's bots can send quote-replies (wechat4u cannot; its quoteId is dropped on send). */
export const SENDS_QUOTES: Readonly<Record<Platform, boolean>> = Object.freeze({
  qq: true,
  wechat: false,
});
