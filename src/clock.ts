/** Time as the app sees it. Drills use a virtual clock so hours of chat run in seconds. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock that only moves when told to. Sleeping resolves at once after advancing virtual time. */
export class VirtualClock implements Clock {
  private current: number;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    this.current += Math.max(0, ms);
  }

  advance(ms: number): void {
    this.current += Math.max(0, ms);
  }
}
