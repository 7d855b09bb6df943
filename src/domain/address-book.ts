/**
 * The address book (通讯录) a counselor carries: per class, each student and each guardian with their
 * phone, their accounts, whether they are in their group, and how the contact was verified. Pure: the
 * store gives the phones, the checks and who is in which group; this module decides what each shows.
 */
import type { OrgIndex } from './org-index.js';
import { groupKey, type Person, type Platform } from './org.js';

/** How a contact was verified, strongest evidence last checked first. */
export type Verification = 'roster' | 'call' | 'sms' | 'bound' | 'unreachable';

export const VERIFICATION_LABELS: Readonly<Record<Verification, string>> = {
  roster: '名单导入',
  call: '电话核实',
  sms: '短信验证',
  bound: '账号已绑定',
  unreachable: '联系不上',
};

/** One recorded check of a person's phone (see contact_checks). */
export interface PhoneCheck {
  readonly method: 'call' | 'sms' | 'unreachable';
  /** The number checked, or the new number when it replaced one. */
  readonly phone: string | null;
  /** The number it replaced ('' when there was none). */
  readonly replacedPhone: string | null;
  readonly at: number;
}

export interface ContactState {
  readonly phone: string | null;
  readonly verified: Verification;
  /** When the current verification was made; null for the roster's word or a binding. */
  readonly verifiedAt: number | null;
}

/**
 * What a person's entry shows: the roster's phone, unless a check replaced that very number (a later
 * roster with yet another number wins again); the latest check of the number shown, else a binding the
 * person made themselves, else the roster's word.
 */
export function contactState(rosterPhone: string | null, checks: readonly PhoneCheck[], bound: boolean): ContactState {
  let phone = rosterPhone;
  let verified: Verification = bound ? 'bound' : 'roster';
  let verifiedAt: number | null = null;
  for (const c of checks) {
    if (c.replacedPhone !== null) {
      if (c.replacedPhone === (phone ?? '')) phone = c.phone;
      else if (c.phone !== phone) continue;
    } else if (c.phone !== phone) continue;
    verified = c.method;
    verifiedAt = c.at;
  }
  return { phone, verified, verifiedAt };
}

export interface ContactEntry extends ContactState {
  readonly personId: number;
  readonly name: string;
  readonly accounts: readonly { readonly platform: Platform; readonly id: string }[];
  /** In their group (a student: the class group; a guardian: a parents group of the college); null: no member list kept. */
  readonly inGroup: boolean | null;
  /** The last contact recorded with this person (a check; the contact log adds its entries). */
  readonly lastContactAt: number | null;
}

export interface GuardianEntry extends ContactEntry {
  readonly relation: string;
}

export interface StudentEntry extends ContactEntry {
  readonly studentNo: string;
  readonly guardians: readonly GuardianEntry[];
}

export interface ClassBook {
  readonly classId: number;
  readonly className: string;
  readonly college: string;
  /** Counselors and head teachers of the class, by name. */
  readonly counselors: readonly string[];
  readonly students: readonly StudentEntry[];
}

/** What the store knows of a person, for the book. */
export interface ContactFacts {
  readonly phone: string | null;
  readonly bound: boolean;
  readonly checks: readonly PhoneCheck[];
  /** Other contacts recorded (the contact log), latest. */
  readonly lastLoggedAt?: number | null;
}

export interface AddressBookSources {
  facts(personIds: readonly number[]): ReadonlyMap<number, ContactFacts>;
  /**
   * Whether any of these accounts is in any platform group of the logical group: null when no member
   * list of that group is kept.
   */
  presence(groupKeys: readonly string[], accounts: readonly { platform: Platform; id: string }[]): boolean | null;
}

const PLATFORMS: readonly Platform[] = ['qq', 'wechat'];

function accountsOf(org: OrgIndex, personId: number): { platform: Platform; id: string }[] {
  return PLATFORMS.flatMap((platform) => org.accountsOn(personId, platform).map((id) => ({ platform, id })));
}

function entry(org: OrgIndex, p: Person, facts: ContactFacts | undefined, groups: readonly string[], src: AddressBookSources): ContactEntry {
  const state = contactState(facts?.phone ?? null, facts?.checks ?? [], facts?.bound ?? false);
  const accounts = accountsOf(org, p.id);
  const lastCheck = facts?.checks.at(-1)?.at ?? null;
  const logged = facts?.lastLoggedAt ?? null;
  return {
    personId: p.id,
    name: p.name,
    ...state,
    accounts,
    inGroup: src.presence(groups, accounts),
    lastContactAt: lastCheck === null ? logged : logged === null ? lastCheck : Math.max(lastCheck, logged),
  };
}

/** The entries of these students (each with their guardians), in the order given. */
export function studentEntries(org: OrgIndex, students: readonly Person[], src: AddressBookSources): StudentEntry[] {
  const ids: number[] = [];
  for (const s of students) {
    ids.push(s.id);
    for (const g of org.guardiansOf(s.id)) ids.push(g.guardianId);
  }
  const facts = src.facts(ids);
  return students.map((s) => {
    const k = s.classId === null ? undefined : org.classUnit(s.classId);
    const college = k ? org.college(k.collegeId) : undefined;
    const classGroup = k ? [groupKey.class(k.name)] : [];
    const parentsGroup = college ? [groupKey.parents(college.name)] : [];
    return {
      ...entry(org, s, facts.get(s.id), classGroup, src),
      studentNo: s.extId,
      guardians: org.guardiansOf(s.id).flatMap((g) => {
        const person = org.person(g.guardianId);
        return person ? [{ ...entry(org, person, facts.get(person.id), parentsGroup, src), relation: g.relation }] : [];
      }),
    };
  });
}

/** The address book of one class, students by 学号. */
export function classBook(org: OrgIndex, classId: number, src: AddressBookSources): ClassBook | undefined {
  const k = org.classUnit(classId);
  const college = k ? org.college(k.collegeId) : undefined;
  if (!k || !college) return undefined;
  const students = [...org.studentsOf(classId)].sort((a, b) => (a.extId < b.extId ? -1 : a.extId > b.extId ? 1 : 0));
  return {
    classId,
    className: k.name,
    college: college.name,
    counselors: org.counselorsOf(classId).map((p) => p.name),
    students: studentEntries(org, students, src),
  };
}

/** Counts of a class's book, for an overview line. */
export interface BookCounts {
  readonly students: number;
  readonly guardians: number;
  readonly withPhone: number;
  readonly verified: number;
  readonly unreachable: number;
  /** Students not in the class group, families with no guardian in the parents group (known lists only). */
  readonly studentsOutside: number;
  readonly familiesOutside: number;
}

export function bookCounts(book: ClassBook): BookCounts {
  let guardians = 0;
  let withPhone = 0;
  let verified = 0;
  let unreachable = 0;
  let studentsOutside = 0;
  let familiesOutside = 0;
  const count = (e: ContactEntry): void => {
    if (e.phone) withPhone++;
    if (e.verified === 'call' || e.verified === 'sms' || e.verified === 'bound') verified++;
    if (e.verified === 'unreachable') unreachable++;
  };
  for (const s of book.students) {
    count(s);
    if (s.inGroup === false) studentsOutside++;
    guardians += s.guardians.length;
    for (const g of s.guardians) count(g);
    if (s.guardians.length === 0 || (s.guardians.every((g) => g.inGroup === false))) familiesOutside++;
  }
  return { students: book.students.length, guardians, withPhone, verified, unreachable, studentsOutside, familiesOutside };
}
