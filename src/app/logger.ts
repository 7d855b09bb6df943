import { pino, type Logger } from 'pino';

/** JSON logs with ISO times; phone numbers and message texts are redacted wherever they appear in a log object. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['phone', '*.phone', '*.*.phone', 'text', '*.text', 'idNumber', '*.idNumber'], censor: '[redacted]' },
    base: { app: 'cascade' },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });
