import type { Statement } from 'better-sqlite3';
import type { ReminderState } from '../domain/chase.js';
import { subjectKey } from '../domain/chase.js';
import type { AckKind } from '../domain/directive.js';
import type { Db } from './db.js';

export type RoundKind = 'auto' | 'manual' | 'summary';
/** `relay`: the person could not be messaged, so the responsible person was told to contact them. */
export type ReminderAction = 'mention' | 'notice' | 'private' | 'nag' | 'relay' | 'sms';

export interface ChaseRound {
  readonly id: number;
  readonly directiveId: number;
  readonly key: string;
  readonly kind: RoundKind;
  readonly byPersonId: number | null;
  readonly at: number;
  readonly reminded: number;
  readonly messages: number;
}

export interface NewReminder {
  readonly level: number;
  readonly kind: AckKind;
  readonly subjectId: number;
  readonly collegeId: number | null;
  readonly classId: number | null;
  readonly step: number;
  readonly n: number;
  readonly action: ReminderAction;
}

export interface ReminderRow {
  readonly level: number;
  readonly kind: AckKind;
  readonly subjectId: number;
  readonly collegeId: number | null;
  readonly classId: number | null;
  readonly action: ReminderAction;
  readonly at: number;
}

/** Reminders written per INSERT statement. */
const REMINDER_BATCH = 200;

/** Chase rounds and who each reminded: the durable record that makes a reminder happen once. */
export class ChaseRepo {
  private readonly insertRound: Statement<[Record<string, unknown>], { id: number }>;
  private readonly finishRound: Statement;
  private readonly insertReminder: Statement;
  private readonly insertBatch: Statement;
  private readonly roundByKey: Statement<[number, string], { id: number }>;
  private readonly stateOf: Statement<[number], [number, AckKind, number, number, number, number, number, number | null]>;
  private readonly remindersOf: Statement<[number], [number, AckKind, number, number | null, number | null, number, ReminderAction, number]>;

  constructor(private readonly db: Db) {
    const c = db.$client;
    this.insertRound = c.prepare(
      `INSERT INTO chase_rounds (directive_id, key, kind, by_person_id, at, reminded, messages)
       VALUES (@directiveId, @key, @kind, @byPersonId, @at, 0, 0) ON CONFLICT DO NOTHING RETURNING id`,
    );
    this.finishRound = c.prepare('UPDATE chase_rounds SET reminded = ?, messages = ? WHERE id = ?');
    this.insertReminder = c.prepare(
      `INSERT INTO chase_reminders (directive_id, round_id, level, kind, subject_id, college_id, class_id, step, n, action, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.insertBatch = c.prepare(
      `INSERT INTO chase_reminders (directive_id, round_id, level, kind, subject_id, college_id, class_id, step, n, action, at)
       VALUES ${Array.from({ length: REMINDER_BATCH }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
    );
    this.roundByKey = c.prepare('SELECT id FROM chase_rounds WHERE directive_id = ? AND key = ?');
    this.stateOf = c
      .prepare<[number], [number, AckKind, number, number, number, number, number, number | null]>(
        `SELECT level, kind, subject_id, step, count(*), max(at), sum(action != 'nag'), max(CASE WHEN action != 'nag' THEN at END)
         FROM chase_reminders WHERE directive_id = ? GROUP BY level, kind, subject_id, step`,
      )
      .raw(true);
    this.remindersOf = c
      .prepare<[number], [number, AckKind, number, number | null, number | null, number, ReminderAction, number]>(
        'SELECT level, kind, subject_id, college_id, class_id, step, action, at FROM chase_reminders WHERE directive_id = ?',
      )
      .raw(true);
  }

  /** Starts a round; undefined when a round with this key already ran (it runs once). */
  startRound(r: { directiveId: number; key: string; kind: RoundKind; byPersonId: number | null; at: number }): number | undefined {
    return this.insertRound.get(r)?.id;
  }

  hasRound(directiveId: number, key: string): boolean {
    return this.roundByKey.get(directiveId, key) !== undefined;
  }

  /** Records reminders of a round; returns how many were new (a repeat of one already given is skipped). */
  addReminders(directiveId: number, roundId: number, at: number, rows: readonly NewReminder[]): number {
    let fresh = 0;
    let i = 0;
    // Many rows per statement: a campus-wide round records tens of thousands.
    for (; i + REMINDER_BATCH <= rows.length; i += REMINDER_BATCH) {
      const params: unknown[] = [];
      for (let j = i; j < i + REMINDER_BATCH; j++) {
        const r = rows[j] as NewReminder;
        params.push(directiveId, roundId, r.level, r.kind, r.subjectId, r.collegeId, r.classId, r.step, r.n, r.action, at);
      }
      fresh += this.insertBatch.run(...params).changes;
    }
    for (; i < rows.length; i++) {
      const r = rows[i] as NewReminder;
      fresh += this.insertReminder.run(directiveId, roundId, r.level, r.kind, r.subjectId, r.collegeId, r.classId, r.step, r.n, r.action, at).changes;
    }
    return fresh;
  }

  finish(roundId: number, reminded: number, messages: number): void {
    this.finishRound.run(reminded, messages, roundId);
  }

  /** Per subject (level, kind, subject; see subjectKey): reminders per step, direct ones, and the last. */
  state(directiveId: number): Map<number, ReminderState> {
    const out = new Map<number, { perStep: Map<number, number>; stepLastAt: Map<number, number>; direct: number; lastAt: number }>();
    // One row per subject and step, in index order.
    for (const [level, kind, subjectId, step, n, lastOfStep, direct, lastDirect] of this.stateOf.all(directiveId)) {
      const key = subjectKey(level, kind, subjectId);
      let st = out.get(key);
      if (!st) {
        st = { perStep: new Map(), stepLastAt: new Map(), direct: 0, lastAt: 0 };
        out.set(key, st);
      }
      if (step >= 0) {
        st.perStep.set(step, n);
        st.stepLastAt.set(step, lastOfStep);
      }
      // Telling the counselor to phone someone counts too: it is how that person was reminded.
      st.direct += direct;
      if (lastDirect !== null && lastDirect > st.lastAt) st.lastAt = lastDirect;
    }
    return out;
  }

  reminders(directiveId: number): ReminderRow[] {
    return this.remindersOf
      .all(directiveId)
      .map(([level, kind, subjectId, collegeId, classId, , action, at]) => ({ level, kind, subjectId, collegeId, classId, action, at }));
  }

  rounds(directiveId: number): ChaseRound[] {
    const rows = this.db.$client
      .prepare('SELECT id, directive_id, key, kind, by_person_id, at, reminded, messages FROM chase_rounds WHERE directive_id = ? ORDER BY at, id')
      .all(directiveId) as { id: number; directive_id: number; key: string; kind: RoundKind; by_person_id: number | null; at: number; reminded: number; messages: number }[];
    return rows.map((r) => ({
      id: r.id,
      directiveId: r.directive_id,
      key: r.key,
      kind: r.kind,
      byPersonId: r.by_person_id,
      at: r.at,
      reminded: r.reminded,
      messages: r.messages,
    }));
  }
}
