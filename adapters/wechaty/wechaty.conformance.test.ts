import { silentLogger } from '../../src/app/logger.js';
import { tempDir } from '../../tests/setup/helpers.js';
import { runAdapterConformance, type ConformanceHarness } from '../conformance/suite.js';
import { WechatyAdapter } from './adapter.js';
import { MockWechat } from './mock-puppet.js';

const BOT = { id: 'wxid_bot', name: '联络机器人' };
const PEOPLE = [
  { id: 'wxid_zhang', name: '张三', card: '20计科1班 张三' },
  { id: 'wxid_li', name: '李四', card: undefined },
  { id: 'wxid_wang', name: '王五', card: '王五家长' },
];
const ROOM = '1001@chatroom';

async function wechatyHarness(): Promise<ConformanceHarness> {
  const world = new MockWechat(BOT);
  for (const p of PEOPLE) world.person({ id: p.id, name: p.name });
  const cards: Record<string, string> = {};
  for (const p of PEOPLE) if (p.card !== undefined) cards[p.id] = p.card;
  world.room({ id: ROOM, topic: '计算机学院疫情防控二级群', memberIds: [BOT.id, ...PEOPLE.map((p) => p.id)], ownerId: 'wxid_zhang', cards });
  const dir = tempDir('wechaty-conf');
  const adapter = new WechatyAdapter({ accountId: 'wx-bot-1' }, { logger: silentLogger, dataDir: dir.path, puppet: world.puppet });
  return {
    adapter,
    botUserId: BOT.id,
    peer: {
      groupChatId: ROOM,
      memberIds: PEOPLE.map((p) => p.id),
      userSays: async (userId, chatId, text, options) => world.say(userId, chatId, text, options),
      userSaysPrivate: async (userId, text) => {
        world.sayPrivate(userId, text);
      },
      userJoins: async (chatId, userId) => world.join(chatId, userId),
      userLeaves: async (chatId, userId) => world.leave(chatId, userId),
      userRecalls: async (messageId) => world.recall(messageId),
      sentToGroup: (chatId) => world.posted.filter((m) => m.roomId === chatId).map((m) => ({ text: m.text, mentions: m.mentionIds })),
      sentPrivate: (userId) => world.posted.filter((m) => m.listenerId === userId),
      userSendsFile: async (userId, chatId, file) => world.sendFile(userId, chatId === 'private' ? undefined : chatId, file),
      filesSentToGroup: (chatId) => world.postedFiles.filter((f) => f.roomId === chatId),
      filesSentPrivate: (userId) => world.postedFiles.filter((f) => f.listenerId === userId),
      displayName: (chatId, userId) => world.displayName(chatId, userId),
      redeliver: async (messageId) => world.redeliver(messageId),
      // The bot account drops off WeChat (sends fail with "not logged in"), then its session comes back.
      dropConnection: () => world.logout(),
      restoreConnection: async () => world.login(),
    },
    cleanup: async () => dir.remove(),
  };
}

runAdapterConformance('wechaty (puppet-mock)', wechatyHarness);
