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
  /** A `/绑定` held for confirmation (not a reply counted by name). */
  readonly selfBinding?: boolean;
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
      if (l.selfBinding) return `申请绑定为${l.suggested ?? '？'}，与已有绑定冲突；确认后该账号改为绑定此人，忽略则不变`;
      return `未绑定的账号，已按姓名计入${who}；确认后绑定为${l.suggested ?? '（无法确定哪位家长，仅确认计数）'}，忽略则撤销该计数`;
    case 'negative':
      return `反馈未收到或无法完成（${d}），请跟进；处理后“/确认 ${l.id}”关闭`;
    case 'chain':
      return `接龙中的这一行无法对应到名单中的学生（${d}）`;
  }
}

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
}

const ownedBy = (kind: ChaseKind, hint: string): string => (kind === 'ack' ? `回复“${hint}”` : '回复“已落实”');
const notYet = (kind: ChaseKind): string => (kind === 'ack' ? '还未回复' : '已回复收到，但还未报告落实');
const byWhen = (deadline: string | null): string => (deadline ? `，截止 ${deadline}` : '');

/** A level's tally as `/进度` shows it. */
export interface TallyText {
  readonly required: number;
  readonly acknowledged: number;
  readonly pending: number;
  readonly notReleased: number;
  readonly late: number;
  readonly done: number;
}

/** `/未回复` and `/进度` answers, and the deadline summary built from them. */
export const zhQuery = {
  title: (id: number, what: 'pending' | 'progress', at: string): string => `第${id}号通知 ${what === 'pending' ? '未回复情况' : '回复进度'}（截至 ${at}）`,
  allReplied: (waiting: number): string => (waiting > 0 ? `已下发的群都已回复；还有 ${waiting} 人所在的群待逐级下发。` : '全部已回复。'),
  collegesHeader: '各学院未回复（最多的在前）：',
  collegeLine: (rank: number, name: string, pending: string): string => `${rank}. ${name}：${pending}`,
  collegeDetailHint: (id: number): string => `发送“/未回复 ${id} 学院名”查看某学院详情。`,
  classesHeader: '各班未回复：',
  unitLine: (name: string, text: string): string => `${name}：${text}`,
  namesOnlyPrivately: '学生和家长的名单只私信发送，不在群里公布。',
  reviewLine(waiting: number, negatives: number): string {
    const parts: string[] = [];
    if (waiting > 0) parts.push(`${waiting} 条回复待人工确认，确认前不计入`);
    if (negatives > 0) parts.push(`${negatives} 条反馈未收到或无法完成`);
    return `另有${parts.join('；')}（私聊发送 /待确认 查看）。`;
  },
  nameListTitle: (id: number): string => `第${id}号通知 未回复名单（请勿转发到群里）`,
  nameListClass: (name: string): string => `【${name}】`,
  studentsPending: (names: readonly string[]): string => `学生未回复（${names.length}）：${names.join('、')}`,
  parentsPending: (names: readonly string[]): string => `家长未回复（${names.length}，按学生姓名）：${names.join('、')}`,
  deadline: (at: string, past: boolean): string => `截止：${at}${past ? '（已过）' : ''}`,
  stepping: (people: number): string => `逐级下发中：${people} 人所在的群尚未收到。`,
  noGroup: (people: number): string => `另有 ${people} 人所在的群没有登记在名单中，无法下发，请在名单的“群”表中补充。`,
  breakdownHeader: (byCollege: boolean): string => (byCollege ? '各学院：' : '各班：'),
  breakdownPart: (level: number, t: Pick<TallyText, 'acknowledged' | 'required'>): string => `${LEVEL_WHO[level] ?? ''} ${t.acknowledged}/${t.required}`,
  staffPending: (level: number, names: readonly string[]): string => `${LEVEL_NAMES[level] ?? ''}未回复的${LEVEL_WHO[level] ?? ''}（${names.length}）：${names.join('、')}`,
  staffWithCollege: (name: string, college: string): string => `${name}（${college}）`,
  /** Someone who replied after the deadline, in the summary. */
  lateName: (name: string, level: number): string => (level === 4 ? `${name}家长` : level <= 2 ? `${name}（${LEVEL_WHO[level] ?? ''}）` : name),
  levelPending: (level: number, t: TallyText): string =>
    `${LEVEL_WHO[level] ?? ''} ${t.pending}/${t.required} ${level === 4 ? '户' : '人'}未回复${t.notReleased > 0 ? `（${t.notReleased} 待下发）` : ''}`,
  levelLine(level: number, t: TallyText, completion: boolean): string {
    const pct = t.required === 0 ? 100 : Math.round((t.acknowledged / t.required) * 100);
    let s = `${LEVEL_NAMES[level] ?? ''}（${LEVEL_WHO[level] ?? ''}）：已回复 ${t.acknowledged}/${t.required}（${pct}%）`;
    if (t.late > 0) s += `，其中逾期 ${t.late}`;
    if (completion) s += `，已落实 ${t.done}/${t.required}`;
    if (t.notReleased > 0) s += `，待下发 ${t.notReleased}`;
    return s;
  },
};

/** One finding of a membership audit, as the private details list it. */
export interface AuditLine {
  readonly ref: string | null;
  readonly name: string | null;
  readonly account: string | null;
  readonly card: string | null;
  readonly detail?: string;
}

export interface AuditText {
  readonly group: string;
  readonly expected: number;
  readonly present: number;
  readonly missing: readonly AuditLine[];
  readonly strangers: readonly AuditLine[];
  readonly unmatched: readonly AuditLine[];
  readonly badCard: readonly AuditLine[];
  readonly duplicates: readonly AuditLine[];
  readonly left: readonly AuditLine[];
  /** Set when the platform could not be asked and the list kept from this time was audited. */
  readonly listedAt?: string;
}

const AUDIT_SECTIONS: readonly [keyof Omit<AuditText, 'group' | 'expected' | 'present' | 'listedAt'>, string][] = [
  ['strangers', '陌生人（不在应入群名单中）'],
  ['missing', '未入群'],
  ['left', '上次核对后退群'],
  ['unmatched', '无法确认身份'],
  ['duplicates', '一人多号'],
  ['badCard', '群名片不规范'],
];

function auditWho(l: AuditLine): string {
  const who = l.name ? `${l.name}${l.ref ? `（${l.ref}）` : ''}` : `名片“${l.card ?? ''}”${l.account ? ` 账号 ${l.account}` : ''}`;
  return l.detail ? `${who}：${l.detail}` : who;
}

/** Binding oneself (`/绑定`). Never repeat a roster name the sender did not type. */
export const zhBind = {
  usage: '用法：学生发送“/绑定 学号 姓名”，家长发送“/绑定 学生学号 学生姓名 关系”（如“/绑定 2023010101 张三 妈妈”）。请私聊机器人发送。',
  privateOnly: '为保护个人信息，请私聊机器人发送 /绑定。',
  unknownNumber: (no: string) => `名单中没有学号 ${no}，请核对后再试，或联系辅导员。`,
  nameMismatch: '学号与姓名不符，请核对后再试。',
  noGuardian: (relation: string) => `名单中没有该学生的“${relation}”信息，请联系辅导员补充。`,
  tooMany: (max: number) => `该学生已有 ${max} 位家长绑定了账号，不能再绑定。如需更换，请联系辅导员。`,
  already: '您的账号已经绑定，无需重复操作。',
  bound: (who: string) => `绑定成功：您的账号已绑定为${who}。`,
  held: '该绑定与已有记录冲突，已提交辅导员确认，确认后生效。',
  notYours: '该学生不在您负责的范围内。',
  whichGuardian: '该学生有多位家长符合，请写明关系（如 妈妈、爸爸）。',
  boundFor: (account: string, who: string) => `已将账号 ${account} 绑定为${who}。`,
  notBound: '该账号没有绑定任何人。',
  fromRoster: '该账号来自名单中的联系方式，请修改名单后重新导入。',
  unbound: (account: string) => `已解除账号 ${account} 的绑定。`,
  unbindUsage: '用法：/解绑 qq:账号 或 /解绑 wechat:账号（账号见 /核对 的明细）。',
};

/** Short names of the audit's categories: the workbook's sheets, the drill summary. */
export const AUDIT_SHORT: readonly [keyof Omit<AuditText, 'group' | 'expected' | 'present' | 'listedAt'>, string][] = [
  ['strangers', '陌生人'],
  ['missing', '未入群'],
  ['left', '退群'],
  ['unmatched', '身份不明'],
  ['duplicates', '一人多号'],
  ['badCard', '名片不规范'],
];

/** The workbook's column headers (`cascade audit --format xlsx`). */
export const AUDIT_COLUMNS = ['群', '群名称', '学号/工号', '姓名', '账号', '群名片', '说明'] as const;

/** Manual tasks: what no bot can post, a person posts by hand (`/待转发`, `/已转发`). */
export const zhManual = {
  task: (p: { id: number; group: string; reason: string; text: string }) =>
    `【需人工转发 第${p.id}号】机器人目前无法在“${p.group}”发言（${p.reason}）。请把下面分隔线之间的内容原样发到该群，发完后回复：/已转发 ${p.id}\n————————\n${p.text}\n————————`,
  posted: (ids: readonly number[]) => `已记录：第${ids.join('、')}号转发任务已由您人工发出，谢谢。`,
  notYours: (ids: readonly number[]) => `第${ids.join('、')}号不是待您转发的任务（或已完成）。发送 /待转发 查看。`,
  none: '目前没有需要您人工转发的消息。',
  list(mine: readonly { id: number; group: string; since: string }[], others: readonly { id: number; group: string; since: string; who: string }[]): string {
    const out: string[] = [];
    if (mine.length > 0) out.push('待您人工转发的消息：', ...mine.map((t) => `【${t.id}】${t.group}（${t.since}起）`), '逐条内容见下；转发后回复 /已转发 编号。');
    if (others.length > 0) {
      out.push('您负责的群中由其他老师转发的消息（请勿重复发送）：', ...others.map((t) => `【${t.id}】${t.group}（${t.since}起，由${t.who}转发）`));
    }
    return out.join('\n');
  },
  usage: '用法：/已转发 编号（编号见机器人私信中的【需人工转发 第N号】）。',
  reasons: { paused: '该账号因平台风控暂停发送', offline: '机器人账号离线', removed: '机器人不在群里', muted: '机器人被禁言' } as const,
  /** To operators when an account's breaker trips. */
  accountPaused: (p: { account: string; reason: string; until: string }) =>
    `【机器人账号暂停】账号 ${p.account} 出现风险信号（${p.reason}），已暂停发送至 ${p.until}。它负责的群会改由其他账号发送；无法发送的，会请负责老师人工转发。请检查该账号状态（cascade accounts）。`,
};

/** Membership audits (`/核对`) and membership alerts. */
export const zhAudit = {
  summary(a: AuditText): string {
    const counts = AUDIT_SECTIONS.map(([k, label]) => [label, a[k].length] as const).filter(([, n]) => n > 0);
    const head = `【入群核对】${a.group}：应在群 ${a.expected}，已确认 ${a.present}`;
    const body = counts.length === 0 ? `${head}，没有发现问题。` : `${head}；${counts.map(([label, n]) => `${label} ${n}`).join('，')}。`;
    return a.listedAt === undefined ? body : `${body}（暂时无法读取群成员，以上按 ${a.listedAt} 保存的成员名单核对）`;
  },
  details(a: AuditText): string {
    const out = [`【入群核对】${a.group} 详细情况（仅发给您，请勿转发到群里）`];
    for (const [k, label] of AUDIT_SECTIONS) {
      const lines = a[k];
      if (lines.length === 0) continue;
      out.push(`${label}（${lines.length}）：`, ...lines.map((l) => `  ${auditWho(l)}`));
    }
    if (out.length === 1) out.push('没有发现问题。');
    return out.join('\n');
  },
  /** The daily audit: only what is new since the previous audit, group by group. */
  daily(groups: readonly AuditText[]): string {
    const out = ['【每日入群核对】以下是上次核对后新发现的情况（仅发给您，请勿转发到群里）：'];
    for (const a of groups) {
      out.push(`■ ${a.group}`);
      for (const [k, label] of AUDIT_SECTIONS) {
        const lines = a[k];
        if (lines.length === 0) continue;
        out.push(`${label}（${lines.length}）：`, ...lines.map((l) => `  ${auditWho(l)}`));
      }
    }
    return out.join('\n');
  },
  detailsSent: '详细名单已私信发给您。',
  notAllowed: '您没有核对该群成员的权限（组长、学院副书记和该班辅导员可以核对）。',
  unknownGroup: (target: string) => `没有找到“${target}”对应的群。用法：在群里发送 /核对，或私聊发送 /核对 班级名（或学院名、L4:学院名）。`,
  needGroup: '请在要核对的群里发送 /核对，或私聊发送 /核对 班级名。',
  failed: (group: string) => `暂时无法获取“${group}”的成员列表，请稍后再试。`,
  studentLeft: (p: { name: string; ref: string; group: string }) => `【入群提醒】${p.name}（${p.ref}）退出了“${p.group}”，请及时联系。`,
};

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
  /** @-mentions in L1–L3 (the names are the mentions, which the platform renders). */
  chaseMention(p: { id: number; level: number; kind: ChaseKind; hint: string; deadline: string | null; unbound: readonly string[] }): string {
    const who = p.level === 3 ? '同学' : '老师';
    const extra = p.unbound.length > 0 ? `另外，${p.unbound.join('、')}${who}也还未回复（账号未绑定，无法@）。` : '';
    return `【催办】第${p.id}号通知${byWhen(p.deadline)}：被@的${who}${notYet(p.kind)}，请尽快在本群${ownedBy(p.kind, p.hint)}，谢谢！${extra}`;
  },
  /** A reminder in a group that names nobody (parents' groups). */
  /** `room`: the count is of this room only (a college's parents in several rooms). */
  chaseNotice(p: { id: number; level: number; kind: ChaseKind; hint: string; deadline: string | null; count: number; room?: boolean }): string {
    const who = p.level === 4 ? `${p.room ? '本群' : '本学院'}还有 ${p.count} 位家长` : `还有 ${p.count} 人`;
    const how = p.level === 4 ? (p.kind === 'ack' ? `回复“学生姓名+${p.hint}”` : '回复“学生姓名+已完成”') : ownedBy(p.kind, p.hint);
    return `【提醒】第${p.id}号通知${byWhen(p.deadline)}，${who}${p.kind === 'ack' ? '未回复' : '未报告完成'}。请尚未回复的${p.level === 4 ? '家长' : '同学'}${how}，已回复的请忽略。`;
  },
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
    if (c.unreachable.length > 0) {
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
  chaseProgress(p: { reminders: number; people: number; last: string | null; manual: readonly string[]; next: string | null; summary: string | null }): string | null {
    const parts: string[] = [];
    if (p.reminders > 0) parts.push(`已提醒 ${p.people} 人共 ${p.reminders} 次${p.last ? `，最近 ${p.last}` : ''}`);
    if (p.manual.length > 0) parts.push(`手动催办：${p.manual.join('、')}`);
    if (p.next) parts.push(`下次自动催办 ${p.next}`);
    if (p.summary) parts.push(`截止汇总已于 ${p.summary} 发出`);
    return parts.length > 0 ? `催办：${parts.join('；')}。` : null;
  },
  noClass: '（未分班）',
  notAllowedToChase: '催办只能由学生工作组、学院副书记和辅导员发起。',
  chaseClosed: (id: number) => `第${id}号通知已结束，不再催办。`,
  chaseQuietHours: (id: number, until: string) => `现在是免打扰时间（至 ${until}），本次不发送第${id}号通知的提醒，请在此之后再催办（紧急通知不受此限）。`,
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
      case 'bad_bind':
        return zhBind.usage;
      case 'bad_unbind':
        return zhBind.unbindUsage;
      case 'bad_posted':
        return zhManual.usage;
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
        '  选项：截止=18:00 | 层级=2/3/4 | 学院=A,B | 逐级 | 落实 | 回复=1 | 紧急（夜间也提醒）',
      );
    }
    if (p.canQuery) {
      lines.push(
        '/未回复 [编号] [学院或班级] —— 查看谁还没回复',
        '/进度 [编号] [学院或班级] —— 查看各级回复进度',
        '/待确认 —— 查看需要人工确认的回复（私信回复）',
        '/确认 编号 | /忽略 编号 —— 处理待确认的回复',
        '/催办 [编号] —— 立即提醒您负责范围内还没回复的人（刚提醒过的人不重复提醒）',
        '/核对 [班级或学院] —— 核对群成员是否与名单一致（明细私信发送）',
      );
    }
    if (p.canQuery) lines.push('/待转发 —— 查看需要您人工转发到群里的消息；/已转发 编号 —— 转发后确认');
    lines.push('/绑定 学号 姓名 —— 学生绑定自己的账号；家长：/绑定 学生学号 学生姓名 关系（请私聊发送）');
    lines.push('/帮助 —— 显示本说明');
    if (!p.canIssue && !p.canQuery) lines.push('收到通知后，直接在群里回复“收到”即可。');
    return lines.join('\n');
  },
};
