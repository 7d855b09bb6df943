/**
 * The reply-understanding section of `npm run bench`: accuracy and per-label precision/recall of
 * the classifier on the labelled corpus, the same for a naive keyword baseline measured in the same
 * run, and classification throughput on one core (this thread).
 */
import { fileURLToPath } from 'node:url';
import { naiveBaseline, understandReply } from '../domain/understanding.js';
import { loadCorpus, scoreCorpus, type CorpusRow, type CorpusScore } from './corpus.js';

export const CORPUS_FILES = {
  /** The rules were written against these two. */
  tuning: ['replies.jsonl', 'replies-more.jsonl', 'replies-third.jsonl'],
  /** Written separately; never used for tuning. */
  holdout: ['replies-holdout.jsonl'],
} as const;

const fixture = (name: string): string => fileURLToPath(new URL(`../../tests/fixtures/${name}`, import.meta.url));

export interface ScoreSummary {
  readonly rows: number;
  readonly accuracy: number;
  readonly unsafe_acks: number;
  /** Precision is null for a label never predicted (the baseline predicts only ack and other). */
  readonly per_label: Record<string, { support: number; precision: number | null; recall: number | null }>;
}

export interface UnderstandingBench {
  /** Tuning and holdout sets together: what the accuracy target is checked against. */
  readonly corpus: ScoreSummary;
  readonly tuning: ScoreSummary;
  readonly holdout: ScoreSummary;
  /** The naive rule (any 收到/好的/明白/ok is an ack) on the whole corpus. */
  readonly baseline: ScoreSummary;
  /** Median of seven rounds; `msgs_per_s_range` the slowest and fastest round. */
  readonly msgs_per_s: number;
  readonly msgs_per_s_range: readonly [number, number];
}

const r3 = (n: number): number => Math.round(n * 1000) / 1000;
const r3OrNull = (n: number): number | null => (Number.isNaN(n) ? null : r3(n));

function summary(s: CorpusScore): ScoreSummary {
  const perLabel: ScoreSummary['per_label'] = {};
  for (const l of s.perLabel) perLabel[l.label] = { support: l.support, precision: r3OrNull(l.precision), recall: r3OrNull(l.recall) };
  return { rows: s.total, accuracy: r3(s.accuracy), unsafe_acks: s.unsafeAcks, per_label: perLabel };
}

const classify = (row: CorpusRow) => understandReply(row.text, { replyHint: row.hint ?? '收到' }).label;

/**
 * Messages classified per second, one thread, over the corpus texts: seven rounds of about `ms`
 * each after a warm-up; the median and the spread. On a shared VM single rounds vary by ±30 %.
 */
export function classificationThroughput(rows: readonly CorpusRow[], ms = 300): { median: number; min: number; max: number } {
  const items = rows.map((r) => [r.text, { replyHint: r.hint ?? '收到' }] as const);
  for (let i = 0; i < 20; i++) for (const [t, c] of items) understandReply(t, c); // warm-up: JIT and regex compilation
  const rates: number[] = [];
  for (let round = 0; round < 7; round++) {
    let n = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (const [t, c] of items) understandReply(t, c);
      n += items.length;
      elapsed = performance.now() - started;
    }
    rates.push((n / elapsed) * 1000);
  }
  rates.sort((a, b) => a - b);
  return { median: rates[3] ?? 0, min: rates[0] ?? 0, max: rates[rates.length - 1] ?? 0 };
}

export function benchUnderstanding(): UnderstandingBench {
  const tuning = CORPUS_FILES.tuning.flatMap((f) => loadCorpus(fixture(f)));
  const holdout = CORPUS_FILES.holdout.flatMap((f) => loadCorpus(fixture(f)));
  const all = [...tuning, ...holdout];
  return {
    corpus: summary(scoreCorpus(all, classify)),
    tuning: summary(scoreCorpus(tuning, classify)),
    holdout: summary(scoreCorpus(holdout, classify)),
    baseline: summary(scoreCorpus(all, (r) => naiveBaseline(r.text))),
    ...((t) => ({ msgs_per_s: Math.round(t.median), msgs_per_s_range: [Math.round(t.min), Math.round(t.max)] as const }))(classificationThroughput(all)),
  };
}
