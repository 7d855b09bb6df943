/**
 * The command line speaks to operators in short Chinese messages: a YAML syntax error in a config or a
 * drill names its file and line, an unknown command says so; the stack only with --debug.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './setup/helpers.js';

const bin = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
const dirs: { remove: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function file(name: string, text: string): string {
  const dir = tempDir('cli');
  dirs.push(dir);
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

describe('cli errors', () => {
  it('a YAML syntax error in a drill: file and line, no stack; the stack with --debug', async () => {
    const drill = file('bad.yaml', 'name: x\nsteps:\n  - say: { as: T001, in: L1, text: "/通知 x"\n  - wait: 1h\n');
    const plain = await run(['drill', drill]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain('YAML 格式有误');
    expect(plain.stderr).toContain(drill);
    expect(plain.stderr).toMatch(/第 \d+ 行/u);
    expect(plain.stderr).not.toMatch(/\n\s+at /u);
    const debug = await run(['drill', drill, '--debug']);
    expect(debug.stderr).toMatch(/\n\s+at /u);
  });

  it('a YAML syntax error in a config', async () => {
    const config = file('cascade.yaml', 'sending:\n  minGapMs: [1500\n');
    const out = await run(['status', '--config', config]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`配置有误（${config}）`);
    expect(out.stderr).toContain('YAML 格式有误');
    expect(out.stderr).not.toMatch(/\n\s+at /u);
  });

  it('an unknown command', async () => {
    const out = await run(['frobnicate']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('没有“frobnicate”这个命令');
  });
});
