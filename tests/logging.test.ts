/**
 * Logs (issue #17): ISO times, and with `log.file` + `log.rotate` a rotated file under the data directory
 * written by pino-roll; phone numbers and texts stay redacted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceLogger } from '../src/app/logger.js';
import { tempDir, waitUntil } from './setup/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});


describe('service logs', () => {
  it('writes ISO times to a rotated file under the data directory, redacting phones and texts', async () => {
    const dir = tempDir('logs');
    cleanups.push(() => dir.remove());
    const logger = serviceLogger({ level: 'info', file: 'logs/cascade.log', rotate: { frequency: 'daily', size: '1m', keep: 3 } }, dir.path);
    logger.info({ phone: '13800000000', text: '张三妈妈收到' }, 'a line');
    logger.flush();
    const logs = join(dir.path, 'logs');
    const written = (): string => {
      try {
        return readdirSync(logs)
          .filter((f) => f.startsWith('cascade'))
          .map((f) => readFileSync(join(logs, f), 'utf8'))
          .join('');
      } catch {
        return '';
      }
    };
    await waitUntil(() => written().includes('a line'));
    const line = JSON.parse(written().trim().split('\n')[0] ?? '{}') as Record<string, unknown>;
    expect(String(line['time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/u);
    expect(line['phone']).toBe('[redacted]');
    expect(line['text']).toBe('[redacted]');
  });

  /** A stream that keeps what is written, and says whether it is a terminal. */
  const capture = (isTTY: boolean): Writable & { isTTY: boolean; text: () => string } => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }) as Writable & { isTTY: boolean; text: () => string };
    stream.isTTY = isTTY;
    stream.text = () => chunks.join('');
    return stream;
  };

  it('is readable on a terminal: the time in the school\'s zone, the level, the message, still redacted', () => {
    const out = capture(true);
    const logger = serviceLogger({ level: 'info' }, '/nonexistent', out, 'Asia/Shanghai');
    logger.info({ phone: '13800000000', account: 'qq-bot-1' }, 'onebot online');
    const text = out.text();
    expect(text).not.toMatch(/^\{/u);
    expect(text).toMatch(/\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]/u);
    expect(text).toContain('onebot online');
    expect(text).toContain('qq-bot-1');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('13800000000');
    // The hour is Beijing's, whatever the machine's zone: 8 hours ahead of UTC.
    const hour = Number(/ (\d\d):\d\d:\d\d\]/u.exec(text)?.[1]);
    const utc = new Date().getUTCHours();
    expect([(utc + 8) % 24, (utc + 9) % 24]).toContain(hour);
  });

  it('is JSON lines when not a terminal (a pipe, a container), and as `log.format` says otherwise', () => {
    const piped = capture(false);
    serviceLogger({ level: 'info' }, '/nonexistent', piped).info('to a pipe');
    expect((JSON.parse(piped.text().trim()) as { msg: string }).msg).toBe('to a pipe');

    const forcedJson = capture(true);
    serviceLogger({ level: 'info', format: 'json' }, '/nonexistent', forcedJson).info('json on a terminal');
    expect((JSON.parse(forcedJson.text().trim()) as { msg: string }).msg).toBe('json on a terminal');

    const forcedPretty = capture(false);
    serviceLogger({ level: 'info', format: 'pretty' }, '/nonexistent', forcedPretty).info('pretty to a pipe');
    expect(forcedPretty.text()).toContain('pretty to a pipe');
    expect(() => JSON.parse(forcedPretty.text().trim()) as unknown).toThrow();
  });
});
