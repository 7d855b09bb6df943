/**
 * Retention (issue #14, config `privacy.*`): what people wrote is kept only as long as it is needed. Texts
 * of messages that counted for nothing go after `keepMessagesDays`; counted replies keep their text until
 * their directive is archived (`keepDirectivesDays`), then only the label and time (a collection's answers
 * too); the contact log, the
 * contact checks and the contact fields of a person removed from the roster go `keepRemovedDays` later.
 */
import type { Db } from './db.js';

export interface RetentionCounts {
  /** Message texts removed: not counted as replies, older than keepMessagesDays. */
  readonly messages: number;
  /** Counted replies of archived directives reduced to label and time. */
  readonly replies: number;
  /** Contact-log entries and contact checks removed, and contact fields cleared, of people gone from the roster. */
  readonly contactLog: number;
  readonly contactChecks: number;
  readonly people: number;
}

export class PrivacyRepo {
  constructor(private readonly db: Db) {}

  sweep(now: number, days: { readonly messages: number; readonly directives: number; readonly removed: number }): RetentionCounts {
    const c = this.db.$client;
    const day = 86_400_000;
    return c.transaction(() => {
      const messages = c
        .prepare(
          `UPDATE inbound_messages SET text = '', detail = NULL
           WHERE at < ? AND text != '' AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.inbound_id = inbound_messages.id)`,
        )
        .run(now - days.messages * day).changes;
      const replies = c
        .prepare(
          `UPDATE inbound_messages SET text = '', detail = NULL
           WHERE text != '' AND id IN (SELECT a.inbound_id FROM acknowledgements a JOIN directives d ON d.id = a.directive_id WHERE d.created_at < ?)`,
        )
        .run(now - days.directives * day).changes;
      // A collection's answers (issue #15) go with the replies they came from.
      c.prepare(
        `UPDATE collected_answers SET text = '', fields = NULL WHERE text != '' AND directive_id IN (SELECT id FROM directives WHERE created_at < ?)`,
      ).run(now - days.directives * day);
      const gone = `SELECT id FROM persons WHERE active = 0 AND updated_at < ?`;
      const cutoff = now - days.removed * day;
      const contactLog = c.prepare(`DELETE FROM contact_log WHERE student_id IN (${gone}) OR contact_person_id IN (${gone})`).run(cutoff, cutoff).changes;
      const contactChecks = c.prepare(`DELETE FROM contact_checks WHERE person_id IN (${gone})`).run(cutoff).changes;
      const people = c
        .prepare(`UPDATE persons SET phone = NULL, qq = NULL, wechat = NULL WHERE active = 0 AND updated_at < ? AND (phone IS NOT NULL OR qq IS NOT NULL OR wechat IS NOT NULL)`)
        .run(cutoff).changes;
      return { messages, replies, contactLog, contactChecks, people };
    })();
  }
}
