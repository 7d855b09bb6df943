/** Small helpers the benchmark phases share. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rounds for the report: `round(3.14159, 1)` is 3.1. */
export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

/** Polls `done` every `everyMs` until it holds; throws after `timeoutMs`, naming `what`. */
export async function waitFor(what: string, timeoutMs: number, everyMs: number, done: () => boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
