import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/queue/redis-server.js';

let redis: EmbeddedRedis | undefined;

/** One private redis-server for the whole run, on a free loopback port; each test uses its own key prefix. */
export async function setup(project: TestProject): Promise<void> {
  redis = await startEmbeddedRedis();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
