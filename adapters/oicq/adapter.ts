/**
 * QQ through oicq 2.3 or icqq 0.6 (the phone protocol, in-process). One class for both packages:
 * it speaks to the client only through the `QqClient` slice (wire.ts).
 *
 * Login: password when configured, else QR code. Whenever a person must act (scan, slider,
 * device check) the status is `login_required` with what to do in `detail`, and `start()` has
 * already resolved. Reconnection is the adapter's (the library's own is switched off, client.ts).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type AdapterCapabilities,
  type AdapterStatus,
  type ChatAdapter,
  type ContactInfo,
  type GroupInfo,
  type InboundEvent,
  type InboundFile,
  type InboundSink,
  type LoginStep,
  type MemberInfo,
  type OutboundFile,
  type OutboundMessage,
  type SendReceipt,
} from '../../src/platform/port.js';
import { OICQ_CAPABILITIES } from './capabilities.js';
import { createLibraryClient, libraryConfig } from './client.js';
import {
  checkOutbound,
  decodeGroupMessage,
  decodeMemberNotice,
  decodePrivateMessage,
  decodeRecall,
  encodeOutbound,
  imageElem,
  loginEvent,
  parseFileRef,
  qqNumber,
  quoteSource,
  toFetchError,
  toFileError,
  toImageUploadError,
  toPortError,
  type DecodeContext,
} from './codec.js';
import { Deadlines } from './deadlines.js';
import { checkReadable, download, readImage } from './files.js';
import { loginMethod, type OicqOptions } from './options.js';
import {
  QR_WAITING_FOR_CONFIRM,
  QR_WAITING_FOR_SCAN,
  WIRE_EVENTS,
  type QqClient,
  type WireGroupMessageEvent,
  type WireImageUploads,
  type WireLoginErrorEvent,
  type WireMemberInfo,
  type WireMemberNotice,
  type WireMessageRet,
  type WireOfflineEvent,
  type WirePrivateMessageEvent,
  type WireQuotable,
  type WireRecallNotice,
  type WireUrlEvent,
} from './wire.js';

/** Waits and retry delays; tests shorten them. */
export interface OicqTiming {
  /** First reconnect delay after the connection drops; doubles per failure up to `reconnectMaxMs`, +≤20% jitter. */
  readonly reconnectFirstMs: number;
  readonly reconnectMaxMs: number;
  /** How often a shown QR code's state is asked (the library does not poll by itself). */
  readonly qrPollMs: number;
  /** `start()` resolves after this long even if the login gave no verdict yet (status stays `connecting`). */
  readonly startTimeoutMs: number;
  /** Longest wait for one send or API call (the library's own waits add up to ~10 s). */
  readonly callTimeoutMs: number;
  /** Longest wait for one upload or download of a picture or file (up to `capabilities.files.maxBytes`). */
  readonly fileTimeoutMs: number;
  readonly logoutTimeoutMs: number;
}

export const DEFAULT_TIMING: OicqTiming = Object.freeze({
  reconnectFirstMs: 5_000,
  reconnectMaxMs: 5 * 60_000,
  qrPollMs: 3_000,
  startTimeoutMs: 30_000,
  callTimeoutMs: 20_000,
  fileTimeoutMs: 5 * 60_000,
  logoutTimeoutMs: 5_000,
});

export interface OicqEnv {
  readonly logger: Logger;
  /** The account's library files go to `<dataDir>/oicq/<accountId>` (device file, token, QR code). */
  readonly dataDir: string;
  /** A ready client (tests: a real offline one); used as given and not created from `options.package`. */
  readonly client?: QqClient;
  readonly timing?: Partial<OicqTiming>;
}

const JITTER = 0.2;
/** Delivery keys remembered for confirmSent; older ones answer `unknown`. */
const SENT_KEYS_KEPT = 10_000;

export class OicqAdapter implements ChatAdapter {
  readonly platform = 'qq' as const;
  readonly accountId: string;
  readonly selfId: string;
  readonly capabilities: AdapterCapabilities = OICQ_CAPABILITIES;
  private readonly timing: OicqTiming;
  private readonly log: Logger;
  private readonly ctx: DecodeContext;
  private readonly deadlines = new Deadlines();
  private readonly sentKeys = new Map<string, string>();
  private client: QqClient | undefined;
  private sink: InboundSink | undefined;
  private disposers: (() => void)[] = [];
  private current: AdapterStatus = { state: 'offline', since: Date.now(), detail: 'not started' };
  private loggedIn = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempts = 0;
  private qrTimer: NodeJS.Timeout | undefined;
  private qrPolling = false;
  private settleStart: (() => void) | undefined;

  constructor(
    private readonly options: OicqOptions & { readonly accountId: string },
    private readonly env: OicqEnv,
  ) {
    this.accountId = options.accountId;
    this.selfId = String(options.uin);
    this.timing = { ...DEFAULT_TIMING, ...env.timing };
    this.log = env.logger.child({ account: options.accountId, platform: 'qq', adapter: options.package });
    this.ctx = { accountId: options.accountId, selfUin: options.uin, now: () => Date.now() };
  }

  // ------------------------------------------------------------ lifecycle

  async start(sink: InboundSink): Promise<void> {
    if (this.sink) throw new Error(`${this.accountId} is already started`);
    const client = this.env.client ?? (await this.createClient());
    if (client.uin !== this.options.uin) throw new Error(`client is QQ ${client.uin}, config says ${this.options.uin}`);
    this.client = client;
    this.sink = sink;
    this.listenAll(client);
    const settled = new Promise<void>((resolve) => {
      this.settleStart = resolve;
    });
    const timeout = setTimeout(() => this.startSettled(), this.timing.startTimeoutMs);
    this.login();
    await settled;
    clearTimeout(timeout);
  }

  async stop(): Promise<void> {
    this.sink = undefined;
    this.clearTimers();
    this.deadlines.abortAll(`${this.accountId} stopped`);
    for (const dispose of this.disposers.splice(0)) dispose();
    const client = this.client;
    if (!this.env.client) this.client = undefined;
    if (client) await this.shutdown(client);
    this.loggedIn = false;
    this.setState('offline', 'stopped');
    this.startSettled();
  }

  status(): AdapterStatus {
    return this.current;
  }

  /** After a slider check: the ticket the operator took from the captcha page's network response. */
  async submitSliderTicket(ticket: string): Promise<void> {
    const client = this.requireClient();
    this.setState('connecting', 'slider ticket submitted');
    await client.submitSlider(ticket.trim()).catch((error: unknown) => this.loginFailed(error));
  }

  /** `cascade login <account> --ticket … | --resume`, as the running service passes it on. */
  async loginStep(step: LoginStep): Promise<void> {
    if (step.kind === 'ticket') await this.submitSliderTicket(step.ticket);
    else this.resumeLogin();
  }

  /** After the operator verified the device at the URL the status showed: log in again. */
  resumeLogin(): void {
    this.requireClient();
    this.login();
  }

  private async createClient(): Promise<QqClient> {
    const dataDir = join(this.env.dataDir, 'oicq', this.accountId);
    return createLibraryClient(this.options.package, this.options.uin, libraryConfig(this.options, dataDir));
  }

  private login(): void {
    const client = this.client;
    if (!client || !this.sink) return;
    this.stopQrPoll();
    const password = loginMethod(this.options) === 'password' ? this.options.password : undefined;
    this.setState('connecting', 'logging in');
    client.login(password).catch((error: unknown) => this.loginFailed(error));
  }

  private loginFailed(error: unknown): void {
    if (!this.sink) return;
    const reason = toPortError(error).message;
    this.log.warn({ reason }, 'QQ login attempt failed; retrying');
    this.setState('connecting', `login failed: ${reason}`);
    this.scheduleReconnect();
    this.startSettled();
  }

  private async shutdown(client: QqClient): Promise<void> {
    if (!client.isOnline()) {
      client.terminate();
      return;
    }
    try {
      await this.deadlines.race(client.logout(), this.timing.logoutTimeoutMs, 'logout');
    } catch (error) {
      this.log.warn({ reason: toPortError(error).message }, 'QQ logout failed; closing the connection');
      client.terminate();
    }
  }

  private startSettled(): void {
    const settle = this.settleStart;
    this.settleStart = undefined;
    settle?.();
  }

  private setState(state: AdapterStatus['state'], detail?: string): void {
    const since = state === this.current.state ? this.current.since : Date.now();
    this.current = {
      state,
      since,
      ...(this.current.lastHeartbeatAt === undefined ? {} : { lastHeartbeatAt: this.current.lastHeartbeatAt }),
      ...(detail === undefined ? {} : { detail }),
    };
  }

  private heartbeat(): void {
    this.current = { ...this.current, lastHeartbeatAt: Date.now() };
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopQrPoll();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || !this.sink) return;
    const base = Math.min(this.timing.reconnectMaxMs, this.timing.reconnectFirstMs * 2 ** this.reconnectAttempts);
    const delay = Math.round(base * (1 + Math.random() * JITTER));
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.login();
    }, delay);
  }

  // ------------------------------------------------------------ events

  private listenAll(client: QqClient): void {
    // Messages, notices and a login are signs of life from QQ; the rest are the library's own verdicts.
    const on = <T>(event: string, handler: (payload: T) => void, alive = true): void => this.listen(client, event, handler, alive);
    on<WireGroupMessageEvent>(WIRE_EVENTS.groupMessage, (e) => this.deliver(decodeGroupMessage(e, this.ctx)));
    on<WirePrivateMessageEvent>(WIRE_EVENTS.privateMessage, (e) => this.deliver(decodePrivateMessage(e, this.ctx)));
    on<WireMemberNotice>(WIRE_EVENTS.memberIncrease, (e) => this.deliver(decodeMemberNotice('member_join', e, this.ctx)));
    on<WireMemberNotice>(WIRE_EVENTS.memberDecrease, (e) => this.deliver(decodeMemberNotice('member_leave', e, this.ctx)));
    on<WireRecallNotice>(WIRE_EVENTS.groupRecall, (e) => this.deliver(decodeRecall(e, this.ctx)));
    on<undefined>(WIRE_EVENTS.online, () => this.onOnline());
    on<WireOfflineEvent>(WIRE_EVENTS.offlineNetwork, (e) => this.onNetworkLost(e), false);
    on<WireOfflineEvent>(WIRE_EVENTS.offlineKickoff, (e) => this.onKickoff(e), false);
    on<undefined>(WIRE_EVENTS.loginQrcode, () => this.onQrcode(client), false);
    on<WireUrlEvent>(WIRE_EVENTS.loginSlider, (e) => this.onSlider(e), false);
    on<WireUrlEvent>(WIRE_EVENTS.loginDevice, (e) => this.onDevice(e), false);
    on<WireLoginErrorEvent>(WIRE_EVENTS.loginError, (e) => this.onLoginError(e), false);
  }

  /** oicq returns the emitter from `on` (remove by listener); icqq returns a disposer function. */
  private listen<T>(client: QqClient, event: string, handler: (payload: T) => void, alive: boolean): void {
    const listener = (payload: T): void => {
      if (alive) this.heartbeat();
      handler(payload);
    };
    const result = client.on(event, listener);
    this.disposers.push(typeof result === 'function' ? () => void (result as () => unknown)() : () => void client.removeListener?.(event, listener));
  }

  /** The sink is the app's: its failure must not unwind into the library's packet handler. */
  private deliver(event: InboundEvent | undefined): void {
    if (!event || !this.sink) return;
    try {
      this.sink(event);
    } catch (error) {
      this.log.error({ err: error, kind: event.kind }, 'inbound sink threw');
    }
  }

  private onOnline(): void {
    this.clearTimers();
    this.reconnectAttempts = 0;
    this.loggedIn = true;
    this.setState('online');
    this.log.info('QQ online');
    this.deliver(loginEvent(this.ctx));
    this.startSettled();
  }

  private onNetworkLost(e: WireOfflineEvent): void {
    this.setState('connecting', `connection lost: ${e.message ?? 'network error'}`);
    this.log.warn({ reason: e.message }, 'QQ connection lost; reconnecting');
    this.scheduleReconnect();
    this.startSettled();
  }

  private onKickoff(e: WireOfflineEvent): void {
    this.clearTimers();
    this.setState('login_required', 'logged in on another device; restart this account to log in again');
    // Logging in again at once would kick the other device in turn: a person decides.
    this.log.error({ reason: e.message }, 'QQ kicked this bot offline (the account logged in elsewhere); restart the account to log in again');
    this.startSettled();
  }

  private onQrcode(client: QqClient): void {
    const png = client.dir === undefined ? 'the account data folder' : join(client.dir, 'qrcode.png');
    this.setState('login_required', `scan the QR code with the bot's phone QQ (image: ${png})`);
    this.log.warn({ png }, 'QQ login: scan the QR code printed above (or the PNG) with the phone QQ of this account, then confirm on the phone');
    this.startQrPoll(client);
    this.startSettled();
  }

  private onSlider(e: WireUrlEvent): void {
    this.setState('login_required', `solve the slider captcha at ${e.url}, then submit its ticket`);
    this.log.warn({ url: e.url }, 'QQ login: open the URL, solve the slider, copy the "ticket" from the page\'s network response and submit it (submitSliderTicket)');
    this.startSettled();
  }

  private onDevice(e: WireUrlEvent): void {
    // The payload also holds the account's phone number: never logged or shown.
    this.setState('login_required', `verify this device at ${e.url}, then resume the login`);
    this.log.warn({ url: e.url }, 'QQ login: open the URL with the phone QQ of this account to verify the new device, then resume the login (resumeLogin)');
    this.startSettled();
  }

  private onLoginError(e: WireLoginErrorEvent): void {
    this.clearTimers();
    this.setState('offline', `login refused by QQ (code ${e.code})`);
    this.log.error({ code: e.code, reason: e.message }, 'QQ refused the login; fix the account (password, device, sign server) and restart it');
    this.startSettled();
  }

  private startQrPoll(client: QqClient): void {
    if (this.qrTimer || !client.queryQrcodeResult) return;
    this.qrTimer = setInterval(() => void this.pollQr(client), this.timing.qrPollMs);
  }

  private stopQrPoll(): void {
    if (this.qrTimer) clearInterval(this.qrTimer);
    this.qrTimer = undefined;
  }

  /** 0: confirmed, log in; expired or cancelled: log in again, which shows a new code. */
  private async pollQr(client: QqClient): Promise<void> {
    if (this.qrPolling || !client.queryQrcodeResult) return;
    this.qrPolling = true;
    let retcode: number;
    try {
      retcode = (await client.queryQrcodeResult()).retcode;
    } catch {
      return; // asked again at the next tick
    } finally {
      this.qrPolling = false;
    }
    if (retcode === QR_WAITING_FOR_SCAN || retcode < 0) return;
    if (retcode === QR_WAITING_FOR_CONFIRM) {
      this.setState('login_required', 'QR code scanned: confirm the login on the phone');
      return;
    }
    this.login();
  }

  // ------------------------------------------------------------ sends and lists

  async sendGroup(chatId: string, message: OutboundMessage): Promise<SendReceipt> {
    const gid = qqNumber(chatId, 'group');
    if (message.file) return this.sendGroupFile(gid, message.file, message.deliveryKey);
    checkOutbound(message, this.capabilities);
    const content = encodeOutbound(message);
    const source = this.quote(message.quoteId);
    const ret = await this.call('sendGroupMsg', (c) => c.sendGroupMsg(gid, content, source));
    return this.receipt(message.deliveryKey, ret);
  }

  /** `deleteMsg`: QQ lets the account recall its own message for about two minutes. */
  async recall(_chatId: string, messageId: string): Promise<void> {
    const ok = await this.call('deleteMsg', (c) => (c.deleteMsg ? c.deleteMsg(messageId) : Promise.resolve(false)));
    if (!ok) throw new PlatformRefusedError('too_late', `message ${messageId} cannot be recalled`);
  }

  async sendPrivate(userId: string, message: OutboundMessage): Promise<SendReceipt> {
    const uid = qqNumber(userId, 'user');
    if (message.file) return this.sendPrivateFile(uid, message.file, message.deliveryKey);
    checkOutbound(message, this.capabilities);
    const content = encodeOutbound({ text: message.text });
    const via = await this.privateRoute(uid);
    if (via !== 'friend') return this.receipt(message.deliveryKey, await this.call('sendTempMsg', (c) => c.sendTempMsg(via, uid, content)));
    const source = this.quote(message.quoteId);
    const ret = await this.call('sendPrivateMsg', (c) => c.sendPrivateMsg(uid, content, source));
    return this.receipt(message.deliveryKey, ret);
  }

  /** A friend directly; anyone else through a temporary session in a group both are in. */
  private async privateRoute(uid: number): Promise<'friend' | number> {
    const client = this.loggedInClient();
    if (client.fl.has(uid)) return 'friend';
    const gid = await this.sharedGroup(client, uid);
    if (gid === undefined) throw new PlatformRefusedError('unknown_user', `${uid} is not a friend of ${this.accountId} and shares no group with it`);
    return gid;
  }

  /**
   * A picture as an image message; a file into the group's file system (群文件), which QQ shows in the
   * group as a file message. A file send gives no message id.
   */
  private async sendGroupFile(gid: number, file: OutboundFile, deliveryKey: string): Promise<SendReceipt> {
    this.checkFileSize(file);
    if (file.kind === 'image') {
      const bytes = await readImage(file);
      await this.uploadImage(bytes, (c) => c.pickGroup(gid));
      return this.receipt(deliveryKey, await this.call('sendGroupMsg', (c) => c.sendGroupMsg(gid, [imageElem(bytes)]), toFileError));
    }
    await checkReadable(file);
    const stat = await this.call('gfs.upload', (c) => c.pickGroup(gid).fs.upload(file.path, '/', file.name), toFileError, this.timing.fileTimeoutMs);
    return this.fileReceipt(deliveryKey, stat.fid);
  }

  /** A picture to anyone the bot can message; a file as an offline file, which QQ takes for friends only. */
  private async sendPrivateFile(uid: number, file: OutboundFile, deliveryKey: string): Promise<SendReceipt> {
    this.checkFileSize(file);
    if (file.kind === 'file') {
      if (!this.loggedInClient().fl.has(uid)) throw new PlatformRefusedError('file_refused', `QQ sends files privately to friends only; ${uid} is not a friend of ${this.accountId}`);
      await checkReadable(file);
      const fid = await this.call('sendFile', (c) => c.pickFriend(uid).sendFile(file.path, file.name), toFileError, this.timing.fileTimeoutMs);
      return this.fileReceipt(deliveryKey, fid);
    }
    const bytes = await readImage(file);
    const via = await this.privateRoute(uid);
    if (via === 'friend') {
      await this.uploadImage(bytes, (c) => c.pickFriend(uid));
      return this.receipt(deliveryKey, await this.call('sendPrivateMsg', (c) => c.sendPrivateMsg(uid, [imageElem(bytes)]), toFileError));
    }
    await this.uploadImage(bytes, (c) => c.pickMember(via, uid));
    return this.receipt(deliveryKey, await this.call('sendTempMsg', (c) => c.sendTempMsg(via, uid, [imageElem(bytes)]), toFileError));
  }

  private checkFileSize(file: OutboundFile): void {
    const max = this.capabilities.files.maxBytes;
    if (file.size > max) throw new PlatformRefusedError('file_refused', `${file.name} of ${file.size} bytes exceeds ${max}`);
  }

  /**
   * The libraries drop a picture they cannot read or upload with a log line and send the message
   * anyway: a broken picture, with a receipt. So the picture is uploaded first and refused if that
   * fails; the send then finds it on the server and uploads nothing again.
   */
  private async uploadImage(bytes: Buffer, chat: (client: QqClient) => WireImageUploads): Promise<void> {
    let results: readonly PromiseSettledResult<unknown>[];
    try {
      results = await this.call('uploadImages', (c) => chat(c).uploadImages([imageElem(bytes)]), toFileError, this.timing.fileTimeoutMs);
    } catch (error) {
      // Nothing is posted before the message is sent.
      if (error instanceof PlatformUnavailableError) throw new PlatformUnavailableError(error.message, true);
      throw error;
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw toImageUploadError(failed.reason);
  }

  /**
   * A picture from its address; a group or offline file from the address QQ gives for its id now
   * (it expires, so it is never kept). Read into memory, up to `capabilities.files.maxBytes`.
   */
  async fetchFile(file: InboundFile, where: { readonly chatType: 'group' | 'private'; readonly chatId: string }): Promise<Uint8Array> {
    const ref = parseFileRef(file.ref);
    const address = 'url' in ref ? ref.url : await this.fileAddress(ref.fid, where);
    return download(address, this.timing.fileTimeoutMs, this.capabilities.files.maxBytes);
  }

  private async fileAddress(fid: string, where: { readonly chatType: 'group' | 'private'; readonly chatId: string }): Promise<string> {
    if (where.chatType === 'group') {
      const gid = qqNumber(where.chatId, 'group');
      return (await this.call('gfs.download', (c) => c.pickGroup(gid).fs.download(fid), toFetchError)).url;
    }
    // `chatId` of a private file is the person who sent it.
    const uid = qqNumber(where.chatId, 'user');
    return this.call('getFileUrl', (c) => c.pickUser(uid).getFileUrl(fid), toFetchError);
  }

  /** A group both the bot and the user are in: the member lists loaded so far, else loaded one group at a time. */
  private async sharedGroup(client: QqClient, uid: number): Promise<number | undefined> {
    const known = [...client.gml].find(([, members]) => members.has(uid))?.[0];
    if (known !== undefined) return known;
    let unread = 0;
    for (const [gid, group] of client.gl) {
      if (client.gml.get(gid)?.size) continue;
      // A lookup, nothing sent: any failure means "try again later", never a refusal or a maybe-sent.
      let members: ReadonlyMap<number, unknown>;
      try {
        members = await this.call('getMemberMap', () => client.pickGroup(gid).getMemberMap());
      } catch (error) {
        throw new PlatformUnavailableError(`could not read the members of ${gid}: ${error instanceof Error ? error.message : String(error)}`, true);
      }
      // The library answers a failed read with an empty map.
      if (members.size === 0 && group.member_count > 0) unread++;
      if (members.has(uid)) return gid;
    }
    if (unread > 0) throw new PlatformUnavailableError(`member lists of ${unread} groups could not be read; ${uid} may be in one`, true);
    return undefined;
  }

  async listGroups(): Promise<readonly GroupInfo[]> {
    const client = this.loggedInClient();
    return [...client.gl.values()].map((g) => ({ chatId: String(g.group_id), name: g.group_name, memberCount: g.member_count }));
  }

  async listMembers(chatId: string): Promise<readonly MemberInfo[]> {
    const gid = qqNumber(chatId, 'group');
    const client = this.loggedInClient();
    const group = client.gl.get(gid);
    if (!group) throw new PlatformRefusedError('not_in_group', `QQ ${this.selfId} is not in group ${chatId}`);
    const members = await this.call('getMemberMap', (c) => c.pickGroup(gid).getMemberMap());
    // The library resolves an empty map when the fetch fails; a real group always holds the bot.
    if (members.size === 0 && group.member_count > 0) {
      throw new PlatformUnavailableError(`member list of group ${chatId} could not be loaded`, false);
    }
    return [...members.values()].map((m) => this.member(client, m));
  }

  async listContacts(): Promise<readonly ContactInfo[]> {
    const client = this.loggedInClient();
    return [...client.fl.values()].map((f) => ({ userId: String(f.user_id), nickname: f.nickname, ...(f.remark ? { remark: f.remark } : {}) }));
  }

  /** Only sends of this process are known; after a restart the answer is `unknown` (never a guess). */
  async confirmSent(_target: { chatType: 'group' | 'private'; id: string }, deliveryKey: string): Promise<'sent' | 'not_sent' | 'unknown'> {
    return this.sentKeys.has(deliveryKey) ? 'sent' : 'unknown';
  }

  private member(client: QqClient, m: WireMemberInfo): MemberInfo {
    const role = m.role === 'owner' || m.role === 'admin' ? m.role : 'member';
    const remark = client.fl.get(m.user_id)?.remark;
    return {
      userId: String(m.user_id),
      nickname: m.nickname || String(m.user_id),
      ...(m.card ? { card: m.card } : {}),
      role,
      ...(remark ? { remark } : {}),
    };
  }

  private quote(quoteId: string | undefined): WireQuotable | undefined {
    if (quoteId === undefined) return undefined;
    const source = quoteSource(quoteId);
    if (!source) this.log.warn({ quoteId }, 'not a QQ message id; sending without the quote');
    return source;
  }

  private receipt(deliveryKey: string, ret: WireMessageRet): SendReceipt {
    this.remember(deliveryKey, ret.message_id);
    // Private sends resolve without a time.
    return { messageId: ret.message_id, at: ret.time === undefined ? Date.now() : ret.time * 1000 };
  }

  /** A file send answers with the file's id, not a message id. */
  private fileReceipt(deliveryKey: string, fid: string): SendReceipt {
    this.remember(deliveryKey, fid);
    return { at: Date.now() };
  }

  private remember(deliveryKey: string, id: string): void {
    this.sentKeys.set(deliveryKey, id);
    if (this.sentKeys.size > SENT_KEYS_KEPT) {
      const oldest = this.sentKeys.keys().next();
      if (!oldest.done) this.sentKeys.delete(oldest.value);
    }
  }

  /** One library call, bounded in time, its failure as the port's errors. */
  private async call<T>(what: string, work: (client: QqClient) => Promise<T>, mapError: (error: unknown) => Error = toPortError, timeoutMs = this.timing.callTimeoutMs): Promise<T> {
    const client = this.requireClient();
    try {
      return await this.deadlines.race(work(client), timeoutMs, what);
    } catch (error) {
      throw mapError(error);
    }
  }

  private requireClient(): QqClient {
    if (!this.client || !this.sink) throw new PlatformUnavailableError(`${this.accountId} is not started`, true);
    return this.client;
  }

  /** Lists are loaded at login: before the first one they are empty, not "no groups". */
  private loggedInClient(): QqClient {
    const client = this.requireClient();
    if (!this.loggedIn) throw new PlatformUnavailableError(`${this.accountId} has not logged in yet`, true);
    return client;
  }
}
