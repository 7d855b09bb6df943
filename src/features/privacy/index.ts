/**
 * Retention (issue #14): a daily sweep removes what people wrote once it is no longer needed and the
 * records of people gone from the roster (`privacy.*`; docs/security.md), and logs how much.
 */
import { defineJob, type AppContext, type Feature } from '../../app/feature.js';

export const PRIVACY_JOB = 'privacy-sweep';
const SCHEDULER = 'daily-privacy-sweep';
const ATTEMPTS = 3;
const BACKOFF_MS = 60_000;

/** Runs the sweep now and logs its counts (the job, and tests). */
export function sweep(app: AppContext): ReturnType<AppContext['repos']['privacy']['sweep']> {
  const p = app.config.privacy;
  const counts = app.repos.privacy.sweep(app.clock.now(), { messages: p.keepMessagesDays, directives: p.keepDirectivesDays, removed: p.keepRemovedDays });
  app.logger.info(counts, 'privacy sweep: texts and records past their retention removed');
  return counts;
}

const sweepJob = defineJob<object>({
  name: PRIVACY_JOB,
  concurrency: 1,
  accepts: (d): d is object => typeof d === 'object' && d !== null,
  async handle(_data, { app }) {
    sweep(app);
  },
});

async function schedule(app: AppContext): Promise<void> {
  await app.queues.daily(PRIVACY_JOB, SCHEDULER, app.config.privacy.sweepAt, app.timeZone, { attempts: ATTEMPTS, backoffMs: BACKOFF_MS });
}

export const privacy: Feature = {
  name: 'privacy',
  jobs: [sweepJob],
  onReady: schedule,
  // The schedule lives in Redis: made again (an upsert) should an outage have lost it.
  onResume: schedule,
};
