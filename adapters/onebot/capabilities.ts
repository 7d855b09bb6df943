import type { AdapterCapabilities } from '../../src/platform/port.js';

/** QQ behind a OneBot v11 implementation (NapCat, LLOneBot, Lagrange.OneBot). */
export const ONEBOT_CAPABILITIES: AdapterCapabilities = Object.freeze({
  sentMessageIds: true,
  mentionEntities: true,
  quoteReply: true,
  // Temporary sessions reach anyone who shares a group with the bot.
  privateToStrangers: true,
  // Longer messages fail or get split by the QQ client.
  maxMessageChars: 4500,
  maxMentions: 30,
  stableIds: true,
  // NapCat derives message_id from the client-local NT msgId and keeps it in a per-client table, so
  // two bot accounts in one group see different ids for the same message (message_seq would agree,
  // but not every implementation sends it).
  crossAccountMessageIds: false,
  // Pictures as image segments; files by upload_group_file / upload_private_file (go-cqhttp's actions,
  // which NapCat, LLOneBot and Lagrange implement; a build without them refuses and the text goes instead).
  files: Object.freeze({ groupImages: true, groupFiles: true, privateImages: true, privateFiles: true, maxBytes: 100 * 1024 * 1024 }),
});
