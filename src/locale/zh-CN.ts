/**
 * Every text the bots post, in one place so a school can adjust the wording.
 * Never put phone numbers or ID numbers in any of these.
 */

export const LEVEL_NAMES: Record<number, string> = { 1: '一级群', 2: '学院群', 3: '班级群', 4: '家长群' };
export const LEVEL_WHO: Record<number, string> = { 1: '副书记', 2: '辅导员', 3: '学生', 4: '家长' };

/** One line of the `/待确认` list. */
export interface ReviewLine {
  readonly id: number;
  readonly kind: 'low_confidence' | 'ambiguous' | 'attribution' | 'binding' | 'negative' | 'chain';
  readonly group: string;
  readonly sender: string;
  readonly text: string;
  readonly at: string;
  readonly directiveIds: readonly number[];
  /** Whom confirming would count for. */
  readonly subjects: readonly string[];
  /** Binding: the person the account would be bound to. */
  readonly suggested: string | null;
  readonly confidence: number | null;
}

const numbers = (ids: readonly number[]): string => ids.map((i) => `第${i}号`).join('、');

function reviewWhy(l: ReviewLine): string {
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
      return `未绑定的账号，已按姓名计入${who}；确认后绑定为${l.suggested ?? '（无法确定哪位家长，仅确认计数）'}，忽略则撤销该计数`;
    case 'negative':
      return `反馈未收到或无法完成（${d}），请跟进；处理后“/确认 ${l.id}”关闭`;
    case 'chain':
      return `接龙中的这一行无法对应到名单中的学生（${d}）`;
  }
}

export const zh = {
  reviewEmpty: '目前没有需要您确认的回复。',
  reviewListSent: '待确认的回复已私信发给您。',
  reviewList(lines: readonly ReviewLine[], total: number): string {
    const out = [`待确认 ${total} 条${total > lines.length ? `（显示最早的 ${lines.length} 条）` : ''}：`];
    for (const l of lines) {
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

  directiveHeader(p: { id: number; issuer: string; deadline: string | null; level: number; replyHint: string; step: boolean; completion: boolean }): string {
    const lines = [`【通知 第${p.id}号】发布：学生工作组 ${p.issuer}`];
    if (p.deadline) lines.push(`截止：${p.deadline}`);
    return lines.join('\n');
  },
  directiveFooter(p: { level: number; replyHint: string; completion: boolean; step: boolean }): string {
    const hint = p.replyHint;
    switch (p.level) {
      case 2:
        return `——请各位辅导员回复“${hint}”${p.completion ? '，落实后回复“已落实”' : ''}${p.step ? '；回复后本通知将自动转发至您负责的班级群和家长群' : ''}。`;
      case 3:
        return `——请同学们回复“${hint}”${p.completion ? '，完成后回复“已完成”' : ''}。`;
      case 4:
        return `——请家长回复“学生姓名+${hint}”，如“张三妈妈${hint}”${p.completion ? '，完成后回复“已完成”' : ''}。`;
      default:
        return `——请回复“${hint}”。`;
    }
  },
  directiveIssued(p: { id: number; groups: number; step: boolean; deadline: string | null; hint: string }): string {
    const how = p.step ? '将逐级下发（上级回复后自动转发下一级）' : `已下发至 ${p.groups} 个群`;
    return `已发布第${p.id}号通知，${how}。${p.deadline ? `截止 ${p.deadline}。` : ''}请各学院副书记回复“${p.hint}”。`;
  },
  notAllowedToIssue: '您没有发布通知的权限（仅学生工作组成员可发布）。',
  issueOnlyInSchoolGroup: '请在一级群（学生工作组群）发布通知。',
  unknownColleges: (names: string[]) => `未找到学院：${names.join('、')}。请检查学院名称。`,
  commandError(code: string, detail: string): string {
    switch (code) {
      case 'bad_deadline':
        return `截止时间“${detail}”无法识别。示例：截止=18:00、截止=明天12:00、截止=2小时。`;
      case 'deadline_past':
        return `截止时间“${detail}”已经过去了。`;
      case 'bad_depth':
        return `层级“${detail}”无法识别，可用：层级=2（学院）、3（班级）、4（家长）。`;
      case 'bad_review_ids':
        return `${detail === '' ? '请写上要处理的编号' : `编号“${detail}”无法识别`}。用法：/确认 3 5、/确认 3-6、/确认 全部、/忽略 4（先发送 /待确认 查看编号）。`;
      case 'empty_body':
        return '通知正文是空的。用法：/通知 [截止=18:00] 正文';
      default:
        return `命令有误：${detail}。发送 /帮助 查看用法。`;
    }
  },
  unknownCommand: (word: string) => `没有“${word}”这个命令。发送 /帮助 查看可用命令。`,
  noDirective: '目前没有进行中的通知。',
  directiveNotFound: (id: number) => `没有找到第${id}号通知。`,
  notInScope: '您没有查看该通知进度的权限。',
  directiveNotForScope: (id: number) => `第${id}号通知不涉及您负责的范围。`,
  filterNotFound: (f: string) => `在您的范围内没有找到“${f}”（可填学院或班级名称）。`,
  detailsSentPrivately: '详细名单已私信发给您。',
  privateOnlyHint: '您好，我是联络机器人。发送 /帮助 查看可用命令。',
  unknownSenderPrivate: '您好，系统中还没有您的身份信息，请联系辅导员核对。',
  help(p: { canIssue: boolean; canQuery: boolean }): string {
    const lines = ['可用命令：'];
    if (p.canIssue) {
      lines.push(
        '/通知 [选项] 正文 —— 发布通知并逐级下发',
        '  选项：截止=18:00 | 层级=2/3/4 | 学院=A,B | 逐级 | 落实 | 回复=1',
      );
    }
    if (p.canQuery) {
      lines.push(
        '/未回复 [编号] [学院或班级] —— 查看谁还没回复',
        '/进度 [编号] [学院或班级] —— 查看各级回复进度',
        '/待确认 —— 查看需要人工确认的回复（私信回复）',
        '/确认 编号 | /忽略 编号 —— 处理待确认的回复',
      );
    }
    lines.push('/帮助 —— 显示本说明');
    if (!p.canIssue && !p.canQuery) lines.push('收到通知后，直接在群里回复“收到”即可。');
    return lines.join('\n');
  },
};
