/**
 * Membership audit (issue #5, first part): who should be in each logical group, who a group member
 * is, and what is wrong. Pure: given the org, a group's member lists and, for `left`, who was there
 * at the last audit. Member lists, events, schedules and commands come in later parts.
 */
import { maskPhone } from './message-text.js';
import { groupKey, type Group, type Person, type Platform } from './org.js';
import type { OrgIndex } from './org-index.js';
import { RELATION_PATTERN, relationFits, relationOf } from './relations.js';

/** Someone a group's platform member list shows. */
export interface GroupMember {
  readonly platform: Platform;
  readonly userId: string;
  readonly nickname: string;
  /** Group card / room alias. */
  readonly card?: string | undefined;
}

/** Who should be in a group: people, and (L4) families, of whom at least one guardian should be. */
export interface Expected {
  readonly people: ReadonlySet<number>;
  /** L4: students whose family must be represented by at least one guardian. */
  readonly families: ReadonlySet<number>;
  /** Staff with authority over the group who may sit in it without being expected (the team, the college's deputy secretaries and leaders). */
  readonly allowed: ReadonlySet<number>;
}

/** Card patterns per kind of member; `{姓名}`, `{学号}`, `{学生姓名}`, `{关系}` and literal text. */
export interface CardPatterns {
  readonly student: readonly string[];
  readonly guardian: readonly string[];
  readonly staff: readonly string[];
}

export const DEFAULT_CARD_PATTERNS: CardPatterns = {
  student: ['{姓名}-{学号}', '{学号}-{姓名}', '{学号}{姓名}', '{姓名}{学号}'],
  guardian: ['{学生姓名}{关系}', '{学生姓名}-{关系}'],
  staff: ['{姓名}', '{姓名}老师', '{姓名}-老师'],
};

/**
 * The seed document's rule: L1 the student-work team and every deputy secretary; L2 the college's
 * deputy secretaries, leadership and counselors; L3 the class's students and counselors; L4 a
 * guardian of every student of the college, its deputy secretaries and counselors; other groups of
 * a college its deputy secretaries and counselors, where the college's students may also sit.
 */
export function expectedMembers(org: OrgIndex, group: Group): Expected {
  const people = new Set<number>();
  const families = new Set<number>();
  const allowed = new Set<number>();
  for (const p of [...org.withRole('team_leader', null), ...org.withRole('team_member', null)]) allowed.add(p.id);
  if (group.collegeId !== null) {
    for (const p of [...org.withRole('deputy_secretary', group.collegeId), ...org.withRole('college_leader', group.collegeId)]) allowed.add(p.id);
    // Head teachers (班主任) may sit in their college's groups; they are expected only in their classes'.
    for (const p of org.withRole('head_teacher', group.collegeId)) allowed.add(p.id);
  }
  const add = (list: readonly Person[]): void => {
    for (const p of list) people.add(p.id);
  };
  const staffOf = (collegeId: number | null): void => {
    if (collegeId === null) return;
    add(org.withRole('deputy_secretary', collegeId));
    add(org.collegeCounselors(collegeId));
  };
  switch (group.level) {
    case 1:
      add(org.withRole('team_leader', null));
      add(org.withRole('team_member', null));
      for (const c of org.colleges) add(org.withRole('deputy_secretary', c.id));
      break;
    case 2:
      staffOf(group.collegeId);
      if (group.collegeId !== null) add(org.withRole('college_leader', group.collegeId));
      break;
    case 3:
      if (group.classId !== null) {
        add(org.studentsOf(group.classId));
        add(org.counselorsOf(group.classId));
      }
      break;
    case 4:
      staffOf(group.collegeId);
      if (group.collegeId !== null) for (const k of org.classesOf(group.collegeId)) for (const s of org.studentsOf(k.id)) families.add(s.id);
      break;
    case 0:
      staffOf(group.collegeId);
      // Who else sits in a dorm, cadre or party group the roster does not say: any student of the college may.
      if (group.collegeId !== null) for (const k of org.classesOf(group.collegeId)) for (const s of org.studentsOf(k.id)) allowed.add(s.id);
      break;
  }
  return { people, families, allowed };
}

/** A card in the default format for the person's kind: `姓名-学号`, the name, or `张三妈妈`. */
export function defaultCard(org: OrgIndex, p: Person): string {
  if (p.kind === 'student') return `${p.name}-${p.extId}`;
  if (p.kind !== 'guardian') return p.name;
  const w = org.wardsOf(p.id)[0];
  const child = w ? (org.person(w.studentId)?.name ?? '') : '';
  return `${child}${relationOf(w?.relation) === '母亲' ? '妈妈' : relationOf(w?.relation) === '父亲' ? '爸爸' : '家长'}`;
}

/** What a card says, read with the first pattern that fits. */
export interface CardReading {
  readonly pattern: string;
  readonly name: string | null;
  readonly number: string | null;
  readonly student: string | null;
  /** Normalised: 母亲, 父亲, or the word as written (爷爷, 奶奶…); null for 家长 / 监护人 (any guardian). */
  readonly relation: string | null;
}

const HAN = '[\\u4e00-\\u9fff·]';
const compiled = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    let src = '';
    for (const part of pattern.split(/(\{[^}]+\})/u)) {
      if (part === '{姓名}') src += `(?<name>${HAN}{2,5}?)`;
      else if (part === '{学号}') src += '(?<number>\\d{4,20})';
      else if (part === '{学生姓名}') src += `(?<student>${HAN}{2,5}?)`;
      else if (part === '{关系}') src += `(?<relation>${RELATION_PATTERN})`;
      else if (part !== '') src += [...separatorsAsDash(part)].map((ch) => (ch === '-' ? '-?' : ch.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'))).join('');
    }
    re = new RegExp(`^${src}$`, 'u');
    compiled.set(pattern, re);
  }
  return re;
}

/** Full-width to half-width, no spaces, every run of separators as one `-`. */
function separatorsAsDash(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\s+/gu, '')
    .replace(/[-_—–―~.|/\\、,，:：+]+/gu, '-');
}

/** A card as the patterns read it: separatorsAsDash, without separators at either end. */
export function normaliseCard(card: string): string {
  return separatorsAsDash(card).replace(/^-+|-+$/gu, '');
}

/** The card read with the patterns in order; null when none fits (a wrong card format). */
export function readCard(card: string, patterns: readonly string[]): CardReading | null {
  const text = normaliseCard(card);
  if (text === '') return null;
  for (const pattern of patterns) {
    const m = compile(pattern).exec(text);
    if (!m?.groups) continue;
    const g = m.groups;
    return { pattern, name: g['name'] ?? null, number: g['number'] ?? null, student: g['student'] ?? null, relation: relationOf(g['relation']) };
  }
  return null;
}

/** Who a member is, and how we know. */
export interface Identification {
  readonly personId: number | null;
  /** A family (student id) the member speaks for, when a card names the child but not which guardian. */
  readonly familyOf: number | null;
  readonly via: 'account' | 'card' | null;
  /** More than one person fits the card. */
  readonly ambiguous: boolean;
}

const NOBODY: Identification = { personId: null, familyOf: null, via: null, ambiguous: false };

/**
 * Identifies a member: a confirmed binding or the roster's account (the org index knows both), else
 * the card read with the patterns, preferring people expected in this group.
 */
export function identify(org: OrgIndex, group: Group, member: GroupMember, expected: Expected, patterns: CardPatterns): Identification {
  const known = org.personByPlatformAccount(member.platform, member.userId);
  if (known) return { personId: known.id, familyOf: null, via: 'account', ambiguous: false };
  const card = member.card && member.card.trim() !== '' ? member.card : member.nickname;
  // A parents group is read as guardians first; other groups as students, then staff.
  const order = group.level === 4 ? (['guardian', 'student', 'staff'] as const) : (['student', 'staff', 'guardian'] as const);
  for (const kind of order) {
    const reading = readCard(card, patterns[kind]);
    if (!reading) continue;
    const found = kind === 'guardian' ? guardianFor(org, reading, expected) : personFor(org, reading, expected, kind);
    if (found.personId !== null || found.familyOf !== null || found.ambiguous) return found;
  }
  return NOBODY;
}

function personFor(org: OrgIndex, r: CardReading, expected: Expected, kind: 'student' | 'staff'): Identification {
  if (r.number) {
    const p = org.personByExtId(r.number);
    if (p && (r.name === null || p.name === r.name)) return { personId: p.id, familyOf: null, via: 'card', ambiguous: false };
    // A number that is nobody's, or that names someone else: the card proves nothing.
    return NOBODY;
  }
  if (!r.name) return NOBODY;
  const named = [...expected.people].map((id) => org.person(id)).filter((p): p is Person => p !== undefined && p.name === r.name && (kind === 'staff' ? p.kind === 'staff' : p.kind === 'student'));
  if (named.length === 1) return { personId: named[0]?.id ?? null, familyOf: null, via: 'card', ambiguous: false };
  return named.length > 1 ? { ...NOBODY, ambiguous: true } : NOBODY;
}

function guardianFor(org: OrgIndex, r: CardReading, expected: Expected): Identification {
  if (!r.student) return NOBODY;
  // The child among the families expected here, else anywhere in the roster (a parent in the wrong group).
  const children = [...expected.families].map((id) => org.person(id)).filter((p): p is Person => p?.name === r.student);
  if (children.length === 0) {
    const anywhere = org.colleges.flatMap((c) => org.classesOf(c.id).flatMap((k) => org.studentsOf(k.id))).filter((s) => s.name === r.student);
    if (anywhere.length === 1 && anywhere[0]) return fromChild(org, anywhere[0], r.relation);
    return anywhere.length > 1 ? { ...NOBODY, ambiguous: true } : NOBODY;
  }
  if (children.length > 1) return { ...NOBODY, ambiguous: true };
  const child = children[0];
  return child ? fromChild(org, child, r.relation) : NOBODY;
}

function fromChild(org: OrgIndex, child: Person, relation: string | null): Identification {
  const guardians = org.guardiansOf(child.id).filter((g) => relationFits(g.relation, relation));
  if (guardians.length === 1 && guardians[0]) return { personId: guardians[0].guardianId, familyOf: child.id, via: 'card', ambiguous: false };
  return { personId: null, familyOf: child.id, via: 'card', ambiguous: false };
}

/** One finding: a roster person (by 学号/工号) or, for someone not on the roster, their account and card. */
export interface AuditEntry {
  /** 学号/工号; for a missing family, the student's 学号. */
  readonly ref: string | null;
  readonly name: string | null;
  readonly account: string | null;
  readonly card: string | null;
  readonly detail?: string;
}

/** The categories of an audit's findings, in the order reports list them. */
export const FINDING_KINDS = ['missing', 'strangers', 'unmatched', 'badCard', 'duplicates', 'left'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export type Findings = Record<FindingKind, AuditEntry[]>;

export interface GroupAudit extends Findings {
  readonly group: string;
  /** Who was identified in the group (person ids), for `left` next time. */
  readonly present: number[];
  /** Expected people present, plus (L4) families with a guardian present. */
  readonly confirmed: number;
  /**
   * Set when the platform could not be asked and a kept member list was audited instead: when that
   * list was read (epoch ms; the oldest, for a group on several platform groups).
   */
  readonly listedAt?: number;
}

export interface AuditOptions {
  readonly patterns: CardPatterns;
  /** The bots' own accounts: never findings. */
  readonly botIds: Pick<ReadonlySet<string>, 'has'>;
  /** People identified in the group at the previous audit. */
  readonly previous?: ReadonlySet<number>;
}

function kindOf(p: Person): keyof CardPatterns {
  return p.kind === 'guardian' ? 'guardian' : p.kind === 'student' ? 'student' : 'staff';
}

/** Audits one logical group from the member lists of all its platform groups. */
export function auditGroup(org: OrgIndex, group: Group, members: readonly GroupMember[], options: AuditOptions): GroupAudit {
  const expected = expectedMembers(org, group);
  const out = { group: group.key, missing: [] as AuditEntry[], strangers: [] as AuditEntry[], unmatched: [] as AuditEntry[], badCard: [] as AuditEntry[], duplicates: [] as AuditEntry[], left: [] as AuditEntry[], present: [] as number[], confirmed: 0 };
  const entry = (m: GroupMember, p?: Person, detail?: string): AuditEntry => ({
    ref: p?.extId ?? null,
    name: p?.name ?? null,
    account: `${m.platform}:${m.userId}`,
    card: m.card ?? m.nickname,
    ...(detail ? { detail } : {}),
  });
  const seenPeople = new Map<number, GroupMember>();
  const coveredFamilies = new Set<number>();
  // The same account in two platform groups behind one logical group is one member.
  const accounts = new Set<string>();
  const identified: { m: GroupMember; id: Identification }[] = [];
  for (const m of members) {
    if (options.botIds.has(m.userId)) continue;
    const account = `${m.platform}:${m.userId}`;
    if (accounts.has(account)) continue;
    accounts.add(account);
    identified.push({ m, id: identify(org, group, m, expected, options.patterns) });
  }
  // Accounts the roster or a binding knows come first: a card claiming the same person is the duplicate.
  identified.sort((a, b) => (a.id.via === 'account' ? 0 : 1) - (b.id.via === 'account' ? 0 : 1));
  for (const { m, id } of identified) {
    const person = id.personId === null ? undefined : org.person(id.personId);
    // A guardian of siblings whose card names the child of another college still speaks for the one here.
    const wardHere = person?.kind === 'guardian' ? org.wardsOf(person.id).find((w) => expected.families.has(w.studentId))?.studentId ?? null : null;
    const family = wardHere ?? id.familyOf ?? (person?.kind === 'guardian' ? guardianFamily(org, person, expected) : null);
    const belongs = (person !== undefined && expected.people.has(person.id)) || (family !== null && expected.families.has(family));
    if (!person && family === null) {
      const likely = id.ambiguous ? undefined : namedIn(org, m.card ?? m.nickname, expected);
      if (id.ambiguous) out.unmatched.push(entry(m, undefined, '群名片可对应多人'));
      // A card in the wrong format that names someone expected: likely them, but that is for a person to say.
      else if (likely) out.unmatched.push(entry(m, undefined, `可能是${likely.name}（${likely.extId}），群名片格式不符`));
      else out.strangers.push(entry(m));
      continue;
    }
    if (!belongs) {
      // The team or the college's leadership sitting in: not a finding.
      if (person && expected.allowed.has(person.id)) continue;
      out.strangers.push(entry(m, person ?? org.person(family ?? -1), person ? undefined : '自称家长'));
      continue;
    }
    if (family !== null) coveredFamilies.add(family);
    // A guardian of siblings speaks for each of their families here.
    if (person?.kind === 'guardian') for (const w of org.wardsOf(person.id)) if (expected.families.has(w.studentId)) coveredFamilies.add(w.studentId);
    if (person) {
      const earlier = seenPeople.get(person.id);
      if (earlier) out.duplicates.push(entry(m, person, `与账号 ${earlier.platform}:${earlier.userId} 同属一人`));
      else seenPeople.set(person.id, m);
      // Identified by account: the card should follow the group's format and name this person.
      if (id.via === 'account') {
        const card = m.card && m.card.trim() !== '' ? m.card : null;
        const reading = card ? readCard(card, options.patterns[kindOf(person)]) : null;
        if (!reading) out.badCard.push(entry(m, person, card ? '群名片格式不符' : '未设置群名片'));
        else if (!cardNames(org, reading, person)) out.badCard.push(entry(m, person, '群名片与本人不符'));
      }
    } else {
      out.unmatched.push(entry(m, undefined, `自称${org.person(family ?? -1)?.name ?? ''}家长，无法确定是哪位监护人`));
    }
  }
  for (const id of expected.people) {
    if (seenPeople.has(id)) continue;
    const p = org.person(id);
    if (p) out.missing.push({ ref: p.extId, name: p.name, account: null, card: null });
  }
  for (const studentId of expected.families) {
    if (coveredFamilies.has(studentId)) continue;
    const s = org.person(studentId);
    if (s) out.missing.push({ ref: s.extId, name: s.name, account: null, card: null, detail: '家长未入群' });
  }
  out.present.push(...seenPeople.keys());
  out.confirmed = [...seenPeople.keys()].filter((id) => expected.people.has(id)).length + coveredFamilies.size;
  if (options.previous) {
    for (const id of options.previous) {
      if (seenPeople.has(id)) continue;
      const p = org.person(id);
      if (p) out.left.push({ ref: p.extId, name: p.name, account: null, card: null });
    }
  }
  return out;
}

/** The family (child) a guardian speaks for in this group: their child among the expected families. */
function guardianFamily(org: OrgIndex, guardian: Person, expected: Expected): number | null {
  for (const w of org.wardsOf(guardian.id)) if (expected.families.has(w.studentId)) return w.studentId;
  return org.wardsOf(guardian.id)[0]?.studentId ?? null;
}

function cardNames(org: OrgIndex, r: CardReading, p: Person): boolean {
  if (p.kind === 'guardian') {
    if (!r.student) return false;
    return org.wardsOf(p.id).some((w) => org.person(w.studentId)?.name === r.student && relationFits(w.relation, r.relation));
  }
  if (r.number !== null && r.number !== p.extId) return false;
  return r.name === null || r.name === p.name;
}

/** The one expected person whose name the card contains, if exactly one. */
function namedIn(org: OrgIndex, card: string, expected: Expected): Person | undefined {
  const text = normaliseCard(card);
  let found: Person | undefined;
  for (const id of expected.people) {
    const p = org.person(id);
    if (!p || [...p.name].length < 2 || !text.includes(p.name)) continue;
    if (found) return undefined;
    found = p;
  }
  return found;
}

/** Findings with phone numbers in their cards masked: cards are typed by anyone. */
export function maskedCards(list: readonly AuditEntry[]): AuditEntry[] {
  return list.map((x) => (x.card === null ? x : { ...x, card: maskPhone(x.card) }));
}

/**
 * Whether none of a student's guardians sits in a parents group of the college, as the kept member lists
 * tell (`seatedIn`: a platform group's members, undefined when its list is not kept): false when some list
 * is not kept, so that nobody is texted on a guess.
 */
export function familyOutside(
  org: OrgIndex,
  studentId: number,
  collegeId: number,
  seatedIn: (platform: Platform, chatId: string) => ReadonlySet<string> | undefined,
): boolean {
  const college = org.college(collegeId);
  const group = college ? org.groupByKeyName(groupKey.parents(college.name)) : undefined;
  if (!group) return true;
  const guardians = org.guardiansOf(studentId).map((g) => g.guardianId);
  for (const pg of org.platformGroupsOf(group.id)) {
    const seated = seatedIn(pg.platform, pg.chatId);
    if (!seated) return false;
    if (guardians.some((id) => org.accountsOn(id, pg.platform).some((a) => seated.has(a)))) return false;
  }
  return true;
}
