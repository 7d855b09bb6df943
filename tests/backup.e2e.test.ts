/**
 * Backups that restore (issue #17): a copy taken with SQLite's online backup API while a relay runs,
 * restored into an empty data directory, and the service started again on it (same simulated platform,
 * Redis lost): every group gets the directive exactly once, the posts made after the backup are found on
 * the platform rather than posted again, and nothing the copy held is lost.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/app/logger.js';
import { parseConfig } from '../src/config/load.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { backupStore, pruneBackups, restoreStore, RestoreError } from '../src/store/backup.js';
import { openDb, closeDb } from '../src/store/db.js';
import { redisUrl, tempDir, uniquePrefix, waitUntil } from './setup/helpers.js';
import { startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
let restored: Runtime | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  await restored?.app.queues.obliterate().catch(() => undefined);
  await restored?.stop();
  restored = undefined;
  await school?.close();
  school = undefined;
  for (const c of cleanups.splice(0)) c();
});


describe('backup and restore', () => {
  it('a copy taken mid-relay restores into an empty data directory; the service carries on, each group posted once', async () => {
    school = await startTestSchool({ realClock: true, minGapMs: 60 });
    const s = school;
    const posts = (): Map<string, number> => {
      const per = new Map<string, number>();
      for (const m of s.botMessages()) if (m.chatType === 'group' && m.text.includes('【通知 第1号】')) per.set(m.chatId, (per.get(m.chatId) ?? 0) + 1);
      return per;
    };
    s.say('T001', 'L1', '/通知 请各单位做好安全检查');
    await waitUntil(() => posts().size >= 3);
    const dir = tempDir('backups');
    cleanups.push(() => dir.remove());
    const manifest = await backupStore(s.runtime.db, dir.path);
    const copy = join(dir.path, manifest.file);
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(manifest.counts.directives).toBe(1);
    expect(manifest.schema.applied).toBe(manifest.schema.known);
    const sentInCopy = (() => {
      const db = openDb(copy);
      try {
        return (db.$client.prepare(`SELECT count(*) AS n FROM deliveries WHERE purpose = 'directive' AND status = 'sent'`).get() as { n: number }).n;
      } finally {
        closeDb(db);
      }
    })();
    expect(sentInCopy).toBeLessThan(16);
    // The relay goes on after the copy, then the machine is lost: the store and Redis with it.
    await waitUntil(() => s.runtime.app.ledger.counts(1).sent === 16);
    await s.settle();
    await s.runtime.app.stop();
    const world = s.runtime.school;
    const before = posts();
    expect([...before.values()].every((n) => n === 1)).toBe(true);

    // Restored into an empty data directory, on the same platform, with a fresh Redis prefix.
    const data = tempDir('restored');
    cleanups.push(() => data.remove());
    const back = restoreStore(copy, data.path);
    expect(back.counts.directives).toBe(1);
    restored = await startRuntime({
      config: parseConfig({ dataDir: data.path, org: 'config/demo', sending: { minGapMs: 0, jitterMs: 0, offlineRetryMs: 300 }, queue: { lockDurationMs: 1000, stalledIntervalMs: 1000 }, directives: { defaultDepth: 4 } }),
      logger: silentLogger,
      redisUrl: redisUrl(),
      prefix: uniquePrefix('restored'),
      school: world,
    });
    await restored.app.settle();
    await waitUntil(() => restored?.app.ledger.counts(1).sent === 16);
    // Every group got it once: those posted after the copy were found on the platform, not posted again.
    const after = posts();
    expect(after.size).toBe(16);
    expect([...after.values()].every((n) => n === 1)).toBe(true);
    expect(world.world.duplicateDeliveries()).toBe(0);
    // And the service takes replies again.
    const seat = world.seatOf(restored.app.org().personByRef('2023010101')?.id ?? -1, 'L3:计算机2301');
    if (!seat) throw new Error('no seat');
    world.world.say(seat.userId, seat.chatId, '收到');
    await restored.app.settle();
    expect(restored.app.repos.directives.ackCount(1, 'ack')).toBe(1);
  });

  it('refuses a data directory that has a store, a damaged copy, and a copy from a newer schema', async () => {
    school = await startTestSchool();
    const dir = tempDir('backups');
    cleanups.push(() => dir.remove());
    const manifest = await backupStore(school.runtime.db, dir.path);
    const copy = join(dir.path, manifest.file);
    expect(() => restoreStore(copy, school?.runtime.app.config.dataDir ?? '')).toThrow(RestoreError);
    const empty = tempDir('restore-target');
    cleanups.push(() => empty.remove());
    // Damaged: a copy with garbage in its pages.
    const damaged = join(dir.path, 'damaged.db');
    const bytes = readFileSync(copy);
    bytes.fill(0x41, 4096, 8192);
    writeFileSync(damaged, bytes);
    expect(() => restoreStore(damaged, empty.path)).toThrow();
    expect(existsSync(join(empty.path, 'cascade.db'))).toBe(false);
    // Newer: its manifest says it had more migrations than this build knows.
    const newer = join(dir.path, 'newer.db');
    writeFileSync(newer, readFileSync(copy));
    writeFileSync(`${newer}.json`, JSON.stringify({ ...manifest, schema: { applied: manifest.schema.known + 1, known: manifest.schema.known + 1 } }));
    expect(() => restoreStore(newer, empty.path)).toThrow(/更新版本/u);
    expect(existsSync(join(empty.path, 'cascade.db'))).toBe(false);
    // Retention: the newest `keep` copies stay.
    await backupStore(school.runtime.db, dir.path, new Date(Date.now() + 1000));
    await backupStore(school.runtime.db, dir.path, new Date(Date.now() + 2000));
    expect(pruneBackups(dir.path, 2)).toBe(1);
    expect(existsSync(copy)).toBe(false);
  });
});
