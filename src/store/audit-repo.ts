import type { GroupAudit } from '../domain/membership.js';
import type { Db } from './db.js';

export interface StoredAudit {
  readonly groupId: number;
  readonly at: number;
  readonly present: number[];
  readonly findings: Omit<GroupAudit, 'present'>;
}

/** Membership audits, newest kept per group for "who left since the last audit". */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  save(groupId: number, at: number, byPersonId: number | null, audit: GroupAudit): void {
    const { present, ...findings } = audit;
    this.db.$client
      .prepare('INSERT INTO audits (group_id, at, by_person_id, present, findings) VALUES (?, ?, ?, ?, ?)')
      .run(groupId, at, byPersonId, JSON.stringify(present), JSON.stringify(findings));
  }

  latest(groupId: number): StoredAudit | undefined {
    const row = this.db.$client.prepare('SELECT group_id, at, present, findings FROM audits WHERE group_id = ? ORDER BY at DESC, id DESC LIMIT 1').get(groupId) as
      | { group_id: number; at: number; present: string; findings: string }
      | undefined;
    if (!row) return undefined;
    return { groupId: row.group_id, at: row.at, present: JSON.parse(row.present) as number[], findings: JSON.parse(row.findings) as Omit<GroupAudit, 'present'> };
  }
}
