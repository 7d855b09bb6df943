import { z } from 'zod';

const MINUTE = 60_000;
/** Default of replies.countAtOrAbove: an acknowledgement this sure is counted without review. */
export const DEFAULT_COUNT_AT_OR_ABOVE = 0.7;
const DAY = 24 * 60 * MINUTE;

const accountSchema = z.strictObject({
  /** The id the roster's 群.账号 column uses. */
  id: z.string().min(1),
  /** Which adapter serves the account. Only the built-in simulator exists so far. */
  adapter: z.enum(['simulator']).default('simulator'),
  platform: z.enum(['qq', 'wechat']),
  /** Overrides sending.minGapMs for this account. */
  minGapMs: z.number().int().min(0).optional(),
  jitterMs: z.number().int().min(0).optional(),
});

export const configSchema = z.strictObject({
  school: z
    .strictObject({
      name: z.string().min(1).default('示范大学'),
      timeZone: z.string().min(1).default('Asia/Shanghai'),
    })
    .prefault({}),
  /** SQLite file, embedded Redis data and drill scratch space live here. */
  dataDir: z.string().min(1).default('./data'),
  /** Roster (xlsx or CSV directory) imported at start when the store holds no org yet. */
  org: z.string().min(1).default('config/demo'),
  redis: z
    .strictObject({
      /** Unset: Cascade starts its own redis-server under dataDir. */
      url: z.string().url().optional(),
      /** Key prefix for every queue, so several deployments or tests can share one Redis. */
      prefix: z.string().min(1).default('cascade'),
    })
    .prefault({}),
  /** Bot accounts. Accounts named in the roster but not listed here run on the simulator. */
  accounts: z.array(accountSchema).default([]),
  sending: z
    .strictObject({
      /** Minimum gap between two sends of one account. Platforms ban accounts that send faster. */
      minGapMs: z.number().int().min(0).default(1500),
      /** Random extra delay added to each gap, 0..jitterMs. */
      jitterMs: z.number().int().min(0).default(500),
      /** Parallel sends per account when minGapMs is 0 (simulator benchmarks). */
      unpacedConcurrency: z.number().int().min(1).max(200).default(20),
      maxAttempts: z.number().int().min(1).max(50).default(5),
      retryBackoffMs: z.number().int().min(0).default(5_000),
      /** How long a send waits before trying again while its account is offline (not counted as an attempt). */
      offlineRetryMs: z.number().int().min(100).default(15_000),
      /** How often deliveries left unsent (a lost queue job) are queued again. */
      sweepIntervalMs: z.number().int().min(1_000).default(60_000),
    })
    .prefault({}),
  queue: z
    .strictObject({
      inboundConcurrency: z.number().int().min(1).max(500).default(50),
      /** A job held this long by a dead worker is taken over by another. */
      lockDurationMs: z.number().int().min(500).default(30_000),
      stalledIntervalMs: z.number().int().min(500).default(30_000),
    })
    .prefault({}),
  replies: z
    .strictObject({
      /** A reply counts toward directives issued at most this long ago. */
      windowMs: z.number().int().min(MINUTE).default(7 * DAY),
      /** A second 收到 within this long of the same person's counted one is a repeat, not an answer to an older directive. */
      repeatWindowMs: z.number().int().min(0).default(10 * MINUTE),
      /** A reply read as an acknowledgement with at least this confidence is counted at once. */
      countAtOrAbove: z.number().min(0).max(1).default(DEFAULT_COUNT_AT_OR_ABOVE),
      /** Below countAtOrAbove but at least this: kept on the review list (`/待确认`), counted once confirmed. */
      reviewAtOrAbove: z.number().min(0).max(1).default(0.45),
      /**
       * Two directives the sender still owes that reached the group at most this far apart: a reply
       * that cites neither (no quote, no number) is ambiguous and goes to review.
       */
      ambiguousWithinMs: z.number().int().min(0).default(10 * MINUTE),
      /** `刚才回错了` takes back the sender's counted reply in the group from at most this long ago. */
      retractWindowMs: z.number().int().min(0).default(30 * MINUTE),
    })
    .refine((r) => r.reviewAtOrAbove <= r.countAtOrAbove, {
      message: 'replies.reviewAtOrAbove must not be above replies.countAtOrAbove',
      path: ['reviewAtOrAbove'],
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});

export type CascadeConfig = z.infer<typeof configSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
