/** Every CLI subcommand answers `--help` with its own lines of the usage (issue #17). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandHelp } from '../src/cli.js';

describe('cascade <命令> --help', () => {
  const source = readFileSync('src/cli.ts', 'utf8');
  const commands = [...source.matchAll(/^ {4}case '([a-z][a-z-]*)':/gmu)].map((m) => m[1] ?? '');
  it('knows every command the CLI runs', () => {
    expect(commands.length).toBeGreaterThan(15);
    for (const c of commands.filter((x) => x !== 'help')) expect(commandHelp(c), c).toMatch(new RegExp(`^用法：cascade ${c}\\b`, 'u'));
    expect(commandHelp('nonsense')).toBeNull();
  });
});
