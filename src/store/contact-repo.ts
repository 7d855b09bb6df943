/**
 * The address book's records (通讯录): each person's phone as the roster gives it, and the history of how
 * it was checked (contact_checks). Phones are sensitive: this repository's callers never log them.
 */
import { contactState } from '../domain/address-book.js';
import type { Db } from './db.js';

export type CheckMethod = 'call' | 'sms' | 'unreachable';

export interface ContactCheck {
  readonly personId: number;
  readonly method: CheckMethod;
  readonly phone: string | null;
  readonly replacedPhone: string | null;
  readonly byPersonId: number | null;
  readonly at: number;
}

/** A person's reachable details: the roster's phone and accounts, and whether a binding was made by them. */
export interface PersonContact {
  readonly personId: number;
  readonly phone: string | null;
  /** A binding the person made themselves, checked against the roster (or confirmed by a counselor). */
  readonly bound: boolean;
}

interface CheckRow {
  person_id: number;
  method: CheckMethod;
  phone: string | null;
  replaced_phone: string | null;
  by_person_id: number | null;
  at: number;
}

/** Large IN lists are read in chunks (SQLite's variable limit). */
const CHUNK = 500;

export class ContactRepo {
  constructor(private readonly db: Db) {}

  addCheck(c: ContactCheck): void {
    this.db.$client
      .prepare('INSERT INTO contact_checks (person_id, method, phone, replaced_phone, by_person_id, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(c.personId, c.method, c.phone, c.replacedPhone, c.byPersonId, c.at);
  }

  /** Each person's checks, oldest first. */
  checksOf(personIds: readonly number[]): Map<number, ContactCheck[]> {
    const out = new Map<number, ContactCheck[]>();
    for (let i = 0; i < personIds.length; i += CHUNK) {
      const ids = personIds.slice(i, i + CHUNK);
      const rows = this.db.$client
        .prepare(
          `SELECT person_id, method, phone, replaced_phone, by_person_id, at FROM contact_checks
           WHERE person_id IN (${ids.map(() => '?').join(',')}) ORDER BY at, id`,
        )
        .all(...ids) as CheckRow[];
      for (const r of rows) {
        let list = out.get(r.person_id);
        if (!list) out.set(r.person_id, (list = []));
        list.push({ personId: r.person_id, method: r.method, phone: r.phone, replacedPhone: r.replaced_phone, byPersonId: r.by_person_id, at: r.at });
      }
    }
    return out;
  }

  /** The roster's phone of each person and whether they bound an account themselves. */
  contactsOf(personIds: readonly number[]): Map<number, PersonContact> {
    const out = new Map<number, PersonContact>();
    for (let i = 0; i < personIds.length; i += CHUNK) {
      const ids = personIds.slice(i, i + CHUNK);
      const marks = ids.map(() => '?').join(',');
      const rows = this.db.$client
        .prepare(
          `SELECT p.id, p.phone,
                  EXISTS (SELECT 1 FROM bindings b WHERE b.person_id = p.id AND b.source IN ('self', 'confirmed')) AS bound
           FROM persons p WHERE p.id IN (${marks})`,
        )
        .all(...ids) as { id: number; phone: string | null; bound: number }[];
      for (const r of rows) out.set(r.id, { personId: r.id, phone: r.phone, bound: r.bound === 1 });
    }
    return out;
  }

  /** Each person's current number as the address book shows it (a correction replaces the roster's), null when none. */
  currentPhones(personIds: readonly number[]): Map<number, string | null> {
    const contacts = this.contactsOf(personIds);
    const checks = this.checksOf(personIds);
    const out = new Map<number, string | null>();
    for (const id of personIds) {
      const c = contacts.get(id);
      out.set(id, contactState(c?.phone ?? null, checks.get(id) ?? [], c?.bound ?? false).phone);
    }
    return out;
  }
}
