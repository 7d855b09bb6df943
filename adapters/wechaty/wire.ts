/**
 * The narrow shapes the adapter reads from wechaty and its puppet. The adapter copies what it needs out of
 * wechaty's objects into these plain records, so the codec stays pure and testable without wechaty.
 */
import type { impls } from 'wechaty';

/** The puppet behind a Wechaty bot (wechat4u in production, puppet-mock in tests). */
export type WechatyPuppet = impls.WechatyInterface['puppet'];
export type WechatyBot = impls.WechatyInterface;
export type WechatyRoom = impls.RoomInterface;
export type WechatyContact = impls.ContactInterface;
export type WechatyMessage = impls.MessageInterface;

/** wechaty-puppet's message types the codec tells apart (`types.Message`). */
export const WIRE_MESSAGE_TYPE = Object.freeze({
  /** A file; wechat4u keeps only app message 6 (a file) here, with its name as the payload's `filename`. */
  Attachment: 1,
  Image: 6,
  Text: 7,
  /** wechat4u maps app message 53 (接龙, "group note") here, with the title as text. */
  GroupNote: 10,
  /** Text is the recalled message's id (puppet-mock) or the `revokemsg` system XML (wechat4u). */
  Recalled: 13,
});

/** One message as the puppet showed it, read out of a wechaty Message. */
export interface WireMessage {
  readonly id: string;
  readonly type: number;
  /** Sent by the bot account itself (wechaty re-emits every send). */
  readonly self: boolean;
  readonly talkerId: string;
  readonly talkerName: string;
  readonly roomId?: string;
  /** The talker's group nickname (群昵称) in that room. */
  readonly roomAlias?: string;
  readonly text: string;
  readonly mentionIds: readonly string[];
  readonly mentionsSelf: boolean;
  /** Puppet time: seconds (wechat4u) or milliseconds (puppet-mock). */
  readonly timestamp: number;
  /** The raw message's XML content where the puppet keeps it (wechat4u `Content`), for quotes and 接龙. */
  readonly rawContent?: string;
  /** A file's name as the puppet gives it (wechat4u: the app message's title; none for pictures). */
  readonly fileName?: string;
  /** A file's size in bytes where the raw message gives it (wechat4u `FileSize`). */
  readonly fileSize?: number;
}

/** A puppet `room-join` / `room-leave` event. */
export interface WireMemberChange {
  readonly kind: 'join' | 'leave';
  readonly roomId: string;
  readonly contactIds: readonly string[];
  readonly timestamp: number;
}
