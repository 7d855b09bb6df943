/**
 * Failures people are told about. Every failure a person could see gets an error number: the apology
 * they read carries it, and so does the log line with the error, so support finds one from the other.
 */
import { randomBytes } from 'node:crypto';

/** No 0/O, 1/I/L: the number is read aloud and typed back. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const LENGTH = 6;

/** A fresh error number, e.g. `K7Q2MX`. */
export function newErrorNumber(): string {
  const bytes = randomBytes(LENGTH);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length] ?? 'X';
  return out;
}

/**
 * A log for errors that come in storms (Redis unreachable: every connection reports every retry): the
 * first of each kind is logged at once, then at most one line per `everyMs` with how many were left out.
 */
export class ErrorStorm {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to log this one now, and how many of its kind were left out since the last line. */
  admit(kind: string): { log: boolean; suppressed: number } {
    const now = this.now();
    const seen = this.last.get(kind);
    if (seen && now - seen.at < this.everyMs) {
      seen.suppressed++;
      return { log: false, suppressed: 0 };
    }
    this.last.set(kind, { at: now, suppressed: 0 });
    return { log: true, suppressed: seen?.suppressed ?? 0 };
  }
}

/** An error as a failure record keeps it: its name and message, no stack, no data. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
