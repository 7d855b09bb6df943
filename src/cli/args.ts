/**
 * What the command line's commands share: reading flags and options, and the store with its org (the
 * config's roster imported first when the store holds none).
 */
import { join } from 'node:path';
import type { CascadeConfig } from '../config/schema.js';
import { orgOptions, orgSource } from '../config/schema.js';
import { OrgIndex } from '../domain/org-index.js';
import { readRoster } from '../roster/index.js';
import { closeDb, openDb, type Db } from '../store/db.js';
import { applyRoster, isOrgEmpty, loadOrgSnapshot } from '../store/org-repo.js';

/** Takes `name` out of the arguments; whether it was there. */
export function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

/** Takes `name value` or `name=value` out of the arguments. */
export function option(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === name && i + 1 < args.length) return args.splice(i, 2)[1];
    if (a.startsWith(`${name}=`)) return args.splice(i, 1)[0]?.slice(name.length + 1);
  }
  return undefined;
}

/** The org in the store (the config's roster imported first when the store holds none). */
export async function storedOrg(db: Db, config: CascadeConfig): Promise<OrgIndex> {
  if (isOrgEmpty(db)) applyRoster(db, await readRoster(config.org), { source: orgSource(config.org), now: Date.now() });
  return new OrgIndex(loadOrgSnapshot(db, config.school.name), orgOptions(config));
}

/** Runs a command on the config's store and its org, closing the store after. */
export async function withStoredOrg(config: CascadeConfig, run: (db: Db, org: OrgIndex) => Promise<number>): Promise<number> {
  const db = openDb(join(config.dataDir, 'cascade.db'));
  try {
    return await run(db, await storedOrg(db, config));
  } finally {
    closeDb(db);
  }
}
