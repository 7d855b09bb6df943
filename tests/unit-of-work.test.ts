/**
 * The unit of work on a real SQLite file: what a body plans is queued only once committed (another
 * connection already sees it), a body that throws plans nothing and leaves nothing in memory, on-commit
 * hooks run before the sends are queued, and after-commit tasks run once per key.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/app/logger.js';
import { UnitOfWork } from '../src/app/unit-of-work.js';
import type { SendItem } from '../src/queue/job-queues.js';
import { closeDb, openDb, type Db } from '../src/store/db.js';
import { LedgerRepo, type PlannedDelivery } from '../src/store/ledger-repo.js';
import { tempDir } from './setup/helpers.js';

const dirs: { remove: () => void }[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) closeDb(db);
  for (const d of dirs.splice(0)) d.remove();
});

function delivery(key: string): PlannedDelivery {
  return { key, purpose: 'private', directiveId: null, groupId: null, accountId: 'qq-bot-1', platform: 'qq', chatType: 'private', target: '10001', text: '你好', mentions: [], quoteId: null };
}

function setup(onEnqueue: (items: readonly SendItem[]) => void) {
  const dir = tempDir('uow');
  dirs.push(dir);
  const file = join(dir.path, 'c.db');
  const db = openDb(file);
  dbs.push(db);
  const ledger = new LedgerRepo(db);
  const uow = new UnitOfWork({
    commit: (fn) => ledger.batch(fn),
    plan: (planned) => ledger.plan(planned, 0),
    enqueue: async (items) => onEnqueue(items),
    savepoint: (part) => db.$client.transaction(part)(),
    logger: silentLogger,
  });
  return { uow, file };
}

describe('unit of work', () => {
  it('queues what a body planned only after the commit', async () => {
    let seenByAnotherConnection = -1;
    const { uow, file } = setup((items) => {
      const other = new Database(file, { readonly: true });
      seenByAnotherConnection = (other.prepare('SELECT count(*) AS n FROM deliveries').get() as { n: number }).n;
      other.close();
      expect(items).toHaveLength(2);
    });
    await uow.transaction((work) => work.send([delivery('a'), delivery('b')]));
    expect(seenByAnotherConnection).toBe(2);
  });

  it('plans and queues nothing for a body that throws', async () => {
    const queued: SendItem[] = [];
    const { uow } = setup((items) => queued.push(...items));
    await expect(
      uow.transaction((work) => {
        work.send([delivery('a')]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(queued).toEqual([]);
    // The key was not used: planning it again makes a new delivery.
    await uow.transaction((work) => work.send([delivery('a')]));
    expect(queued).toHaveLength(1);
  });

  it('runs an after-commit task once per key, and knows the running body', async () => {
    const { uow } = setup(() => undefined);
    let runs = 0;
    const task = { key: 'k', run: async () => void runs++ };
    expect(uow.current()).toBeUndefined();
    await uow.transaction((work) => {
      expect(uow.current()).toBe(work);
      work.afterCommit(task);
      uow.current()?.afterCommit(task);
    });
    expect(runs).toBe(1);
    expect(uow.current()).toBeUndefined();
  });

  it('runs on-commit hooks before the sends are queued, once per key', async () => {
    const order: string[] = [];
    const { uow } = setup(() => void order.push('queued'));
    await uow.transaction((work) => {
      work.send([delivery('a')]);
      work.onCommit('reload', () => order.push('reload'));
      work.onCommit('reload', () => order.push('reload again'));
    });
    expect(order).toEqual(['reload', 'queued']);
  });

  it('undoes in-memory changes of a body that throws, and of an isolated part that throws only', async () => {
    const { uow } = setup(() => undefined);
    const memory = new Set<string>();
    const remember = (work: { onRollback(fn: () => void): void }, key: string): void => {
      memory.add(key);
      work.onRollback(() => memory.delete(key));
    };
    await expect(
      uow.transaction((work) => {
        remember(work, 'whole');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(memory.has('whole')).toBe(false);
    await uow.transaction((work) => {
      remember(work, 'kept');
      const part = work.isolate(() => {
        remember(work, 'isolated');
        work.onCommit('never', () => memory.add('committed-isolated'));
        throw new Error('part');
      });
      expect(part.ok).toBe(false);
    });
    expect([...memory]).toEqual(['kept']);
  });
});
