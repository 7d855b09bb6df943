/**
 * `/绑定`: a student or parent binds their own platform account, checked against the roster. A
 * conflict with an existing binding is held for the counselor (`/待确认`, `/确认`); every change is
 * recorded with who made it and when.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { BindArgs } from '../../domain/commands.js';
import { scopeCovers, type Scope } from '../../domain/directive.js';
import type { Person, Platform } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { relationFits } from '../../domain/relations.js';
import { zhBind } from './texts.js';
import type { InboundMessage } from '../../platform/port.js';
import type { BindingRepo, BindingRequest } from '../../store/binding-repo.js';
import { SELF_BINDING, UNPROVED_BINDING, type ReviewRepo } from '../../store/review-repo.js';

/** Refused `/绑定` attempts an account may make in a day. */
export const MAX_FAILED_PER_DAY = 5;
const DAY_MS = 86_400_000;
/** How long a `/绑定` code may be answered. */
export const CODE_TTL_MS = 10 * 60_000;
/** Wrong codes a request takes before it is dropped (each also counts as a refused attempt). */
const WRONG_CODES_PER_REQUEST = 3;

/** What sending a code did: sent, no SMS provider configured, or the number has had its codes today. */
export type CodeSent = 'sent' | 'disabled' | 'capped';

export interface BindingDeskDeps {
  readonly org: () => OrgIndex;
  readonly bindings: BindingRepo;
  readonly reviews: ReviewRepo;
  readonly clock: Clock;
  readonly maxGuardians: number;
  /** The number the address book holds for a person now (the roster's, or a verified correction). */
  readonly phoneOf?: (personId: number) => string | null;
  /** Texts the code to the number (through the SMS desk: paced, ledgered, capped). */
  readonly sendCode?: (personId: number, studentId: number, phone: string, code: string, key: string) => CodeSent;
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
    if (this.failedToday(ev.platform, account, now) >= MAX_FAILED_PER_DAY) return { text: zhBind.tooManyTries, changed: false };
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
    return this.verify(ev, inboundId, student, target, who);
  }

  /**
   * The claim checks out against the roster, which anyone who sees the class group's cards could
   * make: it takes effect only when proved. A code goes by SMS to the number the address book holds
   * for the person, to be answered here within CODE_TTL_MS; with no SMS, no number, or the number's
   * codes used up today, the counselor decides (`/待确认`).
   */
  private verify(ev: InboundMessage, inboundId: number, student: Person, target: Person, who: string): BindOutcome {
    const now = this.deps.clock.now();
    const account = ev.sender.userId;
    const phone = this.deps.phoneOf?.(target.id) ?? null;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const base = { platform: ev.platform, platformUserId: account, personId: target.id, studentId: student.id, createdAt: now, expiresAt: now + CODE_TTL_MS };
    const id = this.deps.bindings.request({ ...base, codeHash: null, status: 'pending' });
    const sent: CodeSent = phone !== null && this.deps.sendCode ? this.deps.sendCode(target.id, student.id, phone, code, `bind-${id}`) : 'disabled';
    if (sent === 'sent') {
      this.deps.bindings.setCodeHash(id, hashCode(id, code));
      this.deps.bindings.record({ platform: ev.platform, platformUserId: account, personId: target.id, action: 'code_sent', byPersonId: null, reason: null, at: now });
      return { text: zhBind.codeSent(who), changed: false };
    }
    this.deps.bindings.settleRequest(id, 'held', now);
    this.hold(ev, inboundId, student, target, sent === 'capped' ? 'codes used up today' : phone === null ? 'no phone on the roster' : 'no sms provider', UNPROVED_BINDING);
    return { text: sent === 'capped' ? zhBind.heldCodesUsed : zhBind.heldForCounselor, changed: false };
  }

  /**
   * A private message from an account with a `/绑定` waiting for its code: six digits are the answer
   * (null: the message is not one, the caller answers as usual).
   */
  answerCode(ev: InboundMessage, inboundId: number): BindOutcome | null {
    const typed = ev.text.normalize('NFKC').trim();
    if (!/^\d{6}$/u.test(typed)) return null;
    const request = this.deps.bindings.pendingRequest(ev.platform, ev.sender.userId);
    if (!request) return null;
    const now = this.deps.clock.now();
    const account = ev.sender.userId;
    if (this.failedToday(ev.platform, account, now) >= MAX_FAILED_PER_DAY) return { text: zhBind.tooManyTries, changed: false };
    if (now > request.expiresAt) {
      this.deps.bindings.settleRequest(request.id, 'expired', now);
      return { text: zhBind.codeExpired, changed: false };
    }
    if (!codeMatches(request, typed)) {
      this.deps.bindings.record({ platform: ev.platform, platformUserId: account, personId: request.personId, action: 'refused', byPersonId: null, reason: 'wrong_code', at: now });
      const wrong = this.deps.bindings.wrongCode(request.id);
      if (wrong >= WRONG_CODES_PER_REQUEST) {
        this.deps.bindings.settleRequest(request.id, 'failed', now);
        return { text: zhBind.codeFailed, changed: false };
      }
      return { text: zhBind.codeWrong, changed: false };
    }
    this.deps.bindings.settleRequest(request.id, 'verified', now);
    const org = this.deps.org();
    const target = org.person(request.personId);
    const student = org.person(request.studentId);
    if (!target || !student) return { text: zhBind.codeExpired, changed: false };
    const who = target.id === student.id ? student.name : zhBind.guardianOf(student.name, org.guardiansOf(student.id).find((g) => g.guardianId === target.id)?.relation);
    // Someone else may have taken either side meanwhile: then the counselor decides, as for any conflict.
    const current = this.deps.bindings.personOf(ev.platform, account);
    const existing = this.deps.bindings.accountsOf(target.id, ev.platform).filter((a) => a !== account);
    if (current === target.id) return { text: zhBind.already, changed: false };
    // The limit on guardians, again: another parent may have proved theirs meanwhile.
    if (target.id !== student.id && existing.length === 0 && this.deps.bindings.guardiansBound(student.id, ev.platform, target.id) + 1 > this.deps.maxGuardians) {
      this.deps.bindings.record({ platform: ev.platform, platformUserId: account, personId: target.id, action: 'refused', byPersonId: null, reason: 'too_many_guardians', at: now });
      return { text: zhBind.tooMany(this.deps.maxGuardians), changed: false };
    }
    if (current !== undefined || existing.length > 0 || !this.deps.bindings.bindSelf(ev.platform, account, target.id, now)) {
      this.hold(ev, inboundId, student, target, 'bound meanwhile');
      return { text: zhBind.held, changed: false };
    }
    this.deps.bindings.record({ platform: ev.platform, platformUserId: account, personId: target.id, action: 'bound', byPersonId: target.id, reason: 'sms code', at: now });
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

  /** Refused attempts of an account in the last day (wrong 学号 or name, wrong codes). */
  private failedToday(platform: Platform, account: string, now: number): number {
    return this.deps.bindings.events(platform, account).filter((e) => e.action === 'refused' && e.at >= now - DAY_MS).length;
  }

  private hold(ev: InboundMessage, inboundId: number, student: Person, target: Person | null, reason: string, label = SELF_BINDING): BindOutcome {
    const now = this.deps.clock.now();
    this.deps.reviews.add({
      kind: 'binding',
      inboundId,
      groupId: null,
      collegeId: student.collegeId,
      classId: student.classId,
      senderPersonId: null,
      senderName: ev.sender.nickname,
      label,
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

/** A code is kept only as a hash, salted with its request. */
function hashCode(requestId: number, code: string): string {
  return createHash('sha256').update(`cascade-binding:${requestId}:${code}`).digest('hex');
}

function codeMatches(r: BindingRequest, typed: string): boolean {
  if (r.codeHash === null) return false;
  const a = Buffer.from(hashCode(r.id, typed), 'hex');
  const b = Buffer.from(r.codeHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
