/**
 * Catch up after a gap. When a bot account logs in again (its link was down) or the service starts
 * again, the messages of its groups since the gap began (since the newest one stored from each, if
 * later) are read back from the platform's history and fed through the normal path and its dedupe: a
 * reply or a command sent while the bot was away is handled. Where the platform keeps no history (WeChat), or it does
 * not reach back far enough, the gap is recorded with its length and `/进度` says replies may be missing.
 */
import type { AppContext } from '../../app/feature.js';
import type { Directive } from '../../domain/directive.js';
import { formatDuration, formatTime } from '../../domain/duration.js';
import { PlatformRefusedError } from '../../platform/port.js';
import { GapRepo } from '../../store/gap-repo.js';
import type { Relay } from '../directives/relay.js';
import { zhCatchUp } from './texts.js';

/** History times are whole seconds and clocks differ: read from this long before. */
const SLACK_MS = 5_000;
/** A gap is read back at most this far (a service down for days does not replay days of chat). */
const MAX_LOOKBACK_MS = 24 * 60 * 60 * 1000;
/** A shorter time away is no gap worth a line (a reconnect of a second still is one). */
const MIN_GAP_MS = 1_000;

export class CatchUp {
  private readonly gaps: GapRepo;
  private readonly running = new Set<Promise<void>>();
  /** When the previous run of the service was last known alive (its last status write). */
  private lastAlive: number | undefined;
  /** Accounts already caught up after this run's start: later logins follow a time away in this run. */
  private readonly started = new Set<string>();

  constructor(
    private readonly app: AppContext,
    private readonly relay: Relay,
  ) {
    this.gaps = new GapRepo(app.repos.db);
  }

  /** Read at start, before this run writes its own status. */
  noteLastRun(): void {
    this.lastAlive = this.app.repos.failures.health('redis')?.updatedAt;
  }

  /** A login: catches up in the background (a stop waits for it). */
  loggedIn(accountId: string, offlineSince: number | undefined): void {
    const first = !this.started.has(accountId);
    this.started.add(accountId);
    // The first login of this run: away since the previous run stopped (unknown on a first start ever).
    const from = offlineSince ?? (first ? this.lastAlive : undefined);
    const run = this.run(accountId, from)
      .catch((error: unknown) => this.app.logger.warn({ err: error, account: accountId }, 'catching up after a gap failed'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Waits for the catch-ups under way. */
  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  private async run(accountId: string, from: number | undefined): Promise<void> {
    const { app } = this;
    const adapter = app.adapters.get(accountId);
    if (!adapter) return;
    const now = app.clock.now();
    // With the gap known, every group of the account is read back from its start (a command sent then
    // counts as much as a reply); without it, the groups with open directives, from their issue.
    const chats = from === undefined ? this.openChats(accountId) : this.allChats(accountId, Math.max(from, now - MAX_LOOKBACK_MS));
    if (chats.length === 0) return;
    let recovered = adapter.history !== undefined;
    let caught = 0;
    for (const c of chats) {
      if (!adapter.history) break;
      // Everything after the newest message stored from the chat may be missing (before it, all was stored).
      const since = Math.max(c.openSince, app.repos.inbound.lastAt(adapter.platform, c.chatId) ?? c.openSince) - SLACK_MS;
      try {
        const page = await adapter.history(c.chatId, since);
        if (!page.complete) recovered = false;
        for (const m of page.messages) {
          if (m.self) continue;
          app.ingest(m.event);
          caught++;
        }
      } catch (error) {
        recovered = false;
        if (!(error instanceof PlatformRefusedError)) app.logger.warn({ err: error, account: accountId, chat: c.chatId }, 'could not read a group back after a gap');
      }
    }
    if (from === undefined || now - from < MIN_GAP_MS) {
      if (caught > 0) app.logger.info({ account: accountId, caught }, 'read back the groups with open directives');
      return;
    }
    this.gaps.record({ accountId, fromAt: from, toAt: now, recovered, caught });
    if (recovered) app.logger.info({ account: accountId, awayMs: now - from, caught }, 'caught up after a gap: the groups were read back from the history');
    else app.logger.warn({ account: accountId, awayMs: now - from, caught }, 'a gap the history could not cover: replies sent meanwhile may be missing');
  }

  /** Every platform group of the account, read from `since`. */
  private allChats(accountId: string, since: number): { chatId: string; openSince: number }[] {
    const org = this.app.org();
    return org.groups.flatMap((g) => org.platformGroupsOf(g.id).filter((pg) => pg.accounts.includes(accountId)).map((pg) => ({ chatId: pg.chatId, openSince: since })));
  }

  /** The account's platform groups whose group has open directives, each with when the oldest of them was issued. */
  private openChats(accountId: string): { chatId: string; openSince: number }[] {
    const org = this.app.org();
    const out: { chatId: string; openSince: number }[] = [];
    for (const g of org.groups) {
      let oldest: number | undefined;
      for (const d of this.relay.openIn(g.id)) oldest = Math.min(oldest ?? d.createdAt, d.createdAt);
      if (oldest === undefined) continue;
      for (const pg of org.platformGroupsOf(g.id)) if (pg.accounts.includes(accountId)) out.push({ chatId: pg.chatId, openSince: oldest });
    }
    return out;
  }

  /** `/进度`'s line: times a bot serving the directive's groups was away and nothing could read them back. */
  line(d: Directive): string | null {
    const now = this.app.clock.now();
    const gaps = this.gaps.unrecovered(d.createdAt, now);
    if (gaps.length === 0) return null;
    const tz = this.app.timeZone;
    return zhCatchUp.gaps(gaps.map((g) => ({ length: formatDuration(g.toAt - g.fromAt), from: formatTime(g.fromAt, tz, { now }), to: formatTime(g.toAt, tz, { now }) })));
  }
}
