/**
 * What the review desk says (`/待确认`, `/确认`, `/忽略`).
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */
import { clip } from '../../app/texts.js';

/** One line of the `/待确认` list. */
export interface ReviewLine {
  readonly id: number;
  readonly kind: 'low_confidence' | 'ambiguous' | 'attribution' | 'binding' | 'negative' | 'chain' | 'impersonation' | 'question';
  readonly group: string;
  readonly sender: string;
  readonly text: string;
  readonly at: string;
  readonly directiveIds: readonly number[];
  /** Whom confirming would count for. */
  readonly subjects: readonly string[];
  /** Binding: the person the account would be bound to. */
  readonly suggested: string | null;
  /** A `/绑定` held for confirmation (not a reply counted by name). */
  readonly selfBinding?: boolean;
  /** A `/绑定` no SMS code could prove: the counselor checks (a phone call) before confirming. */
  readonly unproved?: boolean;
  /** Impersonation: the account that sent the claim, and the accounts the roster or a binding gives the person. */
  readonly accounts?: { readonly sender: string; readonly known: readonly string[] };
  readonly confidence: number | null;
}

const numbers = (ids: readonly number[]): string => ids.map((i) => `第${i}号`).join('、');

/** Why an item waits and what settling it does (chat and the console). */
export function reviewWhy(l: ReviewLine): string {
  const d = numbers(l.directiveIds);
  const who = l.subjects.length > 0 ? `（${l.subjects.join('、')}）` : '';
  switch (l.kind) {
    case 'low_confidence':
      return `不确定是否表示收到，确认后计入${d}${who}`;
    case 'ambiguous':
      return `同时有${d}通知未回复，不确定回复哪一条；“/确认 ${l.id}”全部计入，“/确认 ${l.id} #${l.directiveIds[0] ?? ''}”只计该条`;
    case 'attribution':
      return `提到的学生${who}与发送人的绑定不符，确认后计入${d}`;
    case 'binding':
      if (l.unproved) return `申请绑定为${l.suggested ?? '？'}，未能用短信验证码核实；请与本人核实（如电话联系）后确认，忽略则不绑定`;
      if (l.selfBinding) return `申请绑定为${l.suggested ?? '？'}，与已有绑定冲突；确认后该账号改为绑定此人，忽略则不变`;
      return `未绑定的账号，已按姓名计入${who}；确认后绑定为${l.suggested ?? '（无法确定哪位家长，仅确认计数）'}，忽略则撤销该计数`;
    case 'negative':
      return `反馈未收到或无法完成（${d}），请跟进；可“/答复 ${l.id} 内容”在群里答复，处理后“/确认 ${l.id}”关闭`;
    case 'chain':
      return `接龙中的这一行无法对应到名单中的学生（${d}）`;
    case 'question':
      return `提问（${d}），“/答复 ${l.id} 内容”在群里答复，“/答复 ${l.id} 私聊 内容”私下答复`;
    case 'impersonation': {
      const sender = l.accounts?.sender ?? '?';
      const known = l.accounts?.known ?? [];
      if (known.length > 0) {
        return `可能冒名：名单或已核实的绑定中${who}的账号是 ${known.join('、')}，此回复来自另一账号 ${sender}，未计入；确认后仍计入${d}（不绑定）`;
      }
      return `未核实的账号 ${sender} 已为本通知代答另一户，每个未核实账号只计一户，此条未计入；确认后计入${d}（不绑定）`;
    }
  }
}


export const zhReview = {
  reviewEmpty: '目前没有需要您确认的回复。',
  reviewListSent: '待确认的回复已私信发给您。',
  reviewList(lines: readonly ReviewLine[], total: number): string {
    const out = [`待确认 ${total} 条${total > lines.length ? `（显示最早的 ${lines.length} 条）` : ''}：`];
    // Questions waiting for an answer first, apart from the replies to settle (issue #15).
    const questions = lines.filter((l) => l.kind === 'question' || l.kind === 'negative');
    const others = lines.filter((l) => l.kind !== 'question' && l.kind !== 'negative');
    if (questions.length > 0 && others.length > 0) out.push('— 待答复的问题和反馈 —');
    for (const l of [...questions, ...others]) {
      if (l === others[0] && questions.length > 0) out.push('— 待确认的回复 —');
      out.push(`【${l.id}】${l.group} ${l.sender} ${l.at}`, `  “${l.text}”`, `  ${reviewWhy(l)}`);
    }
    out.push('回复“/确认 编号”计入，“/忽略 编号”不计；可写多个编号或“全部”。');
    return out.join('\n');
  },
  reviewSettled(p: { decision: 'confirm' | 'dismiss'; done: readonly number[]; skipped: readonly number[]; counted: number; bound: number }): string {
    const parts: string[] = [];
    if (p.done.length > 0) {
      parts.push(`已${p.decision === 'confirm' ? '确认' : '忽略'} ${p.done.length} 条（${p.done.join('、')}）`);
      if (p.decision === 'confirm') parts.push(`计入 ${p.counted} 项回复${p.bound > 0 ? `，绑定 ${p.bound} 个账号` : ''}`);
    }
    if (p.skipped.length > 0) parts.push(`编号 ${p.skipped.join('、')} 不存在、已处理或不在您的范围`);
    return parts.length > 0 ? `${parts.join('；')}。` : '没有可处理的条目。';
  },

  notInScope: '您没有查看该通知进度的权限。',
  /** Sent privately to whoever is responsible for the group when a question arrives (the text is clipped, numbers masked). */
  questionAlert: (p: { id: number; group: string; directive: number; text: string }) =>
    `【问题 ${p.id}】${p.group}（第${p.directive}号通知）：“${p.text}”\n回复“/答复 ${p.id} 内容”在群里答复，或“/答复 ${p.id} 私聊 内容”私下答复。`,
  answerUsage: '用法：/答复 编号 内容（在提问的群里答复），或 /答复 编号 私聊 内容（私下答复提问的人）。编号见 /待确认。',
  notAQuestion: (id: number) => `编号 ${id} 不是待答复的问题，或不在您的范围内。`,
  /** Posted in the group, quoting the question: the answer as the staff member wrote it. */
  answerPost: (text: string) => `【答复】${text}`,
  answered: (id: number, privately: boolean) => `已${privately ? '私下' : '在群里'}答复【${id}】。`,
  badIds: (detail: string): string =>
    `${detail === '' ? '请写上要处理的编号' : `编号“${clip(detail)}”无法识别`}。用法：/确认 3 5、/确认 3-6、/确认 全部、/忽略 4（先发送 /待确认 查看编号）。`,
};
