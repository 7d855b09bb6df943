/**
 * "Plan, commit, then queue" in one place. A message or a job does its reads and writes in one
 * synchronous body inside the store's group commit; every message the body makes the bots send is
 * planned in the sent-ledger in the same transaction, and queued only once it has committed. Work
 * that must wait for the commit (scheduling a chase round, reading member lists) is registered as an
 * after-commit task. Should queuing fail, the planned sends stay in the ledger and the outbox's sweep
 * queues them again; a failed task is logged (and tasks that matter retry on their own).
 */
import type { Logger } from 'pino';
import type { PlannedDelivery } from '../store/ledger-repo.js';
import type { SendItem } from '../queue/job-queues.js';

/** What the body of a transaction may ask for besides reading and writing the store. */
export interface Work {
  /** Plans deliveries (split, masked) in the ledger; they are queued once the transaction commits. */
  send(planned: readonly PlannedDelivery[]): void;
  /** Sends already planned by a service (its `plan` ran inside this transaction). */
  queue(items: readonly SendItem[]): void;
  /** Runs after the commit, once per key however often it is asked for. */
  afterCommit(task: AfterCommit): void;
  /**
   * Runs synchronously the moment the transaction has committed, before its sends are queued and before
   * any other transaction's body runs (an in-memory index rebuilt from what it wrote). Once per key.
   */
  onCommit(key: string, fn: () => void): void;
  /** Undoes an in-memory change made with the writes, should they be rolled back (by `isolate` or the store). */
  onRollback(fn: () => void): void;
  /**
   * Runs part of the body in a savepoint of its own: when it throws, what it wrote is rolled back and
   * what it planned is dropped, and the rest of the body goes on (an error boundary per message).
   */
  isolate<T>(part: () => T): Isolated<T>;
}

export type Isolated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface AfterCommit {
  /** Tasks with one key run once per transaction. */
  readonly key: string;
  run(): Promise<void>;
}

export interface UnitOfWorkDeps {
  /** Runs a synchronous body in the store's group commit; resolves once committed. */
  readonly commit: <T>(fn: () => T) => Promise<T>;
  /** The outbox's planning (synchronous: joins the transaction) and queuing. */
  readonly plan: (planned: readonly PlannedDelivery[]) => SendItem[];
  readonly enqueue: (items: readonly SendItem[]) => Promise<void>;
  /** Runs a synchronous part in a nested savepoint of the running transaction (rolled back if it throws). */
  readonly savepoint: <T>(part: () => T) => T;
  readonly logger: Logger;
}

class Collected implements Work {
  readonly sends: SendItem[] = [];
  readonly tasks = new Map<string, AfterCommit>();
  readonly commits = new Map<string, () => void>();
  readonly rollbacks: (() => void)[] = [];

  constructor(
    private readonly plan: UnitOfWorkDeps['plan'],
    private readonly savepoint: UnitOfWorkDeps['savepoint'],
  ) {}

  isolate<T>(part: () => T): Isolated<T> {
    const sends = this.sends.length;
    const tasks = new Set(this.tasks.keys());
    const commits = new Set(this.commits.keys());
    const rollbacks = this.rollbacks.length;
    try {
      return { ok: true, value: this.savepoint(part) };
    } catch (error) {
      this.sends.length = sends;
      for (const key of [...this.tasks.keys()]) if (!tasks.has(key)) this.tasks.delete(key);
      for (const key of [...this.commits.keys()]) if (!commits.has(key)) this.commits.delete(key);
      this.undo(rollbacks);
      return { ok: false, error };
    }
  }

  /** Runs the rollback hooks registered since `from`, newest first, and forgets them. */
  undo(from = 0): void {
    for (const fn of this.rollbacks.splice(from).reverse()) fn();
  }

  onCommit(key: string, fn: () => void): void {
    if (!this.commits.has(key)) this.commits.set(key, fn);
  }

  onRollback(fn: () => void): void {
    this.rollbacks.push(fn);
  }

  send(planned: readonly PlannedDelivery[]): void {
    if (planned.length > 0) this.sends.push(...this.plan(planned));
  }

  queue(items: readonly SendItem[]): void {
    this.sends.push(...items);
  }

  afterCommit(task: AfterCommit): void {
    if (!this.tasks.has(task.key)) this.tasks.set(task.key, task);
  }
}

export class UnitOfWork {
  /** The work of the body running right now (bodies are synchronous, so there is at most one). */
  private active: Collected | undefined;

  constructor(private readonly deps: UnitOfWorkDeps) {}

  /**
   * Runs `body` in the group commit. Once committed, queues what it planned (a failure is logged:
   * the sweep queues it again) and runs its after-commit tasks in order. A body that throws writes
   * nothing and plans nothing; its error is the promise's.
   */
  async transaction<T>(body: (work: Work) => T): Promise<T> {
    const work = new Collected(this.deps.plan, this.deps.savepoint);
    let value: T;
    try {
      value = await this.deps.commit(() => {
        const outer = this.active;
        this.active = work;
        try {
          return body(work);
        } finally {
          this.active = outer;
        }
      });
    } catch (error) {
      // Nothing was written (the body threw, or the store rolled the batch back): neither is anything in memory.
      work.undo();
      throw error;
    }
    // Still in the microtask of the commit: no other body has run since.
    for (const [key, fn] of work.commits) {
      try {
        fn();
      } catch (error) {
        this.deps.logger.error({ err: error, task: key }, 'an on-commit hook failed');
      }
    }
    await this.finish(work);
    return value;
  }

  /**
   * The work of the transaction whose body is running now, for code deep inside it (a repository's
   * watcher) that must defer something to its commit. Undefined outside any body.
   */
  current(): Work | undefined {
    return this.active;
  }

  private async finish(work: Collected): Promise<void> {
    if (work.sends.length > 0) {
      try {
        await this.deps.enqueue(work.sends);
      } catch (error) {
        this.deps.logger.warn({ err: error, sends: work.sends.length }, 'could not queue planned sends; the sweep will queue them');
      }
    }
    for (const task of work.tasks.values()) {
      try {
        await task.run();
      } catch (error) {
        this.deps.logger.warn({ err: error, task: task.key }, 'an after-commit task failed');
      }
    }
  }
}
