/**
 * Redis may die; Cascade does not. The embedded redis-server killed under a running Cascade is
 * restarted at once and nothing received meanwhile is lost; an external Redis that stays away has
 * the inbound events held in memory, written to a file at the stop and queued by the next start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { INBOUND_SPILL_FILE } from '../src/app/build-app.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/queue/redis-server.js';
import { tempDir } from './setup/helpers.js';
import { issue, level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await school?.close();
  school = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

function capture(): { logger: pino.Logger; msgs: () => string[] } {
  const out: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (out.push(c.toString()), done()) }));
  return { logger, msgs: () => out.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

async function until(probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the embedded redis-server killed under a running Cascade', () => {
  it('is restarted, and a reply and a command received meanwhile are handled', { timeout: 60_000 }, async () => {
    const log = capture();
    school = await startTestSchool({ realClock: true, redis: 'embedded', logger: log.logger });
    const redis = school.runtime.embeddedRedis;
    if (!redis) throw new Error('no embedded redis');
    const id = await issue(school, '/通知 层级=3 请同学们完成健康打卡');
    const before = level(school, id, 3)?.acknowledged ?? 0;
    process.kill(redis.pid() ?? -1, 'SIGKILL');
    const mark = school.mark();
    school.say('2023010101', 'L3:计算机2301', '收到');
    school.say('S111', 'L2:计算机学院', `/进度 ${id}`);
    await until(() => redis.restarts() > 0);
    await until(() => (level(school as TestSchool, id, 3)?.acknowledged ?? 0) === before + 1);
    await until(() => (school?.botMessages('L2:计算机学院', mark) ?? []).some((m) => m.text.includes(`第${id}号通知`)));
    expect(log.msgs()).toContain('embedded redis-server exited; restarting it on the same port and data');
    expect(log.msgs()).toContain('embedded redis-server restarted');
  });
});

describe('an external Redis that stays away', () => {
  it('has inbound events held, written to a file at the stop, and queued by the next start', { timeout: 60_000 }, async () => {
    const dir = tempDir('ext-redis');
    cleanups.push(() => dir.remove());
    const data = join(dir.path, 'redis');
    let ext: EmbeddedRedis = await startEmbeddedRedis({ dataDir: data, supervise: false });
    cleanups.push(() => ext.stop());
    const { port } = ext;
    const password = new URL(ext.url).password;
    const log = capture();
    school = await startTestSchool({ realClock: true, redis: ext.url, logger: log.logger });
    const id = await issue(school, '/通知 层级=3 请同学们提交返校申请');
    const before = level(school, id, 3)?.acknowledged ?? 0;
    await new Promise((r) => setTimeout(r, 1100)); // AOF: everything so far on disk
    process.kill(ext.pid() ?? -1, 'SIGKILL');
    await until(() => !(school as TestSchool).runtime.app.health().redisReachable);
    school.say('2023010101', 'L3:计算机2301', '收到');
    await until(() => (school as TestSchool).runtime.app.health().inboundHeld === 1);
    const spill = join(school.runtime.app.config.dataDir, INBOUND_SPILL_FILE);
    await school.runtime.restart(false, async () => {
      // Stopped while Redis was away: the held event is in the file.
      expect(readFileSync(spill, 'utf8').trim().split('\n')).toHaveLength(1);
      ext = await startEmbeddedRedis({ dataDir: data, supervise: false, port, password });
    });
    await until(() => (level(school as TestSchool, id, 3)?.acknowledged ?? 0) === before + 1);
    expect(existsSync(spill)).toBe(false);
    expect(log.msgs()).toContain('redis unreachable: sends and jobs wait, inbound events are held in memory until it is back');
    expect(log.msgs()).toContain('redis does not take inbound events; holding them in memory until it does');
    expect(log.msgs()).toContain('inbound events redis had not taken were written to a file; the next start queues them');
    expect(log.msgs()).toContain('queued the inbound events the last run held at its stop');
  });
});
