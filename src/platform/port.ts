/**
 * The one interface every chat platform adapter implements (simulator, OneBot v11, oicq/icqq, wechaty).
 * Shaped by what the real platforms offer; see ../shared/PLATFORMS.md.
 */
import type { Platform } from '../domain/org.js';

/** What differs between platforms; the app reads these instead of asking which platform it is. */
export interface AdapterCapabilities {
  /** QQ returns a message id for a sent message; wechat4u does not. */
  readonly sentMessageIds: boolean;
  /** Whether @-mentions are real mention entities (QQ) or only `@名字` text (wechat4u). */
  readonly mentionEntities: boolean;
  readonly quoteReply: boolean;
  /** Whether the bot can message a group member who is not its friend. */
  readonly privateToStrangers: boolean;
  /** Longest text the platform delivers in one message. */
  readonly maxMessageChars: number;
  /** Most @-mentions practical in one message. */
  readonly maxMentions: number;
  /** Whether user and group ids survive a re-login (false for wechat4u). */
  readonly stableIds: boolean;
  /**
   * Whether two bot accounts in one group see the same message id for the same message (QQ's
   * message seq, yes; WeChat, no). Without it, duplicates are found by sender, text and time.
   */
  readonly crossAccountMessageIds: boolean;
  /**
   * What files the bot can post (issue #15): pictures and files into groups and privately, up to a size.
   * A chat that cannot take a file gets a line saying how to obtain it instead.
   */
  readonly files: FileCapabilities;
}

export interface FileCapabilities {
  readonly groupImages: boolean;
  readonly groupFiles: boolean;
  readonly privateImages: boolean;
  readonly privateFiles: boolean;
  /** The largest file the platform takes from a bot, in bytes. */
  readonly maxBytes: number;
}

export type FileKind = 'image' | 'file';

/**
 * A file or picture a message carried, as the platform describes it. Its bytes are fetched only when
 * wanted (`ChatAdapter.fetchFile`): `ref` is what the adapter needs for that (a URL, a file id), opaque to the app.
 */
export interface InboundFile {
  readonly kind: FileKind;
  readonly name: string;
  readonly size?: number;
  readonly ref: string;
}

/** A file the bot posts: its bytes are at `path` (under the data directory). */
export interface OutboundFile {
  readonly kind: FileKind;
  readonly name: string;
  readonly path: string;
  readonly size: number;
}

/** Whether a chat of this type can take this file from the bot. */
export function canCarry(files: FileCapabilities, chatType: 'group' | 'private', file: Pick<OutboundFile, 'kind' | 'size'>): boolean {
  if (file.size > files.maxBytes) return false;
  if (chatType === 'group') return file.kind === 'image' ? files.groupImages : files.groupFiles;
  return file.kind === 'image' ? files.privateImages : files.privateFiles;
}

export interface Sender {
  readonly userId: string;
  readonly nickname: string;
  /** Group card / room alias, when the platform gives one. */
  readonly card?: string;
}

export type ChatRef = { readonly type: 'group'; readonly chatId: string } | { readonly type: 'private' };

export interface InboundMessage {
  readonly kind: 'message';
  readonly platform: Platform;
  /** The bot account that saw it. */
  readonly accountId: string;
  readonly chat: ChatRef;
  /** The platform's id for the message; absent when the platform gives none. */
  readonly messageId?: string;
  readonly sender: Sender;
  /** Plain text with mentions rendered as `@名字`. */
  readonly text: string;
  /** Platform user ids mentioned; `all` for @全体成员. */
  readonly mentions: readonly string[];
  readonly mentionsBot: boolean;
  /** Id of the message this one quotes, when it is a quote-reply. */
  readonly quoteId?: string;
  /** Platform time, epoch ms. */
  readonly at: number;
  /**
   * A native WeChat 接龙 (app message type 53), parsed by the adapter: each entry carries the wxid of
   * whoever wrote it. `text` then holds the list as people see it.
   */
  readonly solitaire?: {
    readonly title: string;
    readonly entries: readonly { readonly index: number; readonly text: string; readonly userId?: string }[];
  };
  /** Set when the text was longer than the app keeps (`inbound.maxChars`): `text` is its head, and it never counts as a reply. */
  readonly truncatedFrom?: number;
  /** Files and pictures the message carried (`text` holds a placeholder such as `[图片]` for each). */
  readonly files?: readonly InboundFile[];
}

export interface MemberEvent {
  readonly kind: 'member_join' | 'member_leave';
  readonly platform: Platform;
  readonly accountId: string;
  readonly chatId: string;
  readonly userId: string;
  readonly at: number;
}

export interface RecallEvent {
  readonly kind: 'recall';
  readonly platform: Platform;
  readonly accountId: string;
  readonly chatId: string;
  readonly messageId: string;
  readonly userId: string;
  readonly at: number;
}

/**
 * The account logged in: emitted at every login, the first included, whether it happens before
 * `start()` resolves or later (after a QR scan, a reconnect, a re-login). Where ids are not stable
 * (`capabilities.stableIds` false, wechat4u) every contact and room id may have changed: the app
 * re-resolves them (src/app/session-ids.ts). Never queued as an inbound job.
 */
export interface LoginEvent {
  readonly kind: 'login';
  readonly platform: Platform;
  readonly accountId: string;
  readonly at: number;
  /** A login again after the account was away: since when (what happened meanwhile the events did not carry). */
  readonly offlineSince?: number;
}

export type InboundEvent = InboundMessage | MemberEvent | RecallEvent | LoginEvent;

export interface OutboundMessage {
  readonly text: string;
  /** Platform user ids to @-mention; the adapter renders them as the platform does. */
  readonly mentions?: readonly string[];
  readonly quoteId?: string;
  /**
   * The ledger key of this delivery. Adapters that can find their own past messages use it in
   * `confirmSent` to settle a send whose outcome a crash hid.
   */
  readonly deliveryKey: string;
  /**
   * A file or picture to post: the adapter posts the file (its text, if any, is left out). Only sent
   * where `capabilities.files` says the chat can take it; a platform refusing it throws
   * `PlatformRefusedError('file_refused')`, and the app posts a line saying how to obtain it instead.
   */
  readonly file?: OutboundFile;
}

export interface SendReceipt {
  /** Absent where the platform gives none (wechat4u). */
  readonly messageId?: string;
  readonly at: number;
}

export interface GroupInfo {
  readonly chatId: string;
  readonly name: string;
  readonly memberCount: number;
}

export interface MemberInfo {
  readonly userId: string;
  readonly nickname: string;
  readonly card?: string;
  readonly role: 'owner' | 'admin' | 'member';
  /** The remark (备注) the bot account set on this person, where the platform shows it. */
  readonly remark?: string;
}

/** A contact (friend) of the bot account. */
export interface ContactInfo {
  readonly userId: string;
  readonly nickname: string;
  readonly remark?: string;
}

export type InboundSink = (event: InboundEvent) => void;

/** A person's step in a login (oicq/icqq's slider and device checks). */
export type LoginStep = { readonly kind: 'ticket'; readonly ticket: string } | { readonly kind: 'resume' };

/** How an account's connection is doing, for `cascade accounts` and the operators. */
export interface AdapterStatus {
  /**
   * `online`: connected and logged in. `connecting`: (re)connecting or logging in. `login_required`:
   * a person must act (scan a QR code, solve a slider, verify a device). `offline`: stopped or given up.
   */
  readonly state: 'online' | 'connecting' | 'login_required' | 'offline';
  /** When the state last changed, epoch ms. */
  readonly since: number;
  /** The last sign of life from the platform (a heartbeat, any event), epoch ms. */
  readonly lastHeartbeatAt?: number;
  /** A short reason in English, e.g. `heartbeat lost`, `scan the QR code`. Never a phone number or a message. */
  readonly detail?: string;
  /**
   * While `login_required` by a QR code (WeChat): the text the code holds, for the console to render
   * (renewed as the platform renews the code). Never logged.
   */
  readonly loginQr?: string;
}

/**
 * Refusal codes adapters use in `PlatformRefusedError.code`, so the app treats platforms alike.
 * `risk_control` (oicq -70/-80, "发送消息过于频繁"), `muted` and `rate_limited` are risk signals: the account's
 * circuit breaker stops its sends.
 */
export const REFUSAL_CODES = [
  'too_long',
  'too_many_mentions',
  'not_in_group',
  'not_friend',
  'unknown_user',
  'muted',
  'risk_control',
  'rate_limited',
  'at_all_quota',
  'at_all_not_allowed',
  'bad_request',
  'file_refused',
  'refused',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface ChatAdapter {
  readonly platform: Platform;
  readonly accountId: string;
  /** The bot's own user id on the platform (what mentions of it carry). */
  readonly selfId: string;
  readonly capabilities: AdapterCapabilities;
  /**
   * Connects and starts delivering events to the sink. Resolves when the account is online, or when
   * it waits for a person (a QR code to scan: `status().state` is `login_required`); it never waits
   * for a human. Rejects only for a configuration error. Emits `login` at every login.
   */
  start(sink: InboundSink): Promise<void>;
  stop(): Promise<void>;
  sendGroup(chatId: string, message: OutboundMessage): Promise<SendReceipt>;
  sendPrivate(userId: string, message: OutboundMessage): Promise<SendReceipt>;
  /**
   * Recalls one of the bot's own group messages (OneBot `delete_msg`, oicq `deleteMsg`), where the
   * platform allows (about two minutes after sending). Throws when it cannot; the caller then posts a
   * withdrawal notice instead. Absent where the bot cannot recall at all.
   */
  recall?(chatId: string, messageId: string): Promise<void>;
  listGroups(): Promise<readonly GroupInfo[]>;
  listMembers(chatId: string): Promise<readonly MemberInfo[]>;
  /** The connection's state; adapters of real platforms give it. */
  status?(): AdapterStatus;
  /**
   * An operator's step in a login that waits for a person (`cascade login`): the slider ticket, or
   * "I verified the device, log in again". Adapters without such steps leave it out.
   */
  loginStep?(step: LoginStep): Promise<void>;
  /** The account's contacts (friends), where the platform lists them. */
  listContacts?(): Promise<readonly ContactInfo[]>;
  /**
   * Sets the account's remark (备注) on a contact, where the platform allows it (WeChat: friends
   * only). Cascade writes `姓名·学号` so the next login finds the person again.
   */
  setRemark?(userId: string, remark: string): Promise<void>;
  /**
   * After a crash between "sending" and "sent": was this delivery posted? `unknown` when the
   * platform cannot tell, in which case the ledger marks it uncertain rather than risk a duplicate.
   */
  confirmSent?(target: { chatType: 'group' | 'private'; id: string }, deliveryKey: string): Promise<'sent' | 'not_sent' | 'unknown'>;
  /**
   * A group's recent messages as the platform keeps them (OneBot `get_group_msg_history`), the bot's
   * own included, oldest first: what lets a send whose outcome is unknown be settled, and replies
   * sent while the bot was away be caught up. Reads back to `since` where it can; `complete` says
   * whether it got there. Rejects when the platform cannot be asked now.
   */
  history?(chatId: string, since: number): Promise<HistoryPage>;
  /**
   * The bytes of a file or picture a message carried (`InboundMessage.files`), read with the account
   * that saw it. Rejects when the platform no longer gives it; absent where the adapter cannot fetch files.
   */
  fetchFile?(file: InboundFile, where: { readonly chatType: 'group' | 'private'; readonly chatId: string }): Promise<Uint8Array>;
}

/** A group's messages since a time, as `ChatAdapter.history` reads them. */
export interface HistoryPage {
  /** Oldest first; others' messages as the live events would have carried them. */
  readonly messages: readonly HistoryMessage[];
  /** True when the messages reach back to `since` (nothing between then and the newest is missing). */
  readonly complete: boolean;
}

export type HistoryMessage = { readonly self: true; readonly messageId?: string; readonly text: string; readonly at: number; /** Names of the files it carried. */ readonly files?: readonly string[] } | { readonly self: false; readonly event: InboundMessage };

/** The platform refused the send (muted, risk control, too long). Retrying will not help. */
export class PlatformRefusedError extends Error {
  override readonly name = 'PlatformRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The connection failed or timed out. The send may be retried. `definitelyNotSent` is true only when
 * the adapter knows the platform never received it (e.g. not connected); otherwise the outcome is
 * unknown and the outbox asks `confirmSent` before trying again.
 */
export class PlatformUnavailableError extends Error {
  override readonly name = 'PlatformUnavailableError';
  constructor(
    message: string,
    readonly definitelyNotSent = false,
    /** A send that timed out on a link still alive: resolves with the receipt should the answer still come (else never, or undefined). */
    readonly late?: Promise<SendReceipt | undefined>,
  ) {
    super(message);
  }
}
