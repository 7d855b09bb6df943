/**
 * Encryption at rest (issue #14): with CASCADE_DB_KEY set the store is SQLCipher-encrypted (through
 * better-sqlite3-multiple-ciphers), a running school works on it, nothing personal is readable in its
 * files, and the wrong key, no key, or a plain store with a key set are refused with a clear message.
 * `cascade encrypt-db` encrypts an existing store in place.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDb, DB_KEY_ENV, encryptStore, isPlainStore, openDb, StoreKeyError } from '../src/store/db.js';
import { tempDir } from './setup/helpers.js';
import { issue, level, startTestSchool, type TestSchool } from './setup/runtime.js';

const BIN = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
const KEY = 'a-test-key-of-enough-length';
const PHONE = '13912345678';
const cleanups: (() => Promise<void> | void)[] = [];
const saved = process.env[DB_KEY_ENV];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (saved === undefined) delete process.env[DB_KEY_ENV];
  else process.env[DB_KEY_ENV] = saved;
});

function dir(): string {
  const d = tempDir('cascade-enc');
  cleanups.push(d.remove);
  return d.path;
}

/** Every byte the store left on disk (the database, its WAL and shared memory). */
function storeBytes(path: string): Buffer {
  return Buffer.concat(readdirSync(path).filter((f) => f.startsWith('cascade.db')).map((f) => readFileSync(join(path, f))));
}

function writeSecret(file: string): void {
  const db = openDb(file);
  db.$client.prepare("INSERT INTO access_log (at, by_person_id, by, what, scope) VALUES (1, NULL, ?, 'address_book', '全校')").run(`cli ${PHONE}`);
  closeDb(db);
}

describe('the store encrypted at rest', () => {
  it('is created encrypted with the key, read back with it, and refused without it or with another', () => {
    const path = dir();
    const file = join(path, 'cascade.db');
    process.env[DB_KEY_ENV] = KEY;
    writeSecret(file);
    expect(isPlainStore(file)).toBe(false);
    expect(storeBytes(path).includes(Buffer.from(PHONE))).toBe(false);
    const again = openDb(file);
    expect(again.$client.prepare('SELECT by FROM access_log').pluck().get()).toBe(`cli ${PHONE}`);
    closeDb(again);

    delete process.env[DB_KEY_ENV];
    expect(() => openDb(file)).toThrow(StoreKeyError);
    expect(() => openDb(file)).toThrow(/已加密：请设置环境变量 CASCADE_DB_KEY/u);
    process.env[DB_KEY_ENV] = 'another-key-of-enough-length';
    expect(() => openDb(file)).toThrow(/密钥不正确/u);
  });

  it('a plain store with a key set is refused until `cascade encrypt-db` encrypts it in place, keeping its data', () => {
    const path = dir();
    const file = join(path, 'cascade.db');
    delete process.env[DB_KEY_ENV];
    writeSecret(file);
    expect(isPlainStore(file)).toBe(true);
    process.env[DB_KEY_ENV] = KEY;
    expect(() => openDb(file)).toThrow(/尚未加密.*cascade encrypt-db/u);

    const env = { ...process.env, CASCADE_DATA_DIR: path, [DB_KEY_ENV]: KEY };
    const run = spawnSync(process.execPath, [BIN, 'encrypt-db'], { env, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('已加密');
    expect(run.status).toBe(0);
    expect(isPlainStore(file)).toBe(false);
    expect(storeBytes(path).includes(Buffer.from(PHONE))).toBe(false);
    const db = openDb(file);
    expect(db.$client.prepare('SELECT by FROM access_log').pluck().get()).toBe(`cli ${PHONE}`);
    closeDb(db);
    // Twice is harmless; a short key or none is refused before anything is touched.
    expect(encryptStore(file, KEY)).toBe(false);
    const short = spawnSync(process.execPath, [BIN, 'encrypt-db'], { env: { ...env, [DB_KEY_ENV]: 'short' }, encoding: 'utf8' });
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('至少需要 16 个字符');
  });

  it('a school runs on an encrypted store: a directive relayed and counted, no phone number readable on disk', async () => {
    process.env[DB_KEY_ENV] = KEY;
    const s: TestSchool = await startTestSchool();
    cleanups.push(() => s.close());
    const id = await issue(s, '/通知 请各班今晚开班会');
    s.say('S111', 'L2:计算机学院', '收到');
    await s.settle();
    expect(level(s, id, 2)?.acknowledged).toBe(1);
    const path = s.runtime.app.config.dataDir;
    expect(isPlainStore(join(path, 'cascade.db'))).toBe(false);
    // The roster's numbers are in the store: none is readable in its files.
    expect(storeBytes(path).includes(Buffer.from('13601346442'))).toBe(false);
  });
});
