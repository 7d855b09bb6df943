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
  private readonly refusals = new Map<string, number>();
  private readonly strangers = new Map<string, number>();

  constructor(private readonly policy: AnswerPolicy) {}

  /** Whether a sender without a staff role may get an answer now; a yes is counted. */
  answer(sender: string, now: number): boolean {
    const times = (this.answers.get(sender) ?? []).filter((t) => t > now - DAY_MS);
    const lastMinute = times.filter((t) => t > now - MINUTE_MS).length;
    if (times.length >= this.policy.perDay || lastMinute >= this.policy.perMinute) {
      this.answers.set(sender, times);
      return false;
    }
    times.push(now);
    this.remember(this.answers, sender, times);
    return true;
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
