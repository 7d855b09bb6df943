import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisUrl, uniquePrefix } from './setup/helpers.js';

describe('test redis', () => {
  it('is a real redis-server reachable on loopback', async () => {
    const redis = new Redis(redisUrl());
    const key = `${uniquePrefix()}:k`;
    await redis.set(key, 'v');
    expect(await redis.get(key)).toBe('v');
    expect(String(await redis.info('server'))).toContain('redis_version');
    redis.disconnect();
  });
});
