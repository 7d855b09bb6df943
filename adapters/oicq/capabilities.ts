import type { AdapterCapabilities } from '../../src/platform/port.js';

/** What QQ through oicq/icqq can do. */
export const OICQ_CAPABILITIES: AdapterCapabilities = Object.freeze({
  // sendGroupMsg / sendPrivateMsg resolve with the library's message_id.
  sentMessageIds: true,
  // segment.at(qq) is a real mention entity; 'all' is @全体成员.
  mentionEntities: true,
  // A send's `source` quotes any message whose id we saw (the id holds seq/rand/time).
  quoteReply: true,
  // Temporary sessions reach anyone who shares a group with the bot.
  privateToStrangers: true,
  // Longer texts fail (codes 10/34) or get split by the server.
  maxMessageChars: 4500,
  maxMentions: 30,
  // QQ numbers and group numbers never change.
  stableIds: true,
  // A group message id is base64(group, sender, seq, rand, time): all server-assigned facts of the
  // message, not of the receiving account, so two bot accounts in one group compute the same id.
  crossAccountMessageIds: true,
  // Pictures as image messages (≤ 30 MiB, files.ts); files through the group's file system
  // (gfs.upload) and privately as offline files (Friend.sendFile). QQ takes offline files for friends
  // only: a file for anyone else is refused with file_refused, and the app posts its line instead.
  files: Object.freeze({ groupImages: true, groupFiles: true, privateImages: true, privateFiles: true, maxBytes: 100 * 1024 * 1024 }),
});
