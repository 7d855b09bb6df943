import type { Platform } from '../domain/org.js';
import type { MemberInfo } from '../platform/port.js';
import type { Db } from './db.js';

export interface CachedList {
  readonly members: MemberInfo[];
  /** When the list was last read in full from the platform. */
  readonly refreshedAt: number;
  readonly accountId: string;
  readonly topic: string | null;
}

type MemberRow = { user_id: string; nickname: string; card: string | null; role: MemberInfo['role'] };

/**
 * Member lists of platform groups as last read, kept current with join and leave events, so an audit
 * can run from them when the platform cannot be asked and a new login can find people again.
 */
export class MemberRepo {
  constructor(private readonly db: Db) {}

  /** Replaces the group's list with a full read. */
  replace(platform: Platform, chatId: string, members: readonly MemberInfo[], at: number, accountId: string, topic: string | null = null): void {
    const c = this.db.$client;
    c.transaction(() => {
      c.prepare('DELETE FROM group_members WHERE platform = ? AND chat_id = ?').run(platform, chatId);
      const insert = c.prepare('INSERT OR REPLACE INTO group_members (platform, chat_id, user_id, nickname, card, role, joined_at) VALUES (?, ?, ?, ?, ?, ?, NULL)');
      for (const m of members) insert.run(platform, chatId, m.userId, m.nickname, m.card ?? null, m.role);
      c.prepare(
        `INSERT INTO member_lists (platform, chat_id, topic, refreshed_at, account_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (platform, chat_id) DO UPDATE SET topic = coalesce(excluded.topic, topic), refreshed_at = excluded.refreshed_at, account_id = excluded.account_id`,
      ).run(platform, chatId, topic, at, accountId);
    })();
  }

  /** A join event: the member is added (nickname and card unknown until the next read) if the group's list is kept. */
  joined(platform: Platform, chatId: string, userId: string, at: number): boolean {
    if (!this.has(platform, chatId)) return false;
    return (
      this.db.$client
        .prepare(`INSERT INTO group_members (platform, chat_id, user_id, nickname, card, role, joined_at) VALUES (?, ?, ?, '', NULL, 'member', ?) ON CONFLICT DO NOTHING`)
        .run(platform, chatId, userId, at).changes === 1
    );
  }

  /** A leave event. */
  left(platform: Platform, chatId: string, userId: string): boolean {
    return this.db.$client.prepare('DELETE FROM group_members WHERE platform = ? AND chat_id = ? AND user_id = ?').run(platform, chatId, userId).changes === 1;
  }

  has(platform: Platform, chatId: string): boolean {
    return this.db.$client.prepare('SELECT 1 FROM member_lists WHERE platform = ? AND chat_id = ?').get(platform, chatId) !== undefined;
  }

  get(platform: Platform, chatId: string): CachedList | undefined {
    const c = this.db.$client;
    const list = c.prepare('SELECT topic, refreshed_at, account_id FROM member_lists WHERE platform = ? AND chat_id = ?').get(platform, chatId) as
      | { topic: string | null; refreshed_at: number; account_id: string }
      | undefined;
    if (!list) return undefined;
    const rows = c.prepare('SELECT user_id, nickname, card, role FROM group_members WHERE platform = ? AND chat_id = ? ORDER BY rowid').all(platform, chatId) as MemberRow[];
    return {
      refreshedAt: list.refreshed_at,
      accountId: list.account_id,
      topic: list.topic,
      members: rows.map((r) => ({ userId: r.user_id, nickname: r.nickname, role: r.role, ...(r.card === null ? {} : { card: r.card }) })),
    };
  }
}
