/**
 * What an event may carry into the app, whatever a platform sends: a text cut to `maxChars` (and
 * marked, so the tail of a huge message never counts as a reply), short names, a bounded mention
 * list, and a time within a day of its receipt. Applied once, where adapters hand events to the app,
 * before anything is queued or stored; linear in the event's size.
 */
import type { InboundEvent, InboundMessage } from './port.js';

export interface InboundBounds {
  readonly maxChars: number;
  /** When the event was received, epoch ms. */
  readonly now: number;
}

/** A name (nickname, card) longer than this is cut: the platforms allow about 60. */
const MAX_NAME_CHARS = 64;
const MAX_MENTIONS = 200;
const MAX_SOLITAIRE_ENTRIES = 1_000;
/** Files in one message: QQ allows about 20 pictures in one message. */
const MAX_FILES = 20;
/** A file reference (a URL, an id): longer is not one. */
const MAX_REF_CHARS = 4_096;
const DAY_MS = 24 * 60 * 60 * 1000;

export function boundInbound(ev: InboundEvent, bounds: InboundBounds): InboundEvent {
  const at = Math.abs(ev.at - bounds.now) > DAY_MS || !Number.isFinite(ev.at) ? bounds.now : ev.at;
  if (ev.kind !== 'message') return at === ev.at ? ev : { ...ev, at };
  return boundMessage({ ...ev, at }, bounds.maxChars);
}

function boundMessage(ev: InboundMessage, maxChars: number): InboundMessage {
  const long = ev.text.length > maxChars;
  const sender = {
    ...ev.sender,
    nickname: cut(ev.sender.nickname, MAX_NAME_CHARS),
    ...(ev.sender.card === undefined ? {} : { card: cut(ev.sender.card, MAX_NAME_CHARS) }),
  };
  const solitaire = ev.solitaire && {
    title: cut(ev.solitaire.title, MAX_NAME_CHARS * 4),
    entries: ev.solitaire.entries.slice(0, MAX_SOLITAIRE_ENTRIES).map((e) => ({ ...e, text: cut(e.text, MAX_NAME_CHARS * 4) })),
  };
  return {
    ...ev,
    sender,
    text: long ? cut(ev.text, maxChars) : ev.text,
    mentions: ev.mentions.length > MAX_MENTIONS ? ev.mentions.slice(0, MAX_MENTIONS) : ev.mentions,
    ...(solitaire ? { solitaire } : {}),
    ...(ev.files ? { files: ev.files.slice(0, MAX_FILES).filter((f) => f.ref.length <= MAX_REF_CHARS).map((f) => ({ ...f, name: cut(f.name, MAX_NAME_CHARS * 2) })) } : {}),
    ...(long ? { truncatedFrom: ev.text.length } : {}),
  };
}

/** The first `max` UTF-16 units, never ending inside a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
