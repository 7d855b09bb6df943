/**
 * Backups that restore (issue #17). A copy of the store made with SQLite's online backup API — consistent
 * while the service writes, the WAL included (copying `cascade.db` alone copies what the last checkpoint
 * left, often nothing) — with a manifest (schema version, counts) beside it; an encrypted store's copy is
 * encrypted with the same key. Restoring puts a copy into an empty data directory, refusing a newer schema
 * or a damaged file, and marks the posts the copy did not know as sent to be checked with the platform
 * before anything is sent again: nothing posted after the backup is posted twice.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { closeDb, encryptStore, isPlainStore, openDb, schemaVersion, storeKey, type Db } from './db.js';

export interface BackupManifest {
  readonly file: string;
  readonly createdAt: string;
  /** Migrations applied to the store when it was copied, and how many the build that copied it knew. */
  readonly schema: { readonly applied: number; readonly known: number };
  readonly encrypted: boolean;
  readonly counts: { readonly people: number; readonly directives: number; readonly deliveries: number; readonly acknowledgements: number };
}

const COUNTS = {
  people: 'SELECT count(*) AS n FROM persons',
  directives: 'SELECT count(*) AS n FROM directives',
  deliveries: 'SELECT count(*) AS n FROM deliveries',
  acknowledgements: 'SELECT count(*) AS n FROM acknowledgements',
} as const;

function countsOf(db: Db): BackupManifest['counts'] {
  const n = (sql: string): number => (db.$client.prepare(sql).get() as { n: number }).n;
  return { people: n(COUNTS.people), directives: n(COUNTS.directives), deliveries: n(COUNTS.deliveries), acknowledgements: n(COUNTS.acknowledgements) };
}

/** `cascade-20261206-031500.db`, in the school's wall time is not needed: UTC, sortable. */
export function backupName(at: Date): string {
  return `cascade-${at.toISOString().replace(/[-:]/gu, '').replace('T', '-').slice(0, 15)}.db`;
}

/**
 * Copies the open store into `dir` (0700; the copy 0600) and writes its manifest (`<copy>.json`). Safe while
 * the service runs: the backup API copies a consistent snapshot page by page.
 */
export async function backupStore(db: Db, dir: string, at: Date = new Date(), config?: string): Promise<BackupManifest> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = resolve(dir, backupName(at));
  await db.$client.backup(file);
  chmodSync(file, 0o600);
  const key = storeKey();
  // The backup API writes pages through the copy's own codec: an encrypted store's copy is encrypted here.
  if (key !== undefined && isPlainStore(file) === true) encryptStore(file, key);
  const manifest: BackupManifest = {
    file: basename(file),
    createdAt: at.toISOString(),
    schema: schemaVersion(db),
    encrypted: key !== undefined,
    counts: countsOf(db),
  };
  writeFileSync(`${file}.json`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  // The config may hold tokens: private like the copy.
  if (config !== undefined && existsSync(config)) {
    copyFileSync(config, `${file}.config.yaml`);
    chmodSync(`${file}.config.yaml`, 0o600);
  }
  return manifest;
}

/** Keeps the `keep` newest backups in `dir` (with their manifests); returns how many went. */
export function pruneBackups(dir: string, keep: number): number {
  if (!existsSync(dir)) return 0;
  const copies = readdirSync(dir)
    .filter((f) => /^cascade-\d{8}-\d{6}\.db$/u.test(f))
    .sort()
    .reverse();
  const gone = copies.slice(keep);
  for (const f of gone) for (const x of [f, `${f}.json`, `${f}.config.yaml`]) rmSync(join(dir, x), { force: true });
  return gone.length;
}

export class RestoreError extends Error {}

/**
 * Restores a backup into `dataDir`, which must hold no store. Checks the copy (integrity, a schema this
 * build knows), then marks every post not known to be sent as one whose outcome must be asked of the
 * platform before anything is sent (the outbox settles them at start). Returns the manifest read back.
 */
export function restoreStore(backupFile: string, dataDir: string): BackupManifest {
  if (!existsSync(backupFile)) throw new RestoreError(`找不到备份文件：${backupFile}`);
  const target = join(dataDir, 'cascade.db');
  if (existsSync(target)) throw new RestoreError(`数据目录 ${dataDir} 中已有数据库：恢复只能在空的数据目录进行（先把现有数据目录移走）。`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  copyFileSync(backupFile, target);
  chmodSync(target, 0o600);
  let db: Db | undefined;
  try {
    // Checked before migrating: a copy from a newer build is refused as it is.
    const manifestFile = `${backupFile}.json`;
    const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest) : undefined;
    db = openDb(target);
    const integrity = db.$client.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new RestoreError(`备份文件已损坏（integrity_check：${String(integrity)}），未恢复。`);
    const v = schemaVersion(db);
    const newer = Math.max(v.applied, manifest?.schema.applied ?? 0);
    if (newer > v.known) throw new RestoreError(`备份来自更新版本的 Cascade（数据结构 ${newer}，本版本只认识 ${v.known}）：请先升级 Cascade 再恢复。`);
    // Posts made after the backup are not in it: ask the platform before sending any of them again.
    db.$client.prepare(`UPDATE deliveries SET status = 'sending', error = 'restored from a backup: outcome to be checked' WHERE status = 'planned'`).run();
    return { file: basename(backupFile), createdAt: manifest?.createdAt ?? '', schema: v, encrypted: storeKey() !== undefined, counts: countsOf(db) };
  } catch (error) {
    if (db) closeDb(db);
    db = undefined;
    rmSync(target, { force: true });
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
    throw error;
  } finally {
    if (db) closeDb(db);
  }
}
