import type { GroupAudit } from '../domain/membership.js';
import type { Db } from './db.js';

export type AuditKind = 'manual' | 'daily';

export interface StoredAudit {
  readonly groupId: number;
  readonly at: number;
  readonly present: number[];
  readonly findings: Omit<GroupAudit, 'present'>;
}

/** Membership audits, the newest of each group and kind kept for "left since" and "new since". */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  save(groupId: number, at: number, byPersonId: number | null, audit: GroupAudit, kind: AuditKind): void {
    const { present, ...findings } = audit;
    this.db.$client
      .prepare('INSERT INTO audits (group_id, at, kind, by_person_id, present, findings) VALUES (?, ?, ?, ?, ?, ?)')
      .run(groupId, at, kind, byPersonId, JSON.stringify(present), JSON.stringify(findings));
  }

  /** The group's newest audit, of one kind or of any. */
  latest(groupId: number, kind?: AuditKind): StoredAudit | undefined {
    const row = (
      kind
        ? this.db.$client.prepare('SELECT group_id, at, present, findings FROM audits WHERE group_id = ? AND kind = ? ORDER BY at DESC, id DESC LIMIT 1').get(groupId, kind)
        : this.db.$client.prepare('SELECT group_id, at, present, findings FROM audits WHERE group_id = ? ORDER BY at DESC, id DESC LIMIT 1').get(groupId)
    ) as { group_id: number; at: number; present: string; findings: string } | undefined;
    if (!row) return undefined;
    return { groupId: row.group_id, at: row.at, present: JSON.parse(row.present) as number[], findings: JSON.parse(row.findings) as Omit<GroupAudit, 'present'> };
  }

  /** Runs fn in one SQLite transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)();
  }
}
