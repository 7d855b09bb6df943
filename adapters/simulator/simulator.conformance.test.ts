import type { Platform } from '../../src/domain/org.js';
import { runAdapterConformance, type ConformanceHarness } from '../conformance/suite.js';
import { SimulatorAdapter } from './adapter.js';
import { SimWorld } from './world.js';

const PEOPLE = [
  { userId: 'u-zhang', nickname: '张三', card: '20计科1班 张三' },
  { userId: 'u-li', nickname: '李四', card: undefined },
  { userId: 'u-wang', nickname: '王五', card: '王五家长' },
];

async function simulatorHarness(platform: Platform): Promise<ConformanceHarness> {
  const world = new SimWorld();
  const botUserId = platform === 'qq' ? '10001' : 'wxid_bot';
  const groupChatId = platform === 'qq' ? '700001' : '1001@chatroom';
  world.addAccount({ accountId: botUserId, platform, nickname: '联络机器人' });
  world.addGroup({ platform, chatId: groupChatId, name: '计算机学院疫情防控二级群' });
  world.join(groupChatId, botUserId, { role: 'admin' });
  for (const person of PEOPLE) {
    world.addUser({ userId: person.userId, nickname: person.nickname, platform });
    world.join(groupChatId, person.userId, person.card === undefined ? {} : { card: person.card });
    world.befriend(botUserId, person.userId);
  }
  const adapter = new SimulatorAdapter(world, { accountId: botUserId, platform });
  const fromBot = world.transcript();
  return {
    adapter,
    botUserId,
    peer: {
      groupChatId,
      memberIds: PEOPLE.map((p) => p.userId),
      userSays: async (userId, chatId, text, options) => world.say(userId, chatId, text, options).id,
      userSaysPrivate: async (userId, text) => {
        world.sayPrivate(userId, botUserId, text);
      },
      userJoins: async (chatId, userId) => world.join(chatId, userId),
      userLeaves: async (chatId, userId) => world.leave(chatId, userId),
      userRecalls: async (messageId) => world.recall(messageId),
      sentToGroup: (chatId) =>
        fromBot.filter((m) => m.from === botUserId && m.chatType === 'group' && m.chatId === chatId),
      sentPrivate: (userId) =>
        fromBot.filter((m) => m.from === botUserId && m.chatType === 'private' && m.toUserId === userId),
      displayName: (chatId, userId) => world.displayName(chatId, userId),
      redeliver: async (messageId) => world.redeliver(messageId),
      recalledByBot: (messageId) => world.isRecalled(messageId),
      userSendsFile: async (userId, chatId, file) =>
        chatId === 'private' ? world.sayPrivate(userId, botUserId, '', { files: [file] }).id : world.say(userId, chatId, '', { files: [file] }).id,
      filesSentToGroup: (chatId) => fromBot.filter((m) => m.from === botUserId && m.chatType === 'group' && m.chatId === chatId).flatMap((m) => m.files ?? []),
      filesSentPrivate: (userId) => fromBot.filter((m) => m.from === botUserId && m.chatType === 'private' && m.toUserId === userId).flatMap((m) => m.files ?? []),
      dropConnection: async () => world.setOnline(botUserId, false),
      restoreConnection: async () => world.setOnline(botUserId, true),
    },
    cleanup: async () => {},
  };
}

runAdapterConformance('simulator (qq)', () => simulatorHarness('qq'));
runAdapterConformance('simulator (wechat)', () => simulatorHarness('wechat'));
