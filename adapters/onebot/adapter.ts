/**
 * A ChatAdapter for one QQ account behind a OneBot v11 implementation (NapCat and the like).
 * The transport moves frames; the codec translates them; this class keeps the session: who the bot
 * is, whether it is online, and the names `@` segments render with.
 */
import type { Logger } from 'pino';
import { readFile } from 'node:fs/promises';
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type AdapterCapabilities,
  type AdapterStatus,
  type ChatAdapter,
  type ContactInfo,
  type GroupInfo,
  type HistoryMessage,
  type HistoryPage,
  type InboundEvent,
  type InboundFile,
  type InboundSink,
  type MemberInfo,
  type OutboundFile,
  type OutboundMessage,
  type SendReceipt,
} from '../../src/platform/port.js';
import { ONEBOT_CAPABILITIES } from './capabilities.js';
import { decodeEvent, decodeMember, encodeMessage, eventAt, idString, renderSegments, responseError, toSegments, wireId } from './codec.js';
import { oneBotAccountKeys, oneBotOptionsSchema, type OneBotOptions, type OneBotOptionsInput } from './options.js';
import { CallTimedOut, createTransport, type OneBotTransport, type TransportListener } from './transport.js';
import { RETCODE, type WireEvent, type WireResponse, type WireFriendInfo, type WireGroupInfo, type WireLoginInfo, type WireMemberInfo, type WireMessageEvent } from './wire.js';

/** Messages asked for per history page (go-cqhttp gives 20 whatever is asked). */
const HISTORY_PAGE = 20;
/** Pages read back at most: a gap longer than this many messages is read as far as it goes (`complete` false). */
const HISTORY_MAX_PAGES = 50;

export interface OneBotAdapterEnv {
  readonly logger: Logger;
}

type State = AdapterStatus['state'];

export class OneBotAdapter implements ChatAdapter {
  readonly platform = 'qq' as const;
  readonly accountId: string;
  readonly capabilities: AdapterCapabilities = ONEBOT_CAPABILITIES;
  private readonly options: OneBotOptions;
  private readonly logger: Logger;
  private transport: OneBotTransport | undefined;
  private sink: InboundSink | undefined;
  private self: string | undefined;
  private selfName: string | undefined;
  /** Bumped at every link change, so a login answered for a dead link is ignored. */
  private generation = 0;
  private state: State = 'offline';
  private since = Date.now();
  private detail: string | undefined;
  /** A heartbeat said the QQ account itself is offline although the link is up. */
  private accountOffline = false;
  private onlineWaiters: (() => void)[] = [];
  /** Card, else nickname, per group and user: what `@` segments without a name render as. */
  private readonly names = new Map<string, Map<string, string>>();
  /** The implementation answered 1404 to `get_group_msg_history`. */
  private noHistory = false;
  /** Online at least once in this process: a later login follows a time away. */
  private wasOnline = false;
  /** A probe after a timed-out call is under way. */
  private probing = false;

  constructor(options: OneBotOptionsInput & { readonly accountId: string }, env: OneBotAdapterEnv) {
    this.accountId = options.accountId;
    // Checked again here so a hand-built options object cannot skip the cross-key rules; only the
    // OneBot keys, so a whole account entry (id, platform, pacing) may be passed as it is.
    this.options = oneBotOptionsSchema.parse(oneBotKeysOf(options));
    this.logger = env.logger.child({ adapter: 'onebot', account: options.accountId, mode: this.options.mode });
  }

  /** The bot's QQ id: from `get_login_info`, or the reverse connection's X-Self-ID until then. */
  get selfId(): string {
    return this.self ?? '';
  }

  async start(sink: InboundSink): Promise<void> {
    if (this.sink) throw new Error(`${this.accountId} is already started`);
    this.sink = sink;
    this.setState('connecting', 'starting');
    if (this.options.mode === 'forward' && this.options.accessToken === undefined) {
      this.logger.warn('onebot forward link without an accessToken: anyone who reaches the implementation can drive the bot; set one (`cascade token`)');
    }
    const online = new Promise<void>((resolve) => this.onlineWaiters.push(resolve));
    try {
      this.transport = createTransport(this.options, this.transportListener(), () => this.self);
      await this.transport.start();
    } catch (error) {
      this.sink = undefined;
      this.transport = undefined;
      this.setState('offline', 'could not start');
      throw error;
    }
    await this.firstLogin(online);
  }

  /** Resolves at the first login, or after one call timeout: an unreachable implementation must not block the app. */
  private async firstLogin(online: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.callTimeoutMs)));
    await Promise.race([online, timeout]);
    clearTimeout(timer);
    if (this.state !== 'online') this.logger.warn({ detail: this.detail }, 'onebot not online yet; still trying');
  }

  async stop(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    this.sink = undefined;
    this.generation++;
    this.releaseWaiters();
    await transport?.stop();
    this.setState('offline', 'stopped');
  }

  status(): AdapterStatus {
    const lastHeartbeatAt = this.transport?.lastFrameAt;
    return {
      state: this.state,
      since: this.since,
      ...(lastHeartbeatAt === undefined ? {} : { lastHeartbeatAt }),
      ...(this.detail === undefined ? {} : { detail: this.detail }),
    };
  }

  async sendGroup(chatId: string, message: OutboundMessage): Promise<SendReceipt> {
    if (message.file) return this.sendFile('group', chatId, message.file);
    this.checkOutbound(message);
    return this.send('send_group_msg', { group_id: wireId(chatId), message: encodeMessage(message) });
  }

  async sendPrivate(userId: string, message: OutboundMessage): Promise<SendReceipt> {
    if (message.file) return this.sendFile('private', userId, message.file);
    this.checkOutbound(message);
    return this.send('send_private_msg', { user_id: wireId(userId), message: encodeMessage(message) });
  }

  /**
   * A picture as an image segment (`base64://`, which every implementation takes); a file through
   * `upload_group_file` / `upload_private_file` (go-cqhttp's actions, kept by NapCat, LLOneBot and
   * Lagrange), which answer no message id. An implementation without them (1404) or refusing the
   * file is a `file_refused`: the app posts its line instead.
   */
  private async sendFile(chatType: 'group' | 'private', id: string, file: OutboundFile): Promise<SendReceipt> {
    const target = chatType === 'group' ? { group_id: wireId(id) } : { user_id: wireId(id) };
    const bytes = await readFile(file.path);
    try {
      if (file.kind === 'image') {
        const message = [{ type: 'image', data: { file: `base64://${bytes.toString('base64')}`, name: file.name } }];
        return await this.send(chatType === 'group' ? 'send_group_msg' : 'send_private_msg', { ...target, message });
      }
      const source = this.options.fileUpload === 'path' ? file.path : `base64://${bytes.toString('base64')}`;
      return await this.send(chatType === 'group' ? 'upload_group_file' : 'upload_private_file', { ...target, file: source, name: file.name });
    } catch (error) {
      if (error instanceof PlatformRefusedError && (error.code === 'bad_request' || error.code === 'refused')) throw new PlatformRefusedError('file_refused', error.message);
      throw error;
    }
  }

  /**
   * The bytes of a picture or file a message carried: its address (QQ's CDN, `base64://`, `data:`), or
   * for a group file the address `get_group_file_url` gives. Local paths are never read: an event's
   * reference must not make Cascade post a file of this machine.
   */
  async fetchFile(file: InboundFile, where: { chatType: 'group' | 'private'; chatId: string }): Promise<Uint8Array> {
    let address = file.ref;
    if (address.startsWith('{')) {
      const ref = JSON.parse(address) as { fileId?: unknown; busid?: unknown };
      if (where.chatType !== 'group' || typeof ref.fileId !== 'string') throw new PlatformRefusedError('bad_request', 'not a group file');
      const data = await this.request('get_group_file_url', { group_id: wireId(where.chatId), file_id: ref.fileId, ...(typeof ref.busid === 'number' ? { busid: ref.busid } : {}) });
      const url = isObject(data) && typeof data.url === 'string' ? data.url : undefined;
      if (!url) throw new PlatformRefusedError('bad_request', 'get_group_file_url gave no address');
      address = url;
    }
    return download(address, this.options.callTimeoutMs * 6);
  }

  /** A send; one that times out carries the receipt of an answer that still comes (the outbox settles it with that). */
  private async send(action: string, params: Readonly<Record<string, unknown>>): Promise<SendReceipt> {
    try {
      return this.receipt(await this.request(action, params));
    } catch (error) {
      if (!(error instanceof CallTimedOut)) throw error;
      const late = error.lateAnswer.then((r) => (r?.status === 'ok' ? this.receipt(r.data) : undefined));
      throw new PlatformUnavailableError(error.message, false, late);
    }
  }

  /** `delete_msg`: the implementation refuses (a failed status) once the platform's recall time is over. */
  async recall(_chatId: string, messageId: string): Promise<void> {
    await this.request('delete_msg', { message_id: wireId(messageId) });
  }

  async listGroups(): Promise<readonly GroupInfo[]> {
    const groups = asArray<WireGroupInfo>(await this.request('get_group_list', {}));
    return groups.flatMap((g) => {
      const chatId = idString(g.group_id);
      return chatId === undefined ? [] : [{ chatId, name: g.group_name ?? chatId, memberCount: g.member_count ?? 0 }];
    });
  }

  async listMembers(chatId: string): Promise<readonly MemberInfo[]> {
    const wire = asArray<WireMemberInfo>(await this.request('get_group_member_list', { group_id: wireId(chatId) }));
    const members = wire.map(decodeMember).filter((m): m is MemberInfo => m !== undefined);
    this.names.set(chatId, new Map(members.map((m) => [m.userId, m.card ?? m.nickname])));
    return members;
  }

  async listContacts(): Promise<readonly ContactInfo[]> {
    const friends = asArray<WireFriendInfo>(await this.request('get_friend_list', {}));
    return friends.flatMap((f) => {
      const userId = idString(f.user_id);
      if (userId === undefined) return [];
      const remark = f.remark?.trim();
      return [{ userId, nickname: f.nickname?.trim() || userId, ...(remark ? { remark } : {}) }];
    });
  }

  /**
   * The group's messages back to `since`, oldest first (`get_group_msg_history`: the latest page, then
   * pages before it as NapCat gives them). An implementation without the action answers 1404: then
   * the adapter has no history (`PlatformRefusedError`), and is not asked again.
   */
  async history(chatId: string, since: number): Promise<HistoryPage> {
    if (this.noHistory) throw new PlatformRefusedError('bad_request', 'get_group_msg_history is not supported by this implementation');
    const byId = new Map<string, WireMessageEvent>();
    let anchor: string | undefined;
    let complete = false;
    for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
      const params: Record<string, unknown> = { group_id: wireId(chatId), count: HISTORY_PAGE };
      if (anchor !== undefined) Object.assign(params, { message_seq: anchor, reverseOrder: true, reverse_order: true });
      const messages = await this.historyPage(params);
      const before = byId.size;
      for (const m of messages) {
        const id = idString(m.message_id);
        if (id !== undefined) byId.set(id, m);
      }
      const oldest = messages.reduce<WireMessageEvent | undefined>((o, m) => (o === undefined || (m.time ?? 0) < (o.time ?? 0) ? m : o), undefined);
      // Reached back far enough, or the group has nothing older: complete.
      if (oldest === undefined || eventAt(oldest, { now: Date.now() }) <= since || messages.length < HISTORY_PAGE) {
        complete = true;
        break;
      }
      // An implementation that pages differently gives nothing new: what was read is all there is to read.
      if (byId.size === before) break;
      anchor = idString(oldest.message_id);
      if (anchor === undefined) break;
    }
    const now = Date.now();
    const events = [...byId.values()].sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
    const out: HistoryMessage[] = [];
    for (const m of events) {
      const at = eventAt(m, { now });
      if (at < since) continue;
      const userId = idString(m.user_id) ?? idString(m.sender?.user_id);
      if (userId !== undefined && userId === this.self) {
        const rendered = renderSegments(toSegments(m.message), chatId, { nameOf: (g, u) => this.nameOf(g, u) });
        const messageId = idString(m.message_id);
        out.push({ self: true, text: rendered.text, at, ...(messageId === undefined ? {} : { messageId }), ...(rendered.files.length > 0 ? { files: rendered.files.map((f) => f.name) } : {}) });
        continue;
      }
      const decoded = decodeEvent({ ...m, post_type: 'message' } as WireEvent, { accountId: this.accountId, selfId: this.self, nameOf: (g, u) => this.nameOf(g, u), now });
      if (decoded?.kind === 'message') out.push({ self: false, event: decoded });
    }
    return { messages: out, complete };
  }

  /** One page; NapCat's "消息不存在" (an empty group, an unknown anchor) is an empty page. */
  private async historyPage(params: Record<string, unknown>): Promise<WireMessageEvent[]> {
    if (!this.transport || this.state !== 'online') throw new PlatformUnavailableError(`${this.accountId} is not online (${this.detail ?? this.state})`, true);
    const response = await this.transport.call('get_group_msg_history', params);
    if (response.status === 'ok') {
      const data = response.data as { messages?: unknown } | null;
      return Array.isArray(data?.messages) ? (data.messages.filter((m) => typeof m === 'object' && m !== null) as WireMessageEvent[]) : [];
    }
    if (response.retcode === RETCODE.unknownAction) {
      this.noHistory = true;
      throw new PlatformRefusedError('bad_request', 'get_group_msg_history is not supported by this implementation');
    }
    if (/不存在|not exist|not found/iu.test(`${response.message ?? ''} ${response.wording ?? ''}`)) return [];
    throw responseError('get_group_msg_history', response);
  }

  private checkOutbound(message: OutboundMessage): void {
    const { maxMessageChars, maxMentions } = this.capabilities;
    if (message.text.length > maxMessageChars) {
      throw new PlatformRefusedError('too_long', `text of ${message.text.length} chars exceeds ${maxMessageChars}`);
    }
    if ((message.mentions?.length ?? 0) > maxMentions) {
      throw new PlatformRefusedError('too_many_mentions', `${message.mentions?.length} mentions exceed ${maxMentions}`);
    }
  }

  private receipt(data: unknown): SendReceipt {
    const messageId = isObject(data) ? idString(data.message_id) : undefined;
    return { ...(messageId === undefined ? {} : { messageId }), at: Date.now() };
  }

  /** A call that needs the account online; answers other than `ok` become the port's errors. */
  private async request(action: string, params: Readonly<Record<string, unknown>>): Promise<unknown> {
    if (!this.transport || this.state !== 'online') {
      throw new PlatformUnavailableError(`${this.accountId} is not online (${this.detail ?? this.state})`, true);
    }
    return this.call(action, params);
  }

  private async call(action: string, params: Readonly<Record<string, unknown>>): Promise<unknown> {
    if (!this.transport) throw new PlatformUnavailableError(`${this.accountId} is stopped`, true);
    let response: WireResponse;
    try {
      response = await this.transport.call(action, params);
    } catch (error) {
      if (error instanceof CallTimedOut) this.probe();
      throw error;
    }
    if (response.status !== 'ok') throw responseError(action, response);
    return response.data;
  }

  /**
   * A call timed out: a slow implementation, or a dead one the heartbeat has not shown yet. It is asked
   * once (`get_status`); no answer in time, and the link is made again (the login asks `get_login_info`).
   * A slow link is not a banned account: the breaker is for risk signals.
   */
  private probe(): void {
    if (this.probing || !this.transport) return;
    this.probing = true;
    const transport = this.transport;
    transport
      .call('get_status', {})
      .then(
        () => this.logger.warn('onebot answered a probe after a call timed out: the link is slow, kept'),
        (error: unknown) => {
          this.logger.warn({ err: errorText(error) }, 'onebot did not answer a probe after a call timed out; reconnecting');
          transport.recycle('calls time out');
        },
      )
      .finally(() => {
        this.probing = false;
      });
  }

  // ---------------------------------------------------------------- session

  private transportListener(): TransportListener {
    return {
      event: (event) => this.receive(event),
      up: (selfIdHint) => void this.login(++this.generation, selfIdHint),
      down: (reason) => this.linkDown(reason),
      // Never the frame itself in the log: it may hold message text.
      badFrame: (error) => this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'onebot frame could not be handled; dropped'),
      refused: (reason) => {
        this.logger.warn({ reason }, 'onebot connection refused');
        if (this.state !== 'online') this.detail = reason;
      },
    };
  }

  private async login(generation: number, selfIdHint: string | undefined): Promise<void> {
    if (selfIdHint !== undefined) this.self ??= selfIdHint;
    this.setState('connecting', 'logging in');
    try {
      const info = (await this.call('get_login_info', {})) as Partial<WireLoginInfo> | null;
      const id = idString(info?.user_id);
      if (generation !== this.generation) return;
      if (id === undefined) throw new Error('get_login_info gave no user_id');
      this.self = id;
      this.selfName = info?.nickname;
      this.accountOffline = false;
      this.online();
    } catch (error) {
      if (generation !== this.generation) return;
      this.logger.warn({ err: errorText(error) }, 'onebot login failed; reconnecting');
      this.transport?.recycle('login failed');
    }
  }

  private online(): void {
    // Away since the state left 'online' (the link fell, the QQ account went offline): the app catches up.
    const away = this.wasOnline ? this.since : undefined;
    this.wasOnline = true;
    this.setState('online');
    this.logger.info({ selfId: this.self, awayMs: away === undefined ? undefined : Date.now() - away }, 'onebot online');
    this.emit({ kind: 'login', platform: 'qq', accountId: this.accountId, at: Date.now(), ...(away === undefined ? {} : { offlineSince: away }) });
    this.releaseWaiters();
  }

  private linkDown(reason: string): void {
    this.generation++;
    if (!this.sink) return;
    if (this.state === 'online') this.logger.warn({ reason }, 'onebot connection lost');
    this.setState('connecting', reason);
  }

  private receive(event: WireEvent): void {
    if (event.post_type === 'meta_event') return this.meta(event);
    if (event.post_type === 'message') this.learnName(event as WireMessageEvent);
    const decoded = decodeEvent(event, {
      accountId: this.accountId,
      selfId: this.self,
      nameOf: (groupId, userId) => this.nameOf(groupId, userId),
      now: Date.now(),
    });
    if (decoded) this.emit(decoded);
  }

  /** Heartbeats say whether the QQ account behind the implementation is itself online. */
  private meta(event: WireEvent): void {
    if (!('meta_event_type' in event) || event.meta_event_type !== 'heartbeat') return;
    const accountOnline = event.status?.online !== false;
    if (!accountOnline && !this.accountOffline && this.state === 'online') {
      this.accountOffline = true;
      this.logger.warn('onebot reports the QQ account offline');
      this.setState('connecting', 'QQ account offline');
    } else if (accountOnline && this.accountOffline) {
      this.accountOffline = false;
      if (this.state === 'connecting' && this.detail === 'QQ account offline') this.online();
    }
  }

  private learnName(event: WireMessageEvent): void {
    if (event.message_type !== 'group') return;
    const groupId = idString(event.group_id);
    const userId = idString(event.user_id);
    const name = event.sender?.card?.trim() || event.sender?.nickname?.trim();
    if (groupId === undefined || userId === undefined || !name) return;
    let group = this.names.get(groupId);
    if (!group) this.names.set(groupId, (group = new Map()));
    group.set(userId, name);
  }

  private nameOf(groupId: string | undefined, userId: string): string | undefined {
    if (userId === this.self && this.selfName) return this.selfName;
    return groupId === undefined ? undefined : this.names.get(groupId)?.get(userId);
  }

  private emit(event: InboundEvent): void {
    this.sink?.(event);
  }

  private setState(state: State, detail?: string): void {
    if (state !== this.state) this.since = Date.now();
    this.state = state;
    this.detail = detail;
  }

  private releaseWaiters(): void {
    const waiters = this.onlineWaiters;
    this.onlineWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function oneBotKeysOf(options: object): Record<string, unknown> {
  const known = new Set(Object.keys(oneBotAccountKeys.shape));
  return Object.fromEntries(Object.entries(options).filter(([key]) => known.has(key)));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function asArray<T>(data: unknown): readonly T[] {
  return Array.isArray(data) ? (data as T[]) : [];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `base64://…` decoded, `data:` and `http(s)://` fetched (within `timeoutMs`); anything else refused. */
async function download(address: string, timeoutMs: number): Promise<Uint8Array> {
  if (address.startsWith('base64://')) return Buffer.from(address.slice('base64://'.length), 'base64');
  if (!/^(https?:|data:)/iu.test(address)) throw new PlatformRefusedError('bad_request', 'not a downloadable address');
  let response: Response;
  try {
    response = await fetch(address, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new PlatformUnavailableError(`download failed: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  if (!response.ok) throw new PlatformRefusedError('bad_request', `download answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
