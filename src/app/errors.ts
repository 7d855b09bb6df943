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
