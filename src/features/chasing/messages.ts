/**
 * The messages of a chase round: @-mentions or a nameless notice in each platform group, a private
 * reminder to whoever owes (a parent about their child), and the list a responsible person gets (nag).
 * Each is planned with a key of the round, so a re-run round posts nothing twice.
 */
import type { Logger } from 'pino';
import { homeGroups, type ChaseSubject, type DueReminder } from '../../domain/chase.js';
import type { Directive } from '../../domain/directive.js';
import { familyOutside } from '../../domain/membership.js';
import { groupKey, type Person, type Platform, type PlatformGroup } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { AdapterCapabilities } from '../../platform/port.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import type { deliveryKey } from '../../store/keys.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import { zhChase, type ChaseKind, type NagContent } from './texts.js';

export interface ChaseMessageDeps {
  readonly directives: Pick<DirectiveRepo, 'releasedGroups'>;
  readonly canSend: (accountId: string) => boolean;
  readonly capabilities: (accountId: string) => AdapterCapabilities | undefined;
  /**
   * Who sits in a platform group, from its kept member list (undefined: not known). With it, a group
   * behind several platform groups (a college's parents in two rooms) gets, in each room, the mentions
   * and the count of those who sit there.
   */
  readonly seatedIn?: (platform: Platform, chatId: string) => ReadonlySet<string> | undefined;
  readonly logger: Logger;
}

/** Mentions per message where the adapter does not say. */
const DEFAULT_MAX_MENTIONS = 20;
/** How long the directive's own text is in a private reminder. */
const SUMMARY_CHARS = 30;

export type ChaseKeys = ReturnType<typeof deliveryKey.chase>;

export interface NagBucket {
  readonly recipient: Person;
  readonly kind: ChaseKind;
  readonly deputies: { name: string; college: string }[];
  readonly counselors: { name: string; waiting: string[]; collegeId: number }[];
  readonly classes: Map<number, { students: string[]; families: string[] }>;
  /** Per class: students, and families by the student's name, the bot could not message. */
  readonly unreachable: Map<number, { students: string[]; families: string[] }>;
  /** The same people as subjects, to number them in a call list (`/已联系`). */
  readonly calls: ChaseSubject[];
}

export class ChaseMessages {
  constructor(private readonly deps: ChaseMessageDeps) {}

  /** @-mentions (L1–L3) or a notice naming nobody, in each platform group behind the logical group. */
  groupReminder(
    org: OrgIndex,
    d: Directive,
    groupId: number,
    action: 'mention' | 'notice',
    kind: ChaseKind,
    list: readonly DueReminder[],
    owing: readonly ChaseSubject[],
    deadline: string | null,
    key: ChaseKeys,
    planned: PlannedDelivery[],
    /** The post may not be there: the reminder carries the directive's text. */
    unsure = false,
  ): boolean {
    const group = org.group(groupId);
    if (!group) return false;
    const withText = (text: string): string => (unsure ? zhChase.withDirectiveText(text, d.text) : text);
    let any = false;
    const pgs = org.platformGroupsOf(groupId);
    for (const pg of pgs) {
      const accountId = pg.accounts.find((a) => this.deps.canSend(a)) ?? pg.accounts[0];
      if (!accountId) continue;
      const base = { purpose: 'notice' as const, directiveId: d.id, groupId, accountId, platform: pg.platform, chatType: 'group' as const, target: pg.chatId, quoteId: null };
      // Behind several platform groups, each gets only those who sit in it, where its member list is kept.
      const seated = pgs.length > 1 ? this.deps.seatedIn?.(pg.platform, pg.chatId) : undefined;
      const sitsHere = (subjectId: number): boolean => {
        if (!seated) return true;
        const people = group.level === 4 ? org.guardiansOf(subjectId).map((g) => g.guardianId) : [subjectId];
        const accounts = people.flatMap((p) => org.accountsOn(p, pg.platform));
        // Nobody knows where someone without an account sits: every room hears of them.
        return accounts.length === 0 || accounts.some((a) => seated.has(a));
      };
      if (action === 'notice' || group.level === 4) {
        const count = owing.filter((x) => sitsHere(x.subjectId)).length;
        if (count === 0) {
          // Nobody who owes sits in this room: nothing to say here (and the reminder counts as done).
          any = true;
          continue;
        }
        const text = withText(zhChase.chaseNotice({ id: d.id, level: group.level, kind, hint: d.replyHint, deadline, count, room: seated !== undefined }));
        planned.push({ ...base, key: key.notice(pg.id, kind), text, mentions: [] });
        any = true;
        continue;
      }
      // A deputy secretary of two colleges owes two replies in L1 but is mentioned once.
      const ids: string[] = [];
      const unbound: string[] = [];
      for (const r of list) {
        if (!sitsHere(r.subject.subjectId)) continue;
        const id = org.accountOn(r.subject.subjectId, pg.platform);
        const name = org.person(r.subject.subjectId)?.name ?? '?';
        if (id) {
          if (!ids.includes(id)) ids.push(id);
        } else if (!unbound.includes(name)) unbound.push(name);
      }
      if (ids.length === 0 && unbound.length === 0) {
        any = true;
        continue;
      }
      const max = Math.max(1, this.deps.capabilities(accountId)?.maxMentions ?? DEFAULT_MAX_MENTIONS);
      const batches = Math.max(1, Math.ceil(ids.length / max));
      for (let b = 0; b < batches; b++) {
        const mentions = ids.slice(b * max, (b + 1) * max);
        const text = withText(zhChase.chaseMention({ id: d.id, level: group.level, kind, hint: d.replyHint, deadline, unbound: b === batches - 1 ? unbound : [] }));
        planned.push({ ...base, key: key.mention(pg.id, kind, b + 1), text, mentions });
      }
      any = true;
    }
    return any;
  }

  /**
   * Whether none of a student's guardians sits in a parents group of the college, as the kept member
   * lists tell: false when some list is not kept (nobody is texted on a guess).
   */
  familyOutside(org: OrgIndex, studentId: number, collegeId: number): boolean {
    const seatedIn = this.deps.seatedIn;
    return seatedIn !== undefined && familyOutside(org, studentId, collegeId, seatedIn);
  }

  /** A private reminder to whoever owes (for L4, a guardian of the student): who was reached and the delivery's key, or undefined. */
  privateReminder(
    org: OrgIndex,
    d: Directive,
    r: DueReminder,
    deadline: string | null,
    key: ChaseKeys,
    planned: PlannedDelivery[],
  ): { personId: number; deliveryKey: string } | undefined {
    const s = r.subject;
    const group = org.group(s.groupId);
    const pg = org.platformGroupsOf(s.groupId)[0];
    const summary = d.text.length > SUMMARY_CHARS ? `${d.text.slice(0, SUMMARY_CHARS)}…` : d.text;
    const common = { id: d.id, level: s.level, kind: s.kind, hint: d.replyHint, deadline, group: group?.name ?? '', summary };
    if (s.level === 4) {
      const student = org.person(s.subjectId);
      for (const g of org.guardiansOf(s.subjectId)) {
        const guardian = org.person(g.guardianId);
        const route = guardian && this.route(org, guardian, pg, true);
        if (!route) continue;
        const text = zhChase.chasePrivate({ ...common, student: student?.name ?? '' });
        const deliveryKey = key.guardian(guardian.id, s.kind, s.subjectId);
        planned.push({ key: deliveryKey, purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
        return { personId: guardian.id, deliveryKey };
      }
      return undefined;
    }
    const person = org.person(s.subjectId);
    // Staff have added the bots as friends; students on a platform without temporary chats cannot be reached.
    const route = person && this.route(org, person, pg, person.kind !== 'staff');
    if (!route) return undefined;
    const text = zhChase.chasePrivate({ ...common, student: null });
    const deliveryKey = key.person(person.id, s.kind, s.level);
    planned.push({ key: deliveryKey, purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
    return { personId: person.id, deliveryKey };
  }

  /**
   * Which bot account messages a person privately, and their id there: the platform of the group
   * concerned first, and a bot that shares a group with the person (a QQ temporary chat needs one;
   * on WeChat, staff have added the bots of their groups as friends). `strangersOnly`: only where
   * the platform lets a bot message someone who is not its friend.
   */
  route(
    org: OrgIndex,
    person: Person,
    pg: PlatformGroup | undefined,
    strangersOnly: boolean,
  ): { accountId: string; platform: Platform; target: string } | null {
    const order: Platform[] = pg ? [pg.platform, pg.platform === 'qq' ? 'wechat' : 'qq'] : ['qq', 'wechat'];
    const shared = homeGroups(org, person).flatMap((g) => org.platformGroupsOf(g.id));
    for (const platform of order) {
      const userId = org.accountOn(person.id, platform);
      if (!userId) continue;
      const candidates = [
        ...(pg && pg.platform === platform ? pg.accounts : []),
        ...shared.filter((x) => x.platform === platform).flatMap((x) => x.accounts),
      ];
      for (const accountId of candidates) {
        if (!this.deps.canSend(accountId)) continue;
        if (strangersOnly && !this.deps.capabilities(accountId)?.privateToStrangers) continue;
        return { accountId, platform, target: userId };
      }
    }
    return null;
  }

  addToNag(org: OrgIndex, d: Directive, b: NagBucket, s: ChaseSubject, releasedGroups: () => ReadonlySet<number>): void {
    const person = org.person(s.subjectId);
    const name = person?.name ?? '?';
    switch (s.level) {
      case 1:
        b.deputies.push({ name, college: org.college(s.collegeId)?.name ?? '?' });
        break;
      case 2: {
        const released = releasedGroups();
        const waiting =
          d.mode === 'step' && person
            ? person.counselorOf
                .map((id) => org.classUnit(id))
                .filter((k) => k !== undefined && k.collegeId === s.collegeId)
                .filter((k) => {
                  const g = k === undefined ? undefined : org.groupByKeyName(groupKey.class(k.name));
                  return g !== undefined && !released.has(g.id);
                })
                .map((k) => k?.name ?? '')
            : [];
        b.counselors.push({ name, waiting, collegeId: s.collegeId });
        break;
      }
      case 3:
      case 4: {
        const klass = s.classId ?? -1;
        const entry = b.classes.get(klass) ?? { students: [], families: [] };
        (s.level === 3 ? entry.students : entry.families).push(name);
        b.classes.set(klass, entry);
        break;
      }
    }
  }

  nagContent(
    org: OrgIndex,
    d: Directive,
    b: NagBucket,
    deadline: string | null,
    hint: string,
    pendingByClass: Map<number, { students: number; families: number }>,
  ): NagContent {
    const className = (id: number): string => org.classUnit(id)?.name ?? zhChase.noClass;
    // A deputy secretary sees how each counselor's classes stand, grouped by counselor and class.
    const byCounselor: NagContent['byCounselor'][number][] = [];
    if (b.counselors.length > 0 && b.kind === 'ack') {
      const colleges = new Set(b.counselors.map((c) => c.collegeId));
      for (const collegeId of colleges) {
        for (const counselor of org.collegeCounselors(collegeId)) {
          const classes = counselor.counselorOf
            .filter((id) => org.classUnit(id)?.collegeId === collegeId)
            .map((id) => ({ name: className(id), ...(pendingByClass.get(id) ?? { students: 0, families: 0 }) }))
            .filter((x) => x.students + x.families > 0);
          if (classes.length > 0) byCounselor.push({ name: counselor.name, classes });
        }
      }
    }
    return {
      id: d.id,
      deadline,
      kind: b.kind,
      hint,
      deputies: b.deputies,
      counselors: b.counselors.map((c) => ({ name: c.name, waiting: c.waiting })),
      byCounselor,
      // Whoever is listed to phone is not listed twice.
      classes: [...b.classes].map(([id, e]) => {
        const phone = b.unreachable.get(id);
        const students = new Set(phone?.students);
        const families = new Set(phone?.families);
        return { name: className(id), students: e.students.filter((n) => !students.has(n)), families: e.families.filter((n) => !families.has(n)) };
      }),
      unreachable: [...b.unreachable].map(([id, e]) => ({ klass: className(id), students: e.students, families: e.families })),
    };
  }
}

export /** Students and families still owing a reply, per class. */
function countByClass(all: readonly ChaseSubject[]): Map<number, { students: number; families: number }> {
  const out = new Map<number, { students: number; families: number }>();
  for (const s of all) {
    if (s.kind !== 'ack' || s.classId === null || s.level < 3) continue;
    const e = out.get(s.classId) ?? { students: 0, families: 0 };
    if (s.level === 3) e.students++;
    else e.families++;
    out.set(s.classId, e);
  }
  return out;
}
