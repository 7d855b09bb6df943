// Fails when `drizzle-kit generate` would change migrations/ (the schema moved without a migration).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

// drizzle-kit wants paths relative to the working directory.
const work = relative(process.cwd(), mkdtempSync(join(tmpdir(), 'cascade-migrations-')));
try {
  cpSync('migrations', join(work, 'migrations'), { recursive: true });
  const config = join(work, 'drizzle.config.mjs');

  writeFileSync(
    config,
    `export default { dialect: 'sqlite', schema: './src/store/schema.ts', out: ${JSON.stringify(join(work, 'migrations'))} };\n`,
  );
  const out = execFileSync('npx', ['--no-install', 'drizzle-kit', 'generate', '--config', config], { encoding: 'utf8', stdio: 'pipe' });
  if (!/No schema changes|migration file/.test(out)) throw new Error(`drizzle-kit generate said something unexpected:\n${out}`);
  const list = (dir) => readdirSync(dir, { recursive: true }).map(String).sort();
  const before = list('migrations');
  const after = list(join(work, 'migrations'));
  const changed =
    before.join('\n') !== after.join('\n') ||
    before.some((f) => !f.endsWith('.json') && !f.endsWith('meta') && readFileSync(join('migrations', f), 'utf8') !== readFileSync(join(work, 'migrations', f), 'utf8'));
  if (changed) {
    console.error('migrations/ is out of date: run `npm run db:generate` and commit the result.');
    process.exit(1);
  }
  console.log('migrations/ matches src/store/schema.ts');
} finally {
  rmSync(work, { recursive: true, force: true });
}
