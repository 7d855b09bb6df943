/**
 * `/绑定`: a student or parent binds their own platform account, checked against the roster. A
 * conflict with an existing binding is held for the counselor (`/待确认`, `/确认`); every change is
 * recorded with who made it and when.
 */
import type { Clock } from '../../clock.js';
import type { BindArgs } from '../../domain/commands.js';
import { scopeCovers, type Scope } from '../../domain/directive.js';
import type { Person, Platform } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { relationFits } from '../../domain/relations.js';
import { zhBind } from './texts.js';
import type { InboundMessage } from '../../platform/port.js';
import type { BindingRepo } from '../../store/binding-repo.js';
import { SELF_BINDING, type ReviewRepo } from '../../store/review-repo.js';

/** Refused `/绑定` attempts an account may make in a day. */
export const MAX_FAILED_PER_DAY = 5;
const DAY_MS = 86_400_000;

export interface BindingDeskDeps {
  readonly org: () => OrgIndex;
  readonly bindings: BindingRepo;
  readonly reviews: ReviewRepo;
  readonly clock: Clock;
  readonly maxGuardians: number;
}

export interface BindOutcome {
  readonly text: string;
  /** A binding was written: the org must be reloaded. */
  readonly changed: boolean;
  /** The account now bound and to whom (for the contact remark on WeChat). */
  readonly bound?: { readonly platform: Platform; readonly userId: string; readonly person: Person };
  /** The account no longer bound (its contact remark is cleared). */
  readonly unbound?: { readonly platform: Platform; readonly userId: string };
}

export class BindingDesk {
  constructor(private readonly deps: BindingDeskDeps) {}

  /** Synchronous: joins the inbound message's transaction. */
  bind(ev: InboundMessage, inboundId: number, cmd: BindArgs): BindOutcome {
    const org = this.deps.org();
    const now = this.deps.clock.now();
    const account = ev.sender.userId;
    const refuse = (reason: string, text: string, personId: number | null = null): BindOutcome => {
      this.deps.bindings.record({ platform: ev.platform, platformUserId: account, personId, action: 'refused', byPersonId: null, reason, at: now });
      return { text, changed: false };
    };
    // At most MAX_FAILED_PER_DAY refused attempts per account a day: 学号 and names are on every class group's cards.
    const since = now - DAY_MS;
    const failed = this.deps.bindings.events(ev.platform, account).filter((e) => e.action === 'refused' && e.at >= since).length;
    if (failed >= MAX_FAILED_PER_DAY) return { text: zhBind.tooManyTries, changed: false };
    const student = org.personByExtId(cmd.studentNo);
    if (!student || student.kind !== 'student') return refuse('unknown_number', zhBind.unknownNumber);
    if (student.name !== cmd.name) return refuse('name_mismatch', zhBind.nameMismatch, student.id);

    let target: Person = student;
    let who = student.name;
    if (cmd.relation !== null) {
      const fits = org.guardiansOf(student.id).filter((g) => relationFits(g.relation, cmd.relation));
      const first = fits[0];
      const guardian = fits.length === 1 && first ? org.person(first.guardianId) : undefined;
      if (fits.length === 0) return refuse('no_guardian', zhBind.noGuardian, student.id);
      if (!guardian) return refuse('several_guardians', zhBind.whichGuardian, student.id);
      // The limit: guardians of this student with an account on this platform, this one included.
      // Counted in the store: two parents binding in one batch of messages both count.
      const bound = this.deps.bindings.guardiansBound(student.id, ev.platform, guardian.id);
      if (this.deps.bindings.accountsOf(guardian.id, ev.platform).length === 0 && bound + 1 > this.deps.maxGuardians) {
        return refuse('too_many_guardians', zhBind.tooMany(this.deps.maxGuardians), guardian.id);
      }
      target = guardian;
      who = zhBind.guardianOf(student.name, first?.relation);
    }
    // Read from the store, not the org index: an earlier message of the same batch may have bound either side.
    const current = this.deps.bindings.personOf(ev.platform, account);
    if (current === target.id) return { text: zhBind.already, changed: false };
    const existing = this.deps.bindings.accountsOf(target.id, ev.platform).filter((a) => a !== account);
    // The account is someone else's, or the person already has another account here: a counselor decides.
    if (current !== undefined || existing.length > 0) {
      return this.hold(ev, inboundId, student, target, current !== undefined ? 'account bound to another person' : 'person has another account');
    }
    if (!this.deps.bindings.bindSelf(ev.platform, account, target.id, now)) return this.hold(ev, inboundId, student, target, 'account bound meanwhile');
    this.deps.bindings.record({ platform: ev.platform, platformUserId: account, personId: target.id, action: 'bound', byPersonId: target.id, reason: null, at: now });
    return { text: zhBind.bound(who), changed: true, bound: { platform: ev.platform, userId: account, person: target } };
  }

  /**
   * A counselor (or anyone with the scope) binds an account to someone in their scope, e.g. a member
   * `/核对` could not identify. Their decision replaces any earlier binding of that account.
   */
  bindFor(by: Person, scope: Scope, cmd: BindArgs & { account: { platform: Platform; userId: string } }): BindOutcome {
    const org = this.deps.org();
    const now = this.deps.clock.now();
    const student = org.personByExtId(cmd.studentNo);
    if (!student || student.kind !== 'student') return { text: zhBind.unknownNumber, changed: false };
    if (student.name !== cmd.name) return { text: zhBind.nameMismatch, changed: false };
    if (!scopeCovers(scope, { collegeId: student.collegeId, classId: student.classId })) return { text: zhBind.notYours, changed: false };
    let target: Person | undefined = student;
    let relation: string | undefined;
    if (cmd.relation !== null) {
      const fits = org.guardiansOf(student.id).filter((g) => relationFits(g.relation, cmd.relation));
      if (fits.length !== 1) return { text: fits.length === 0 ? zhBind.noGuardian : zhBind.whichGuardian, changed: false };
      target = org.person(fits[0]?.guardianId ?? -1);
      relation = fits[0]?.relation;
    }
    if (!target) return { text: zhBind.noGuardian, changed: false };
    const { platform, userId } = cmd.account;
    const before = org.personByPlatformAccount(platform, userId);
    // Taking an account from someone: only from a student or parent in the asker's scope, never a roster account or staff.
    if (before && before.id !== target.id) {
      if (before.kind === 'staff' || this.deps.bindings.source(platform, userId) === 'roster') return { text: zhBind.fromRoster, changed: false };
      const theirs = before.kind === 'student' ? before : org.person(org.wardsOf(before.id)[0]?.studentId ?? -1);
      if (!theirs || !scopeCovers(scope, { collegeId: theirs.collegeId, classId: theirs.classId })) return { text: zhBind.notYours, changed: false };
    }
    this.deps.bindings.replace(platform, userId, target.id, now);
    this.deps.bindings.record({ platform, platformUserId: userId, personId: target.id, action: before ? 'replaced' : 'confirmed', byPersonId: by.id, reason: null, at: now });
    return {
      text: zhBind.boundFor(`${platform}:${userId}`, relation !== undefined ? zhBind.guardianOf(student.name, relation) : student.name),
      changed: true,
      bound: { platform, userId, person: target },
    };
  }

  /** `/解绑 qq:12345`: removes a binding made by `/绑定` or a counselor, for someone in the asker's scope. */
  unbind(by: Person, scope: Scope, account: { platform: Platform; userId: string }): BindOutcome {
    const org = this.deps.org();
    const person = org.personByPlatformAccount(account.platform, account.userId);
    if (!person) return { text: zhBind.notBound, changed: false };
    const student = person.kind === 'student' ? person : org.person(org.wardsOf(person.id)[0]?.studentId ?? -1);
    const inScope = student ? scopeCovers(scope, { collegeId: student.collegeId, classId: student.classId }) : scope.kind === 'school';
    if (!inScope) return { text: zhBind.notYours, changed: false };
    if (!this.deps.bindings.unbind(account.platform, account.userId)) return { text: zhBind.fromRoster, changed: false };
    this.deps.bindings.record({ platform: account.platform, platformUserId: account.userId, personId: person.id, action: 'unbound', byPersonId: by.id, reason: null, at: this.deps.clock.now() });
    return { text: zhBind.unbound(`${account.platform}:${account.userId}`), changed: true, unbound: account };
  }

  private hold(ev: InboundMessage, inboundId: number, student: Person, target: Person | null, reason: string): BindOutcome {
    const now = this.deps.clock.now();
    this.deps.reviews.add({
      kind: 'binding',
      inboundId,
      groupId: null,
      collegeId: student.collegeId,
      classId: student.classId,
      senderPersonId: null,
      senderName: ev.sender.nickname,
      label: SELF_BINDING,
      confidence: null,
      directiveId: null,
      pending: [],
      suggestedPersonId: target?.id ?? null,
      platformUserId: ev.sender.userId,
      createdAt: now,
    });
    this.deps.bindings.record({ platform: ev.platform, platformUserId: ev.sender.userId, personId: target?.id ?? null, action: 'held', byPersonId: null, reason, at: now });
    return { text: zhBind.held, changed: false };
  }
}

