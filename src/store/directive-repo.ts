import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { groupCommit, type GroupCommit } from './group-commit.js';

import { COLLEGE_SPAN } from '../domain/chase.js';
import type { AckKind, Directive, ExtraTarget, RelayMode } from '../domain/directive.js';

export type { AckKind, Directive, RelayMode };

export type NewDirective = Omit<Directive, 'id' | 'status'>;

/** An acknowledgement taken back, with what is needed to count it again from another message. */
export interface RemovedAck {
  readonly directiveId: number;
  readonly level: number;
  readonly kind: AckKind;
  readonly subjectId: number;
  readonly collegeId: number | null;
  readonly groupId: number;
}

export interface NewAcknowledgement {
  readonly directiveId: number;
  readonly level: number;
  readonly kind: AckKind;
  readonly subjectId: number;
  /** Null when the sender's account is not bound to a person yet. */
  readonly byPersonId: number | null;
  readonly collegeId: number | null;
  readonly classId: number | null;
  readonly groupId: number;
  readonly inboundId: number;
  readonly at: number;
  readonly late: boolean;
  /** How it was counted; `reply` when absent. */
  readonly via?: 'reply' | 'chain' | 'review' | 'call' | 'sms';
}

interface DirectiveRow {
  id: number;
  issuer_id: number;
  origin_group_id: number;
  origin_inbound_id: number | null;
  text: string;
  deadline_at: number | null;
  depth: number;
  college_ids: string | null;
  require_completion: number;
  mode: RelayMode;
  reply_hint: string;
  status: 'open' | 'closed' | 'withdrawn';
  created_at: number;
  urgent: number;
  sms: number;
  parents_text: string | null;
  from_level: number;
  class_ids: string | null;
  collect: number;
  fields: string | null;
  extra_groups: string | null;
}

function toDirective(r: DirectiveRow): Directive {
  return {
    id: r.id,
    issuerId: r.issuer_id,
    originGroupId: r.origin_group_id,
    originInboundId: r.origin_inbound_id,
    text: r.text,
    deadlineAt: r.deadline_at,
    depth: (r.depth === 2 || r.depth === 3 ? r.depth : 4) as 2 | 3 | 4,
    collegeIds: r.college_ids === null ? null : (JSON.parse(r.college_ids) as number[]),
    requireCompletion: r.require_completion === 1,
    mode: r.mode,
    replyHint: r.reply_hint,
    status: r.status,
    createdAt: r.created_at,
    urgent: r.urgent === 1,
    sms: r.sms === 1,
    parentsText: r.parents_text,
    fromLevel: r.from_level === 3 ? 3 : 1,
    classIds: r.class_ids === null ? null : (JSON.parse(r.class_ids) as number[]),
    collect: r.collect === 1,
    fields: r.fields === null ? null : (JSON.parse(r.fields) as string[]),
    extraGroups: r.extra_groups === null ? null : (JSON.parse(r.extra_groups) as ExtraTarget[]),
  };
}

/** One counted acknowledgement with what the reply said (exports). */
export interface AckDetail {
  readonly level: number;
  readonly kind: AckKind;
  readonly subjectId: number;
  readonly collegeId: number | null;
  readonly at: number;
  readonly late: boolean;
  readonly via: string;
  /** The message that counted, cut to 500 characters; null when none is kept (SMS, a call, swept). */
  readonly text: string | null;
}

/** Told, inside the writing transaction, when a directive reaches groups or a reply is counted (the chaser listens). */
export interface DirectiveWatcher {
  released(directiveId: number, groupIds: readonly number[], at: number): void;
  acknowledged(directiveId: number, level: number, kind: AckKind, at: number): void;
  /** An acknowledgement was taken back (recalled, retracted, turned down in review): it is owed again. */
  withdrawn(directiveId: number): void;
}

/** Directives, where they have been released, and who has acknowledged them. */
export class DirectiveRepo {
  private readonly watchers: DirectiveWatcher[] = [];
  private lastAckStmt: Statement | undefined;
  private ackTimesStmt: Statement | undefined;
  private ackKeysStmt: Statement | undefined;
  private ackedAtStmt: Statement | undefined;
  private readonly insertDirective: Statement;
  private readonly byId: Statement<[number], DirectiveRow>;
  private readonly insertRelease: Statement;
  private readonly insertAck: Statement;
  private readonly hasAckStmt: Statement<[number, number, string, number], { one: number }>;
  private readonly acksByCollege: Statement<[number, number], [number, AckKind, number, number, number]>;
  private readonly releasedStmt: Statement<[number], number>;
  private readonly acksAll: Statement<[number], { level: number; kind: AckKind; subject_id: number; late: number; college_id: number | null; provisional: number }>;

  private readonly commits: GroupCommit;

  constructor(private readonly db: Db) {
    const c = db.$client;
    this.commits = groupCommit(c);
    this.insertDirective = c.prepare(
      `INSERT INTO directives (issuer_id, origin_group_id, origin_inbound_id, text, deadline_at, depth, college_ids, require_completion, mode, reply_hint, status, created_at, urgent, sms, parents_text, from_level, class_ids, collect, fields, extra_groups)
       VALUES (@issuerId, @originGroupId, @originInboundId, @text, @deadlineAt, @depth, @collegeIds, @requireCompletion, @mode, @replyHint, 'open', @createdAt, @urgent, @sms, @parentsText, @fromLevel, @classIds, @collect, @fields, @extraGroups)`,
    );
    this.byId = c.prepare('SELECT * FROM directives WHERE id = ?');
    this.insertRelease = c.prepare(
      'INSERT INTO releases (directive_id, group_id, released_at, released_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.insertAck = c.prepare(
      `INSERT INTO acknowledgements (directive_id, level, kind, subject_id, by_person_id, college_id, class_id, group_id, inbound_id, at, late, via)
       VALUES (@directiveId, @level, @kind, @subjectId, @byPersonId, @collegeId, @classId, @groupId, @inboundId, @at, @late, @via)
       ON CONFLICT DO NOTHING`,
    );
    this.hasAckStmt = c.prepare(
      'SELECT 1 AS one FROM acknowledgements WHERE directive_id = ? AND level = ? AND kind = ? AND subject_id = ?',
    );
    this.acksByCollege = c
      .prepare<[number, number], [number, AckKind, number, number, number]>(
        `SELECT level, kind, subject_id, late, (by_person_id IS NULL AND via IN ('reply', 'chain')) FROM acknowledgements WHERE directive_id = ? AND college_id = ?`,
      )
      .raw(true);
    this.releasedStmt = c.prepare<[number], number>('SELECT group_id FROM releases WHERE directive_id = ?').pluck(true);
    this.acksAll = c.prepare(
      `SELECT level, kind, subject_id, late, college_id, (by_person_id IS NULL AND via IN ('reply', 'chain')) AS provisional FROM acknowledgements WHERE directive_id = ?`,
    );
  }

  watch(watcher: DirectiveWatcher): void {
    this.watchers.push(watcher);
  }

  /** Inserts the directive and its first releases in one transaction. */
  create(directive: NewDirective, releaseGroupIds: readonly number[]): Directive {
    const id = this.db.$client.transaction(() => {
      const info = this.insertDirective.run({
        ...directive,
        collegeIds: directive.collegeIds === null ? null : JSON.stringify(directive.collegeIds),
        fromLevel: directive.fromLevel ?? 1,
        collect: directive.collect === true ? 1 : 0,
        fields: directive.fields === null || directive.fields === undefined ? null : JSON.stringify(directive.fields),
        classIds: directive.classIds === null || directive.classIds === undefined ? null : JSON.stringify(directive.classIds),
        extraGroups: directive.extraGroups === null || directive.extraGroups === undefined ? null : JSON.stringify(directive.extraGroups),
        requireCompletion: directive.requireCompletion ? 1 : 0,
        urgent: directive.urgent ? 1 : 0,
        sms: directive.sms ? 1 : 0,
      });
      const newId = Number(info.lastInsertRowid);
      for (const g of releaseGroupIds) this.insertRelease.run(newId, g, directive.createdAt, null);
      return newId;
    })();
    const created = this.get(id);
    if (!created) throw new Error(`directive ${id} vanished after insert`);
    for (const w of this.watchers) w.released(id, releaseGroupIds, directive.createdAt);
    return created;
  }

  get(id: number): Directive | undefined {
    const row = this.byId.get(id);
    return row ? toDirective(row) : undefined;
  }

  /** The person's newest directive created at or after `since` (files sent after `/通知` join it). */
  latestBy(issuerId: number, since: number): Directive | undefined {
    const row = this.db.$client.prepare('SELECT * FROM directives WHERE issuer_id = ? AND created_at >= ? ORDER BY id DESC LIMIT 1').get(issuerId, since) as DirectiveRow | undefined;
    return row ? toDirective(row) : undefined;
  }

  latest(): Directive | undefined {
    const row = this.db.$client.prepare('SELECT * FROM directives ORDER BY id DESC LIMIT 1').get() as DirectiveRow | undefined;
    return row ? toDirective(row) : undefined;
  }

  /** Open directives created at or after `since`, newest first. */
  open(since: number): Directive[] {
    const rows = this.db.$client
      .prepare(`SELECT * FROM directives WHERE status = 'open' AND created_at >= ? ORDER BY id DESC`)
      .all(since) as DirectiveRow[];
    return rows.map(toDirective);
  }

  /** Every acknowledgement of a directive with the text of the message that counted (exports). */
  ackDetails(directiveId: number): AckDetail[] {
    const rows = this.db.$client
      .prepare(
        `SELECT a.level, a.kind, a.subject_id, a.college_id, a.at, a.late, a.via, substr(m.text, 1, 500) AS text
           FROM acknowledgements a LEFT JOIN inbound_messages m ON m.id = a.inbound_id WHERE a.directive_id = ? ORDER BY a.id`,
      )
      .all(directiveId) as { level: number; kind: AckKind; subject_id: number; college_id: number | null; at: number; late: number; via: string; text: string | null }[];
    return rows.map((r) => ({ level: r.level, kind: r.kind, subjectId: r.subject_id, collegeId: r.college_id, at: r.at, late: r.late === 1, via: r.via, text: r.text }));
  }

  /** A collection's answer: the latest reply of whoever owes it (issue #15). */
  saveAnswer(a: { directiveId: number; level: number; subjectId: number; byPersonId: number | null; inboundId: number; text: string; fields: Readonly<Record<string, string>> | null; at: number }): void {
    this.db.$client
      .prepare(
        `INSERT INTO collected_answers (directive_id, level, subject_id, by_person_id, inbound_id, text, fields, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (directive_id, level, subject_id) DO UPDATE SET by_person_id = excluded.by_person_id, inbound_id = excluded.inbound_id,
           text = excluded.text, fields = excluded.fields, at = excluded.at WHERE excluded.at >= collected_answers.at`,
      )
      .run(a.directiveId, a.level, a.subjectId, a.byPersonId, a.inboundId, a.text, a.fields === null ? null : JSON.stringify(a.fields), a.at);
  }

  /** A collection's answers by `level:subjectId`. */
  answers(directiveId: number): Map<string, { text: string; fields: Record<string, string> | null; at: number }> {
    const rows = this.db.$client.prepare('SELECT level, subject_id, text, fields, at FROM collected_answers WHERE directive_id = ?').all(directiveId) as {
      level: number;
      subject_id: number;
      text: string;
      fields: string | null;
      at: number;
    }[];
    return new Map(rows.map((r) => [`${r.level}:${r.subject_id}`, { text: r.text, fields: r.fields === null ? null : (JSON.parse(r.fields) as Record<string, string>), at: r.at }]));
  }

  /** `/通知 家长版 …` quoting a directive that did not reach the parents: it now does, with this text. */
  addParentsVersion(id: number, text: string): void {
    this.db.$client.prepare('UPDATE directives SET parents_text = ?, depth = 4 WHERE id = ?').run(text, id);
  }

  /** `/撤回`: false when it was withdrawn already. */
  withdraw(id: number, byPersonId: number, at: number): boolean {
    return this.db.$client.prepare(`UPDATE directives SET status = 'withdrawn', withdrawn_at = ?, withdrawn_by = ? WHERE id = ? AND status <> 'withdrawn'`).run(at, byPersonId, id).changes === 1;
  }

  /** `/更正`: stores a correction; returns its number (1 for the first). */
  addCorrection(id: number, text: string, byPersonId: number, at: number): number {
    const c = this.db.$client;
    c.prepare('INSERT INTO directive_corrections (directive_id, text, by_person_id, at) VALUES (?, ?, ?, ?)').run(id, text, byPersonId, at);
    return (c.prepare('SELECT count(*) AS n FROM directive_corrections WHERE directive_id = ?').get(id) as { n: number }).n;
  }

  corrections(id: number): number {
    return (this.db.$client.prepare('SELECT count(*) AS n FROM directive_corrections WHERE directive_id = ?').get(id) as { n: number }).n;
  }

  /** The newest directives, newest first (`/通知列表`). */
  recent(limit: number): Directive[] {
    return (this.db.$client.prepare('SELECT * FROM directives ORDER BY id DESC LIMIT ?').all(limit) as DirectiveRow[]).map(toDirective);
  }

  all(): Directive[] {
    return (this.db.$client.prepare('SELECT * FROM directives ORDER BY id').all() as DirectiveRow[]).map(toDirective);
  }

  /** Records releases; returns the group ids that were not released before. */
  release(directiveId: number, groupIds: readonly number[], at: number, by: number | null): number[] {
    const fresh: number[] = [];
    this.db.$client.transaction(() => {
      for (const g of groupIds) if (this.insertRelease.run(directiveId, g, at, by).changes === 1) fresh.push(g);
    })();
    if (fresh.length > 0) for (const w of this.watchers) w.released(directiveId, fresh, at);
    return fresh;
  }

  /** When each group received the directive. */
  releaseTimes(directiveId: number): Map<number, number> {
    const rows = this.db.$client
      .prepare('SELECT group_id, released_at FROM releases WHERE directive_id = ?')
      .raw(true)
      .all(directiveId) as [number, number][];
    return new Map(rows);
  }

  /**
   * What the directive's acknowledgements say for chasing, packed as numbers (a campus has tens of
   * thousands): `acked` holds the obligation key (domain/chase.ts obligationKey: subject, level,
   * college) of every receipt, `done` of every completion
   * report. With `times`, `ackedAt` maps the receipts to when they were counted (completion reports
   * are chased from then); without, the read stays within an index.
   */
  ackIndex(directiveId: number, times: boolean): { acked: Set<number>; done: Set<number>; ackedAt: Map<number, number> } {
    const acked = new Set<number>();
    const done = new Set<number>();
    const ackedAt = new Map<number, number>();
    if (times) {
      this.ackTimesStmt ??= this.db.$client
        .prepare(`SELECT ((subject_id * 8 + level) * ${COLLEGE_SPAN} + coalesce(college_id, 0)) * 2 + (kind = 'done'), at FROM acknowledgements WHERE directive_id = ?`)
        .raw(true);
      for (const [packed, at] of this.ackTimesStmt.all(directiveId) as [number, number][]) {
        if (packed % 2 === 1) done.add((packed - 1) / 2);
        else {
          acked.add(packed / 2);
          ackedAt.set(packed / 2, at);
        }
      }
    } else {
      this.ackKeysStmt ??= this.db.$client
        .prepare(`SELECT ((subject_id * 8 + level) * ${COLLEGE_SPAN} + coalesce(college_id, 0)) * 2 + (kind = 'done') FROM acknowledgements WHERE directive_id = ?`)
        .pluck(true);
      for (const packed of this.ackKeysStmt.all(directiveId) as number[]) {
        if (packed % 2 === 1) done.add((packed - 1) / 2);
        else acked.add(packed / 2);
      }
    }
    return { acked, done, ackedAt };
  }

  /** How many obligations of the directive are acknowledged (`ack`) or reported done (`done`). */
  ackCount(directiveId: number, kind: AckKind): number {
    return (
      this.db.$client
        .prepare('SELECT count(*) AS n FROM acknowledgements WHERE directive_id = ? AND kind = ?')
        .get(directiveId, kind) as { n: number }
    ).n;
  }

  /** When the next automatic chase round is due (null: none). */
  setNextChase(directiveId: number, at: number | null): void {
    this.db.$client.prepare('UPDATE directives SET next_chase_at = ? WHERE id = ?').run(at, directiveId);
  }

  nextChaseAt(directiveId: number): number | null {
    const row = this.db.$client.prepare('SELECT next_chase_at AS at FROM directives WHERE id = ?').get(directiveId) as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  releasedGroups(directiveId: number): number[] {
    return this.releasedStmt.all(directiveId);
  }

  /** Releases of open directives, for the in-memory routing table rebuilt at start. */
  openReleases(since: number): { directiveId: number; groupId: number }[] {
    return (
      this.db.$client
        .prepare(
          `SELECT r.directive_id AS directiveId, r.group_id AS groupId FROM releases r
           JOIN directives d ON d.id = r.directive_id WHERE d.status = 'open' AND d.created_at >= ?`,
        )
        .all(since) as { directiveId: number; groupId: number }[]
    );
  }

  /** Stores acknowledgements; a repeat for the same subject is ignored. Returns how many were new. */
  acknowledge(acks: readonly NewAcknowledgement[]): number {
    let fresh = 0;
    for (const a of acks) {
      if (this.insertAck.run({ ...a, late: a.late ? 1 : 0, via: a.via ?? 'reply' }).changes === 0) continue;
      fresh++;
      for (const w of this.watchers) w.acknowledged(a.directiveId, a.level, a.kind, a.at);
    }
    return fresh;
  }

  /** Removes what one message counted (it was recalled or taken back); returns how many acknowledgements went. */
  withdrawInbound(inboundId: number): RemovedAck[] {
    const c = this.db.$client;
    const rows = c
      .prepare(
        'SELECT directive_id AS directiveId, level, kind, subject_id AS subjectId, college_id AS collegeId, group_id AS groupId FROM acknowledgements WHERE inbound_id = ?',
      )
      .all(inboundId) as RemovedAck[];
    if (rows.length > 0) c.prepare('DELETE FROM acknowledgements WHERE inbound_id = ?').run(inboundId);
    for (const id of new Set(rows.map((r) => r.directiveId))) for (const w of this.watchers) w.withdrawn(id);
    return rows;
  }

  /** Removes some of what one message counted (a reviewer turned down one student of it). */
  removeAcks(inboundId: number, acks: readonly Pick<RemovedAck, 'directiveId' | 'level' | 'kind' | 'subjectId'>[]): RemovedAck[] {
    const c = this.db.$client;
    const find = c.prepare(
      `SELECT directive_id AS directiveId, level, kind, subject_id AS subjectId, college_id AS collegeId, group_id AS groupId, id FROM acknowledgements
       WHERE inbound_id = ? AND directive_id = ? AND level = ? AND kind = ? AND subject_id = ?`,
    );
    const del = c.prepare('DELETE FROM acknowledgements WHERE id = ?');
    const removed: RemovedAck[] = [];
    for (const a of acks) {
      for (const row of find.all(inboundId, a.directiveId, a.level, a.kind, a.subjectId) as (RemovedAck & { id: number })[]) {
        del.run(row.id);
        removed.push({ directiveId: row.directiveId, level: row.level, kind: row.kind, subjectId: row.subjectId, collegeId: row.collegeId, groupId: row.groupId });
      }
    }
    for (const id of new Set(removed.map((r) => r.directiveId))) for (const w of this.watchers) w.withdrawn(id);
    return removed;
  }

  /** When the acknowledgement of this obligation was counted, or null. */
  ackedAt(directiveId: number, level: number, kind: AckKind, subjectId: number): number | null {
    this.ackedAtStmt ??= this.db.$client.prepare(
      'SELECT max(at) AS at FROM acknowledgements WHERE directive_id = ? AND level = ? AND kind = ? AND subject_id = ?',
    );
    return (this.ackedAtStmt.get(directiveId, level, kind, subjectId) as { at: number | null } | undefined)?.at ?? null;
  }

  /** When the directive reached the group, or null. */
  releasedAt(directiveId: number, groupId: number): number | null {
    const row = this.db.$client.prepare('SELECT released_at AS at FROM releases WHERE directive_id = ? AND group_id = ?').get(directiveId, groupId) as
      | { at: number }
      | undefined;
    return row?.at ?? null;
  }

  /**
   * The subjects an account nobody has verified answered for in a directive by name (its replies and
   * 接龙 lines, other than message `exceptInbound`): one such account counts for one family.
   */
  answeredByAccountFor(directiveId: number, platform: string, senderPlatformId: string, exceptInbound: number): number[] {
    return this.db.$client
      .prepare<[number, string, string, number], number>(
        `SELECT DISTINCT a.subject_id FROM acknowledgements a JOIN inbound_messages m ON m.id = a.inbound_id
          WHERE a.directive_id = ? AND a.by_person_id IS NULL AND a.via IN ('reply', 'chain') AND a.level >= 3
            AND m.platform = ? AND m.sender_platform_id = ? AND m.id <> ?`,
      )
      .pluck(true)
      .all(directiveId, platform, senderPlatformId, exceptInbound);
  }

  /** A reviewer bound the account that sent a message: what it counted is no longer provisional. */
  attributeInbound(inboundId: number, personId: number): number {
    return this.db.$client.prepare('UPDATE acknowledgements SET by_person_id = ? WHERE inbound_id = ? AND by_person_id IS NULL').run(personId, inboundId).changes;
  }

  /** When this person last had an acknowledgement counted in this group, or null. */
  lastAckAt(personId: number, groupId: number): number | null {
    this.lastAckStmt ??= this.db.$client.prepare('SELECT max(at) AS at FROM acknowledgements WHERE by_person_id = ? AND group_id = ?');
    const row = this.lastAckStmt.get(personId, groupId) as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  hasAck(directiveId: number, level: number, kind: AckKind, subjectId: number): boolean {
    return this.hasAckStmt.get(directiveId, level, kind, subjectId) !== undefined;
  }

  /** `provisional`: counted from an account nobody has verified, by the name it gave. */
  acksForCollege(directiveId: number, collegeId: number): { level: number; kind: AckKind; subjectId: number; late: boolean; provisional: boolean }[] {
    const rows = this.acksByCollege.all(directiveId, collegeId);
    const out: { level: number; kind: AckKind; subjectId: number; late: boolean; provisional: boolean }[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as [number, AckKind, number, number, number];
      out[i] = { level: r[0], kind: r[1], subjectId: r[2], late: r[3] === 1, provisional: r[4] === 1 };
    }
    return out;
  }

  acks(directiveId: number): { level: number; kind: AckKind; subjectId: number; late: boolean; collegeId: number | null; provisional: boolean }[] {
    return this.acksAll.all(directiveId).map((r) => ({
      level: r.level,
      kind: r.kind,
      subjectId: r.subject_id,
      late: r.late === 1,
      collegeId: r.college_id,
      provisional: r.provisional === 1,
    }));
  }

  /** Runs fn in one SQLite transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)();
  }

  /**
   * Runs fn (synchronous) atomically within the connection's group commit: together with other
   * writes asked for in the same turn of the event loop, resolving once they are committed.
   */
  batch<T>(fn: () => T): Promise<T> {
    return this.commits.run(fn);
  }
}
