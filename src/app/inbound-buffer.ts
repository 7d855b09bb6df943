/**
 * Between the adapters and the inbound queue: every event is held in memory until Redis has taken it,
 * so an event that arrives while Redis is unreachable (embedded server restarting, external one down)
 * is queued when it returns, not lost in a client's buffer. Bounded; a graceful stop writes what is
 * still held to a file the next start queues first. Re-adding an event is harmless: its job id is its
 * dedupe key, and the store keeps each message once.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { InboundEvent } from '../platform/port.js';

export interface InboundBufferDeps {
  /** Queues one event (resolves once Redis has it). */
  readonly enqueue: (event: InboundEvent, dedupeKey: string) => Promise<void>;
  /** Most events held; more are dropped, counted and logged (the catch-up from history may bring them back). */
  readonly max: number;
  /** An add not answered within this long means Redis is not answering: the buffer says so once. */
  readonly stallMs: number;
  /** How often held events are offered again while Redis is away. */
  readonly retryMs: number;
  readonly logger: Logger;
}

interface Held {
  readonly event: InboundEvent;
  readonly key: string;
  /** An add is under way (not answered yet). */
  inFlight: boolean;
}

export class InboundBuffer {
  private readonly held = new Map<string, Held>();
  private retryTimer: NodeJS.Timeout | undefined;
  private holding = false;
  private since = 0;
  private dropped = 0;
  private closed = false;

  constructor(private readonly deps: InboundBufferDeps) {}

  /** Events not yet taken by Redis. */
  get size(): number {
    return this.held.size;
  }

  /** Since when events are being held because Redis does not take them (0: it takes them). */
  get holdingSince(): number {
    return this.holding ? this.since : 0;
  }

  push(event: InboundEvent, key: string): void {
    if (this.closed) return;
    if (this.held.has(key)) return;
    if (this.held.size >= this.deps.max) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.deps.logger.error({ dropped: this.dropped, held: this.held.size }, 'inbound buffer full while redis is unreachable; events dropped');
      return;
    }
    const h: Held = { event, key, inFlight: false };
    this.held.set(key, h);
    this.offer(h);
  }

  /** Offers every held event again (Redis is back). */
  retry(): void {
    for (const h of this.held.values()) this.offer(h);
  }

  private offer(h: Held): void {
    if (h.inFlight || this.closed) return;
    h.inFlight = true;
    const stall = setTimeout(() => this.hold(), this.deps.stallMs);
    stall.unref();
    this.deps.enqueue(h.event, h.key).then(
      () => {
        clearTimeout(stall);
        this.held.delete(h.key);
        if (this.holding && this.held.size === 0) this.released();
      },
      () => {
        clearTimeout(stall);
        h.inFlight = false;
        this.hold();
      },
    );
  }

  /** Redis did not take an event: say so once, and offer the held events again until it does. */
  private hold(): void {
    if (!this.holding) {
      this.holding = true;
      this.since = Date.now();
      this.deps.logger.error({ held: this.held.size }, 'redis does not take inbound events; holding them in memory until it does');
    }
    if (this.retryTimer === undefined && !this.closed) {
      this.retryTimer = setInterval(() => this.retry(), this.deps.retryMs);
      this.retryTimer.unref();
    }
  }

  private released(): void {
    this.holding = false;
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    this.deps.logger.info({ heldMs: Date.now() - this.since, dropped: this.dropped }, 'redis takes inbound events again; every held event is queued');
    this.dropped = 0;
  }

  /** Stops offering; what is still held is written to `file` (JSON lines) for the next start. Returns how many. */
  close(file: string | undefined): number {
    this.closed = true;
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    const rest = [...this.held.values()];
    this.held.clear();
    if (file === undefined || rest.length === 0) return 0;
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, rest.map((h) => JSON.stringify({ key: h.key, event: h.event })).join('\n') + '\n', { mode: 0o600 });
    renameSync(tmp, file);
    return rest.length;
  }
}

/** The events a previous run wrote at its stop, read once (the file is removed). */
export function takeSpilled(file: string): { event: InboundEvent; key: string }[] {
  if (!existsSync(file)) return [];
  const out: { event: InboundEvent; key: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const row = JSON.parse(line) as { key?: unknown; event?: unknown };
      if (typeof row.key === 'string' && typeof row.event === 'object' && row.event !== null) out.push({ key: row.key, event: row.event as InboundEvent });
    } catch {
      // A torn last line (the disk filled): the rest is still read.
    }
  }
  rmSync(file, { force: true });
  return out;
}
