/**
 * Assembles a running Cascade on the simulator: Redis (given or embedded), the SQLite store (org
 * imported on first start), the simulated school and the app. Used by `npm start`, drills and tests.
 */
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { buildApp, type App } from './app/build-app.js';
import type { Feature } from './app/feature.js';
import { systemClock, type Clock } from './clock.js';
import type { CascadeConfig } from './config/schema.js';
import { OrgIndex } from './domain/org-index.js';
import { redactUrl, startEmbeddedRedis, type EmbeddedRedis } from './queue/redis-server.js';
import { lockDataDir } from './data-lock.js';
import { secureDataDir } from './data-dir.js';
import { readRoster } from './roster/index.js';
import { closeDb, openDb, type Db } from './store/db.js';
import { applyRoster, isOrgEmpty, loadOrgSnapshot, type ImportReport } from './store/org-repo.js';
import { populateWorld, type SimSchool } from './sim/populate.js';
import { chatPlatformOf, isRealAccount, orgOptions, orgSource, type AccountConfig } from './config/schema.js';
import { ConfigError } from './config/load.js';
import { createAdapter } from './platform/registry.js';
import type { ChatAdapter } from './platform/port.js';

export interface RuntimeOptions {
  readonly config: CascadeConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** SQLite file; default <dataDir>/cascade.db. */
  readonly dbFile?: string;
  /** Use this Redis instead of config.redis.url or an embedded one. */
  readonly redisUrl?: string;
  /** Embedded Redis keeps AOF under dataDir unless this is false (drills, tests). */
  readonly persistentRedis?: boolean;
  readonly prefix?: string;
  /** Keep the simulator's full transcript (default true). */
  readonly keepTranscript?: boolean;
  /** Called with the report when the roster is imported on first start. */
  readonly onImport?: (report: ImportReport) => void;
  /** The features to compose (default: all of Cascade's); tests add their own. */
  readonly features?: readonly Feature[];
  /** The simulated platform to use instead of a new one (a test that restores a backup and starts again on the same world). */
  readonly school?: SimSchool;
  /** Adapters made by the caller besides the simulated school's and the configured ones (tests: wechaty on the puppet mock). */
  readonly adapters?: readonly ChatAdapter[];
}

export interface Runtime {
  app: App;
  readonly school: SimSchool;
  readonly db: Db;
  readonly clock: Clock;
  readonly redisUrl: string;
  /** The embedded redis-server, when Cascade started one. */
  readonly embeddedRedis: EmbeddedRedis | undefined;
  /**
   * Stops the app as a crash would (force) or gracefully, then builds and starts a new one on the same
   * store, Redis and simulator; `between` runs while no app runs.
   */
  restart(force?: boolean, between?: () => Promise<void>): Promise<App>;
  stop(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // People's data: the directory and everything in it readable by Cascade's user only (docs/security.md).
  const narrowed = secureDataDir(config.dataDir);
  if (narrowed.dirs + narrowed.files > 0) logger.info(narrowed, 'data directory narrowed to its owner (it was readable by others)');
  // One Cascade per data directory: a second start refuses, naming the first.
  const lock = lockDataDir(config.dataDir);
  let embedded: EmbeddedRedis | undefined;
  let redisUrl = options.redisUrl ?? config.redis.url;
  let db: Db | undefined;
  try {
    if (!redisUrl) {
      embedded = await startEmbeddedRedis(options.persistentRedis === false ? { logger } : { dataDir: resolve(config.dataDir, 'redis'), logger });
      redisUrl = embedded.url;
      logger.info({ url: redactUrl(redisUrl), pid: embedded.pid() }, 'started embedded redis-server');
    }
    db = openDb(options.dbFile ?? join(config.dataDir, 'cascade.db'));
    if (isOrgEmpty(db)) {
      const roster = await readRoster(config.org);
      const report = applyRoster(db, roster, { source: orgSource(config.org), now: clock.now() });
      options.onImport?.(report);
    }
    const org = new OrgIndex(loadOrgSnapshot(db, config.school.name), orgOptions(config));
    // Accounts on a real platform (OneBot, oicq/icqq, wechaty) are built from the config; every other
    // account the roster names is played by the simulator.
    const real = config.accounts.filter(isRealAccount);
    checkAccounts(org, config.accounts);
    // A school already simulated (a test restoring a backup into a new data directory plays on the same platform).
    const school = options.school ?? populateWorld(org, { now: () => clock.now(), keepTranscript: options.keepTranscript ?? true, exclude: new Set(real.map((a) => a.id)) });
    const realAdapters = await Promise.all(real.map((a) => createAdapter(a, { logger, dataDir: join(config.dataDir, 'accounts') })));
    const simulated = [...school.accountsOn('qq'), ...school.accountsOn('wechat')];
    // With real accounts configured, a roster account left to the simulator is most likely a typo.
    if (real.length > 0 && simulated.length > 0) logger.warn({ simulated }, 'accounts the roster names but the config does not list run on the simulator: their groups get no real messages');
    // The first app takes this org rather than loading its own beside it; a restart loads afresh.
    let loaded: OrgIndex | undefined = org;
    const loadedOrg = {
      take(): OrgIndex | undefined {
        const o = loaded;
        loaded = undefined;
        return o;
      },
    };
    const make = (): App =>
      buildApp({
        loadedOrg,
        config,
        db: db as Db,
        redisUrl: redisUrl as string,
        ...(options.prefix ? { prefix: options.prefix } : {}),
        clock,
        adapters: [...school.adapters, ...realAdapters, ...(options.adapters ?? [])],
        logger,
        ...(options.features ? { features: options.features } : {}),
      });
    const runtime: Runtime = {
      app: make(),
      school,
      db,
      clock,
      redisUrl,
      embeddedRedis: embedded,
      async restart(force = true, between) {
        await runtime.app.stop(force);
        await between?.();
        runtime.app = make();
        await runtime.app.start();
        return runtime.app;
      },
      async stop() {
        try {
          await runtime.app.stop();
          closeDb(db as Db);
          await embedded?.stop();
        } finally {
          lock.release();
        }
      },
    };
    await runtime.app.start();
    return runtime;
  } catch (error) {
    if (db) closeDb(db);
    await embedded?.stop();
    lock.release();
    throw error;
  }
}

/** Each configured account must serve groups of its own chat platform (a OneBot account QQ groups, …). */
function checkAccounts(org: OrgIndex, accounts: readonly AccountConfig[]): void {
  const problems: string[] = [];
  for (const a of accounts) {
    const platform = chatPlatformOf(a);
    const wrong = org.groups.flatMap((g) => org.platformGroupsOf(g.id)).filter((pg) => pg.accounts.includes(a.id) && pg.platform !== platform);
    if (wrong.length > 0) problems.push(`accounts.${a.id}: a ${a.platform} account serves ${platform} groups, but the roster gives it ${wrong.length} ${wrong[0]?.platform ?? ''} group(s)`);
  }
  if (problems.length > 0) throw new ConfigError(problems, 'accounts');
}
