/**
 * Failures are seen: a job that exhausts its attempts is logged with its queue, id and attempt under an
 * error number, recorded for `cascade status`, and the person whose message it was gets an apology
 * with the same number. A feature job that fails is reported the same way.
 */
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defineJob, type Feature } from '../src/app/feature.js';
import { FEATURES } from '../src/features/index.js';
import { issue, passTime, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        out.push(chunk.toString());
        done();
      },
    }),
  );
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function cli(args: string[], dataDir: string): Promise<string> {
  const bin = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CASCADE_DATA_DIR: dataDir } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('a job that fails for good', () => {
  it('is logged and recorded, and the sender of the message gets an apology with the same error number', { timeout: 60_000 }, async () => {
    const log = capture();
    // Real time: `cascade status` looks back 24 hours from now.
    school = await startTestSchool({ logger: log.logger, realClock: true });
    // The store refuses every message from now on.
    school.runtime.db.$client.exec('ALTER TABLE inbound_messages RENAME TO inbound_messages_away');
    const said = await school.ask('T001', 'L1', '/进度');
    const errorNo = /错误编号 ([A-Z0-9]{6})/u.exec(said.to('L1').join('\n'))?.[1];
    expect(errorNo).toBeDefined();
    const final = log.lines().find((l) => l['errorNo'] === errorNo);
    expect(final).toMatchObject({ msg: 'a job failed and will not be tried again', queue: 'inbound', attempts: 3 });
    expect(final?.['job']).toMatch(/^in-/u);
    // Earlier attempts are logged as retried.
    expect(log.lines().filter((l) => l['msg'] === 'a job failed; it will be tried again' && l['queue'] === 'inbound').length).toBe(2);

    const status = JSON.parse(await cli(['status', '--json'], school.runtime.app.config.dataDir)) as {
      failures: { total: number; byQueue: Record<string, number>; latest: { errorNo: string; queue: string; attempts: number; error: string }[] };
    };
    expect(status.failures.byQueue["inbound"]).toBe(1);
    expect(status.failures.latest[0]).toMatchObject({ errorNo, queue: 'inbound', attempts: 3 });
    expect(status.failures.latest[0]?.error).toContain('inbound_messages');
    const text = await cli(['status'], school.runtime.app.config.dataDir);
    expect(text).toContain(`错误编号 ${errorNo}`);
    expect(text).toContain('近 24 小时失败 1 次');
  });

  it('a feature job is reported the same way', async () => {
    const log = capture();
    const broken: Feature = {
      name: 'broken-job',
      jobs: [
        defineJob<{ n: number }>({
          name: 'broken',
          concurrency: 1,
          accepts: (d): d is { n: number } => typeof d === 'object' && d !== null && 'n' in d,
          async handle() {
            throw new Error('job bug');
          },
        }),
      ],
    };
    school = await startTestSchool({ logger: log.logger, features: [...FEATURES, broken] });
    await school.runtime.app.queues.add('broken', { n: 1 }, { jobId: 'broken-1', attempts: 1, backoffMs: 10 });
    // Once the job has failed its only attempt, it is recorded (the store is the event; settle waits for the queue).
    while (school.runtime.app.repos.failures.since(0, 10).length === 0) await new Promise((r) => setImmediate(r));
    const [f] = school.runtime.app.repos.failures.since(0, 10);
    expect(f).toMatchObject({ queue: 'broken', ref: 'broken-1', attempts: 1, error: 'Error: job bug' });
    expect(log.lines().find((l) => l['errorNo'] === f?.errorNo)).toMatchObject({ msg: 'a job failed and will not be tried again', queue: 'broken', job: 'broken-1' });
    await expect(school.runtime.app.queues.add('nobody', {}, { jobId: 'x', attempts: 1, backoffMs: 1 })).rejects.toThrow('no feature handles job kind nobody');
    // Data of the wrong shape is given up at once, whatever attempts are left.
    await school.runtime.app.queues.add('broken', { wrong: true }, { jobId: 'broken-2', attempts: 5, backoffMs: 10 });
    while (!school.runtime.app.repos.failures.since(0, 10).some((x) => x.ref === 'broken-2')) await new Promise((r) => setImmediate(r));
    const shape = school.runtime.app.repos.failures.since(0, 10).find((x) => x.ref === 'broken-2');
    expect(shape).toMatchObject({ queue: 'broken', attempts: 1 });
    expect(shape?.error).toContain('wrong shape');
  });

  it('a chase round whose transaction fails is recorded with an error number and tried again later', async () => {
    const log = capture();
    school = await startTestSchool({ logger: log.logger });
    const id = await issue(school, '/通知 请各学院统计返校人数');
    const directives = school.runtime.app.repos.directives;
    const get = directives.get.bind(directives);
    let broken = true;
    directives.get = (n: number) => {
      if (broken) throw new Error('store away');
      return get(n);
    };
    // The first automatic round is due 15 minutes after the post.
    await passTime(school, 16 * 60_000);
    const [f] = school.runtime.app.repos.failures.since(0, 10).filter((x) => x.queue === 'chase');
    expect(f).toMatchObject({ queue: 'chase', error: 'Error: store away' });
    expect(f?.ref).toMatch(new RegExp(`^${id}@`, 'u'));
    expect(log.lines().find((l) => l['errorNo'] === f?.errorNo)).toMatchObject({ msg: 'chase round failed; retrying later' });
    // It is tried again: once the store answers, the round runs (someone is reminded).
    broken = false;
    const mark = school.mark();
    await passTime(school, 30 * 60_000);
    expect(school.botMessages(undefined, mark).some((m) => m.text.includes('【催办】') || m.text.includes('【提醒】'))).toBe(true);
  });
});
