/** Times bot accounts were away while groups they serve had open directives (see account_gaps). */
import type { Db } from './db.js';

export interface Gap {
  readonly accountId: string;
  readonly fromAt: number;
  readonly toAt: number;
  /** Everything said meanwhile was read back from the platform's history. */
  readonly recovered: boolean;
  readonly caught: number;
}

export class GapRepo {
  constructor(private readonly db: Db) {}

  record(g: Gap): void {
    this.db.$client
      .prepare('INSERT INTO account_gaps (account_id, from_at, to_at, recovered, caught) VALUES (?, ?, ?, ?, ?)')
      .run(g.accountId, g.fromAt, g.toAt, g.recovered ? 1 : 0, g.caught);
  }

  /** Gaps not read back that overlap [from, to], oldest first. */
  unrecovered(from: number, to: number): Gap[] {
    return (
      this.db.$client
        .prepare('SELECT account_id, from_at, to_at, caught FROM account_gaps WHERE recovered = 0 AND to_at >= ? AND from_at <= ? ORDER BY from_at LIMIT 20')
        .all(from, to) as { account_id: string; from_at: number; to_at: number; caught: number }[]
    ).map((r) => ({ accountId: r.account_id, fromAt: r.from_at, toAt: r.to_at, recovered: false, caught: r.caught }));
  }
}
