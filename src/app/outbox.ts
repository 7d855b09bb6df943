import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { maskPhone, splitMessage } from '../domain/message-text.js';
import { canCarry, PlatformRefusedError, PlatformUnavailableError, type ChatAdapter, type OutboundFile, type OutboundMessage, type SendReceipt } from '../platform/port.js';
import type { JobQueues, SendAttempt, SendItem, SendPause } from '../queue/job-queues.js';
import { deliveryKey } from '../store/keys.js';
import type { Delivery, LedgerRepo, PlannedDelivery } from '../store/ledger-repo.js';
import type { AccountGuard, Trip } from './account-guard.js';

export interface Pacing {
  readonly minGapMs: number;
  readonly jitterMs: number;
  /** Budgets of a paced account (absent: none). Rolling windows: the last minute, the last 24 hours. */
  readonly perMinute?: number;
  readonly perDay?: number;
  /** Sends into one group within a minute: a bot flooding one group is what members report. */
  readonly perGroupPerMinute?: number;
}

const MINUTE_MS = 60_000;
/** A budget wait at least this long is logged (shorter ones are the ordinary pacing of a busy account). */
const BUDGET_LOG_MIN_WAIT_MS = 5_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** A wait longer than this is not slept through inside a send job: the job is put back instead. */
const MAX_SLEEP_MS = 30_000;

/** Times of the sends booked in a rolling window, oldest first. */
class Window {
  private readonly times: number[] = [];

  constructor(private readonly spanMs: number) {}

  /** The earliest time at or after `at` when fewer than `limit` sends fall in the window ending then. */
  earliest(at: number, limit: number): number {
    let first = 0;
    while (first < this.times.length && (this.times[first] ?? 0) <= at - this.spanMs) first++;
    if (this.times.length - first < limit) return at;
    return Math.max(at, (this.times[this.times.length - limit] ?? at) + this.spanMs);
  }

  /** Bookings of one account only move forward in time, so what falls out of the window here is gone for good. */
  book(at: number): void {
    this.times.push(at);
    while (this.times.length > 0 && (this.times[0] ?? 0) <= at - this.spanMs) this.times.shift();
  }
}

/**
 * Spaces one account's sends: at least minGapMs (+ jitter) after the previous send went out, within
 * its per-minute, per-day and per-group-per-minute budgets. A slot is booked when a send is about to
 * be made, and moved on from the moment the platform call returns (`sent`), so time spent between
 * the two (a commit, a long chase round holding the event loop) never shortens the next gap; a
 * backlog after a stall drains at the paced rate. minGapMs and jitterMs both 0 turn pacing off
 * (the simulator in tests and benchmarks).
 */
export class Pacer {
  private readonly nextAt = new Map<string, number>();
  private readonly jitterOf = new Map<string, number>();
  private readonly windows = new Map<string, Window>();
  /** The windows the send booked by `acquire` will be charged to when it is made. */
  private readonly charge = new Map<string, Window[]>();

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

  private window(key: string, spanMs: number): Window {
    let w = this.windows.get(key);
    if (!w) {
      w = new Window(spanMs);
      this.windows.set(key, w);
    }
    return w;
  }

  /**
   * Waits until the account may send (into `group`, when given), and books the slot after it.
   * Returns 0 once booked, or how long to put the send back when the wait is longer than a job
   * should sleep (a spent budget); then nothing is booked.
   */
  async acquire(accountId: string, group?: string): Promise<number> {
    const p = this.pacing(accountId);
    if (p.minGapMs === 0 && p.jitterMs === 0) return 0;
    const now = this.clock.now();
    const { at, limits } = this.slot(accountId, group, now);
    if (at - now > MAX_SLEEP_MS) return at - now;
    // The budgets are charged when the send is made (`sent`), and only if it may have reached the platform.
    this.charge.set(accountId, limits.map(([w]) => w));
    const jitter = Math.floor(this.random() * (p.jitterMs + 1));
    this.jitterOf.set(accountId, jitter);
    this.nextAt.set(accountId, at + p.minGapMs + jitter);
    if (at > now) await this.clock.sleep(at - now);
    return 0;
  }

  /**
   * Waits, booking nothing, until the account's next slot is free (at most MAX_SLEEP_MS): a send
   * that should give way to whatever else is waiting decides only then whether to take the slot.
   */
  async untilFree(accountId: string, group?: string): Promise<void> {
    if (this.unpaced(accountId)) return;
    const now = this.clock.now();
    const { at } = this.slot(accountId, group, now);
    if (at > now) await this.clock.sleep(Math.min(at - now, MAX_SLEEP_MS));
  }

  /** The earliest time the account may send (into `group`), and the budget windows it is charged to. */
  private slot(accountId: string, group: string | undefined, now: number): { at: number; limits: [Window, number][] } {
    const p = this.pacing(accountId);
    let at = Math.max(now, this.nextAt.get(accountId) ?? 0);
    const limits: [Window, number][] = [];
    const limit = (key: string, span: number, max: number | undefined): void => {
      if (max !== undefined) limits.push([this.window(key, span), max]);
    };
    limit(`m|${accountId}`, MINUTE_MS, p.perMinute);
    limit(`d|${accountId}`, DAY_MS, p.perDay);
    if (group !== undefined) limit(`g|${accountId}|${group}`, MINUTE_MS, p.perGroupPerMinute);
    // Moving later for one window never breaks another (windows only empty with time): repeat until stable.
    for (let moved = true; moved; ) {
      moved = false;
      for (const [w, max] of limits) {
        const next = w.earliest(at, max);
        if (next > at) {
          at = next;
          moved = true;
        }
      }
    }
    return { at, limits };
  }

  /**
   * The platform call of the booked send has returned: the next send waits a full gap from now.
   * `posted` false (certainly not sent: offline, refused) keeps the gap but charges no budget.
   */
  sent(accountId: string, posted = true): void {
    const { minGapMs, jitterMs } = this.pacing(accountId);
    if (minGapMs === 0 && jitterMs === 0) return;
    const now = this.clock.now();
    const windows = this.charge.get(accountId) ?? [];
    this.charge.delete(accountId);
    if (posted) for (const w of windows) w.book(now);
    const after = now + minGapMs + (this.jitterOf.get(accountId) ?? 0);
    if (after > (this.nextAt.get(accountId) ?? 0)) this.nextAt.set(accountId, after);
  }

  /**
   * A send whose outcome was open is settled now: it was in flight until this moment (a frozen
   * platform may have carried it out just now), so the next send waits a full gap from now.
   */
  hold(accountId: string): void {
    const { minGapMs, jitterMs } = this.pacing(accountId);
    if (minGapMs === 0 && jitterMs === 0) return;
    const after = this.clock.now() + minGapMs;
    if (after > (this.nextAt.get(accountId) ?? 0)) this.nextAt.set(accountId, after);
  }

  /**
   * Sends made before a restart (times oldest first) count against the day and minute budgets, and
   * the next send keeps its gap from the last: a restart, or a crash loop, never makes a burst.
   */
  seed(accountId: string, sentAt: readonly number[]): void {
    const day = this.window(`d|${accountId}`, DAY_MS);
    const minute = this.window(`m|${accountId}`, MINUTE_MS);
    for (const at of sentAt) {
      day.book(at);
      minute.book(at);
    }
    const last = sentAt.at(-1);
    if (last !== undefined) this.nextAt.set(accountId, Math.max(this.nextAt.get(accountId) ?? 0, last + this.pacing(accountId).minGapMs));
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
  /** The accounts' circuit breakers; without it (benchmarks, the conformance relay) nothing trips. */
  readonly guard?: AccountGuard;
  /** The accounts that can post a delivery (those serving its group), preferred first. */
  readonly routes?: (d: Delivery) => readonly string[];
  /** How long a delivery waits for a paused or offline account before it becomes a manual task. */
  readonly manualAfterMs?: number;
  /**
   * Whether the account may @全体成员 in this group now (configured, and within its daily quota per
   * group); asking books one use. Without it, @全体成员 is never sent.
   */
  readonly atAll?: (accountId: string, group: string) => boolean;
  /** The file of a delivery that posts one (`attachmentId`), with its bytes on disk; undefined when it is not there. */
  readonly attachment?: (attachmentId: number) => OutboundFile | undefined;
}

/** What features add to the outbox (Fastify-style hooks): without them, nothing becomes a manual task and trips are only logged. */
export interface OutboxHooks {
  /**
   * No bot can post a group delivery: make it a manual task (the responsible person is sent the text
   * and posts it by hand). Resolves true once it is one, false when nobody can be told (it waits).
   */
  manualTask?(d: Delivery, reason: string): Promise<boolean>;
  /** The breaker tripped (operators are told). */
  onTrip?(trip: Trip): void;
  /**
   * A group delivery may have been posted and the platform cannot tell: the responsible person is asked
   * to look (`/已转发` if it is there, `/重发` if not). Resolves true once asked.
   */
  checkTask?(d: Delivery, reason: string): Promise<boolean>;
  /**
   * A file could not go to a chat (the platform or the group takes none, or it is too large): its line
   * saying how to obtain it is posted instead, and whoever attached it is told. Called once per delivery.
   */
  onFileFallback?(d: Delivery, reason: string): Promise<void>;
}

/** What the platform says of a send whose outcome was open. */
type Verdict =
  | { readonly kind: 'sent'; readonly messageId?: string; readonly at?: number }
  | { readonly kind: 'not_sent' }
  | { readonly kind: 'unknown'; readonly reason: string }
  /** The platform cannot be asked right now (offline): ask again later. */
  | { readonly kind: 'later' };

/** History times are whole seconds, and clocks differ a little: a send is looked for from this long before it was planned. */
const HISTORY_SLACK_MS = 5_000;
/** How much of a delivery's text a history match must contain (its start, whitespace folded). */
const MATCH_CHARS = 120;

/** Purposes a person can post by hand in a group: the directive itself and reminders. */
/** How soon a last-lane send that gave way to a plain one is looked at again (it then queues behind any plain send anyway). */
const GIVE_WAY_MS = 100;
/** How soon a file waiting for its directive's post into the chat looks again. */
const FILE_BEHIND_POST_MS = 1_000;
const MANUAL_PURPOSES = new Set(['directive', 'notice']);
/** Refusals that say this account cannot post in this group at all: try another, else a person. */
const CANNOT_POST_HERE = new Set(['not_in_group', 'muted']);

/**
 * The only way anything reaches a platform: plan in the sent-ledger, queue on the account's send
 * queue, send once. A crash between "sending" and "sent" is settled by asking the platform, and
 * where it cannot tell, the delivery is marked uncertain rather than risk a duplicate.
 */
export class Outbox {
  /** When each delivery began waiting for an account that cannot send (manualAfter counts from then). */
  private readonly waitingSince = new Map<number, number>();
  /** When a spent budget was last logged per account. */
  private readonly budgetLoggedAt = new Map<string, number>();
  /**
   * Per account, the sends whose outcome is open (a call timed out, a crash cut one off): settled
   * before the account sends anything else, so a backlog never follows a send nobody knows about.
   */
  private readonly unsettled = new Map<string, Set<number>>();
  private hooks: OutboxHooks = {};

  constructor(private readonly deps: OutboxDeps) {}

  /** Adds hooks (a feature's setup); a later hook of one kind replaces an earlier one. */
  use(hooks: OutboxHooks): void {
    this.hooks = { ...this.hooks, ...hooks };
  }

  /**
   * Plans deliveries in the ledger (synchronous, so it joins the caller's transaction): over-long
   * texts split at the platform's limit, phone and ID numbers masked in group texts. Returns what
   * is still to be sent, for `enqueue` once the caller's transaction has committed.
   */
  plan(planned: readonly PlannedDelivery[]): SendItem[] {
    const parts: PlannedDelivery[] = [];
    for (const p of planned) {
      const adapter = this.deps.adapters.get(p.accountId);
      const max = adapter?.capabilities.maxMessageChars ?? 4000;
      // Last line of defence: no phone or ID number is ever posted in a group.
      const text = p.chatType === 'group' ? maskPhone(p.text) : p.text;
      const pieces = splitMessage(text, max);
      if (pieces.length <= 1) parts.push({ ...p, text });
      else pieces.forEach((piece, i) => parts.push({ ...p, key: deliveryKey.part(p.key, i + 1), text: piece, mentions: i === 0 ? p.mentions : [] }));
    }
    return this.deps.ledger.plan(parts, this.deps.clock.now());
  }

  enqueue(items: readonly SendItem[]): Promise<void> {
    return this.deps.queues.enqueueSends(items);
  }

  /** plan + enqueue, for callers outside a transaction. */
  async post(planned: readonly PlannedDelivery[]): Promise<void> {
    await this.enqueue(this.plan(planned));
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

  /** Deliveries an earlier run left mid-send: their accounts settle them before sending anything else. Returns how many. */
  adoptInterrupted(): number {
    const rows = this.deps.ledger.interrupted();
    for (const r of rows) this.openFor(r.accountId).add(r.id);
    return rows.length;
  }

  /** Sends of the account whose outcome is still open. */
  openSends(accountId: string): number {
    return this.unsettled.get(accountId)?.size ?? 0;
  }

  private openFor(accountId: string): Set<number> {
    let set = this.unsettled.get(accountId);
    if (!set) this.unsettled.set(accountId, (set = new Set()));
    return set;
  }

  /**
   * Settles the account's open sends (other than `except`) before it sends again; a pause when the
   * platform cannot be asked right now.
   */
  private async settleOpen(accountId: string, except: number): Promise<SendPause | undefined> {
    const open = this.unsettled.get(accountId);
    if (!open || open.size === 0) return undefined;
    for (const id of [...open]) {
      if (id === except) continue;
      const d = this.deps.ledger.get(id);
      if (!d || d.status !== 'sending') {
        open.delete(id);
        continue;
      }
      const verdict = await this.verdict(d);
      if (verdict.kind === 'later') return { pauseMs: this.settleRetryMs() };
      await this.apply(d, verdict);
      // Certainly not posted: its own job (or a new one) sends it, in its turn.
      if (verdict.kind === 'not_sent') await this.deps.queues.enqueueSends([{ id: d.id, accountId: d.accountId, lane: d.lane }]);
    }
    return undefined;
  }

  private settleRetryMs(): number {
    return Math.min(this.deps.offlineRetryMs, 5_000);
  }

  /**
   * What the platform says of a send whose outcome is open: its own answer (confirmSent), else the
   * group's history (the bot's own posts since the delivery was planned, matched by text, none already
   * another delivery's); `unknown` when neither can tell, `later` when it cannot be asked right now.
   */
  private async verdict(d: Delivery): Promise<Verdict> {
    const adapter = this.deps.adapters.get(d.accountId);
    if (!adapter) return { kind: 'unknown', reason: `no adapter for account ${d.accountId}` };
    const target = { chatType: d.chatType, id: d.target };
    if (adapter.confirmSent) {
      try {
        const answer = await adapter.confirmSent(target, d.key);
        if (answer === 'sent') return { kind: 'sent' };
        if (answer === 'not_sent') return { kind: 'not_sent' };
      } catch (error) {
        if (error instanceof PlatformUnavailableError) return { kind: 'later' };
      }
    }
    // A file post is found in the history by the file's name, where the history names files; else nobody can tell.
    const fileName = d.attachmentId !== null && d.fileFallback === null ? (this.deps.attachment?.(d.attachmentId)?.name ?? '') : null;
    if (d.chatType === 'group' && adapter.history) {
      try {
        const page = await adapter.history(d.target, d.plannedAt - HISTORY_SLACK_MS);
        const want = foldText(d.text).slice(0, MATCH_CHARS);
        const matches = (m: { text: string; files?: readonly string[] }): boolean => (fileName === null ? foldText(m.text).includes(want) : (m.files ?? []).includes(fileName));
        const found = page.messages.find(
          (m) => m.self && matches(m) && (m.messageId === undefined || !this.deps.ledger.messageTaken(d.platform, d.target, m.messageId, d.id)),
        );
        if (found?.self) return { kind: 'sent', ...(found.messageId === undefined ? {} : { messageId: found.messageId }), at: found.at };
        if (page.complete) return { kind: 'not_sent' };
        return { kind: 'unknown', reason: 'the group history does not reach back to the send' };
      } catch (error) {
        if (error instanceof PlatformUnavailableError) return { kind: 'later' };
        // Refused: this platform keeps no history the adapter can read.
      }
    }
    return { kind: 'unknown', reason: 'the platform cannot tell whether it was posted' };
  }

  /** Records a verdict (not `later`): sent, back to planned, or uncertain with a person asked to look. */
  private async apply(d: Delivery, verdict: Exclude<Verdict, { kind: 'later' }>): Promise<void> {
    const { ledger, logger } = this.deps;
    this.unsettled.get(d.accountId)?.delete(d.id);
    this.waitingSince.delete(d.id);
    // It was in flight until now: the next send of the account keeps its gap from here.
    this.deps.pacer.hold(d.accountId);
    switch (verdict.kind) {
      case 'sent':
        ledger.markSent(d.id, verdict.messageId ?? null, verdict.at ?? this.deps.clock.now());
        logger.info({ delivery: d.id, account: d.accountId }, 'a send whose outcome was open is posted (the platform says so)');
        return;
      case 'not_sent':
        ledger.markRetry(d.id, 'the platform shows it was not posted');
        logger.info({ delivery: d.id, account: d.accountId }, 'a send whose outcome was open was not posted; it is sent again');
        return;
      case 'unknown': {
        ledger.markUncertain(d.id, verdict.reason);
        const check = this.hooks.checkTask;
        const asked = check !== undefined && d.chatType === 'group' && MANUAL_PURPOSES.has(d.purpose) ? await check(d, verdict.reason) : false;
        logger.warn({ delivery: d.id, account: d.accountId, reason: verdict.reason, asked }, 'outcome of a send unknown; not resent, a person is asked to look');
        return;
      }
    }
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
    const now = this.deps.clock.now();
    const blockedFor = (row: Delivery): number | null =>
      row.status === 'planned' ? (this.deps.guard?.blockedUntil(row.accountId, row.chatType === 'group' ? row.target : null, now) ?? null) : null;
    // A file follows its directive's post into the chat: while the post is still to go out (a crash put it back in line), the file waits.
    const behindPost = (row: Delivery): boolean => row.purpose === 'attachment' && row.directiveId !== null && ledger.postPending(row.directiveId, row.platform, row.target);
    const first = await ledger.batch(() => {
      const row = ledger.get(deliveryId);
      const fast =
        row !== undefined &&
        row.status === 'planned' &&
        !behindPost(row) &&
        (attempt.queueAccountId === undefined || attempt.queueAccountId === row.accountId) &&
        adapters.has(row.accountId) &&
        pacer.unpaced(row.accountId) &&
        this.openSends(row.accountId) === 0 &&
        blockedFor(row) === null;
      return { d: row, claimed: fast && ledger.markSending(deliveryId) };
    }, { singleWrite: true });
    const d = first.d;
    if (!d || d.status === 'sent' || d.status === 'failed' || d.status === 'uncertain' || d.status === 'manual') {
      this.waitingSince.delete(deliveryId);
      return;
    }
    // A job left on the queue of an account the delivery has since moved away from: the new account's
    // own job sends it, one send at a time per account.
    if (attempt.queueAccountId !== undefined && attempt.queueAccountId !== d.accountId) {
      await this.deps.queues.enqueueSends([{ id: d.id, accountId: d.accountId, lane: d.lane }]);
      return;
    }
    const adapter = adapters.get(d.accountId);
    if (!adapter) {
      ledger.markFailed(d.id, `no adapter for account ${d.accountId}`);
      logger.error({ delivery: d.id, account: d.accountId }, 'no adapter for account');
      return;
    }
    // Nothing new goes out on an account while a send of it is unaccounted for.
    if (!first.claimed) {
      const gate = await this.settleOpen(d.accountId, d.id);
      if (gate) return gate;
    }
    if (!first.claimed && d.status === 'planned' && behindPost(d)) return { pauseMs: FILE_BEHIND_POST_MS };
    const blocked = first.claimed ? null : blockedFor(d);
    if (blocked !== null) return this.divert(d, `account ${d.accountId} is paused by its circuit breaker`, blocked - now, 'wait');
    if (!first.claimed && d.lane === 'last' && d.status === 'planned') {
      // The last lane takes a slot only when it is free and no plain send waits for it: a post that
      // arrived while this answer waited for its slot goes first.
      await this.deps.pacer.untilFree(d.accountId, d.chatType === 'group' ? d.target : undefined);
      if (await this.deps.queues.plainWaiting(d.accountId)) return { pauseMs: GIVE_WAY_MS };
    }
    if (!first.claimed) {
      const claimed = await this.claim(d);
      if (claimed !== true) return claimed;
    }
    // @全体成员 only where configured and within quota; otherwise the message goes without it.
    const mentions = d.mentions.includes('all') && !(d.chatType === 'group' && this.deps.atAll?.(d.accountId, d.target)) ? d.mentions.filter((m) => m !== 'all') : d.mentions;
    let message: OutboundMessage = { text: d.text, mentions, deliveryKey: d.key, ...(d.quoteId ? { quoteId: d.quoteId } : {}) };
    // A file goes as a file where the chat can take it; otherwise its line (the delivery's text) goes instead.
    if (d.attachmentId !== null && d.fileFallback === null) {
      const file = this.deps.attachment?.(d.attachmentId);
      if (file && canCarry(adapter.capabilities.files, d.chatType, file)) message = { text: '', deliveryKey: d.key, file };
      else await this.fileFallback(d, file ? `this ${d.chatType === 'group' ? 'group' : 'chat'} cannot take a ${file.kind} of ${file.size} bytes on ${d.platform}` : 'the file is not on disk');
    }
    let receipt: SendReceipt;
    let posted = true;
    // A withdrawal: the post is recalled where the platform still can; otherwise its notice is posted.
    if (d.recallOf && d.chatType === 'group' && adapter.recall) {
      try {
        await adapter.recall(d.target, d.recallOf);
        pacer.sent(d.accountId, true);
        this.waitingSince.delete(d.id);
        await ledger.recordSent(d.id, null, this.deps.clock.now());
        return;
      } catch (error) {
        const err = error instanceof Error ? error.message : String(error);
        // A recall with nothing to post instead (a file of a recalled post): it stays, and the ledger says so.
        if (d.text === '') {
          pacer.sent(d.accountId, false);
          ledger.markFailed(d.id, `recall refused: ${err}`);
          logger.info({ delivery: d.id, account: d.accountId, err }, 'recall refused');
          return;
        }
        logger.info({ delivery: d.id, account: d.accountId, err }, 'recall refused; posting the withdrawal notice');
      }
    }
    try {
      receipt = d.chatType === 'group' ? await adapter.sendGroup(d.target, message) : await adapter.sendPrivate(d.target, message);
    } catch (error) {
      // Certainly not posted: the budgets are not charged.
      posted = !((error instanceof PlatformUnavailableError && error.definitelyNotSent) || (error instanceof PlatformRefusedError && error.code !== 'risk_control'));
      return this.settleFailure(d, error, attempt);
    } finally {
      pacer.sent(d.accountId, posted);
    }
    this.waitingSince.delete(d.id);
    this.deps.guard?.sent(d.accountId);
    // The job completes only once 'sent' is committed; a crash before leaves it 'sending' (confirmed on retry).
    await ledger.recordSent(d.id, receipt.messageId ?? null, receipt.at);
  }

  /**
   * The delivery's account cannot post it now: another account serving the group takes it; else,
   * for a directive or reminder waiting long enough (or at once when the account can never post
   * there), a person is asked to post it by hand; else it waits.
   */
  private async divert(d: Delivery, reason: string, waitMs: number, cause: 'wait' | 'refused' | 'never'): Promise<void | SendPause> {
    const { guard, routes, adapters, clock, ledger, logger } = this.deps;
    const now = clock.now();
    const group = d.chatType === 'group' ? d.target : null;
    const usable = (accountId: string): boolean => {
      const a = adapters.get(accountId);
      const state = a?.status?.().state ?? 'online';
      return a !== undefined && state === 'online' && (guard?.blockedUntil(accountId, group, now) ?? null) === null;
    };
    const other = routes?.(d).find((a) => a !== d.accountId && usable(a));
    if (other !== undefined && ledger.reassign(d.id, other)) {
      logger.info({ delivery: d.id, from: d.accountId, to: other, reason }, 'delivery moved to another account in the group');
      await this.deps.queues.enqueueSends([{ id: d.id, accountId: other, lane: d.lane, moved: now.toString(36) }]);
      return;
    }
    const since = this.waitingSince.get(d.id) ?? now;
    this.waitingSince.set(d.id, since);
    const manualAfter = this.deps.manualAfterMs ?? Number.POSITIVE_INFINITY;
    const manualTask = this.hooks.manualTask;
    const byHand = manualTask !== undefined && group !== null && MANUAL_PURPOSES.has(d.purpose);
    if (byHand && (cause !== 'wait' || now - since >= manualAfter) && (await manualTask(d, reason))) {
      this.waitingSince.delete(d.id);
      logger.warn({ delivery: d.id, account: d.accountId, reason }, 'no bot can post the delivery; a person was asked to post it');
      return;
    }
    // This account can never post it here (removed from the group, muted) and no other account or person
    // will: it fails, rather than being refused again and again.
    if (cause !== 'wait' && !byHand) {
      this.waitingSince.delete(d.id);
      ledger.markFailed(d.id, reason);
      logger.warn({ delivery: d.id, account: d.accountId, reason }, 'platform refused delivery');
      return;
    }
    // A directive nobody responsible can be told about right now waits (the breaker keeps the account off the group meanwhile).
    if (cause !== 'wait') logger.error({ delivery: d.id, account: d.accountId, reason }, 'no bot can post the delivery and nobody responsible can be told yet; it waits');
    return { pauseMs: Math.max(100, Math.min(waitMs, this.deps.offlineRetryMs)) };
  }

  /**
   * The claim outside the common case (a retry after an interrupted send, a paced account): true
   * when the delivery is now claimed and may be sent; otherwise nothing to do, or a pause.
   */
  private async claim(d: Delivery): Promise<true | undefined | SendPause> {
    const { ledger } = this.deps;
    if (d.status === 'sending') {
      // An earlier attempt died, or timed out, between claiming and recording the outcome: settled first.
      const verdict = await this.verdict(d);
      if (verdict.kind === 'later') return { pauseMs: this.settleRetryMs() };
      await this.apply(d, verdict);
      // Certainly not posted: planned again, this job runs again at once and sends it as any planned
      // delivery (its account may be paused now, another may take it).
      return verdict.kind === 'not_sent' ? { pauseMs: 0 } : undefined;
    }
    const wait = await this.deps.pacer.acquire(d.accountId, d.chatType === 'group' ? d.target : undefined);
    // A spent budget: back in the queue until it refills, nothing spent (said once a minute per account:
    // a relay held by the budget is otherwise a silent pause).
    if (wait > 0) {
      const now = this.deps.clock.now();
      if (wait >= BUDGET_LOG_MIN_WAIT_MS && (this.budgetLoggedAt.get(d.accountId) ?? -Infinity) + MINUTE_MS <= now) {
        this.budgetLoggedAt.set(d.accountId, now);
        this.deps.logger.info({ account: d.accountId, waitMs: wait }, 'sending budget spent: sends wait for it to refill');
      }
      return { pauseMs: wait };
    }
    // The breaker may have tripped during the pacer's wait.
    const now = this.deps.clock.now();
    const blocked = d.status === 'planned' ? this.deps.guard?.blockedUntil(d.accountId, d.chatType === 'group' ? d.target : null, now) : undefined;
    if (blocked != null) {
      this.deps.pacer.sent(d.accountId, false);
      return (await this.divert(d, `account ${d.accountId} is paused by its circuit breaker`, blocked - now, 'wait')) ?? undefined;
    }
    // Committed (group commit, shared with concurrent jobs) before the platform is called.
    return (await ledger.claim(d.id)) ? true : undefined;
  }

  private async settleFailure(d: Delivery, error: unknown, attempt: SendAttempt): Promise<void | SendPause> {
    const { ledger, logger } = this.deps;
    const { id, accountId } = d;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const group = d.chatType === 'group' ? d.target : null;
    const trip = this.deps.guard?.failed(accountId, group, error, this.deps.clock.now());
    if (trip) this.hooks.onTrip?.(trip);
    if (error instanceof PlatformRefusedError) {
      // The platform would not take the file: nothing was posted; its line goes instead, at once.
      if (error.code === 'file_refused' && d.attachmentId !== null && d.fileFallback === null) {
        ledger.markRetry(id, reason);
        await this.fileFallback(d, reason);
        return { pauseMs: 0 };
      }
      if (error.code === 'risk_control') {
        // oicq's -70 can come after the platform took the message: settled (history) before anything is resent.
        this.openFor(accountId).add(id);
        logger.warn({ delivery: id, account: accountId, reason }, 'risk control refused the delivery; maybe posted, settled before anything else is sent');
        return { pauseMs: this.settleRetryMs() };
      }
      if (error.code === 'rate_limited' || (group !== null && CANNOT_POST_HERE.has(error.code))) {
        ledger.markRetry(id, reason);
        const cause = error.code === 'rate_limited' ? 'wait' : error.code === 'not_in_group' ? 'never' : 'refused';
        return this.divert({ ...d, status: 'planned' }, reason, this.deps.offlineRetryMs, cause);
      }
      ledger.markFailed(id, reason);
      logger.warn({ delivery: id, account: accountId, reason }, 'platform refused delivery');
      return;
    }
    if (error instanceof PlatformUnavailableError && error.definitelyNotSent) {
      // Not an attempt: the account is offline. Nothing is lost: another account, a person, or this one later.
      ledger.markRetry(id, reason);
      return this.divert({ ...d, status: 'planned' }, reason, this.deps.offlineRetryMs, 'wait');
    }
    // Unknown whether the platform took it (a timeout, the link cut mid-call): it stays 'sending' and is
    // settled — a late answer, the platform's word, the group's history — before this account sends again.
    this.openFor(accountId).add(id);
    if (error instanceof PlatformUnavailableError) this.watchLate(d, error);
    logger.warn({ delivery: id, account: accountId, reason, attempt: attempt.attemptsMade + 1 }, 'outcome of a send unknown; it is settled before the account sends again');
    return { pauseMs: this.settleRetryMs() };
  }

  /** Records that the delivery's file cannot go and its line goes instead; whoever attached it is told (once). */
  private async fileFallback(d: Delivery, reason: string): Promise<void> {
    if (!this.deps.ledger.markFileFallback(d.id, reason)) return;
    this.deps.logger.warn({ delivery: d.id, account: d.accountId, reason }, 'a file cannot be posted in this chat; the line saying how to obtain it is posted instead');
    try {
      await this.hooks.onFileFallback?.({ ...d, fileFallback: reason }, reason);
    } catch (error) {
      this.deps.logger.error({ delivery: d.id, err: error instanceof Error ? error.message : String(error) }, 'could not tell who attached the file');
    }
  }

  /** A call that timed out may still be answered: then the delivery is posted, as the answer says. */
  private watchLate(d: Delivery, error: PlatformUnavailableError): void {
    error.late?.then(
      (receipt) => {
        if (!receipt || this.deps.ledger.get(d.id)?.status !== 'sending') return;
        this.unsettled.get(d.accountId)?.delete(d.id);
        this.deps.pacer.hold(d.accountId);
        this.deps.ledger.markSent(d.id, receipt.messageId ?? null, receipt.at);
        this.deps.logger.info({ delivery: d.id, account: d.accountId }, 'a send that timed out was answered late: posted');
      },
      () => undefined,
    );
  }
}

/** A text as a history match compares it: whitespace folded, trimmed. */
function foldText(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}
