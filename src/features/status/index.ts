/**
 * The service's state for operators without a console: the queues' counts written every few seconds
 * (with the failures recorded as they happen), read by `cascade status`.
 */
import { serviceKey, type AppContext, type Feature } from '../../app/feature.js';

/** How often the queues' counts are written. */
const STATUS_EVERY_MS = 10_000;

export class StatusWriter {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly app: AppContext) {}

  /** Writes the service's own state and the queues' counts now (the state even when Redis cannot be asked). */
  async save(): Promise<void> {
    const h = this.app.health();
    this.app.repos.failures.saveHealth('redis', { reachable: h.redisReachable, downSince: h.redisDownSince, heldEvents: h.inboundHeld }, this.app.clock.now());
    if (!h.redisReachable) return;
    const counts = await this.app.queues.counts();
    const now = this.app.clock.now();
    this.app.repos.failures.saveQueues(
      Object.entries(counts).map(([queue, c]) => ({ queue, waiting: c['waiting'] ?? 0, active: c['active'] ?? 0, delayed: c['delayed'] ?? 0, failed: c['failed'] ?? 0, updatedAt: now })),
    );
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => {
      this.save().catch((error: unknown) => this.app.logger.warn({ err: error }, 'could not save the queues’ status'));
    }, STATUS_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export const STATUS = serviceKey<StatusWriter>('status');

export const status: Feature = {
  name: 'status',
  provides: [STATUS],
  setup(app) {
    app.provide(STATUS, new StatusWriter(app));
  },
  async onReady(app) {
    const writer = app.get(STATUS);
    await writer.save().catch((error: unknown) => app.logger.warn({ err: error }, 'could not save the queues’ status'));
    writer.start();
  },
  async onClose(app) {
    const writer = app.get(STATUS);
    writer.stop();
    // The last sign of life: the next start knows since when it was away.
    await writer.save().catch(() => undefined);
  },
};
