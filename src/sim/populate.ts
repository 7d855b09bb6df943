/**
 * Seats an org in the chat simulator: a simulated group for every platform group in the roster, the
 * bot accounts that serve them, and every person in the groups the seed document puts them in.
 */
import { SimulatorAdapter, SimWorld } from '../../adapters/simulator/index.js';
import { defaultCard } from '../domain/membership.js';
import type { Group, Person, Platform, PlatformGroup } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';

export interface SimSchool {
  readonly world: SimWorld;
  readonly adapters: SimulatorAdapter[];
  /** Where a person sits in a logical group: the platform group and their user id there. */
  seatOf(personId: number, groupKey: string): { chatId: string; userId: string; platform: Platform } | undefined;
  /** The bot account ids on each platform. */
  accountsOn(platform: Platform): string[];
}

/** Who belongs in a logical group, as the seed document says. */
function membersOf(org: OrgIndex, g: Group): Person[] {
  const staff = (collegeId: number | null): Person[] =>
    collegeId === null
      ? []
      : [...org.withRole('deputy_secretary', collegeId), ...org.collegeCounselors(collegeId)];
  switch (g.level) {
    case 1: {
      const ds = org.colleges.flatMap((c) => org.withRole('deputy_secretary', c.id));
      return [...org.withRole('team_leader', null), ...org.withRole('team_member', null), ...ds];
    }
    case 2:
      return g.collegeId === null ? [] : [...staff(g.collegeId), ...org.withRole('college_leader', g.collegeId)];
    case 3:
      return g.classId === null ? [] : [...org.studentsOf(g.classId), ...org.counselorsOf(g.classId)];
    case 4: {
      if (g.collegeId === null) return [];
      const guardians = org.classesOf(g.collegeId).flatMap((k) =>
        org.studentsOf(k.id).flatMap((s) => org.guardiansOf(s.id).map((x) => org.person(x.guardianId))),
      );
      return [...guardians.filter((p): p is Person => p !== undefined), ...staff(g.collegeId)];
    }
    case 0: {
      // The demo's extra groups: the college's staff and each class's first two students (its cadres).
      const cadres = g.collegeId === null ? [] : org.classesOf(g.collegeId).flatMap((k) => org.studentsOf(k.id).slice(0, 2));
      return [...staff(g.collegeId), ...cadres];
    }
  }
}

/**
 * For a logical group backed by several platform groups (a college's parents in two WeChat groups),
 * families sit by class: the class's index within the college picks the platform group; staff sit in all.
 */
function platformGroupsFor(org: OrgIndex, g: Group, p: Person, pgs: readonly PlatformGroup[]): readonly PlatformGroup[] {
  if (pgs.length <= 1 || p.kind !== 'guardian') return pgs;
  const ward = org.wardsOf(p.id).map((w) => org.person(w.studentId)).find((s) => s?.collegeId === g.collegeId);
  const classes = g.collegeId === null ? [] : org.classesOf(g.collegeId);
  const index = Math.max(0, classes.findIndex((k) => k.id === ward?.classId));
  const pick = pgs[index % pgs.length];
  return pick ? [pick] : pgs;
}

export function populateWorld(
  org: OrgIndex,
  options: { now?: () => number; keepTranscript?: boolean; /** Accounts served by a real platform, not simulated. */ exclude?: ReadonlySet<string> } = {},
): SimSchool {
  const world = new SimWorld({ ...(options.now ? { now: options.now } : {}), keepTranscript: options.keepTranscript ?? true });
  const accounts = new Map<string, Platform>();
  const seats = new Map<string, { chatId: string; userId: string; platform: Platform }>();
  for (const g of org.groups) {
    // A group only real accounts serve is not simulated: nobody is seated there (at 80,000 students the
    // simulator's people would otherwise be a fifth of the service's memory).
    const exclude = options.exclude;
    const pgs = org.platformGroupsOf(g.id);
    const simulated = exclude && exclude.size > 0 ? pgs.filter((pg) => pg.accounts.some((a) => !exclude.has(a))) : pgs;
    if (simulated.length === 0) continue;
    for (const pg of simulated) {
      world.addGroup({ platform: pg.platform, chatId: pg.chatId, name: `${g.name}` });
      for (const accountId of pg.accounts) {
        if (options.exclude?.has(accountId)) continue;
        if (!accounts.has(accountId)) {
          world.addAccount({ accountId, platform: pg.platform, nickname: '联络机器人' });
          accounts.set(accountId, pg.platform);
        }
        world.join(pg.chatId, accountId, { role: 'admin' });
      }
    }
    for (const p of membersOf(org, g)) {
      for (const pg of platformGroupsFor(org, g, p, pgs)) {
        if (simulated !== pgs && !simulated.includes(pg)) continue;
        const userId = org.accountOn(p.id, pg.platform);
        if (!userId) continue;
        if (!world.user(userId)) world.addUser({ userId, nickname: p.name, platform: pg.platform });
        if (!world.isMember(pg.chatId, userId)) world.join(pg.chatId, userId, { card: defaultCard(org, p) });
        const seatKey = `${p.id}|${g.key}`;
        if (!seats.has(seatKey)) seats.set(seatKey, { chatId: pg.chatId, userId, platform: pg.platform });
        // Staff add the bots as friends so private answers reach them on WeChat too.
        if (p.kind === 'staff') for (const a of pg.accounts) if (accounts.has(a) && !world.isFriend(a, userId)) world.befriend(a, userId);
      }
    }
  }
  const adapters = [...accounts].map(([accountId, platform]) => new SimulatorAdapter(world, { accountId, platform }));
  return {
    world,
    adapters,
    seatOf: (personId, groupKey) => seats.get(`${personId}|${groupKey}`),
    accountsOn: (platform) => [...accounts].filter(([, p]) => p === platform).map(([id]) => id),
  };
}
