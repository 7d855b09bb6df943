/**
 * Shaping text before a bot posts it: long messages split into numbered parts, long mention lists
 * in batches, and personal numbers masked as a last line of defence.
 */

/**
 * Splits on line boundaries into parts of at most `maxChars` UTF-16 code units (the stricter count:
 * never more than the code points or characters a platform counts). A line longer than a part is cut
 * between characters (grapheme clusters: an emoji or a surrogate pair is never cut). With more than
 * one part each ends with ` (1/3)`, counted within the limit. Throws RangeError when `maxChars`
 * leaves no room for text beside the marker.
 */
export function splitMessage(text: string, maxChars: number): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 1) throw new RangeError(`maxChars must be a positive integer: ${maxChars}`);
  if (text.length <= maxChars) return [text];
  // The marker's width depends on the part count; widen until the count fits the width reserved.
  for (let digits = 1; ; digits++) {
    const reserve = markerLength(digits);
    const budget = maxChars - reserve;
    if (budget < MIN_PART_CHARS) throw new RangeError(`maxChars ${maxChars} is too small to split into parts`);
    const parts = packLines(text, budget);
    if (String(parts.length).length <= digits) return parts.map((p, i) => `${p}${marker(i + 1, parts.length)}`);
  }
}

/** A part must hold at least one character, which may be a surrogate pair. */
const MIN_PART_CHARS = 2;

function marker(index: number, total: number): string {
  return ` (${index}/${total})`;
}

function markerLength(digits: number): number {
  return ' (/)'.length + 2 * digits;
}

function packLines(text: string, budget: number): string[] {
  const parts: string[] = [];
  let current: string | null = null;
  for (const line of text.split('\n')) {
    if (current !== null && current.length + 1 + line.length <= budget) {
      current += `\n${line}`;
      continue;
    }
    if (current !== null) parts.push(current);
    if (line.length <= budget) {
      current = line;
      continue;
    }
    const pieces = cutLine(line, budget);
    current = pieces.pop() ?? '';
    parts.push(...pieces);
  }
  if (current !== null) parts.push(current);
  // Blank lines at a cut are dropped, so no part starts or ends with empty lines or is empty.
  return parts.map((p) => p.replace(/^\n+|\n+$/gu, '')).filter((p) => p.trim() !== '');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/**
 * How far around a cut the grapheme boundaries are read. V8's segmenter is quadratic in the length of
 * the string it is given, so it only ever sees this window, never the whole line: splitting is linear.
 */
const CUT_WINDOW = 64;

/** Cuts between grapheme clusters; a cluster longer than the window (rare) is cut between code points. */
function cutLine(line: string, budget: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (line.length - start > budget) {
    const cut = boundaryBefore(line, start + budget, start);
    pieces.push(line.slice(start, cut));
    start = cut;
  }
  if (start < line.length) pieces.push(line.slice(start));
  return pieces;
}

/** The last grapheme boundary at or before `at` and after `min`, read in a small window. */
function boundaryBefore(s: string, at: number, min: number): number {
  let from = Math.max(min, at - CUT_WINDOW);
  // Flags pair their regional indicators from the start of the run: count them from the piece's start
  // (a true boundary) so the window does not open between the two halves of a flag.
  let ris = 0;
  for (let k = from; k - 2 >= min && isRegionalIndicator(s, k - 2); k -= 2) ris++;
  if (ris % 2 === 1) from -= 2;
  const window = s.slice(from, Math.min(s.length, at + CUT_WINDOW));
  let best = -1;
  for (const { index } of graphemes.segment(window)) {
    const pos = from + index;
    if (pos > at) break;
    // The window's own start is a boundary only where the piece starts (elsewhere it may split a cluster).
    if (pos > min && (index > 0 || from === min)) best = pos;
  }
  if (best > min) return best;
  // No boundary near: cut between code points (never inside a surrogate pair).
  const code = s.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff && at - 1 > min ? at - 1 : at;
}

function isRegionalIndicator(s: string, i: number): boolean {
  const cp = s.codePointAt(i) ?? 0;
  return cp >= 0x1f1e6 && cp <= 0x1f1ff;
}

/** `chunk([1,2,3,4,5], 2)` → `[[1,2],[3,4],[5]]`. Throws RangeError unless size is a positive integer. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer: ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const MASK = '***';

const D = '[0-9０-９]';
/**
 * What people type between digit groups: spaces, dashes, dots, underscores, slashes, and invisible
 * characters (zero-width space and joiners, word joiner, soft hyphen, BOM) that copying often adds.
 */
const SEP = '[ \\-‐‑–—._/\\u00A0\\u3000\\u00AD\\u200B-\\u200D\\u2060\\uFEFF．＿／－]';
/**
 * 18-character 身份证号: 17 digits and a digit or X, grouped any way (6-8-4, 4-4-4-4-2) or not
 * at all.
 */
const ID_CARD = new RegExp(`(?<!${D})[1-9１-９](?:${SEP}?${D}){16}${SEP}?[0-9０-９XxＸｘ](?![0-9０-９A-Za-z])`, 'gu');
/** 15-digit 身份证号 (the first generation, still seen on old records), grouped any way. */
const ID_CARD_15 = new RegExp(`(?<!${D})[1-9１-９](?:${SEP}?${D}){14}(?!${D})`, 'gu');
/**
 * Mainland mobile: 1[3-9] and nine digits, one separator allowed between any two digits
 * (`138 1234 5678`, `138-1234-5678`, `138.1234.5678`, `1 3 8 1 2 3 4 5 6 7 8`), optionally after
 * +86 / 0086 / 86 / (+86).
 */
const MOBILE = new RegExp(
  `(?<!${D})(?:(?:[+＋]|00)?86${SEP}?|[(（][+＋]?86[)）]${SEP}?)?[1１]${SEP}?[3-9３-９](?:${SEP}?${D}){9}(?!${D})`,
  'gu',
);

/**
 * Replaces mainland mobile numbers and ID card numbers (18 and 15 digits) with `***`. The last
 * check before anything is posted in a group: it errs on masking too much (any 11-digit 1[3-9]…
 * run counts, and any 15-digit one).
 */
export function maskPhone(s: string): string {
  return s.replace(ID_CARD, MASK).replace(ID_CARD_15, MASK).replace(MOBILE, MASK);
}
