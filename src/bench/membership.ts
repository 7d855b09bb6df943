/**
 * `cascade bench`, membership phase (issue #5): audit every group of the synthetic campus from
 * member lists already in memory, with a seeded 5 % of the memberships irregular.
 */
import { auditGroup, DEFAULT_CARD_PATTERNS, defaultCard, expectedMembers, type GroupMember } from '../domain/membership.js';
import type { Person } from '../domain/org.js';
import { OrgIndex } from '../domain/org-index.js';
import { seededRandom } from '../roster/names.js';
import type { RosterData } from '../roster/types.js';
import { closeDb, openDb } from '../store/db.js';
import { MemberRepo } from '../store/member-repo.js';
import { applyRoster, loadOrgSnapshot } from '../store/org-repo.js';
import { round } from './util.js';

export interface MembershipBench {
  groups: number;
  /** Member-list entries audited (bots excluded). */
  memberships: number;
  /** Entries made irregular on purpose (removed, re-carded, duplicated, or strangers added). */
  irregular: number;
  /** Auditing every group, wall time (median of 5 runs, after 1 warm-up). */
  audit_ms: number;
  audit_ms_runs: number[];
  /** The same audit reading every list from the kept member lists in SQLite first (what `/核对` falls back to), median. */
  audit_from_store_ms: number;
  audit_from_store_ms_runs: number[];
  findings: { missing: number; strangers: number; unmatched: number; badCard: number; duplicates: number; left: number };
}

const RUNS = 5;

/** The campus in an in-memory store, every group seated with its expected members (one guardian per family), then 5 % spoilt. */
export function benchMembership(roster: RosterData, progress: (line: string) => void, share = 0.05): MembershipBench {
  const db = openDb(':memory:');
  try {
    applyRoster(db, roster, { source: 'synthetic', now: Date.now() });
    const org = new OrgIndex(loadOrgSnapshot(db, '基准大学'));
    const random = seededRandom(5);
    const lists = new Map<number, GroupMember[]>();
    let memberships = 0;
    let irregular = 0;
    let strangerNo = 0;
    for (const g of org.groups) {
      const e = expectedMembers(org, g);
      const people: Person[] = [...e.people].map((id) => org.person(id)).filter((p): p is Person => p !== undefined);
      for (const s of e.families) {
        const guardian = org.person(org.guardiansOf(s)[0]?.guardianId ?? -1);
        if (guardian) people.push(guardian);
      }
      const list: GroupMember[] = [];
      for (const p of people) {
        const platform = org.accountOn(p.id, 'qq') ? 'qq' : 'wechat';
        const userId = org.accountOn(p.id, platform) ?? `none-${p.id}`;
        const member: GroupMember = { platform, userId, nickname: p.name, card: defaultCard(org, p) };
        const r = random();
        if (r < share) {
          irregular++;
          const what = Math.floor((r / share) * 4);
          if (what === 0) continue; // missing
          if (what === 1) list.push({ ...member, card: `${p.name}${p.name}` }); // a card in no format
          else if (what === 2) list.push(member, { ...member, userId: `dup-${p.id}` }); // a second account
          else list.push(member, { platform, userId: `stranger-${strangerNo++}`, nickname: '路人', card: '代办证件' });
          continue;
        }
        list.push(member);
      }
      memberships += list.length;
      lists.set(g.id, list);
    }
    progress(`membership: ${org.groups.length} groups, ${memberships} memberships, ${irregular} made irregular`);
    const options = { patterns: DEFAULT_CARD_PATTERNS, botIds: new Set<string>() };
    const runOnce = (): { ms: number; findings: MembershipBench['findings'] } => {
      const findings = { missing: 0, strangers: 0, unmatched: 0, badCard: 0, duplicates: 0, left: 0 };
      const started = performance.now();
      for (const g of org.groups) {
        const a = auditGroup(org, g, lists.get(g.id) ?? [], options);
        findings.missing += a.missing.length;
        findings.strangers += a.strangers.length;
        findings.unmatched += a.unmatched.length;
        findings.badCard += a.badCard.length;
        findings.duplicates += a.duplicates.length;
        findings.left += a.left.length;
      }
      return { ms: performance.now() - started, findings };
    };
    runOnce();
    const runs = Array.from({ length: RUNS }, runOnce);
    const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);

    // The same lists kept in SQLite, read back and audited. The bench seats each person by their own
    // platform, so a group's list is kept under its first platform group's id once per platform.
    const kept = new MemberRepo(db);
    const platforms = ['qq', 'wechat'] as const;
    const keptChat = new Map<number, string>();
    for (const g of org.groups) {
      const pg = org.platformGroupsOf(g.id)[0];
      if (!pg) continue;
      keptChat.set(g.id, pg.chatId);
      for (const platform of platforms) {
        const mine = (lists.get(g.id) ?? []).filter((m) => m.platform === platform);
        kept.replace(platform, pg.chatId, mine.map((m) => ({ userId: m.userId, nickname: m.nickname, role: 'member' as const, ...(m.card === undefined ? {} : { card: m.card }) })), Date.now(), 'bench');
      }
    }
    const fromStore = (): number => {
      const started = performance.now();
      for (const g of org.groups) {
        const chat = keptChat.get(g.id);
        const members: GroupMember[] = [];
        for (const platform of chat === undefined ? [] : platforms) {
          for (const m of kept.get(platform, chat ?? '')?.members ?? []) members.push({ platform, userId: m.userId, nickname: m.nickname, card: m.card });
        }
        auditGroup(org, g, members, options);
      }
      return performance.now() - started;
    };
    fromStore();
    const storeRuns = Array.from({ length: RUNS }, fromStore);
    const storeSorted = [...storeRuns].sort((a, b) => a - b);
    const result: MembershipBench = {
      groups: org.groups.length,
      memberships,
      irregular,
      audit_ms: round(sorted[Math.floor(RUNS / 2)] ?? 0, 1),
      audit_ms_runs: runs.map((r) => round(r.ms, 1)),
      audit_from_store_ms: round(storeSorted[Math.floor(RUNS / 2)] ?? 0, 1),
      audit_from_store_ms_runs: storeRuns.map((ms) => round(ms, 1)),
      findings: runs[0]?.findings ?? { missing: 0, strangers: 0, unmatched: 0, badCard: 0, duplicates: 0, left: 0 },
    };
    progress(`  audit of every group: ${result.audit_ms} ms (median of ${RUNS}); from the kept lists in SQLite ${result.audit_from_store_ms} ms; findings ${JSON.stringify(result.findings)}`);
    return result;
  } finally {
    closeDb(db);
  }
}
