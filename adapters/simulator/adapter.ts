/**
 * The bot's side of a SimWorld: a ChatAdapter for one bot account, 'qq' or 'wechat' flavour.
 * The world plays the platform (membership, limits, failures); this class only speaks the port.
 */
import { readFile } from 'node:fs/promises';
import type { Platform } from '../../src/domain/org.js';
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type AdapterCapabilities,
  type ChatAdapter,
  type ContactInfo,
  type GroupInfo,
  type HistoryMessage,
  type HistoryPage,
  type InboundEvent,
  type InboundFile,
  type InboundSink,
  type MemberInfo,
  type OutboundMessage,
  type SendReceipt,
} from '../../src/platform/port.js';
import { SIM_CAPABILITIES } from './capabilities.js';
import { mapEventIds } from '../../src/platform/event-ids.js';
import { decodeEvent, decodeMessage } from './codec.js';
import { IdView } from './ids.js';
import type { SimEvent, SimMessage, SimTarget, SimWorld } from './world.js';

export interface SimulatorAdapterOptions {
  readonly accountId: string;
  readonly platform: Platform;
  /** Artificial latency of every send and API call, in ms. Default 0 (no timer at all). */
  readonly latencyMs?: number;
  /** How latency is waited out; drills pass their clock's sleep. Default a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * `exact` (default) answers confirmSent from the world's delivery-key index; `unknown` plays an
   * adapter that cannot look up its past messages, so the ledger's uncertain path can be tested.
   */
  readonly confirmSent?: 'exact' | 'unknown';
  /** Whether it reads group history (default: QQ does, WeChat does not); off plays a OneBot implementation without it. */
  readonly history?: boolean;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long after sending a bot may recall its message (QQ and WeChat: two minutes). */
export const RECALL_WINDOW_MS = 2 * 60_000;

export class SimulatorAdapter implements ChatAdapter {
  readonly platform: Platform;
  readonly accountId: string;
  /** In the simulator a bot account's user id is its account id. */
  readonly selfId: string;
  readonly capabilities: AdapterCapabilities;
  private readonly latencyMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly confirmMode: 'exact' | 'unknown';
  private readonly keepsHistory: boolean;
  private disconnect: (() => void) | undefined;
  /** The ids this login session shows (they change at every login on the 'wechat' flavour). */
  private readonly ids: IdView;

  constructor(
    private readonly world: SimWorld,
    options: SimulatorAdapterOptions,
  ) {
    const account = world.account(options.accountId);
    if (!account) throw new Error(`no bot account ${options.accountId} in the simulated world (addAccount first)`);
    if (account.platform !== options.platform) {
      throw new Error(`bot account ${options.accountId} is on ${account.platform}, not ${options.platform}`);
    }
    this.platform = options.platform;
    this.accountId = options.accountId;
    this.selfId = options.accountId;
    this.capabilities = SIM_CAPABILITIES[options.platform];
    this.latencyMs = options.latencyMs ?? 0;
    this.sleep = options.sleep ?? realSleep;
    this.confirmMode = options.confirmSent ?? 'exact';
    this.keepsHistory = (options.history ?? true) && options.platform === 'qq';
    this.ids = new IdView(options.accountId, !this.capabilities.stableIds);
    this.ids.login(world.session(options.accountId));
  }

  async start(sink: InboundSink): Promise<void> {
    if (this.disconnect) throw new Error(`${this.accountId} is already started`);
    this.disconnect = this.world.connect(this.accountId, (event) => sink(this.decode(event)));
    this.world.setOnline(this.accountId, true);
    // Every login is announced, the first included (the port's contract).
    this.world.announceLogin(this.accountId);
  }

  /** A world event as this session shows it. */
  private decode(event: SimEvent): InboundEvent {
    if (event.kind === 'login') this.ids.login(event.session);
    return mapEventIds(decodeEvent(event, this.accountId), { user: (id) => this.ids.show(id, 'user'), group: (id) => this.ids.show(id, 'group') });
  }

  /** The world id behind an id of this session; an id from an earlier login is refused as unknown. */
  private worldId(shownId: string, kind: 'user' | 'group'): string {
    const id = this.ids.resolve(shownId);
    if (id === undefined) throw new PlatformRefusedError(kind === 'user' ? 'unknown_user' : 'not_in_group', `${shownId} is not an id of this login session`);
    return id;
  }

  async stop(): Promise<void> {
    this.disconnect?.();
    this.disconnect = undefined;
    this.world.setOnline(this.accountId, false);
  }

  async sendGroup(chatId: string, message: OutboundMessage): Promise<SendReceipt> {
    return this.send({ chatType: 'group', id: this.worldId(chatId, 'group') }, message);
  }

  async sendPrivate(userId: string, message: OutboundMessage): Promise<SendReceipt> {
    return this.send({ chatType: 'private', id: this.worldId(userId, 'user') }, message);
  }

  /** As QQ: the bot's own message, within two minutes of sending (WeChat bots learn no id to recall). */
  async recall(chatId: string, messageId: string): Promise<void> {
    await this.call();
    const m = this.world.message(messageId);
    if (!m || this.world.isRecalled(messageId) || m.from !== this.accountId || m.chatType !== 'group' || m.chatId !== this.worldId(chatId, 'group')) throw new PlatformRefusedError('not_found', '消息不存在');
    if (this.world.now() - m.at > RECALL_WINDOW_MS) throw new PlatformRefusedError('too_late', '消息已超过撤回时限');
    this.world.recall(messageId);
  }

  async listGroups(): Promise<readonly GroupInfo[]> {
    await this.call();
    const groups: GroupInfo[] = [];
    for (const chatId of this.world.groupsOf(this.accountId)) {
      const group = this.world.group(chatId);
      if (group) groups.push({ chatId: this.ids.show(chatId, 'group'), name: group.name, memberCount: group.memberCount });
    }
    return groups;
  }

  async listMembers(chatId: string): Promise<readonly MemberInfo[]> {
    await this.call();
    const id = this.worldId(chatId, 'group');
    if (!this.world.isMember(id, this.accountId)) {
      throw new PlatformRefusedError('not_in_group', `${this.accountId} is not in group ${chatId}`);
    }
    return this.world.members(id).map((m) => {
      const remark = this.world.remarkOf(this.accountId, m.userId);
      return { ...m, userId: this.ids.show(m.userId, 'user'), ...(remark === undefined ? {} : { remark }) };
    });
  }

  async listContacts(): Promise<readonly ContactInfo[]> {
    await this.call();
    return this.world.friendsOf(this.accountId).map((userId) => {
      const remark = this.world.remarkOf(this.accountId, userId);
      return { userId: this.ids.show(userId, 'user'), nickname: this.world.user(userId)?.nickname ?? userId, ...(remark === undefined ? {} : { remark }) };
    });
  }

  async setRemark(userId: string, remark: string): Promise<void> {
    await this.call();
    this.world.setRemark(this.accountId, this.worldId(userId, 'user'), remark);
  }

  async confirmSent(target: { chatType: 'group' | 'private'; id: string }, deliveryKey: string): Promise<'sent' | 'not_sent' | 'unknown'> {
    await this.call();
    if (this.confirmMode === 'unknown') return 'unknown';
    const id = this.ids.resolve(target.id);
    if (id === undefined) return 'unknown';
    return this.world.wasDelivered({ chatType: target.chatType, id }, deliveryKey) ? 'sent' : 'not_sent';
  }

  /**
   * The group's history, as QQ keeps it (the 'wechat' flavour has none, as WeChat has none): people's
   * messages as the events would have carried them, the bot's own posts, since a time.
   */
  async history(chatId: string, since: number): Promise<HistoryPage> {
    await this.call();
    if (!this.keepsHistory || !this.world.keepTranscript) throw new PlatformRefusedError('bad_request', 'this platform keeps no history the bot can read');
    const worldChat = this.worldId(chatId, 'group');
    const messages: HistoryMessage[] = this.world.groupHistory(worldChat, since).map((m) =>
      m.from === this.accountId
        ? { self: true as const, messageId: m.id, text: m.text, at: m.at, ...(m.files ? { files: m.files.map((f) => f.name) } : {}) }
        : { self: false as const, event: decodeMessage(m, this.world.senderOf(worldChat, m.from), this.accountId) },
    );
    return { messages, complete: true };
  }

  private async send(target: SimTarget, message: OutboundMessage): Promise<SendReceipt> {
    await this.travel();
    const posted = this.world.botSend(this.accountId, target, {
      text: message.text,
      deliveryKey: message.deliveryKey,
      ...(message.mentions === undefined ? {} : { mentions: message.mentions.map((m) => this.worldId(m, 'user')) }),
      ...(message.quoteId === undefined ? {} : { quoteId: message.quoteId }),
      ...(message.file ? { file: { kind: message.file.kind, name: message.file.name, data: await readFile(message.file.path) } } : {}),
    });
    return this.receipt(posted);
  }

  /** The bytes of a file a message carried: `sim:<message id>:<index>`. */
  async fetchFile(file: InboundFile): Promise<Uint8Array> {
    await this.call();
    const m = /^sim:(\d+):(\d+)$/u.exec(file.ref);
    const data = m ? this.world.fileData(m[1] ?? '', Number(m[2])) : undefined;
    if (!data) throw new PlatformRefusedError('bad_request', 'no such file');
    return data;
  }

  private receipt(posted: SimMessage): SendReceipt {
    return this.capabilities.sentMessageIds ? { messageId: posted.id, at: posted.at } : { at: posted.at };
  }

  /** An API call: needs the connection. */
  private async call(): Promise<void> {
    await this.travel();
    if (!this.world.account(this.accountId)?.online) throw new PlatformUnavailableError(`${this.accountId} is offline`, true);
  }

  private async travel(): Promise<void> {
    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
  }
}
