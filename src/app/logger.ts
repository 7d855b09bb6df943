import { isAbsolute, join } from 'node:path';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

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
 * Readable lines for a person at a terminal (`log.format` pretty, or auto on a TTY): the time in the school's
 * time zone, the level, the message and its fields; the same redaction as the JSON lines (it happens before).
 */
export function prettyStream(timeZone: string, out: NodeJS.WritableStream & { isTTY?: boolean }): pino.DestinationStream {
  const clock = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return pretty({
    destination: out,
    sync: true,
    colorize: out.isTTY === true,
    ignore: 'pid,hostname,app',
    // The raw ISO time reaches the prettifier (pino-pretty would otherwise write the machine's UTC clock).
    translateTime: false,
    customPrettifiers: { time: (t) => `[${typeof t === 'string' && Number.isFinite(Date.parse(t)) ? clock.format(Date.parse(t)) : String(t)}]` },
  });
}

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * The service's logger as `log.*` configures it: to `log.file` (under the data directory unless absolute),
 * rotated by pino-roll when `log.rotate` is set, else to `destination` (stdout, or the sandbox's file) —
 * as readable lines when `log.format` is pretty, or auto and the destination is a terminal; JSON otherwise.
 */
export function serviceLogger(
  log: { level: string; format?: LogFormat | undefined; file?: string | undefined; rotate?: { frequency: 'daily' | 'hourly'; size: string; keep: number } | undefined },
  dataDir: string,
  destination?: pino.DestinationStream | (NodeJS.WritableStream & { isTTY?: boolean }),
  timeZone = 'Asia/Shanghai',
): Logger {
  if (log.file === undefined) {
    const out = destination ?? process.stdout;
    const format = log.format ?? 'auto';
    const isTty = (out as { isTTY?: boolean }).isTTY === true;
    if (format === 'pretty' || (format === 'auto' && isTty)) return createLogger(log.level, prettyStream(timeZone, out as NodeJS.WritableStream));
    return createLogger(log.level, out as pino.DestinationStream);
  }
  const file = isAbsolute(log.file) ? log.file : join(dataDir, log.file);
  if (!log.rotate) return createLogger(log.level, pino.destination({ dest: file, mkdir: true, append: true }));
  const transport = pino.transport({
    target: 'pino-roll',
    options: { file, frequency: log.rotate.frequency, size: log.rotate.size, limit: { count: log.rotate.keep }, mkdir: true },
  }) as pino.DestinationStream;
  return createLogger(log.level, transport);
}

export const silentLogger: Logger = pino({ level: 'silent' });
