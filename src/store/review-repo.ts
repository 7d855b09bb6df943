import type { Statement } from 'better-sqlite3';
import type { Platform } from '../domain/org.js';
import type { Db } from './db.js';
import type { NewAcknowledgement } from './directive-repo.js';

/** The review label of a `/绑定` held for confirmation (as opposed to a reply counted by name). */
export const SELF_BINDING = 'self_binding';
/** The review label of a `/绑定` no SMS code could prove (no provider, no number, the number's codes used up). */
export const UNPROVED_BINDING = 'unproved_binding';

/** A `/绑定` waiting for a counselor (a conflict, or no proof by SMS), as opposed to a reply counted by name. */
export function isBindingRequest(label: string): boolean {
  return label === SELF_BINDING || label === UNPROVED_BINDING;
}

export type ReviewKind = 'low_confidence' | 'ambiguous' | 'attribution' | 'binding' | 'negative' | 'chain' | 'impersonation' | 'question';
export type ReviewStatus = 'open' | 'confirmed' | 'dismissed' | 'withdrawn';

/** An acknowledgement a review item would record when confirmed (inbound id and time are the item's). */
export type PendingAck = Omit<NewAcknowledgement, 'inboundId' | 'at' | 'via'>;

export interface NewReviewItem {
  readonly kind: ReviewKind;
  readonly inboundId: number;
  readonly groupId: number | null;
  readonly collegeId: number | null;
  readonly classId: number | null;
  readonly senderPersonId: number | null;
  readonly senderName: string;
  readonly label: string;
  readonly confidence: number | null;
  readonly directiveId: number | null;
  readonly pending: readonly PendingAck[];
  readonly suggestedPersonId: number | null;
  /** The account the item is about when it is not the message's sender (a WeChat 接龙 row's author). */
  readonly platformUserId?: string | null;
  /** The part of the message at issue (a 接龙 line), when not the whole reply. */
  readonly excerpt?: string | null;
  readonly createdAt: number;
}

export interface ReviewItem extends NewReviewItem {
  readonly id: number;
  readonly status: ReviewStatus;
  readonly decidedBy: number | null;
  readonly decidedAt: number | null;
  /** The message, as stored. */
  readonly text: string;
  readonly at: number;
  readonly platform: Platform;
  /** Who the item is about: the row author of a WeChat 接龙, else the message's sender. */
  readonly senderPlatformId: string;
}

interface Row {
  id: number;
  kind: ReviewKind;
  inbound_id: number;
  group_id: number | null;
  college_id: number | null;
  class_id: number | null;
  sender_person_id: number | null;
  sender_name: string;
  label: string;
  confidence: number | null;
  directive_id: number | null;
  pending: string;
  suggested_person_id: number | null;
  platform_user_id: string | null;
  excerpt: string | null;
  status: ReviewStatus;
  decided_by: number | null;
  decided_at: number | null;
  created_at: number;
  text: string;
  at: number;
  platform: Platform;
  sender_platform_id: string;
}

function toItem(r: Row): ReviewItem {
  return {
    id: r.id,
    kind: r.kind,
    inboundId: r.inbound_id,
    groupId: r.group_id,
    collegeId: r.college_id,
    classId: r.class_id,
    senderPersonId: r.sender_person_id,
    senderName: r.sender_name,
    label: r.label,
    confidence: r.confidence,
    directiveId: r.directive_id,
    pending: JSON.parse(r.pending) as PendingAck[],
    suggestedPersonId: r.suggested_person_id,
    platformUserId: r.platform_user_id,
    excerpt: r.excerpt,
    createdAt: r.created_at,
    status: r.status,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    text: r.text,
    at: r.at,
    platform: r.platform,
    senderPlatformId: r.platform_user_id ?? r.sender_platform_id,
  };
}

const SELECT = `SELECT r.*, m.text AS text, m.at AS at, m.platform AS platform, m.sender_platform_id AS sender_platform_id
  FROM review_items r JOIN inbound_messages m ON m.id = r.inbound_id`;

/** The review list, the versions of 接龙 lists, and taking acknowledgements back. */
export class ReviewRepo {
  private readonly insertStmt: Statement;
  private readonly chainGet: Statement<[Platform, string, string], { id: number; directive_id: number | null; lines: string; updated_at: number }>;
  private readonly chainUpsert: Statement;

  constructor(private readonly db: Db) {
    const c = db.$client;
    this.insertStmt = c.prepare(
      `INSERT INTO review_items (kind, inbound_id, group_id, college_id, class_id, sender_person_id, sender_name, label, confidence, directive_id, pending, suggested_person_id, platform_user_id, excerpt, status, created_at)
       VALUES (@kind, @inboundId, @groupId, @collegeId, @classId, @senderPersonId, @senderName, @label, @confidence, @directiveId, @pending, @suggestedPersonId, @platformUserId, @excerpt, 'open', @createdAt)`,
    );
    this.chainGet = c.prepare('SELECT id, directive_id, lines, updated_at FROM chains WHERE platform = ? AND chat_id = ? AND key = ?');
    this.chainUpsert = c.prepare(
      `INSERT INTO chains (platform, chat_id, key, directive_id, lines, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(platform, chat_id, key) DO UPDATE SET lines = excluded.lines, updated_at = excluded.updated_at,
         directive_id = excluded.directive_id
       WHERE excluded.updated_at >= chains.updated_at`,
    );
  }

  add(item: NewReviewItem): number {
    const info = this.insertStmt.run({ platformUserId: null, excerpt: null, ...item, pending: JSON.stringify(item.pending) });
    return Number(info.lastInsertRowid);
  }

  get(id: number): ReviewItem | undefined {
    const row = this.db.$client.prepare(`${SELECT} WHERE r.id = ?`).get(id) as Row | undefined;
    return row ? toItem(row) : undefined;
  }

  /** Open items, oldest first. */
  open(limit = 10_000): ReviewItem[] {
    return (this.db.$client.prepare(`${SELECT} WHERE r.status = 'open' ORDER BY r.id LIMIT ?`).all(limit) as Row[]).map(toItem);
  }

  /** Open items that would count toward this directive. */
  openForDirective(directiveId: number): ReviewItem[] {
    return (
      this.db.$client.prepare(`${SELECT} WHERE r.status = 'open' AND r.directive_id = ? ORDER BY r.id`).all(directiveId) as Row[]
    ).map(toItem);
  }

  /** Settles an open item; false when it was already settled. */
  decide(id: number, status: 'confirmed' | 'dismissed', by: number, at: number): boolean {
    const info = this.db.$client
      .prepare(`UPDATE review_items SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'open'`)
      .run(status, by, at, id);
    return info.changes === 1;
  }

  /** The sender's latest message in the group since `since` (and before inbound `before`) with an open item; null if none. */
  lastOpenFrom(senderPlatformId: string, groupId: number, since: number, before: number): number | null {
    const row = this.db.$client
      .prepare(
        `SELECT m.id AS id FROM review_items r JOIN inbound_messages m ON m.id = r.inbound_id
         WHERE r.status = 'open' AND m.sender_platform_id = ? AND m.group_id = ? AND m.at >= ? AND m.id < ? AND m.withdrawn_at IS NULL
         ORDER BY m.at DESC, m.id DESC LIMIT 1`,
      )
      .get(senderPlatformId, groupId, since, before) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Closes the open items of a withdrawn message. */
  withdrawFor(inboundId: number, at: number): number {
    return this.db.$client
      .prepare(`UPDATE review_items SET status = 'withdrawn', decided_at = ? WHERE inbound_id = ? AND status = 'open'`)
      .run(at, inboundId).changes;
  }

  /** Binds a platform account to a person as confirmed by a reviewer; false when the account is already bound. */
  bind(platform: Platform, platformUserId: string, personId: number, at: number): boolean {
    return (
      this.db.$client
        .prepare(`INSERT INTO bindings (platform, platform_user_id, person_id, source, created_at) VALUES (?, ?, ?, 'confirmed', ?) ON CONFLICT DO NOTHING`)
        .run(platform, platformUserId, personId, at).changes === 1
    );
  }

  /** The latest version of a 接龙 in a chat: its lines and the directive it answers; undefined for a new one. */
  chain(platform: Platform, chatId: string, key: string): { directiveId: number | null; lines: string[]; updatedAt: number } | undefined {
    const row = this.chainGet.get(platform, chatId, key);
    return row ? { directiveId: row.directive_id, lines: JSON.parse(row.lines) as string[], updatedAt: row.updated_at } : undefined;
  }

  /** Stores a version of a chain unless a later one (by platform time) is already stored. */
  saveChain(platform: Platform, chatId: string, key: string, directiveId: number | null, lines: readonly string[], at: number): void {
    this.chainUpsert.run(platform, chatId, key, directiveId, JSON.stringify(lines), at);
  }
}
