/**
 * The home–school contact log (家校联系工作日志) as a service: staff add what they did (`/记录`), list
 * their own entries, and correct one within a day (`/更正记录`); nothing is deleted. Cascade's own
 * entries (private reminders, phone tasks, SMS) are written where those happen.
 */
import type { Clock } from '../../clock.js';
import type { CorrectArgs, RecordArgs, StaffChannel } from '../../domain/contact-commands.js';
import { scopeCovers, type Scope } from '../../domain/directive.js';
import { wallClock } from '../../domain/duration.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { Person } from '../../domain/org.js';
import type { ContactChannel, ContactEntryView, ContactLogRepo } from '../../store/contact-log-repo.js';

export const CHANNEL_LABELS: Readonly<Record<ContactChannel, string>> = {
  phone: '电话',
  sms: '短信',
  wechat: '微信',
  qq: 'QQ',
  video: '视频',
  meeting: '面谈',
  bot_private: '机器人私信',
  bot_sms: '机器人短信',
  phone_task: '电话任务',
};

/** One's own entry may be corrected this long after it was written. */
export const CORRECTION_WINDOW_MS = 24 * 3_600_000;
/** Entries `/记录` alone lists. */
const LIST_LIMIT = 10;

export const zhLog = {
  privateOnly: '家校联系记录涉及学生和家长的个人信息，请私聊机器人使用 /记录。',
  usage: '用法：/记录 学号或姓名 [本人|父亲|母亲|家长姓名] 渠道 内容 [结果：后续安排]\n渠道：电话、短信、微信、QQ、视频、面谈\n例如：/记录 2023010101 母亲 电话 告知返校时间 结果：家长已知晓',
  correctUsage: '用法：/更正记录 编号 新内容 [结果：…]（编号见 /记录；只能更正自己 24 小时内的记录，原记录会保留）',
  noStudent: '在您负责的范围内没有找到这名学生（请写学号或姓名）。',
  sameName: (n: number) => `您负责的范围内有 ${n} 名同名学生，请用学号。`,
  noGuardian: '名单中该学生没有这位家长（请写父亲、母亲等关系，或家长姓名）。',
  added: (id: number, line: string) => `已记录（编号 ${id}）：${line}`,
  none: '您还没有家校联系记录。添加：/记录 学号 渠道 内容',
  recent: (n: number) => `您最近的 ${n} 条家校联系记录：`,
  notFound: '没有这条记录。',
  notYours: '只能更正自己写的记录。',
  tooLate: '这条记录已超过 24 小时，不能再更正；请另写一条 /记录 说明。',
  corrected: (id: number, line: string) => `已更正记录 ${id}（原记录保留）：${line}`,
};

export interface ContactLogDeps {
  readonly org: () => OrgIndex;
  readonly log: ContactLogRepo;
  readonly clock: Clock;
  readonly timeZone: string;
}

export class ContactLogDesk {
  constructor(private readonly deps: ContactLogDeps) {}

  private when(at: number): string {
    const w = wallClock(at, this.deps.timeZone);
    return `${w.month}月${w.day}日 ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
  }

  /** An entry in one line: when, channel, whom, what, outcome. */
  line(e: Pick<ContactEntryView, 'at' | 'channel' | 'studentId' | 'contactLabel' | 'contactPersonId' | 'text' | 'outcome'>): string {
    const org = this.deps.org();
    const student = org.person(e.studentId)?.name ?? '?';
    const contact = e.contactPersonId === null || e.contactPersonId === e.studentId ? '' : org.person(e.contactPersonId)?.name ?? '';
    const whom = e.contactLabel === '本人' ? `${student}本人` : `${student}的${e.contactLabel}${contact && contact !== e.contactLabel ? ` ${contact}` : ''}`;
    return `${this.when(e.at)} ${CHANNEL_LABELS[e.channel]} ${whom}：${e.text}${e.outcome ? `；结果：${e.outcome}` : ''}`;
  }

  /** The student a staff member names (学号 or a name unique in their scope). */
  private student(scope: Scope, ref: string): Person | string {
    const org = this.deps.org();
    const inScope = (p: Person): boolean => p.kind === 'student' && scopeCovers(scope, { collegeId: p.collegeId, classId: p.classId });
    const byNo = org.personByExtId(ref);
    if (byNo) return inScope(byNo) ? byNo : zhLog.noStudent;
    const named = org.classes.flatMap((k) => org.studentsOf(k.id).filter((s) => s.name === ref)).filter(inScope);
    if (named.length === 1 && named[0]) return named[0];
    return named.length === 0 ? zhLog.noStudent : zhLog.sameName(named.length);
  }

  record(by: Person, scope: Scope, args: Extract<RecordArgs, { kind: 'add' }>): string {
    const org = this.deps.org();
    const student = this.student(scope, args.student);
    if (typeof student === 'string') return student;
    let contactPersonId: number | null;
    let contactLabel: string;
    const guardians = org.guardiansOf(student.id);
    if (args.who === '本人' || args.who === '学生') {
      contactPersonId = student.id;
      contactLabel = '本人';
    } else if (args.who === null || args.who === '家长' || args.who === '监护人') {
      // The family: the guardian when there is one, else the family unnamed.
      const only = guardians.length === 1 ? guardians[0] : undefined;
      contactPersonId = only?.guardianId ?? null;
      contactLabel = only?.relation ?? '家长';
    } else {
      const g = guardians.find((x) => x.relation === args.who || org.person(x.guardianId)?.name === args.who);
      if (!g) return zhLog.noGuardian;
      contactPersonId = g.guardianId;
      contactLabel = g.relation;
    }
    const entry = {
      at: this.deps.clock.now(),
      byPersonId: by.id,
      studentId: student.id,
      contactPersonId,
      contactLabel,
      channel: args.channel satisfies StaffChannel,
      text: args.text,
      outcome: args.outcome,
      source: 'staff' as const,
    };
    const id = this.deps.log.add(entry);
    return zhLog.added(id ?? 0, this.line(entry));
  }

  mine(by: Person): string {
    const entries = this.deps.log.list({ byPersonId: by.id, newestFirst: true, limit: LIST_LIMIT });
    if (entries.length === 0) return zhLog.none;
    return [zhLog.recent(entries.length), ...entries.map((e) => `${e.id}. ${this.line(e)}${e.corrected.length > 0 ? '（已更正）' : ''}`)].join('\n');
  }

  correct(by: Person, args: CorrectArgs): string {
    const original = this.deps.log.original(args.id);
    if (!original) return zhLog.notFound;
    if (original.source !== 'staff' || original.byPersonId !== by.id) return zhLog.notYours;
    const now = this.deps.clock.now();
    if (now - original.createdAt > CORRECTION_WINDOW_MS) return zhLog.tooLate;
    const first = this.deps.log.list({ studentIds: [original.studentId], byPersonId: by.id }).find((e) => e.id === original.id);
    if (!first) return zhLog.notFound;
    this.deps.log.add({
      at: first.at,
      byPersonId: by.id,
      studentId: first.studentId,
      contactPersonId: first.contactPersonId,
      contactLabel: first.contactLabel,
      channel: first.channel,
      text: args.text,
      outcome: args.outcome,
      source: 'staff',
      correctsId: original.id,
      createdAt: now,
    });
    return zhLog.corrected(original.id, this.line({ ...first, text: args.text, outcome: args.outcome }));
  }
}
