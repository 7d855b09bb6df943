import { runAdapterConformance, type ConformanceHarness } from '../conformance/suite.js';
import { BOT_ID, GROUP_ID, PEOPLE, seededPeer, wire } from './testing.js';

async function oneBotHarness(mode: 'forward' | 'reverse'): Promise<ConformanceHarness> {
  // Forward plays the spec's number ids; reverse plays newer NapCat: string ids, own messages reported back.
  const peer = seededPeer({
    heartbeatMs: 500,
    stringIds: mode === 'reverse',
    reportSelf: mode === 'reverse' ? 'message_sent' : 'message',
  });
  const adapter = await wire(peer, { mode });
  const person = (userId: string) => {
    const found = PEOPLE.find((p) => p.userId === userId);
    if (!found) throw new Error(`unknown person ${userId}`);
    return found;
  };
  return {
    adapter,
    botUserId: BOT_ID,
    peer: {
      groupChatId: GROUP_ID,
      memberIds: PEOPLE.map((p) => p.userId),
      userSays: async (userId, chatId, text, options) => peer.say(userId, chatId, text, options),
      userSaysPrivate: async (userId, text) => {
        peer.sayPrivate(userId, text);
      },
      userJoins: async (chatId, userId) => peer.join(chatId, person(userId)),
      userLeaves: async (chatId, userId) => peer.leave(chatId, userId),
      userRecalls: async (messageId) => peer.recall(messageId),
      sentToGroup: (chatId) => peer.sent.filter((m) => m.chatType === 'group' && m.target === chatId),
      recalledByBot: (messageId) => peer.recalled.has(messageId),
      userSendsFile: async (userId, chatId, file) => peer.sendFile(userId, chatId, file),
      filesSentToGroup: (chatId) => peer.sent.filter((m) => m.chatType === 'group' && m.target === chatId).flatMap((m) => m.files ?? []),
      filesSentPrivate: (userId) => peer.sent.filter((m) => m.chatType === 'private' && m.target === userId).flatMap((m) => m.files ?? []),
      sentPrivate: (userId) => peer.sent.filter((m) => m.chatType === 'private' && m.target === userId),
      displayName: (chatId, userId) => peer.displayName(chatId, userId),
      redeliver: async (messageId) => peer.redeliver(messageId),
      dropConnection: async () => peer.drop(),
      restoreConnection: async () => peer.restore(),
    },
    cleanup: () => peer.close(),
  };
}

runAdapterConformance('onebot (forward)', () => oneBotHarness('forward'));
runAdapterConformance('onebot (reverse)', () => oneBotHarness('reverse'));
