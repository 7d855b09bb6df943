/**
 * 接龙: a list people extend by copying the whole message and adding their own line. Each version
 * repeats every earlier line, so what a sender said is only what their version adds to the one
 * before it in the same group.
 */

/** One entry of a 接龙 list (`3. 张三妈妈 收到`). */
export interface ChainEntry {
  readonly index: number;
  readonly text: string;
}

export interface ParsedChain {
  /** The instruction above the list (`请各位家长回复收到`), joined by newlines. */
  readonly header: string;
  readonly entries: readonly ChainEntry[];
}

// The body is taken greedily and trimmed in code: a lazy body before `\s*$` rescans a run of spaces
// from every position in it.
const ENTRY = /^\s*(\d{1,4})\s*[.、)\]:：．]\s*(.*)$|^\s*(\d{1,4})\s+(\S.*)$/u;
/** `#接龙`, after the title in WeChat's own layout. */
const CHAIN_MARK = /#\s*接龙/u;
/** Each line is read up to this many characters (as a reply is classified up to MAX_CLASSIFIED_CHARS). */
export const MAX_LINE_CHARS = 2000;

/** The first MAX_LINE_CHARS of a line, not cutting a surrogate pair. */
function clipLine(line: string): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  const high = line.charCodeAt(MAX_LINE_CHARS - 1);
  return line.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_LINE_CHARS - 1 : MAX_LINE_CHARS);
}

/** Lines above the first entry read as the header at the most; a longer run of them is not a list. */
const MAX_HEADER_LINES = 50;

/** A raw line as the list is read: circled numbers (①②③) become `1. `, not a bare `1` glued to the name as NFKC would make them. */
function readLine(raw: string): string {
  return clipLine(raw.replace(/[\u2460-\u2473]/gu, (c) => `${c.charCodeAt(0) - 0x245f}. `).normalize('NFKC'));
}

/**
 * A hand-typed 接龙 (`#接龙` first, then numbered lines); null when the text is not one. The header is
 * read from the top; entries from the last `maxEntries` lines only (a long list seen for the first time
 * costs a bounded amount of work: its end is where the newest lines are).
 */
export function parseChain(text: string, maxEntries = Number.POSITIVE_INFINITY): ParsedChain | null {
  const lines = text.split(/\r?\n/u);
  // Hand-typed lists start with `#接龙`; WeChat's own 接龙 puts it after the title (`关于…的通知#接龙`).
  const firstLine = readLine(lines[0] ?? '');
  const mark = CHAIN_MARK.exec(firstLine);
  if (!mark) return null;
  const header: string[] = [];
  const title = `${firstLine.slice(0, mark.index)} ${firstLine.slice(mark.index + mark[0].length)}`.trim();
  if (title !== '') header.push(title);
  let i = 1;
  for (; i < lines.length && i <= MAX_HEADER_LINES; i++) {
    const line = readLine(lines[i] ?? '');
    if (ENTRY.test(line)) break;
    if (line.trim() !== '') header.push(line.trim());
  }
  // Blank lines at the end do not take the window's room.
  let end = lines.length;
  while (end > i && (lines[end - 1] ?? '').trim() === '') end--;
  const entries: ChainEntry[] = [];
  for (let j = Math.max(i, end - maxEntries); j < end; j++) {
    const m = ENTRY.exec(readLine(lines[j] ?? ''));
    const index = m?.[1] ?? m?.[3];
    const body = (m?.[2] ?? m?.[4])?.trimEnd();
    if (index !== undefined && body !== undefined && body !== '') entries.push({ index: Number(index), text: body });
  }
  return { header: header.join('\n'), entries };
}

/** Identifies "the same chain" within a group: its header with spacing and punctuation ignored. */
export function chainKey(header: string): string {
  return header.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '').slice(0, 200);
}

function lineKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s\p{P}]/gu, '');
}

/**
 * The entries of `next` that `previous` did not have, compared as lines of text (people renumber,
 * reorder and fix typos; a changed line counts as added). With no previous version, every entry is new.
 */
export function addedEntries<E extends ChainEntry>(previous: readonly string[] | null, next: readonly E[]): E[] {
  if (previous === null) return [...next];
  const seen = new Map<string, number>();
  for (const t of previous) {
    const k = lineKey(t);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const added: E[] = [];
  for (const e of next) {
    const k = lineKey(e.text);
    const n = seen.get(k) ?? 0;
    if (n > 0) seen.set(k, n - 1);
    else added.push(e);
  }
  return added;
}
