/**
 * Membership audits (issue #5, first part): `/核对` reads a group's member lists from the platform
 * and compares them with the roster; a student leaving their class group alerts their counselor at
 * once. Scheduled audits, binding and export come in later parts.
 */
import type { Logger } from 'pino';
import { createHash } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { formatTime, wallClock } from '../../domain/duration.js';
import { auditGroup, expectedMembers, FINDING_KINDS, maskedCards, type AuditEntry, type Findings, type CardPatterns, type GroupAudit, type GroupMember } from '../../domain/membership.js';
import type { Group, Person, Platform } from '../../domain/org.js';
import { isResponsibleFor } from '../../domain/responsibility.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { zhAudit, type AuditText } from './texts.js';
import type { ChatAdapter, MemberEvent, MemberInfo } from '../../platform/port.js';
import type { AuditRepo } from '../../store/audit-repo.js';
import type { MemberRepo } from '../../store/member-repo.js';
import { deliveryKey } from '../../store/keys.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import type { UnitOfWork, Work } from '../../app/unit-of-work.js';

export interface AuditorDeps {
  readonly org: () => OrgIndex;
  readonly adapters: ReadonlyMap<string, ChatAdapter>;
  readonly audits: AuditRepo;
  /** Member lists kept between reads; without it nothing is kept and nothing falls back. */
  readonly members?: MemberRepo;
  /** False: read kept lists when no account can list, but write none (the export records nothing). Default true. */
  readonly keepLists?: boolean;
  /** Transactions; needed only for the daily audit's reports (the export command audits without one). */
  readonly store?: UnitOfWork;
  readonly clock: Clock;
  readonly patterns: CardPatterns;
  readonly botIds: Pick<ReadonlySet<string>, 'has'>;
  /** The school's zone: the daily report is keyed by its date. */
  readonly timeZone: string;
  readonly logger: Logger;
}



export class Auditor {
  constructor(private readonly deps: AuditorDeps) {}

  /**
   * Audits one logical group from the member lists of all its platform groups (read through a bot
   * account in each), against who was identified at its previous audit, and stores the result.
   * Throws when a platform cannot list the members.
   */
  async audit(group: Group, byPersonId: number | null, options: { save?: false | 'manual' } = {}): Promise<GroupAudit> {
    const result = await this.check(group);
    if (options.save !== false) this.deps.audits.save(group.id, this.deps.clock.now(), byPersonId, result, 'manual');
    return result;
  }

  /** Audits one group against its previous audit (for `left`), storing nothing but the member lists read. */
  private async check(group: Group): Promise<GroupAudit> {
    const org = this.deps.org();
    const members: GroupMember[] = [];
    let listedAt: number | undefined;
    for (const pg of org.platformGroupsOf(group.id)) {
      const read = await this.readMembers(pg.platform, pg.chatId, pg.accounts);
      if (read.listedAt !== undefined) listedAt = Math.min(listedAt ?? read.listedAt, read.listedAt);
      for (const m of read.members) members.push({ platform: pg.platform, userId: m.userId, nickname: m.nickname, card: m.card });
    }
    const previous = this.deps.audits.latest(group.id);
    const result = auditGroup(org, group, members, {
      patterns: this.deps.patterns,
      botIds: this.deps.botIds,
      ...(previous ? { previous: new Set(previous.present) } : {}),
    });
    return listedAt === undefined ? result : { ...result, listedAt };
  }

  /**
   * A platform group's members, read through the first of its accounts that answers, and kept. When
   * none answers, the kept list (with the time it was read, as `listedAt`); when there is none, throws.
   */
  private async readMembers(platform: Platform, chatId: string, accounts: readonly string[]): Promise<{ members: readonly MemberInfo[]; listedAt?: number }> {
    let failure: unknown = new Error(`no bot account serves ${platform}:${chatId}`);
    for (const accountId of accounts) {
      const adapter = this.deps.adapters.get(accountId);
      if (!adapter) continue;
      try {
        const members = await adapter.listMembers(chatId);
        if (this.deps.keepLists !== false) this.deps.members?.replace(platform, chatId, members, this.deps.clock.now(), accountId);
        return { members };
      } catch (error) {
        failure = error;
      }
    }
    const kept = this.deps.members?.get(platform, chatId);
    if (!kept) throw failure;
    this.deps.logger.warn({ err: failure, chat: `${platform}:${chatId}` }, 'member list read failed; auditing the kept list');
    return { members: kept.members, listedAt: kept.refreshedAt };
  }

  /**
   * What of an audit the person may see: a counselor auditing a parents group sees the families of
   * their own classes (and members nobody could name), not the whole college's.
   */
  scopedFor(person: Person, group: Group, a: GroupAudit): GroupAudit {
    const org = this.deps.org();
    if (group.level !== 4 || !isResponsibleFor(org, person, group) || org.hasRole(person, 'team_leader') || org.hasRole(person, 'team_member')) return a;
    if (group.collegeId !== null && (org.hasRole(person, 'deputy_secretary', group.collegeId) || org.hasRole(person, 'college_leader', group.collegeId))) return a;
    const keep = (e: AuditEntry): boolean => {
      const c = classOfEntry(org, group, e);
      return c === null ? e.ref === null : person.counselorOf.includes(c);
    };
    return { ...a, missing: a.missing.filter(keep), strangers: a.strangers.filter(keep), unmatched: a.unmatched.filter(keep), badCard: a.badCard.filter(keep), duplicates: a.duplicates.filter(keep), left: a.left.filter(keep) };
  }

  /** The audit as text: counts for the group, names for the asker. */
  texts(group: Group, a: GroupAudit): { summary: string; details: string } {
    const e = expectedMembers(this.deps.org(), group);
    // A phone number in a card is masked even in a private list.
    const masked = maskedCards;
    const text = {
      group: group.name,
      expected: e.people.size + e.families.size,
      present: a.confirmed,
      missing: masked(a.missing),
      strangers: masked(a.strangers),
      unmatched: masked(a.unmatched),
      badCard: masked(a.badCard),
      duplicates: masked(a.duplicates),
      left: masked(a.left),
      ...(a.listedAt === undefined ? {} : { listedAt: formatTime(a.listedAt, this.deps.timeZone, { now: this.deps.clock.now() }) }),
    };
    return { summary: zhAudit.summary(text), details: zhAudit.details(text) };
  }

  /**
   * The daily audit: every group audited, and only what changed since its previous audit reported,
   * privately, to the people responsible (L1 the team leader; L2 and other college groups the
   * deputy secretary; L3 the counselor; L4 the deputy secretary, and each counselor what concerns
   * their classes). One message per person a day: a re-run the same day sends nothing twice.
   * Returns how many people are sent a report.
   */
  async daily(): Promise<number> {
    const org = this.deps.org();
    const now = this.deps.clock.now();
    const w = wallClock(now, this.deps.timeZone);
    const day = `${w.year}-${w.month}-${w.day}`;
    const checked: { g: Group; result: GroupAudit; fresh: Findings }[] = [];
    for (const g of org.groups) {
      try {
        const result = await this.check(g);
        checked.push({ g, result, fresh: newFindings(this.deps.audits.latest(g.id, 'daily')?.findings, result) });
      } catch (error) {
        this.deps.logger.warn({ err: error, group: g.key }, 'daily audit of a group failed');
      }
    }
    const reports = new Map<number, { person: Person; groups: AuditText[] }>();
    for (const { g, fresh } of checked) {
      if (CATEGORIES.every((k) => fresh[k].length === 0)) continue;
      for (const { person, only } of this.recipients(org, g)) {
        const mine = only ? filterFindings(fresh, (e) => only(e)) : fresh;
        if (CATEGORIES.every((k) => mine[k].length === 0)) continue;
        const entry = reports.get(person.id) ?? { person, groups: [] };
        const masked = Object.fromEntries(CATEGORIES.map((k) => [k, maskedCards(mine[k])])) as Findings;
        entry.groups.push({ ...masked, group: g.name, expected: 0, present: 0 });
        reports.set(person.id, entry);
      }
    }
    const planned: PlannedDelivery[] = [];
    for (const { person, groups } of reports.values()) {
      const route = this.privateRoute(org, person);
      if (!route) continue;
      const text = zhAudit.daily(groups);
      // One key per person, day and content: a retried run sends nothing twice, a second run with news sends the news.
      const digest = createHash('sha1').update(text).digest('hex').slice(0, 12);
      planned.push({ key: deliveryKey.dailyAudit(day, person.id, digest), purpose: 'private', directiveId: null, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
    }
    // The audits and the reports of them are written together: a crash in between loses neither.
    const { store } = this.deps;
    if (!store) throw new Error('the daily audit needs the store');
    await store.transaction((work) => {
      for (const { g, result } of checked) this.deps.audits.save(g.id, now, null, result, 'daily');
      work.send(planned);
    });
    return planned.length;
  }

  /** Who hears about a group's findings; `only` narrows what a counselor of a parents group hears. */
  private recipients(org: OrgIndex, g: Group): { person: Person; only?: (e: AuditEntry) => boolean }[] {
    const deputies = g.collegeId === null ? [] : org.withRole('deputy_secretary', g.collegeId);
    const leaders = org.withRole('team_leader', null);
    switch (g.level) {
      case 1:
        return leaders.map((person) => ({ person }));
      case 3: {
        const counselors = g.classId === null ? [] : org.counselorsOf(g.classId);
        return (counselors.length > 0 ? counselors : deputies).map((person) => ({ person }));
      }
      case 4: {
        const out: { person: Person; only?: (e: AuditEntry) => boolean }[] = deputies.map((person) => ({ person }));
        const classOf = (e: AuditEntry): number | null => classOfEntry(org, g, e);
        const counselors = g.collegeId === null ? [] : org.collegeCounselors(g.collegeId);
        for (const c of counselors) {
          if (deputies.some((d) => d.id === c.id)) continue;
          out.push({ person: c, only: (e) => c.counselorOf.includes(classOf(e) ?? -1) });
        }
        return out;
      }
      default:
        return (deputies.length > 0 ? deputies : leaders).map((person) => ({ person }));
    }
  }

  /** A bot account that can message the person privately, and their id there. */
  private privateRoute(org: OrgIndex, person: Person): { accountId: string; platform: Platform; target: string } | null {
    for (const platform of ['qq', 'wechat'] as const) {
      const target = org.accountOn(person.id, platform);
      if (!target) continue;
      for (const g of org.groups) {
        for (const pg of org.platformGroupsOf(g.id)) {
          if (pg.platform !== platform) continue;
          const accountId = pg.accounts.find((a) => this.deps.adapters.has(a));
          if (accountId) return { accountId, platform, target };
        }
      }
    }
    return null;
  }

  /** A member joined: the kept list gains them (their card is read at the next refresh). */
  onMemberJoin(ev: MemberEvent): void {
    this.deps.members?.joined(ev.platform, ev.chatId, ev.userId, ev.at);
  }

  /**
   * A member left a group. A student leaving their own class group is told to the class's
   * counselors at once, privately, planned in the event's transaction.
   */
  onMemberLeave(ev: MemberEvent, work: Work): void {
    this.deps.members?.left(ev.platform, ev.chatId, ev.userId);
    const org = this.deps.org();
    const pg = org.platformGroup(ev.platform, ev.chatId);
    const group = pg ? org.group(pg.groupId) : undefined;
    const person = org.personByPlatformAccount(ev.platform, ev.userId);
    if (!group || group.level !== 3 || !person || person.kind !== 'student' || person.classId !== group.classId || group.classId === null) return;
    const planned: PlannedDelivery[] = [];
    for (const counselor of org.counselorsOf(group.classId)) {
      // The account that saw the event if it can reach the counselor there, else any bot on their platforms.
      const here = org.accountOn(counselor.id, ev.platform);
      const route = here ? { accountId: ev.accountId, platform: ev.platform, target: here } : this.privateRoute(org, counselor);
      if (!route) continue;
      planned.push({
        key: deliveryKey.memberLeft(ev.platform, ev.chatId, ev.userId, ev.at, counselor.id),
        purpose: 'private',
        directiveId: null,
        groupId: group.id,
        ...route,
        chatType: 'private',
        text: zhAudit.studentLeft({ name: person.name, ref: person.extId, group: group.name }),
        mentions: [],
        quoteId: null,
      });
    }
    if (planned.length === 0) {
      this.deps.logger.warn({ group: group.key, person: person.id }, 'a student left their class group and no counselor can be told');
      return;
    }
    work.send(planned);
  }
}

const CATEGORIES = FINDING_KINDS;

/** Who an entry is about, to tell a new finding from one reported before. */
function entryKey(e: AuditEntry): string {
  return e.ref ?? `${e.account ?? ''}|${e.card ?? ''}`;
}

/** The findings of `now` that were not among the same category at the previous audit. */
function newFindings(before: Partial<Findings> | undefined, now: GroupAudit): Findings {
  const out = {} as Findings;
  for (const k of CATEGORIES) {
    const seen = new Set((before?.[k] ?? []).map(entryKey));
    out[k] = now[k].filter((e) => !seen.has(entryKey(e)));
  }
  return out;
}

function filterFindings(f: Findings, keep: (e: AuditEntry) => boolean): Findings {
  const out = {} as Findings;
  for (const k of CATEGORIES) out[k] = f[k].filter(keep);
  return out;
}

/** The class a finding in a parents group concerns: the student's, or the guardian's child's in that college. */
function classOfEntry(org: OrgIndex, g: Group, e: AuditEntry): number | null {
  const p = e.ref === null ? undefined : org.personByExtId(e.ref);
  if (!p) return null;
  if (p.kind === 'student') return p.classId;
  const ward = org.wardsOf(p.id).map((w) => org.person(w.studentId)).find((s) => s?.collegeId === g.collegeId);
  return ward?.classId ?? null;
}
