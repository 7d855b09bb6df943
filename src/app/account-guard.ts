/**
 * The circuit breaker of each bot account. Unofficial platforms freeze accounts that keep sending
 * after a warning, so at the first risk signal — risk control (oicq -70), a rate-limit reply
 * ("发送消息过于频繁") — the account stops sending for a while: its deliveries move to another account in
 * the same group, or wait, or become manual tasks (see Outbox). Muted in one group, it stops sending
 * there only. Calls that keep timing out are a slow link, not a warning: the account rests briefly
 * (a minute, growing on repeats), and nobody is alerted.
 */
import { PlatformRefusedError, PlatformUnavailableError } from '../platform/port.js';

export interface BreakerPolicy {
  /** First pause after a risk signal; each further trip within a day doubles it, up to maxPauseMs. */
  readonly pauseMs: number;
  readonly maxPauseMs: number;
  /** Consecutive sends that time out (outcome unknown) before the account rests briefly (a slow link, not a risk). */
  readonly timeoutsToTrip: number;
  /** That brief rest; doubling on repeats within a day, up to maxSlowPauseMs. */
  readonly slowPauseMs: number;
  readonly maxSlowPauseMs: number;
  /** How long an account muted in a group, or removed from it, leaves that group alone. */
  readonly mutedPauseMs: number;
}

const ACCOUNT_RISKS = new Set(['risk_control', 'rate_limited']);
const DAY_MS = 24 * 60 * 60 * 1000;

interface AccountState {
  pausedUntil: number;
  reason: string | null;
  trips: number;
  lastTripAt: number;
  slowTrips: number;
  lastSlowAt: number;
  timeouts: number;
  readonly mutedIn: Map<string, number>;
}

export interface Trip {
  readonly accountId: string;
  readonly reason: string;
  readonly until: number;
  /** `risk`: the platform warned (operators are told); `slow`: calls time out (a brief rest, logged). */
  readonly kind: 'risk' | 'slow';
  /** Only this group (muted there), not the whole account. */
  readonly group?: string;
}

export class AccountGuard {
  private readonly accounts = new Map<string, AccountState>();

  constructor(private readonly policy: BreakerPolicy) {}

  private stateOf(accountId: string): AccountState {
    let s = this.accounts.get(accountId);
    if (!s) {
      s = { pausedUntil: 0, reason: null, trips: 0, lastTripAt: 0, slowTrips: 0, lastSlowAt: 0, timeouts: 0, mutedIn: new Map() };
      this.accounts.set(accountId, s);
    }
    return s;
  }

  /** Whether the account may send (to this group, when given) now; else until when it may not. */
  blockedUntil(accountId: string, group: string | null, now: number): number | null {
    const s = this.accounts.get(accountId);
    if (!s) return null;
    const muted = group === null ? 0 : (s.mutedIn.get(group) ?? 0);
    const until = Math.max(s.pausedUntil, muted);
    return until > now ? until : null;
  }

  /** The account's pause, for status reports; null when it sends. */
  pause(accountId: string, now: number): { until: number; reason: string } | null {
    const s = this.accounts.get(accountId);
    return s && s.pausedUntil > now ? { until: s.pausedUntil, reason: s.reason ?? '' } : null;
  }

  /** A pause the previous run of the service set (kept in `account_status`): a restart does not lift it. */
  restore(accountId: string, until: number, reason: string, now: number): void {
    if (until <= now) return;
    const s = this.stateOf(accountId);
    s.pausedUntil = Math.max(s.pausedUntil, until);
    s.reason = reason;
    s.trips = Math.max(s.trips, 1);
    s.lastTripAt = now;
  }

  /** An operator pauses the account (the console): it sends nothing until then. */
  hold(accountId: string, until: number, reason: string): void {
    const s = this.stateOf(accountId);
    s.pausedUntil = Math.max(s.pausedUntil, until);
    s.reason = reason;
  }

  /** An operator lets a paused account send again (the console). False when it was not paused. */
  resume(accountId: string, now: number): boolean {
    const s = this.accounts.get(accountId);
    if (!s || s.pausedUntil <= now) return false;
    s.pausedUntil = 0;
    s.reason = null;
    s.timeouts = 0;
    return true;
  }

  sent(accountId: string): void {
    const s = this.accounts.get(accountId);
    if (s) s.timeouts = 0;
  }

  /** A send failed: trips the breaker on a risk signal. Returns the trip, if this failure caused one. */
  failed(accountId: string, group: string | null, error: unknown, now: number): Trip | null {
    const s = this.stateOf(accountId);
    if (error instanceof PlatformRefusedError) {
      // Muted there, or no longer in the group: this account leaves that group alone for a while.
      if ((error.code === 'muted' || error.code === 'not_in_group') && group !== null) {
        const until = now + this.policy.mutedPauseMs;
        s.mutedIn.set(group, until);
        return { accountId, reason: error.code, until, kind: 'risk', group };
      }
      if (ACCOUNT_RISKS.has(error.code)) return this.trip(s, accountId, error.code, now);
      return null;
    }
    if (error instanceof PlatformUnavailableError && !error.definitelyNotSent) {
      s.timeouts += 1;
      if (s.timeouts >= this.policy.timeoutsToTrip) return this.rest(s, accountId, now);
    }
    return null;
  }

  /** Calls keep timing out (after reconnects): a brief rest, growing on repeats — not the risk breaker. */
  private rest(s: AccountState, accountId: string, now: number): Trip | null {
    if (s.pausedUntil > now) return null;
    s.slowTrips = now - s.lastSlowAt < DAY_MS ? s.slowTrips + 1 : 1;
    s.lastSlowAt = now;
    s.timeouts = 0;
    s.pausedUntil = now + Math.min(this.policy.slowPauseMs * 2 ** (s.slowTrips - 1), this.policy.maxSlowPauseMs);
    s.reason = 'timeouts';
    return { accountId, reason: 'timeouts', until: s.pausedUntil, kind: 'slow' };
  }

  private trip(s: AccountState, accountId: string, reason: string, now: number): Trip | null {
    // Already paused: a late failure of a send made before the pause does not lengthen it.
    if (s.pausedUntil > now) return null;
    s.trips = now - s.lastTripAt < DAY_MS ? s.trips + 1 : 1;
    s.lastTripAt = now;
    s.timeouts = 0;
    const length = Math.min(this.policy.pauseMs * 2 ** (s.trips - 1), this.policy.maxPauseMs);
    s.pausedUntil = now + length;
    s.reason = reason;
    return { accountId, reason, until: s.pausedUntil, kind: 'risk' };
  }
}
