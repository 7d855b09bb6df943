import type { Statement } from 'better-sqlite3';
import type { Platform } from '../domain/org.js';
import type { InboundFile } from '../platform/port.js';
import { inboundKey } from './keys.js';
import type { Db } from './db.js';

export interface NewInbound {
  readonly dedupeKey: string;
  readonly platform: Platform;
  readonly accountId: string;
  readonly chatType: 'group' | 'private';
  readonly chatId: string;
  readonly groupId: number | null;
  readonly platformMessageId: string | null;
  readonly senderPlatformId: string;
  readonly senderPersonId: number | null;
  readonly text: string;
  readonly quoteId: string | null;
  readonly at: number;
  /** JSON of the files it carried (`InboundFile[]`); null: none. */
  readonly files?: string | null;
}

export interface InboundRecord extends NewInbound {
  readonly id: number;
  readonly meaning: string | null;
  readonly confidence: number | null;
  readonly directiveId: number | null;
  readonly detail: string | null;
  readonly withdrawnAt: number | null;
}

export interface StandingReply {
  readonly id: number;
  readonly platform: Platform;
  readonly senderPlatformId: string;
  readonly senderPersonId: number | null;
  readonly text: string;
  readonly at: number;
  readonly meaning: 'ack' | 'done';
}

/** One account's sighting of a group message (see inbound_sightings). */
export interface Sighting {
  readonly accountId: string;
  readonly platform: Platform;
  readonly chatId: string;
  readonly platformMessageId: string;
  readonly inboundId: number;
  readonly senderPlatformId: string;
  readonly textHash: string;
  readonly quoteRef: string | null;
  readonly at: number;
}

/** The dedupe key of a group message whose platform id all bot accounts share (QQ's message seq). */
const groupMessageKey = inboundKey.groupMessage;

/** Every inbound message, stored once however many bot accounts saw it. */
export class InboundRepo {
  private readonly insertStmt: Statement;
  private readonly interpretStmt: Statement;
  private nearStmt: Statement | undefined;

  constructor(private readonly db: Db) {
    const c = db.$client;
    this.insertStmt = c.prepare(
      `INSERT INTO inbound_messages (dedupe_key, platform, account_id, chat_type, chat_id, group_id, platform_message_id, sender_platform_id, sender_person_id, text, quote_id, at, files)
       VALUES (@dedupeKey, @platform, @accountId, @chatType, @chatId, @groupId, @platformMessageId, @senderPlatformId, @senderPersonId, @text, @quoteId, @at, @files)
       ON CONFLICT(dedupe_key) DO NOTHING`,
    );
    this.interpretStmt = c.prepare('UPDATE inbound_messages SET meaning = ?, confidence = ?, directive_id = ?, detail = ? WHERE id = ?');
  }

  /** Stores the message; undefined when it was already stored (a duplicate event). */
  insert(message: NewInbound): number | undefined {
    const info = this.insertStmt.run({ ...message, files: message.files ?? null });
    return info.changes === 1 ? Number(info.lastInsertRowid) : undefined;
  }

  /** When the newest stored message of a chat was said (any account's), if any. */
  lastAt(platform: Platform, chatId: string): number | undefined {
    const row = this.db.$client.prepare('SELECT max(at) AS at FROM inbound_messages WHERE platform = ? AND chat_id = ?').get(platform, chatId) as { at: number | null };
    return row.at ?? undefined;
  }

  /** The stored message an account already saw under this id of its own (a redelivery), if any. */
  sighted(accountId: string, platform: Platform, chatId: string, platformMessageId: string): number | undefined {
    const row = this.db.$client
      .prepare('SELECT inbound_id AS id FROM inbound_sightings WHERE account_id = ? AND platform = ? AND chat_id = ? AND platform_message_id = ?')
      .get(accountId, platform, chatId, platformMessageId) as { id: number } | undefined;
    return row?.id;
  }

  /**
   * Which stored message a new sighting is a copy of, where each account numbers messages itself: the
   * account has seen fewer messages from this sender with this text (and no other quote) within
   * ±windowMs than another account has, so one of theirs is this one — the earliest it has not yet
   * matched. Null: as many as anyone, so it is a message of its own. An account never sees one message
   * under two ids, so two real messages alike in everything stay two.
   */
  copyOf(s: Omit<Sighting, 'inboundId' | 'platformMessageId'>, windowMs: number): number | null {
    const rows = this.db.$client
      .prepare(
        `SELECT account_id AS accountId, inbound_id AS inboundId, quote_ref AS quoteRef FROM inbound_sightings
         WHERE platform = ? AND chat_id = ? AND sender_platform_id = ? AND at BETWEEN ? AND ? AND text_hash = ? ORDER BY at, id LIMIT 1000`,
      )
      .all(s.platform, s.chatId, s.senderPlatformId, s.at - windowMs, s.at + windowMs, s.textHash) as { accountId: string; inboundId: number; quoteRef: string | null }[];
    const fits = rows.filter((r) => r.quoteRef === null || s.quoteRef === null || r.quoteRef === s.quoteRef);
    const own = new Set(fits.filter((r) => r.accountId === s.accountId).map((r) => r.inboundId));
    const byAccount = new Map<string, number>();
    for (const r of fits) if (r.accountId !== s.accountId) byAccount.set(r.accountId, (byAccount.get(r.accountId) ?? 0) + 1);
    const most = Math.max(0, ...byAccount.values());
    if (own.size >= most) return null;
    return fits.find((r) => r.accountId !== s.accountId && !own.has(r.inboundId))?.inboundId ?? null;
  }

  /** Records an account's sighting of a stored message. */
  sight(s: Sighting): void {
    this.db.$client
      .prepare(
        `INSERT INTO inbound_sightings (account_id, platform, chat_id, platform_message_id, inbound_id, sender_platform_id, text_hash, quote_ref, at)
         VALUES (@accountId, @platform, @chatId, @platformMessageId, @inboundId, @senderPlatformId, @textHash, @quoteRef, @at) ON CONFLICT DO NOTHING`,
      )
      .run(s);
  }

  /**
   * Whether the same sender said the same text in the same chat within ±windowMs: the same message
   * seen by a second bot account on a platform whose message ids differ per account, when it gives
   * no id at all (with ids, sightings tell copies from repeats).
   */
  nearDuplicate(m: Pick<NewInbound, 'platform' | 'chatId' | 'senderPlatformId' | 'text' | 'at'>, windowMs: number): boolean {
    this.nearStmt ??= this.db.$client.prepare(
      `SELECT 1 AS one FROM inbound_messages WHERE platform = ? AND chat_id = ? AND sender_platform_id = ? AND at BETWEEN ? AND ? AND text = ? LIMIT 1`,
    );
    return this.nearStmt.get(m.platform, m.chatId, m.senderPlatformId, m.at - windowMs, m.at + windowMs, m.text) !== undefined;
  }

  /** Records what the message was taken to mean (and, as JSON, what else was read from it). */
  interpret(id: number, meaning: string, confidence: number | null, directiveId: number | null, detail: object | null = null): void {
    this.interpretStmt.run(meaning, confidence, directiveId, detail === null ? null : JSON.stringify(detail), id);
  }

  /**
   * The stored group message with this platform id (a recall names it so): by its dedupe key where
   * the platform shares message ids across accounts, else among the sender's messages in the chat
   * (the fingerprint index), since each account saw its own id.
   */
  byPlatformMessage(platform: Platform, chatId: string, platformMessageId: string, senderPlatformId: string, accountId?: string): number | null {
    const c = this.db.$client;
    // Where each account numbers messages itself: the account that reports the recall saw it under this id.
    if (accountId !== undefined) {
      const seen = this.sighted(accountId, platform, chatId, platformMessageId);
      if (seen !== undefined) return seen;
    }
    const byKey = c.prepare('SELECT id FROM inbound_messages WHERE dedupe_key = ?').get(groupMessageKey(platform, chatId, platformMessageId)) as
      | { id: number }
      | undefined;
    if (byKey) return byKey.id;
    const row = c
      .prepare(
        'SELECT id FROM inbound_messages WHERE platform = ? AND chat_id = ? AND sender_platform_id = ? AND platform_message_id = ? ORDER BY id LIMIT 1',
      )
      .get(platform, chatId, senderPlatformId, platformMessageId) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** The sender's latest message in the chat since `since` that counted an acknowledgement and still stands. */
  lastCounted(platform: Platform, chatId: string, senderPlatformId: string, since: number, before: number): number | null {
    const row = this.db.$client
      .prepare(
        `SELECT m.id AS id FROM inbound_messages m WHERE m.platform = ? AND m.chat_id = ? AND m.sender_platform_id = ? AND m.at >= ? AND m.id < ?
           AND m.withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM acknowledgements a WHERE a.inbound_id = m.id)
         ORDER BY m.at DESC, m.id DESC LIMIT 1`,
      )
      .get(platform, chatId, senderPlatformId, since, before) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /**
   * Replies still standing in a group that were counted toward a directive, newest first: after a
   * withdrawal, what another message already said may count again. Replies that waited for review
   * (`counted: false`) are not among them.
   */
  standingReplies(groupId: number, directiveId: number, excludeId: number, limit = 200): StandingReply[] {
    return this.db.$client
      .prepare(
        `SELECT id, platform, sender_platform_id AS senderPlatformId, sender_person_id AS senderPersonId, text, at, meaning FROM inbound_messages
         WHERE group_id = ? AND directive_id = ? AND meaning IN ('ack', 'done') AND withdrawn_at IS NULL AND id != ?
           AND (detail IS NULL OR json_extract(detail, '$.counted') IS NOT 0)
         ORDER BY at DESC, id DESC LIMIT ?`,
      )
      .all(groupId, directiveId, excludeId, limit) as StandingReply[];
  }

  markWithdrawn(id: number, at: number): boolean {
    return this.db.$client.prepare('UPDATE inbound_messages SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL').run(at, id).changes === 1;
  }

  get(id: number): InboundRecord | undefined {
    const row = this.db.$client.prepare('SELECT * FROM inbound_messages WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    return {
      id: row['id'] as number,
      dedupeKey: row['dedupe_key'] as string,
      platform: row['platform'] as Platform,
      accountId: row['account_id'] as string,
      chatType: row['chat_type'] as 'group' | 'private',
      chatId: row['chat_id'] as string,
      groupId: row['group_id'] as number | null,
      platformMessageId: row['platform_message_id'] as string | null,
      senderPlatformId: row['sender_platform_id'] as string,
      senderPersonId: row['sender_person_id'] as number | null,
      text: row['text'] as string,
      quoteId: row['quote_id'] as string | null,
      at: row['at'] as number,
      meaning: row['meaning'] as string | null,
      confidence: row['confidence'] as number | null,
      directiveId: row['directive_id'] as number | null,
      detail: row['detail'] as string | null,
      withdrawnAt: row['withdrawn_at'] as number | null,
    };
  }

  count(): number {
    return (this.db.$client.prepare('SELECT count(*) AS n FROM inbound_messages').get() as { n: number }).n;
  }

  /** The platform message id of a stored message, to map a quote of the issuer's post to its directive. */
  directiveOfPlatformMessage(platform: Platform, chatId: string, platformMessageId: string, accountId?: string): number | null {
    // By dedupe key where message ids are shared across accounts; else by what this account saw under that id.
    const inboundId = accountId === undefined ? this.byKey(groupMessageKey(platform, chatId, platformMessageId)) : this.sighted(accountId, platform, chatId, platformMessageId);
    if (inboundId === undefined) return null;
    const row = this.db.$client.prepare('SELECT id FROM directives WHERE origin_inbound_id = ? LIMIT 1').get(inboundId) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /**
   * The files of a message a quote names (`/通知` quoting a file, issue #15), with the account that stored
   * it (whose references they are); null when it carried none or is unknown.
   */
  filesOfPlatformMessage(platform: Platform, chatId: string, platformMessageId: string, accountId?: string): { accountId: string; files: InboundFile[]; personId: number | null } | null {
    const inboundId = accountId === undefined ? this.byKey(groupMessageKey(platform, chatId, platformMessageId)) : this.sighted(accountId, platform, chatId, platformMessageId);
    if (inboundId === undefined) return null;
    const row = this.db.$client.prepare('SELECT account_id, files, sender_person_id FROM inbound_messages WHERE id = ?').get(inboundId) as
      | { account_id: string; files: string | null; sender_person_id: number | null }
      | undefined;
    if (!row?.files) return null;
    return { accountId: row.account_id, files: JSON.parse(row.files) as InboundFile[], personId: row.sender_person_id };
  }

  private byKey(dedupeKey: string): number | undefined {
    return (this.db.$client.prepare('SELECT id FROM inbound_messages WHERE dedupe_key = ?').get(dedupeKey) as { id: number } | undefined)?.id;
  }
}
