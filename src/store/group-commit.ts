import type { Database, Statement } from 'better-sqlite3';

interface Pending {
  readonly fn: () => unknown;
  /** In a savepoint of its own: needed when fn may make more than one change. */
  readonly savepoint: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: writes asked for within one turn of the event loop run in a single SQLite
 * transaction, each in a savepoint of its own (atomic by itself, and a write that throws undoes only
 * itself), and every caller's promise settles only once that transaction has committed. A caller
 * that awaits its write therefore knows it is as durable as a transaction of its own would have
 * made it, while many concurrent jobs share the cost of one commit instead of paying one each.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;

  constructor(private readonly sqlite: Database) {
    this.begin = sqlite.prepare('BEGIN');
    this.commit = sqlite.prepare('COMMIT');
    this.rollback = sqlite.prepare('ROLLBACK');
    this.savepoint = sqlite.prepare('SAVEPOINT group_commit_item');
    this.release = sqlite.prepare('RELEASE group_commit_item');
    this.rollbackTo = sqlite.prepare('ROLLBACK TO group_commit_item');
  }

  /**
   * Queues fn (synchronous; it may read and write) for the next group commit and resolves with its
   * result once committed. `savepoint: false` is for a single statement, which SQLite already makes
   * atomic on its own.
   */
  run<T>(fn: () => T, options: { savepoint?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, savepoint: options.savepoint ?? true, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (batch.length === 0) return;
    const values: unknown[] = new Array(batch.length);
    const failed: boolean[] = new Array(batch.length).fill(false);
    // A lone write needs no savepoint: if it throws, the whole (one-write) transaction rolls back.
    const alone = batch.length === 1;
    try {
      if (!this.sqlite.open) throw new Error('the database is closed');
      if (this.sqlite.inTransaction) throw new Error('group commit inside another transaction');
      this.begin.run();
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i] as Pending;
        if (alone) {
          values[i] = p.fn();
        } else if (p.savepoint) {
          this.savepoint.run();
          try {
            values[i] = p.fn();
          } catch (error) {
            this.rollbackTo.run();
            values[i] = error;
            failed[i] = true;
          }
          this.release.run();
        } else {
          try {
            values[i] = p.fn();
          } catch (error) {
            values[i] = error;
            failed[i] = true;
          }
        }
        // Some errors (I/O, disk full) make SQLite roll back the whole transaction: then nothing may go on.
        if (!this.sqlite.inTransaction) throw failed[i] ? values[i] : new Error('the group commit transaction was rolled back');
      }
      this.commit.run();
    } catch (error) {
      // The transaction itself failed (or a lone write threw): nothing of this batch is stored.
      if (this.sqlite.open && this.sqlite.inTransaction) this.rollback.run();
      for (const p of batch) p.reject(error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending;
      if (failed[i]) p.reject(values[i]);
      else p.resolve(values[i]);
    }
  }
}

const shared = new WeakMap<Database, GroupCommit>();

/** The group commit of one SQLite connection, shared by every repository on it. */
export function groupCommit(sqlite: Database): GroupCommit {
  let g = shared.get(sqlite);
  if (!g) {
    g = new GroupCommit(sqlite);
    shared.set(sqlite, g);
  }
  return g;
}
