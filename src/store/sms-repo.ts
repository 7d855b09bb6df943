/** The SMS part of the sent-ledger (sms_deliveries). Callers never log a phone number whole. */
import type { Db } from './db.js';

export type SmsStatus = 'planned' | 'sending' | 'sent' | 'delivered' | 'failed' | 'uncertain' | 'skipped';

export interface PlannedSms {
  readonly key: string;
  readonly kind: 'directive' | 'reminder' | 'code';
  readonly phone: string;
  readonly personId: number | null;
  readonly studentId: number | null;
  readonly directiveId: number | null;
  readonly templateId: string;
  readonly params: readonly (readonly [string, string])[];
  readonly urgent: boolean;
  /** `skipped` with a reason (over the number's daily cap): recorded, never sent. */
  readonly skip?: string;
}

export interface SmsRow extends Omit<PlannedSms, 'skip'> {
  readonly id: number;
  readonly status: SmsStatus;
  readonly reason: string | null;
  readonly providerId: string | null;
  readonly attempts: number;
  readonly plannedAt: number;
  readonly sentAt: number | null;
  readonly receiptAt: number | null;
}

interface Row {
  id: number;
  key: string;
  kind: SmsRow['kind'];
  phone: string;
  person_id: number | null;
  student_id: number | null;
  directive_id: number | null;
  template_id: string;
  params: string;
  urgent: number;
  status: SmsStatus;
  reason: string | null;
  provider_id: string | null;
  attempts: number;
  planned_at: number;
  sent_at: number | null;
  receipt_at: number | null;
}

function fromRow(r: Row): SmsRow {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    phone: r.phone,
    personId: r.person_id,
    studentId: r.student_id,
    directiveId: r.directive_id,
    templateId: r.template_id,
    params: JSON.parse(r.params) as [string, string][],
    urgent: r.urgent === 1,
    status: r.status,
    reason: r.reason,
    providerId: r.provider_id,
    attempts: r.attempts,
    plannedAt: r.planned_at,
    sentAt: r.sent_at,
    receiptAt: r.receipt_at,
  };
}

export class SmsRepo {
  constructor(private readonly db: Db) {}

  /** Plans messages (a key seen before is not planned again); returns the ids of new planned ones. */
  plan(items: readonly PlannedSms[], at: number): number[] {
    const insert = this.db.$client.prepare(
      `INSERT INTO sms_deliveries (key, kind, phone, person_id, student_id, directive_id, template_id, params, urgent, status, reason, planned_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    );
    const ids: number[] = [];
    for (const i of items) {
      const r = insert.run(i.key, i.kind, i.phone, i.personId, i.studentId, i.directiveId, i.templateId, JSON.stringify(i.params), i.urgent ? 1 : 0, i.skip ? 'skipped' : 'planned', i.skip ?? null, at);
      if (r.changes === 1 && !i.skip) ids.push(Number(r.lastInsertRowid));
    }
    return ids;
  }

  /**
   * Messages to this number that count against a day starting at `since`: sent since then, and those
   * still waiting to go (planned in the evening, they go this morning). Skipped and failed ones do not count.
   */
  countTo(phone: string, since: number): number {
    return (
      this.db.$client
        .prepare(
          `SELECT count(*) AS n FROM sms_deliveries WHERE phone = ? AND (status IN ('planned', 'sending')
             OR (status IN ('sent', 'delivered', 'uncertain') AND coalesce(sent_at, planned_at) >= ?))`,
        )
        .get(phone, since) as { n: number }
    ).n;
  }

  get(id: number): SmsRow | undefined {
    const r = this.db.$client.prepare('SELECT * FROM sms_deliveries WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** planned → sending, once: the caller may call the provider. */
  claim(id: number): SmsRow | undefined {
    const c = this.db.$client;
    const changed = c.prepare("UPDATE sms_deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'planned'").run(id).changes;
    return changed === 1 ? this.get(id) : undefined;
  }

  sent(id: number, providerId: string, at: number): void {
    this.db.$client.prepare("UPDATE sms_deliveries SET status = 'sent', provider_id = ?, sent_at = ? WHERE id = ? AND status = 'sending'").run(providerId, at, id);
  }

  /** Certainly not sent (the provider was unavailable): planned again. */
  retry(id: number, reason: string): void {
    this.db.$client.prepare("UPDATE sms_deliveries SET status = 'planned', reason = ? WHERE id = ? AND status = 'sending'").run(reason, id);
  }

  fail(id: number, reason: string): void {
    this.db.$client.prepare("UPDATE sms_deliveries SET status = 'failed', reason = ? WHERE id = ? AND status IN ('planned', 'sending')").run(reason, id);
  }

  /** The provider was called and no answer came: it may have been sent; never sent again blindly. */
  uncertain(id: number, reason: string): void {
    this.db.$client.prepare("UPDATE sms_deliveries SET status = 'uncertain', reason = ? WHERE id = ? AND status = 'sending'").run(reason, id);
  }

  /** Messages a dead process left `sending`: the provider may have sent them; never sent again blindly. */
  interrupted(): number {
    return this.db.$client.prepare("UPDATE sms_deliveries SET status = 'uncertain', reason = 'interrupted' WHERE status = 'sending'").run().changes;
  }

  planned(): number[] {
    return (this.db.$client.prepare("SELECT id FROM sms_deliveries WHERE status = 'planned' ORDER BY id").all() as { id: number }[]).map((r) => r.id);
  }

  receipt(providerId: string, delivered: boolean, at: number, error?: string): void {
    this.db.$client
      .prepare("UPDATE sms_deliveries SET status = ?, receipt_at = ?, reason = coalesce(?, reason) WHERE provider_id = ? AND status IN ('sent', 'uncertain')")
      .run(delivered ? 'delivered' : 'failed', at, error ?? null, providerId);
  }

  /** Verification codes sent to this number since `since`, newest first. */
  codesPlannedTo(phone: string, since: number): number {
    return (this.db.$client.prepare("SELECT count(*) AS n FROM sms_deliveries WHERE phone = ? AND kind = 'code' AND planned_at >= ?").get(phone, since) as { n: number }).n;
  }

  codesTo(phone: string, since: number): SmsRow[] {
    return (
      this.db.$client
        .prepare("SELECT * FROM sms_deliveries WHERE phone = ? AND kind = 'code' AND planned_at >= ? AND status IN ('sent', 'delivered', 'uncertain') ORDER BY id DESC")
        .all(phone, since) as Row[]
    ).map(fromRow);
  }

  /** Messages sent in the last two days still awaiting a receipt, oldest first. */
  awaitingReceipt(now: number, limit: number): { providerId: string; phone: string; sentAt: number }[] {
    return (
      this.db.$client
        .prepare("SELECT provider_id, phone, sent_at FROM sms_deliveries WHERE status = 'sent' AND provider_id IS NOT NULL AND sent_at >= ? ORDER BY sent_at LIMIT ?")
        .all(now - 2 * 86_400_000, limit) as { provider_id: string; phone: string; sent_at: number }[]
    ).map((r) => ({ providerId: r.provider_id, phone: r.phone, sentAt: r.sent_at }));
  }

  /** The latest messages about a directive to this number (for an SMS reply), newest first. */
  latestTo(phone: string, limit = 5): SmsRow[] {
    return (
      this.db.$client
        .prepare("SELECT * FROM sms_deliveries WHERE phone = ? AND directive_id IS NOT NULL AND status IN ('sent', 'delivered', 'uncertain') ORDER BY planned_at DESC, id DESC LIMIT ?")
        .all(phone, limit) as Row[]
    ).map(fromRow);
  }

  /** Every message planned since `since`, oldest first (the drill report). */
  since(since: number): SmsRow[] {
    return (this.db.$client.prepare('SELECT * FROM sms_deliveries WHERE planned_at >= ? ORDER BY id').all(since) as Row[]).map(fromRow);
  }

  /** The statuses of the messages planned for a student's family about a directive. */
  familyStatuses(directiveId: number, studentId: number): SmsStatus[] {
    return (this.db.$client.prepare('SELECT status FROM sms_deliveries WHERE directive_id = ? AND student_id = ?').all(directiveId, studentId) as { status: SmsStatus }[]).map((r) => r.status);
  }

  /** Whether a message about this directive is planned or gone to this number (a guardian of two students gets one). */
  activeTo(directiveId: number, phone: string): boolean {
    return (
      this.db.$client
        .prepare("SELECT 1 FROM sms_deliveries WHERE directive_id = ? AND phone = ? AND status IN ('planned', 'sending', 'sent', 'delivered', 'uncertain') LIMIT 1")
        .get(directiveId, phone) !== undefined
    );
  }

  /** Marks a planned message as not to be sent any more (the family answered, the directive closed). */
  skip(id: number, reason: string): void {
    this.db.$client.prepare("UPDATE sms_deliveries SET status = 'skipped', reason = ? WHERE id = ? AND status = 'planned'").run(reason, id);
  }
}
