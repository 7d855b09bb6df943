/**
 * OneBot v11 wire types (spec: botuniverse/onebot-11), as implementations really send them.
 * Ids are `number | string` everywhere: the spec says numbers, but onebots and newer NapCat builds
 * have sent strings. Fields the spec calls "best effort" are optional.
 */

export type WireId = number | string;

/** One message segment. Array-form data values are strings (the spec), but tolerate anything. */
export interface WireSegment {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface TextSegment extends WireSegment {
  readonly type: 'text';
  readonly data: { readonly text: string };
}

export interface AtSegment extends WireSegment {
  readonly type: 'at';
  /** `qq` is a user id or `all`; NapCat adds the display `name`. */
  readonly data: { readonly qq: WireId; readonly name?: string };
}

export interface ReplySegment extends WireSegment {
  readonly type: 'reply';
  readonly data: { readonly id: WireId };
}

export interface FaceSegment extends WireSegment {
  readonly type: 'face';
  readonly data: { readonly id: WireId };
}

/** The array form, or the CQ-code string form (the spec's default `message_format`). */
export type WireMessage = string | readonly WireSegment[];

export interface WireSender {
  readonly user_id?: WireId;
  readonly nickname?: string;
  readonly card?: string;
  readonly role?: string;
}

interface WireEventBase {
  /** Epoch seconds. */
  readonly time?: number;
  readonly self_id?: WireId;
}

interface WireMessageBase extends WireEventBase {
  /** `message_sent`: NapCat's report of the bot's own messages (`reportSelfMessage`). */
  readonly post_type: 'message' | 'message_sent';
  readonly sub_type?: string;
  readonly message_id: WireId;
  readonly user_id: WireId;
  readonly message: WireMessage;
  readonly raw_message?: string;
  readonly sender?: WireSender;
}

export interface WireGroupMessageEvent extends WireMessageBase {
  readonly message_type: 'group';
  readonly group_id: WireId;
}

export interface WirePrivateMessageEvent extends WireMessageBase {
  readonly message_type: 'private';
}

export type WireMessageEvent = WireGroupMessageEvent | WirePrivateMessageEvent;

export interface WireGroupMemberNotice extends WireEventBase {
  readonly post_type: 'notice';
  readonly notice_type: 'group_increase' | 'group_decrease';
  /** increase: approve|invite; decrease: leave|kick|kick_me. */
  readonly sub_type?: string;
  readonly group_id: WireId;
  readonly user_id: WireId;
  readonly operator_id?: WireId;
}

export interface WireGroupRecallNotice extends WireEventBase {
  readonly post_type: 'notice';
  readonly notice_type: 'group_recall';
  readonly group_id: WireId;
  /** The author of the recalled message. */
  readonly user_id: WireId;
  readonly operator_id?: WireId;
  readonly message_id: WireId;
}

export interface WireFriendRecallNotice extends WireEventBase {
  readonly post_type: 'notice';
  readonly notice_type: 'friend_recall';
  readonly user_id: WireId;
  readonly message_id: WireId;
}

export interface WireOtherNotice extends WireEventBase {
  readonly post_type: 'notice' | 'request';
  readonly notice_type?: string;
}

export interface WireLifecycleEvent extends WireEventBase {
  readonly post_type: 'meta_event';
  readonly meta_event_type: 'lifecycle';
  readonly sub_type: 'enable' | 'disable' | 'connect';
}

export interface WireHeartbeatEvent extends WireEventBase {
  readonly post_type: 'meta_event';
  readonly meta_event_type: 'heartbeat';
  /** `online: false`: connected, but the QQ account itself is offline. */
  readonly status?: { readonly online?: boolean; readonly good?: boolean };
  /** Ms until the next heartbeat. */
  readonly interval?: number;
}

/** A file uploaded to the group's files (v11 `group_upload`): no message id; `get_group_file_url` gives its address. */
export interface WireGroupUploadNotice extends WireEventBase {
  readonly post_type: 'notice';
  readonly notice_type: 'group_upload';
  readonly group_id: WireId;
  readonly user_id: WireId;
  readonly file: { readonly id: string; readonly name: string; readonly size?: number; readonly busid?: number };
}

export type WireNoticeEvent = WireGroupMemberNotice | WireGroupRecallNotice | WireFriendRecallNotice | WireGroupUploadNotice;
export type WireMetaEvent = WireLifecycleEvent | WireHeartbeatEvent;
export type WireEvent = WireMessageEvent | WireNoticeEvent | WireOtherNotice | WireMetaEvent;

/** A call: `{action, params, echo}`; the answer carries the same echo. */
export interface WireRequest {
  readonly action: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly echo: string;
}

/**
 * A call's answer. `ok` ⇔ retcode 0; `async` ⇔ retcode 1 (queued, outcome unknown); `failed` otherwise.
 * The human reason is in `message`/`wording` (NapCat) or `msg`/`wording` (go-cqhttp).
 */
export interface WireResponse {
  readonly status: 'ok' | 'async' | 'failed';
  readonly retcode: number;
  readonly data: unknown;
  readonly echo?: unknown;
  readonly message?: string;
  readonly wording?: string;
  readonly msg?: string;
}

/** `get_login_info` data. */
export interface WireLoginInfo {
  readonly user_id: WireId;
  readonly nickname?: string;
}

/** One entry of `get_group_list`. */
export interface WireGroupInfo {
  readonly group_id: WireId;
  readonly group_name?: string;
  readonly member_count?: number;
  readonly max_member_count?: number;
}

/** One entry of `get_group_member_list` (best effort, may be stale). */
export interface WireMemberInfo {
  readonly group_id?: WireId;
  readonly user_id: WireId;
  readonly nickname?: string;
  readonly card?: string;
  readonly role?: string;
}

/** One entry of `get_friend_list`. */
export interface WireFriendInfo {
  readonly user_id: WireId;
  readonly nickname?: string;
  readonly remark?: string;
}

/** Well-known retcodes (WS path). NapCat's 1200 means "the handler threw": the reason is only in the text. */
export const RETCODE = Object.freeze({
  ok: 0,
  async: 1,
  badRequest: 1400,
  unauthorized: 1401,
  forbidden: 1403,
  unknownAction: 1404,
  handlerFailed: 1200,
});
