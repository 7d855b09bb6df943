/**
 * The narrow slice of an oicq 2.3 / icqq 0.6 `Client` the adapter uses, and the event payloads it
 * reads. Both libraries share this API, so one adapter class serves both. Only plain data fields
 * are read: `e.group`, `e.reply()` and friends exist on real events only, not on injected ones.
 */

/** What `client.on()` gives back: oicq (an EventEmitter) the client itself, icqq a disposer. */
export type ListenResult = unknown;

export interface WireGroupInfo {
  readonly group_id: number;
  readonly group_name: string;
  readonly member_count: number;
}

export interface WireFriendInfo {
  readonly user_id: number;
  readonly nickname: string;
  readonly remark?: string;
}

export interface WireMemberInfo {
  readonly user_id: number;
  readonly nickname: string;
  /** '' when the member set none. */
  readonly card?: string;
  readonly role?: string;
}

export type WireAtElem = { readonly type: 'at'; readonly qq: number | 'all'; readonly text?: string };
export type WireTextElem = { readonly type: 'text'; readonly text: string };
/**
 * A received picture. `file` is the libraries' file parameter, `<md5><size>-<width>-<height>.<ext>`;
 * `url` is where QQ serves it (empty when the packet gave no address). icqq adds `size` and `md5`.
 */
export type WireImageElem = { readonly type: 'image'; readonly file: string; readonly url?: string; readonly size?: number };
/** A group file (`[群文件]`) or a private offline file (`[离线文件]`): always alone in its message. */
export type WireFileElem = { readonly type: 'file'; readonly name: string; readonly fid: string; readonly md5?: string; readonly size?: number };
/** Every other element (face, video, ...): only its rendered `text`, when given, is read. */
export type WireOtherElem = { readonly type: string; readonly text?: string };
export type WireElem = WireAtElem | WireTextElem | WireImageElem | WireFileElem | WireOtherElem;
/** A picture to send: its bytes (the library reads its size and kind from them). */
export type WireImageSend = { readonly type: 'image'; readonly file: Buffer };

/** A quote: which message is answered. `message` is what receivers show when they lack the original. */
export interface WireQuotable {
  readonly user_id: number;
  readonly seq: number;
  readonly rand: number;
  readonly time: number;
  readonly message: string;
}

/** What `sendGroupMsg` / `sendPrivateMsg` accept and resolve with (`time` may be missing for private sends). */
export type WireSendable = string | readonly (string | WireElem | WireImageSend)[];
export interface WireMessageRet {
  readonly message_id: string;
  readonly seq?: number;
  readonly rand?: number;
  readonly time?: number;
}

export interface WireSender {
  readonly user_id: number;
  readonly nickname?: string;
  readonly card?: string;
}

export interface WireGroupMessageEvent {
  readonly group_id: number;
  readonly user_id: number;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly message_id: string;
  readonly atme?: boolean;
  readonly message?: readonly WireElem[];
  readonly raw_message?: string;
  readonly sender?: WireSender;
  readonly source?: { readonly user_id: number; readonly seq: number; readonly rand: number; readonly time: number };
}

export interface WirePrivateMessageEvent {
  readonly sub_type?: string;
  readonly from_id?: number;
  readonly user_id: number;
  readonly time?: number;
  readonly message_id?: string;
  readonly message?: readonly WireElem[];
  readonly raw_message?: string;
  readonly sender?: WireSender;
}

export interface WireMemberNotice {
  readonly group_id: number;
  readonly user_id: number;
  readonly time?: number;
}

export interface WireRecallNotice {
  readonly group_id: number;
  /** The author of the recalled message. */
  readonly user_id: number;
  readonly message_id: string;
  readonly time?: number;
}

export interface WireOfflineEvent {
  readonly message?: string;
}

export interface WireLoginErrorEvent {
  readonly code: number;
  readonly message?: string;
}

/** `system.login.device` also carries a `phone`, which the adapter never reads. */
export interface WireUrlEvent {
  readonly url: string;
}

/** Event names the adapter listens to, as the libraries emit them (and `client.em` replays them). */
export const WIRE_EVENTS = {
  groupMessage: 'message.group',
  privateMessage: 'message.private',
  memberIncrease: 'notice.group.increase',
  memberDecrease: 'notice.group.decrease',
  groupRecall: 'notice.group.recall',
  online: 'system.online',
  offlineNetwork: 'system.offline.network',
  offlineKickoff: 'system.offline.kickoff',
  loginQrcode: 'system.login.qrcode',
  loginSlider: 'system.login.slider',
  loginDevice: 'system.login.device',
  loginError: 'system.login.error',
} as const;

/** `queryQrcodeResult().retcode`: 0 scanned and confirmed; these keep waiting. */
export const QR_WAITING_FOR_SCAN = 48;
export const QR_WAITING_FOR_CONFIRM = 53;

/** What a chat (group, friend, group member) offers for pictures. */
export interface WireImageUploads {
  /**
   * Uploads pictures ahead of a send; resolves with one settled result per picture (a picture the
   * library cannot read or upload is a rejected one, never a rejection of the call). Replaces the
   * array's entries with the library's own image objects.
   */
  uploadImages(images: WireImageSend[]): Promise<readonly PromiseSettledResult<unknown>[]>;
}

/** A group's file system (群文件). */
export interface WireGfs {
  /** Uploads a local file into folder `pid` ('/' is the root); QQ then shows it in the group as a file message. */
  upload(file: string, pid?: string, name?: string): Promise<{ readonly fid: string }>;
  /** Where a group file can be downloaded now. */
  download(fid: string): Promise<{ readonly url: string }>;
}

export interface WireGroup extends WireImageUploads {
  /** Resolves an EMPTY map when the fetch fails (offline, timeout); it never rejects. */
  getMemberMap(noCache?: boolean): Promise<ReadonlyMap<number, WireMemberInfo>>;
  readonly fs: WireGfs;
}

export interface WireFriend extends WireImageUploads {
  /** Sends a local file as an offline file (friends only); resolves with its file id. */
  sendFile(file: string, filename?: string): Promise<string>;
}

export interface WireUser {
  /** Where an offline file this user sent can be downloaded now. */
  getFileUrl(fid: string): Promise<string>;
}

export interface QqClient {
  readonly uin: number;
  /** The account's data folder (the QR code PNG is written there). */
  readonly dir?: string;
  /** Filled at login, just before `system.online`. */
  readonly gl: ReadonlyMap<number, WireGroupInfo>;
  readonly fl: ReadonlyMap<number, WireFriendInfo>;
  /** Member lists loaded so far, by group. */
  readonly gml: ReadonlyMap<number, ReadonlyMap<number, unknown>>;
  on(event: string, listener: (payload: never) => void): ListenResult;
  /** oicq only (EventEmitter); icqq disposes through what `on` returned. */
  removeListener?(event: string, listener: (payload: never) => void): unknown;
  /** oicq `login(password?)`; icqq accepts the same form when the uin was given to the constructor. */
  login(password?: string): Promise<void>;
  logout(keepalive?: boolean): Promise<void>;
  terminate(): void;
  isOnline(): boolean;
  submitSlider(ticket: string): Promise<void>;
  queryQrcodeResult?(): Promise<{ readonly retcode: number }>;
  sendGroupMsg(gid: number, content: WireSendable, source?: WireQuotable): Promise<WireMessageRet>;
  sendPrivateMsg(uid: number, content: WireSendable, source?: WireQuotable): Promise<WireMessageRet>;
  /** A temporary session through a shared group: how a non-friend is reached. */
  sendTempMsg(gid: number, uid: number, content: WireSendable): Promise<WireMessageRet>;
  pickGroup(gid: number): WireGroup;
  pickFriend(uid: number): WireFriend;
  /** A group member: a temporary session, for pictures to someone who is not a friend. */
  pickMember(gid: number, uid: number): WireImageUploads;
  pickUser(uid: number): WireUser;
  /** Recalls one of the account's messages (both libraries; false when the platform refuses). */
  deleteMsg?(messageId: string): Promise<boolean>;
}

/**
 * The libraries' own typings overload `on` per event name and disagree on its return type, which no
 * structural interface can match; their runtime shape is what `QqClient` states (checked by the
 * conformance suite against real offline clients of both packages).
 */
export function asQqClient(client: object): QqClient {
  return client as QqClient;
}
