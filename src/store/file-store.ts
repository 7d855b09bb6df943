/**
 * The bytes of attachments, under the data directory: `attachments/<sha256>`, the directory 0700 and
 * each file 0600 like the rest of the data directory (they may be a class list or a form with names).
 * Content-addressed: the same file attached twice is kept once.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class FileStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'attachments');
  }

  /** Keeps the bytes (written to a temporary name, then renamed: a crash leaves no half file under the hash). */
  put(bytes: Uint8Array): { sha256: string; size: number; path: string } {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.path(sha256);
    if (!existsSync(path)) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      chmodSync(this.dir, 0o700);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes, { mode: 0o600 });
      renameSync(tmp, path);
    }
    return { sha256, size: bytes.byteLength, path };
  }

  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/u.test(sha256)) throw new Error('not a sha256');
    return join(this.dir, sha256);
  }

  /** Whether the bytes are on disk (a restored backup may lack them). */
  has(sha256: string): boolean {
    try {
      return statSync(this.path(sha256)).isFile();
    } catch {
      return false;
    }
  }

  remove(sha256: string): void {
    rmSync(this.path(sha256), { force: true });
  }
}
