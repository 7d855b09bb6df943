/**
 * SimWorld: an in-process chat platform with QQ-like and WeChat-like groups, people and bot accounts.
 * Tests, drills, the benchmark and the terminal sandbox run the whole system on it; `SimulatorAdapter`
 * is the bot's side of it. Every lookup is by index: the benchmark pushes ~150,000 messages through one world.
 *
 * Behaviour copied from the real platforms (see shared/PLATFORMS.md):
 * - Events reach a bot account asynchronously, only while it is online and connected; events that happen
 *   while it is offline are lost for it, like on a dropped connection.
 * - A bot never receives its own messages. Two bots in one group both receive a message, with the same id
 *   (real WeChat has no id that is stable across accounts; the simulator gives the same one anyway).
 * - Mentions are rendered into the text as `@<card or nickname> ` prefixes. On the 'wechat' flavour a bot's
 *   outgoing mention ids are dropped (wechat4u sends only the `@名字` text) and so are its quotes.
 */
import type { Platform } from '../../src/domain/org.js';
import { PlatformRefusedError, PlatformUnavailableError, type MemberInfo, type Sender } from '../../src/platform/port.js';
import { AT_ALL, AT_ALL_TEXT, SENDS_QUOTES, SIM_CAPABILITIES } from './capabilities.js';

export type MemberRole = MemberInfo['role'];

export interface SimUser {
  readonly userId: string;
  readonly nickname: string;
  readonly platform: Platform;
}

export interface SimAccountInfo {
  readonly accountId: string;
  readonly platform: Platform;
  readonly online: boolean;
}

export interface SimGroupInfo {
  readonly platform: Platform;
  readonly chatId: string;
  readonly name: string;
  readonly memberCount: number;
}

interface SimMessageBase {
  /** Unique in the world; numeric like a QQ message id. */
  readonly id: string;
  readonly platform: Platform;
  /** User id of the sender (a person or a bot account). */
  readonly from: string;
  /** As the platform shows it, mentions rendered as `@名字`. */
  readonly text: string;
  /** Mention ids as the platform keeps them: empty for a bot's message on the 'wechat' flavour. */
  readonly mentions: readonly string[];
  readonly quoteId?: string;
  /** A WeChat app message (XML), e.g. a native 接龙 (type 53); `text` is what the client shows. */
  readonly appXml?: string;
  readonly at: number;
  /** Set on bot sends: the ledger key the app passed along. */
  readonly deliveryKey?: string;
  /** Files and pictures it carries (the text then shows `[图片]` / `[文件]`). */
  readonly files?: readonly SimFile[];
}

/** A file or picture in a message: its bytes, as the platform keeps them. */
export interface SimFile {
  readonly kind: 'image' | 'file';
  readonly name: string;
  readonly data: Uint8Array;
}

/** The text a client shows for a message that is only files. */
export function fileText(files: readonly Pick<SimFile, 'kind'>[]): string {
  return files.map((f) => (f.kind === 'image' ? '[图片]' : '[文件]')).join('');
}

export interface SimGroupMessage extends SimMessageBase {
  readonly chatType: 'group';
  readonly chatId: string;
}

export interface SimPrivateMessage extends SimMessageBase {
  readonly chatType: 'private';
  readonly toUserId: string;
}

export type SimMessage = SimGroupMessage | SimPrivateMessage;

/** What the platform pushes to a connected bot account. */
export type SimEvent =
  | { readonly kind: 'message'; readonly message: SimMessage; readonly sender: Sender }
  | {
      readonly kind: 'member_join' | 'member_leave';
      readonly platform: Platform;
      readonly chatId: string;
      readonly userId: string;
      readonly at: number;
    }
  | {
      /**
       * The account logged in again (a new session). On the 'wechat' flavour every contact and room
       * id the account sees changes with it, as with wechat4u; the adapter re-derives them.
       */
      readonly kind: 'login';
      readonly platform: Platform;
      readonly session: number;
      readonly at: number;
    }
  | {
      readonly kind: 'recall';
      readonly platform: Platform;
      readonly chatId: string;
      readonly messageId: string;
      /** The sender of the recalled message. */
      readonly userId: string;
      readonly at: number;
    };

export interface SimTarget {
  readonly chatType: 'group' | 'private';
  /** Group chat id or user id. */
  readonly id: string;
}

/** What a bot account asks the platform to post. */
export interface SimPost {
  readonly text: string;
  readonly mentions?: readonly string[];
  readonly quoteId?: string;
  readonly deliveryKey: string;
  /** A file or picture to post instead of text. */
  readonly file?: SimFile;
}

export interface DeliveryRecord {
  readonly chatType: 'group' | 'private';
  readonly targetId: string;
  /** The first message posted with this delivery key. */
  readonly messageId: string;
  /** How many times a message with this key was posted; above 1 is a duplicate. */
  readonly count: number;
}

export interface SimWorldOptions {
  /** Platform time; drills pass a virtual clock. Default Date.now. */
  readonly now?: () => number;
  /** Keep every message (default true). False keeps only a count and the delivery-key index. */
  readonly keepTranscript?: boolean;
  /** Called when an account's or `onMessage` listener throws. Default: rethrown asynchronously so it surfaces. */
  readonly onListenerError?: (error: unknown) => void;
}

type MessageListener = (message: SimMessage) => void;
type EventListener = (event: SimEvent) => void;

interface MemberState {
  card: string | undefined;
  role: MemberRole;
}

interface GroupState {
  readonly platform: Platform;
  readonly chatId: string;
  readonly name: string;
  readonly members: Map<string, MemberState>;
  /** Bot accounts among the members, so a message finds its recipients without scanning members. */
  readonly bots: Set<string>;
}

interface AccountState {
  readonly accountId: string;
  readonly platform: Platform;
  online: boolean;
  listener: EventListener | undefined;
  /** Errors the next sends reject with, first in line first. */
  readonly injectedFailures: Error[];
  postThenFail: number;
  readonly friends: Set<string>;
  /** Login sessions so far; 0 is the first. */
  session: number;
  /** Remarks (备注) the account set on its contacts; kept by the platform across logins. */
  readonly remarks: Map<string, string>;
}

interface DeliveryState {
  readonly chatType: 'group' | 'private';
  readonly targetId: string;
  readonly messageId: string;
  count: number;
}

interface PendingDelivery {
  readonly accountId: string;
  readonly event: SimEvent;
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export class SimWorld {
  readonly now: () => number;
  readonly keepTranscript: boolean;
  private readonly onListenerError: (error: unknown) => void;
  private readonly users = new Map<string, SimUser>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly groups = new Map<string, GroupState>();
  private readonly groupsByUser = new Map<string, Set<string>>();
  private readonly entries: SimMessage[] = [];
  private readonly entriesById = new Map<string, SimMessage>();
  /** Each group's messages in order (with the transcript): its history. */
  private readonly byChat = new Map<string, SimGroupMessage[]>();
  private readonly deliveries = new Map<string, DeliveryState>();
  private readonly recalled = new Set<string>();
  /** Groups where bots may not post files (群文件 closed to members, as an admin can set). */
  private readonly noFiles = new Set<string>();
  /** Accounts whose private file sends the platform refuses. */
  private readonly noPrivateFiles = new Set<string>();
  private readonly messageListeners = new Set<MessageListener>();
  private lastMessageId = 0;
  private postedCount = 0;
  private duplicateCount = 0;
  private pending: PendingDelivery[] = [];
  private pendingHead = 0;
  private drainScheduled = false;

  constructor(options: SimWorldOptions = {}) {
    this.now = options.now ?? Date.now;
    this.keepTranscript = options.keepTranscript ?? true;
    this.onListenerError = options.onListenerError ?? rethrowLater;
  }

  // ---- people, accounts, groups -------------------------------------------------------------

  addUser(user: SimUser): SimUser {
    if (this.users.has(user.userId)) throw new Error(`user ${user.userId} already exists`);
    const stored: SimUser = { userId: user.userId, nickname: user.nickname, platform: user.platform };
    this.users.set(user.userId, stored);
    return stored;
  }

  /** A bot account: a user the adapter speaks for. Starts offline; `SimulatorAdapter.start` brings it online. */
  addAccount(account: { accountId: string; platform: Platform; nickname?: string }): SimAccountInfo {
    this.addUser({ userId: account.accountId, nickname: account.nickname ?? account.accountId, platform: account.platform });
    const state: AccountState = {
      accountId: account.accountId,
      platform: account.platform,
      online: false,
      listener: undefined,
      injectedFailures: [],
      postThenFail: 0,
      friends: new Set(),
      session: 0,
      remarks: new Map(),
    };
    this.accounts.set(account.accountId, state);
    return { accountId: account.accountId, platform: account.platform, online: false };
  }

  addGroup(group: { platform: Platform; chatId: string; name: string }): SimGroupInfo {
    if (this.groups.has(group.chatId)) throw new Error(`group ${group.chatId} already exists`);
    this.groups.set(group.chatId, { ...group, members: new Map(), bots: new Set() });
    return { ...group, memberCount: 0 };
  }

  join(chatId: string, userId: string, options: { card?: string; role?: MemberRole } = {}): void {
    const group = this.requireGroup(chatId);
    const user = this.requireUser(userId);
    if (user.platform !== group.platform) throw new Error(`${userId} (${user.platform}) cannot join ${group.platform} group ${chatId}`);
    if (group.members.has(userId)) throw new Error(`${userId} is already in ${chatId}`);
    group.members.set(userId, { card: options.card, role: options.role ?? 'member' });
    this.groupSetOf(userId).add(chatId);
    if (this.accounts.has(userId)) group.bots.add(userId);
    this.broadcast(group, { kind: 'member_join', platform: group.platform, chatId, userId, at: this.now() });
  }

  /** The leaver, if a bot, still hears of its own leaving (OneBot's `group_decrease` / kick_me). */
  leave(chatId: string, userId: string): void {
    const group = this.requireGroup(chatId);
    this.requireMember(group, userId);
    this.broadcast(group, { kind: 'member_leave', platform: group.platform, chatId, userId, at: this.now() });
    group.members.delete(userId);
    group.bots.delete(userId);
    this.groupsByUser.get(userId)?.delete(chatId);
  }

  setCard(chatId: string, userId: string, card: string | undefined): void {
    this.requireMember(this.requireGroup(chatId), userId).card = card;
  }

  setRole(chatId: string, userId: string, role: MemberRole): void {
    this.requireMember(this.requireGroup(chatId), userId).role = role;
  }

  /** Makes a person a friend of a bot account (required for private messages on 'wechat'). */
  befriend(accountId: string, userId: string): void {
    const account = this.requireAccount(accountId);
    const user = this.requireUser(userId);
    if (user.platform !== account.platform) throw new Error(`${userId} and ${accountId} are on different platforms`);
    account.friends.add(userId);
  }

  isFriend(accountId: string, userId: string): boolean {
    return this.accounts.get(accountId)?.friends.has(userId) ?? false;
  }

  /** The account's friends (its contact list). */
  friendsOf(accountId: string): readonly string[] {
    return [...this.requireAccount(accountId).friends];
  }

  /**
   * The account sets a remark (备注) on a contact. As on WeChat, only friends can have one; the
   * platform keeps remarks across logins. Rejects like `botSend` when offline.
   */
  setRemark(accountId: string, userId: string, remark: string): void {
    const account = this.requireAccount(accountId);
    if (!account.online) throw new PlatformUnavailableError(`${accountId} is offline`, true);
    this.requireUser(userId);
    if (!account.friends.has(userId)) throw new PlatformRefusedError('not_friend', `${userId} is not a friend of ${accountId}`);
    account.remarks.set(userId, remark);
  }

  remarkOf(accountId: string, userId: string): string | undefined {
    return this.accounts.get(accountId)?.remarks.get(userId);
  }

  /** The account's adapter hears of the current login (its first, at connect). */
  announceLogin(accountId: string): void {
    const account = this.requireAccount(accountId);
    this.enqueueIfOnline(accountId, { kind: 'login', platform: account.platform, session: account.session, at: this.now() });
  }

  /** The account's current login session: 0 until the first `relogin`. */
  session(accountId: string): number {
    return this.requireAccount(accountId).session;
  }

  /**
   * The account logs in again: a new session, announced to its adapter. On the 'wechat' flavour the
   * adapter then shows new ids for everyone and every room. `loseRemarks` plays the platform losing
   * the account's remarks too (it happens).
   */
  relogin(accountId: string, options: { loseRemarks?: boolean } = {}): number {
    const account = this.requireAccount(accountId);
    account.session += 1;
    if (options.loseRemarks) account.remarks.clear();
    this.enqueueIfOnline(accountId, { kind: 'login', platform: account.platform, session: account.session, at: this.now() });
    return account.session;
  }

  user(userId: string): SimUser | undefined {
    return this.users.get(userId);
  }

  account(accountId: string): SimAccountInfo | undefined {
    const state = this.accounts.get(accountId);
    return state && { accountId: state.accountId, platform: state.platform, online: state.online };
  }

  group(chatId: string): SimGroupInfo | undefined {
    const group = this.groups.get(chatId);
    return group && { platform: group.platform, chatId, name: group.name, memberCount: group.members.size };
  }

  /** Chat ids of the groups a user (or bot account) is in. */
  groupsOf(userId: string): readonly string[] {
    return [...(this.groupsByUser.get(userId) ?? [])];
  }

  isMember(chatId: string, userId: string): boolean {
    return this.groups.get(chatId)?.members.has(userId) ?? false;
  }

  members(chatId: string): MemberInfo[] {
    const group = this.requireGroup(chatId);
    const list: MemberInfo[] = [];
    for (const [userId, member] of group.members) {
      const nickname = this.users.get(userId)?.nickname ?? userId;
      list.push(member.card === undefined ? { userId, nickname, role: member.role } : { userId, nickname, card: member.card, role: member.role });
    }
    return list;
  }

  /** The name a group shows for a member: card (group nickname) first, then nickname. */
  displayName(chatId: string, userId: string): string {
    const card = this.groups.get(chatId)?.members.get(userId)?.card;
    return card ?? this.users.get(userId)?.nickname ?? userId;
  }

  // ---- people talking -----------------------------------------------------------------------

  /** A person posts in a group. Mentions not already typed in the text are prefixed as `@名字 `. */
  say(
    userId: string,
    chatId: string,
    text: string,
    options: { mentions?: readonly string[]; quoteId?: string; appXml?: string; files?: readonly SimFile[] } = {},
  ): SimGroupMessage {
    const group = this.requireGroup(chatId);
    this.requireMember(group, userId);
    const mentions = [...(options.mentions ?? [])];
    const message: SimGroupMessage = {
      id: this.nextMessageId(),
      platform: group.platform,
      chatType: 'group',
      chatId,
      from: userId,
      text: this.withMentions(group, options.files && options.files.length > 0 ? `${text}${fileText(options.files)}` : text, mentions),
      mentions,
      ...(options.quoteId === undefined ? {} : { quoteId: options.quoteId }),
      ...(options.appXml === undefined ? {} : { appXml: options.appXml }),
      ...(options.files && options.files.length > 0 ? { files: [...options.files] } : {}),
      at: this.now(),
    };
    this.post(message, this.senderIn(group, userId));
    return message;
  }

  /** A person writes privately to a bot account. On 'wechat' only friends can. */
  sayPrivate(userId: string, accountId: string, text: string, options: { files?: readonly SimFile[] } = {}): SimPrivateMessage {
    const user = this.requireUser(userId);
    const account = this.requireAccount(accountId);
    if (user.platform !== account.platform) throw new Error(`${userId} and ${accountId} are on different platforms`);
    if (!SIM_CAPABILITIES[account.platform].privateToStrangers && !account.friends.has(userId)) {
      throw new Error(`${userId} is not a friend of ${accountId}`);
    }
    const message: SimPrivateMessage = {
      id: this.nextMessageId(),
      platform: user.platform,
      chatType: 'private',
      toUserId: accountId,
      from: userId,
      text: options.files && options.files.length > 0 ? `${text}${fileText(options.files)}` : text,
      mentions: [],
      ...(options.files && options.files.length > 0 ? { files: [...options.files] } : {}),
      at: this.now(),
    };
    this.post(message, { userId, nickname: user.nickname });
    return message;
  }

  /** The platform delivers a group message to its bots once more (as after a reconnect replay). Needs the transcript. */
  redeliver(messageId: string): void {
    const message = this.entriesById.get(messageId);
    if (!message) throw new Error(this.keepTranscript ? `no message ${messageId}` : 'redeliver needs keepTranscript: true');
    if (message.chatType !== 'group') throw new Error('only group messages are redelivered');
    const group = this.requireGroup(message.chatId);
    this.broadcast(group, { kind: 'message', message, sender: this.senderIn(group, message.from) }, message.from);
  }

  /** The sender withdraws a message. Needs the transcript (the index by id). Private recalls raise no event. */
  recall(messageId: string): void {
    const message = this.entriesById.get(messageId);
    if (!message) {
      throw new Error(this.keepTranscript ? `no message ${messageId}` : 'recall needs keepTranscript: true');
    }
    if (this.recalled.has(messageId)) return;
    this.recalled.add(messageId);
    if (message.chatType !== 'group') return;
    const group = this.requireGroup(message.chatId);
    this.broadcast(group, {
      kind: 'recall',
      platform: group.platform,
      chatId: group.chatId,
      messageId,
      userId: message.from,
      at: this.now(),
    });
  }

  isRecalled(messageId: string): boolean {
    return this.recalled.has(messageId);
  }

  // ---- failure injection --------------------------------------------------------------------

  /** Bots may (not) post files in this group: a refused file send rejects with `file_refused`. */
  setFilesAllowed(chatId: string, allowed: boolean): void {
    this.requireGroup(chatId);
    if (allowed) this.noFiles.delete(chatId);
    else this.noFiles.add(chatId);
  }

  /** The account may (not) send files privately: a refused one rejects with `file_refused`. */
  setPrivateFilesAllowed(accountId: string, allowed: boolean): void {
    this.requireAccount(accountId);
    if (allowed) this.noPrivateFiles.delete(accountId);
    else this.noPrivateFiles.add(accountId);
  }

  /** The bytes of the index-th file of a message (what a bot downloads). */
  fileData(messageId: string, index: number): Uint8Array | undefined {
    return this.entriesById.get(messageId)?.files?.[index]?.data;
  }

  /** Offline: sends and API calls reject with PlatformUnavailableError, and events for the account are lost. */
  setOnline(accountId: string, online: boolean): void {
    this.requireAccount(accountId).online = online;
  }

  /** The next `count` sends of the account reject with `error` and post nothing. */
  failNextSends(accountId: string, count: number, error: Error = new PlatformUnavailableError('injected send failure')): void {
    const account = this.requireAccount(accountId);
    for (let i = 0; i < count; i++) account.injectedFailures.push(error);
  }

  /** The next send is posted on the platform, then the call rejects: the crash after the platform accepted it. */
  postThenFail(accountId: string): void {
    this.requireAccount(accountId).postThenFail += 1;
  }

  // ---- the bot side (used by SimulatorAdapter) ---------------------------------------------

  /**
   * Connects a listener for the account's events. One listener per account.
   * Returns the disconnect function.
   */
  connect(accountId: string, listener: EventListener): () => void {
    const account = this.requireAccount(accountId);
    if (account.listener) throw new Error(`${accountId} is already connected`);
    account.listener = listener;
    return () => {
      if (account.listener === listener) account.listener = undefined;
    };
  }

  /**
   * A bot account posts. Rejects like the platform would: PlatformUnavailableError when offline or injected,
   * PlatformRefusedError (`not_in_group`, `unknown_user`, `not_friend`, `not_reachable`, `too_long`,
   * `too_many_mentions`, `at_all_not_allowed`) when the platform says no.
   */
  botSend(accountId: string, target: SimTarget, post: SimPost): SimMessage {
    const account = this.requireAccount(accountId);
    if (!account.online) throw new PlatformUnavailableError(`${accountId} is offline`, true);
    const injected = account.injectedFailures.shift();
    if (injected) throw injected;
    const message = target.chatType === 'group' ? this.botGroupMessage(account, target.id, post) : this.botPrivateMessage(account, target.id, post);
    this.post(message, this.botSender(account, message));
    if (account.postThenFail > 0) {
      account.postThenFail -= 1;
      throw new PlatformUnavailableError('connection lost after the platform accepted the message');
    }
    return message;
  }

  // ---- transcript ---------------------------------------------------------------------------

  /** Every message posted, in order (live array; empty when keepTranscript is false). */
  transcript(): readonly SimMessage[] {
    return this.entries;
  }

  message(messageId: string): SimMessage | undefined {
    return this.entriesById.get(messageId);
  }

  /** Messages posted so far, also when the transcript is off. */
  messageCount(): number {
    return this.postedCount;
  }

  deliveryOf(deliveryKey: string): DeliveryRecord | undefined {
    return this.deliveries.get(deliveryKey);
  }

  /** Exact answer for `confirmSent`: was a message with this key posted to this target? */
  wasDelivered(target: SimTarget, deliveryKey: string): boolean {
    const delivery = this.deliveries.get(deliveryKey);
    return delivery !== undefined && delivery.chatType === target.chatType && delivery.targetId === target.id;
  }

  /** Posts whose delivery key had been posted before: each one a duplicate notice someone saw. */
  duplicateDeliveries(): number {
    return this.duplicateCount;
  }

  /** Called synchronously for every message posted, by people and bots. Returns the unsubscribe function. */
  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => {
      this.messageListeners.delete(listener);
    };
  }

  /** Delivers every pending event now (including events listeners cause while it runs). */
  async flush(): Promise<void> {
    this.drain();
  }

  // ---- internals ----------------------------------------------------------------------------

  private botGroupMessage(account: AccountState, chatId: string, post: SimPost): SimGroupMessage {
    const group = this.groups.get(chatId);
    const self = group?.members.get(account.accountId);
    if (!group || !self) throw new PlatformRefusedError('not_in_group', `${account.accountId} is not in group ${chatId}`);
    const capabilities = SIM_CAPABILITIES[account.platform];
    const mentions = post.mentions ?? [];
    if (mentions.length > capabilities.maxMentions) {
      throw new PlatformRefusedError('too_many_mentions', `${mentions.length} mentions, at most ${capabilities.maxMentions}`);
    }
    if (mentions.includes(AT_ALL) && self.role === 'member') {
      throw new PlatformRefusedError('at_all_not_allowed', `${account.accountId} is not an admin of ${chatId}`);
    }
    if (post.file && this.noFiles.has(chatId)) throw new PlatformRefusedError('file_refused', `files are closed to members in ${chatId}`);
    const text = post.file ? fileText([post.file]) : this.withMentions(group, post.text, mentions);
    if (!post.file) this.checkLength(account.platform, text);
    return {
      id: this.nextMessageId(),
      platform: account.platform,
      chatType: 'group',
      chatId,
      from: account.accountId,
      text,
      mentions: capabilities.mentionEntities && !post.file ? [...mentions] : [],
      ...this.sentQuote(account.platform, post.quoteId),
      ...(post.file ? { files: [post.file] } : {}),
      at: this.now(),
      deliveryKey: post.deliveryKey,
    };
  }

  private botPrivateMessage(account: AccountState, userId: string, post: SimPost): SimPrivateMessage {
    const user = this.users.get(userId);
    if (!user || user.platform !== account.platform) throw new PlatformRefusedError('unknown_user', `no ${account.platform} user ${userId}`);
    if (!account.friends.has(userId)) {
      if (!SIM_CAPABILITIES[account.platform].privateToStrangers) {
        throw new PlatformRefusedError('not_friend', `${userId} is not a friend of ${account.accountId}`);
      }
      if (!this.sharesGroup(account.accountId, userId)) {
        throw new PlatformRefusedError('not_reachable', `${userId} shares no group with ${account.accountId}`);
      }
    }
    if (post.file && this.noPrivateFiles.has(account.accountId)) throw new PlatformRefusedError('file_refused', `${account.accountId} cannot send files privately`);
    if (!post.file) this.checkLength(account.platform, post.text);
    return {
      id: this.nextMessageId(),
      platform: account.platform,
      chatType: 'private',
      toUserId: userId,
      from: account.accountId,
      text: post.file ? fileText([post.file]) : post.text,
      mentions: [],
      ...this.sentQuote(account.platform, post.quoteId),
      ...(post.file ? { files: [post.file] } : {}),
      at: this.now(),
      deliveryKey: post.deliveryKey,
    };
  }

  private sentQuote(platform: Platform, quoteId: string | undefined): { quoteId?: string } {
    return quoteId !== undefined && SENDS_QUOTES[platform] ? { quoteId } : {};
  }

  private checkLength(platform: Platform, text: string): void {
    const max = SIM_CAPABILITIES[platform].maxMessageChars;
    if (text.length > max) throw new PlatformRefusedError('too_long', `${text.length} characters, at most ${max}`);
  }

  private sharesGroup(accountId: string, userId: string): boolean {
    for (const chatId of this.groupsByUser.get(userId) ?? []) {
      if (this.groups.get(chatId)?.members.has(accountId)) return true;
    }
    return false;
  }

  private withMentions(group: GroupState, text: string, mentions: readonly string[]): string {
    let prefix = '';
    for (const userId of mentions) {
      const tag = userId === AT_ALL ? AT_ALL_TEXT[group.platform] : `@${this.displayName(group.chatId, userId)}`;
      if (!text.includes(tag)) prefix += `${tag} `;
    }
    return prefix + text;
  }

  private senderIn(group: GroupState, userId: string): Sender {
    const nickname = this.users.get(userId)?.nickname ?? userId;
    const card = group.members.get(userId)?.card;
    return card === undefined ? { userId, nickname } : { userId, nickname, card };
  }

  private botSender(account: AccountState, message: SimMessage): Sender {
    if (message.chatType === 'group') return this.senderIn(this.requireGroup(message.chatId), account.accountId);
    return { userId: account.accountId, nickname: this.users.get(account.accountId)?.nickname ?? account.accountId };
  }

  private post(message: SimMessage, sender: Sender): void {
    this.record(message);
    const event: SimEvent = { kind: 'message', message, sender };
    if (message.chatType === 'group') {
      this.broadcast(this.requireGroup(message.chatId), event, message.from);
    } else if (message.toUserId !== message.from) {
      this.enqueueIfOnline(message.toUserId, event);
    }
    for (const listener of this.messageListeners) this.callSafely(listener, message);
  }

  /**
   * A group's messages since a time, oldest first, as the platform keeps them (people's and bots'):
   * what a QQ client's history shows. Needs the transcript.
   */
  groupHistory(chatId: string, since: number): readonly SimGroupMessage[] {
    if (!this.keepTranscript) throw new Error('group history needs keepTranscript: true');
    const list = this.byChat.get(chatId) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid]?.at ?? 0) < since) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo);
  }

  /** The sender of a group message as an event would carry it (nickname, card). */
  senderOf(chatId: string, userId: string): { userId: string; nickname: string; card?: string } {
    const user = this.users.get(userId);
    const card = this.groups.get(chatId)?.members.get(userId)?.card;
    return { userId, nickname: user?.nickname ?? userId, ...(card === undefined ? {} : { card }) };
  }

  private record(message: SimMessage): void {
    this.postedCount += 1;
    if (this.keepTranscript) {
      this.entries.push(message);
      this.entriesById.set(message.id, message);
      if (message.chatType === 'group') {
        let list = this.byChat.get(message.chatId);
        if (!list) this.byChat.set(message.chatId, (list = []));
        list.push(message);
      }
    }
    if (message.deliveryKey === undefined) return;
    const known = this.deliveries.get(message.deliveryKey);
    if (known) {
      known.count += 1;
      this.duplicateCount += 1;
      return;
    }
    const targetId = message.chatType === 'group' ? message.chatId : message.toUserId;
    this.deliveries.set(message.deliveryKey, { chatType: message.chatType, targetId, messageId: message.id, count: 1 });
  }

  private broadcast(group: GroupState, event: SimEvent, exceptUserId?: string): void {
    for (const accountId of group.bots) {
      if (accountId !== exceptUserId) this.enqueueIfOnline(accountId, event);
    }
  }

  private enqueueIfOnline(accountId: string, event: SimEvent): void {
    if (!this.accounts.get(accountId)?.online) return;
    this.pending.push({ accountId, event });
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    for (;;) {
      const item = this.pending[this.pendingHead];
      if (item === undefined) break;
      this.pendingHead += 1;
      this.deliver(item);
    }
    this.pending = [];
    this.pendingHead = 0;
    this.drainScheduled = false;
  }

  private deliver(item: PendingDelivery): void {
    const account = this.accounts.get(item.accountId);
    // Checked again at delivery: going offline drops what was still in flight.
    if (!account?.online || !account.listener) return;
    this.callSafely(account.listener, item.event);
  }

  /** A listener's bug must not turn into a platform failure (a send that posted but rejected). */
  private callSafely<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.onListenerError(error);
    }
  }

  private nextMessageId(): string {
    this.lastMessageId += 1;
    return String(this.lastMessageId);
  }

  private groupSetOf(userId: string): Set<string> {
    let set = this.groupsByUser.get(userId);
    if (!set) {
      set = new Set();
      this.groupsByUser.set(userId, set);
    }
    return set;
  }

  private requireUser(userId: string): SimUser {
    const user = this.users.get(userId);
    if (!user) throw new Error(`no user ${userId}`);
    return user;
  }

  private requireAccount(accountId: string): AccountState {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`no bot account ${accountId}`);
    return account;
  }

  private requireGroup(chatId: string): GroupState {
    const group = this.groups.get(chatId);
    if (!group) throw new Error(`no group ${chatId}`);
    return group;
  }

  private requireMember(group: GroupState, userId: string): MemberState {
    const member = group.members.get(userId);
    if (!member) throw new Error(`${userId} is not in group ${group.chatId}`);
    return member;
  }
}
