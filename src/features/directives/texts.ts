/**
 * Directives: the post in each group, the confirmation to the issuer, `/通知`'s errors.
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */
import { clip } from '../../app/texts.js';

export const zhDirective = {
  /** The text of a directive that is only a file or picture. */
  seeAttachment: '请查收附件。',
  fileAfterWithdrawal: (id: number) => `第${id}号通知已撤回，这个文件没有附加到通知。`,
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
  directiveHeader(p: {
    id: number;
    issuer: string;
    deadline: string | null;
    level: number;
    replyHint: string;
    step: boolean;
    completion: boolean;
    /** Who issued it: 学生工作组 (default), a college, or 辅导员. */
    from?: string;
    /** A counselor's directive in a college-wide parents group: the classes it concerns. */
    classes?: string | null;
  }): string {
    const lines = [`【通知 第${p.id}号】发布：${p.from ?? '学生工作组'} ${p.issuer}`];
    if (p.classes) lines.push(`涉及班级：${p.classes}（其他班级的家长无需回复）`);
    if (p.deadline) lines.push(`截止：${p.deadline}`);
    return lines.join('\n');
  },
  /** A collection's last line: what to reply, the latest reply counting. */
  collectFooter(level: number, fields: readonly string[] | null): string {
    const what = fields ? fields.join('、') : '所需信息';
    const example = fields ? `，如“${fields.map((f) => `${f}……`).join(' ')}”` : '';
    const who = level === 4 ? '请家长写明学生姓名并' : level === 3 ? '请同学们' : '请';
    return `——【信息收集】${who}直接在群里回复${what}${example}；如有变化再回复一次，以最新一条为准。`;
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
    /** An own-scope directive (a college's or a counselor's classes): what it reaches. */
    ownScope?: string | undefined;
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
    if (p.ownScope !== undefined) {
      const scoped = p.depth === 4 ? (p.parentsVersion ? '班级群收到正文，家长群收到家长版（只有相关班级的家长需要回复）。' : '班级群和家长群收到同一正文（只有相关班级的家长需要回复）。') : '已发到班级群，未发到家长群（如需通知家长，请加“层级=4”或写“家长版：……”）。';
      return `已发布第${p.id}号通知（${p.ownScope}），已下发至 ${p.groups} 个群。${scoped}${p.deadline ? `截止 ${p.deadline}。` : ''}可用 /进度 ${p.id} 查看回复情况。`;
    }
    return `已发布第${p.id}号通知，${how}。${where}${p.deadline ? `截止 ${p.deadline}。` : ''}请各学院副书记回复“${p.hint}”。`;
  },
  /** @-mentions in L1–L3 (the names are the mentions, which the platform renders). */
  notAllowedToIssue: '您没有发布通知的权限（学生工作组、副书记、辅导员和班主任可以发布）。',
  issueOnlyInSchoolGroup: '请在一级群（学生工作组群）发布通知。',
  parentsFollowUpNeedsQuote: '请引用要补发家长版的通知（长按该通知选择“回复”），再发送“/通知 家长版 给家长的文字”。',
  parentsFollowUpAlready: (id: number) => `第${id}号通知已经发到家长群了；如需修改，请用“/更正 ${id} 新文本”。`,
  parentsFollowUpClosed: (id: number) => `第${id}号通知已结束、已撤回或不发往班级群，不能再补发家长版。`,
  parentsFollowUpDone: (id: number, groups: number) => `已把第${id}号通知的家长版发到 ${groups} 个家长群；家长的回复从现在起计入。`,
  issueWhere: '请在一级群（学生工作组）、您负责的学院群或班级群发布通知，或私聊机器人发送。',
  notYourCollege: '您只能向自己负责的学院或班级发布通知。',
  noExtraGroup: (word: string) => `您负责的范围内没有${clip(word)}（名单的群表里没有这类群）。`,
  unknownExtraGroup: (word: string, suggestions: readonly string[]) =>
    `未找到群：${clip(word)}。` + (suggestions.length > 0 ? `您是不是要找：${suggestions.join('、')}？` : '可写“至=宿舍群/干部群/党员群”或名单中的群名。'),
  extraIssued: (p: { id: number; groups: readonly string[]; members: number; deadline: string | null }) =>
    `已发布第${p.id}号通知，发到 ${p.groups.length} 个群：${p.groups.slice(0, 5).join('、')}${p.groups.length > 5 ? ' 等' : ''}。群里名单中的 ${p.members} 名同学需要回复${p.deadline ? `，截止 ${p.deadline}` : ''}。可用 /进度 ${p.id} 查看回复情况。`,
  noGroupToReach: '您负责的范围内没有可以发送的群，请检查名单中的群表。',
  ownScopeDepth: '层级=2 只适用于学生工作组的通知；您的通知会发到班级群，可加“层级=4”同时发到家长群。',
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

/** `/撤回`, `/更正`, `/通知列表` (issue #15). */
export const zhRevise = {
  notAllowed: '您没有撤回或更正通知的权限（发布人和学生工作组可以）。',
  onlyInSchoolGroup: '请在您发布通知的群或私聊机器人撤回、更正通知。',
  withdrawUsage: '用法：/撤回 编号（如 /撤回 12；编号见 /通知列表）。',
  correctUsage: '用法：/更正 编号 新文本（如 /更正 12 截止时间改为明天18:00）。',
  notFound: (id: number) => `没有找到第${id}号通知。`,
  notYours: (id: number) => `第${id}号通知不是您发布的：只有发布人和学生工作组可以撤回或更正。`,
  alreadyWithdrawn: (id: number) => `第${id}号通知已经撤回了。`,
  /** Posted in a group where the post can no longer be recalled. */
  withdrawalNotice: (id: number) => `【撤回】第${id}号通知已撤回，请忽略该通知，无需回复。`,
  withdrawn: (id: number, groups: number, recalls: number, cancelled: number) =>
    `已撤回第${id}号通知：${groups} 个群中，${recalls} 个群将直接撤回原消息，其余发撤回说明${cancelled > 0 ? `；${cancelled} 条尚未发出的消息已取消` : ''}。该通知不再计数，也不再催办。`,
  correctionPost: (id: number, text: string) => `【更正 第${id}号通知】${text}\n（已回复原通知的无需重复回复。）`,
  corrected: (id: number, groups: number) => `已向 ${groups} 个群发出第${id}号通知的更正。`,
  listEmpty: '还没有与您相关的通知。',
  supplementWhere: '请在本学院群或私聊机器人发送 /补充。',
  supplementNotAllowed: '只有学院副书记可以补充本学院的要求。',
  supplementUsage: '用法：/补充 编号 文本（如 /补充 12 我院请于今晚20:00前完成）。',
  supplementNotHere: (id: number) => `第${id}号通知没有发到您负责的学院。`,
  supplementPost: (id: number, college: string, text: string) => `【第${id}号通知 ${college}补充】${text}`,
  supplemented: (id: number, groups: number) => `已在本学院 ${groups} 个群补充第${id}号通知。`,
  exportUsage: '用法：/导出 编号（如 /导出 12）。',
  exportHowTo: (id: number, commands: readonly string[]) =>
    [`第${id}号通知的回复情况表（每班一张表和汇总表）：您的聊天平台无法私聊接收文件，请由学校信息中心在服务器上运行：`, ...commands, '导出的表格含学生姓名和回复内容，请妥善保管。'].join('\n'),
  /** Before the workbook: what it is (privately, to the asker). */
  exportSending: (id: number, scope: string, rows: number) => `第${id}号通知的回复情况表（${scope}，${rows} 人；每班一张表和汇总表）随后发给您。表格含学生姓名和回复内容，请妥善保管，勿转发到群里。`,
  /** In a group where `/导出` was asked: the table goes privately. */
  exportInGroup: (id: number) => `第${id}号通知的回复情况表已私聊发给您。`,
  exportFileName: (id: number, scope: string) => `第${id}号通知回复情况-${scope}.xlsx`,
  listLine: (p: { id: number; state: 'open' | 'closed' | 'withdrawn'; at: string; issuer: string; text: string; corrections: number }) => {
    const state = p.state === 'open' ? '进行中' : p.state === 'closed' ? '已结束' : '已撤回';
    const chars = [...p.text.replace(/\s+/gu, ' ')];
    const excerpt = chars.length > 24 ? `${chars.slice(0, 24).join('')}…` : chars.join('');
    return `第${p.id}号 ${state} ${p.at} ${p.issuer}：${excerpt}${p.corrections > 0 ? `（已更正 ${p.corrections} 次）` : ''}`;
  },
  list: (lines: readonly string[]) => ['最近的通知：', ...lines, '发送 /进度 编号 查看进度，/撤回 编号 撤回，/更正 编号 新文本 更正。'].join('\n'),
};

/** Files and pictures of directives (issue #15). */
export const zhFiles = {
  /**
   * Posted instead of a file in a chat that cannot take it (issue #15): says a file was not delivered and
   * how to obtain it. Parents ask their class's teacher; staff, the issuer's office.
   */
  fileNotDelivered: (p: { id: number; name: string; kind: 'image' | 'file'; level: number }) =>
    `【附件未能发送】第${p.id}号通知附有${p.kind === 'image' ? '图片' : '文件'}《${clip(p.name, 60)}》，本群无法接收。${
      p.level === 4 ? '需要的家长请联系班主任或辅导员获取。' : '请联系发布人或上级负责老师获取（私聊机器人发送 /通知列表 可查看通知）。'
    }`,
  /** The issuer: a file of theirs went to no chat of a platform as a file. */
  fileFellBack: (p: { id: number; name: string; platform: string; group: string }) =>
    `第${p.id}号通知的附件《${clip(p.name, 60)}》无法在${p.platform}的群中发送（如：${clip(p.group, 30)}），已在这些群发出“附件未能发送”的说明，请另行提供该文件。`,
  /** The issuer: files attached and where they go. */
  filesAttached: (id: number, names: readonly string[], groups: number) =>
    `已收到第${id}号通知的附件：${names.map((n) => `《${clip(n, 40)}》`).join('、')}，${groups > 0 ? `将发往已收到通知的 ${groups} 个群，` : ''}并随通知发往其后下发的群。`,
  /** The issuer: a file could not be taken in. */
  fileRejected: (id: number, name: string, why: 'too_large' | 'unavailable', maxBytes: number) =>
    why === 'too_large'
      ? `第${id}号通知的附件《${clip(name, 40)}》超过 ${maxBytes >= 1024 * 1024 ? `${Math.floor(maxBytes / 1024 / 1024)} MB` : `${Math.floor(maxBytes / 1024)} KB`}，未能附加。请压缩后重新发送，或改发下载链接。`
      : `第${id}号通知的附件《${clip(name, 40)}》未能从平台取得，未能附加。请在 3 分钟内重新发送该文件。`,
  /** A file after the directive was withdrawn or closed. */
  fileTooLate: (id: number) => `第${id}号通知已撤回或结束，附件未附加。`,
};
