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

  /** Each group's newest audit made since a time, by group (the console's alerts). */
  latestSince(since: number): Map<number, Omit<GroupAudit, 'present'>> {
    const rows = this.db.$client
      .prepare('SELECT a.group_id, a.findings FROM audits a WHERE a.at >= ? AND a.id = (SELECT max(b.id) FROM audits b WHERE b.group_id = a.group_id)')
      .all(since) as { group_id: number; findings: string }[];
    return new Map(rows.map((r) => [r.group_id, JSON.parse(r.findings) as Omit<GroupAudit, 'present'>]));
  }

  /** Every audit of a group, newest first (the console's history). */
  history(groupId: number, limit: number): { at: number; kind: AuditKind; findings: Omit<GroupAudit, 'present'> }[] {
    return (
      this.db.$client.prepare('SELECT at, kind, findings FROM audits WHERE group_id = ? ORDER BY at DESC, id DESC LIMIT ?').all(groupId, limit) as { at: number; kind: AuditKind; findings: string }[]
    ).map((r) => ({ at: r.at, kind: r.kind, findings: JSON.parse(r.findings) as Omit<GroupAudit, 'present'> }));
  }

  /** Runs fn in one SQLite transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)();
  }
}
