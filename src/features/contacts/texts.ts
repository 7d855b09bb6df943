/** What the address-book commands say (Chinese). Phones appear only in private answers to staff. */
import { VERIFICATION_LABELS, type ContactEntry, type StudentEntry } from '../../domain/address-book.js';

function day(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, month: 'numeric', day: 'numeric' }).formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('month')}月${part('day')}日`;
}

function state(e: ContactEntry, timeZone: string): string {
  const phone = e.phone ?? '无号码';
  const how = VERIFICATION_LABELS[e.verified];
  return `${phone}（${how}${e.verifiedAt === null ? '' : ` ${day(e.verifiedAt, timeZone)}`}）`;
}

function inGroup(e: ContactEntry, group: string): string {
  return `${group}：${e.inGroup === null ? '未核对' : e.inGroup ? '在' : '不在'}`;
}

export const zhContacts = {
  privateOnly: '通讯录含有电话号码，请私聊机器人使用 /通讯录。',
  verifyPrivateOnly: '核实记录含有电话号码，请私聊机器人使用 /核实。',
  notAllowed: '通讯录只对辅导员、班主任（所带班级）、学院副书记（本学院）和学生工作组开放。',
  queryUsage: '用法：/通讯录（概览） 或 /通讯录 班级名 / 学号 / 学生姓名',
  verifyUsage: '用法：/核实 学号 本人|家长|关系|家长姓名 [电话已核实 | 号码错误 新号码 | 联系不上 | 短信验证]\n例如：/核实 2023010101 父亲 号码错误 13900000000',
  // Answers never quote what was typed (house rule): the person knows what they asked.
  notFound: '在您负责的范围内没有找到（可以写班级名、学号或学生姓名）。',
  tooMany: (n: number) => `找到 ${n} 名同名学生，请用学号查询。`,
  noStudent: '在您负责的范围内没有这个学号。',
  whichGuardian: (relations: readonly string[]) => `该学生有 ${relations.length} 位家长（${relations.join('、')}），请写明关系或家长姓名。`,
  noGuardian: '名单中该学生没有这位家长（请写父亲、母亲等关系，或家长姓名）。',
  noPhoneToConfirm: '名单中没有这个人的号码；请用：/核实 学号 本人|家长 号码错误 新号码',
  recorded: (who: string, what: string) => `已记录：${who}，${what}。`,
  overviewHead: (n: number) => `您负责的 ${n} 个班级的通讯录：`,
  overviewLine: (name: string, c: { students: number; guardians: number; withPhone: number; verified: number; unreachable: number; studentsOutside: number; familiesOutside: number }) =>
    `${name}：学生 ${c.students}，家长 ${c.guardians}；有号码 ${c.withPhone}，已核实 ${c.verified}${c.unreachable ? `，联系不上 ${c.unreachable}` : ''}；不在班级群的学生 ${c.studentsOutside}，没有家长在家长群的家庭 ${c.familiesOutside}`,
  overviewMore: (n: number) => `……另有 ${n} 个班级，请用 /通讯录 班级名 查看。`,
  overviewHint: '查看某个班级：/通讯录 班级名；某个学生：/通讯录 学号；核实号码：/核实 学号 本人|家长 …',
  classHead: (className: string, college: string, counselors: readonly string[], n: number) =>
    `【通讯录】${college} ${className}（${n} 名学生${counselors.length ? `，辅导员/班主任：${counselors.join('、')}` : ''}）`,
  student(s: StudentEntry, className: string, timeZone: string): string {
    const lines = [`${s.name} ${s.studentNo}${className ? ` ${className}` : ''}`];
    lines.push(`  本人 ${state(s, timeZone)}｜${inGroup(s, '班级群')}`);
    if (s.guardians.length === 0) lines.push('  （名单中没有家长）');
    for (const g of s.guardians) lines.push(`  ${g.relation}${g.name === g.relation ? '' : ` ${g.name}`} ${state(g, timeZone)}｜${inGroup(g, '家长群')}`);
    return lines.join('\n');
  },
  smsDisabled: '短信功能未启用，无法发送验证码；请电话核实：/核实 学号 关系 电话已核实',
  smsCapped: '这个号码今天收到的短信已达上限，请明天再发验证码或电话核实。',
  outcome: {
    codeSent: '已发送验证码短信；对方回复短信中的 6 位验证码后，号码记为“短信验证”',
    confirmed: '电话已核实',
    wrong: (phone: string) => `号码已更正为 ${phone}（电话核实）`,
    unreachable: '记为联系不上',
  },
};
