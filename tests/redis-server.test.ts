import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisUnavailableError, startEmbeddedRedis } from '../src/queue/redis-server.js';
import { tempDir } from './setup/helpers.js';

describe('embedded redis-server', () => {
  it('starts on a free loopback port with AOF under the data dir, and stops', async () => {
    const dir = tempDir('redis');
    const redis = await startEmbeddedRedis({ dataDir: join(dir.path, 'redis') });
    const client = new Redis(redis.url);
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    client.disconnect();
    await redis.stop();
    expect(existsSync(join(dir.path, 'redis'))).toBe(true);
    const probe = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    await expect(probe.connect()).rejects.toThrow();
    dir.remove();
  });

  it('says exactly how to install redis-server or point at one when it is missing', async () => {
    const attempt = startEmbeddedRedis({ binary: 'redis-server-that-does-not-exist' });
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toThrow(/apt-get install -y redis-server.*REDIS_URL=/s);
  });
});
