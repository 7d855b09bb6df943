/**
 * Group commit: concurrent writes share one SQLite transaction, each stays atomic on its own, and
 * nobody hears "done" before the commit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeDb, openDb, type Db } from '../src/store/db.js';
import { groupCommit } from '../src/store/group-commit.js';

let db: Db | undefined;

afterEach(() => {
  if (db) closeDb(db);
  db = undefined;
});

function setup(): { db: Db; count: () => number; insert: (key: string) => void } {
  db = openDb(':memory:');
  const c = db.$client;
  c.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
  const insert = c.prepare('INSERT INTO t (k) VALUES (?)');
  const count = c.prepare('SELECT count(*) AS n FROM t');
  return { db, count: () => (count.get() as { n: number }).n, insert: (k) => void insert.run(k) };
}

describe('group commit', () => {
  it('commits writes of one turn together and resolves each with its own result', async () => {
    const { db, count, insert } = setup();
    const g = groupCommit(db.$client);
    expect(groupCommit(db.$client)).toBe(g);
    const results = Array.from({ length: 50 }, (_, i) =>
      g.run(() => {
        insert(`k${i}`);
        return i * 2;
      }),
    );
    // Nothing is written before the batch runs.
    expect(count()).toBe(0);
    expect(await Promise.all(results)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(count()).toBe(50);
    expect(db.$client.inTransaction).toBe(false);
  });

  it('undoes only the write that throws, keeping the others of the batch', async () => {
    const { db, count, insert } = setup();
    const g = groupCommit(db.$client);
    const ok = g.run(() => insert('a'));
    const bad = g.run(() => {
      insert('b');
      throw new Error('boom');
    });
    const duplicate = g.run(() => insert('a'), { savepoint: false });
    const later = g.run(() => insert('c'));
    await expect(ok).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('boom');
    await expect(duplicate).rejects.toThrow(/UNIQUE/);
    await expect(later).resolves.toBeUndefined();
    const keys = (db.$client.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((r) => r.k);
    expect(keys).toEqual(['a', 'c']);
    expect(count()).toBe(2);
  });

  it('rolls back a lone write that throws, and keeps working afterwards', async () => {
    const { db, count, insert } = setup();
    const g = groupCommit(db.$client);
    await expect(
      g.run(() => {
        insert('x');
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(count()).toBe(0);
    await g.run(() => insert('y'));
    expect(count()).toBe(1);
  });

  it('rejects every write of a batch when the database is gone', async () => {
    const { db, insert } = setup();
    const g = groupCommit(db.$client);
    const a = g.run(() => insert('a'));
    const b = g.run(() => insert('b'));
    closeDb(db);
    await expect(a).rejects.toThrow();
    await expect(b).rejects.toThrow();
  });
});
