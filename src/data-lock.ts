/**
 * One Cascade per data directory: a lock file names the running process; a second start on the same
 * directory refuses, naming it. A lock left by a process that is gone (killed) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'cascade.lock';

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly holder: Holder,
  ) {
    super(
      `数据目录 ${dir} 已被另一个 Cascade 使用（进程 ${holder.pid}，主机 ${holder.host}，启动于 ${holder.startedAt}）。` +
        '同一个数据目录只能运行一个 Cascade：请先停止它，或在配置中指定另一个数据目录（dataDir）。',
    );
  }
}

export interface DataDirLock {
  release(): void;
}

/** Takes the data directory's lock, or throws DataDirLockedError naming the process that holds it. */
export function lockDataDir(dataDir: string, now: Date = new Date()): DataDirLock {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), startedAt: now.toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      return {
        release() {
          // Only our own lock: a lock taken over after ours was judged stale is not ours to remove.
          if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && alive(holder)) throw new DataDirLockedError(dir, holder);
      // Left by a process that is gone (or unreadable, or our own pid from an earlier life): taken over.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' ? { pid: h.pid, host: String(h.host ?? '?'), startedAt: String(h.startedAt ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

/** On another host the process cannot be asked: the lock holds (a shared data directory is the operator's call). */
function alive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A recycled pid of something that is not Node is not Cascade.
    return /node|tsx|cascade/u.test(readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8'));
  } catch {
    return true;
  }
}
