/**
 * What the chaser posts and answers: reminders, lists for the people responsible, deadline summaries, `/催办`.
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */

/** What a chase message is about: not replied yet, or replied and not yet reported done. */
export type ChaseKind = 'ack' | 'done';

/** The private list a responsible person gets (nag), with whom the bot could not reach itself. */
export interface NagContent {
  readonly id: number;
  readonly deadline: string | null;
  readonly kind: ChaseKind;
  readonly hint: string;
  /** L1: deputy secretaries who owe, with their college. */
  readonly deputies: readonly { readonly name: string; readonly college: string }[];
  /** L2: counselors who owe; `waiting`: their classes that get the directive only once they reply (step by step). */
  readonly counselors: readonly { readonly name: string; readonly waiting: readonly string[] }[];
  /** For a deputy secretary: how each counselor's classes stand (students / families not replied). */
  readonly byCounselor: readonly { readonly name: string; readonly classes: readonly { readonly name: string; readonly students: number; readonly families: number }[] }[];
  /** L3/L4 by class: students, and families by the student's name. */
  readonly classes: readonly { readonly name: string; readonly students: readonly string[]; readonly families: readonly string[] }[];
  /** People the bot could not message itself (no private channel): to phone or text. */
  readonly unreachable: readonly { readonly klass: string; readonly students: readonly string[]; readonly families: readonly string[] }[];
  /** The same as a numbered call list with the numbers to phone (when the round numbered them). */
  readonly calls?: readonly CallLine[];
}

/** One line of a call list: its number for `/已联系`, whom, and the numbers to phone (privately only). */
export interface CallLine {
  readonly no: number;
  readonly klass: string;
  /** `郑磊峰家长`, `王磊明`. */
  readonly who: string;
  /** `母亲 张丽 13800000000；父亲 李强（无号码）`. */
  readonly phones: string;
}

const ownedBy = (kind: ChaseKind, hint: string): string => (kind === 'ack' ? `回复“${hint}”` : '回复“已落实”');
const notYet = (kind: ChaseKind): string => (kind === 'ack' ? '还未回复' : '已回复收到，但还未报告落实');
const byWhen = (deadline: string | null): string => (deadline ? `，截止 ${deadline}` : '');


export const zhChase = {
  /** @-mentions in L1–L3 (the names are the mentions, which the platform renders). */
  chaseMention(p: { id: number; level: number; kind: ChaseKind; hint: string; deadline: string | null; unbound: readonly string[] }): string {
    const who = p.level === 3 ? '同学' : '老师';
    const extra = p.unbound.length > 0 ? `另外，${p.unbound.join('、')}${who}也还未回复（账号未绑定，无法@）。` : '';
    return `【催办】第${p.id}号通知${byWhen(p.deadline)}：被@的${who}${notYet(p.kind)}，请尽快在本群${ownedBy(p.kind, p.hint)}，谢谢！${extra}`;
  },
  /**
   * A reminder in a group whose post may not have arrived (nobody can confirm it): the directive's text
   * with it, so the group has it either way.
   */
  withDirectiveText: (reminder: string, directive: string) => `${reminder}\n（如未看到原通知，内容如下）\n${directive}`,
  /** A reminder in a group that names nobody (parents' groups). `room`: the count is of this room only (a college's parents in several rooms). */
  chaseNotice(p: { id: number; level: number; kind: ChaseKind; hint: string; deadline: string | null; count: number; room?: boolean }): string {
    const who = p.level === 4 ? `${p.room ? '本群' : '本学院'}还有 ${p.count} 位家长` : `还有 ${p.count} 人`;
    const how = p.level === 4 ? (p.kind === 'ack' ? `回复“学生姓名+${p.hint}”` : '回复“学生姓名+已完成”') : ownedBy(p.kind, p.hint);
    return `【提醒】第${p.id}号通知${byWhen(p.deadline)}，${who}${p.kind === 'ack' ? '未回复' : '未报告完成'}。请尚未回复的${p.level === 4 ? '家长' : '同学'}${how}，已回复的请忽略。`;
  },
  /** A private reminder to the person who owes the reply (a parent: `student` is their child). */
  /** A private reminder to the person who owes the reply (a parent: `student` is their child). */
  chasePrivate(p: { id: number; level: number; kind: ChaseKind; hint: string; deadline: string | null; group: string; summary: string; student: string | null }): string {
    const greet = p.student ? `${p.student}家长您好` : '您好';
    const how = p.student ? (p.kind === 'ack' ? `回复“${p.student}家长${p.hint}”` : `回复“${p.student}家长已完成”`) : ownedBy(p.kind, p.hint);
    return `${greet}：第${p.id}号通知（${p.summary}）${byWhen(p.deadline).slice(1)}，您${notYet(p.kind)}。请在“${p.group}”${how}。如已回复请忽略。`;
  },
  chaseNag(c: NagContent): string {
    const out = [`【催办】第${c.id}号通知${byWhen(c.deadline)}：以下人员${notYet(c.kind)}，请督促（本消息仅发给您，请勿转发到群里）。`];
    if (c.deputies.length > 0) {
      out.push(`未回复的学院（${c.deputies.length}）：${c.deputies.map((d) => `${d.college}（副书记 ${d.name}）`).join('、')}`);
    }
    if (c.counselors.length > 0) {
      out.push(`未回复的辅导员（${c.counselors.length}）：`);
      for (const k of c.counselors) out.push(`  ${k.name}${k.waiting.length > 0 ? `：负责的 ${k.waiting.join('、')} 要等其回复后才会收到通知` : ''}`);
    }
    if (c.byCounselor.length > 0) {
      out.push('各辅导员所带班级未回复：');
      for (const k of c.byCounselor) {
        const parts = k.classes.map((x) => `${x.name} 学生${x.students}人、家长${x.families}户`);
        out.push(`  ${k.name}：${parts.join('；')}`);
      }
    }
    for (const k of c.classes) {
      if (k.students.length + k.families.length === 0) continue;
      out.push(`【${k.name}】`);
      if (k.students.length > 0) out.push(`  学生（${k.students.length}）：${k.students.join('、')}`);
      if (k.families.length > 0) out.push(`  家长（${k.families.length} 户，按学生姓名）：${k.families.join('、')}`);
    }
    if (c.calls && c.calls.length > 0) {
      out.push('以下人员机器人无法私信提醒，请电话或短信联系；联系后私聊回复“/已联系 编号 结果”（如：/已联系 12 家长已收到）：');
      let klass = '';
      for (const l of c.calls) {
        if (l.klass !== klass) out.push(`  【${(klass = l.klass)}】`);
        out.push(`  ${l.no}. ${l.who}：${l.phones}`);
      }
    } else if (c.unreachable.length > 0) {
      out.push('以下人员机器人无法私信提醒，请电话或短信联系（号码见通讯录）：');
      for (const u of c.unreachable) out.push(`  【${u.klass}】${[...u.students, ...u.families.map((n) => `${n}家长`)].join('、')}`);
    }
    return out.join('\n');
  },
  chaseSummary(p: { id: number; deadline: string; progress: string; pending: string; late: readonly string[]; lateMore: number }): string {
    const out = [`第${p.id}号通知已截止（${p.deadline}），最终情况如下（仅发给您）：`, p.progress, p.pending];
    if (p.late.length > 0) out.push(`截止后才回复（${p.late.length + p.lateMore}）：${p.late.join('、')}${p.lateMore > 0 ? ` 等` : ''}`);
    return out.join('\n');
  },
  chaseManualDone(p: { id: number; reminded: number; mentions: number; notices: number; privates: number; relayed: number; cooling: number; cooldown: string }): string {
    if (p.reminded === 0) {
      return p.cooling > 0
        ? `第${p.id}号通知：未回复的 ${p.cooling} 人在 ${p.cooldown} 内已经提醒过，本次不再重复提醒。`
        : `第${p.id}号通知在您负责的范围内已全部回复，无需催办。`;
    }
    const how: string[] = [];
    if (p.mentions > 0) how.push(`群内@ ${p.mentions} 人`);
    if (p.notices > 0) how.push(`群内提醒 ${p.notices} 人（不点名）`);
    if (p.privates > 0) how.push(`私信 ${p.privates} 人`);
    if (p.relayed > 0) how.push(`${p.relayed} 人无法私信，已把名单发给负责老师`);
    const cooling = p.cooling > 0 ? `另有 ${p.cooling} 人在 ${p.cooldown} 内已提醒过，本次跳过。` : '';
    return `已催办第${p.id}号通知：${how.join('，')}。${cooling}`;
  },
  /** The `/进度` line on chasing in the asker's scope. */
  /** The `/进度` line on chasing in the asker's scope. */
  chaseProgress(p: { reminders: number; people: number; last: string | null; manual: readonly string[]; next: string | null; summary: string | null }): string | null {
    const parts: string[] = [];
    if (p.reminders > 0) parts.push(`已提醒 ${p.people} 人共 ${p.reminders} 次${p.last ? `，最近 ${p.last}` : ''}`);
    if (p.manual.length > 0) parts.push(`手动催办：${p.manual.join('、')}`);
    if (p.next) parts.push(`下次自动催办 ${p.next}`);
    if (p.summary) parts.push(`截止汇总已于 ${p.summary} 发出`);
    return parts.length > 0 ? `催办：${parts.join('；')}。` : null;
  },
  noClass: '（未分班）',
  notAllowedToChase: '催办只能由学生工作组、学院副书记、辅导员和班主任发起。',
  chaseClosed: (id: number) => `第${id}号通知已结束，不再催办。`,
  chaseQuietHours: (id: number, until: string) => `现在是免打扰时间（至 ${until}），本次不发送第${id}号通知的提醒，请在此之后再催办（紧急通知不受此限）。`,
};
