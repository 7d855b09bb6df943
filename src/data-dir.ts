/**
 * The data directory holds people's data (the store, logs, Redis data, account device files): it is
 * readable by Cascade's user only. `secureDataDir` creates it `0700` and narrows what an earlier run (or a
 * copy, or a restore) left wider: directories `0700`, files `0600`. From then on the process creates files
 * with a `077` umask, so SQLite's WAL, the logs, the embedded redis-server's AOF (it inherits the umask) and
 * the adapters' device files are born private.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What securing changed, for one log line. */
export interface Narrowed {
  readonly dirs: number;
  readonly files: number;
}

/** Directories are walked this deep (the store, redis/, accounts' device directories). */
const MAX_DEPTH = 6;

export function secureDataDir(dir: string): Narrowed {
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const counts = { dirs: 0, files: 0 };
  narrow(dir, 0, counts);
  return counts;
}

function narrow(path: string, depth: number, counts: { dirs: number; files: number }): void {
  const st = lstatSync(path);
  // Links are left alone (they may point outside the data directory).
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    if ((st.mode & 0o077) !== 0) {
      chmodSync(path, 0o700);
      counts.dirs++;
    }
    if (depth >= MAX_DEPTH) return;
    for (const name of readdirSync(path)) narrow(join(path, name), depth + 1, counts);
    return;
  }
  if (st.isFile() && (st.mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    counts.files++;
  }
}
