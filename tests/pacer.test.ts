/** The per-account pacing budgets and the circuit breaker, on a virtual clock. */
import { describe, expect, it } from 'vitest';
import { AccountGuard } from '../src/app/account-guard.js';
import { Pacer } from '../src/app/outbox.js';
import { VirtualClock } from '../src/clock.js';
import { PlatformRefusedError, PlatformUnavailableError } from '../src/platform/port.js';

const MIN = 60_000;

describe('Pacer budgets', () => {
  it('keeps the minimum gap and at most perMinute sends in any minute', async () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, () => ({ minGapMs: 1000, jitterMs: 0, perMinute: 3 }), () => 0);
    const at: number[] = [];
    const send = async (): Promise<void> => {
      // A wait longer than a job should sleep comes back as a pause: the caller waits it out.
      const pause = await pacer.acquire('a');
      if (pause > 0) {
        clock.advance(pause);
        expect(await pacer.acquire('a')).toBe(0);
      }
      at.push(clock.now());
      pacer.sent('a');
    };
    for (let i = 0; i < 5; i++) await send();
    // 0, 1 s, 2 s; the 4th waits for the 1st to leave the minute; the 5th for the 2nd.
    expect(at).toEqual([0, 1000, 2000, MIN, MIN + 1000]);
  });

  it('spaces sends into one group more than sends across groups', async () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, () => ({ minGapMs: 100, jitterMs: 0, perGroupPerMinute: 2 }), () => 0);
    const times = async (group: string): Promise<number> => {
      await pacer.acquire('a', group);
      pacer.sent('a');
      return clock.now();
    };
    expect([await times('g1'), await times('g1'), await times('g2'), await times('g2')]).toEqual([0, 100, 200, 300]);
    // A third post into g1 waits until a minute after its first.
    expect(await pacer.acquire('a', 'g1')).toBeGreaterThan(30_000);
    // That wait is returned, not slept through, and books nothing: g2 can still go (after the gap).
    expect(await pacer.acquire('a', 'g3')).toBe(0);
    expect(clock.now()).toBe(400);
  });

  it('puts a send back, without sleeping, when the day budget is spent', async () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, () => ({ minGapMs: 10, jitterMs: 0, perDay: 2 }), () => 0);
    expect(await pacer.acquire('a')).toBe(0);
    pacer.sent('a');
    expect(await pacer.acquire('a')).toBe(0);
    pacer.sent('a');
    const wait = await pacer.acquire('a');
    expect(wait).toBeGreaterThan(23 * 60 * MIN);
    expect(clock.now()).toBeLessThan(1000);
  });

  it('charges the budgets only for sends that may have reached the platform', async () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, () => ({ minGapMs: 10, jitterMs: 0, perDay: 2 }), () => 0);
    // Ten attempts while offline (certainly not sent) spend nothing.
    for (let i = 0; i < 10; i++) {
      expect(await pacer.acquire('a')).toBe(0);
      pacer.sent('a', false);
    }
    for (let i = 0; i < 2; i++) {
      expect(await pacer.acquire('a')).toBe(0);
      pacer.sent('a');
    }
    expect(await pacer.acquire('a')).toBeGreaterThan(60_000);
  });

  it('counts the sends made before a restart against the day budget', async () => {
    const clock = new VirtualClock(10 * MIN);
    const pacer = new Pacer(clock, () => ({ minGapMs: 10, jitterMs: 0, perDay: 2 }), () => 0);
    pacer.seed('a', [1 * MIN, 2 * MIN]);
    expect(await pacer.acquire('a')).toBeGreaterThan(60_000);
  });

  it('keeps the gap and the minute budget across a restart', async () => {
    const clock = new VirtualClock(10 * MIN);
    const pacer = new Pacer(clock, () => ({ minGapMs: 1000, jitterMs: 0, perMinute: 2 }), () => 0);
    // Two sends in the last second before the restart: the minute is spent.
    pacer.seed('a', [10 * MIN - 1500, 10 * MIN - 500]);
    expect(await pacer.acquire('a')).toBeGreaterThan(55_000);
    const other = new Pacer(clock, () => ({ minGapMs: 1000, jitterMs: 0 }), () => 0);
    other.seed('b', [10 * MIN - 200]);
    expect(await other.acquire('b')).toBe(0);
    // It slept out the rest of the gap from the last send before the restart.
    expect(clock.now()).toBe(10 * MIN + 800);
  });

  it('does nothing for an unpaced account (simulator benchmarks)', async () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, () => ({ minGapMs: 0, jitterMs: 0, perMinute: 1 }));
    for (let i = 0; i < 10; i++) expect(await pacer.acquire('a')).toBe(0);
    expect(clock.now()).toBe(0);
  });
});

describe('AccountGuard', () => {
  const policy = { pauseMs: 30 * MIN, maxPauseMs: 120 * MIN, timeoutsToTrip: 3, slowPauseMs: 60_000, maxSlowPauseMs: 900_000, mutedPauseMs: 60 * MIN };

  it('pauses an account on risk control, doubling on a repeat within a day, up to the maximum', () => {
    const guard = new AccountGuard(policy);
    const risk = new PlatformRefusedError('risk_control', '-70');
    expect(guard.failed('a', 'g', risk, 0)).toMatchObject({ accountId: 'a', reason: 'risk_control', until: 30 * MIN, kind: 'risk' });
    expect(guard.blockedUntil('a', null, 10 * MIN)).toBe(30 * MIN);
    // A late failure of a send made before the pause does not lengthen it.
    expect(guard.failed('a', 'g', risk, 11 * MIN)).toBeNull();
    expect(guard.failed('a', 'g', risk, 31 * MIN)?.until).toBe(31 * MIN + 60 * MIN);
    expect(guard.failed('a', 'g', risk, 92 * MIN)?.until).toBe(92 * MIN + 120 * MIN);
    expect(guard.blockedUntil('b', null, 0)).toBeNull();
  });

  it('rests an account briefly after repeated timeouts, growing on repeats, and a success resets the count', () => {
    const guard = new AccountGuard(policy);
    const timeout = new PlatformUnavailableError('timeout');
    guard.failed('a', null, timeout, 0);
    guard.failed('a', null, timeout, 1);
    guard.sent('a');
    guard.failed('a', null, timeout, 2);
    guard.failed('a', null, timeout, 3);
    expect(guard.blockedUntil('a', null, 4)).toBeNull();
    // A slow link: a brief rest (a minute), not the risk breaker's half hour; it grows on repeats.
    expect(guard.failed('a', null, timeout, 5)).toMatchObject({ reason: 'timeouts', kind: 'slow', until: 5 + 60_000 });
    for (let i = 0; i < 3; i++) guard.failed('a', null, timeout, 70_000 + i);
    expect(guard.blockedUntil('a', null, 70_003)).toBe(70_002 + 120_000);
    // Offline (certainly not sent) is not a risk signal.
    const other = new AccountGuard(policy);
    for (let i = 0; i < 5; i++) other.failed('b', null, new PlatformUnavailableError('offline', true), i);
    expect(other.blockedUntil('b', null, 10)).toBeNull();
  });

  it('keeps a muted account out of that group only', () => {
    const guard = new AccountGuard(policy);
    expect(guard.failed('a', 'g1', new PlatformRefusedError('muted', '120'), 0)).toMatchObject({ group: 'g1' });
    expect(guard.blockedUntil('a', 'g1', 1)).toBe(60 * MIN);
    expect(guard.blockedUntil('a', 'g2', 1)).toBeNull();
    expect(guard.pause('a', 1)).toBeNull();
  });
});
