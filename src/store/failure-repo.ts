import type { Db } from './db.js';

/** A job that failed for good, or a message whose handler failed. */
export interface Failure {
  readonly errorNo: string;
  /** A queue name, or `message`. */
  readonly queue: string;
  /** The job's id, or the inbound message's. */
  readonly ref: string;
  readonly attempts: number;
  /** The error's name and message (never a message text). */
  readonly error: string;
  readonly at: number;
}

export interface QueueCounts {
  readonly queue: string;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly updatedAt: number;
}

/** Messages kept for an error's description: enough to recognise it, never a whole stack. */
const MAX_ERROR_CHARS = 300;

/** What went wrong, for `cascade status`: failures under their error numbers, and the queues' counts. */
export class FailureRepo {
  constructor(private readonly db: Db) {}

  record(f: Failure): void {
    this.db.$client
      .prepare('INSERT INTO failures (error_no, queue, ref, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(f.errorNo, f.queue, f.ref, f.attempts, f.error.slice(0, MAX_ERROR_CHARS), f.at);
  }

  /** The latest failures since a time, newest first. */
  since(at: number, limit: number): Failure[] {
    return this.db.$client
      .prepare('SELECT error_no AS errorNo, queue, ref, attempts, error, at FROM failures WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?')
      .all(at, limit) as Failure[];
  }

  /** How many failures since a time, per queue. */
  countsSince(at: number): Map<string, number> {
    const rows = this.db.$client.prepare('SELECT queue, count(*) FROM failures WHERE at >= ? GROUP BY queue').raw(true).all(at) as [string, number][];
    return new Map(rows);
  }

  /** The service's own state under a key (JSON), as it last wrote it. */
  saveHealth(key: string, value: object, at: number): void {
    this.db.$client
      .prepare('INSERT INTO service_health (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(key, JSON.stringify(value), at);
  }

  health(key: string): { value: unknown; updatedAt: number } | undefined {
    const row = this.db.$client.prepare('SELECT value, updated_at AS updatedAt FROM service_health WHERE key = ?').get(key) as { value: string; updatedAt: number } | undefined;
    return row ? { value: JSON.parse(row.value) as unknown, updatedAt: row.updatedAt } : undefined;
  }

  saveQueues(rows: readonly QueueCounts[]): void {
    const upsert = this.db.$client.prepare(
      `INSERT INTO queue_status (queue, waiting, active, delayed, failed, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(queue) DO UPDATE SET waiting = excluded.waiting, active = excluded.active, delayed = excluded.delayed, failed = excluded.failed, updated_at = excluded.updated_at`,
    );
    this.db.$client.transaction(() => {
      for (const r of rows) upsert.run(r.queue, r.waiting, r.active, r.delayed, r.failed, r.updatedAt);
    })();
  }

  queues(): QueueCounts[] {
    return this.db.$client
      .prepare('SELECT queue, waiting, active, delayed, failed, updated_at AS updatedAt FROM queue_status ORDER BY queue')
      .all() as QueueCounts[];
  }
}
