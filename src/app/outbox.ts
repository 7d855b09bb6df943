import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { maskPhone, splitMessage } from '../domain/message-text.js';
import { PlatformRefusedError, PlatformUnavailableError, type ChatAdapter, type SendReceipt } from '../platform/port.js';
import type { JobQueues, SendAttempt, SendItem, SendPause } from '../queue/job-queues.js';
import type { Delivery, LedgerRepo, PlannedDelivery } from '../store/ledger-repo.js';

export interface Pacing {
  readonly minGapMs: number;
  readonly jitterMs: number;
}

/**
 * Spaces one account's sends: at least minGapMs (+ jitter) after the previous send went out. A slot
 * is booked when a send is about to be made, and moved on from the moment the platform call
 * returns (`sent`), so time spent between the two (a commit, a long chase round holding the event
 * loop) never shortens the next gap; a backlog after a stall drains at the paced rate.
 */
export class Pacer {
  private readonly nextAt = new Map<string, number>();
  private readonly jitterOf = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly pacing: (accountId: string) => Pacing,
    private readonly random: () => number = Math.random,
  ) {}

  /** True when the account sends without any gap: acquire() would never wait for it. */
  unpaced(accountId: string): boolean {
    const { minGapMs, jitterMs } = this.pacing(accountId);
    return minGapMs === 0 && jitterMs === 0;
  }

  /** Waits until the account may send, and books the slot after it. */
  async acquire(accountId: string): Promise<void> {
    const { minGapMs, jitterMs } = this.pacing(accountId);
    if (minGapMs === 0 && jitterMs === 0) return;
    const now = this.clock.now();
    const at = Math.max(now, this.nextAt.get(accountId) ?? 0);
    const jitter = Math.floor(this.random() * (jitterMs + 1));
    this.jitterOf.set(accountId, jitter);
    this.nextAt.set(accountId, at + minGapMs + jitter);
    if (at > now) await this.clock.sleep(at - now);
  }

  /** The platform call of the booked send has returned: the next send waits a full gap from now. */
  sent(accountId: string): void {
    const { minGapMs, jitterMs } = this.pacing(accountId);
    if (minGapMs === 0 && jitterMs === 0) return;
    const after = this.clock.now() + minGapMs + (this.jitterOf.get(accountId) ?? 0);
    if (after > (this.nextAt.get(accountId) ?? 0)) this.nextAt.set(accountId, after);
  }
}

export interface OutboxDeps {
  readonly ledger: LedgerRepo;
  readonly queues: JobQueues;
  readonly adapters: ReadonlyMap<string, ChatAdapter>;
  readonly clock: Clock;
  readonly pacer: Pacer;
  readonly logger: Logger;
  /** How long a send waits, without spending an attempt, while its account cannot reach the platform. */
  readonly offlineRetryMs: number;
}

/**
 * The only way anything reaches a platform: plan in the sent-ledger, queue on the account's send
 * queue, send once. A crash between "sending" and "sent" is settled by asking the platform, and
 * where it cannot tell, the delivery is marked uncertain rather than risk a duplicate.
 */
export class Outbox {
  constructor(private readonly deps: OutboxDeps) {}

  /**
   * Plans deliveries in the ledger (synchronous, so it joins the caller's transaction): over-long
   * texts split at the platform's limit, phone and ID numbers masked in group texts. Returns what
   * is still to be sent, for `enqueue` once the caller's transaction has committed.
   */
  plan(planned: readonly PlannedDelivery[], options: { bulk?: boolean } = {}): SendItem[] {
    const parts: PlannedDelivery[] = [];
    for (const p of planned) {
      const adapter = this.deps.adapters.get(p.accountId);
      const max = adapter?.capabilities.maxMessageChars ?? 4000;
      // Last line of defence: no phone or ID number is ever posted in a group.
      const text = p.chatType === 'group' ? maskPhone(p.text) : p.text;
      const pieces = splitMessage(text, max);
      if (pieces.length <= 1) parts.push({ ...p, text });
      else pieces.forEach((piece, i) => parts.push({ ...p, key: `${p.key}.p${i + 1}`, text: piece, mentions: i === 0 ? p.mentions : [] }));
    }
    const rows = this.deps.ledger.plan(parts, this.deps.clock.now());
    return options.bulk ? rows.map((r) => ({ ...r, bulk: true })) : rows;
  }

  enqueue(items: readonly SendItem[]): Promise<void> {
    return this.deps.queues.enqueueSends(items);
  }

  /** plan + enqueue, for callers outside a transaction. */
  async post(planned: readonly PlannedDelivery[], options: { bulk?: boolean } = {}): Promise<void> {
    await this.enqueue(this.plan(planned, options));
  }

  /**
   * Queues again whatever is planned or was interrupted mid-send: at start, and periodically for a
   * queue job lost after its delivery was planned (re-queuing one that is waiting is a no-op).
   */
  async recover(): Promise<number> {
    const unsent = this.deps.ledger.unsent();
    await this.deps.queues.enqueueSends(unsent);
    return unsent.length;
  }

  /** The send job handler. Throws to have BullMQ retry; returns a pause to wait without spending an attempt. */
  async deliver(deliveryId: number, attempt: SendAttempt): Promise<void | SendPause> {
    const { ledger } = this.deps;
    if (!ledger.enterFlight(deliveryId)) return; // an earlier run of this job is still at it
    try {
      return await this.deliverOnce(deliveryId, attempt);
    } finally {
      ledger.leaveFlight(deliveryId);
    }
  }

  private async deliverOnce(deliveryId: number, attempt: SendAttempt): Promise<void | SendPause> {
    const { ledger, logger, adapters, pacer } = this.deps;
    // The common case in one step of the group commit: a planned delivery of an unpaced account is
    // read and claimed together (for those the pacer would not wait, so nothing comes in between).
    const first = await ledger.batch(() => {
      const row = ledger.get(deliveryId);
      const fast = row !== undefined && row.status === 'planned' && adapters.has(row.accountId) && pacer.unpaced(row.accountId);
      return { d: row, claimed: fast && ledger.markSending(deliveryId) };
    }, { singleWrite: true });
    const d = first.d;
    if (!d || d.status === 'sent' || d.status === 'failed' || d.status === 'uncertain') return;
    const adapter = adapters.get(d.accountId);
    if (!adapter) {
      ledger.markFailed(d.id, `no adapter for account ${d.accountId}`);
      logger.error({ delivery: d.id, account: d.accountId }, 'no adapter for account');
      return;
    }
    if (!first.claimed) {
      const claimed = await this.claim(d, adapter);
      if (claimed !== true) return claimed;
    }
    const message = { text: d.text, mentions: d.mentions, deliveryKey: d.key, ...(d.quoteId ? { quoteId: d.quoteId } : {}) };
    let receipt: SendReceipt;
    try {
      receipt = d.chatType === 'group' ? await adapter.sendGroup(d.target, message) : await adapter.sendPrivate(d.target, message);
    } catch (error) {
      return this.settleFailure(d.id, d.accountId, error, attempt);
    } finally {
      pacer.sent(d.accountId);
    }
    // The job completes only once 'sent' is committed; a crash before leaves it 'sending' (confirmed on retry).
    await ledger.recordSent(d.id, receipt.messageId ?? null, receipt.at);
  }

  /**
   * The claim outside the common case (a retry after an interrupted send, a paced account): true
   * when the delivery is now claimed and may be sent; otherwise nothing to do, or a pause.
   */
  private async claim(d: Delivery, adapter: ChatAdapter): Promise<true | undefined | SendPause> {
    const { ledger, logger } = this.deps;
    if (d.status === 'sending') {
      // An earlier attempt died, or timed out, between claiming and recording the outcome.
      let verdict: 'sent' | 'not_sent' | 'unknown';
      try {
        verdict = adapter.confirmSent ? await adapter.confirmSent({ chatType: d.chatType, id: d.target }, d.key) : 'unknown';
      } catch {
        // Cannot ask right now (the account is offline): ask again later.
        return { pauseMs: this.deps.offlineRetryMs };
      }
      if (verdict === 'sent') {
        ledger.markSent(d.id, null, this.deps.clock.now());
        return undefined;
      }
      if (verdict === 'unknown') {
        ledger.markUncertain(d.id, 'interrupted mid-send and the platform cannot confirm it');
        logger.warn({ delivery: d.id, account: d.accountId }, 'delivery outcome unknown; not resent');
        return undefined;
      }
      ledger.markRetry(d.id, 'interrupted mid-send; the platform confirms it was not posted');
    }
    await this.deps.pacer.acquire(d.accountId);
    // Committed (group commit, shared with concurrent jobs) before the platform is called.
    return (await ledger.claim(d.id)) ? true : undefined;
  }

  private settleFailure(id: number, accountId: string, error: unknown, attempt: SendAttempt): void | SendPause {
    const { ledger, logger } = this.deps;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof PlatformRefusedError) {
      ledger.markFailed(id, reason);
      logger.warn({ delivery: id, account: accountId, reason }, 'platform refused delivery');
      return;
    }
    if (error instanceof PlatformUnavailableError && error.definitelyNotSent) {
      // Not an attempt: the account is offline. Nothing is lost; it waits for the account to return.
      ledger.markRetry(id, reason);
      return { pauseMs: this.deps.offlineRetryMs };
    }
    if (attempt.attemptsMade + 1 >= attempt.maxAttempts) {
      // Unknown whether the platform took it, and no attempt left to ask again.
      ledger.markUncertain(id, reason);
      logger.warn({ delivery: id, account: accountId, reason }, 'delivery gave up');
      return;
    }
    // It stays 'sending': the retry asks the platform before sending again.
    throw error;
  }
}
