/**
 * The daily backup (issue #17): at `backup.at` a consistent copy of the store goes to `backup.dir` (default
 * `<dataDir>/backups`), the `backup.keep` newest kept. `cascade backup` makes one at any time.
 */
import { join } from 'node:path';
import { defineJob, type AppContext, type Feature } from '../../app/feature.js';
import { backupStore, pruneBackups } from '../../store/backup.js';

export const BACKUP_JOB = 'backup';
const SCHEDULER = 'daily-backup';

export function backupDir(app: Pick<AppContext, 'config'>): string {
  return app.config.backup.dir ?? join(app.config.dataDir, 'backups');
}

/** Makes a copy now and prunes the old ones; logs what it did. */
export async function backupNow(app: AppContext): Promise<string> {
  const dir = backupDir(app);
  const manifest = await backupStore(app.repos.db, dir, new Date(app.clock.now()));
  const pruned = pruneBackups(dir, app.config.backup.keep);
  app.logger.info({ file: manifest.file, counts: manifest.counts, pruned }, 'backup written');
  return join(dir, manifest.file);
}

const backupJob = defineJob<object>({
  name: BACKUP_JOB,
  concurrency: 1,
  accepts: (d): d is object => typeof d === 'object' && d !== null,
  async handle(_data, { app }) {
    await backupNow(app);
  },
});

async function schedule(app: AppContext): Promise<void> {
  await app.queues.daily(BACKUP_JOB, SCHEDULER, app.config.backup.at, app.timeZone, { attempts: 3, backoffMs: 60_000 });
}

export const backup: Feature = {
  name: 'backup',
  jobs: [backupJob],
  onReady: schedule,
  onResume: schedule,
};
