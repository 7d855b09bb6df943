/**
 * The authorization matrix of docs/security.md, computed from the command registry itself: for each
 * command, where it may be sent and which roles its guard lets through. A test compares the document
 * with this, row by row, so the document cannot drift from the code.
 */
import type { Command, Place, Viewer } from './feature.js';

/** A role as the matrix shows it, with a real person of the roster holding it (undefined: a stranger). */
export interface MatrixRole {
  readonly label: string;
  readonly viewer: Viewer;
}

export interface MatrixRow {
  readonly command: string;
  readonly words: string;
  readonly places: string;
  /** Per role, in the order given: may they use it. */
  readonly allowed: readonly boolean[];
}

const PLACE_LABELS: Record<Place, string> = { L1: 'L1', L2: 'L2', L3: 'L3', L4: 'L4', extra: '其他群', private: '私聊', unlisted: '名单外的群' };

export function matrixRows(commands: readonly Command[], roles: readonly MatrixRole[]): MatrixRow[] {
  return commands.map((c) => ({
    command: c.name,
    words: c.words.map((w) => `/${w}`).join(' '),
    places: c.where.map((p) => PLACE_LABELS[p]).join(' '),
    allowed: roles.map((r) => c.guard.allows(r.viewer)),
  }));
}

/** One markdown table row (the document's form). */
export function matrixLine(row: MatrixRow): string {
  return `| \`${row.command}\` | ${row.words} | ${row.places} | ${row.allowed.map((a) => (a ? '✓' : '—')).join(' | ')} |`;
}

export function matrixTable(rows: readonly MatrixRow[], roles: readonly MatrixRole[]): string {
  return [
    `| command | words | places | ${roles.map((r) => r.label).join(' | ')} |`,
    `|---|---|---|${roles.map(() => '---').join('|')}|`,
    ...rows.map(matrixLine),
  ].join('\n');
}
