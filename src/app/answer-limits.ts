/**
 * How often the bots answer one sender. Every answer is a send on a paced account whose minute and day
 * budgets directives need, so people without a staff role get a few answers a minute and a day, at
 * most one refusal per `refusalEvery` when they may use no command at all, and an account the roster
 * does not know gets the "not on the roster" answer once per `strangerEvery`. Staff are not limited.
 * Kept in memory: a restart forgets, which costs at most one more answer per sender.
 */

export interface AnswerPolicy {
  readonly perMinute: number;
  readonly perDay: number;
  /** All such answers one bot account sends, so they never use up its budgets for posts. */
  readonly accountPerMinute: number;
  readonly accountPerDay: number;
  /** Refusals to someone with no command rights at all. */
  readonly refusalEveryMs: number;
  /** The "not on the roster" answer to an unknown account. */
  readonly strangerEveryMs: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Senders remembered before old ones are forgotten (a flood from many accounts stays bounded). */
const MAX_SENDERS = 50_000;

export class AnswerLimits {
  private readonly answers = new Map<string, number[]>();
  private readonly accounts = new Map<string, number[]>();
  private readonly refusals = new Map<string, number>();
  private readonly strangers = new Map<string, number>();

  constructor(private readonly policy: AnswerPolicy) {}

  /**
   * Whether a sender without a staff role may get an answer now from this bot account (within the
   * sender's limits and the account's share for such answers); a yes is counted against both.
   */
  answer(sender: string, accountId: string, now: number): boolean {
    const own = this.window(this.answers, sender, now);
    const account = this.window(this.accounts, accountId, now);
    if (!own.allows(this.policy.perMinute, this.policy.perDay) || !account.allows(this.policy.accountPerMinute, this.policy.accountPerDay)) return false;
    own.times.push(now);
    account.times.push(now);
    this.remember(this.answers, sender, own.times);
    this.accounts.set(accountId, account.times);
    return true;
  }

  /** The times of a key in the last day, and whether one more fits the minute and day limits. */
  private window(map: Map<string, number[]>, key: string, now: number): { times: number[]; allows: (perMinute: number, perDay: number) => boolean } {
    const times = (map.get(key) ?? []).filter((t) => t > now - DAY_MS);
    map.set(key, times);
    return {
      times,
      allows: (perMinute, perDay) => times.length < perDay && times.filter((t) => t > now - MINUTE_MS).length < perMinute,
    };
  }

  /** Whether someone with no command rights may be refused again (else the message goes unanswered). */
  refusal(sender: string, now: number): boolean {
    return this.once(this.refusals, sender, now, this.policy.refusalEveryMs);
  }

  /** Whether an unknown account may be told again that the roster does not know it. */
  stranger(sender: string, now: number): boolean {
    return this.once(this.strangers, sender, now, this.policy.strangerEveryMs);
  }

  private once(map: Map<string, number>, sender: string, now: number, everyMs: number): boolean {
    const last = map.get(sender);
    if (last !== undefined && now - last < everyMs) return false;
    this.remember(map, sender, now);
    return true;
  }

  private remember<V>(map: Map<string, V>, sender: string, value: V): void {
    map.delete(sender);
    map.set(sender, value);
    // Insertion order is recency: the oldest sender goes first.
    while (map.size > MAX_SENDERS) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }
}
