import type { AdapterCapabilities } from '../../src/platform/port.js';

/** What wechaty on wechat4u can do; the simulator's 'wechat' flavour copies these values. */
export const WECHATY_CAPABILITIES: AdapterCapabilities = Object.freeze({
  // wechat4u's messageSendText returns nothing.
  sentMessageIds: false,
  // Mentions go out as `@名字` text only; the id list is dropped on send.
  mentionEntities: false,
  // Inbound only: quotes are read from the raw XML, none can be sent.
  quoteReply: true,
  privateToStrangers: false,
  maxMessageChars: 4000,
  maxMentions: 100,
  // Every contact and room id changes at each wechat4u login.
  stableIds: false,
  crossAccountMessageIds: false,
  // A FileBox goes to rooms and contacts alike; the web protocol takes files up to about 25 MB.
  files: Object.freeze({ groupImages: true, groupFiles: true, privateImages: true, privateFiles: true, maxBytes: 25 * 1024 * 1024 }),
});
