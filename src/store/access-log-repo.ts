/** Who viewed or exported personal data (access_log). */
import type { Db } from './db.js';

export type AccessWhat = 'address_book' | 'call_list' | 'non_responders' | 'contact_log' | 'export_address_book' | 'export_contact_log' | 'export_directive' | 'membership';

export interface AccessEntry {
  readonly at: number;
  readonly byPersonId: number | null;
  /** 工号 and name, or `命令行:<user>`. */
  readonly by: string;
  readonly what: AccessWhat;
  readonly scope: string;
}

export class AccessLogRepo {
  constructor(private readonly db: Db) {}

  add(e: AccessEntry): void {
    this.db.$client.prepare('INSERT INTO access_log (at, by_person_id, by, what, scope) VALUES (?, ?, ?, ?, ?)').run(e.at, e.byPersonId, e.by, e.what, e.scope.slice(0, 200));
  }

  list(f: { readonly byPersonId?: number; readonly from?: number; readonly limit?: number } = {}): AccessEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.byPersonId !== undefined) {
      where.push('by_person_id = ?');
      params.push(f.byPersonId);
    }
    if (f.from !== undefined) {
      where.push('at >= ?');
      params.push(f.from);
    }
    const rows = this.db.$client
      .prepare(`SELECT at, by_person_id, by, what, scope FROM access_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at, id LIMIT ?`)
      .all(...params, f.limit ?? 10_000) as { at: number; by_person_id: number | null; by: string; what: AccessWhat; scope: string }[];
    return rows.map((r) => ({ at: r.at, byPersonId: r.by_person_id, by: r.by, what: r.what, scope: r.scope }));
  }
}
