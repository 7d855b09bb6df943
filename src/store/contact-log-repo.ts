/**
 * The home–school contact log (contact_log). Entries are never updated or deleted: a correction is a new
 * row whose `corrects_id` names the chain's first entry, and readers show the chain's latest text.
 */
import type { Db } from './db.js';

export type ContactChannel = 'phone' | 'sms' | 'wechat' | 'qq' | 'video' | 'meeting' | 'bot_private' | 'bot_sms' | 'phone_task';

export interface NewContactEntry {
  readonly at: number;
  readonly byPersonId: number | null;
  readonly studentId: number;
  readonly contactPersonId: number | null;
  readonly contactLabel: string;
  readonly channel: ContactChannel;
  readonly text: string;
  readonly outcome: string | null;
  readonly source: 'staff' | 'cascade';
  readonly autoKey?: string | null;
  readonly deliveryKey?: string | null;
  readonly correctsId?: number | null;
  /** When it was written (default: `at`). */
  readonly createdAt?: number;
}

/** An entry as shown: the chain's first row with its latest text, and the versions it went through. */
export interface ContactEntryView extends Omit<NewContactEntry, 'autoKey' | 'deliveryKey' | 'correctsId' | 'createdAt'> {
  readonly id: number;
  readonly createdAt: number;
  /** The delivery's status in the sent-ledger, for Cascade's own messages. */
  readonly deliveryStatus: string | null;
  /** Earlier texts, oldest first, when the entry was corrected. */
  readonly corrected: readonly { readonly text: string; readonly outcome: string | null; readonly at: number }[];
}

export interface ContactLogFilter {
  readonly studentIds?: readonly number[];
  readonly byPersonId?: number;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
  /** Newest first (default oldest first). */
  readonly newestFirst?: boolean;
}

interface Row {
  id: number;
  at: number;
  by_person_id: number | null;
  student_id: number;
  contact_person_id: number | null;
  contact_label: string;
  channel: ContactChannel;
  text: string;
  outcome: string | null;
  source: 'staff' | 'cascade';
  delivery_key: string | null;
  corrects_id: number | null;
  created_at: number;
  status: string | null;
}

const CHUNK = 500;

export class ContactLogRepo {
  constructor(private readonly db: Db) {}

  /** Adds an entry; an automatic one whose key was seen before is not added again (false). */
  add(e: NewContactEntry): number | undefined {
    const r = this.db.$client
      .prepare(
        `INSERT INTO contact_log (at, by_person_id, student_id, contact_person_id, contact_label, channel, text, outcome, source, auto_key, delivery_key, corrects_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (auto_key) DO NOTHING`,
      )
      .run(
        e.at,
        e.byPersonId,
        e.studentId,
        e.contactPersonId,
        e.contactLabel,
        e.channel,
        e.text,
        e.outcome,
        e.source,
        e.autoKey ?? null,
        e.deliveryKey ?? null,
        e.correctsId ?? null,
        e.createdAt ?? e.at,
      );
    return r.changes === 1 ? Number(r.lastInsertRowid) : undefined;
  }

  /** One chain's first entry (by any id in it), or undefined. */
  original(id: number): { id: number; byPersonId: number | null; createdAt: number; source: 'staff' | 'cascade'; studentId: number } | undefined {
    const row = this.db.$client
      .prepare('SELECT id, corrects_id, by_person_id, created_at, source, student_id FROM contact_log WHERE id = ?')
      .get(id) as { id: number; corrects_id: number | null; by_person_id: number | null; created_at: number; source: 'staff' | 'cascade'; student_id: number } | undefined;
    if (!row) return undefined;
    if (row.corrects_id !== null) return this.original(row.corrects_id);
    return { id: row.id, byPersonId: row.by_person_id, createdAt: row.created_at, source: row.source, studentId: row.student_id };
  }

  /** Entries (chains shown once, with their latest text) matching the filter. */
  list(f: ContactLogFilter = {}): ContactEntryView[] {
    const where = ['l.corrects_id IS NULL'];
    const params: unknown[] = [];
    if (f.byPersonId !== undefined) {
      where.push('l.by_person_id = ?');
      params.push(f.byPersonId);
    }
    if (f.from !== undefined) {
      where.push('l.at >= ?');
      params.push(f.from);
    }
    if (f.to !== undefined) {
      where.push('l.at < ?');
      params.push(f.to);
    }
    const order = f.newestFirst ? 'DESC' : 'ASC';
    const run = (extra: string, extraParams: unknown[]): Row[] =>
      this.db.$client
        .prepare(
          `SELECT l.*, coalesce(d.status, s.status) AS status FROM contact_log l
           LEFT JOIN deliveries d ON d.key = l.delivery_key LEFT JOIN sms_deliveries s ON s.key = l.delivery_key
           WHERE ${[...where, extra].filter((w) => w).join(' AND ')} ORDER BY l.at ${order}, l.id ${order}${f.limit ? ` LIMIT ${Math.floor(f.limit)}` : ''}`,
        )
        .all(...params, ...extraParams) as Row[];
    let rows: Row[];
    if (f.studentIds === undefined) rows = run('', []);
    else {
      rows = [];
      for (let i = 0; i < f.studentIds.length; i += CHUNK) {
        const ids = f.studentIds.slice(i, i + CHUNK);
        if (ids.length > 0) rows.push(...run(`l.student_id IN (${ids.map(() => '?').join(',')})`, ids));
      }
      if (f.studentIds.length > CHUNK) rows.sort((a, b) => (f.newestFirst ? b.at - a.at || b.id - a.id : a.at - b.at || a.id - b.id));
    }
    const corrections = this.correctionsOf(rows.map((r) => r.id));
    return rows.map((r) => {
      const chain = corrections.get(r.id) ?? [];
      const latest = chain.at(-1);
      return {
        id: r.id,
        at: r.at,
        byPersonId: r.by_person_id,
        studentId: r.student_id,
        contactPersonId: r.contact_person_id,
        contactLabel: r.contact_label,
        channel: r.channel,
        text: latest?.text ?? r.text,
        outcome: latest ? latest.outcome : r.outcome,
        source: r.source,
        createdAt: r.created_at,
        deliveryStatus: r.status,
        corrected: chain.length === 0 ? [] : [{ text: r.text, outcome: r.outcome, at: r.created_at }, ...chain.slice(0, -1).map((c) => ({ text: c.text, outcome: c.outcome, at: c.at }))],
      };
    });
  }

  private correctionsOf(ids: readonly number[]): Map<number, { text: string; outcome: string | null; at: number }[]> {
    const out = new Map<number, { text: string; outcome: string | null; at: number }[]>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const rows = this.db.$client
        .prepare(`SELECT corrects_id, text, outcome, created_at FROM contact_log WHERE corrects_id IN (${chunk.map(() => '?').join(',')}) ORDER BY id`)
        .all(...chunk) as { corrects_id: number; text: string; outcome: string | null; created_at: number }[];
      for (const r of rows) {
        let list = out.get(r.corrects_id);
        if (!list) out.set(r.corrects_id, (list = []));
        list.push({ text: r.text, outcome: r.outcome, at: r.created_at });
      }
    }
    return out;
  }

  /** The latest contact logged with each person (as the contact, or as the student when the student was reached). */
  lastWith(personIds: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = 0; i < personIds.length; i += CHUNK) {
      const ids = personIds.slice(i, i + CHUNK);
      const rows = this.db.$client
        .prepare(`SELECT contact_person_id AS id, max(at) AS at FROM contact_log WHERE corrects_id IS NULL AND contact_person_id IN (${ids.map(() => '?').join(',')}) GROUP BY contact_person_id`)
        .all(...ids) as { id: number; at: number }[];
      for (const r of rows) out.set(r.id, r.at);
    }
    return out;
  }
}
