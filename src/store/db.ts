import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** The environment variable that holds the store's key: set, the store is encrypted at rest (SQLCipher format). */
export const DB_KEY_ENV = 'CASCADE_DB_KEY';

/** The store cannot be opened with the key given (or without one): the message says what to do. */
export class StoreKeyError extends Error {}

const SQLITE_HEADER = 'SQLite format 3\0';

/** The key from the environment, if any. */
export function storeKey(): string | undefined {
  const key = process.env[DB_KEY_ENV];
  return key !== undefined && key.length > 0 ? key : undefined;
}

/** better-sqlite3-multiple-ciphers (the same API, SQLite3 Multiple Ciphers inside): loaded only when a key is set. */
function cipherDriver(): typeof Database {
  return createRequire(import.meta.url)('better-sqlite3-multiple-ciphers') as typeof Database;
}

function quoted(key: string): string {
  return `'${key.replaceAll("'", "''")}'`;
}

/** SQLCipher 4's format, so that standard tools (sqlcipher, DB Browser) can open a copy with the key. */
function useKey(db: Database.Database, key: string, pragma: 'key' | 'rekey'): void {
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`${pragma} = ${quoted(key)}`);
}

/** Whether an existing file is a plain (unencrypted) SQLite database; undefined for a missing or empty file. */
export function isPlainStore(file: string): boolean | undefined {
  if (file === ':memory:' || !existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    return n === 0 ? undefined : head.toString('latin1') === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens the SQLite file: with `CASCADE_DB_KEY` set, encrypted (a new file is created encrypted); a plain
 * store with a key set, an encrypted one without, or a wrong key is a StoreKeyError saying what to do.
 */
function openSqlite(file: string, options: Database.Options = {}): Database.Database {
  const key = file === ':memory:' ? undefined : storeKey();
  const plain = isPlainStore(file);
  if (key === undefined) {
    if (plain === false) throw new StoreKeyError(`数据库 ${file} 已加密：请设置环境变量 ${DB_KEY_ENV} 为加密时使用的密钥。`);
    return new Database(file, options);
  }
  if (plain === true) {
    throw new StoreKeyError(`数据库 ${file} 尚未加密，而 ${DB_KEY_ENV} 已设置：先停止服务、备份数据目录，再运行 cascade encrypt-db 加密现有数据。`);
  }
  const Cipher = cipherDriver();
  const db = new Cipher(file, options);
  useKey(db, key, 'key');
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch {
    db.close();
    throw new StoreKeyError(`无法用 ${DB_KEY_ENV} 中的密钥打开数据库 ${file}：密钥不正确。`);
  }
  return db;
}

/**
 * Encrypts a plain store in place with the key (`cascade encrypt-db`): the WAL is folded in first, the
 * file rewritten encrypted. The service must be stopped. Returns false when it was encrypted already.
 */
export function encryptStore(file: string, key: string): boolean {
  const plain = isPlainStore(file);
  if (plain === undefined) throw new StoreKeyError(`没有找到数据库 ${file}。`);
  if (!plain) return false;
  const Cipher = cipherDriver();
  const db = new Cipher(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    useKey(db, key, 'rekey');
  } finally {
    db.close();
  }
  // Check it reads back with the key, in WAL mode as the service will open it.
  const again = new Cipher(file);
  try {
    useKey(again, key, 'key');
    again.pragma('journal_mode = WAL');
    again.prepare('SELECT count(*) FROM sqlite_master').get();
  } finally {
    again.close();
  }
  return true;
}

/** Opens (creating if needed) the SQLite store in WAL mode and applies every pending migration. */
export function openDb(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = openSqlite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Checkpoint the WAL every ~40 MB instead of every 4 MB: a directive's fan-out writes three ledger
  // rows per delivery, and frequent checkpoints were a third of the relay's SQLite time.
  sqlite.pragma('wal_autocheckpoint = 10000');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return db;
}

/** A read-only view of a store another process writes (tools that watch a running service; no migration, no lock held). */
export function openReadOnly(file: string): Database.Database {
  const sqlite = openSqlite(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close();
}

/** The schema's version: migrations applied to this store, and how many this build has (issue #17). */
export function schemaVersion(db: Db): { applied: number; known: number } {
  const journal = JSON.parse(readFileSync(resolve(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
  let applied = 0;
  try {
    applied = (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
  } catch {
    // A store never migrated has no such table.
  }
  return { applied, known: journal.entries.length };
}
