/**
 * The data directory is Cascade's alone (issue #14): created 0700, what an earlier run left wider narrowed
 * (directories 0700, files 0600), and what Cascade writes afterwards born private (the store, its WAL).
 */
import { chmodSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { secureDataDir } from '../src/data-dir.js';
import { tempDir } from './setup/helpers.js';
import { startTestSchool, type TestSchool } from './setup/runtime.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

let school: TestSchool | undefined;
const dirs: { remove: () => void }[] = [];
afterEach(async () => {
  await school?.close();
  school = undefined;
  for (const d of dirs.splice(0)) d.remove();
});

describe('the data directory', () => {
  it('narrows what was left readable by others, and leaves links alone', () => {
    const temp = tempDir('data-dir');
    dirs.push(temp);
    const data = join(temp.path, 'data');
    mkdirSync(join(data, 'redis'), { recursive: true, mode: 0o755 });
    chmodSync(data, 0o755);
    chmodSync(join(data, 'redis'), 0o755);
    writeFileSync(join(data, 'cascade.db'), 'x', { mode: 0o644 });
    chmodSync(join(data, 'cascade.db'), 0o644);
    writeFileSync(join(data, 'redis', 'appendonly.aof'), 'x');
    chmodSync(join(data, 'redis', 'appendonly.aof'), 0o666);
    const outside = join(temp.path, 'outside.txt');
    writeFileSync(outside, 'x');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(data, 'link'));
    expect(secureDataDir(data)).toEqual({ dirs: 2, files: 2 });
    expect([mode(data), mode(join(data, 'redis')), mode(join(data, 'cascade.db')), mode(join(data, 'redis', 'appendonly.aof'))]).toEqual([0o700, 0o700, 0o600, 0o600]);
    expect(mode(outside)).toBe(0o644);
    expect(secureDataDir(data)).toEqual({ dirs: 0, files: 0 });
  });

  it('is private once Cascade has run in it: the store and its WAL too', async () => {
    school = await startTestSchool({ redis: 'embedded' });
    await school.ask('T001', 'L1', '/通知 请各学院于今晚前完成检查');
    const data = school.runtime.app.config.dataDir;
    expect(mode(data)).toBe(0o700);
    for (const name of readdirSync(data)) {
      const path = join(data, name);
      expect(mode(path) & 0o077, name).toBe(0);
    }
  });
});
