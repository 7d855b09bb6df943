import { describe, expect, it } from 'vitest';
import { nextReadDelay, READ_SHARE } from './sse.js';

describe('live reads of the console (server-sent events)', () => {
  it('read every interval while reads are quick, and back off so a slow read takes at most a tenth of the time', () => {
    expect(nextReadDelay(1000, 2)).toBe(1000);
    expect(nextReadDelay(1000, 100)).toBe(1000);
    expect(nextReadDelay(1000, 300)).toBe(3000);
    expect(nextReadDelay(2000, 700.2)).toBe(7002);
    for (const took of [1, 50, 99, 150, 333, 1200]) {
      const wait = nextReadDelay(1000, took);
      expect(took / wait).toBeLessThanOrEqual(1 / READ_SHARE);
      expect(wait).toBeGreaterThanOrEqual(1000);
    }
  });
});
