import type { App } from '../app/build-app.js';
import type { VirtualClock } from '../clock.js';

/**
 * Moves a virtual clock forward by `ms` the way time passes: to each timed job (a chase round) due on the way,
 * running it (and everything it sends) before moving on, so a drill's `wait: 10h` sees every
 * reminder of those ten hours at its time. In production BullMQ's own delays do this.
 */
export async function passTime(app: App, clock: VirtualClock, ms: number): Promise<void> {
  const target = clock.now() + Math.max(0, ms);
  await app.settle();
  // Each round schedules the next strictly later, so this ends; the cap is a guard against a bug.
  for (let rounds = 0; rounds < 10_000; rounds++) {
    const next = await app.queues.nextDue();
    if (next === null || next > target) break;
    if (next > clock.now()) clock.advance(next - clock.now());
    await app.queues.promoteDue(clock.now());
    await app.settle();
  }
  if (target > clock.now()) clock.advance(target - clock.now());
}
