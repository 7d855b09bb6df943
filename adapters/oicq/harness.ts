/**
 * Test support: a real offline oicq or icqq client playing QQ. Nothing leaves this machine.
 * - Sends are caught at the transport (`sendUni`), so the library's real encoder, echo wait and
 *   error path run; the fake server decodes what the bot posted with the library's own parser.
 * - `login` is replaced by the fake server's answer (online, QR code, slider, device, error).
 * - People talk through `client.em(...)`, exactly how the library emits its events.
 * - QQ's file servers (uploads, downloads, group and offline files) are played on loopback by
 *   harness-files.ts, so pictures and files go through the libraries' real upload and download code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/app/logger.js';
import type { ConformanceHarness, ConformancePeer, PeerSentMessage } from '../conformance/suite.js';
import { OicqAdapter, type OicqTiming } from './adapter.js';
import { createLibraryClient, libraryConfig, type QqPackage } from './client.js';
import { FakeQqFiles, type KeptFile, type PostedFile, type Proto, type ProtoCodec } from './harness-files.js';
import type { OicqOptions } from './options.js';
import type { QqClient, WireElem, WireGroupMessageEvent, WireMemberInfo } from './wire.js';

export const BOT_UIN = 10001;
export const GROUP_ID = 700001;
export const PEOPLE = [
  { uin: 20001, nickname: '张三', card: '20计科1班 张三' },
  { uin: 20002, nickname: '李四', card: '' },
  { uin: 20003, nickname: '王五', card: '王五家长' },
] as const;

/** Short waits so reconnects and QR polls happen within a test. */
export const FAST_TIMING: OicqTiming = Object.freeze({
  reconnectFirstMs: 20,
  reconnectMaxMs: 100,
  qrPollMs: 10,
  startTimeoutMs: 1_000,
  callTimeoutMs: 2_000,
  fileTimeoutMs: 5_000,
  logoutTimeoutMs: 500,
});

/** What the fake server answers to one login attempt. */
export type LoginPlay = 'online' | 'network_down' | 'qrcode' | 'slider' | 'device' | 'error';
export const SLIDER_URL = 'https://ti.qq.com/safe/tools/captcha/sms-verify-login?fake=1';
export const DEVICE_URL = 'https://accounts.qq.com/safe/verify?fake=1';
const FAKE_PHONE = '138****0000';
/** A real 1×1 PNG: the libraries read a picture's kind and size before they send it. */
export const PICTURE_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** A group message as the fake server keeps it (seq and rand make quotes and ids). */
type SaidMessage = WireGroupMessageEvent & { readonly seq: number; readonly rand: number };

/** The parts of the library modules the harness uses (their typings are too overloaded to import as is). */
interface LibraryKit {
  readonly ApiRejection: new (code: number, message?: string) => object;
  readonly pb: ProtoCodec;
  readonly Parser: new (rich: unknown, uin?: number) => { readonly message: WireElem[] };
  genGroupMessageId(gid: number, uid: number, seq: number, rand: number, time: number): string;
}

async function libraryKit(pkg: QqPackage): Promise<LibraryKit> {
  if (pkg === 'icqq') {
    const icqq = await import('icqq');
    return { ApiRejection: icqq.ApiRejection, pb: icqq.core.pb, Parser: icqq.Parser, genGroupMessageId: icqq.genGroupMessageId } as unknown as LibraryKit;
  }
  const oicq = await import('oicq');
  const message = await import('oicq/lib/message/message.js');
  const parser = await import('oicq/lib/message/parser.js');
  return { ApiRejection: oicq.ApiRejection, pb: oicq.core.pb, Parser: parser.Parser, genGroupMessageId: message.genGroupMessageId } as unknown as LibraryKit;
}

/** The real client as tests handle it: the adapter's slice plus what only the fake server touches. */
interface OfflineClient extends QqClient {
  readonly gl: Map<number, { group_id: number; group_name: string; member_count: number }>;
  readonly gml: Map<number, Map<number, WireMemberInfo & { group_id: number }>>;
  readonly fl: Map<number, { user_id: number; nickname: string; remark: string }>;
  em(name: string, data?: object): void;
  emit(name: string, ...args: unknown[]): unknown;
  sendUni: (cmd: string, body: Uint8Array) => Promise<Uint8Array>;
  login: (password?: string) => Promise<void>;
  submitSlider: (ticket: string) => Promise<void>;
  queryQrcodeResult: () => Promise<{ retcode: number }>;
  /** The upload channel a login would give. */
  readonly sig: { readonly bigdata: { ip: string; port: number; sig_session: Buffer; session_key: Buffer } };
}

/** The text an element shows (only text and at elements carry one). */
const textOf = (e: WireElem): string => ('text' in e ? (e.text ?? '') : '');

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** QQ's side of the bot's connection: the network, the login server, the message server, the people. */
export class FakeQqServer {
  /** Whether a login attempt can reach QQ. */
  networkUp = true;
  /** Logged in: set by a successful login, cleared when the connection drops. */
  online = false;
  /** Answers to the next login attempts, in order; when empty: online if the network is up. */
  readonly loginPlays: LoginPlay[] = [];
  /** The password each login attempt was given (undefined: token or QR). */
  readonly loginPasswords: (string | undefined)[] = [];
  qrQueries = 0;
  readonly sliderTickets: string[] = [];
  /** `queryQrcodeResult().retcode` while a QR code is shown (48: not scanned yet). */
  qrRetcode = 48;
  /** The next send is answered with this server code instead of 0. */
  refuseNextSend: number | undefined;
  readonly groupPosts: { gid: number; text: string; mentions: string[] }[] = [];
  readonly privatePosts: { uid: number; text: string }[] = [];
  private seq = 1000;
  private readonly said = new Map<string, SaidMessage>();
  /** Events for the bot while it is offline: the server hands them over at the next login. */
  private readonly held: [string, object][] = [];

  constructor(
    readonly client: OfflineClient,
    private readonly kit: LibraryKit,
    /** QQ's file servers: uploads, downloads, group files and offline files. */
    readonly files: FakeQqFiles,
  ) {
    this.seed();
    Object.assign(client.sig.bigdata, files.bigdata);
    client.sendUni = (cmd, body) => this.receive(cmd, body);
    client.login = async (password) => this.answerLogin(password);
    client.submitSlider = async (ticket) => {
      this.sliderTickets.push(ticket);
      this.later(() => this.playLogin('online'));
    };
    client.queryQrcodeResult = async () => {
      this.qrQueries++;
      return { retcode: this.qrRetcode };
    };
  }

  private seed(): void {
    const { gl, gml, fl } = this.client;
    gl.set(GROUP_ID, { group_id: GROUP_ID, group_name: '计算机学院疫情防控二级群', member_count: PEOPLE.length + 1 });
    const members = new Map<number, WireMemberInfo & { group_id: number }>();
    members.set(BOT_UIN, { group_id: GROUP_ID, user_id: BOT_UIN, nickname: '联络机器人', card: '', role: 'admin' });
    for (const p of PEOPLE) {
      members.set(p.uin, { group_id: GROUP_ID, user_id: p.uin, nickname: p.nickname, card: p.card, role: 'member' });
      fl.set(p.uin, { user_id: p.uin, nickname: p.nickname, remark: '' });
    }
    gml.set(GROUP_ID, members);
  }

  /** An event for the bot: now when it is online, else at its next login. */
  private push(name: string, data: object): void {
    if (this.online) this.client.em(name, data);
    else this.held.push([name, data]);
  }

  private later(fn: () => void): void {
    setImmediate(fn);
  }

  get logins(): number {
    return this.loginPasswords.length;
  }

  private async answerLogin(password: string | undefined): Promise<void> {
    this.loginPasswords.push(password);
    const play = this.loginPlays.shift() ?? (this.networkUp ? 'online' : 'network_down');
    this.later(() => this.playLogin(play));
  }

  private playLogin(play: LoginPlay): void {
    const em = (name: string, data?: object): void => this.client.em(name, data);
    switch (play) {
      case 'online':
        this.online = true;
        em('system.online');
        for (const [name, data] of this.held.splice(0)) em(name, data);
        return;
      case 'network_down':
        return em('system.offline.network', { message: 'connect ECONNREFUSED' });
      case 'qrcode':
        return em('system.login.qrcode', { image: Buffer.alloc(0) });
      case 'slider':
        return em('system.login.slider', { url: SLIDER_URL });
      case 'device':
        return em('system.login.device', { url: DEVICE_URL, phone: FAKE_PHONE });
      case 'error':
        return em('system.login.error', { code: 1, message: '密码错误' });
    }
  }

  /** The message server: what `sendUni` would have put on the wire. */
  private async receive(cmd: string, body: Uint8Array): Promise<Uint8Array> {
    const { ApiRejection, pb } = this.kit;
    if (!this.online) throw new ApiRejection(-1, 'client not online');
    const fileAnswer = this.files.answer(cmd, body);
    if (fileAnswer) return fileAnswer;
    if (cmd !== 'MessageSvc.PbSendMsg') throw new ApiRejection(-2, `not faked: ${cmd}`);
    const req = pb.decode(body);
    const refusal = this.refuseNextSend;
    this.refuseNextSend = undefined;
    if (refusal !== undefined) return pb.encode({ 1: refusal, 2: 'refused by the fake server' });
    this.record(req);
    return pb.encode({ 1: 0 });
  }

  private record(req: Proto): void {
    const gid = req[1]?.[2]?.[1] as unknown as number | undefined;
    // A friend, a friend's file (routing 15), a temporary session (routing 3).
    const uid = (req[1]?.[1]?.[1] ?? req[1]?.[15]?.[1] ?? req[1]?.[3]?.[2]) as unknown as number;
    const offlineFile = req[3]?.[2]?.[1];
    if (offlineFile) {
      this.files.sentOfflineFile(uid, offlineFile);
      return;
    }
    const elems = new this.kit.Parser(req[3]?.[1], BOT_UIN).message;
    const text = elems.map(textOf).join('');
    for (const e of elems) if (e.type === 'image') this.files.sentPicture(gid === undefined ? 'private' : 'group', gid ?? uid, e as { file?: string });
    if (gid === undefined) {
      this.privatePosts.push({ uid, text });
      return;
    }
    this.groupPosts.push({ gid, text, mentions: elems.flatMap((e) => (e.type === 'at' && 'qq' in e ? [String(e.qq)] : [])) });
    // The server echoes a group message to its sender; the library waits for it to learn the id.
    const rand = req[5] as unknown as number;
    const id = this.kit.genGroupMessageId(gid, BOT_UIN, ++this.seq, rand, nowSeconds());
    this.later(() => this.client.emit(`internal.${gid}.${rand}`, id));
  }

  displayName(gid: number, uin: number): string {
    const m = this.client.gml.get(gid)?.get(uin);
    return m?.card || m?.nickname || String(uin);
  }

  userSays(uin: number, gid: number, text: string, options: { mentions?: readonly string[]; quoteId?: string } = {}): string {
    const mentions = (options.mentions ?? []).map(Number);
    const elems: WireElem[] = mentions.flatMap((qq): WireElem[] => [{ type: 'at', qq, text: `@${this.displayName(gid, qq)}` }, { type: 'text', text: ' ' }]);
    elems.push({ type: 'text', text });
    return this.groupMessage(uin, gid, elems, elems.map(textOf).join(''), options);
  }

  /**
   * A person posts a picture (an image element with its address, `[图片]`) or a file: into a group
   * through the group's file system (`[群文件]`), privately as an offline file (`[离线文件]`).
   */
  userSendsFile(uin: number, chat: number | 'private', file: KeptFile): string | undefined {
    if (chat === 'private') {
      const elem = file.kind === 'image' ? this.files.picture(file) : this.files.offlineFile(file);
      this.privateMessage(uin, [elem], file.kind === 'image' ? '[图片]' : '[离线文件]');
      return undefined;
    }
    if (file.kind === 'image') return this.groupMessage(uin, chat, [this.files.picture(file)], '[图片]');
    return this.groupMessage(uin, chat, [this.files.groupFile(chat, uin, file)], '[群文件]');
  }

  /** The pictures and files the bot posted in a group / to a person, as QQ keeps them. */
  filesPosted(chat: 'group' | 'private', id: number): PostedFile[] {
    return this.files.posted.filter((f) => f.chat === chat && f.id === id);
  }

  private groupMessage(uin: number, gid: number, elems: WireElem[], raw: string, options: { mentions?: readonly string[]; quoteId?: string } = {}): string {
    const mentions = (options.mentions ?? []).map(Number);
    const time = nowSeconds();
    const seq = ++this.seq;
    const rand = Math.floor(Math.random() * 0x7fffffff);
    const event: SaidMessage = {
      group_id: gid,
      user_id: uin,
      time,
      seq,
      rand,
      message_id: this.kit.genGroupMessageId(gid, uin, seq, rand, time),
      atme: mentions.includes(BOT_UIN),
      message: elems,
      raw_message: raw,
      sender: { user_id: uin, nickname: this.person(uin).nickname, card: this.client.gml.get(gid)?.get(uin)?.card ?? '' },
      ...(options.quoteId === undefined ? {} : { source: this.sourceOf(options.quoteId) }),
    };
    this.said.set(event.message_id, event);
    this.push('message.group.normal', { post_type: 'message', message_type: 'group', sub_type: 'normal', ...event });
    return event.message_id;
  }

  private sourceOf(quoteId: string): NonNullable<WireGroupMessageEvent['source']> & { readonly message: string } {
    const quoted = this.said.get(quoteId);
    if (!quoted) throw new Error(`the fake server never saw message ${quoteId}`);
    return { user_id: quoted.user_id, seq: quoted.seq, rand: quoted.rand, time: quoted.time, message: quoted.raw_message ?? '' };
  }

  private person(uin: number): { nickname: string } {
    return PEOPLE.find((p) => p.uin === uin) ?? { nickname: String(uin) };
  }

  userSaysPrivate(uin: number, text: string): void {
    this.privateMessage(uin, [{ type: 'text', text }], text);
  }

  private privateMessage(uin: number, elems: WireElem[], raw: string): void {
    const time = nowSeconds();
    this.push('message.private.friend', {
      post_type: 'message',
      message_type: 'private',
      sub_type: 'friend',
      from_id: uin,
      to_id: BOT_UIN,
      user_id: uin,
      time,
      message_id: `dm-${uin}-${++this.seq}`,
      message: elems,
      raw_message: raw,
      sender: { user_id: uin, nickname: this.person(uin).nickname },
    });
  }

  userJoins(gid: number, uin: number): void {
    this.client.gml.get(gid)?.set(uin, { group_id: gid, user_id: uin, nickname: this.person(uin).nickname, card: '', role: 'member' });
    this.push('notice.group.increase', { post_type: 'notice', notice_type: 'group', sub_type: 'increase', group_id: gid, user_id: uin, nickname: this.person(uin).nickname });
  }

  userLeaves(gid: number, uin: number): void {
    this.client.gml.get(gid)?.delete(uin);
    this.push('notice.group.decrease', { post_type: 'notice', notice_type: 'group', sub_type: 'decrease', group_id: gid, user_id: uin, operator_id: uin, dismiss: false });
  }

  userRecalls(messageId: string): void {
    const said = this.said.get(messageId);
    if (!said) throw new Error(`the fake server never saw message ${messageId}`);
    this.push('notice.group.recall', {
      post_type: 'notice',
      notice_type: 'group',
      sub_type: 'recall',
      group_id: said.group_id,
      user_id: said.user_id,
      operator_id: said.user_id,
      message_id: messageId,
      time: nowSeconds(),
    });
  }

  /** The same event again, as after a reconnect's replay. */
  redeliver(messageId: string): void {
    const said = this.said.get(messageId);
    if (!said) throw new Error(`the fake server never saw message ${messageId}`);
    this.push('message.group.normal', { post_type: 'message', message_type: 'group', sub_type: 'normal', ...said });
  }

  /** The socket dies: the library reports it and every send fails with -1 until a login succeeds. */
  dropConnection(): void {
    this.networkUp = false;
    this.online = false;
    this.client.em('system.offline.network', { message: 'socket closed' });
  }

  /** The network is back; the adapter's next login attempt succeeds. */
  restoreConnection(): void {
    this.networkUp = true;
  }
}

export interface OicqHarness extends ConformanceHarness {
  readonly adapter: OicqAdapter;
  readonly server: FakeQqServer;
  readonly client: QqClient;
}

export interface OicqHarnessOptions {
  readonly options?: Partial<OicqOptions>;
  readonly timing?: Partial<OicqTiming>;
}

/** A not-yet-started adapter over a real offline client of `pkg`, and the fake QQ around it. */
export async function oicqHarness(pkg: QqPackage, extra: OicqHarnessOptions = {}): Promise<OicqHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), `cascade-${pkg}-`));
  const options: OicqOptions = { uin: BOT_UIN, package: pkg, device: 'ipad', password: 'test-password', ...extra.options };
  // The real factory, so the tests also build the client exactly as production does.
  const client = (await createLibraryClient(pkg, BOT_UIN, libraryConfig(options, join(dataDir, 'oicq', 'qq-bot')))) as OfflineClient;
  const kit = await libraryKit(pkg);
  const files = new FakeQqFiles(kit.pb);
  await files.start();
  const server = new FakeQqServer(client, kit, files);
  const adapter = new OicqAdapter({ ...options, accountId: 'qq-bot' }, { logger: silentLogger, dataDir, client, timing: { ...FAST_TIMING, ...extra.timing } });
  return {
    adapter,
    botUserId: String(BOT_UIN),
    server,
    client,
    peer: conformancePeer(server),
    cleanup: async () => {
      await files.close();
      // oicq writes its device file asynchronously: retry if it lands while the folder goes.
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

function conformancePeer(server: FakeQqServer): ConformancePeer {
  const sentToGroup = (chatId: string): PeerSentMessage[] =>
    server.groupPosts.filter((p) => String(p.gid) === chatId).map((p) => ({ text: p.text, mentions: p.mentions }));
  return {
    groupChatId: String(GROUP_ID),
    memberIds: PEOPLE.map((p) => String(p.uin)),
    userSays: async (userId, chatId, text, options) => server.userSays(Number(userId), Number(chatId), text, options),
    userSaysPrivate: async (userId, text) => server.userSaysPrivate(Number(userId), text),
    userJoins: async (chatId, userId) => server.userJoins(Number(chatId), Number(userId)),
    userLeaves: async (chatId, userId) => server.userLeaves(Number(chatId), Number(userId)),
    userRecalls: async (messageId) => server.userRecalls(messageId),
    sentToGroup,
    sentPrivate: (userId) => server.privatePosts.filter((p) => String(p.uid) === userId).map((p) => ({ text: p.text })),
    displayName: (chatId, userId) => server.displayName(Number(chatId), Number(userId)),
    redeliver: async (messageId) => server.redeliver(messageId),
    userSendsFile: async (userId, chatId, file) => server.userSendsFile(Number(userId), chatId === 'private' ? 'private' : Number(chatId), file),
    filesSentToGroup: (chatId) => server.filesPosted('group', Number(chatId)),
    filesSentPrivate: (userId) => server.filesPosted('private', Number(userId)),
    dropConnection: async () => server.dropConnection(),
    restoreConnection: async () => server.restoreConnection(),
  };
}
