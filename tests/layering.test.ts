/**
 * Dependencies point inward: the domain imports nothing but the domain, and only the queue and store
 * layers touch BullMQ, Redis or SQL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
}

describe('layering', () => {
  it('keeps the domain free of adapters, queues, stores and packages', () => {
    for (const file of sources('src/domain')) {
      for (const spec of imports(file)) {
        if (file.endsWith('.test.ts') && spec === 'vitest') continue;
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[^/]+\.js$/);
      }
    }
  });

  it('lets only src/queue, src/store (and the benchmark) import bullmq, ioredis, better-sqlite3 or drizzle', () => {
    const infra = /^(bullmq|ioredis|better-sqlite3|drizzle-orm)/;
    // The benchmark measures raw BullMQ as its reference, so it may use it directly.
    const allowed = /src\/(queue|store|bench)\//;
    for (const file of [...sources('src'), ...sources('adapters')]) {
      if (allowed.test(file) || file.endsWith('.test.ts')) continue;
      for (const spec of imports(file)) expect(infra.test(spec), `${file} imports ${spec}`).toBe(false);
    }
  });
});
