import type { Platform } from '../domain/org.js';
import type { Db } from './db.js';

export type BindingAction = 'bound' | 'held' | 'refused' | 'confirmed' | 'replaced' | 'unbound' | 'code_sent';

/** A `/绑定` waiting for its SMS code (binding_requests). */
export interface BindingRequest {
  readonly id: number;
  readonly platform: Platform;
  readonly platformUserId: string;
  readonly personId: number;
  readonly studentId: number;
  readonly codeHash: string | null;
  readonly wrongCodes: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Bindings people make themselves (`/绑定`) or counselors confirm, and the record of every change. */
export class BindingRepo {
  constructor(private readonly db: Db) {}

  /** Binds an account nobody has yet; false when it is bound already. */
  bindSelf(platform: Platform, platformUserId: string, personId: number, at: number): boolean {
    return (
      this.db.$client
        .prepare(`INSERT INTO bindings (platform, platform_user_id, person_id, source, created_at) VALUES (?, ?, ?, 'self', ?) ON CONFLICT DO NOTHING`)
        .run(platform, platformUserId, personId, at).changes === 1
    );
  }

  /** A counselor's decision: the account is this person's, whoever it was bound to before. */
  replace(platform: Platform, platformUserId: string, personId: number, at: number): void {
    this.db.$client.transaction(() => {
      this.db.$client.prepare('DELETE FROM bindings WHERE platform = ? AND platform_user_id = ?').run(platform, platformUserId);
      this.db.$client
        .prepare(`INSERT INTO bindings (platform, platform_user_id, person_id, source, created_at) VALUES (?, ?, ?, 'confirmed', ?)`)
        .run(platform, platformUserId, personId, at);
    })();
  }

  /**
   * Guardians of a student, other than one, with an account on a platform, read from the store itself
   * (not the org index, which lags within a batch of messages): the `maxGuardians` check.
   */
  guardiansBound(studentId: number, platform: Platform, exceptGuardianId: number): number {
    const row = this.db.$client
      .prepare(
        `SELECT count(DISTINCT b.person_id) AS n FROM bindings b JOIN guardianships g ON g.guardian_id = b.person_id
         JOIN persons p ON p.id = b.person_id AND p.active = 1
         WHERE g.student_id = ? AND b.platform = ? AND b.person_id != ?`,
      )
      .get(studentId, platform, exceptGuardianId) as { n: number };
    return row.n;
  }

  /** The person's accounts on a platform, from the store. */
  accountsOf(personId: number, platform: Platform): string[] {
    return (this.db.$client.prepare('SELECT platform_user_id FROM bindings WHERE person_id = ? AND platform = ?').all(personId, platform) as { platform_user_id: string }[]).map(
      (r) => r.platform_user_id,
    );
  }

  /** Who an account is bound to in the store, if anyone still on the roster. */
  personOf(platform: Platform, platformUserId: string): number | undefined {
    const row = this.db.$client
      .prepare('SELECT b.person_id FROM bindings b JOIN persons p ON p.id = b.person_id AND p.active = 1 WHERE b.platform = ? AND b.platform_user_id = ?')
      .get(platform, platformUserId) as { person_id: number } | undefined;
    return row?.person_id;
  }

  /** Where an account's binding came from, if it has one. */
  source(platform: Platform, platformUserId: string): 'roster' | 'self' | 'confirmed' | undefined {
    const row = this.db.$client.prepare('SELECT source FROM bindings WHERE platform = ? AND platform_user_id = ?').get(platform, platformUserId) as
      | { source: 'roster' | 'self' | 'confirmed' }
      | undefined;
    return row?.source;
  }

  /** Removes a binding made by `/绑定` or a counselor; false for none, or one from the roster (the roster is changed by import). */
  unbind(platform: Platform, platformUserId: string): boolean {
    return (
      this.db.$client.prepare(`DELETE FROM bindings WHERE platform = ? AND platform_user_id = ? AND source != 'roster'`).run(platform, platformUserId).changes === 1
    );
  }

  record(e: { platform: Platform; platformUserId: string; personId: number | null; action: BindingAction; byPersonId: number | null; reason: string | null; at: number }): void {
    this.db.$client
      .prepare('INSERT INTO binding_events (platform, platform_user_id, person_id, action, by_person_id, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(e.platform, e.platformUserId, e.personId, e.action, e.byPersonId, e.reason, e.at);
  }

  events(platform: Platform, platformUserId: string): { personId: number | null; action: BindingAction; byPersonId: number | null; reason: string | null; at: number }[] {
    return (
      this.db.$client
        .prepare('SELECT person_id, action, by_person_id, reason, at FROM binding_events WHERE platform = ? AND platform_user_id = ? ORDER BY id')
        .all(platform, platformUserId) as { person_id: number | null; action: BindingAction; by_person_id: number | null; reason: string | null; at: number }[]
    ).map((r) => ({ personId: r.person_id, action: r.action, byPersonId: r.by_person_id, reason: r.reason, at: r.at }));
  }

  // ─── binding requests (issue #14) ───────────────────────────────────────────────────────────

  /** A new request of an account; any earlier pending one of that account is replaced. */
  request(r: Omit<BindingRequest, 'id' | 'wrongCodes'> & { status: 'pending' | 'held' }): number {
    const c = this.db.$client;
    c.prepare(`UPDATE binding_requests SET status = 'replaced', decided_at = ? WHERE platform = ? AND platform_user_id = ? AND status = 'pending'`).run(
      r.createdAt,
      r.platform,
      r.platformUserId,
    );
    return Number(
      c
        .prepare(
          `INSERT INTO binding_requests (platform, platform_user_id, person_id, student_id, code_hash, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(r.platform, r.platformUserId, r.personId, r.studentId, r.codeHash, r.status, r.createdAt, r.expiresAt).lastInsertRowid,
    );
  }

  /** The account's newest request waiting for a code, if any (expired ones included: the answer says so). */
  pendingRequest(platform: Platform, platformUserId: string): BindingRequest | undefined {
    const row = this.db.$client
      .prepare(
        `SELECT id, platform, platform_user_id, person_id, student_id, code_hash, wrong_codes, created_at, expires_at FROM binding_requests
          WHERE platform = ? AND platform_user_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 1`,
      )
      .get(platform, platformUserId) as
      | { id: number; platform: Platform; platform_user_id: string; person_id: number; student_id: number; code_hash: string | null; wrong_codes: number; created_at: number; expires_at: number }
      | undefined;
    return row
      ? {
          id: row.id,
          platform: row.platform,
          platformUserId: row.platform_user_id,
          personId: row.person_id,
          studentId: row.student_id,
          codeHash: row.code_hash,
          wrongCodes: row.wrong_codes,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      : undefined;
  }

  setCodeHash(id: number, hash: string): void {
    this.db.$client.prepare('UPDATE binding_requests SET code_hash = ? WHERE id = ?').run(hash, id);
  }

  settleRequest(id: number, status: 'verified' | 'expired' | 'failed' | 'held', at: number): void {
    this.db.$client.prepare('UPDATE binding_requests SET status = ?, decided_at = ? WHERE id = ?').run(status, at, id);
  }

  wrongCode(id: number): number {
    this.db.$client.prepare('UPDATE binding_requests SET wrong_codes = wrong_codes + 1 WHERE id = ?').run(id);
    return (this.db.$client.prepare('SELECT wrong_codes FROM binding_requests WHERE id = ?').get(id) as { wrong_codes: number }).wrong_codes;
  }

  /** Codes sent for bindings to this person since `since` (a number gets at most 3 a day). */
  codesSentFor(personId: number, since: number): number {
    return (
      this.db.$client.prepare(`SELECT count(*) AS n FROM binding_requests WHERE person_id = ? AND code_hash IS NOT NULL AND created_at >= ?`).get(personId, since) as {
        n: number;
      }
    ).n;
  }
}
