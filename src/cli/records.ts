/**
 * The command line's records of people: the address book and the contact log exported (`cascade
 * addressbook`, `cascade contact-log`), and who viewed or exported personal data (`cascade access-log`).
 * Exports are scoped by --college / --class, written owner-only, and in the access log.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { formatTime, fromWallClock } from '../domain/duration.js';
import type { Scope } from '../domain/directive.js';
import type { OrgIndex } from '../domain/org-index.js';
import type { ClassUnit, College } from '../domain/org.js';
import { AccessLogRepo } from '../store/access-log-repo.js';
import { DirectiveRepo } from '../store/directive-repo.js';
import { ContactRepo } from '../store/contact-repo.js';
import { MemberRepo } from '../store/member-repo.js';
import { flag, option, withStoredOrg } from './args.js';

/** Who runs this command, for the access log: the operating-system account. */
function operator(): string {
  try {
    return `命令行:${userInfo().username}`;
  } catch {
    return '命令行';
  }
}

const ACCESS_LABELS: Record<string, string> = {
  address_book: '查看通讯录',
  call_list: '收到电话联系名单',
  non_responders: '查看未回复名单',
  contact_log: '查看家校联系记录',
  export_address_book: '导出通讯录',
  export_contact_log: '导出家校联系工作日志',
  export_directive: '导出通知回复情况',
  membership: '查看群成员核对结果',
};

/** `cascade access-log [--by 工号] [--from D] [--json]`: who viewed or exported personal data. */
export async function accessLogCommand(args: string[]): Promise<number> {
  const json = flag(args, '--json');
  const byRef = option(args, '--by');
  const fromText = option(args, '--from');
  const config = loadConfig();
  const from = fromText === undefined ? undefined : dayStart(fromText, config.school.timeZone);
  if (fromText !== undefined && from === undefined) {
    process.stderr.write('日期应写成 2026-03-01 的形式。\ncascade access-log [--by 工号] [--from 2026-03-01] [--json]\n');
    return 2;
  }
  return withStoredOrg(config, async (db, org) => {
    const by = byRef === undefined ? undefined : org.personByExtId(byRef);
    if (byRef !== undefined && !by) {
      process.stderr.write(`没有工号为“${byRef}”的人。\n`);
      return 1;
    }
    const entries = new AccessLogRepo(db).list({ ...(by ? { byPersonId: by.id } : {}), ...(from === undefined ? {} : { from }) });
    if (json) {
      process.stdout.write(`${JSON.stringify({ entries: entries.map((e) => ({ at: new Date(e.at).toISOString(), by: e.by, what: e.what, scope: e.scope })) }, null, 2)}\n`);
      return 0;
    }
    const now = Date.now();
    for (const e of entries) process.stdout.write(`${formatTime(e.at, config.school.timeZone, { now })}  ${e.by}  ${ACCESS_LABELS[e.what] ?? e.what}  ${e.scope}\n`);
    if (entries.length === 0) process.stdout.write('没有记录。\n');
    return 0;
  });
}

/** A file of people's data: readable by its owner only, also when it existed before (the mode of `writeFileSync` applies to new files only). */
function writePrivate(file: string, data: string | Buffer): void {
  writeFileSync(file, data, { mode: 0o600 });
  chmodSync(file, 0o600);
}


/** `--college` / `--class` as the org knows them, or why not (in Chinese). */
/** The unit `--college` / `--class` name, as a scope (a class, a college, or the school) and its name in words. */
interface NamedUnit {
  readonly college: College | undefined;
  readonly klass: ClassUnit | undefined;
  readonly scope: Scope;
  readonly scopeName: string;
}

function namedUnit(org: OrgIndex, collegeName: string | undefined, className: string | undefined): NamedUnit | string {
  const college = collegeName === undefined ? undefined : org.collegeNamed(collegeName);
  if (collegeName !== undefined && !college) return `没有“${collegeName}”这个学院。`;
  const klass = className === undefined ? undefined : org.classNamed(className);
  if (className !== undefined && (!klass || (college && klass.collegeId !== college.id))) return `没有“${className}”这个班级${college ? `（${college.name}）` : ''}。`;
  const scope: Scope = klass
    ? { kind: 'classes', classIds: [klass.id], collegeIds: [klass.collegeId] }
    : college
      ? { kind: 'colleges', collegeIds: [college.id] }
      : { kind: 'school' };
  return { college, klass, scope, scopeName: klass?.name ?? college?.name ?? '全校' };
}

/**
 * `cascade addressbook --format xlsx|json [--college X] [--class X] [--out f]`: the address book of a
 * scope (default: the whole school). The file holds phone numbers: written with owner-only permissions.
 */
export async function addressBookCommand(args: string[]): Promise<number> {
  const format = option(args, '--format') ?? 'xlsx';
  const collegeName = option(args, '--college');
  const className = option(args, '--class');
  const out = option(args, '--out');
  if (format !== 'json' && format !== 'xlsx') {
    process.stderr.write('cascade addressbook --format xlsx|json [--college 学院] [--class 班级] [--out 文件]\n');
    return 2;
  }
  const config = loadConfig();
  return withStoredOrg(config, async (db, org) => {
    const unit = namedUnit(org, collegeName, className);
    if (typeof unit === 'string') {
      process.stderr.write(`${unit}\n`);
      return 1;
    }
    const { AddressBookDesk } = await import('../features/contacts/desk.js');
    const { addressBookJson, addressBookWorkbook } = await import('../features/contacts/export.js');
    const desk = new AddressBookDesk({ org: () => org, contacts: new ContactRepo(db), members: new MemberRepo(db), clock: systemClock });
    const { scope } = unit;
    const src = desk.sources();
    const books = desk.classesIn(scope).flatMap((k) => desk.classBook(k.id, src) ?? []);
    const now = new Date();
    new AccessLogRepo(db).add({ at: now.getTime(), byPersonId: null, by: operator(), what: 'export_address_book', scope: unit.scopeName });
    if (format === 'json') {
      const text = `${JSON.stringify(addressBookJson(books, now), null, 2)}\n`;
      if (out) writePrivate(out, text);
      else process.stdout.write(text);
    } else {
      const file = out ?? `addressbook-${now.toISOString().slice(0, 10)}.xlsx`;
      writePrivate(file, await addressBookWorkbook(books, now, config.school.timeZone));
      process.stderr.write(`已写入 ${resolve(file)}（${books.length} 个班级；含个人电话，请妥善保管）\n`);
    }
    return 0;
  });
}

/** `YYYY-MM-DD` as the start of that day in the school's zone; undefined when malformed. */
function dayStart(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/u.exec(text.trim());
  if (!m) return undefined;
  return fromWallClock({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: 0, minute: 0 }, timeZone);
}

/**
 * `cascade contact-log --format xlsx|json [--college X] [--class X] [--by 工号] [--from D] [--to D] [--out f]`:
 * the home–school contact log (家校联系工作日志) of a scope and period; `--to` is inclusive.
 */
export async function contactLogCommand(args: string[]): Promise<number> {
  const format = option(args, '--format') ?? 'xlsx';
  const collegeName = option(args, '--college');
  const className = option(args, '--class');
  const byRef = option(args, '--by');
  const fromText = option(args, '--from');
  const toText = option(args, '--to');
  const out = option(args, '--out');
  const usage = 'cascade contact-log --format xlsx|json [--college 学院] [--class 班级] [--by 工号] [--from 2026-03-01] [--to 2026-03-31] [--out 文件]\n';
  if (format !== 'json' && format !== 'xlsx') {
    process.stderr.write(usage);
    return 2;
  }
  const config = loadConfig();
  const tz = config.school.timeZone;
  const from = fromText === undefined ? undefined : dayStart(fromText, tz);
  const toStart = toText === undefined ? undefined : dayStart(toText, tz);
  if ((fromText !== undefined && from === undefined) || (toText !== undefined && toStart === undefined)) {
    process.stderr.write(`日期应写成 2026-03-01 的形式。\n${usage}`);
    return 2;
  }
  const to = toStart === undefined ? undefined : toStart + 86_400_000;
  return withStoredOrg(config, async (db, org) => {
    const unit = namedUnit(org, collegeName, className);
    if (typeof unit === 'string') {
      process.stderr.write(`${unit}\n`);
      return 1;
    }
    const { college, klass } = unit;
    const by = byRef === undefined ? undefined : org.personByExtId(byRef);
    if (byRef !== undefined && (!by || by.kind !== 'staff')) {
      process.stderr.write(`没有工号为“${byRef}”的教职工。\n`);
      return 1;
    }
    const classes = klass ? [klass] : college ? org.classesOf(college.id) : undefined;
    const studentIds = classes?.flatMap((k) => org.studentsOf(k.id).map((p) => p.id));
    const { ContactLogRepo } = await import('../store/contact-log-repo.js');
    const { contactLogEntries, contactLogWorkbook } = await import('../features/contacts/log-export.js');
    const views = new ContactLogRepo(db).list({
      ...(studentIds ? { studentIds } : {}),
      ...(by ? { byPersonId: by.id } : {}),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
    const entries = contactLogEntries(org, views);
    const now = new Date();
    new AccessLogRepo(db).add({ at: now.getTime(), byPersonId: null, by: operator(), what: 'export_contact_log', scope: [unit.scopeName, by ? `记录人 ${by.extId}` : ''].filter((x) => x).join(' ') });
    const title = [klass?.name ?? college?.name ?? config.school.name, by ? by.name : ''].filter((x) => x).join(' ');
    if (format === 'json') {
      const text = `${JSON.stringify({ generatedAt: now.toISOString(), entries }, null, 2)}\n`;
      if (out) writePrivate(out, text);
      else process.stdout.write(text);
    } else {
      const file = out ?? `contact-log-${now.toISOString().slice(0, 10)}.xlsx`;
      writePrivate(file, await contactLogWorkbook(entries, now, tz, title));
      process.stderr.write(`已写入 ${resolve(file)}（${entries.length} 条记录）\n`);
    }
    return 0;
  });
}

/**
 * `cascade export <编号> --format xlsx|json [--college X] [--class X] [--out f]` (issue #15): who owed the
 * directive a reply in a scope, whether and when they replied, how, and what they wrote.
 */
export async function exportCommand(args: string[]): Promise<number> {
  const id = Number(args.find((a) => /^\d{1,9}$/u.test(a)));
  const format = option(args, '--format') ?? 'xlsx';
  const out = option(args, '--out');
  if (!Number.isInteger(id) || id <= 0 || (format !== 'json' && format !== 'xlsx')) {
    process.stderr.write('cascade export <编号> --format xlsx|json [--college 学院] [--class 班级] [--out 文件]\n');
    return 2;
  }
  const config = loadConfig();
  return withStoredOrg(config, async (db, org) => {
    const unit = namedUnit(org, option(args, '--college'), option(args, '--class'));
    if (typeof unit === 'string') {
      process.stderr.write(`${unit}\n`);
      return 1;
    }
    const directives = new DirectiveRepo(db);
    const d = directives.get(id);
    if (!d) {
      process.stderr.write(`没有找到第${id}号通知。\n`);
      return 1;
    }
    const { directiveExport, directiveWorkbook } = await import('../features/directives/export.js');
    const { scope, scopeName } = unit;
    const now = new Date();
    const open = d.status === 'open' && now.getTime() <= Math.max(d.createdAt, d.deadlineAt ?? 0) + config.replies.windowMs;
    const status = d.status === 'withdrawn' ? 'withdrawn' : open ? 'open' : 'closed';
    const exp = directiveExport(org, d, scope, scopeName, directives.ackDetails(d.id), status, directives.answers(d.id));
    new AccessLogRepo(db).add({ at: now.getTime(), byPersonId: null, by: operator(), what: 'export_directive', scope: `第${d.id}号通知 ${scopeName}` });
    if (format === 'json') {
      const text = `${JSON.stringify(exp, null, 2)}\n`;
      if (out) writePrivate(out, text);
      else process.stdout.write(text);
    } else {
      const file = out ?? `directive-${d.id}-${now.toISOString().slice(0, 10)}.xlsx`;
      writePrivate(file, await directiveWorkbook(exp, config.school.timeZone));
      process.stderr.write(`已写入 ${resolve(file)}（${exp.rows.length} 行；含姓名和回复内容，请妥善保管）\n`);
    }
    return 0;
  });
}
