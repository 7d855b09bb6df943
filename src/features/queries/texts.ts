/**
 * The answers to `/未回复` and `/进度`, and the deadline summary built from them.
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */
import { clip, LEVEL_NAMES, LEVEL_WHO } from '../../app/texts.js';

/** A level's tally as `/进度` shows it. */
export interface TallyText {
  readonly required: number;
  readonly acknowledged: number;
  readonly pending: number;
  readonly notReleased: number;
  readonly late: number;
  readonly done: number;
  /** Acknowledged only by an unverified account answering by name. */
  readonly provisional: number;
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
  reviewLine(waiting: number, negatives: number, unverified = 0): string {
    const parts: string[] = [];
    if (waiting > 0) parts.push(`${waiting} 条回复待人工确认，确认前不计入`);
    if (unverified > 0) parts.push(`${unverified} 条由未核实的账号按姓名代答（已暂计入，请核实）`);
    if (negatives > 0) parts.push(`${negatives} 条反馈未收到或无法完成`);
    return `另有${parts.join('；')}（私聊发送 /待确认 查看）。`;
  },
  nameListTitle: (id: number): string => `第${id}号通知 未回复名单（请勿转发到群里）`,
  nameListClass: (name: string): string => `【${name}】`,
  studentsPending: (names: readonly string[]): string => `学生未回复（${names.length}）：${names.join('、')}`,
  parentsPending: (names: readonly string[]): string => `家长未回复（${names.length}，按学生姓名）：${names.join('、')}`,
  /** Counted, but only because an account nobody has verified answered by name (issue #14). */
  provisionalNames: (level: number, names: readonly string[]): string =>
    `${level === 4 ? '家长' : '学生'}由未核实账号代答（${names.length}，已暂计入，请核实）：${names.join('、')}`,
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
    `${LEVEL_WHO[level] ?? ''} ${t.pending}/${t.required} ${level === 4 ? '户' : '人'}未回复${t.notReleased > 0 ? `（${t.notReleased} 待下发）` : ''}` +
    (t.provisional > 0 ? `（另 ${t.provisional} ${level === 4 ? '户' : '人'}为未核实账号代答）` : ''),
  /** `heading`: an extra-group directive's groups (`至=干部群`), counted under their own name. */
  levelLine(level: number, t: TallyText, completion: boolean, heading?: string): string {
    const pct = t.required === 0 ? 100 : Math.round((t.acknowledged / t.required) * 100);
    const provisional = t.provisional > 0 ? `，其中 ${t.provisional} ${level === 4 ? '户' : '人'}为未核实账号代答` : '';
    const label = heading === undefined ? `${LEVEL_NAMES[level] ?? ''}（${LEVEL_WHO[level] ?? ''}）` : `${heading}（成员）`;
    let s = `${label}：已回复 ${t.acknowledged}/${t.required}（${pct}%${provisional}）`;
    if (t.late > 0) s += `，其中逾期 ${t.late}`;
    if (completion) s += `，已落实 ${t.done}/${t.required}`;
    if (t.notReleased > 0) s += `，待下发 ${t.notReleased}`;
    return s;
  },
  noDirective: '目前没有进行中的通知。',
  directiveNotFound: (id: number): string => `没有找到第${id}号通知。`,
  notInScope: '您没有查看该通知进度的权限。',
  directiveNotForScope: (id: number): string => `第${id}号通知不涉及您负责的范围。`,
  filterNotFound: (f: string, suggestions: readonly string[] = []): string =>
    `在您的范围内没有找到“${clip(f)}”${suggestions.length > 0 ? `。您是不是要找：${suggestions.join('、')}？` : '（可填学院或班级名称）。'}`,
};
