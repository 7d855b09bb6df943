import type { Statement } from 'better-sqlite3';
import type { Platform } from '../domain/org.js';
import type { Db } from './db.js';
import { groupCommit, type GroupCommit } from './group-commit.js';
import { NOTICE_SUFFIX } from './keys.js';

export type DeliveryStatus = 'planned' | 'sending' | 'sent' | 'uncertain' | 'failed' | 'manual';
/**
 * A delivery's place in its account's send queue: `first` goes to the head (answers to staff),
 * `queued` to the tail in order (directive posts, reminders), `last` after every post waiting
 * (answers to people without a staff role: a flood of them cannot delay a directive).
 */
export type Lane = 'first' | 'queued' | 'last';

/** The lane of a delivery that names none: posts and reminders in order, answers first. */
export function laneOf(purpose: DeliveryPurpose, lane: Lane | null | undefined): Lane {
  return lane ?? (purpose === 'directive' || purpose === 'attachment' || purpose === 'notice' || purpose === 'withdrawal' || purpose === 'correction' ? 'queued' : 'first');
}
/**
 * `notice`: a reminder, nag or summary of the chaser; `withdrawal`: a directive's post recalled (or a
 * withdrawal notice where it cannot be); `correction`: a directive's correction (`/更正`); `attachment`: a
 * file or picture of a directive, posted right after its text.
 */
export type DeliveryPurpose = 'directive' | 'reply' | 'private' | 'notice' | 'withdrawal' | 'correction' | 'attachment';

export interface PlannedDelivery {
  /** Deterministic: planning the same delivery twice yields one row. */
  readonly key: string;
  readonly purpose: DeliveryPurpose;
  readonly directiveId: number | null;
  readonly groupId: number | null;
  readonly accountId: string;
  readonly platform: Platform;
  readonly chatType: 'group' | 'private';
  readonly target: string;
  readonly text: string;
  readonly mentions: readonly string[];
  readonly quoteId: string | null;
  /** Default: from the purpose (see laneOf). */
  readonly lane?: Lane;
  /** A withdrawal: the platform id of the post to recall (else `text` is posted). */
  readonly recallOf?: string | null;
  /** A file to post (`attachments.id`); `text` is the line posted instead where the chat cannot take it. */
  readonly attachmentId?: number | null;
}

export interface Delivery extends PlannedDelivery {
  readonly id: number;
  readonly lane: Lane;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly platformMessageId: string | null;
  readonly plannedAt: number;
  readonly sentAt: number | null;
  readonly error: string | null;
  /** A manual task: the person asked to post it; who confirmed it (`/已转发`). */
  readonly manualPersonId: number | null;
  readonly manualDoneBy: number | null;
  readonly attachmentId: number | null;
  /** Why its file was not posted and its text went instead; null when the file went (or it has none). */
  readonly fileFallback: string | null;
}

/** A delivery waiting for a person: to post it by hand (`post`), or to look whether a bot's post is there (`check`). */
export interface ManualTask {
  readonly id: number;
  readonly kind: 'post' | 'check';
  readonly groupId: number | null;
  readonly directiveId: number | null;
  readonly text: string;
  readonly personId: number | null;
  readonly since: number;
  readonly reason: string | null;
}

/** A directive's file post into one platform group. */
export interface AttachmentPost {
  readonly id: number;
  readonly groupId: number | null;
  readonly attachmentId: number;
  readonly status: DeliveryStatus;
  /** Why the line went instead of the file; null when the file went. */
  readonly fileFallback: string | null;
  readonly accountId: string;
  readonly target: string;
  readonly platform: Platform;
  readonly platformMessageId: string | null;
  readonly sentAt: number | null;
}

/** Where a directive's post into one group stands (what `/进度` says of the posts not known to be there). */
export interface PostState {
  readonly id: number;
  readonly groupId: number;
  readonly status: DeliveryStatus;
  readonly manualKind: 'post' | 'check' | null;
  readonly plannedAt: number;
}

interface DeliveryRow {
  id: number;
  key: string;
  purpose: DeliveryPurpose;
  directive_id: number | null;
  group_id: number | null;
  account_id: string;
  platform: Platform;
  chat_type: 'group' | 'private';
  target: string;
  text: string;
  mentions: string;
  quote_id: string | null;
  recall_of: string | null;
  status: DeliveryStatus;
  attempts: number;
  platform_message_id: string | null;
  planned_at: number;
  sent_at: number | null;
  error: string | null;
  manual_person_id: number | null;
  manual_done_by: number | null;
  lane: Lane | null;
  attachment_id: number | null;
  file_fallback: string | null;
}

const NO_MENTIONS: readonly string[] = Object.freeze([]);

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    key: row.key,
    purpose: row.purpose,
    directiveId: row.directive_id,
    groupId: row.group_id,
    accountId: row.account_id,
    platform: row.platform,
    chatType: row.chat_type,
    target: row.target,
    text: row.text,
    mentions: row.mentions === '[]' ? NO_MENTIONS : (JSON.parse(row.mentions) as string[]),
    quoteId: row.quote_id,
    recallOf: row.recall_of,
    status: row.status,
    attempts: row.attempts,
    platformMessageId: row.platform_message_id,
    plannedAt: row.planned_at,
    sentAt: row.sent_at,
    error: row.error,
    manualPersonId: row.manual_person_id,
    manualDoneBy: row.manual_done_by,
    lane: laneOf(row.purpose, row.lane),
    attachmentId: row.attachment_id,
    fileFallback: row.file_fallback,
  };
}

/**
 * Learns when a directive's post reached its group well after it was planned (posted by hand, found in
 * the history after an outage, sent after a long wait): the chaser owes its readers from then.
 */
export interface LedgerWatcher {
  posted(directiveId: number, groupId: number, at: number): void;
}

/** A post sent within this long of its planning is on time: the chase counts from its release as planned. */
const LATE_POST_MS = 60_000;

interface PostedRow {
  purpose: DeliveryPurpose;
  chat_type: 'group' | 'private';
  directive_id: number | null;
  group_id: number | null;
  planned_at: number;
}

/** Deliveries being sent right now, per database connection (shared by every app built on it in this process). */
const IN_FLIGHT = new WeakMap<object, Set<number>>();

/** The sent-ledger. Every platform send is planned here first and marked as it goes. */
export class LedgerRepo {
  private readonly insert: Statement<[Record<string, unknown>], { id: number }>;
  private readonly byKey: Statement<[string], { id: number; status: DeliveryStatus; account_id: string; purpose: DeliveryPurpose; lane: Lane | null }>;
  private readonly byId: Statement<[number], DeliveryRow>;
  private readonly markSendingStmt: Statement;
  private readonly markSentStmt: Statement;
  private readonly markStatusStmt: Statement;
  private readonly unsentStmt: Statement<[], { id: number; account_id: string; purpose: DeliveryPurpose; lane: Lane | null }>;
  private readonly byPlatformMessage: Statement<[string, string, string], { directive_id: number | null }>;
  private readonly countsStmt: Statement<[number], { status: DeliveryStatus; n: number }>;
  private readonly commits: GroupCommit;
  private readonly watchers: LedgerWatcher[] = [];

  constructor(private readonly db: Db) {
    const c = db.$client;
    this.commits = groupCommit(c);
    this.insert = c.prepare(
      `INSERT INTO deliveries (key, purpose, directive_id, group_id, account_id, platform, chat_type, target, text, mentions, quote_id, status, planned_at, lane, recall_of, attachment_id)
       VALUES (@key, @purpose, @directiveId, @groupId, @accountId, @platform, @chatType, @target, @text, @mentions, @quoteId, 'planned', @plannedAt, @lane, @recallOf, @attachmentId)
       ON CONFLICT(key) DO NOTHING RETURNING id`,
    );
    this.byKey = c.prepare('SELECT id, status, account_id, purpose, lane FROM deliveries WHERE key = ?');
    this.byId = c.prepare('SELECT * FROM deliveries WHERE id = ?');
    this.markSendingStmt = c.prepare(
      `UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'planned'`,
    );
    this.markSentStmt = c.prepare(
      `UPDATE deliveries SET status = 'sent', platform_message_id = ?, sent_at = ?, error = NULL WHERE id = ?
       RETURNING purpose, chat_type, directive_id, group_id, planned_at`,
    );
    this.markStatusStmt = c.prepare('UPDATE deliveries SET status = ?, error = ? WHERE id = ?');
    this.unsentStmt = c.prepare(`SELECT id, account_id, purpose, lane FROM deliveries WHERE status IN ('planned', 'sending') ORDER BY id`);
    this.byPlatformMessage = c.prepare(
      'SELECT directive_id FROM deliveries WHERE platform = ? AND target = ? AND platform_message_id = ? LIMIT 1',
    );
    this.countsStmt = c.prepare(
      `SELECT status, count(*) AS n FROM deliveries WHERE directive_id = ? AND purpose = 'directive' GROUP BY status`,
    );
  }

  /** Plans deliveries in one transaction; returns the ids of rows that are still to be sent (new or earlier unsent). */
  plan(planned: readonly PlannedDelivery[], now: number): { id: number; accountId: string; lane: Lane }[] {
    const out: { id: number; accountId: string; lane: Lane }[] = [];
    this.db.$client.transaction(() => {
      for (const p of planned) {
        const inserted = this.insert.get({
          key: p.key,
          purpose: p.purpose,
          directiveId: p.directiveId,
          groupId: p.groupId,
          accountId: p.accountId,
          platform: p.platform,
          chatType: p.chatType,
          target: p.target,
          text: p.text,
          mentions: JSON.stringify(p.mentions),
          quoteId: p.quoteId,
          plannedAt: now,
          lane: p.lane ?? null,
          recallOf: p.recallOf ?? null,
          attachmentId: p.attachmentId ?? null,
        });
        if (inserted) {
          out.push({ id: inserted.id, accountId: p.accountId, lane: laneOf(p.purpose, p.lane) });
          continue;
        }
        // Planned before: still to send only if it never went out.
        const row = this.byKey.get(p.key);
        if (row && (row.status === 'planned' || row.status === 'sending')) out.push({ id: row.id, accountId: row.account_id, lane: laneOf(row.purpose, row.lane) });
      }
    })();
    return out;
  }

  get(id: number): Delivery | undefined {
    const row = this.byId.get(id);
    return row ? toDelivery(row) : undefined;
  }

  /**
   * Claims a planned delivery for sending (compare-and-set: of two runs racing, one wins). False when
   * it is not planned: settled, or claimed by a run whose outcome is still open.
   */
  markSending(id: number): boolean {
    return this.markSendingStmt.run(id).changes === 1;
  }

  markSent(id: number, platformMessageId: string | null, at: number): void {
    this.posted(this.markSentStmt.get(platformMessageId, at, id) as PostedRow | undefined, at);
  }

  /** Learns of directive posts that reached their group well after they were planned (see LedgerWatcher). */
  watch(watcher: LedgerWatcher): void {
    this.watchers.push(watcher);
  }

  private posted(row: PostedRow | undefined, at: number): void {
    if (!row || row.purpose !== 'directive' || row.chat_type !== 'group' || row.directive_id === null || row.group_id === null) return;
    if (at - row.planned_at <= LATE_POST_MS) return;
    for (const w of this.watchers) w.posted(row.directive_id, row.group_id, at);
  }

  /** Runs fn (synchronous, reads and writes of this store) in the connection's group commit; resolves once committed. */
  batch<T>(fn: () => T, options: { singleWrite?: boolean } = {}): Promise<T> {
    // At most one write needs no savepoint of its own: SQLite makes a single statement atomic.
    return this.commits.run(fn, { savepoint: !options.singleWrite });
  }

  /**
   * Marks a delivery as in flight in this process (false if it already is): a job re-run while an
   * earlier run of it still waits on the platform must not send it again.
   */
  enterFlight(id: number): boolean {
    let set = IN_FLIGHT.get(this.db.$client);
    if (!set) {
      set = new Set();
      IN_FLIGHT.set(this.db.$client, set);
    }
    if (set.has(id)) return false;
    set.add(id);
    return true;
  }

  leaveFlight(id: number): void {
    IN_FLIGHT.get(this.db.$client)?.delete(id);
  }

  /** markSending through the group commit: resolves once the claim is committed. */
  claim(id: number): Promise<boolean> {
    return this.commits.run(() => this.markSending(id), { savepoint: false });
  }

  /** markSent through the group commit: resolves once the outcome is committed. */
  recordSent(id: number, platformMessageId: string | null, at: number): Promise<void> {
    return this.commits.run(() => this.markSent(id, platformMessageId, at), { savepoint: false });
  }

  /** Back to planned after a retry-able failure; the error is kept for operators. */
  markRetry(id: number, error: string): void {
    this.markStatusStmt.run('planned', error, id);
  }

  /**
   * Its file cannot go to this chat (the platform or the group takes no files): from now on its text,
   * a line saying how to obtain the file, is what is posted. False when it was already so.
   */
  markFileFallback(id: number, reason: string): boolean {
    return this.db.$client.prepare('UPDATE deliveries SET file_fallback = ? WHERE id = ? AND file_fallback IS NULL').run(reason, id).changes === 1;
  }

  /** A directive's file posts, by group, for `/进度` and the drill report. */
  attachmentPosts(directiveId: number): AttachmentPost[] {
    return this.db.$client
      .prepare(
        `SELECT id, group_id AS groupId, attachment_id AS attachmentId, status, file_fallback AS fileFallback, account_id AS accountId, target, platform,
                platform_message_id AS platformMessageId, sent_at AS sentAt
           FROM deliveries WHERE directive_id = ? AND purpose = 'attachment' ORDER BY id`,
      )
      .all(directiveId) as AttachmentPost[];
  }

  markFailed(id: number, error: string): void {
    this.markStatusStmt.run('failed', error, id);
  }

  /** The outcome is unknown and the platform cannot tell: never sent again automatically. */
  markUncertain(id: number, reason: string): void {
    this.markStatusStmt.run('uncertain', reason, id);
  }

  /** Moves a delivery not yet being sent to another account (the first one cannot send). False if it is no longer planned. */
  reassign(id: number, accountId: string): boolean {
    // A quoted message id is the old account's (on WeChat and NapCat ids differ per account): the move drops the quote.
    return this.db.$client.prepare(`UPDATE deliveries SET account_id = ?, quote_id = NULL WHERE id = ? AND status = 'planned'`).run(accountId, id).changes === 1;
  }

  /** No bot can post it: it waits for a person (false if it is no longer planned). */
  markManual(id: number, personId: number | null, at: number, reason: string): boolean {
    return (
      this.db.$client
        .prepare(`UPDATE deliveries SET status = 'manual', manual_kind = 'post', manual_person_id = ?, manual_at = ?, error = ? WHERE id = ? AND status = 'planned'`)
        .run(personId, at, reason, id).changes === 1
    );
  }

  /**
   * A bot may have posted it and the platform cannot tell: a person looks (`/已转发` if it is there,
   * `/重发` if not). False unless its outcome is open (sending or uncertain).
   */
  markCheck(id: number, personId: number | null, at: number, reason: string): boolean {
    return (
      this.db.$client
        .prepare(
          `UPDATE deliveries SET status = 'manual', manual_kind = 'check', manual_person_id = ?, manual_at = ?, error = ? WHERE id = ? AND status IN ('sending', 'uncertain')`,
        )
        .run(personId, at, reason, id).changes === 1
    );
  }

  /** `/重发`: the person found the post missing; a bot sends it again. False unless it is an open check. */
  resend(id: number): boolean {
    return (
      this.db.$client
        .prepare(`UPDATE deliveries SET status = 'planned', manual_kind = NULL, manual_person_id = NULL, error = 'resent after a check (/重发)' WHERE id = ? AND status = 'manual' AND manual_kind = 'check'`)
        .run(id).changes === 1
    );
  }

  /** Deliveries an earlier run left mid-send, per account: their outcome is settled before anything else is sent. */
  interrupted(): { id: number; accountId: string }[] {
    return this.db.$client.prepare(`SELECT id, account_id AS accountId FROM deliveries WHERE status = 'sending' ORDER BY id`).all() as { id: number; accountId: string }[];
  }

  /** Whether another delivery already owns this platform message (a history match must be a post not yet accounted for). */
  messageTaken(platform: Platform, target: string, platformMessageId: string, exceptId: number): boolean {
    return (
      this.db.$client
        .prepare('SELECT 1 FROM deliveries WHERE platform = ? AND target = ? AND platform_message_id = ? AND id != ? LIMIT 1')
        .get(platform, target, platformMessageId, exceptId) !== undefined
    );
  }

  /**
   * Where each group's post of the directive stands: when it got there first (sent by a bot, or posted
   * by hand), and whether a post may be there that nobody can confirm (uncertain, or a person asked to look).
   */
  postsByGroup(directiveId: number): Map<number, { sentAt: number | null; unsure: boolean }> {
    const rows = this.db.$client
      .prepare(
        `SELECT group_id AS groupId, min(CASE WHEN status = 'sent' THEN sent_at END) AS sentAt,
                max(CASE WHEN status = 'uncertain' OR (status = 'manual' AND manual_kind = 'check') THEN 1 ELSE 0 END) AS unsure
         FROM deliveries WHERE directive_id = ? AND purpose = 'directive' AND chat_type = 'group' AND group_id IS NOT NULL GROUP BY group_id`,
      )
      .all(directiveId) as { groupId: number; sentAt: number | null; unsure: number }[];
    return new Map(rows.map((r) => [r.groupId, { sentAt: r.sentAt, unsure: r.unsure === 1 }]));
  }

  /** A directive's posts into groups, one row per delivery (parts included). */
  postStates(directiveId: number): PostState[] {
    return this.db.$client
      .prepare(
        `SELECT id, group_id AS groupId, status, manual_kind AS manualKind, planned_at AS plannedAt FROM deliveries
         WHERE directive_id = ? AND purpose = 'directive' AND chat_type = 'group' AND group_id IS NOT NULL ORDER BY id`,
      )
      .all(directiveId) as PostState[];
  }

  /** `/已转发`: the person posted it by hand. False when it is not an open manual task. */
  markPostedByHand(id: number, byPersonId: number, at: number): boolean {
    const row = this.db.$client
      .prepare(
        `UPDATE deliveries SET status = 'sent', sent_at = ?, manual_done_by = ? WHERE id = ? AND status = 'manual'
         RETURNING purpose, chat_type, directive_id, group_id, planned_at`,
      )
      .get(at, byPersonId, id) as PostedRow | undefined;
    this.posted(row, at);
    return row !== undefined;
  }

  manualTasks(): ManualTask[] {
    return (
      this.db.$client
        .prepare(`SELECT id, manual_kind, group_id, directive_id, text, manual_person_id, manual_at, error FROM deliveries WHERE status = 'manual' ORDER BY id`)
        .all() as { id: number; manual_kind: 'post' | 'check' | null; group_id: number | null; directive_id: number | null; text: string; manual_person_id: number | null; manual_at: number; error: string | null }[]
    ).map((r) => ({
      id: r.id,
      kind: r.manual_kind ?? 'post',
      groupId: r.group_id,
      directiveId: r.directive_id,
      text: r.text,
      personId: r.manual_person_id,
      since: r.manual_at,
      reason: r.error,
    }));
  }

  /** Sends of each account since a time (`cascade accounts`: today's). */
  sentSince(since: number): Map<string, number> {
    const rows = this.db.$client
      .prepare(`SELECT account_id, count(*) FROM deliveries WHERE status = 'sent' AND manual_done_by IS NULL AND sent_at >= ? GROUP BY account_id`)
      .raw(true)
      .all(since) as [string, number][];
    return new Map(rows);
  }

  /** When each account's sends since a time went out (the pacer's day budget after a restart). */
  sentTimes(since: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const rows = this.db.$client
      .prepare(`SELECT account_id, sent_at FROM deliveries WHERE status = 'sent' AND manual_done_by IS NULL AND sent_at >= ? ORDER BY sent_at`)
      .raw(true)
      .all(since) as [string, number][];
    for (const [account, at] of rows) {
      const list = out.get(account);
      if (list) list.push(at);
      else out.set(account, [at]);
    }
    return out;
  }

  /** Deliveries planned or interrupted mid-send: what a restart must queue again. */
  unsent(): { id: number; accountId: string; lane: Lane }[] {
    // Each in its own lane, after a restart as before it.
    return this.unsentStmt.all().map((r) => ({ id: r.id, accountId: r.account_id, lane: laneOf(r.purpose, r.lane) }));
  }

  /** When the chaser last planned a nameless notice of the directive into each group (group id → ms). */
  lastNotices(directiveId: number): Map<number, number> {
    const rows = this.db.$client
      .prepare(
        `SELECT group_id, max(planned_at) FROM deliveries WHERE directive_id = ? AND purpose = 'notice' AND chat_type = 'group' AND key LIKE '%${NOTICE_SUFFIX}' GROUP BY group_id`,
      )
      .raw(true)
      .all(directiveId) as [number, number][];
    return new Map(rows);
  }

  /**
   * Which directive a bot message (by its platform id) carried, for quote-replies. `accountId`: the
   * platform numbers messages per account (OneBot), so only that account's own sends can be meant.
   */
  directiveOfMessage(platform: Platform, chatId: string, platformMessageId: string, accountId?: string): number | null {
    if (accountId === undefined) return this.byPlatformMessage.get(platform, chatId, platformMessageId)?.directive_id ?? null;
    const row = this.db.$client
      .prepare('SELECT directive_id FROM deliveries WHERE platform = ? AND target = ? AND platform_message_id = ? AND account_id = ? LIMIT 1')
      .get(platform, chatId, platformMessageId, accountId) as { directive_id: number | null } | undefined;
    return row?.directive_id ?? null;
  }

  counts(directiveId: number): { planned: number; sent: number; failed: number; uncertain: number; manual: number } {
    const rows = this.countsStmt.all(directiveId);
    let planned = 0;
    const by: Record<string, number> = {};
    for (const r of rows) {
      planned += r.n;
      by[r.status] = r.n;
    }
    return { planned, sent: by['sent'] ?? 0, failed: by['failed'] ?? 0, uncertain: by['uncertain'] ?? 0, manual: by['manual'] ?? 0 };
  }

  /**
   * A directive's posts as they stand, one per platform group (the first part of a long post): for
   * `/撤回` and `/更正`. `planned` ones never went out.
   */
  directivePosts(directiveId: number): { id: number; groupId: number; accountId: string; platform: Platform; target: string; status: DeliveryStatus; platformMessageId: string | null; sentAt: number | null }[] {
    return this.db.$client
      .prepare(
        `SELECT id, group_id AS groupId, account_id AS accountId, platform, target, status, platform_message_id AS platformMessageId, sent_at AS sentAt
           FROM deliveries WHERE directive_id = ? AND purpose = 'directive' AND chat_type = 'group' AND group_id IS NOT NULL ORDER BY id`,
      )
      .all(directiveId) as { id: number; groupId: number; accountId: string; platform: Platform; target: string; status: DeliveryStatus; platformMessageId: string | null; sentAt: number | null }[];
  }

  /** Whether the directive's post into this platform chat is still to go out (planned, or being sent): its files wait for it. */
  postPending(directiveId: number, platform: Platform, target: string): boolean {
    return (
      this.db.$client
        .prepare(`SELECT 1 FROM deliveries WHERE directive_id = ? AND purpose = 'directive' AND platform = ? AND target = ? AND status IN ('planned', 'sending') LIMIT 1`)
        .get(directiveId, platform, target) !== undefined
    );
  }

  /** `/撤回` before a post went out: it never will. */
  cancelPlanned(directiveId: number, reason: string): number {
    return this.db.$client
      .prepare(`UPDATE deliveries SET status = 'failed', error = ? WHERE directive_id = ? AND purpose IN ('directive', 'attachment', 'notice', 'correction') AND status = 'planned'`)
      .run(reason, directiveId).changes;
  }

  /** Groups where a withdrawal was carried out (recalled, or its notice posted). */
  withdrawnCount(directiveId: number): number {
    return (this.db.$client.prepare(`SELECT count(DISTINCT platform || ':' || target) AS n FROM deliveries WHERE directive_id = ? AND purpose = 'withdrawal' AND status = 'sent'`).get(directiveId) as { n: number }).n;
  }

  all(): Delivery[] {
    return (this.db.$client.prepare('SELECT * FROM deliveries ORDER BY id').all() as DeliveryRow[]).map(toDelivery);
  }
}
