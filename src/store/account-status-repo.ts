import type { LoginStep } from '../platform/port.js';
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

  /** `cascade login`: a step for the running service to carry out. */
  request(accountId: string, step: LoginStep, at: number): number {
    return Number(
      this.db.$client
        .prepare('INSERT INTO account_actions (account_id, kind, payload, created_at) VALUES (?, ?, ?, ?)')
        .run(accountId, step.kind, step.kind === 'ticket' ? step.ticket : null, at).lastInsertRowid,
    );
  }

  pending(): { id: number; accountId: string; step: LoginStep; createdAt: number }[] {
    return (
      this.db.$client.prepare('SELECT id, account_id, kind, payload, created_at FROM account_actions WHERE done_at IS NULL ORDER BY id').all() as {
        id: number;
        account_id: string;
        kind: string;
        payload: string | null;
        created_at: number;
      }[]
    ).map((r) => ({
      id: r.id,
      accountId: r.account_id,
      step: r.kind === 'ticket' ? { kind: 'ticket', ticket: r.payload ?? '' } : { kind: 'resume' },
      createdAt: r.created_at,
    }));
  }

  /** The step was carried out (or could not be); the ticket is erased. */
  done(id: number, result: string, at: number): void {
    this.db.$client.prepare('UPDATE account_actions SET done_at = ?, result = ?, payload = NULL WHERE id = ?').run(at, result, id);
  }

  result(id: number): { doneAt: number | null; result: string | null } | undefined {
    const r = this.db.$client.prepare('SELECT done_at, result FROM account_actions WHERE id = ?').get(id) as { done_at: number | null; result: string | null } | undefined;
    return r && { doneAt: r.done_at, result: r.result };
  }
}
