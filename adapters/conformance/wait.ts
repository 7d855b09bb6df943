/** Polling waits for asynchronous platform events in adapter tests; real timers, short intervals. */

export const DEFAULT_WAIT_MS = 2_000;
const POLL_INTERVAL_MS = 2;

/**
 * Resolves with the first value `probe` returns that is not undefined, null or false.
 * Rejects after `timeoutMs` with `what` in the message.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  timeoutMs: number = DEFAULT_WAIT_MS,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
