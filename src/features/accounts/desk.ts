/**
 * The bot accounts as operators see them: their state written for `cascade accounts` every few
 * seconds, the login steps an operator gives with `cascade login`, circuit-breaker pauses that outlive
 * a restart, and the team leader told when an account is paused.
 */
import type { AppContext } from '../../app/feature.js';
import type { Trip } from '../../app/account-guard.js';
import { formatTime } from '../../domain/duration.js';
import { deliveryKey } from '../../store/keys.js';
import type { ManualDesk } from '../manual/desk.js';
import { zhManual } from '../manual/texts.js';

/** How often the accounts' state is written for `cascade accounts`. */
const ACCOUNT_STATUS_EVERY_MS = 10_000;
/** A login step from the command line older than this is not carried out. */
const LOGIN_STEP_TTL_MS = 10 * 60 * 1000;

export class AccountDesk {
  private timer: NodeJS.Timeout | undefined;
  /** Breaker alerts being planned: stop() waits for them. */
  private readonly alerts = new Set<Promise<void>>();
  /** One pass of login steps at a time: a slow step is not run again by the next tick. */
  private stepping = false;

  constructor(
    private readonly app: AppContext,
    private readonly manual: ManualDesk,
  ) {}

  /** Breaker pauses outlive a restart: an operator restarting the service must not unleash a risky account. */
  restorePauses(): void {
    const now = this.app.clock.now();
    for (const row of this.app.repos.accountStatus.all()) {
      if (row.pausedUntil !== null) this.app.guard.restore(row.accountId, row.pausedUntil, row.pauseReason ?? 'restored', now);
    }
  }

  /** Writes every account's state now. */
  save(): void {
    const { app } = this;
    const now = app.clock.now();
    app.repos.accountStatus.save(
      [...app.adapters.values()].map((a) => {
        const st = a.status?.() ?? { state: 'online' as const, since: now };
        const pause = app.guard.pause(a.accountId, now);
        return {
          accountId: a.accountId,
          platform: app.config.accounts.find((c) => c.id === a.accountId)?.platform ?? `${a.platform} (simulator)`,
          state: st.state,
          detail: st.detail ?? null,
          pausedUntil: pause?.until ?? null,
          pauseReason: pause?.reason ?? null,
          lastHeartbeatAt: st.lastHeartbeatAt ?? null,
          selfId: a.selfId === '' ? null : a.selfId,
          updatedAt: now,
        };
      }),
    );
  }

  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      try {
        this.save();
        void this.loginSteps();
      } catch (error) {
        this.app.logger.warn({ err: error }, 'could not save the accounts’ status');
      }
    }, ACCOUNT_STATUS_EVERY_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for alerts being planned (the store closes next). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.alerts);
  }

  /** An account's breaker tripped: logged, saved, and the team leaders told privately through any account that works. */
  tripped(trip: Trip): void {
    const { app } = this;
    const until = formatTime(trip.until, app.timeZone, { now: app.clock.now() });
    const fields = { account: trip.accountId, reason: trip.reason, until: new Date(trip.until).toISOString(), group: trip.group };
    if (trip.kind === 'slow') app.logger.warn(fields, 'calls keep timing out: the account rests briefly');
    else app.logger.error(fields, 'circuit breaker: account paused');
    this.save();
    // A brief rest for a slow link is no news for the team leader; a risk signal or a lost group is.
    if (trip.group !== undefined || trip.kind === 'slow') return;
    const text = zhManual.accountPaused({ account: trip.accountId, reason: trip.reason, until });
    const alert = app.store
      .transaction((work) => work.queue(this.manual.tell(app.org().withRole('team_leader', null), text, deliveryKey.breakerAlert(trip.accountId, trip.until))))
      .catch((error: unknown) => void app.failed('breaker-alert', trip.accountId, error))
      .finally(() => this.alerts.delete(alert));
    this.alerts.add(alert);
  }

  /** Operators' login steps (`cascade login`), carried out by the adapter they name. */
  private async loginSteps(): Promise<void> {
    if (this.stepping) return;
    this.stepping = true;
    try {
      await this.runLoginSteps();
    } catch (error) {
      this.app.logger.warn({ err: error }, 'could not carry out the login steps');
    } finally {
      this.stepping = false;
    }
  }

  private async runLoginSteps(): Promise<void> {
    const { app } = this;
    const repo = app.repos.accountStatus;
    for (const action of repo.pending()) {
      // A step asked for long ago (the service was down) is stale: a slider ticket expires in minutes.
      if (app.clock.now() - action.createdAt > LOGIN_STEP_TTL_MS) {
        repo.done(action.id, 'expired: the service did not run it in time', app.clock.now());
        continue;
      }
      const adapter = app.adapters.get(action.accountId);
      let result = 'done';
      if (!adapter?.loginStep) result = adapter ? 'unsupported: this account has no login steps' : 'unknown account';
      else {
        try {
          await adapter.loginStep(action.step);
        } catch (error) {
          result = `failed: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      repo.done(action.id, result, app.clock.now());
      app.logger.info({ account: action.accountId, step: action.step.kind, result }, 'login step from the command line');
    }
  }
}
