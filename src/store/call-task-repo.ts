/** Call tasks (call_tasks): whom a counselor was asked to phone, numbered for `/已联系`. */
import type { Db } from './db.js';

export interface CallTask {
  readonly id: number;
  readonly directiveId: number;
  readonly level: number;
  readonly kind: 'ack' | 'done';
  readonly subjectId: number;
  readonly collegeId: number | null;
  readonly classId: number | null;
  readonly personId: number;
  readonly createdAt: number;
  readonly doneAt: number | null;
}

export type NewCallTask = Omit<CallTask, 'id' | 'doneAt'>;

export class CallTaskRepo {
  constructor(private readonly db: Db) {}

  /** The task's number: a new one, or the one this directive, level, kind, subject and person already have. */
  create(t: NewCallTask): number {
    const c = this.db.$client;
    c.prepare(
      `INSERT INTO call_tasks (directive_id, level, kind, subject_id, college_id, class_id, person_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (directive_id, level, kind, subject_id, person_id) DO NOTHING`,
    ).run(t.directiveId, t.level, t.kind, t.subjectId, t.collegeId, t.classId, t.personId, t.createdAt);
    const row = c
      .prepare('SELECT id FROM call_tasks WHERE directive_id = ? AND level = ? AND kind = ? AND subject_id = ? AND person_id = ?')
      .get(t.directiveId, t.level, t.kind, t.subjectId, t.personId) as { id: number };
    return row.id;
  }

  handedOver(directiveId: number, level: number, kind: 'ack' | 'done', subjectId: number): boolean {
    return (
      this.db.$client.prepare('SELECT 1 FROM call_tasks WHERE directive_id = ? AND level = ? AND kind = ? AND subject_id = ? LIMIT 1').get(directiveId, level, kind, subjectId) !== undefined
    );
  }

  get(id: number): CallTask | undefined {
    const r = this.db.$client.prepare('SELECT * FROM call_tasks WHERE id = ?').get(id) as
      | { id: number; directive_id: number; level: number; kind: 'ack' | 'done'; subject_id: number; college_id: number | null; class_id: number | null; person_id: number; created_at: number; done_at: number | null }
      | undefined;
    return r
      ? { id: r.id, directiveId: r.directive_id, level: r.level, kind: r.kind, subjectId: r.subject_id, collegeId: r.college_id, classId: r.class_id, personId: r.person_id, createdAt: r.created_at, doneAt: r.done_at }
      : undefined;
  }

  done(id: number, by: number, at: number): void {
    this.db.$client.prepare('UPDATE call_tasks SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL').run(at, by, id);
  }
}
