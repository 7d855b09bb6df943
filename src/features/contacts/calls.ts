/**
 * `/已联系 <编号> <结果>`: a counselor phoned a family (or student) from a call list. The call goes into
 * the contact log; when the result reads as the family having got the notice, it counts as their reply
 * (`via = 'call'`) for that directive.
 */
import type { Clock } from '../../clock.js';
import type { CalledArgs } from '../../domain/contact-commands.js';
import type { Directive } from '../../domain/directive.js';
import { scopeCovers, type Scope } from '../../domain/directive.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { Person } from '../../domain/org.js';
import { obligationGroup } from '../../domain/progress.js';
import { understandReply } from '../../domain/understanding.js';
import type { CallTaskRepo } from '../../store/call-task-repo.js';
import type { ContactLogRepo } from '../../store/contact-log-repo.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';

export const zhCalls = {
  usage: '用法：/已联系 编号 结果（编号见催办私信中的电话联系名单），例如：/已联系 12 家长已收到',
  notFound: '没有这个编号的电话联系任务。',
  notYours: '这个联系任务不在您负责的范围内。',
  counted: (who: string, id: number, result: string) => `已记录：${who}，第${id}号通知，${result}。已计为已回复（电话联系）。`,
  notCounted: (who: string, id: number, result: string) =>
    `已记录：${who}，第${id}号通知，${result}。未计为已回复；如对方已收到，请回复“/已联系 编号 已收到”。`,
};

export interface CallDeskDeps {
  readonly org: () => OrgIndex;
  readonly calls: CallTaskRepo;
  readonly log: ContactLogRepo;
  readonly directives: DirectiveRepo;
  readonly clock: Clock;
  /** An acknowledgement read at least this sure counts (replies.countAtOrAbove). */
  readonly countAtOrAbove: number;
  /** Whether the directive still takes replies (the relay's rule). */
  readonly accepts: (d: Directive) => boolean;
}

export class CallDesk {
  constructor(private readonly deps: CallDeskDeps) {}

  called(by: Person, scope: Scope, inboundId: number, args: CalledArgs): string {
    const org = this.deps.org();
    const task = this.deps.calls.get(args.id);
    if (!task) return zhCalls.notFound;
    const student = org.person(task.subjectId);
    if (!student) return zhCalls.notFound;
    if (task.personId !== by.id && !scopeCovers(scope, { collegeId: student.collegeId, classId: student.classId })) return zhCalls.notYours;
    const d = this.deps.directives.get(task.directiveId);
    const now = this.deps.clock.now();
    const guardians = org.guardiansOf(student.id);
    const family = task.level === 4;
    const only = family && guardians.length === 1 ? guardians[0] : undefined;
    this.deps.log.add({
      at: now,
      byPersonId: by.id,
      studentId: student.id,
      contactPersonId: family ? (only?.guardianId ?? null) : student.id,
      contactLabel: family ? (only?.relation ?? '家长') : '本人',
      channel: 'phone',
      text: `电话联系：第${task.directiveId}号通知${task.kind === 'ack' ? '未回复' : '未报告落实'}`,
      outcome: args.result,
      source: 'staff',
    });
    this.deps.calls.done(task.id, by.id, now);
    const who = family ? `${student.name}家长` : student.name;
    const u = understandReply(args.result, { replyHint: d?.replyHint ?? '收到' });
    const reads = task.kind === 'ack' ? u.label === 'ack' || u.label === 'done' : u.label === 'done';
    if (!d || !this.deps.accepts(d) || !reads || u.confidence < this.deps.countAtOrAbove || task.collegeId === null) return zhCalls.notCounted(who, task.directiveId, args.result);
    const group = obligationGroup(org, { level: task.level as 3 | 4, subjectId: student.id, collegeId: task.collegeId, classId: task.classId });
    if (!group) return zhCalls.notCounted(who, task.directiveId, args.result);
    this.deps.directives.acknowledge([
      {
        directiveId: d.id,
        level: task.level,
        kind: task.kind,
        subjectId: student.id,
        byPersonId: null,
        collegeId: task.collegeId,
        classId: task.classId,
        groupId: group.id,
        inboundId,
        at: now,
        late: d.deadlineAt !== null && now > d.deadlineAt,
        via: 'call',
      },
    ]);
    return zhCalls.counted(who, task.directiveId, args.result);
  }
}
