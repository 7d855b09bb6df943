/**
 * The real send path for the conformance suite: the sent-ledger in SQLite, the account's BullMQ send
 * queue on a real Redis, the Outbox. Used to check that sends queued while the transport is down are
 * each delivered exactly once after it comes back.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/app/logger.js';
import { Outbox, Pacer } from '../../src/app/outbox.js';
import { systemClock } from '../../src/clock.js';
import type { ChatAdapter } from '../../src/platform/port.js';
import { JobQueues } from '../../src/queue/job-queues.js';
import { closeDb, openDb } from '../../src/store/db.js';
import { LedgerRepo, type Delivery } from '../../src/store/ledger-repo.js';

export interface ConformanceOutbox {
  /** Plans and queues one delivery (its key unique), as the app does. */
  send(chatType: 'group' | 'private', target: string, text: string, key: string): Promise<void>;
  deliveries(): Delivery[];
  close(): Promise<void>;
}

export async function startConformanceOutbox(adapter: ChatAdapter, redisUrl: string): Promise<ConformanceOutbox> {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-'));
  const db = openDb(join(dir, 'ledger.db'));
  const ledger = new LedgerRepo(db);
  const queues = new JobQueues({
    url: redisUrl,
    prefix: `conf-${randomBytes(4).toString('hex')}`,
    inboundConcurrency: 1,
    lockDurationMs: 1000,
    stalledIntervalMs: 1000,
    maxAttempts: 20,
    retryBackoffMs: 20,
  });
  const outbox = new Outbox({
    ledger,
    queues,
    adapters: new Map([[adapter.accountId, adapter]]),
    clock: systemClock,
    pacer: new Pacer(systemClock, () => ({ minGapMs: 0, jitterMs: 0 })),
    logger: silentLogger,
    offlineRetryMs: 100,
  });
  const none = async (): Promise<void> => {};
  queues.startWorkers({ inbound: none, send: (id, attempt) => outbox.deliver(id, attempt) }, new Map([[adapter.accountId, { concurrency: 1 }]]));
  return {
    async send(chatType, target, text, key) {
      const items = outbox.plan([
        { key, purpose: 'private', directiveId: null, groupId: null, accountId: adapter.accountId, platform: adapter.platform, chatType, target, text, mentions: [], quoteId: null },
      ]);
      await outbox.enqueue(items);
    },
    deliveries: () => ledger.all(),
    async close() {
      await queues.obliterate().catch(() => undefined);
      await queues.close(true);
      closeDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
