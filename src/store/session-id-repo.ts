import type { Db } from './db.js';

export type IdKind = 'user' | 'group';
/** How a session id was tied to its canonical id. */
export type ResolvedBy = 'same' | 'remark' | 'list' | 'card' | 'topic' | 'new';

export interface SessionIdRow {
  readonly kind: IdKind;
  readonly sessionId: string;
  readonly canonicalId: string;
  readonly resolvedBy: ResolvedBy;
}

/** The current session's ids of each bot account whose platform changes ids at login (wechat4u). */
export class SessionIdRepo {
  constructor(private readonly db: Db) {}

  load(accountId: string): SessionIdRow[] {
    return (
      this.db.$client.prepare('SELECT kind, session_id, canonical_id, resolved_by FROM session_ids WHERE account_id = ?').all(accountId) as {
        kind: IdKind;
        session_id: string;
        canonical_id: string;
        resolved_by: ResolvedBy;
      }[]
    ).map((r) => ({ kind: r.kind, sessionId: r.session_id, canonicalId: r.canonical_id, resolvedBy: r.resolved_by }));
  }

  /** The account's ids after a login replace those of its previous session. */
  replaceAll(accountId: string, rows: readonly SessionIdRow[], at: number): void {
    const c = this.db.$client;
    c.transaction(() => {
      c.prepare('DELETE FROM session_ids WHERE account_id = ?').run(accountId);
      const insert = c.prepare('INSERT INTO session_ids (account_id, kind, session_id, canonical_id, resolved_by, at) VALUES (?, ?, ?, ?, ?, ?)');
      for (const r of rows) insert.run(accountId, r.kind, r.sessionId, r.canonicalId, r.resolvedBy, at);
    })();
  }

  /** An id first seen during a session (someone new): false when either side is taken already. */
  add(accountId: string, row: SessionIdRow, at: number): boolean {
    return (
      this.db.$client
        .prepare('INSERT INTO session_ids (account_id, kind, session_id, canonical_id, resolved_by, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(accountId, row.kind, row.sessionId, row.canonicalId, row.resolvedBy, at).changes === 1
    );
  }
}
