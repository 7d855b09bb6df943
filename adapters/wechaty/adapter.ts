/**
 * WeChat through wechaty: one bot account on a puppet (wechat4u by default, puppet-mock in tests).
 *
 * Events are taken from the puppet itself and handled one at a time, in the order the puppet emitted them:
 * wechaty's own `message` event fires after an async lookup and reorders messages (see codec.ts for the
 * decoding). A login is announced to the app only once the puppet is `ready` (wechat4u: when its contact
 * list stops growing), so the app's id resolution sees every room; events wait behind it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileBox } from 'file-box';
import type { Logger } from 'pino';
import { ScanStatus, WechatyBuilder, log as wechatyLog, types } from 'wechaty';
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
  type MemberInfo,
  type OutboundFile,
  type OutboundMessage,
  type SendReceipt,
} from '../../src/platform/port.js';
import { WECHATY_CAPABILITIES } from './capabilities.js';
import { decodeMemberChange, decodeMessage } from './codec.js';
import { DEFAULT_WECHATY_PUPPET, type WechatyOptionsInput } from './options.js';
import { showLoginQr } from './qr.js';
import { WIRE_MESSAGE_TYPE, type WechatyBot, type WechatyContact, type WechatyMessage, type WechatyPuppet, type WireMessage } from './wire.js';

export interface WechatyEnv {
  readonly logger: Logger;
  /** The memory card (the saved login session) lives under it. */
  readonly dataDir: string;
  /** A puppet instance (tests); without it the puppet named in the options is imported. */
  readonly puppet?: WechatyPuppet;
}

export type WechatyAdapterOptions = WechatyOptionsInput & { readonly accountId: string };

/** `start()` resolves by then even when neither a QR code nor a login came (WeChat unreachable). */
const START_SETTLE_MS = 20_000;
/** Longest wait for the puppet's `ready` after a login; wechat4u needs ≥ 20 s, more with many contacts. */
const READY_WAIT_MS = 120_000;
/** Pause before asking a second time whether a room or contact is really gone. */
const LOOKUP_RETRY_MS = 500;
/** Longest one puppet event may hold the ones after it (above the 120 s wait for `ready` after a login). */
const STEP_LIMIT_MS = 150_000;
/** A send that has not settled by then is reported as unknown (it may have gone out). */
const SEND_TIMEOUT_MS = 30_000;
/** The same for a file: wechat4u first uploads it in 0.5 MB requests, one after another (50 for 25 MB). */
const FILE_SEND_TIMEOUT_MS = 120_000;
/** A refusal for mentioning everyone: wechat4u cannot send a real @所有人. */
const AT_ALL = 'all';

type State = AdapterStatus['state'];

export class WechatyAdapter implements ChatAdapter {
  readonly platform = 'wechat' as const;
  readonly accountId: string;
  readonly capabilities: AdapterCapabilities = WECHATY_CAPABILITIES;
  private readonly logger: Logger;
  private bot: WechatyBot | undefined;
  private puppet: WechatyPuppet | undefined;
  private sink: InboundSink | undefined;
  private running = false;
  /** The bot's id in the current login session (wechat4u gives a new one at each login). */
  private self: string | undefined;
  private current: { state: State; since: number; detail?: string } = { state: 'offline', since: Date.now() };
  private lastBeatAt: number | undefined;
  /** Puppet events, handled strictly one after another. */
  private chain: Promise<void> = Promise.resolve();
  private settleStart: (() => void) | undefined;
  private readonly readyWaits = new Set<() => void>();
  private shownQr: string | undefined;
  /** This login's ids have been announced with a `login` event. */
  private announced = false;

  constructor(
    private readonly options: WechatyAdapterOptions,
    private readonly env: WechatyEnv,
  ) {
    this.accountId = options.accountId;
    this.logger = env.logger.child({ account: options.accountId, platform: 'wechat' });
    // wechaty and its puppets print WARN lines (with message texts) to stderr; Cascade logs for them.
    wechatyLog.level('silent');
  }

  /** Empty until the first login. */
  get selfId(): string {
    return this.self ?? '';
  }

  status(): AdapterStatus {
    const qr = this.current.state === 'login_required' && this.shownQr !== undefined ? { loginQr: this.shownQr } : {};
    return { ...this.current, ...(this.lastBeatAt === undefined ? {} : { lastHeartbeatAt: this.lastBeatAt }), ...qr };
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async start(sink: InboundSink): Promise<void> {
    if (this.running) throw new Error(`${this.accountId} is already started`);
    const bot = await this.ensureBot();
    this.sink = sink;
    this.running = true;
    this.setState('connecting', 'starting');
    const settled = new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.settleStart?.(), START_SETTLE_MS);
      this.settleStart = () => {
        clearTimeout(timer);
        this.settleStart = undefined;
        resolve();
      };
    });
    try {
      await bot.start();
    } catch (error) {
      // Not a configuration error: the puppet could not reach WeChat yet; it keeps trying.
      this.logger.warn({ err: error }, 'wechaty did not start cleanly');
    }
    if (this.puppet?.isLoggedIn) this.settleStart?.();
    await settled;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sink = undefined;
    this.settleStart?.();
    this.releaseReadyWaits();
    if (this.bot) {
      try {
        await this.bot.stop();
      } catch (error) {
        this.logger.warn({ err: error }, 'wechaty did not stop cleanly');
      }
    }
    await this.chain;
    this.setState('offline', 'stopped');
  }

  private async ensureBot(): Promise<WechatyBot> {
    if (this.bot) return this.bot;
    const puppet = this.env.puppet ?? (await loadPuppet(this.options.puppet ?? DEFAULT_WECHATY_PUPPET, this.options.puppetOptions));
    const dir = join(this.env.dataDir, 'wechaty');
    mkdirSync(dir, { recursive: true });
    const name = this.options.name ?? `account-${this.accountId.replace(/[^\w.-]/g, '_')}`;
    // An absolute name puts the memory card (wechat4u's saved session) in the data dir, not in cwd.
    const bot = WechatyBuilder.build({ name: join(dir, name), puppet });
    // Never fatal: wechaty reports harmless lookups this way too (e.g. 4 per room join on the mock).
    bot.on('error', (error) => this.logger.warn({ err: error }, 'wechaty reported an error'));
    this.listen(puppet, bot);
    this.bot = bot;
    this.puppet = puppet;
    return bot;
  }

  private listen(puppet: WechatyPuppet, bot: WechatyBot): void {
    puppet.on('scan', ({ qrcode, status }) => this.onScan(qrcode, status));
    puppet.on('login', ({ contactId }) => this.onLogin(contactId));
    puppet.on('logout', ({ data }) => this.onLogout(data));
    puppet.on('ready', () => this.releaseReadyWaits());
    puppet.on('heartbeat', () => this.beat());
    puppet.on('message', ({ messageId }) => this.enqueue('message', () => this.onMessage(bot, messageId)));
    puppet.on('room-join', ({ roomId, inviteeIdList, timestamp }) =>
      this.enqueue('room-join', async () => this.emitAll(decodeMemberChange({ kind: 'join', roomId, contactIds: inviteeIdList, timestamp }, this.accountId))),
    );
    puppet.on('room-leave', ({ roomId, removeeIdList, timestamp }) =>
      this.enqueue('room-leave', async () => this.emitAll(decodeMemberChange({ kind: 'leave', roomId, contactIds: removeeIdList, timestamp }, this.accountId))),
    );
  }

  // ---- puppet events --------------------------------------------------------------------------

  private onScan(qrcode: string | undefined, status: ScanStatus): void {
    if (!this.running) return;
    this.beat();
    switch (status) {
      case ScanStatus.Scanned:
        this.setState('login_required', 'QR code scanned; confirm the login on the phone');
        return;
      case ScanStatus.Confirmed:
        this.setState('connecting', 'QR login confirmed');
        return;
      case ScanStatus.Cancel:
        this.setState('login_required', 'QR login cancelled on the phone; scan the QR code again');
        return;
      default:
        this.setState('login_required', 'scan the QR code');
        if (qrcode && qrcode !== this.shownQr) {
          this.shownQr = qrcode;
          void showLoginQr(qrcode, this.logger);
        }
        // The contract: start() never waits for a person.
        this.settleStart?.();
    }
  }

  private onLogin(contactId: string): void {
    if (!this.running) return;
    this.self = contactId;
    this.shownQr = undefined;
    this.announced = false;
    this.beat();
    // Online once the contact list is ready and the login announced: the app's ids are stale until then.
    this.setState('connecting', 'waiting for the contact list');
    this.logger.info('logged in to WeChat');
    const ready = this.untilReady();
    this.enqueue('login', async () => {
      await ready;
      // Logged out (or in as someone else) while waiting: that login is over, nothing to announce.
      if (!this.running || !this.puppet?.isLoggedIn || this.self !== contactId) return;
      this.announced = true;
      this.setState('online');
      this.emit({ kind: 'login', platform: this.platform, accountId: this.accountId, at: Date.now() });
      // start() resolves here (or at its own time limit, or when a QR code waits for a person).
      this.settleStart?.();
    });
  }

  private onLogout(reason: string | undefined): void {
    this.releaseReadyWaits();
    this.announced = false;
    if (!this.running) return;
    this.beat();
    // wechat4u starts a new QR login by itself; a `scan` event follows when a person is needed.
    this.setState('connecting', 'logged out; waiting for a new login');
    this.logger.warn({ reason }, 'logged out of WeChat');
  }

  private async onMessage(bot: WechatyBot, messageId: string): Promise<void> {
    const message = await bot.Message.find({ id: messageId });
    // The bot's own sends come back as messages: skip them before reading anything else.
    if (!message || message.self()) return;
    const event = decodeMessage(await this.readMessage(message), { accountId: this.accountId, selfId: this.selfId });
    if (event) this.emit(event);
  }

  /** Copies what the codec needs out of a wechaty Message. */
  private async readMessage(message: WechatyMessage): Promise<WireMessage> {
    const room = message.room();
    const talker = message.talker();
    const text = message.text();
    const type = message.type();
    const file = isFileType(type);
    // A file message's text is XML (wechat4u): no mentions to look for in it.
    const mentions = room && !file ? await message.mentionList() : [];
    const roomAlias = room ? await room.alias(talker).catch(() => undefined) : undefined;
    // Only quote-replies, 接龙 and files need the raw message; reading it for every message would cost a lookup each.
    const raw = file || type === WIRE_MESSAGE_TYPE.GroupNote || text.startsWith('「') ? await this.rawPayload(message.id) : undefined;
    const rawContent = file ? undefined : stringField(raw, 'Content');
    const fileName = file ? message.payload?.filename : undefined;
    const fileSize = file ? Number(stringField(raw, 'FileSize') ?? NaN) : NaN;
    return {
      id: message.id,
      type,
      self: false,
      talkerId: talker.id,
      talkerName: talker.name(),
      ...(room ? { roomId: room.id } : {}),
      ...(roomAlias === undefined ? {} : { roomAlias }),
      text,
      mentionIds: mentions.map((c) => c.id),
      mentionsSelf: room && !file ? await message.mentionSelf() : false,
      timestamp: message.date().getTime(),
      ...(rawContent === undefined ? {} : { rawContent }),
      ...(fileName ? { fileName } : {}),
      ...(Number.isFinite(fileSize) ? { fileSize } : {}),
    };
  }

  /** wechat4u keeps the web message as the raw payload: `Content` (XML for app messages), `FileSize`. */
  private async rawPayload(messageId: string): Promise<object | undefined> {
    try {
      const puppet: unknown = this.puppet;
      // Not part of PuppetInterface, but every puppet built on wechaty-puppet's base class has it.
      if (typeof puppet !== 'object' || puppet === null || !('messageRawPayload' in puppet) || typeof puppet.messageRawPayload !== 'function') return undefined;
      const raw: unknown = await (puppet.messageRawPayload as (id: string) => Promise<unknown>).call(puppet, messageId);
      if (typeof raw === 'object' && raw !== null) return raw;
    } catch (error) {
      this.logger.debug({ err: error }, 'no raw payload for a message');
    }
    return undefined;
  }

  // ---- files ----------------------------------------------------------------------------------

  /**
   * The bytes of a picture or file a message carried. The ref is the message's id (codec.ts): the puppet
   * fetches the bytes by it while it keeps the message (wechat4u: this login session), whatever the chat.
   */
  async fetchFile(file: InboundFile, _where?: { readonly chatType: 'group' | 'private'; readonly chatId: string }): Promise<Uint8Array> {
    const bot = this.loggedIn();
    const message = await this.lookup(() => bot.Message.find({ id: file.ref }));
    if (!message || !isFileType(message.type())) throw new PlatformRefusedError('bad_request', `no picture or file message ${file.ref} in this login session`);
    return this.call(async () => (await message.toFileBox()).toBuffer());
  }

  // ---- sending --------------------------------------------------------------------------------

  async sendGroup(chatId: string, message: OutboundMessage): Promise<SendReceipt> {
    this.checkOutbound(message);
    const bot = this.loggedIn();
    const room = await this.lookup(() => bot.Room.find({ id: chatId }));
    if (!room) throw new PlatformRefusedError('not_in_group', `no room ${chatId} in this login session`);
    if (message.file) return this.sendFile(message.file, (box) => room.say(box));
    // wechat4u cannot send @所有人: the message goes without it.
    const mentioned = await this.mentionContacts(bot, (message.mentions ?? []).filter((m) => m !== AT_ALL));
    // wechaty writes each mention as `@群昵称` (else the name) before the text, as WeChat clients do.
    await this.say(() => room.say(message.text, ...mentioned));
    return { at: Date.now() };
  }

  async sendPrivate(userId: string, message: OutboundMessage): Promise<SendReceipt> {
    this.checkOutbound(message);
    const bot = this.loggedIn();
    const contact = await this.friend(bot, userId);
    if (message.file) return this.sendFile(message.file, (box) => contact.say(box));
    await this.say(() => contact.say(message.text));
    return { at: Date.now() };
  }

  private checkOutbound(message: OutboundMessage): void {
    const { maxMessageChars, maxMentions, files } = this.capabilities;
    if (message.file) {
      // The file goes alone: its text and mentions are left out, so only its size can be too much.
      if (message.file.size > files.maxBytes) throw new PlatformRefusedError('file_refused', `${message.file.size} bytes; WeChat takes ${files.maxBytes}`);
      return;
    }
    if (message.text.length > maxMessageChars) {
      throw new PlatformRefusedError('too_long', `text of ${message.text.length} chars; WeChat delivers ${maxMessageChars}`);
    }
    const mentions = message.mentions ?? [];
    if (mentions.length > maxMentions) throw new PlatformRefusedError('too_many_mentions', `${mentions.length} mentions; at most ${maxMentions}`);
  }

  /** Posts a file as a FileBox; wechat4u uploads it, then posts it as a picture or a file by its extension. */
  private async sendFile(file: OutboundFile, post: (box: FileBox) => Promise<unknown>): Promise<SendReceipt> {
    let box: FileBox;
    try {
      // Reads the file's size at once: a missing file fails here, before anything reaches WeChat.
      box = FileBox.fromFile(file.path, file.name);
    } catch (error) {
      throw new PlatformRefusedError('bad_request', `cannot read ${file.name}: ${errorText(error)}`);
    }
    await this.say(() => post(box), { failure: fileSendFailure, timeoutMs: FILE_SEND_TIMEOUT_MS });
    return { at: Date.now() };
  }

  private async mentionContacts(bot: WechatyBot, ids: readonly string[]): Promise<WechatyContact[]> {
    const contacts: WechatyContact[] = [];
    for (const id of ids) {
      const contact = await this.lookup(() => bot.Contact.find({ id }));
      if (!contact) throw new PlatformRefusedError('unknown_user', `no contact ${id} to mention in this login session`);
      contacts.push(contact);
    }
    return contacts;
  }

  /** A contact the bot may message or set a remark on: a friend of this login session. */
  private async friend(bot: WechatyBot, userId: string): Promise<WechatyContact> {
    const contact = await this.lookup(() => bot.Contact.find({ id: userId }));
    if (!contact) throw new PlatformRefusedError('unknown_user', `no contact ${userId} in this login session`);
    if (contact.friend() !== true) throw new PlatformRefusedError('not_friend', `${userId} is not a friend of the bot account`);
    return contact;
  }

  /** Runs a send; whatever fails after it started may have reached WeChat, except a plain "not logged in". */
  private async say(run: () => Promise<unknown>, { failure = sendFailure, timeoutMs = SEND_TIMEOUT_MS } = {}): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const sending = run();
    // The timeout may win the race; the send's later failure must not become an unhandled rejection.
    sending.catch(() => undefined);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PlatformUnavailableError(`send unsettled after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([sending, timeout]);
    } catch (error) {
      throw failure(error);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- lists and remarks ----------------------------------------------------------------------

  async listGroups(): Promise<readonly GroupInfo[]> {
    const bot = this.loggedIn();
    const rooms = await this.call(() => bot.Room.findAll());
    return Promise.all(
      rooms.map(async (room) => ({ chatId: room.id, name: await room.topic(), memberCount: room.payload?.memberIdList.length ?? 0 })),
    );
  }

  async listMembers(chatId: string): Promise<readonly MemberInfo[]> {
    const bot = this.loggedIn();
    const room = await this.lookup(() => bot.Room.find({ id: chatId }));
    if (!room) throw new PlatformRefusedError('not_in_group', `no room ${chatId} in this login session`);
    const members = await this.call(() => room.memberAll());
    const ownerId = room.payload?.ownerId;
    const admins = new Set(room.payload?.adminIdList ?? []);
    const role = (id: string): MemberInfo['role'] => (id === ownerId ? 'owner' : admins.has(id) ? 'admin' : 'member');
    return Promise.all(
      members.map(async (c) => {
        const card = await room.alias(c).catch(() => undefined);
        const remark = c.payload?.alias;
        return {
          userId: c.id,
          nickname: c.name(),
          ...(card ? { card } : {}),
          role: role(c.id),
          ...(remark ? { remark } : {}),
        };
      }),
    );
  }

  async listContacts(): Promise<readonly ContactInfo[]> {
    const bot = this.loggedIn();
    const all = await this.call(() => bot.Contact.findAll());
    const friends = all.filter((c) => c.friend() === true && c.id !== this.self && c.type() === types.Contact.Individual);
    return friends.map((c) => {
      const remark = c.payload?.alias;
      return { userId: c.id, nickname: c.name(), ...(remark ? { remark } : {}) };
    });
  }

  async setRemark(userId: string, remark: string): Promise<void> {
    const bot = this.loggedIn();
    const puppet = this.puppet;
    const contact = await this.friend(bot, userId);
    if (!puppet) throw new PlatformUnavailableError('no puppet', true);
    // The puppet's own call, not contact.alias(): wechaty swallows its failures.
    await this.call(async () => {
      await puppet.contactAlias(userId, remark);
      await puppet.contactPayloadDirty(userId);
      await contact.sync();
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * The bot, once this login's ids have been announced (the `login` event): before that, the ids the
   * app holds are an earlier session's, and a send with them would fail as if the room were gone.
   */
  private loggedIn(): WechatyBot {
    if (!this.running || !this.bot || !this.puppet?.isLoggedIn || !this.announced) {
      throw new PlatformUnavailableError(`${this.accountId} is not logged in to WeChat${this.puppet?.isLoggedIn ? ' yet (waiting for its contact list)' : ''}`, true);
    }
    return this.bot;
  }

  /**
   * A lookup before anything is sent: "not found" is undefined; a lost login is an error. wechaty's
   * find swallows its own failures (answering undefined), so "not found" is asked twice, and the login
   * checked, before it is believed.
   */
  private async lookup<T>(find: () => Promise<T | undefined>): Promise<T | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const found = await find();
        if (found !== undefined) return found;
      } catch (error) {
        if (isNotLoggedIn(error)) throw new PlatformUnavailableError(errorText(error), true);
        this.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'wechaty lookup failed');
      }
      if (!this.puppet?.isLoggedIn) throw new PlatformUnavailableError(`${this.accountId} is not logged in to WeChat`, true);
      if (attempt === 0) await new Promise((r) => setTimeout(r, LOOKUP_RETRY_MS));
    }
    return undefined;
  }

  /** A read or a change that is not a send: failures are "unavailable", known unsent when logged out. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof PlatformRefusedError || error instanceof PlatformUnavailableError) throw error;
      throw new PlatformUnavailableError(errorText(error), isNotLoggedIn(error));
    }
  }

  private enqueue(what: string, step: () => Promise<void>): void {
    this.beat();
    // One step that hangs (a lookup wechat4u never answers) must not stop every later event: after
    // STEP_LIMIT_MS the chain moves on and the step finishes, or not, on its own.
    const limited = (): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.logger.warn(`a wechaty ${what} event took longer than ${STEP_LIMIT_MS} ms; going on without it`);
          resolve();
        }, STEP_LIMIT_MS);
        timer.unref();
      });
      return Promise.race([step().finally(() => clearTimeout(timer)), late]);
    };
    this.chain = this.chain.then(limited).catch((error: unknown) => this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, `could not handle a wechaty ${what} event`));
  }

  private emit(event: InboundEvent): void {
    const sink = this.sink;
    if (!sink) return;
    try {
      sink(event);
    } catch (error) {
      this.logger.error({ err: error, kind: event.kind }, 'the inbound sink threw');
    }
  }

  private emitAll(events: readonly InboundEvent[]): void {
    for (const event of events) this.emit(event);
  }

  /** Resolves on the puppet's next `ready`, a logout, stop(), or after READY_WAIT_MS. */
  private untilReady(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.readyWaits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, READY_WAIT_MS);
      this.readyWaits.add(done);
    });
  }

  private releaseReadyWaits(): void {
    for (const done of [...this.readyWaits]) done();
  }

  private beat(): void {
    this.lastBeatAt = Date.now();
  }

  private setState(state: State, detail?: string): void {
    if (this.current.state === state && this.current.detail === detail) return;
    this.current = { state, since: Date.now(), ...(detail === undefined ? {} : { detail }) };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isFileType(type: number): boolean {
  return type === WIRE_MESSAGE_TYPE.Image || type === WIRE_MESSAGE_TYPE.Attachment;
}

/** A string or number field of a raw payload, as a string. */
function stringField(raw: object | undefined, key: string): string | undefined {
  const value: unknown = raw === undefined ? undefined : (raw as Record<string, unknown>)[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** puppet-mock throws `not logged in`; wechaty-puppet's login mixin `not logged in, no this.__currentUserId yet`. */
function isNotLoggedIn(error: unknown): boolean {
  return /not logged in|must login|NOPUPPET/i.test(errorText(error));
}

/** What a failed send means for the outbox. */
/** WeChat's own answer code in a wechat4u failure (`BaseResponse.Ret`), if the error carries one. */
export function wechatRet(error: unknown): number | undefined {
  const response = typeof error === 'object' && error !== null && 'response' in error ? (error as { response?: unknown }).response : undefined;
  const data = typeof response === 'object' && response !== null && 'data' in response ? (response as { data?: unknown }).data : undefined;
  const base = typeof data === 'object' && data !== null && 'BaseResponse' in data ? (data as { BaseResponse?: { Ret?: unknown } }).BaseResponse : undefined;
  return typeof base?.Ret === 'number' ? base.Ret : undefined;
}

/** WeChat answered and refused: nothing was posted, except 1205 (sending too fast), which is a risk signal. */
const LOGGED_OUT_RETS = new Set([1100, 1101, 1102]);

export function sendFailure(error: unknown): Error {
  if (error instanceof PlatformRefusedError || error instanceof PlatformUnavailableError) return error;
  const text = errorText(error);
  if (isNotLoggedIn(error)) return new PlatformUnavailableError(text, true);
  const ret = wechatRet(error);
  if (ret === 1205) return new PlatformRefusedError('risk_control', `WeChat refused: sending too fast (${ret})`);
  if (ret !== undefined && LOGGED_OUT_RETS.has(ret)) return new PlatformUnavailableError(`WeChat logged the account out (${ret})`, true);
  // Any other code: WeChat did not take the message; it is sent again later.
  if (ret !== undefined && ret !== 0) return new PlatformUnavailableError(`WeChat did not take the message (${ret})`, true);
  // WeChat's answer to sending too fast; retrying soon risks the account.
  if (/频繁|too frequent|frequency/i.test(text)) return new PlatformRefusedError('risk_control', text);
  return new PlatformUnavailableError(text, false);
}

/** What wechat4u tags an error with when the upload before a file send failed (`uploadMedia`). */
const UPLOAD_FAILED_TIPS = '上传媒体文件失败';
/** HTTP statuses from this one up are WeChat's servers failing, not WeChat refusing. */
const SERVER_ERROR_STATUS = 500;

/**
 * What a failed file send means. wechat4u uploads the file first and posts it only once WeChat gave a media
 * id, so a failed upload posted nothing: an answer without a media id (too large, a kind WeChat will not
 * take) is WeChat refusing the file; no answer, or a server error, can be tried again.
 */
export function fileSendFailure(error: unknown): Error {
  const tips = typeof error === 'object' && error !== null && 'tips' in error ? (error as { tips?: unknown }).tips : undefined;
  if (tips !== UPLOAD_FAILED_TIPS) return sendFailure(error);
  const ret = wechatRet(error);
  if (isNotLoggedIn(error) || (ret !== undefined && LOGGED_OUT_RETS.has(ret))) return new PlatformUnavailableError(`WeChat logged the account out during an upload${ret === undefined ? '' : ` (${ret})`}`, true);
  if (ret === 1205) return new PlatformRefusedError('risk_control', `WeChat refused: sending too fast (${ret})`);
  const response = typeof error === 'object' && error !== null && 'response' in error ? (error as { response?: { status?: unknown } }).response : undefined;
  const status = typeof response?.status === 'number' ? response.status : undefined;
  if (response !== undefined && (status === undefined || status < SERVER_ERROR_STATUS)) {
    return new PlatformRefusedError('file_refused', `WeChat did not take the file${ret === undefined || ret === 0 ? '' : ` (${ret})`}`);
  }
  return new PlatformUnavailableError(`the upload failed: ${errorText(error)}`, true);
}

/** Imports a puppet package by name; a missing or odd package is a configuration error. */
async function loadPuppet(name: string, puppetOptions: Record<string, unknown> | undefined): Promise<WechatyPuppet> {
  let mod: unknown;
  try {
    mod = await import(name);
  } catch (error) {
    throw new Error(`cannot load the wechaty puppet "${name}": ${errorText(error)}`);
  }
  const Puppet = typeof mod === 'object' && mod !== null && 'default' in mod ? mod.default : undefined;
  if (typeof Puppet !== 'function') throw new Error(`"${name}" has no default export to use as a wechaty puppet`);
  // A puppet package's default export is its Puppet class; its shape is checked by wechaty at start.
  const PuppetClass = Puppet as new (options?: Record<string, unknown>) => WechatyPuppet;
  return new PuppetClass(puppetOptions ?? {});
}
