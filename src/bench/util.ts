/** Small helpers the benchmark phases share. */
import { Redis } from 'ioredis';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rounds for the report: `round(3.14159, 1)` is 3.1. */
export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

/** Polls `done` every `everyMs` until it holds; throws after `timeoutMs`, naming `what`. */
export async function waitFor(what: string, timeoutMs: number, everyMs: number, done: () => boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Numeric fields of one section of Redis's INFO (`cpu`, `memory`, ...); null when Redis does not answer. */
export async function redisInfo(url: string, section: string): Promise<((field: string) => number) | null> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info(section);
    return (field) => Number(new RegExp(`^${field}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}
