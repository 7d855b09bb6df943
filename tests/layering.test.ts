/**
 * Dependencies point inward (docs/architecture.md): the domain imports nothing but the domain; only the
 * queue and store layers touch BullMQ, Redis or SQL; config and platform code never import an adapter
 * (adapters register themselves); features and the app core never import an adapter either; and the
 * core in src/app imports no feature but through the features' index in the composition root.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const from = [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
  const bare = [...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
  const dynamic = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? '');
  return [...from, ...bare, ...dynamic];
}

/** Every (file, import) pair of a tree. */
function edges(dir: string): [string, string][] {
  return sources(dir).flatMap((f) => imports(f).map((spec): [string, string] => [f, spec]));
}

describe('layering', () => {
  it('keeps the domain free of adapters, queues, stores and packages', () => {
    for (const file of readdirSync('src/domain').filter((f) => f.endsWith('.ts')).map((f) => join('src/domain', f))) {
      for (const spec of imports(file)) {
        if (file.endsWith('.test.ts') && spec === 'vitest') continue;
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[^/]+\.js$/);
      }
    }
  });

  it('lets only src/queue, src/store (and the benchmark) import bullmq, ioredis, better-sqlite3 or drizzle', () => {
    const infra = /^(bullmq|ioredis|better-sqlite3|drizzle-orm)/;
    // The benchmark measures raw BullMQ as its reference, so it may use it directly; the fault suite reads
    // a running Cascade's store from outside, read-only, as an operator's tool would.
    const allowed = /src\/(queue|store|bench|chaos)\//;
    for (const [file, spec] of [...edges('src'), ...edges('adapters')]) {
      if (allowed.test(file)) continue;
      expect(infra.test(spec), `${file} imports ${spec}`).toBe(false);
    }
  });

  it('keeps config, platform, app and features from importing adapters', () => {
    for (const dir of ['src/config', 'src/platform', 'src/app', 'src/features', 'src/store', 'src/queue', 'src/domain']) {
      for (const [file, spec] of edges(dir)) expect(spec.includes('adapters/'), `${file} imports ${spec}`).toBe(false);
    }
  });

  it('keeps the core from importing features (buildApp composes them through the features index)', () => {
    for (const [file, spec] of edges('src/app')) {
      if (file.endsWith('build-app.ts') && spec === '../features/index.js') continue;
      expect(spec.includes('features/'), `${file} imports ${spec}`).toBe(false);
    }
  });

  it('keeps the store, queue and platform layers from importing the app or features', () => {
    for (const dir of ['src/store', 'src/queue', 'src/platform', 'src/config']) {
      for (const [file, spec] of edges(dir)) expect(/\/(app|features)\//u.test(spec), `${file} imports ${spec}`).toBe(false);
    }
  });
});
