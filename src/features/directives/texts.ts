/**
 * Directives: the post in each group, the confirmation to the issuer, `/通知`'s errors.
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */
import { clip } from '../../app/texts.js';

export const zhDirective = {
  /** `/进度`: the posts not known to be in their groups. */
  postsNotThere: (id: number, groups: readonly string[], more: number) =>
    `第${id}号通知未确认送达的群：${groups.join('、')}${more > 0 ? ` 等另 ${more} 个群` : ''}。`,
  postStates: {
    check: '可能未发出，已请负责老师查看',
    byHand: '机器人无法发送，待负责老师人工转发',
    uncertain: '无法确认是否发出',
    failed: '发送失败',
    late: '尚未发出',
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
  directiveIssued(p: {
    id: number;
    groups: number;
    step: boolean;
    deadline: string | null;
    hint: string;
    depth?: number;
    parentsVersion?: boolean;
    parentsVersionIgnored?: boolean;
  }): string {
    const how = p.step ? '将逐级下发（上级回复后自动转发下一级）' : `已下发至 ${p.groups} 个群`;
    // Which text went where (issue #15): parents get their own version, or none unless asked.
    const where =
      p.depth === undefined
        ? ''
        : p.depth === 4
          ? p.parentsVersion
            ? '学院群和班级群收到正文，家长群收到家长版。'
            : '学院群、班级群和家长群收到同一正文。'
          : p.depth === 3
            ? `学院群和班级群收到正文，未发到家长群${p.parentsVersionIgnored ? '（已写层级=3，家长版未使用）' : '（如需通知家长，请加“层级=4”或在正文后写“家长版：……”）'}。`
            : '只发到学院群。';
    return `已发布第${p.id}号通知，${how}。${where}${p.deadline ? `截止 ${p.deadline}。` : ''}请各学院副书记回复“${p.hint}”。`;
  },
  /** @-mentions in L1–L3 (the names are the mentions, which the platform renders). */
  notAllowedToIssue: '您没有发布通知的权限（仅学生工作组成员可发布）。',
  issueOnlyInSchoolGroup: '请在一级群（学生工作组群）发布通知。',
  unknownColleges: (names: string[], suggestions: readonly string[] = []) =>
    `未找到学院：${names.slice(0, 5).map((n) => clip(n)).join('、')}${names.length > 5 ? ' 等' : ''}。` +
    (suggestions.length > 0 ? `您是不是要找：${suggestions.join('、')}？` : '请检查学院名称。'),
  error(code: string, detail: string): string {
    switch (code) {
      case 'bad_deadline':
        return `截止时间“${clip(detail)}”无法识别。示例：截止=18:00、截止=明天12:00、截止=2小时。`;
      case 'deadline_past':
        return `截止时间“${clip(detail)}”已经过去了。`;
      case 'deadline_too_far':
        return `截止时间“${clip(detail)}”太远了：截止时间最多在一年以内。`;
      case 'bad_depth':
        return `层级“${clip(detail)}”无法识别，可用：层级=2（学院）、3（班级）、4（家长）。`;
      case 'empty_body':
        return '通知正文是空的。用法：/通知 [截止=18:00] 正文';
      case 'empty_parents_text':
        return '“家长版：”后面没有内容。用法：/通知 正文 家长版：给家长的文字';
      default:
        return `选项“${clip(detail)}”无法识别。用法：/通知 [截止=18:00] [层级=3] [学院=计算机学院] 正文`;
    }
  },
};
