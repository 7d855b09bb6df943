import type { Db } from './db.js';

export interface AccountStatusRow {
  readonly accountId: string;
  readonly platform: string;
  readonly state: string;
  readonly detail: string | null;
  readonly pausedUntil: number | null;
  readonly pauseReason: string | null;
  readonly lastHeartbeatAt: number | null;
  /** The bot's own user id on its platform (an audit must not take it for a member). */
  readonly selfId: string | null;
  readonly updatedAt: number;
}

/** What the running service last saw of each bot account; `cascade accounts` reads it from another process. */
export class AccountStatusRepo {
  constructor(private readonly db: Db) {}

  save(rows: readonly AccountStatusRow[]): void {
    const c = this.db.$client;
    const upsert = c.prepare(
      `INSERT INTO account_status (account_id, platform, state, detail, paused_until, pause_reason, last_heartbeat_at, self_id, updated_at)
       VALUES (@accountId, @platform, @state, @detail, @pausedUntil, @pauseReason, @lastHeartbeatAt, @selfId, @updatedAt)
       ON CONFLICT (account_id) DO UPDATE SET platform = excluded.platform, state = excluded.state, detail = excluded.detail,
         paused_until = excluded.paused_until, pause_reason = excluded.pause_reason, last_heartbeat_at = excluded.last_heartbeat_at,
         self_id = coalesce(excluded.self_id, self_id), updated_at = excluded.updated_at`,
    );
    c.transaction(() => {
      for (const r of rows) upsert.run(r);
    })();
  }

  all(): AccountStatusRow[] {
    return (
      this.db.$client.prepare('SELECT * FROM account_status ORDER BY account_id').all() as {
        account_id: string;
        platform: string;
        state: string;
        detail: string | null;
        paused_until: number | null;
        pause_reason: string | null;
        last_heartbeat_at: number | null;
        self_id: string | null;
        updated_at: number;
      }[]
    ).map((r) => ({
      accountId: r.account_id,
      platform: r.platform,
      state: r.state,
      detail: r.detail,
      pausedUntil: r.paused_until,
      pauseReason: r.pause_reason,
      lastHeartbeatAt: r.last_heartbeat_at,
      selfId: r.self_id,
      updatedAt: r.updated_at,
    }));
  }
}
