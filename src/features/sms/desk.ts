/**
 * SMS as a channel beside the chat platforms: messages planned in the sent-ledger's SMS part inside the
 * transaction of their cause (a chase round, a directive's release), sent once through the `sms-send`
 * queue at a paced rate, outside quiet hours unless urgent, at most `perNumberPerDay` to one number;
 * receipts and replies pulled from the provider, a reply read by the same reply understanding as chat.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { CascadeConfig } from '../../config/schema.js';
import { afterQuietHours, type QuietHours } from '../../domain/chase.js';
import type { Directive } from '../../domain/directive.js';
import { fromWallClock, wallClock } from '../../domain/duration.js';
import { familyOutside } from '../../domain/membership.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { Platform } from '../../domain/org.js';
import { obligationGroup } from '../../domain/progress.js';
import { understandReply } from '../../domain/understanding.js';
import { maskPhone, SmsRefusedError, SmsUnavailableError, type SmsProvider, type SmsUpstream } from '../../sms/port.js';
import { fillParams, type SmsKind } from '../../sms/templates.js';
import type { ContactLogRepo } from '../../store/contact-log-repo.js';
import type { ContactRepo } from '../../store/contact-repo.js';
import type { MemberRepo } from '../../store/member-repo.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { contactLogKey } from '../../store/keys.js';
import type { SmsRepo } from '../../store/sms-repo.js';

export const SMS_SEND_JOB = 'sms-send';
/** A provider that cannot take messages is asked again after this long, doubling. */
const UNAVAILABLE_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 30 * 60_000;

export interface SmsDeskDeps {
  readonly org: () => OrgIndex;
  readonly sms: SmsRepo;
  readonly contacts: ContactRepo;
  readonly members: MemberRepo;
  readonly log: ContactLogRepo;
  readonly directives: DirectiveRepo;
  readonly provider: SmsProvider;
  readonly config: CascadeConfig['sms'];
  readonly quietHours: QuietHours | null;
  readonly timeZone: string;
  readonly schoolName: string;
  readonly countAtOrAbove: number;
  readonly accepts: (d: Directive) => boolean;
  /** Queues one send job (deduplicated by its id), due at `at`. */
  readonly enqueue: (smsId: number, at: number) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs its body in one store transaction (an SMS reply's acknowledgement and log entry together). */
  readonly atomically: (body: () => void) => void;
}

/** planned or already: the family is (being) texted; uncertain: it may have been, never texted again; else nobody texts it. */
export type FamilyOutcome = 'planned' | 'capped' | 'no_phone' | 'already' | 'uncertain';

/** Verification codes one number may get in a day (issue #14), whatever asked for them. */
export const CODES_PER_NUMBER_PER_DAY = 3;

export class SmsDesk {
  private nextAt = 0;
  private pulling: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SmsDeskDeps) {}

  get enabled(): boolean {
    return this.deps.config.enabled;
  }

  /**
   * A test of "none of the student's guardians sits in a parents group of the college" over the kept
   * member lists, each list read once per test made (one release reads a college's list once).
   */
  outsideTest(): (studentId: number, collegeId: number) => boolean {
    const lists = new Map<string, ReadonlySet<string> | undefined>();
    const seatedIn = (platform: Platform, chatId: string): ReadonlySet<string> | undefined => {
      const key = `${platform}\u0000${chatId}`;
      if (!lists.has(key)) {
        const list = this.deps.members.get(platform, chatId);
        lists.set(key, list ? new Set(list.members.map((m) => m.userId)) : undefined);
      }
      return lists.get(key);
    };
    return (studentId, collegeId) => familyOutside(this.deps.org(), studentId, collegeId, seatedIn);
  }

  /** Each person's current number (the address book's: corrections included), null when none. */
  phones(personIds: readonly number[]): Map<number, string | null> {
    return this.deps.contacts.currentPhones(personIds);
  }

  private dayStart(now: number): number {
    const w = wallClock(now, this.deps.timeZone);
    return fromWallClock({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0 }, this.deps.timeZone);
  }

  /**
   * The directive (or a reminder of it) by SMS to a student's family: the first guardian with a number.
   * Inside the caller's transaction; queued once it commits. Over the number's daily cap it is recorded
   * as skipped and the caller puts the family on the call list.
   */
  planFamily(d: Directive, studentId: number, kind: Extract<SmsKind, 'directive' | 'reminder'>, key: string, deadline: string | null): FamilyOutcome {
    const org = this.deps.org();
    const student = org.person(studentId);
    if (!student) return 'no_phone';
    const prior = this.deps.sms.familyStatuses(d.id, studentId);
    if (kind === 'directive' && prior.some((s) => s === 'planned' || s === 'sending' || s === 'sent' || s === 'delivered')) return 'already';
    if (prior.includes('uncertain')) return 'uncertain';
    const guardians = org.guardiansOf(studentId);
    const phones = this.phones(guardians.map((g) => g.guardianId));
    const g = guardians.find((x) => phones.get(x.guardianId));
    const phone = g ? phones.get(g.guardianId) : undefined;
    if (!g || !phone) return 'no_phone';
    // A guardian of two students gets the directive once.
    if (kind === 'directive' && this.deps.sms.activeTo(d.id, phone)) return 'already';
    const now = this.deps.clock.now();
    const capped = this.deps.sms.countTo(phone, this.dayStart(now)) >= this.deps.config.perNumberPerDay;
    const template = this.deps.config.templates[kind];
    const params = fillParams(template, { school: this.deps.schoolName, id: String(d.id), text: d.text, deadline: deadline ? `，截止${deadline}` : '', student: student.name }, this.deps.config.maxParamChars);
    const ids = this.deps.sms.plan(
      [{ key, kind, phone, personId: g.guardianId, studentId, directiveId: d.id, templateId: template.id, params, urgent: d.urgent, ...(capped ? { skip: 'per_number_cap' } : {}) }],
      now,
    );
    if (capped) return 'capped';
    if (ids.length === 0) return 'already';
    this.deps.log.add({
      at: now,
      byPersonId: null,
      studentId,
      contactPersonId: g.guardianId,
      contactLabel: g.relation,
      channel: 'bot_sms',
      text: `第${d.id}号通知${kind === 'directive' ? '短信发送' : '未回复，短信提醒'}`,
      outcome: null,
      source: 'cascade',
      autoKey: contactLogKey.sms(key),
      deliveryKey: key,
    });
    // Queued once the transaction has committed (better-sqlite3's transactions are synchronous).
    setImmediate(() => void this.kick());
    return 'planned';
  }

  /**
   * A verification code to a person's number: `/核实 … 短信验证` (texted back, the number is verified
   * by SMS) or a `/绑定` (answered in the chat, checked by the binding desk, which passes `code`).
   * False when the number is over its daily cap or has had CODES_PER_NUMBER_PER_DAY codes today.
   */
  planCode(personId: number, studentId: number, phone: string, code: string = String(randomInt(100_000, 1_000_000)), key?: string): boolean {
    const now = this.deps.clock.now();
    const today = this.dayStart(now);
    if (this.deps.sms.countTo(phone, today) >= this.deps.config.perNumberPerDay) return false;
    if (this.deps.sms.codesPlannedTo(phone, today) >= CODES_PER_NUMBER_PER_DAY) return false;
    const template = this.deps.config.templates.code;
    this.deps.sms.plan([{ key: key === undefined ? `sms-code-${personId}-${now}` : `sms-code-${key}`, kind: 'code', phone, personId, studentId, directiveId: null, templateId: template.id, params: fillParams(template, { code, school: this.deps.schoolName }, this.deps.config.maxParamChars), urgent: true }], now);
    setImmediate(() => void this.kick());
    return true;
  }

  /** A reply holding a code sent to this number in the last day: the number is verified by SMS. */
  private verifiedByCode(r: SmsUpstream, phone: string): boolean {
    const digits: string[] = [...(r.text.normalize('NFKC').match(/\d{6}/gu) ?? [])];
    if (digits.length === 0) return false;
    const sent = this.deps.sms.codesTo(phone, r.at - 86_400_000).find((m) => digits.includes(m.params.find(([k]) => k === 'code')?.[1] ?? m.params[0]?.[1] ?? ''));
    if (!sent || sent.personId === null || sent.studentId === null) return false;
    const org = this.deps.org();
    this.deps.contacts.addCheck({ personId: sent.personId, method: 'sms', phone, replacedPhone: null, byPersonId: null, at: r.at });
    this.deps.log.add({
      at: r.at,
      byPersonId: null,
      studentId: sent.studentId,
      contactPersonId: sent.personId,
      contactLabel: sent.personId === sent.studentId ? '本人' : (org.guardiansOf(sent.studentId).find((g) => g.guardianId === sent.personId)?.relation ?? '家长'),
      channel: 'sms',
      text: '短信回复验证码',
      outcome: '号码已验证（短信）',
      source: 'cascade',
    });
    return true;
  }

  /** Queues every planned message (after a commit, at start, after Redis came back). */
  async kick(): Promise<void> {
    const now = this.deps.clock.now();
    for (const id of this.deps.sms.planned()) {
      const row = this.deps.sms.get(id);
      await this.deps.enqueue(id, row?.urgent ? now : afterQuietHours(now, this.deps.quietHours, this.deps.timeZone));
    }
  }

  /** At start: messages a dead run left mid-call are uncertain (never sent again blindly). */
  recover(): number {
    return this.deps.sms.interrupted();
  }

  /** One send job: once, paced, outside quiet hours unless urgent. Returns a pause when it must wait. */
  async send(id: number): Promise<{ pauseMs: number } | undefined> {
    const row = this.deps.sms.get(id);
    if (!row || row.status !== 'planned') return undefined;
    const now = this.deps.clock.now();
    if (!row.urgent) {
      const after = afterQuietHours(now, this.deps.quietHours, this.deps.timeZone);
      if (after > now) return { pauseMs: after - now };
    }
    if (now < this.nextAt) return { pauseMs: this.nextAt - now };
    // Waited (quiet hours, an outage): still wanted? Not once the directive closed or the family replied.
    if (row.directiveId !== null && row.studentId !== null && row.kind !== 'code') {
      const d = this.deps.directives.get(row.directiveId);
      if (!d || !this.deps.accepts(d)) return this.skipped(id, 'directive_closed');
      if (this.deps.directives.hasAck(d.id, 4, 'ack', row.studentId)) return this.skipped(id, 'answered');
    }
    const claimed = this.deps.sms.claim(id);
    if (!claimed) return undefined;
    this.nextAt = now + this.deps.config.minGapMs;
    try {
      const sent = await this.deps.provider.send({ phone: claimed.phone, signName: this.deps.config.signName, templateId: claimed.templateId, params: claimed.params, outId: claimed.key });
      this.deps.sms.sent(id, sent.providerId, this.deps.clock.now());
      this.deps.logger.info({ sms: id, to: maskPhone(claimed.phone), kind: claimed.kind }, 'sms sent');
      return undefined;
    } catch (error) {
      if (error instanceof SmsRefusedError) {
        this.deps.sms.fail(id, error.code);
        this.deps.logger.warn({ sms: id, to: maskPhone(claimed.phone), code: error.code }, 'sms refused by the provider');
        return undefined;
      }
      if (error instanceof SmsUnavailableError) {
        this.deps.sms.retry(id, error.code);
        const wait = Math.min(MAX_BACKOFF_MS, UNAVAILABLE_BACKOFF_MS * 2 ** Math.max(0, claimed.attempts - 1));
        this.deps.logger.warn({ sms: id, code: error.code, retryInMs: wait }, 'sms provider unavailable; will try again');
        return { pauseMs: wait };
      }
      // No answer: the provider may have sent it. Never sent again blindly (a duplicate is worse).
      // (SDK messages carry the request's URL, the number and the text in it: only the error's name is kept.)
      const name = error instanceof Error ? error.name : 'error';
      this.deps.sms.uncertain(id, name);
      this.deps.logger.warn({ sms: id, err: name }, 'sms outcome unknown; not sent again');
      return undefined;
    }
  }

  startPulling(everyMs: number): void {
    this.stopPulling();
    this.pulling = setInterval(() => {
      this.pull().catch((error: unknown) => this.deps.logger.warn({ err: error instanceof Error ? error.name : 'error' }, 'sms pull failed'));
    }, everyMs);
    this.pulling.unref();
  }

  stopPulling(): void {
    if (this.pulling) clearInterval(this.pulling);
    this.pulling = undefined;
  }

  private skipped(id: number, reason: string): undefined {
    this.deps.sms.skip(id, reason);
    return undefined;
  }

  /** Receipts and replies since the last pull. */
  async pull(): Promise<void> {
    if (!this.deps.provider.pull) return;
    const { receipts, replies } = await this.deps.provider.pull(this.deps.sms.awaitingReceipt(this.deps.clock.now(), 50));
    for (const r of receipts) this.deps.sms.receipt(r.providerId, r.delivered, r.at, r.error);
    // A provider gives each reply once: one that fails is logged (without its number or text) and the rest go on.
    for (const r of replies) {
      try {
        this.deps.atomically(() => this.reply(r));
      } catch (error) {
        this.deps.logger.error({ err: error instanceof Error ? error.name : 'error', from: maskPhone(r.phone) }, 'an sms reply could not be handled');
      }
    }
  }

  /**
   * A text from a number Cascade sent to: whose it is (the address book's current numbers), the
   * directive it answers (the latest one texted to that number that still takes replies), and whether
   * it reads as an acknowledgement (`收到` counts for the family; `没收到` does not). Logged either way.
   */
  reply(r: SmsUpstream): void {
    const org = this.deps.org();
    const phone = r.phone.replace(/^(\+86|0086)/u, '');
    if (this.verifiedByCode(r, phone)) return;
    const to = this.deps.sms.latestTo(phone).find((m) => {
      const d = m.directiveId === null ? undefined : this.deps.directives.get(m.directiveId);
      return d !== undefined && this.deps.accepts(d);
    });
    const person = to?.personId == null ? undefined : org.person(to.personId);
    const studentId = to?.studentId ?? null;
    if (!to || !person || studentId === null || this.phones([person.id]).get(person.id) !== phone) {
      this.deps.logger.info({ from: maskPhone(phone) }, 'sms reply from a number with no open directive; not counted');
      return;
    }
    const d = this.deps.directives.get(to.directiveId ?? -1);
    const student = org.person(studentId);
    if (!d || !student || student.classId === null) return;
    const u = understandReply(r.text, { replyHint: d.replyHint });
    const counts = (u.label === 'ack' || u.label === 'done') && u.confidence >= this.deps.countAtOrAbove;
    let counted = false;
    const family = person.id !== student.id;
    if (counts) {
      const o = { level: family ? 4 : 3, subjectId: student.id, collegeId: org.classUnit(student.classId)?.collegeId ?? 0, classId: student.classId } as const;
      const group = obligationGroup(org, o);
      if (group) {
        counted =
          this.deps.directives.acknowledge([
            { directiveId: d.id, level: o.level, kind: 'ack', subjectId: student.id, byPersonId: person.id, collegeId: o.collegeId, classId: o.classId, groupId: group.id, inboundId: -to.id, at: r.at, late: d.deadlineAt !== null && r.at > d.deadlineAt, via: 'sms' },
          ]) > 0;
      }
    }
    this.deps.log.add({
      at: r.at,
      byPersonId: null,
      studentId: student.id,
      contactPersonId: person.id,
      contactLabel: family ? (org.guardiansOf(student.id).find((g) => g.guardianId === person.id)?.relation ?? '家长') : '本人',
      channel: 'sms',
      text: `短信回复（第${d.id}号通知）：${r.text.slice(0, 100)}`,
      outcome: counted ? '计为已回复' : counts ? '已回复过' : '未计为回复',
      source: 'cascade',
    });
  }
}
