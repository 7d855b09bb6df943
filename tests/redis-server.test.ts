import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redactUrl, RedisUnavailableError, startEmbeddedRedis, STATE_FILE } from '../src/queue/redis-server.js';
import { tempDir } from './setup/helpers.js';

function capture(): { logger: pino.Logger; lines: () => { msg: string }[] } {
  const out: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (out.push(c.toString()), done()) }));
  return { logger, lines: () => out.map((l) => JSON.parse(l) as { msg: string }) };
}

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded redis-server', () => {
  it('starts on a free loopback port with a password and AOF under the data dir, and stops', async () => {
    const dir = tempDir('redis');
    const redis = await startEmbeddedRedis({ dataDir: join(dir.path, 'redis') });
    expect(redis.url).toMatch(/^redis:\/\/:[0-9a-f]{48}@127\.0\.0\.1:\d+$/);
    expect(redactUrl(redis.url)).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = new Redis(redis.url);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    client.disconnect();
    // Without the password nothing is answered.
    const anonymous = new Redis(`redis://127.0.0.1:${redis.port}`, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => undefined);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();
    // The password is not on its command line.
    expect(readFileSync(`/proc/${redis.pid()}/cmdline`, 'utf8')).not.toContain(new URL(redis.url).password);
    await redis.stop();
    expect(existsSync(join(dir.path, 'redis', STATE_FILE))).toBe(false);
    const probe = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    await expect(probe.connect()).rejects.toThrow();
    dir.remove();
  });

  it('is restarted at once on the same port and data when it dies, with a log line each way', { timeout: 30_000 }, async () => {
    const dir = tempDir('redis');
    const log = capture();
    const redis = await startEmbeddedRedis({ dataDir: join(dir.path, 'redis'), logger: log.logger });
    const client = new Redis(redis.url);
    await client.set('kept', 'yes');
    // AOF is written every second: give it one before the kill.
    await client.bgrewriteaof();
    await new Promise((r) => setTimeout(r, 1200));
    const first = redis.pid();
    process.kill(first ?? -1, 'SIGKILL');
    // The client reconnects on its own once the new server answers.
    while (redis.restarts() === 0) await new Promise((r) => setTimeout(r, 20));
    expect(redis.pid()).not.toBe(first);
    expect(await client.get('kept')).toBe('yes');
    expect(log.lines().map((l) => l.msg)).toEqual(['embedded redis-server exited; restarting it on the same port and data', 'embedded redis-server restarted']);
    client.disconnect();
    await redis.stop();
    dir.remove();
  });

  it('stops the server an earlier run left on the same data directory instead of starting a second', { timeout: 30_000 }, async () => {
    const dir = tempDir('redis');
    const data = join(dir.path, 'redis');
    const log = capture();
    const left = await startEmbeddedRedis({ dataDir: data, supervise: false });
    const leftPid = left.pid();
    // The run that started it is killed: nothing stops it, its state file stays.
    const next = await startEmbeddedRedis({ dataDir: data, logger: log.logger });
    expect(alive(leftPid)).toBe(false);
    expect(log.lines().map((l) => l.msg)).toContain('stopping the embedded redis-server an earlier run left behind');
    expect(JSON.parse(readFileSync(join(data, STATE_FILE), 'utf8'))).toMatchObject({ pid: next.pid(), port: next.port });
    await next.stop();
    dir.remove();
  });

  it('says exactly how to install redis-server or point at one when it is missing', async () => {
    const attempt = startEmbeddedRedis({ binary: 'redis-server-that-does-not-exist' });
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toThrow(/apt-get install -y redis-server.*REDIS_URL=/s);
  });
});
