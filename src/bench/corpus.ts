/**
 * The labelled reply corpus (tests/fixtures/replies*.jsonl) and how a classifier scores on it:
 * accuracy, per-label precision and recall, and the confusions that matter (a negative or a
 * question taken as an acknowledgement).
 */
import { readFileSync } from 'node:fs';
import { REPLY_LABELS, type ReplyLabel } from '../domain/understanding.js';

export interface CorpusRow {
  readonly text: string;
  readonly label: ReplyLabel;
  /** What the directive asked people to reply; 收到 when absent. */
  readonly hint?: string;
  readonly level?: number;
  readonly sender?: string;
  readonly names?: readonly string[];
  readonly figures?: readonly string[];
  readonly retract?: boolean;
  /** An acknowledgement that should not be counted without review (a bare 👍, an unasked 1). */
  readonly lowConfidence?: boolean;
  readonly note?: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

export function loadCorpus(path: string): CorpusRow[] {
  const rows: CorpusRow[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (raw.trim() === '') return;
      const row = JSON.parse(raw) as Omit<CorpusRow, 'line'>;
      if (typeof row.text !== 'string' || !REPLY_LABELS.includes(row.label)) throw new Error(`${path}:${i + 1}: bad row`);
      rows.push({ ...row, line: i + 1 });
    });
  return rows;
}

export interface LabelScore {
  readonly label: ReplyLabel;
  readonly support: number;
  readonly precision: number;
  readonly recall: number;
}

export interface CorpusScore {
  readonly total: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly perLabel: readonly LabelScore[];
  /** Negative or question messages classified as ack: must be zero. */
  readonly unsafeAcks: number;
  readonly misses: readonly { readonly row: CorpusRow; readonly got: ReplyLabel }[];
}

export function scoreCorpus(rows: readonly CorpusRow[], classify: (row: CorpusRow) => ReplyLabel): CorpusScore {
  const tp = new Map<ReplyLabel, number>();
  const predicted = new Map<ReplyLabel, number>();
  const actual = new Map<ReplyLabel, number>();
  const misses: { row: CorpusRow; got: ReplyLabel }[] = [];
  let unsafeAcks = 0;
  for (const row of rows) {
    const got = classify(row);
    actual.set(row.label, (actual.get(row.label) ?? 0) + 1);
    predicted.set(got, (predicted.get(got) ?? 0) + 1);
    if (got === row.label) tp.set(got, (tp.get(got) ?? 0) + 1);
    else misses.push({ row, got });
    if (got === 'ack' && (row.label === 'negative' || row.label === 'question')) unsafeAcks++;
  }
  const correct = rows.length - misses.length;
  const perLabel = REPLY_LABELS.map((label) => {
    const hits = tp.get(label) ?? 0;
    const p = predicted.get(label) ?? 0;
    const a = actual.get(label) ?? 0;
    // NaN: never predicted (precision undefined); shown as — and written as null in JSON.
    return { label, support: a, precision: p === 0 ? Number.NaN : hits / p, recall: a === 0 ? Number.NaN : hits / a };
  });
  return { total: rows.length, correct, accuracy: rows.length === 0 ? 0 : correct / rows.length, perLabel, unsafeAcks, misses };
}
