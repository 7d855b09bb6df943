import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.js';
import { PlatformRefusedError, PlatformUnavailableError, type InboundEvent, type InboundMessage } from '../../src/platform/port.js';
import { tempDir } from '../../tests/setup/helpers.js';
import { waitFor } from '../conformance/wait.js';
import { fileSendFailure, sendFailure, WechatyAdapter } from './adapter.js';
import { decodeMessage, quotedMessageId, recalledMessageId, stripQuotePreview, toMs } from './codec.js';
import { MockWechat } from './mock-puppet.js';
import { wechatyOptionsSchema } from './options.js';
import { qrImageLink, renderTerminalQr } from './qr.js';
import { WIRE_MESSAGE_TYPE, type WireMessage } from './wire.js';

const BOT = { id: 'wxid_bot', name: '联络机器人' };
const ROOM = '1001@chatroom';

interface Scene {
  world: MockWechat;
  adapter: WechatyAdapter;
  events: InboundEvent[];
  logLines: string[];
  /** The adapter's data directory. */
  dir: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function capturingLogger(lines: string[]): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
}

/** A bot in one room with 张三 (friend, card), 李四 (friend) and 陌生人 (not a friend). */
function scene(start: 'login' | 'scan' = 'login'): Scene {
  const world = new MockWechat(BOT, start);
  world.person({ id: 'wxid_zhang', name: '张三', remark: '张三·2023010101' });
  world.person({ id: 'wxid_li', name: '李四' });
  world.person({ id: 'wxid_stranger', name: '陌生人', friend: false });
  world.room({
    id: ROOM,
    topic: '计算机学院二级群',
    memberIds: [BOT.id, 'wxid_zhang', 'wxid_li', 'wxid_stranger'],
    ownerId: 'wxid_zhang',
    adminIds: ['wxid_li'],
    cards: { wxid_zhang: '20计科1班 张三' },
  });
  const dir = tempDir('wechaty-adapter');
  const logLines: string[] = [];
  const adapter = new WechatyAdapter({ accountId: 'wx-bot-1' }, { logger: capturingLogger(logLines), dataDir: dir.path, puppet: world.puppet });
  cleanups.push(async () => {
    await adapter.stop();
    dir.remove();
  });
  return { world, adapter, events: [], logLines, dir: dir.path };
}

async function started(start: 'login' | 'scan' = 'login'): Promise<Scene> {
  const s = scene(start);
  await s.adapter.start((event) => s.events.push(event));
  return s;
}

const logins = (s: Scene): InboundEvent[] => s.events.filter((e) => e.kind === 'login');
const texts = (s: Scene): string[] => s.events.filter((e): e is InboundMessage => e.kind === 'message').map((m) => m.text);
const key = (n: number): string => `adapter-test-${n}`;

describe('WechatyAdapter login', () => {
  it('resolves start() while a QR code waits, logs where to scan, and announces the login that follows', async () => {
    const s = await started('scan');
    await waitFor(() => s.adapter.status().state === 'login_required', 1_000, 'login_required');
    expect(s.adapter.status().detail).toBe('scan the QR code');
    const logged = s.logLines.map((l) => JSON.parse(l) as { msg: string; qrLink?: string; loginUrl?: string }).find((l) => l.qrLink);
    expect(logged?.loginUrl).toBe('https://login.weixin.qq.com/l/mock-uuid');
    expect(logged?.qrLink).toBe(`https://wechaty.js.org/qrcode/${encodeURIComponent('https://login.weixin.qq.com/l/mock-uuid')}`);
    expect(logins(s)).toEqual([]);

    s.world.login();
    await waitFor(() => logins(s).length === 1, 1_000, 'login event');
    expect(s.adapter.status().state).toBe('online');
    expect(s.adapter.selfId).toBe(BOT.id);
  });

  it('announces the first login of a restored session', async () => {
    const s = await started('login');
    await waitFor(() => logins(s).length === 1, 1_000, 'login event');
    expect(logins(s)[0]).toMatchObject({ kind: 'login', platform: 'wechat', accountId: 'wx-bot-1' });
    expect(s.adapter.status().state).toBe('online');
  });

  it('after a re-login with all-new ids announces it again and lists the new ids with the same names', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'first login');
    const rename = new Map([
      [BOT.id, '@bot2'],
      ['wxid_zhang', '@zhang2'],
      ['wxid_li', '@li2'],
      ['wxid_stranger', '@stranger2'],
      [ROOM, '@@room2@chatroom'],
    ]);
    await s.world.relogin(rename);
    await waitFor(() => logins(s).length === 2, 1_000, 'second login');
    expect(s.adapter.selfId).toBe('@bot2');

    expect(await s.adapter.listGroups()).toEqual([{ chatId: '@@room2@chatroom', name: '计算机学院二级群', memberCount: 4 }]);
    const members = await s.adapter.listMembers('@@room2@chatroom');
    expect(members.find((m) => m.userId === '@zhang2')).toEqual({ userId: '@zhang2', nickname: '张三', card: '20计科1班 张三', role: 'owner', remark: '张三·2023010101' });
    expect(members.find((m) => m.userId === '@li2')?.role).toBe('admin');
    // The old session's ids are gone.
    await expect(s.adapter.sendGroup(ROOM, { text: '旧群', deliveryKey: key(1) })).rejects.toMatchObject({ code: 'not_in_group' });
    await s.adapter.sendGroup('@@room2@chatroom', { text: '新群', mentions: ['@zhang2'], deliveryKey: key(2) });
    expect(s.world.posted.at(-1)).toEqual({ text: '@20计科1班 张三 新群', mentionIds: [], roomId: '@@room2@chatroom' });
  });

  it('goes back to connecting on logout, refuses sends as not sent, and recovers on the next login', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'first login');
    await s.world.logout();
    expect(s.adapter.status().state).toBe('connecting');
    const failure = await s.adapter.sendGroup(ROOM, { text: '离线', deliveryKey: key(3) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PlatformUnavailableError);
    expect((failure as PlatformUnavailableError).definitelyNotSent).toBe(true);
    s.world.login();
    await waitFor(() => logins(s).length === 2, 1_000, 'second login');
    await s.adapter.sendGroup(ROOM, { text: '在线', deliveryKey: key(4) });
    expect(s.world.posted.map((p) => p.text)).toEqual(['在线']);
  });

  it('rejects start() when the configured puppet package cannot be loaded', async () => {
    const dir = tempDir('wechaty-bad');
    const adapter = new WechatyAdapter({ accountId: 'wx-bad', puppet: 'wechaty-puppet-does-not-exist' }, { logger: silentLogger, dataDir: dir.path });
    await expect(adapter.start(() => undefined)).rejects.toThrow(/cannot load the wechaty puppet "wechaty-puppet-does-not-exist"/);
    dir.remove();
  });
});

describe('WechatyAdapter messages', () => {
  it('delivers private and group messages in the order the puppet emitted them, without the bot’s own', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    // First-seen contacts and private chats overtake room messages in wechaty's own `message` event.
    const said: string[] = [];
    for (let i = 0; i < 8; i++) {
      const from = i % 2 === 0 ? 'wxid_zhang' : 'wxid_li';
      if (i % 3 === 0) s.world.sayPrivate(from, `m${i}`);
      else s.world.say(from, ROOM, `m${i}`, i % 2 === 0 ? { mentions: [BOT.id] } : {});
      said.push(`m${i}`);
      if (i === 4) await s.adapter.sendGroup(ROOM, { text: 'bot-own', deliveryKey: key(5) });
    }
    await waitFor(() => texts(s).length >= 8, 1_000, 'eight messages');
    expect(texts(s).map((t) => t.replace(/^@\S+\u2005/u, ''))).toEqual(said);
    const m2 = s.events.find((e): e is InboundMessage => e.kind === 'message' && e.text.endsWith('m2'));
    expect(m2).toMatchObject({ mentionsBot: true, mentions: [BOT.id], sender: { userId: 'wxid_zhang', nickname: '张三', card: '20计科1班 张三' } });
  });

  it('stops delivering and leaves no timer behind after stop()', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    await s.adapter.stop();
    expect(s.adapter.status().state).toBe('offline');
    s.world.sayPrivate('wxid_zhang', '停止之后');
    // The platform handed the message over synchronously; let every turn of its handling run.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(texts(s)).toEqual([]);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('WechatyAdapter contacts and refusals', () => {
  it('sets a remark on a friend, visible in listMembers and listContacts; refuses strangers', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    await s.adapter.setRemark('wxid_li', '李四·2023010102');
    const members = await s.adapter.listMembers(ROOM);
    expect(members.find((m) => m.userId === 'wxid_li')?.remark).toBe('李四·2023010102');
    const contacts = await s.adapter.listContacts();
    expect(contacts).toContainEqual({ userId: 'wxid_li', nickname: '李四', remark: '李四·2023010102' });
    expect(contacts).toContainEqual({ userId: 'wxid_zhang', nickname: '张三', remark: '张三·2023010101' });
    // Friends only: neither the stranger nor the bot itself is a contact.
    expect(contacts.map((c) => c.userId).sort()).toEqual(['wxid_li', 'wxid_zhang']);
    await expect(s.adapter.setRemark('wxid_stranger', 'x')).rejects.toMatchObject({ code: 'not_friend' });
  });

  it('refuses private sends to strangers and unknown ids, and over-long texts, before sending', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    const refusal = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'sent', (e: unknown) => (e instanceof PlatformRefusedError ? e.code : e));
    expect(await refusal(s.adapter.sendPrivate('wxid_stranger', { text: '你好', deliveryKey: key(6) }))).toBe('not_friend');
    expect(await refusal(s.adapter.sendPrivate('wxid_nobody', { text: '你好', deliveryKey: key(7) }))).toBe('unknown_user');
    expect(await refusal(s.adapter.sendGroup('9999@chatroom', { text: '你好', deliveryKey: key(8) }))).toBe('not_in_group');
    expect(await refusal(s.adapter.sendGroup(ROOM, { text: '你好', mentions: ['wxid_nobody'], deliveryKey: key(9) }))).toBe('unknown_user');
    expect(await refusal(s.adapter.sendGroup(ROOM, { text: '长'.repeat(4001), deliveryKey: key(11) }))).toBe('too_long');
    expect(s.world.posted).toEqual([]);
    // wechat4u cannot send @所有人: the message goes without it, not refused.
    expect(await refusal(s.adapter.sendGroup(ROOM, { text: '你好', mentions: ['all'], deliveryKey: key(10) }))).toBe('sent');
    expect(s.world.posted.map((p) => p.text)).toEqual(['你好']);
  });

  it('reads WeChat\'s own refusal codes in wechat4u errors', () => {
    const refusal = (ret: number): Error => sendFailure(Object.assign(new Error(`${ret} == 0`), { response: { data: { BaseResponse: { Ret: ret } } } }));
    expect(refusal(1205)).toMatchObject({ name: 'PlatformRefusedError', code: 'risk_control' });
    expect(refusal(1101)).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
    // Any other code: WeChat did not take it; sent again later.
    expect(refusal(1)).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
    // No code: the outcome is unknown.
    expect(sendFailure(new Error('socket hang up'))).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: false });
  });

  it('sends nothing between a login and its announcement: the app still holds the previous session\'s ids', async () => {
    const s = await started('scan');
    s.world.puppet.holdReady = true;
    s.world.login();
    await waitFor(() => s.adapter.status().detail === 'waiting for the contact list', 1_000, 'logged in, not ready');
    expect(s.adapter.status().state).toBe('connecting');
    await expect(s.adapter.sendGroup(ROOM, { text: '早了', deliveryKey: key(12) })).rejects.toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
    s.world.puppet.ready();
    await waitFor(() => logins(s).length === 1, 1_000, 'login announced');
    expect(s.adapter.status().state).toBe('online');
    await s.adapter.sendGroup(ROOM, { text: '现在可以', deliveryKey: key(13) });
    expect(s.world.posted.map((p) => p.text)).toEqual(['现在可以']);
  });
});

describe('WechatyAdapter files', () => {
  const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 8, 7]);
  const refusal = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'sent', (e: unknown) => (e instanceof PlatformRefusedError ? e.code : e));
  const files = (s: Scene): InboundMessage[] => s.events.filter((e): e is InboundMessage => e.kind === 'message' && e.files !== undefined);

  it('receives a picture and a file in a private chat and fetches their bytes by message id', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    const pictureId = s.world.sendFile('wxid_zhang', undefined, { kind: 'image', name: 'poster.png', data: PNG });
    const doc = new TextEncoder().encode('排班表');
    s.world.sendFile('wxid_li', undefined, { kind: 'file', name: '值班表.xlsx', data: doc });
    await waitFor(() => files(s).length === 2 || undefined, 1_000, 'two file messages');
    const [picture, file] = files(s);
    expect(picture).toMatchObject({ chat: { type: 'private' }, messageId: pictureId, sender: { userId: 'wxid_zhang' }, text: '[图片]', files: [{ kind: 'image', ref: pictureId }] });
    expect(file).toMatchObject({ chat: { type: 'private' }, sender: { userId: 'wxid_li' }, text: '[文件]', files: [{ kind: 'file', name: '值班表.xlsx', size: doc.byteLength }] });
    const where = { chatType: 'private' as const, chatId: 'wxid_zhang' };
    expect(Buffer.from(await s.adapter.fetchFile(picture?.files?.[0] ?? { kind: 'image', name: '', ref: '' }, where)).equals(Buffer.from(PNG))).toBe(true);
    expect(Buffer.from(await s.adapter.fetchFile(file?.files?.[0] ?? { kind: 'file', name: '', ref: '' }, where)).equals(Buffer.from(doc))).toBe(true);
  });

  it('refuses to fetch a message it no longer has, or one that carries no file', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    const textId = s.world.sayPrivate('wxid_zhang', '收到');
    const where = { chatType: 'private' as const, chatId: 'wxid_zhang' };
    expect(await refusal(s.adapter.fetchFile({ kind: 'image', name: 'x.jpg', ref: '7199999999999999999' }, where))).toBe('bad_request');
    expect(await refusal(s.adapter.fetchFile({ kind: 'file', name: 'x', ref: textId }, where))).toBe('bad_request');
  });

  it('posts a file alone, without its text; refuses a file too large or missing before sending', async () => {
    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    const path = join(s.dir, 'poster.png');
    writeFileSync(path, PNG);
    const file = { kind: 'image' as const, name: 'poster.png', path, size: PNG.byteLength };
    expect(await s.adapter.sendPrivate('wxid_li', { text: '海报见图', deliveryKey: key(20), file })).toMatchObject({ at: expect.any(Number) });
    await waitFor(() => s.world.postedFiles.length === 1 || undefined, 1_000, 'private picture');
    expect(s.world.postedFiles[0]).toMatchObject({ kind: 'image', name: 'poster.png', listenerId: 'wxid_li' });
    expect(s.world.posted).toEqual([]);
    // WeChat echoes the bot's own picture back: it is no inbound message.
    await s.adapter.sendGroup(ROOM, { text: '', deliveryKey: key(25), file });
    s.world.sayPrivate('wxid_zhang', '之后');
    await waitFor(() => texts(s).includes('之后') || undefined, 1_000, 'marker');
    expect(files(s)).toEqual([]);

    const huge = { ...file, size: s.adapter.capabilities.files.maxBytes + 1 };
    expect(await refusal(s.adapter.sendGroup(ROOM, { text: '', deliveryKey: key(21), file: huge }))).toBe('file_refused');
    expect(await refusal(s.adapter.sendGroup(ROOM, { text: '', deliveryKey: key(22), file: { ...file, path: join(s.dir, 'gone.png') } }))).toBe('bad_request');
    expect(await refusal(s.adapter.sendPrivate('wxid_stranger', { text: '', deliveryKey: key(23), file }))).toBe('not_friend');
    expect(s.world.postedFiles.map((f) => f.roomId ?? f.listenerId)).toEqual(['wxid_li', ROOM]);
  });

  it('tells WeChat refusing an upload from an upload that did not get through', async () => {
    const upload = (fields: object): Error => Object.assign(new Error('upload'), { tips: '上传媒体文件失败' }, fields);
    // WeChat answered without a media id: the file is refused, nothing was posted.
    expect(fileSendFailure(upload({ response: { status: 200, data: { BaseResponse: { Ret: 0 }, MediaId: '' } } }))).toMatchObject({ name: 'PlatformRefusedError', code: 'file_refused' });
    expect(fileSendFailure(upload({ response: { status: 200, data: { BaseResponse: { Ret: 1205 } } } }))).toMatchObject({ code: 'risk_control' });
    expect(fileSendFailure(upload({ response: { status: 200, data: { BaseResponse: { Ret: 1101 } } } }))).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
    // No answer or a server error: the upload may be tried again; nothing was posted.
    expect(fileSendFailure(upload({}))).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
    expect(fileSendFailure(upload({ response: { status: 502, data: '' } }))).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
    // A failure after the upload (posting the picture) is read as any send's.
    expect(fileSendFailure(new Error('socket hang up'))).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: false });

    const s = await started();
    await waitFor(() => logins(s).length === 1, 1_000, 'login');
    const path = join(s.dir, '通知.pdf');
    writeFileSync(path, '%PDF-1.4');
    s.world.puppet.messageSendFile = () => Promise.reject(upload({ response: { status: 200, data: { BaseResponse: { Ret: 1 }, MediaId: '' } } }));
    const failure = await s.adapter.sendGroup(ROOM, { text: '', deliveryKey: key(24), file: { kind: 'file', name: '通知.pdf', path, size: 8 } }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'PlatformRefusedError', code: 'file_refused' });
  });
});

describe('wechaty codec', () => {
  const base: WireMessage = {
    id: '100',
    type: WIRE_MESSAGE_TYPE.Text,
    self: false,
    talkerId: '@zhang',
    talkerName: '张三',
    roomId: '@@room',
    text: '收到',
    mentionIds: [],
    mentionsSelf: false,
    timestamp: 1_717_041_000,
  };
  const ctx = { accountId: 'wx-bot-1', selfId: '@bot' };

  it('reads a wechat4u quote-reply: the quoted id from <refermsg>, the reply without its preview', () => {
    const raw = '@zhang:\n<msg><appmsg><title>收到</title><type>57</type><refermsg><type>1</type><svrid>4512345678901234567</svrid><content>请上报</content></refermsg></appmsg></msg>';
    expect(quotedMessageId(raw)).toBe('4512345678901234567');
    expect(quotedMessageId(raw.replace(/</g, '&lt;').replace(/>/g, '&gt;'))).toBe('4512345678901234567');
    expect(quotedMessageId('<msg><appmsg><type>5</type></appmsg></msg>')).toBeUndefined();
    expect(stripQuotePreview('「李老师：请上报」\n- - - - - - - - - - - - - - -\n收到')).toBe('收到');
    expect(stripQuotePreview('「书名」很好看')).toBe('「书名」很好看');
  });

  it('finds the recalled id in the mock’s plain text and in wechat4u’s revokemsg XML', () => {
    expect(recalledMessageId('123')).toBe('123');
    const xml = '<sysmsg type="revokemsg"><revokemsg><session>@@room</session><msgid>1057</msgid><newmsgid>4512345678901234567</newmsgid><replacemsg><![CDATA["张三" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>';
    expect(recalledMessageId(xml)).toBe('4512345678901234567');
    expect(decodeMessage({ ...base, type: WIRE_MESSAGE_TYPE.Recalled, text: xml }, ctx)).toMatchObject({ kind: 'recall', chatId: '@@room', messageId: '4512345678901234567', userId: '@zhang', at: 1_717_041_000_000 });
  });

  it('skips the bot’s own messages and kinds it cannot read; marks @所有人 and converts seconds', () => {
    expect(decodeMessage({ ...base, self: true }, ctx)).toBeNull();
    expect(decodeMessage({ ...base, talkerId: '@bot' }, ctx)).toBeNull();
    expect(decodeMessage({ ...base, type: 15 /* Video */ }, ctx)).toBeNull();
    expect(decodeMessage({ ...base, text: '@所有人\u2005请查收' }, ctx)).toMatchObject({ mentions: ['all'], mentionsBot: false });
    expect(toMs(1_717_041_000)).toBe(1_717_041_000_000);
    expect(toMs(1_717_041_000_123)).toBe(1_717_041_000_123);
  });

  it('reads a picture and a file as placeholders with a file each, named as wechat4u names them', () => {
    const xml = '<msg><img length="52011" cdnthumburl="x" /></msg>';
    expect(decodeMessage({ ...base, type: WIRE_MESSAGE_TYPE.Image, text: xml, mentionsSelf: true }, ctx)).toMatchObject({
      text: '[图片]',
      mentions: [],
      mentionsBot: false,
      files: [{ kind: 'image', name: '100.jpg', ref: '100' }],
    });
    const file = decodeMessage({ ...base, type: WIRE_MESSAGE_TYPE.Attachment, roomId: undefined, fileName: '值班表.xlsx', fileSize: 20_480 }, ctx);
    expect(file).toMatchObject({ chat: { type: 'private' }, text: '[文件]', files: [{ kind: 'file', name: '值班表.xlsx', size: 20_480, ref: '100' }] });
  });

  it('reads a native 接龙 from the raw app message, keeping each row’s author', () => {
    const title = '周五演练#接龙\n请回复\n\n1. 王小明 收到\n2. 李华 收到';
    const raw =
      `wxid_wangxm:\n<msg><appmsg appid="" sdkver="0"><title>${title}</title><type>53</type><extinfo><solitaire_info><![CDATA[<solitaire><tt>0-11</tt><s>.</s><au>wxid_t</au><hrt>1</hrt>` +
      '<content><s>2</s><i><u>wxid_wangxm</u><h>0</h><s>.</s><r>19-6</r></i><i><u>wxid_lihua</u><h>0</h><s>.</s><r>29-5</r></i></content></solitaire>]]></solitaire_info></extinfo></appmsg></msg>';
    const decoded = decodeMessage({ ...base, type: WIRE_MESSAGE_TYPE.GroupNote, text: title, rawContent: raw }, ctx);
    expect(decoded).toMatchObject({ kind: 'message', text: title, solitaire: { entries: [{ index: 1, userId: 'wxid_wangxm' }, { index: 2, userId: 'wxid_lihua' }] } });
  });
});

describe('wechaty options and QR', () => {
  it('defaults the puppet to wechat4u and lists unknown keys', () => {
    expect(wechatyOptionsSchema.parse({})).toEqual({ puppet: 'wechaty-puppet-wechat4u' });
    expect(wechatyOptionsSchema.safeParse({ puppet: 'wechaty-puppet-service', token: 'x' }).success).toBe(false);
    expect(wechatyOptionsSchema.safeParse({ name: '../escape' }).success).toBe(false);
  });

  it('renders a QR code for the terminal and links a hosted image', async () => {
    const art = await renderTerminalQr('https://login.weixin.qq.com/l/abc');
    expect(art?.split('\n').length).toBeGreaterThan(10);
    expect(qrImageLink('https://a/b?c')).toBe('https://wechaty.js.org/qrcode/https%3A%2F%2Fa%2Fb%3Fc');
  });
});
