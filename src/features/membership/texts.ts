/**
 * Membership audits (`/核对`, the daily audit, the export) and membership alerts.
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */
import { clip } from '../../app/texts.js';

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

/** A group card is quoted up to this long (the platforms allow about 60 characters). */
const CARD_CHARS = 60;

function auditWho(l: AuditLine): string {
  // A card is what a member typed (some put a phone number in it): clipped and masked like any echo.
  const who = l.name ? `${l.name}${l.ref ? `（${l.ref}）` : ''}` : `名片“${clip(l.card ?? '', CARD_CHARS)}”${l.account ? ` 账号 ${l.account}` : ''}`;
  return l.detail ? `${who}：${l.detail}` : who;
}

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
  notAllowed: '您没有核对该群成员的权限（组长、学院副书记和该班辅导员、班主任可以核对）。',
  unknownGroup: (target: string, suggestions: readonly string[] = []) =>
    `没有找到“${target}”对应的群。${suggestions.length > 0 ? `您是不是要找：${suggestions.join('、')}？` : ''}用法：在群里发送 /核对，或私聊发送 /核对 班级名（或学院名、L4:学院名）。`,
  needGroup: '请在要核对的群里发送 /核对，或私聊发送 /核对 班级名。',
  failed: (group: string) => `暂时无法获取“${group}”的成员列表，请稍后再试。`,
  studentLeft: (p: { name: string; ref: string; group: string }) => `【入群提醒】${p.name}（${p.ref}）退出了“${p.group}”，请及时联系。`,
};
