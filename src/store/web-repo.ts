import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

/** A web console session, as a request finds it. */
export interface WebSession {
  readonly personId: number;
  readonly csrf: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

const hash = (secret: string): string => createHash('sha256').update(secret).digest('hex');
/** 32 random bytes, URL-safe. */
const secret = (): string => randomBytes(32).toString('base64url');

/** One-time login links and server-side sessions of the web console (issue #16). Secrets are kept hashed. */
export class WebRepo {
  constructor(private readonly db: Db) {}

  /** A one-time login token for the person, valid until `expiresAt`. Returns the token (only the caller sees it). */
  issueLogin(personId: number, via: 'chat' | 'cli', now: number, validMs: number): string {
    const token = secret();
    this.db.$client
      .prepare('INSERT INTO web_login_tokens (token_hash, person_id, via, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(hash(token), personId, via, now, now + validMs);
    return token;
  }

  /** Login links issued to the person since a time (the rate limit). */
  loginsSince(personId: number, since: number): number {
    return (this.db.$client.prepare('SELECT count(*) AS n FROM web_login_tokens WHERE person_id = ? AND created_at >= ?').get(personId, since) as { n: number }).n;
  }

  /** Uses a login token (once, before it expires): the person it was issued to, else undefined. */
  redeemLogin(token: string, now: number): number | undefined {
    const row = this.db.$client
      .prepare('UPDATE web_login_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at >= ? RETURNING person_id')
      .get(now, hash(token), now) as { person_id: number } | undefined;
    return row?.person_id;
  }

  /** A new session for the person: the cookie's id (only the caller sees it) and its CSRF token. */
  openSession(personId: number, now: number): { id: string; csrf: string } {
    const id = secret();
    const csrf = secret();
    this.db.$client
      .prepare('INSERT INTO web_sessions (id_hash, person_id, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)')
      .run(hash(id), personId, csrf, now, now);
    return { id, csrf };
  }

  /**
   * The live session of a cookie's id: not revoked, and seen within `idleMs`. Touches it (a request keeps
   * it alive); an idle one is revoked on the way.
   */
  session(id: string, now: number, idleMs: number): WebSession | undefined {
    const c = this.db.$client;
    const row = c.prepare('SELECT person_id, csrf, created_at, last_seen_at, revoked_at FROM web_sessions WHERE id_hash = ?').get(hash(id)) as
      | { person_id: number; csrf: string; created_at: number; last_seen_at: number; revoked_at: number | null }
      | undefined;
    if (!row || row.revoked_at !== null) return undefined;
    if (now - row.last_seen_at > idleMs) {
      c.prepare('UPDATE web_sessions SET revoked_at = ? WHERE id_hash = ?').run(now, hash(id));
      return undefined;
    }
    c.prepare('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?').run(now, hash(id));
    return { personId: row.person_id, csrf: row.csrf, createdAt: row.created_at, lastSeenAt: now };
  }

  /** Logout: this session ends. */
  closeSession(id: string, now: number): void {
    this.db.$client.prepare('UPDATE web_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL').run(now, hash(id));
  }

  /** Every live session of a person ends (`cascade web-logout`, a person removed from the roster). Returns how many. */
  revokePerson(personId: number, now: number): number {
    return this.db.$client.prepare('UPDATE web_sessions SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL').run(now, personId).changes;
  }
}
