/**
 * Retention (issue #14): a daily sweep removes what people wrote once it is no longer needed and the
 * records of people gone from the roster (`privacy.*`; docs/security.md), and logs how much.
 */
import { defineJob, type AppContext, type Feature } from '../../app/feature.js';

export const PRIVACY_JOB = 'privacy-sweep';
const DAY_MS = 24 * 60 * 60 * 1000;
const SCHEDULER = 'daily-privacy-sweep';
const ATTEMPTS = 3;
const BACKOFF_MS = 60_000;

/** Runs the sweep now and logs its counts (the job, and tests). */
export function sweep(app: AppContext): ReturnType<AppContext['repos']['privacy']['sweep']> & { files: number } {
  const p = app.config.privacy;
  const now = app.clock.now();
  const counts = app.repos.privacy.sweep(now, { messages: p.keepMessagesDays, directives: p.keepDirectivesDays, removed: p.keepRemovedDays });
  // Files: those sent with directives as long as messages are kept; export workbooks (names, replies) a day.
  const files = app.repos.attachments.sweep(now - p.keepMessagesDays * DAY_MS, now - DAY_MS);
  for (const hash of files.unreferenced) app.files.remove(hash);
  app.logger.info({ ...counts, files: files.removed }, 'privacy sweep: texts and records past their retention removed');
  return { ...counts, files: files.removed };
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
