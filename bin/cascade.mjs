#!/usr/bin/env -S node --max-old-space-size=384
// The `cascade` command: runs the TypeScript CLI (src/cli.ts) through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli, explain } = await import('../src/cli.ts');
try {
  process.exit(await runCli(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(`${explain(error)}\n`);
  process.exit(1);
}
