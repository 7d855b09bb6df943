/**
 * The simulator seats people only in the groups it plays: a group that only real accounts serve is left
 * to the real platform (at 80,000 students the simulator's people were a fifth of the service's memory).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OrgIndex } from '../src/domain/org-index.js';
import { readRoster } from '../src/roster/index.js';
import { populateWorld } from '../src/sim/populate.js';
import { closeDb, openDb } from '../src/store/db.js';
import { applyRoster, loadOrgSnapshot } from '../src/store/org-repo.js';

const DEMO = fileURLToPath(new URL('../config/demo', import.meta.url));

async function demoOrg(): Promise<OrgIndex> {
  const db = openDb(':memory:');
  try {
    applyRoster(db, await readRoster(DEMO), { source: DEMO, now: Date.now() });
    return new OrgIndex(loadOrgSnapshot(db, '示范大学'));
  } finally {
    closeDb(db);
  }
}

describe('populateWorld', () => {
  it('seats nobody in the groups only real accounts serve, and the rest as before', async () => {
    const org = await demoOrg();
    const full = populateWorld(org, { keepTranscript: false });
    const part = populateWorld(org, { keepTranscript: false, exclude: new Set(['qq-bot-1']) });
    const pgs = org.groups.flatMap((g) => org.platformGroupsOf(g.id).map((pg) => ({ g, pg })));
    const real = pgs.filter(({ pg }) => pg.accounts.every((a) => a === 'qq-bot-1'));
    const simulated = pgs.filter(({ pg }) => pg.accounts.some((a) => a !== 'qq-bot-1'));
    expect(real.length).toBeGreaterThan(0);
    expect(simulated.length).toBeGreaterThan(0);
    for (const { pg } of real) expect(part.world.group(pg.chatId)).toBeUndefined();
    for (const { pg } of simulated) expect(part.world.members(pg.chatId).map((m) => m.userId).sort()).toEqual(full.world.members(pg.chatId).map((m) => m.userId).sort());
    expect(part.accountsOn('qq')).not.toContain('qq-bot-1');
    // A student of a class group that qq-bot-1 serves has a seat in the full world only.
    const { g } = real.find(({ g }) => g.level === 3) ?? real[0]!;
    const someone = full.world.members(org.platformGroupsOf(g.id)[0]!.chatId).find((m) => full.world.account(m.userId) === undefined);
    const personId = someone ? org.personByPlatformAccount(org.platformGroupsOf(g.id)[0]!.platform, someone.userId)?.id : undefined;
    expect(personId).toBeDefined();
    expect(full.seatOf(personId!, g.key)).toBeDefined();
    expect(part.seatOf(personId!, g.key)).toBeUndefined();
  });
});
