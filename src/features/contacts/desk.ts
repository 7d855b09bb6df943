/**
 * The address book as a service: who may see which classes, the books built from the store, and the
 * checks counselors record (`/核实`). Phones never reach a log line or a group.
 */
import type { Clock } from '../../clock.js';
import {
  bookCounts,
  classBook,
  studentEntries,
  type AddressBookSources,
  type BookCounts,
  type ClassBook,
  type ContactFacts,
  type StudentEntry,
} from '../../domain/address-book.js';
import type { VerifyArgs } from '../../domain/contact-commands.js';
import { scopeCovers, type Scope } from '../../domain/directive.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { ClassUnit, GroupKey, Person, Platform } from '../../domain/org.js';
import type { ContactLogRepo } from '../../store/contact-log-repo.js';
import type { ContactRepo } from '../../store/contact-repo.js';
import type { MemberRepo } from '../../store/member-repo.js';
import { zhContacts } from './texts.js';

/**
 * Whose contacts a person may see: the student-work team all, a deputy secretary their college, a
 * counselor or head teacher their classes. College leaders and everyone else: none.
 */
export function bookScope(org: OrgIndex, person: Person | undefined): Scope {
  if (!person) return { kind: 'none' };
  if (org.hasRole(person, 'team_leader') || org.hasRole(person, 'team_member')) return { kind: 'school' };
  const colleges = person.roles.filter((r) => r.role === 'deputy_secretary' && r.collegeId !== null).map((r) => r.collegeId as number);
  if (colleges.length > 0) return { kind: 'colleges', collegeIds: [...new Set(colleges)] };
  if (person.counselorOf.length > 0) {
    const collegeIds = [...new Set(person.counselorOf.map((c) => org.classUnit(c)?.collegeId).filter((c): c is number => c !== undefined))];
    return { kind: 'classes', classIds: person.counselorOf, collegeIds };
  }
  return { kind: 'none' };
}

export type Lookup =
  | { readonly kind: 'class'; readonly book: ClassBook }
  | { readonly kind: 'students'; readonly entries: readonly { readonly entry: StudentEntry; readonly className: string }[] }
  | { readonly kind: 'many'; readonly count: number }
  | { readonly kind: 'none' };

/** Students one name lookup may show. */
const MAX_NAME_MATCHES = 5;

export interface AddressBookDeps {
  readonly org: () => OrgIndex;
  readonly contacts: ContactRepo;
  readonly members: MemberRepo;
  /** The contact log, for each person's last contact. */
  readonly log?: ContactLogRepo;
  /** Texts a verification code to the number (SMS); absent or false: SMS is not enabled, or the number is over its cap. */
  readonly sendCode?: (personId: number, studentId: number, phone: string) => 'sent' | 'capped' | 'disabled';
  readonly clock: Clock;
}

export class AddressBookDesk {
  constructor(private readonly deps: AddressBookDeps) {}

  /** The store as the book reads it; member lists are read once per call of this. */
  sources(): AddressBookSources {
    const org = this.deps.org();
    const lists = new Map<string, ReadonlySet<string> | null>();
    const listOf = (platform: Platform, chatId: string): ReadonlySet<string> | null => {
      const key = `${platform}\u0000${chatId}`;
      let set = lists.get(key);
      if (set === undefined) {
        const kept = this.deps.members.get(platform, chatId);
        set = kept ? new Set(kept.members.map((m) => m.userId)) : null;
        lists.set(key, set);
      }
      return set;
    };
    return {
      facts: (ids) => {
        const contacts = this.deps.contacts.contactsOf(ids);
        const checks = this.deps.contacts.checksOf(ids);
        const logged = this.deps.log?.lastWith(ids) ?? new Map<number, number>();
        const out = new Map<number, ContactFacts>();
        for (const id of ids) {
          const c = contacts.get(id);
          out.set(id, { phone: c?.phone ?? null, bound: c?.bound ?? false, checks: checks.get(id) ?? [], lastLoggedAt: logged.get(id) ?? null });
        }
        return out;
      },
      presence: (keys, accounts) => {
        let known = false;
        for (const key of keys) {
          const g = org.groupByKeyName(key as GroupKey);
          if (!g) continue;
          for (const pg of org.platformGroupsOf(g.id)) {
            const set = listOf(pg.platform, pg.chatId);
            if (set === null) continue;
            known = true;
            if (accounts.some((a) => a.platform === pg.platform && set.has(a.id))) return true;
          }
        }
        return known ? false : null;
      },
    };
  }

  /** The classes a scope covers, by college then name. */
  classesIn(scope: Scope): ClassUnit[] {
    const org = this.deps.org();
    return org.classes
      .filter((k) => scopeCovers(scope, { collegeId: k.collegeId, classId: k.id }))
      .sort((a, b) => a.collegeId - b.collegeId || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  classBook(classId: number, src: AddressBookSources = this.sources()): ClassBook | undefined {
    return classBook(this.deps.org(), classId, src);
  }

  counts(classes: readonly ClassUnit[]): { name: string; counts: BookCounts }[] {
    const src = this.sources();
    return classes.flatMap((k) => {
      const book = this.classBook(k.id, src);
      return book ? [{ name: k.name, counts: bookCounts(book) }] : [];
    });
  }

  /** `/通讯录 <term>`: a class by name, a student by 学号, or students by name, within the scope. */
  lookup(scope: Scope, term: string): Lookup {
    const org = this.deps.org();
    const k = org.classNamed(term);
    if (k && scopeCovers(scope, { collegeId: k.collegeId, classId: k.id })) {
      const book = this.classBook(k.id);
      return book ? { kind: 'class', book } : { kind: 'none' };
    }
    const inScope = (p: Person): boolean => p.kind === 'student' && scopeCovers(scope, { collegeId: p.collegeId, classId: p.classId });
    const byNo = org.personByExtId(term);
    const found = byNo && inScope(byNo) ? [byNo] : this.studentsNamed(scope, term).filter(inScope);
    if (found.length === 0) return { kind: 'none' };
    if (found.length > MAX_NAME_MATCHES) return { kind: 'many', count: found.length };
    const entries = studentEntries(org, found, this.sources());
    return { kind: 'students', entries: entries.map((entry, i) => ({ entry, className: org.classUnit(found[i]?.classId ?? -1)?.name ?? '' })) };
  }

  private studentsNamed(scope: Scope, name: string): Person[] {
    const org = this.deps.org();
    return this.classesIn(scope).flatMap((k) => org.studentsOf(k.id).filter((s) => s.name === name));
  }

  /** `/核实`: records how a counselor checked a student's or guardian's phone; the answer says what was recorded. */
  verify(by: Person, scope: Scope, args: VerifyArgs): string {
    const org = this.deps.org();
    const student = org.personByExtId(args.studentNo);
    if (!student || student.kind !== 'student' || !scopeCovers(scope, { collegeId: student.collegeId, classId: student.classId })) return zhContacts.noStudent;
    let target: Person | undefined;
    let label: string;
    if (args.who === '本人' || args.who === '学生') {
      target = student;
      label = `${student.name}本人`;
    } else {
      const guardians = org.guardiansOf(student.id);
      const matches =
        args.who === '家长' || args.who === '监护人'
          ? guardians
          : guardians.filter((g) => g.relation === args.who || org.person(g.guardianId)?.name === args.who);
      if (matches.length === 0) return zhContacts.noGuardian;
      if (matches.length > 1) return zhContacts.whichGuardian(matches.map((g) => g.relation));
      const g = matches[0];
      target = g ? org.person(g.guardianId) : undefined;
      if (!g || !target) return zhContacts.noGuardian;
      label = `${student.name}的${g.relation}${target.name === g.relation ? '' : ` ${target.name}`}`;
    }
    const current = this.deps.contacts.currentPhones([target.id]).get(target.id) ?? null;
    const at = this.deps.clock.now();
    const base = { personId: target.id, byPersonId: by.id, at };
    // A check by phone is a contact with the family: it goes into the contact log too (without the number).
    const logged = (text: string, outcome: string | null): void => {
      this.deps.log?.add({
        at,
        byPersonId: by.id,
        studentId: student.id,
        contactPersonId: target.id,
        contactLabel: target.id === student.id ? '本人' : (org.guardiansOf(student.id).find((g) => g.guardianId === target.id)?.relation ?? '家长'),
        channel: 'phone',
        text,
        outcome,
        source: 'staff',
      });
    };
    switch (args.outcome.kind) {
      case 'confirmed':
        if (!current) return zhContacts.noPhoneToConfirm;
        this.deps.contacts.addCheck({ ...base, method: 'call', phone: current, replacedPhone: null });
        logged('核实联系电话', '号码正确');
        return zhContacts.recorded(label, zhContacts.outcome.confirmed);
      case 'unreachable':
        this.deps.contacts.addCheck({ ...base, method: 'unreachable', phone: current, replacedPhone: null });
        logged('核实联系电话', '联系不上');
        return zhContacts.recorded(label, zhContacts.outcome.unreachable);
      case 'sms_code': {
        if (!current) return zhContacts.noPhoneToConfirm;
        const sent = this.deps.sendCode?.(target.id, student.id, current) ?? 'disabled';
        if (sent === 'disabled') return zhContacts.smsDisabled;
        if (sent === 'capped') return zhContacts.smsCapped;
        return zhContacts.recorded(label, zhContacts.outcome.codeSent);
      }
      case 'wrong':
        this.deps.contacts.addCheck({ ...base, method: 'call', phone: args.outcome.phone, replacedPhone: current ?? '' });
        logged('核实联系电话', '号码有误，已在通讯录中更正');
        return zhContacts.recorded(label, zhContacts.outcome.wrong(args.outcome.phone));
    }
  }
}
