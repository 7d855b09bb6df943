import { isAbsolute, join } from 'node:path';
import { pino, type Logger } from 'pino';

/** JSON logs with ISO times; phone numbers and message texts are redacted wherever they appear in a log object. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['phone', '*.phone', '*.*.phone', 'text', '*.text', 'idNumber', '*.idNumber'], censor: '[redacted]' },
    base: { app: 'cascade' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * The service's logger as `log.*` configures it: to `log.file` (under the data directory unless absolute),
 * rotated by pino-roll when `log.rotate` is set, else to `destination` (stdout, or the sandbox's file).
 */
export function serviceLogger(
  log: { level: string; file?: string | undefined; rotate?: { frequency: 'daily' | 'hourly'; size: string; keep: number } | undefined },
  dataDir: string,
  destination?: pino.DestinationStream,
): Logger {
  if (log.file === undefined) return createLogger(log.level, destination);
  const file = isAbsolute(log.file) ? log.file : join(dataDir, log.file);
  if (!log.rotate) return createLogger(log.level, pino.destination({ dest: file, mkdir: true, append: true }));
  const transport = pino.transport({
    target: 'pino-roll',
    options: { file, frequency: log.rotate.frequency, size: log.rotate.size, limit: { count: log.rotate.keep }, mkdir: true },
  }) as pino.DestinationStream;
  return createLogger(log.level, transport);
}

export const silentLogger: Logger = pino({ level: 'silent' });
