/** One Cascade per data directory: the lock names its holder; a lock left by a process that is gone is taken over. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../src/data-lock.js';
import { tempDir } from './setup/helpers.js';

describe('the data directory lock', () => {
  it('refuses a second holder while a live process holds it, naming that process, and is gone once released', () => {
    const dir = tempDir('lock');
    // A live process other than this one: the vitest worker's parent.
    writeFileSync(join(dir.path, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: '2026-12-06T08:00:00.000Z' }));
    let error: unknown;
    try {
      lockDataDir(dir.path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(`进程 ${process.ppid}`);
    expect((error as Error).message).toContain('已被另一个 Cascade 使用');
    dir.remove();
  });

  it('takes over a lock whose process is gone, and removes only its own lock', () => {
    const dir = tempDir('lock');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir.path, LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout), host: hostname(), startedAt: 'x' }));
    const lock = lockDataDir(dir.path);
    expect(JSON.parse(readFileSync(join(dir.path, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(join(dir.path, LOCK_FILE))).toBe(false);
    dir.remove();
  });
});
