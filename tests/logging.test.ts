/**
 * Logs (issue #17): ISO times, and with `log.file` + `log.rotate` a rotated file under the data directory
 * written by pino-roll; phone numbers and texts stay redacted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
