/**
 * The org read model: applying a roster to the store (one transaction, all or nothing) and loading
 * the OrgSnapshot every service reads. Raw prepared statements: a 32,000-student campus applies in seconds.
 */
import type Database from 'better-sqlite3';
import type {
  Binding,
  ClassUnit,
  College,
  Group,
  GroupKind,
  GroupLevel,
  Guardianship,
  OrgSnapshot,
  Person,
  PersonKind,
  Platform,
  PlatformGroup,
  StaffRole,
  StaffRoleGrant,
  GroupKey,
} from '../domain/org.js';
import { parseGroupKey } from '../domain/org.js';
import { KIND_LABELS, PLATFORM_LABELS, ROLE_LABELS } from '../roster/normalize.js';
import type { RosterContacts, RosterData, RosterGroup } from '../roster/types.js';
import { assertValidRoster, guardianIdentities, rosterGroupKey, type GuardianIdentity } from '../roster/validate.js';
import type { Db } from './db.js';

export type ImportKind = 'students' | 'guardians' | 'staff' | 'groups';

export interface ImportCounts {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
}

export interface ImportChange {
  kind: ImportKind;
  /** 学号 / 工号 / `家长:<学号>:<姓名>` / group key. */
  id: string;
  name: string;
  action: 'added' | 'reactivated' | 'updated' | 'removed';
  /** What changed, in words; never a phone number, QQ or 微信 id. */
  details: string[];
}

export interface ImportReport {
  importId: number;
  source: string;
  at: number;
  colleges: { added: number };
  classes: { added: number; moved: number };
  students: ImportCounts;
  guardians: ImportCounts;
  staff: ImportCounts;
  groups: ImportCounts;
  /** Roster bindings in force, and roster accounts left out because a confirmed binding names someone else. */
  bindings: { roster: number; conflicts: number };
  changes: ImportChange[];
  /** Changes not listed in `changes`. */
  changesOmitted: number;
}

/** Most changes listed in a report; the rest are counted. */
export const MAX_LISTED_CHANGES = 100;

export interface ApplyRosterOptions {
  /** Where the roster came from (a file path), recorded in `imports`. */
  source: string;
  /** Epoch ms. */
  now: number;
}

/**
 * Validates the roster and makes the store match it, in one transaction: nothing is written if anything fails.
 * People absent from the roster are deactivated, not deleted (directives and acknowledgements refer to them).
 */
export function applyRoster(db: Db, roster: RosterData, opts: ApplyRosterOptions): ImportReport {
  assertValidRoster(roster);
  const sqlite = db.$client;
  const apply = sqlite.transaction(() => new RosterImport(sqlite, roster, opts).run());
  return apply.immediate();
}

/**
 * What applying the roster would change, without changing anything (the console's dry run): the import
 * runs in a transaction that is rolled back.
 */
export function previewRoster(db: Db, roster: RosterData, opts: ApplyRosterOptions): ImportReport {
  assertValidRoster(roster);
  const sqlite = db.$client;
  const rollback = new Error('roster preview: rolled back');
  let report: ImportReport | undefined;
  try {
    sqlite
      .transaction(() => {
        report = new RosterImport(sqlite, roster, opts).run();
        throw rollback;
      })
      .immediate();
  } catch (error) {
    if (error !== rollback) throw error;
  }
  if (!report) throw new Error('roster preview produced no report');
  return report;
}

const zeroCounts = (): ImportCounts => ({ added: 0, updated: 0, unchanged: 0, removed: 0 });

interface PersonRow {
  id: number;
  kind: PersonKind;
  ext_id: string;
  name: string;
  college_id: number | null;
  class_id: number | null;
  phone: string | null;
  qq: string | null;
  wechat: string | null;
  active: number;
}

interface DesiredPerson {
  kind: PersonKind;
  extId: string;
  name: string;
  collegeId: number | null;
  classId: number | null;
  phone: string | null;
  qq: string | null;
  wechat: string | null;
}

interface GroupRow {
  id: number;
  key: string;
  level: number;
  kind: string;
  name: string;
  college_id: number | null;
  class_id: number | null;
}

interface PlatformGroupRow {
  id: number;
  group_id: number;
  platform: Platform;
  chat_id: string;
  accounts: string;
  name: string;
}

const KIND_OF_PERSON: Record<PersonKind, ImportKind> = { student: 'students', staff: 'staff', guardian: 'guardians' };
const PERSON_KIND_LABELS: Record<PersonKind, string> = { student: '学生', staff: '教职工', guardian: '家长' };

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function contactsOf(p: RosterContacts): Pick<DesiredPerson, 'phone' | 'qq' | 'wechat'> {
  return { phone: p.phone || null, qq: p.qq || null, wechat: p.wechat || null };
}

const chatKey = (platform: string, id: string): string => `${platform}\u0000${id}`;

class RosterImport {
  private readonly report: ImportReport;
  /** Listed changes by action, most telling first; each capped at MAX_LISTED_CHANGES. */
  private readonly changes: Record<ImportChange['action'], ImportChange[]> = {
    updated: [],
    removed: [],
    reactivated: [],
    added: [],
  };
  private changeCount = 0;
  private readonly collegeIds = new Map<string, number>();
  private readonly collegeNames = new Map<number, string>();
  private readonly classIds = new Map<string, number>();
  private readonly classNames = new Map<number, string>();
  private readonly classCollege = new Map<number, number>();
  private readonly existing = new Map<string, PersonRow>();
  /** ext_id → person id of everyone in the roster, after the upsert. */
  private readonly personIds = new Map<string, number>();
  private readonly stmts;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly roster: RosterData,
    private readonly opts: ApplyRosterOptions,
  ) {
    this.report = {
      importId: 0,
      source: opts.source,
      at: opts.now,
      colleges: { added: 0 },
      classes: { added: 0, moved: 0 },
      students: zeroCounts(),
      guardians: zeroCounts(),
      staff: zeroCounts(),
      groups: zeroCounts(),
      bindings: { roster: 0, conflicts: 0 },
      changes: [],
      changesOmitted: 0,
    };
    const p = (sql: string): Database.Statement => sqlite.prepare(sql);
    this.stmts = {
      insertCollege: p('INSERT INTO colleges (name) VALUES (?)'),
      insertClass: p('INSERT INTO classes (name, college_id) VALUES (?, ?)'),
      moveClass: p('UPDATE classes SET college_id = ? WHERE id = ?'),
      insertPerson: p(
        `INSERT INTO persons (kind, ext_id, name, college_id, class_id, phone, qq, wechat, active, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
      ),
      updatePerson: p(
        `UPDATE persons SET kind = ?, name = ?, college_id = ?, class_id = ?, phone = ?, qq = ?, wechat = ?,
         active = 1, updated_at = ? WHERE id = ?`,
      ),
      deactivate: p('UPDATE persons SET active = 0, updated_at = ? WHERE id = ?'),
      deleteRoles: p('DELETE FROM staff_roles WHERE person_id = ?'),
      insertRole: p('INSERT INTO staff_roles (person_id, role, college_id) VALUES (?, ?, ?)'),
      deleteCounselorClasses: p('DELETE FROM counselor_classes WHERE person_id = ?'),
      insertCounselorClass: p('INSERT INTO counselor_classes (person_id, class_id) VALUES (?, ?)'),
      deleteWards: p('DELETE FROM guardianships WHERE guardian_id = ?'),
      insertWard: p('INSERT INTO guardianships (guardian_id, student_id, relation) VALUES (?, ?, ?)'),
      insertGroup: p('INSERT INTO groups (key, level, kind, name, college_id, class_id) VALUES (?, ?, ?, ?, ?, ?)'),
      updateGroup: p('UPDATE groups SET level = ?, kind = ?, name = ?, college_id = ?, class_id = ? WHERE id = ?'),
      insertPlatformGroup: p(
        'INSERT INTO platform_groups (group_id, platform, chat_id, accounts, name) VALUES (?, ?, ?, ?, ?)',
      ),
      updatePlatformGroup: p('UPDATE platform_groups SET group_id = ?, accounts = ?, name = ? WHERE id = ?'),
      deletePlatformGroup: p('DELETE FROM platform_groups WHERE id = ?'),
      insertBinding: p(
        `INSERT INTO bindings (platform, platform_user_id, person_id, source, created_at) VALUES (?, ?, ?, 'roster', ?)`,
      ),
      deleteBinding: p(`DELETE FROM bindings WHERE platform = ? AND platform_user_id = ? AND source = 'roster'`),
      insertImport: p('INSERT INTO imports (source, at, summary) VALUES (?, ?, ?)'),
    };
  }

  run(): ImportReport {
    this.upsertUnits();
    for (const row of this.sqlite.prepare('SELECT * FROM persons').all() as PersonRow[]) this.existing.set(row.ext_id, row);
    this.upsertStudents();
    this.upsertStaff();
    const guardians = guardianIdentities(this.roster.guardians);
    this.upsertGuardians(guardians);
    this.deactivateAbsent();
    this.upsertGroups();
    this.syncBindings(guardians);
    const c = this.changes;
    this.report.changes = [...c.updated, ...c.removed, ...c.reactivated, ...c.added].slice(0, MAX_LISTED_CHANGES);
    this.report.changesOmitted = this.changeCount - this.report.changes.length;
    const summary = JSON.stringify({ ...this.report, importId: undefined });
    const info = this.stmts.insertImport.run(this.opts.source, this.opts.now, summary);
    this.report.importId = Number(info.lastInsertRowid);
    return this.report;
  }

  // Colleges and classes come from the students; staff and groups only refer to them (validated).
  private upsertUnits(): void {
    for (const row of this.sqlite.prepare('SELECT id, name FROM colleges').all() as { id: number; name: string }[]) {
      this.collegeIds.set(row.name, row.id);
      this.collegeNames.set(row.id, row.name);
    }
    const classRows = this.sqlite.prepare('SELECT id, name, college_id FROM classes').all() as {
      id: number;
      name: string;
      college_id: number;
    }[];
    for (const row of classRows) {
      this.classIds.set(row.name, row.id);
      this.classNames.set(row.id, row.name);
      this.classCollege.set(row.id, row.college_id);
    }
    const seenClasses = new Set<string>();
    for (const s of this.roster.students) {
      const collegeId = this.ensureCollege(s.college);
      if (seenClasses.has(s.className)) continue;
      seenClasses.add(s.className);
      const classId = this.classIds.get(s.className);
      if (classId === undefined) {
        const id = Number(this.stmts.insertClass.run(s.className, collegeId).lastInsertRowid);
        this.classIds.set(s.className, id);
        this.classNames.set(id, s.className);
        this.classCollege.set(id, collegeId);
        this.report.classes.added++;
      } else if (this.classCollege.get(classId) !== collegeId) {
        this.stmts.moveClass.run(collegeId, classId);
        this.classCollege.set(classId, collegeId);
        this.report.classes.moved++;
      }
    }
  }

  private ensureCollege(name: string): number {
    const id = this.collegeIds.get(name);
    if (id !== undefined) return id;
    const added = Number(this.stmts.insertCollege.run(name).lastInsertRowid);
    this.collegeIds.set(name, added);
    this.collegeNames.set(added, name);
    this.report.colleges.added++;
    return added;
  }

  private collegeId(name: string | null): number | null {
    return name ? (this.collegeIds.get(name) ?? null) : null;
  }

  private classId(name: string): number {
    const id = this.classIds.get(name);
    if (id === undefined) throw new Error(`class ${name} missing after upsert`);
    return id;
  }

  private upsertStudents(): void {
    for (const s of this.roster.students) {
      const classId = this.classId(s.className);
      this.upsertPerson(
        {
          kind: 'student',
          extId: s.studentNo,
          name: s.name,
          collegeId: this.classCollege.get(classId) ?? null,
          classId,
          ...contactsOf(s),
        },
        [],
      );
    }
  }

  private upsertStaff(): void {
    const roles = new Map<number, string[]>();
    for (const r of this.sqlite.prepare('SELECT person_id, role, college_id FROM staff_roles').all() as {
      person_id: number;
      role: StaffRole;
      college_id: number;
    }[]) {
      pushTo(roles, r.person_id, `${r.role}\u0000${r.college_id}`);
    }
    const taught = new Map<number, number[]>();
    for (const r of this.sqlite.prepare('SELECT person_id, class_id FROM counselor_classes').all() as {
      person_id: number;
      class_id: number;
    }[]) {
      pushTo(taught, r.person_id, r.class_id);
    }
    for (const p of this.roster.staff) {
      const grants = p.roles.map((r) => ({ role: r.role, collegeId: this.collegeId(r.college) ?? 0 }));
      const wantRoles = [...new Set(grants.map((g) => `${g.role}\u0000${g.collegeId}`))].sort();
      const wantClasses = [...new Set(p.classes.map((c) => this.classId(c)))].sort((a, b) => a - b);
      const before = this.existing.get(p.staffNo);
      const extra: string[] = [];
      const oldRoles = before ? (roles.get(before.id) ?? []).sort() : [];
      const oldClasses = before ? (taught.get(before.id) ?? []).sort((a, b) => a - b) : [];
      const rolesChanged = oldRoles.join('|') !== wantRoles.join('|');
      const classesChanged = oldClasses.join('|') !== wantClasses.join('|');
      if (before && rolesChanged) extra.push(`角色：${this.roleText(oldRoles)}→${this.roleText(wantRoles)}`);
      if (before && classesChanged) {
        extra.push(`负责班级：${this.classText(oldClasses)}→${this.classText(wantClasses)}`);
      }
      const id = this.upsertPerson(
        {
          kind: 'staff',
          extId: p.staffNo,
          name: p.name,
          collegeId: this.collegeId(p.college),
          classId: null,
          ...contactsOf(p),
        },
        extra,
      );
      if (!before || rolesChanged) {
        if (before) this.stmts.deleteRoles.run(id);
        for (const key of wantRoles) {
          const [role, college] = key.split('\u0000');
          this.stmts.insertRole.run(id, role, Number(college));
        }
      }
      if (!before || classesChanged) {
        if (before) this.stmts.deleteCounselorClasses.run(id);
        for (const classId of wantClasses) this.stmts.insertCounselorClass.run(id, classId);
      }
    }
  }

  private roleText(keys: readonly string[]): string {
    if (keys.length === 0) return '无';
    return keys
      .map((key) => {
        const [role, college] = key.split('\u0000') as [StaffRole, string];
        const collegeName = this.collegeNames.get(Number(college));
        return collegeName ? `${ROLE_LABELS[role]}（${collegeName}）` : ROLE_LABELS[role];
      })
      .join('、');
  }

  private classText(ids: readonly number[]): string {
    return ids.length === 0 ? '无' : ids.map((id) => this.classNames.get(id) ?? String(id)).join('、');
  }

  private upsertGuardians(guardians: readonly GuardianIdentity[]): void {
    // Most guardians have one ward: keep each guardian's wards as one sortable string, no arrays.
    const wards = new Map<number, string>();
    for (const r of this.sqlite.prepare('SELECT guardian_id, student_id, relation FROM guardianships').all() as {
      guardian_id: number;
      student_id: number;
      relation: string;
    }[]) {
      const ward = `${r.student_id}\u0000${r.relation}`;
      const had = wards.get(r.guardian_id);
      wards.set(r.guardian_id, had === undefined ? ward : `${had}\u0001${ward}`);
    }
    const studentCollege = new Map<string, number | null>();
    for (const s of this.roster.students) studentCollege.set(s.studentNo, this.collegeId(s.college));
    for (const g of guardians) {
      const want = g.wards.map((w) => `${this.personIds.get(w.studentNo) ?? 0}\u0000${w.relation}`);
      if (want.length > 1) want.sort();
      const before = this.existing.get(g.extId);
      const oldText = before ? wards.get(before.id) : undefined;
      const old = oldText === undefined ? [] : oldText.includes('\u0001') ? oldText.split('\u0001').sort() : [oldText];
      const changed = old.length !== want.length || old.some((w, i) => w !== want[i]);
      const extra: string[] = [];
      if (before && changed) extra.push(this.wardChange(old, want));
      const first = g.wards[0];
      const id = this.upsertPerson(
        {
          kind: 'guardian',
          extId: g.extId,
          name: g.name,
          collegeId: first ? (studentCollege.get(first.studentNo) ?? null) : null,
          classId: null,
          phone: g.phone || null,
          qq: g.qq || null,
          wechat: g.wechat || null,
        },
        extra,
      );
      if (!before || changed) {
        if (before) this.stmts.deleteWards.run(id);
        for (const key of want) {
          const [studentId, relation] = key.split('\u0000');
          this.stmts.insertWard.run(id, Number(studentId), relation);
        }
      }
    }
  }

  private wardChange(old: readonly string[], want: readonly string[]): string {
    const students = (keys: readonly string[]): string => keys.map((k) => k.split('\u0000')[0]).join(',');
    if (students(old) === students(want)) {
      const relations = (keys: readonly string[]): string => keys.map((k) => k.split('\u0000')[1]).join('、');
      return `关系：${relations(old) || '无'}→${relations(want)}`;
    }
    return '所属学生已更新';
  }

  /** Inserts, updates or reactivates one person; returns the id. `extra` lists changes found by the caller. */
  private upsertPerson(want: DesiredPerson, extra: string[]): number {
    const now = this.opts.now;
    const counts = this.report[KIND_OF_PERSON[want.kind]];
    const before = this.existing.get(want.extId);
    if (!before) {
      const id = Number(
        this.stmts.insertPerson.run(
          want.kind,
          want.extId,
          want.name,
          want.collegeId,
          want.classId,
          want.phone,
          want.qq,
          want.wechat,
          now,
        ).lastInsertRowid,
      );
      this.personIds.set(want.extId, id);
      counts.added++;
      this.note(KIND_OF_PERSON[want.kind], want.extId, want.name, 'added', []);
      return id;
    }
    this.personIds.set(want.extId, before.id);
    const details = [...this.personChanges(before, want), ...extra];
    const reactivated = before.active === 0;
    if (details.length > 0 || reactivated) {
      this.stmts.updatePerson.run(
        want.kind,
        want.name,
        want.collegeId,
        want.classId,
        want.phone,
        want.qq,
        want.wechat,
        now,
        before.id,
      );
    }
    if (reactivated) {
      counts.added++;
      this.note(KIND_OF_PERSON[want.kind], want.extId, want.name, 'reactivated', details);
    } else if (details.length > 0) {
      counts.updated++;
      this.note(KIND_OF_PERSON[want.kind], want.extId, want.name, 'updated', details);
    } else counts.unchanged++;
    return before.id;
  }

  private personChanges(before: PersonRow, want: DesiredPerson): string[] {
    const out: string[] = [];
    if (before.kind !== want.kind) out.push(`类别：${PERSON_KIND_LABELS[before.kind]}→${PERSON_KIND_LABELS[want.kind]}`);
    if (before.name !== want.name) out.push(`姓名：${before.name}→${want.name}`);
    const collegeName = (id: number | null): string => (id === null ? '无' : (this.collegeNames.get(id) ?? '无'));
    const className = (id: number | null): string => (id === null ? '无' : (this.classNames.get(id) ?? '无'));
    if (before.class_id !== want.classId) out.push(`班级：${className(before.class_id)}→${className(want.classId)}`);
    else if (before.college_id !== want.collegeId) {
      out.push(`学院：${collegeName(before.college_id)}→${collegeName(want.collegeId)}`);
    }
    // Contact details are sensitive: say that they changed, never what they are.
    if (before.phone !== want.phone) out.push('手机已更新');
    if (before.qq !== want.qq) out.push('QQ已更新');
    if (before.wechat !== want.wechat) out.push('微信已更新');
    return out;
  }

  private deactivateAbsent(): void {
    for (const row of this.existing.values()) {
      if (row.active === 0 || this.personIds.has(row.ext_id)) continue;
      this.stmts.deactivate.run(this.opts.now, row.id);
      this.report[KIND_OF_PERSON[row.kind]].removed++;
      this.note(KIND_OF_PERSON[row.kind], row.ext_id, row.name, 'removed', []);
    }
  }

  private upsertGroups(): void {
    const existing = new Map<string, GroupRow>();
    for (const row of this.sqlite.prepare('SELECT * FROM groups').all() as GroupRow[]) existing.set(row.key, row);
    const byChat = new Map<string, PlatformGroupRow>();
    const byGroup = new Map<number, PlatformGroupRow[]>();
    for (const row of this.sqlite.prepare('SELECT * FROM platform_groups').all() as PlatformGroupRow[]) {
      byChat.set(chatKey(row.platform, row.chat_id), row);
      pushTo(byGroup, row.group_id, row);
    }
    const rowsByKey = new Map<string, RosterGroup[]>();
    for (const g of this.roster.groups) pushTo(rowsByKey, rosterGroupKey(g), g);

    const keptChats = new Set<string>();
    for (const [key, rows] of rowsByKey) {
      const first = rows[0];
      if (!first) continue;
      const classId = first.level === 3 && first.className ? this.classId(first.className) : null;
      const collegeId = classId !== null ? (this.classCollege.get(classId) ?? null) : this.collegeId(first.college);
      const before = existing.get(key);
      const details: string[] = [];
      let groupId: number;
      if (!before) {
        groupId = Number(
          this.stmts.insertGroup.run(key, first.level, first.kind, first.name, collegeId, classId).lastInsertRowid,
        );
      } else {
        groupId = before.id;
        if (before.name !== first.name) details.push(`名称：${before.name}→${first.name}`);
        if (before.kind !== first.kind) details.push(`种类：${before.kind}→${KIND_LABELS[first.kind]}`);
        const unitChanged =
          before.college_id !== collegeId || before.class_id !== classId || before.level !== first.level;
        if (details.length > 0 || unitChanged) {
          this.stmts.updateGroup.run(first.level, first.kind, first.name, collegeId, classId, groupId);
        }
      }
      for (const g of rows) {
        const ck = chatKey(g.platform, g.chatId);
        keptChats.add(ck);
        const accounts = g.accounts.join(',');
        const label = `${PLATFORM_LABELS[g.platform]}群 ${g.chatId}`;
        const pg = byChat.get(ck);
        if (!pg) {
          this.stmts.insertPlatformGroup.run(groupId, g.platform, g.chatId, accounts, g.name);
          if (before) details.push(`新增${label}`);
        } else if (pg.group_id !== groupId || pg.accounts !== accounts || pg.name !== g.name) {
          this.stmts.updatePlatformGroup.run(groupId, accounts, g.name, pg.id);
          if (pg.group_id !== groupId) details.push(`${label}改属本群`);
          else if (pg.accounts !== accounts) details.push(`${label}的机器人账号已更新`);
          else details.push(`${label}的群名已更新`);
        }
      }
      const hadChats = before ? (byGroup.get(before.id) ?? []) : [];
      for (const pg of hadChats) {
        if (!rows.some((g) => g.platform === pg.platform && g.chatId === pg.chat_id)) {
          details.push(`移除${PLATFORM_LABELS[pg.platform]}群 ${pg.chat_id}`);
        }
      }
      const counts = this.report.groups;
      if (!before || hadChats.length === 0) {
        counts.added++;
        this.note('groups', key, first.name, before ? 'reactivated' : 'added', []);
      } else if (details.length > 0) {
        counts.updated++;
        this.note('groups', key, first.name, 'updated', details);
      } else counts.unchanged++;
    }

    // A logical group with no platform group left is out of the roster: the snapshot leaves it out.
    for (const [chat, pg] of byChat) {
      if (!keptChats.has(chat)) this.stmts.deletePlatformGroup.run(pg.id);
    }
    for (const row of existing.values()) {
      if (rowsByKey.has(row.key) || (byGroup.get(row.id) ?? []).length === 0) continue;
      this.report.groups.removed++;
      this.note('groups', row.key, row.name, 'removed', []);
    }
  }

  private syncBindings(guardians: readonly GuardianIdentity[]): void {
    // Per platform: platform user id → person id. Roster bindings still wanted are deleted from `stale` as found.
    const stale: Record<Platform, Map<string, number>> = { qq: new Map(), wechat: new Map() };
    const confirmed: Record<Platform, Map<string, number>> = { qq: new Map(), wechat: new Map() };
    const bindings = this.sqlite.prepare('SELECT platform, platform_user_id, person_id, source FROM bindings');
    const rows = bindings.all() as {
      platform: Platform;
      platform_user_id: string;
      person_id: number;
      source: string;
    }[];
    for (const b of rows) (b.source === 'roster' ? stale : confirmed)[b.platform].set(b.platform_user_id, b.person_id);
    const bind = (platform: Platform, userId: string | undefined, personId: number): void => {
      if (!userId) return;
      const other = confirmed[platform].get(userId);
      if (other !== undefined) {
        // A binding someone confirmed outranks the roster; a different person there is a conflict to report.
        if (other !== personId) this.report.bindings.conflicts++;
        return;
      }
      this.report.bindings.roster++;
      const had = stale[platform].get(userId);
      if (had !== undefined) {
        stale[platform].delete(userId);
        if (had === personId) return;
        this.stmts.deleteBinding.run(platform, userId);
      }
      this.stmts.insertBinding.run(platform, userId, personId, this.opts.now);
    };
    const bindPerson = (extId: string, p: RosterContacts): void => {
      const personId = this.personIds.get(extId);
      if (personId === undefined) return;
      bind('qq', p.qq, personId);
      bind('wechat', p.wechat, personId);
    };
    for (const p of this.roster.students) bindPerson(p.studentNo, p);
    for (const p of this.roster.staff) bindPerson(p.staffNo, p);
    for (const g of guardians) bindPerson(g.extId, g);
    for (const platform of ['qq', 'wechat'] as const) {
      for (const userId of stale[platform].keys()) this.stmts.deleteBinding.run(platform, userId);
    }
  }

  private note(kind: ImportKind, id: string, name: string, action: ImportChange['action'], details: string[]): void {
    this.changeCount++;
    const list = this.changes[action];
    if (list.length < MAX_LISTED_CHANGES) list.push({ kind, id, name, action, details });
  }
}

/** Whether the store holds no org yet (no active person, no platform group): time to import a roster. */
export function isOrgEmpty(db: Db): boolean {
  const row = db.$client
    .prepare(
      `SELECT NOT EXISTS (SELECT 1 FROM persons WHERE active = 1)
          AND NOT EXISTS (SELECT 1 FROM platform_groups) AS empty`,
    )
    .get() as { empty: number };
  return row.empty === 1;
}

const NO_ROLES: readonly StaffRoleGrant[] = Object.freeze([]);
const NO_CLASSES: readonly number[] = Object.freeze([]);

/**
 * The org as services see it: active people, their roles and wards, and the groups backed by at least
 * one platform group (a group dropped from the roster keeps its row for history but has none).
 */
export function loadOrgSnapshot(db: Db, schoolName: string): OrgSnapshot {
  const sqlite = db.$client;
  const read = sqlite.transaction((): OrgSnapshot => {
    const all = <T>(sql: string): T[] => sqlite.prepare(sql).all() as T[];
    const roles = new Map<number, StaffRoleGrant[]>();
    for (const r of all<{ person_id: number; role: StaffRole; college_id: number }>(
      `SELECT r.person_id, r.role, r.college_id FROM staff_roles r
         JOIN persons p ON p.id = r.person_id WHERE p.active = 1 ORDER BY r.person_id, r.role, r.college_id`,
    )) {
      pushTo(roles, r.person_id, { role: r.role, collegeId: r.college_id === 0 ? null : r.college_id });
    }
    const counselorOf = new Map<number, number[]>();
    for (const r of all<{ person_id: number; class_id: number }>(
      `SELECT c.person_id, c.class_id FROM counselor_classes c
         JOIN persons p ON p.id = c.person_id WHERE p.active = 1 ORDER BY c.person_id, c.class_id`,
    )) {
      pushTo(counselorOf, r.person_id, r.class_id);
    }
    const people: Person[] = all<{
      id: number;
      kind: PersonKind;
      ext_id: string;
      name: string;
      college_id: number | null;
      class_id: number | null;
    }>('SELECT id, kind, ext_id, name, college_id, class_id FROM persons WHERE active = 1 ORDER BY id').map((r) => ({
      id: r.id,
      kind: r.kind,
      extId: r.ext_id,
      name: r.name,
      collegeId: r.college_id,
      classId: r.class_id,
      roles: roles.get(r.id) ?? NO_ROLES,
      counselorOf: counselorOf.get(r.id) ?? NO_CLASSES,
    }));
    const guardianships: Guardianship[] = all<{ guardian_id: number; student_id: number; relation: string }>(
      `SELECT g.guardian_id, g.student_id, g.relation FROM guardianships g
         JOIN persons a ON a.id = g.guardian_id JOIN persons s ON s.id = g.student_id
        WHERE a.active = 1 AND s.active = 1 ORDER BY g.student_id, g.guardian_id`,
    ).map((r) => ({ guardianId: r.guardian_id, studentId: r.student_id, relation: r.relation }));
    const groups: Group[] = all<GroupRow>(
      `SELECT id, key, level, kind, name, college_id, class_id FROM groups g
        WHERE EXISTS (SELECT 1 FROM platform_groups pg WHERE pg.group_id = g.id) ORDER BY id`,
    ).map((r) => ({
      id: r.id,
      key: storedGroupKey(r.key),
      level: r.level as GroupLevel,
      kind: r.kind as GroupKind,
      name: r.name,
      collegeId: r.college_id,
      classId: r.class_id,
    }));
    const platformGroups: PlatformGroup[] = all<PlatformGroupRow>(
      'SELECT id, group_id, platform, chat_id, accounts FROM platform_groups ORDER BY group_id, id',
    ).map((r) => ({
      id: r.id,
      groupId: r.group_id,
      platform: r.platform,
      chatId: r.chat_id,
      accounts: r.accounts.split(',').filter((a) => a),
    }));
    const bindings: Binding[] = all<{ platform: Platform; platform_user_id: string; person_id: number }>(
      `SELECT b.platform, b.platform_user_id, b.person_id FROM bindings b
         JOIN persons p ON p.id = b.person_id WHERE p.active = 1`,
    ).map((r) => ({ platform: r.platform, platformUserId: r.platform_user_id, personId: r.person_id }));

    // Colleges and classes still in use: by an active person, a counselor, or a group.
    const usedClasses = new Set<number>();
    const usedColleges = new Set<number>();
    for (const p of people) {
      if (p.classId !== null) usedClasses.add(p.classId);
      if (p.collegeId !== null) usedColleges.add(p.collegeId);
      for (const c of p.counselorOf) usedClasses.add(c);
      for (const r of p.roles) if (r.collegeId !== null) usedColleges.add(r.collegeId);
    }
    for (const g of groups) {
      if (g.classId !== null) usedClasses.add(g.classId);
      if (g.collegeId !== null) usedColleges.add(g.collegeId);
    }
    const classes: ClassUnit[] = all<{ id: number; name: string; college_id: number }>(
      'SELECT id, name, college_id FROM classes ORDER BY id',
    )
      .filter((r) => usedClasses.has(r.id))
      .map((r) => ({ id: r.id, name: r.name, collegeId: r.college_id }));
    for (const c of classes) usedColleges.add(c.collegeId);
    const colleges: College[] = all<{ id: number; name: string }>('SELECT id, name FROM colleges ORDER BY id').filter((r) =>
      usedColleges.has(r.id),
    );
    return { schoolName, colleges, classes, people, guardianships, groups, platformGroups, bindings };
  });
  return read();
}

const ACTION_MARKS: Record<ImportChange['action'], string> = { added: '+', reactivated: '+', updated: '~', removed: '-' };
const KIND_WORDS: Record<ImportKind, string> = { students: '学生', guardians: '家长', staff: '教职工', groups: '群' };

function personLabel(c: ImportChange): string {
  if (c.kind !== 'guardians') return c.id;
  const studentNo = c.id.split(':')[1];
  return studentNo ? `学生 ${studentNo} 的家长` : c.id;
}

/** The report for people (the CLI): counts, then what changed. Never contains a phone number or account id. */
/** With more changes than this, additions are only counted, not listed. */
const ADDED_LISTED_MAX = 20;

export function formatImportReport(report: ImportReport): string {
  const lines = [`花名册已导入（来源：${report.source}）`];
  for (const kind of ['students', 'guardians', 'staff', 'groups'] as const) {
    const c = report[kind];
    lines.push(`  ${KIND_WORDS[kind]}：新增 ${c.added}，更新 ${c.updated}，未变 ${c.unchanged}，移除 ${c.removed}`);
  }
  if (report.colleges.added > 0 || report.classes.added > 0) {
    lines.push(`  新学院 ${report.colleges.added} 个，新班级 ${report.classes.added} 个`);
  }
  if (report.classes.moved > 0) lines.push(`  ${report.classes.moved} 个班级改属其他学院`);
  lines.push(`  花名册账号绑定 ${report.bindings.roster} 个`);
  if (report.bindings.conflicts > 0) {
    lines.push(`  ${report.bindings.conflicts} 个账号已被确认绑定给其他人，保留原绑定，请核对`);
  }
  // Additions are already counted above; listing hundreds of them on a first import hides what matters.
  const listed = report.changes.filter((c) => c.action !== 'added' || report.changes.length <= ADDED_LISTED_MAX);
  const unlisted = report.changesOmitted + report.changes.length - listed.length;
  if (listed.length > 0) {
    lines.push('变更：');
    for (const c of listed) {
      const who = c.kind === 'groups' ? `群 ${c.name}` : `${KIND_WORDS[c.kind]} ${c.name}（${personLabel(c)}）`;
      const what =
        c.action === 'added'
          ? '新增'
          : c.action === 'reactivated'
            ? ['重新启用', ...c.details].join('；')
            : c.action === 'removed'
              ? '已移除（停用，历史记录保留）'
              : c.details.join('；');
      lines.push(`  ${ACTION_MARKS[c.action]} ${who}：${what}`);
    }
  }
  if (unlisted > 0) lines.push(`  ……另有 ${unlisted} 项变更未列出（新增的只计数）`);
  return lines.join('\n');
}

/** A group key as stored; the import only ever writes keys built by `groupKey`. */
function storedGroupKey(text: string): GroupKey {
  const key = parseGroupKey(text);
  if (key === null) throw new Error(`the store holds a malformed group key: ${text}`);
  return key;
}
