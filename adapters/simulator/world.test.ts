import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import type { Platform } from '../../src/domain/org.js';
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type InboundEvent,
  type InboundMessage,
  type OutboundMessage,
} from '../../src/platform/port.js';
import { SimulatorAdapter } from './adapter.js';
import { SimWorld, type SimWorldOptions } from './world.js';

const GROUP = { qq: '700001', wechat: '1001@chatroom' } as const;
const BOT = { qq: '10001', wechat: 'wxid_bot' } as const;

interface Scene {
  world: SimWorld;
  chatId: string;
  botId: string;
  adapter: SimulatorAdapter;
  events: InboundEvent[];
}

/** A 二级群 with a bot (admin), 张三 (with a card), 李四 and a stranger 赵六 who is in no group. */
async function scene(platform: Platform, options: SimWorldOptions = {}): Promise<Scene> {
  const world = new SimWorld(options);
  const chatId = GROUP[platform];
  const botId = BOT[platform];
  world.addAccount({ accountId: botId, platform, nickname: '联络机器人' });
  world.addGroup({ platform, chatId, name: '计算机学院疫情防控二级群' });
  world.join(chatId, botId, { role: 'admin' });
  world.addUser({ userId: 'u-zhang', nickname: '张三', platform });
  world.addUser({ userId: 'u-li', nickname: '李四', platform });
  world.addUser({ userId: 'u-zhao', nickname: '赵六', platform });
  world.join(chatId, 'u-zhang', { card: '辅导员 张三' });
  world.join(chatId, 'u-li');
  const adapter = new SimulatorAdapter(world, { accountId: botId, platform });
  const events: InboundEvent[] = [];
  await adapter.start((event) => events.push(event));
  await world.flush();
  events.length = 0;
  return { world, chatId, botId, adapter, events };
}

function messagesOf(events: readonly InboundEvent[]): InboundMessage[] {
  return events.filter((event): event is InboundMessage => event.kind === 'message');
}

let keyCounter = 0;
function notice(text: string, extra: Partial<OutboundMessage> = {}): OutboundMessage {
  return { text, deliveryKey: `relay-${++keyCounter}`, ...extra };
}

describe('SimWorld delivery', () => {
  it('delivers asynchronously, never inside say', async () => {
    const { world, chatId, events } = await scene('qq');
    world.say('u-zhang', chatId, '收到');
    expect(events).toEqual([]);
    await world.flush();
    expect(messagesOf(events).map((m) => m.text)).toEqual(['收到']);
  });

  it('delivers without flush after a microtask turn', async () => {
    const { world, chatId, events } = await scene('qq');
    world.say('u-zhang', chatId, '收到');
    await Promise.resolve();
    expect(events).toHaveLength(1);
  });

  it('stamps messages with the injected clock', async () => {
    const clock = new VirtualClock(Date.UTC(2020, 3, 1, 8));
    const { world, chatId, events } = await scene('qq', { now: () => clock.now() });
    clock.advance(60_000);
    const said = world.say('u-li', chatId, '李四收到');
    await world.flush();
    expect(said.at).toBe(Date.UTC(2020, 3, 1, 8, 1));
    expect(messagesOf(events)[0]?.at).toBe(said.at);
  });

  it('gives two bot accounts in one group the same message with the same id', async () => {
    const { world, chatId, botId, adapter, events } = await scene('qq');
    world.addAccount({ accountId: '10002', platform: 'qq' });
    world.join(chatId, '10002');
    const second = new SimulatorAdapter(world, { accountId: '10002', platform: 'qq' });
    const secondEvents: InboundEvent[] = [];
    await second.start((event) => secondEvents.push(event));

    const said = world.say('u-zhang', chatId, '收到');
    await adapter.sendGroup(chatId, notice('请各位回复'));
    await world.flush();

    const first = messagesOf(events);
    const other = messagesOf(secondEvents);
    expect(first.map((m) => m.messageId)).toEqual([said.id]);
    expect(other.map((m) => m.messageId)).toEqual([said.id, expect.any(String)]);
    expect(other[1]?.sender.userId).toBe(botId);
    expect(first[0]?.accountId).toBe(botId);
    expect(other[0]?.accountId).toBe('10002');
  });

  it('loses the events an offline account would have seen', async () => {
    const { world, chatId, botId, events } = await scene('qq');
    world.setOnline(botId, false);
    world.say('u-zhang', chatId, '掉线时的消息');
    world.join(chatId, 'u-zhao');
    world.setOnline(botId, true);
    world.say('u-li', chatId, '恢复后的消息');
    await world.flush();
    expect(events.map((e) => (e.kind === 'message' ? e.text : e.kind))).toEqual(['恢复后的消息']);
  });

  it('drops events still in flight when the account goes offline', async () => {
    const { world, chatId, botId, events } = await scene('qq');
    world.say('u-zhang', chatId, '在路上');
    world.setOnline(botId, false);
    await world.flush();
    world.setOnline(botId, true);
    await world.flush();
    expect(events).toEqual([]);
  });

  it('stops delivering after stop, and sends reject', async () => {
    const { world, chatId, adapter, events } = await scene('qq');
    await adapter.stop();
    world.say('u-zhang', chatId, '收到');
    await world.flush();
    expect(events).toEqual([]);
    await expect(adapter.sendGroup(chatId, notice('x'))).rejects.toBeInstanceOf(PlatformUnavailableError);
  });

  it('delivers private messages only to the addressed account', async () => {
    const { world, botId, events } = await scene('qq');
    world.sayPrivate('u-zhao', botId, '老师您好');
    await world.flush();
    expect(messagesOf(events)).toMatchObject([{ chat: { type: 'private' }, sender: { userId: 'u-zhao', nickname: '赵六' } }]);
  });

  it('tells a bot about its own joining and leaving', async () => {
    const { world, botId, events } = await scene('qq');
    world.addGroup({ platform: 'qq', chatId: '700002', name: '20计科1班疫情防控三级群' });
    world.join('700002', botId);
    world.leave('700002', botId);
    await world.flush();
    expect(events.map((e) => e.kind)).toEqual(['member_join', 'member_leave']);
    expect(world.groupsOf(botId)).not.toContain('700002');
  });

  it('passes listener errors to onListenerError instead of failing the sender', async () => {
    const errors: unknown[] = [];
    const world = new SimWorld({ onListenerError: (error) => errors.push(error) });
    world.addAccount({ accountId: '10001', platform: 'qq' });
    world.addUser({ userId: 'u', nickname: '学生', platform: 'qq' });
    world.addGroup({ platform: 'qq', chatId: 'g', name: 'g' });
    world.join('g', '10001');
    world.join('g', 'u');
    await new SimulatorAdapter(world, { accountId: '10001', platform: 'qq' }).start((event) => {
      if (event.kind === 'message') throw new Error('sink bug');
    });
    world.onMessage(() => {
      throw new Error('printer bug');
    });
    expect(() => world.say('u', 'g', '收到')).not.toThrow();
    await world.flush();
    expect(errors.map((e) => (e instanceof Error ? e.message : e))).toEqual(['printer bug', 'sink bug']);
  });
});

describe('SimWorld mentions and quotes', () => {
  it('renders a person’s mentions as @card-or-nickname, ids exact', async () => {
    const { world, chatId, botId, events } = await scene('qq');
    const said = world.say('u-li', chatId, '请看通知', { mentions: [botId, 'u-zhang'] });
    expect(said.text).toBe('@联络机器人 @辅导员 张三 请看通知');
    await world.flush();
    expect(messagesOf(events)[0]).toMatchObject({ mentions: [botId, 'u-zhang'], mentionsBot: true, text: said.text });
  });

  it('does not repeat a mention already typed in the text', () => {
    const world = new SimWorld();
    world.addUser({ userId: 'a', nickname: '甲', platform: 'wechat' });
    world.addUser({ userId: 'b', nickname: '乙', platform: 'wechat' });
    world.addGroup({ platform: 'wechat', chatId: 'r@chatroom', name: 'r' });
    world.join('r@chatroom', 'a');
    world.join('r@chatroom', 'b');
    expect(world.say('a', 'r@chatroom', '@乙 你好', { mentions: ['b'] }).text).toBe('@乙 你好');
  });

  it.each([
    ['qq', ['u-zhang'], '@辅导员 张三 请回复'],
    ['wechat', [], '@辅导员 张三 请回复'],
  ] as const)('keeps a %s bot’s outgoing mention ids only where the platform does', async (platform, ids, text) => {
    const { world, chatId, adapter } = await scene(platform);
    await adapter.sendGroup(chatId, notice('请回复', { mentions: ['u-zhang'] }));
    expect(world.transcript().at(-1)).toMatchObject({ from: BOT[platform], text, mentions: ids });
  });

  it.each([
    ['qq', '@全体成员 今晚八点前填报'],
    ['wechat', '@所有人 今晚八点前填报'],
  ] as const)('renders @all on %s', async (platform, text) => {
    const { world, chatId, adapter } = await scene(platform);
    await adapter.sendGroup(chatId, notice('今晚八点前填报', { mentions: ['all'] }));
    expect(world.transcript().at(-1)?.text).toBe(text);
  });

  it('refuses @all from a bot that is not an admin', async () => {
    const { world, chatId, botId, adapter } = await scene('qq');
    world.setRole(chatId, botId, 'member');
    await expect(adapter.sendGroup(chatId, notice('x', { mentions: ['all'] }))).rejects.toMatchObject({
      code: 'at_all_not_allowed',
    });
  });

  it('refuses more mentions than the platform takes', async () => {
    const { chatId, adapter } = await scene('qq');
    const mentions = Array.from({ length: adapter.capabilities.maxMentions + 1 }, (_, i) => `u${i}`);
    await expect(adapter.sendGroup(chatId, notice('x', { mentions }))).rejects.toMatchObject({ code: 'too_many_mentions' });
  });

  it.each([
    ['qq', '5'],
    ['wechat', undefined],
  ] as const)('a %s bot’s quote-reply keeps its quote id: %s', async (platform, quoteId) => {
    const { world, chatId, adapter } = await scene(platform);
    for (let i = 0; i < 4; i++) world.say('u-li', chatId, `消息${i}`);
    await adapter.sendGroup(chatId, notice('请按要求填写', { quoteId: '5' }));
    expect(world.transcript().at(-1)?.quoteId).toBe(quoteId);
  });

  it('uses the current card for display names', async () => {
    const { world, chatId } = await scene('qq');
    world.setCard(chatId, 'u-li', '班长 李四');
    expect(world.displayName(chatId, 'u-li')).toBe('班长 李四');
    world.setCard(chatId, 'u-li', undefined);
    expect(world.displayName(chatId, 'u-li')).toBe('李四');
  });
});

describe('SimWorld refusals', () => {
  it('refuses a group the bot is not in', async () => {
    const { world, adapter } = await scene('qq');
    world.addGroup({ platform: 'qq', chatId: '700009', name: '别的群' });
    await expect(adapter.sendGroup('700009', notice('x'))).rejects.toMatchObject({ name: 'PlatformRefusedError', code: 'not_in_group' });
    await expect(adapter.listMembers('700009')).rejects.toMatchObject({ code: 'not_in_group' });
  });

  it.each([
    ['qq', 4500],
    ['wechat', 4000],
  ] as const)('on %s delivers %i characters and refuses one more', async (platform, max) => {
    const { world, chatId, adapter } = await scene(platform);
    await adapter.sendGroup(chatId, notice('字'.repeat(max)));
    await expect(adapter.sendGroup(chatId, notice('字'.repeat(max + 1)))).rejects.toMatchObject({ code: 'too_long' });
    expect(world.messageCount()).toBe(1);
  });

  it('on wechat messages only friends privately', async () => {
    const { world, botId, adapter } = await scene('wechat');
    await expect(adapter.sendPrivate('u-zhang', notice('x'))).rejects.toMatchObject({ code: 'not_friend' });
    expect(() => world.sayPrivate('u-zhang', botId, '你好')).toThrow(/not a friend/);
    world.befriend(botId, 'u-zhang');
    await adapter.sendPrivate('u-zhang', notice('请督促辅导员回复'));
    expect(world.transcript().at(-1)).toMatchObject({ chatType: 'private', toUserId: 'u-zhang' });
  });

  it('on qq reaches group members through temporary sessions, strangers not', async () => {
    const { adapter } = await scene('qq');
    await adapter.sendPrivate('u-li', notice('提醒'));
    await expect(adapter.sendPrivate('u-zhao', notice('x'))).rejects.toMatchObject({ code: 'not_reachable' });
    await expect(adapter.sendPrivate('nobody', notice('x'))).rejects.toMatchObject({ code: 'unknown_user' });
  });
});

describe('SimWorld failure injection', () => {
  it('rejects every send while the account is offline, posting nothing', async () => {
    const { world, chatId, botId, adapter } = await scene('qq');
    world.setOnline(botId, false);
    await expect(adapter.sendGroup(chatId, notice('x'))).rejects.toBeInstanceOf(PlatformUnavailableError);
    await expect(adapter.listGroups()).rejects.toBeInstanceOf(PlatformUnavailableError);
    await expect(adapter.confirmSent({ chatType: 'group', id: chatId }, 'k')).rejects.toBeInstanceOf(PlatformUnavailableError);
    expect(world.messageCount()).toBe(0);
  });

  it('fails the next n sends with the injected error, then sends again', async () => {
    const { world, chatId, botId, adapter } = await scene('qq');
    const muted = new PlatformRefusedError('muted', 'bot is muted in the group');
    world.failNextSends(botId, 2, muted);
    const first = notice('一');
    await expect(adapter.sendGroup(chatId, first)).rejects.toBe(muted);
    await expect(adapter.sendGroup(chatId, notice('二'))).rejects.toBe(muted);
    const receipt = await adapter.sendGroup(chatId, notice('三'));
    expect(receipt.messageId).toBe(world.transcript().at(-1)?.id);
    expect(world.transcript().map((m) => m.text)).toEqual(['三']);
    expect(await adapter.confirmSent({ chatType: 'group', id: chatId }, first.deliveryKey)).toBe('not_sent');
  });

  it('defaults injected failures to PlatformUnavailableError', async () => {
    const { world, chatId, botId, adapter } = await scene('wechat');
    world.failNextSends(botId, 1);
    await expect(adapter.sendGroup(chatId, notice('x'))).rejects.toBeInstanceOf(PlatformUnavailableError);
  });

  it('postThenFail: the send is posted but rejects, and confirmSent finds it', async () => {
    const { world, chatId, botId, adapter } = await scene('qq');
    world.postThenFail(botId);
    const message = notice('请于今日18点前完成健康打卡');
    await expect(adapter.sendGroup(chatId, message)).rejects.toBeInstanceOf(PlatformUnavailableError);
    expect(world.transcript()).toMatchObject([{ text: message.text, deliveryKey: message.deliveryKey, from: botId }]);
    expect(await adapter.confirmSent({ chatType: 'group', id: chatId }, message.deliveryKey)).toBe('sent');
    expect(await adapter.confirmSent({ chatType: 'private', id: chatId }, message.deliveryKey)).toBe('not_sent');
    expect(await adapter.confirmSent({ chatType: 'group', id: chatId }, 'never-sent')).toBe('not_sent');
    await adapter.sendGroup(chatId, notice('下一条正常'));
  });

  it('can play an adapter that cannot confirm sends', async () => {
    const { world, chatId, botId } = await scene('wechat');
    await world.flush();
    const blind = new SimulatorAdapter(world, { accountId: botId, platform: 'wechat', confirmSent: 'unknown' });
    expect(await blind.confirmSent({ chatType: 'group', id: chatId }, 'k')).toBe('unknown');
  });

  it('counts duplicate deliveries of one key', async () => {
    const { world, chatId, adapter } = await scene('qq');
    const message = notice('重复的通知');
    await adapter.sendGroup(chatId, message);
    await adapter.sendGroup(chatId, message);
    expect(world.deliveryOf(message.deliveryKey)).toMatchObject({ chatType: 'group', targetId: chatId, count: 2 });
    expect(world.duplicateDeliveries()).toBe(1);
  });

  it('waits out the configured latency before posting', async () => {
    const { world, chatId, botId } = await scene('qq');
    const waits: number[] = [];
    const slow = new SimulatorAdapter(world, {
      accountId: botId,
      platform: 'qq',
      latencyMs: 250,
      sleep: async (ms) => {
        waits.push(ms);
        expect(world.messageCount()).toBe(0);
      },
    });
    await slow.sendGroup(chatId, notice('慢'));
    expect(waits).toEqual([250]);
    expect(world.messageCount()).toBe(1);
  });
});

describe('SimWorld transcript', () => {
  it('indexes messages by id, tracks recalls and tells listeners', async () => {
    const { world, chatId, adapter, events } = await scene('qq');
    const seen: string[] = [];
    const unsubscribe = world.onMessage((m) => seen.push(`${m.from}: ${m.text}`));
    const said = world.say('u-zhang', chatId, '发错了');
    await adapter.sendGroup(chatId, notice('好的'));
    unsubscribe();
    world.say('u-li', chatId, '没人听见');
    expect(seen).toEqual(['u-zhang: 发错了', '10001: 好的']);
    expect(world.message(said.id)).toBe(said);
    world.recall(said.id);
    expect(world.isRecalled(said.id)).toBe(true);
    await world.flush();
    expect(events.at(-1)).toMatchObject({ kind: 'recall', messageId: said.id, userId: 'u-zhang', chatId });
  });

  it('with keepTranscript off keeps only a count and the delivery index', async () => {
    const { world, chatId, adapter, events } = await scene('qq', { keepTranscript: false });
    const said = world.say('u-zhang', chatId, '收到');
    const message = notice('请回复');
    await adapter.sendGroup(chatId, message);
    await world.flush();
    expect(world.transcript()).toEqual([]);
    expect(world.messageCount()).toBe(2);
    expect(world.message(said.id)).toBeUndefined();
    expect(messagesOf(events)).toHaveLength(1);
    expect(await adapter.confirmSent({ chatType: 'group', id: chatId }, message.deliveryKey)).toBe('sent');
    expect(() => world.recall(said.id)).toThrow(/keepTranscript/);
  });

  it('carries benchmark volume: 88,000 sends and 64,000 inbound messages', async () => {
    const world = new SimWorld({ keepTranscript: false });
    const platform = 'qq';
    world.addAccount({ accountId: 'bot', platform });
    world.addUser({ userId: 'student', nickname: '学生', platform });
    const chatIds = Array.from({ length: 400 }, (_, i) => `g${i}`);
    for (const chatId of chatIds) {
      world.addGroup({ platform, chatId, name: chatId });
      world.join(chatId, 'bot');
      world.join(chatId, 'student');
    }
    const adapter = new SimulatorAdapter(world, { accountId: 'bot', platform });
    let received = 0;
    await adapter.start((event) => {
      if (event.kind === 'message') received += 1;
    });
    for (let i = 0; i < 88_000; i++) {
      await adapter.sendGroup(chatIds[i % chatIds.length] ?? 'g0', { text: '通知', deliveryKey: `k${i}` });
    }
    for (let i = 0; i < 64_000; i++) world.say('student', chatIds[i % chatIds.length] ?? 'g0', '收到');
    await world.flush();
    expect(world.messageCount()).toBe(152_000);
    expect(received).toBe(64_000);
    expect(world.duplicateDeliveries()).toBe(0);
  });
});

describe('SimWorld re-login', () => {
  it('shows every contact and room under new ids after a WeChat re-login, and refuses the old ones', async () => {
    const s = await scene('wechat');
    expect((await s.adapter.listMembers(s.chatId)).map((m) => m.userId)).toContain('u-zhang');
    s.world.relogin(s.botId);
    await s.world.flush();
    expect(s.events.at(-1)).toMatchObject({ kind: 'login', accountId: s.botId, platform: 'wechat' });
    const [room] = await s.adapter.listGroups();
    expect(room?.chatId).toMatch(/^@@[0-9a-f]{24}$/u);
    expect(room?.name).toBe('计算机学院疫情防控二级群');
    const members = await s.adapter.listMembers(room?.chatId ?? '');
    const zhang = members.find((m) => m.card === '辅导员 张三');
    expect(zhang?.userId).toMatch(/^@[0-9a-f]{24}$/u);
    // Old ids belong to the previous session.
    await expect(s.adapter.listMembers(s.chatId)).rejects.toBeInstanceOf(PlatformRefusedError);
    await expect(s.adapter.sendGroup(s.chatId, notice('x'))).rejects.toBeInstanceOf(PlatformRefusedError);
    // New ids work, in both directions.
    await s.adapter.sendGroup(room?.chatId ?? '', notice('新会话', { mentions: [zhang?.userId ?? ''] }));
    expect(s.world.transcript().at(-1)).toMatchObject({ chatType: 'group', chatId: s.chatId, text: expect.stringContaining('新会话') });
    s.world.say('u-zhang', s.chatId, '收到');
    await s.world.flush();
    expect(s.events.at(-1)).toMatchObject({ kind: 'message', chat: { type: 'group', chatId: room?.chatId }, sender: { userId: zhang?.userId } });
    // A second re-login changes them again.
    s.world.relogin(s.botId);
    await s.world.flush();
    expect((await s.adapter.listGroups())[0]?.chatId).not.toBe(room?.chatId);
  });

  it('keeps QQ ids across a re-login', async () => {
    const s = await scene('qq');
    s.world.relogin(s.botId);
    await s.world.flush();
    expect((await s.adapter.listMembers(s.chatId)).map((m) => m.userId)).toContain('u-zhang');
  });

  it('lets an account set remarks on its friends only; they outlive a login unless lost', async () => {
    const s = await scene('wechat');
    await expect(s.adapter.setRemark('u-zhang', '张三·S111')).rejects.toBeInstanceOf(PlatformRefusedError);
    s.world.befriend(s.botId, 'u-zhang');
    await s.adapter.setRemark('u-zhang', '张三·S111');
    s.world.relogin(s.botId);
    await s.world.flush();
    const [contact] = await s.adapter.listContacts();
    expect(contact).toMatchObject({ nickname: '张三', remark: '张三·S111' });
    const room = (await s.adapter.listGroups())[0]?.chatId ?? '';
    expect((await s.adapter.listMembers(room)).find((m) => m.userId === contact?.userId)?.remark).toBe('张三·S111');
    s.world.relogin(s.botId, { loseRemarks: true });
    await s.world.flush();
    expect((await s.adapter.listContacts())[0]?.remark).toBeUndefined();
  });
});
