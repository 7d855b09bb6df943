/**
 * The home–school contact log (issue #13): staff write entries privately (`/记录`), list and correct their
 * own within a day (a correction keeps the original), in their scope only; Cascade writes its own
 * entries (a family handed to the counselor to phone, a private reminder, a check by phone); the export.
 */
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { issue, passTime, startTestSchool, START, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const NONE: never[] = [];

describe('/记录', () => {
  it('adds an entry, lists one\'s own, and corrects it within a day keeping the original', async () => {
    school = await startTestSchool();
    const added = await school.ask('S111', '私聊', '/记录 2023010101 母亲 电话 告知周日返校 结果：家长已知晓');
    const id = Number(/编号 (\d+)/u.exec(added.text)?.[1]);
    expect(added.text).toBe(`已记录（编号 ${id}）：3月2日 08:00 电话 宋辉瑶的母亲 曹娜：告知周日返校；结果：家长已知晓`);
    // By name, to the student, by WeChat.
    expect((await school.ask('S111', '私聊', '/记录 宋辉瑶 本人 微信 提醒按时返校')).text).toContain('微信 宋辉瑶本人：提醒按时返校');
    const mine = await school.ask('S111', '私聊', '/记录');
    expect(mine.text).toContain('您最近的 2 条家校联系记录');
    expect(mine.text).toContain(`${id}. 3月2日 08:00 电话 宋辉瑶的母亲 曹娜：告知周日返校`);

    expect((await school.ask('S111', '私聊', `/更正记录 ${id} 告知周六返校 结果：家长已知晓`)).text).toBe(
      `已更正记录 ${id}（原记录保留）：3月2日 08:00 电话 宋辉瑶的母亲 曹娜：告知周六返校；结果：家长已知晓`,
    );
    expect((await school.ask('S111', '私聊', '/记录')).text).toContain(`${id}. 3月2日 08:00 电话 宋辉瑶的母亲 曹娜：告知周六返校；结果：家长已知晓（已更正）`);
    // Somebody else's entry, and one's own after a day.
    expect((await school.ask('S101', '私聊', `/更正记录 ${id} 改掉`)).text).toBe('只能更正自己写的记录。');
    await passTime(school, 25 * HOUR);
    expect((await school.ask('S111', '私聊', `/更正记录 ${id} 又改`)).text).toContain('已超过 24 小时');

    const { CONTACT_LOG } = await import('../src/features/contacts/index.js');
    expect(CONTACT_LOG).toBeDefined();
    const views = school.runtime.app.repos.contactLog.list();
    expect(views.map((v) => v.text)).toEqual(['告知周六返校', '提醒按时返校']);
    expect(views[0]?.corrected).toEqual([{ text: '告知周日返校', outcome: '家长已知晓', at: START }]);
  });

  it('keeps to the scope, to private chat, and explains a malformed entry', async () => {
    school = await startTestSchool();
    expect((await school.ask('S112', '私聊', '/记录 2023010101 电话 问候')).text).toBe('在您负责的范围内没有找到这名学生（请写学号或姓名）。');
    expect((await school.ask('S111', 'L3:计算机2301', '/记录 2023010101 电话 问候')).text).toContain('请私聊机器人');
    expect((await school.ask('S111', '私聊', '/记录 2023010101 飞鸽 问候')).text).toContain('用法：/记录');
    // Not found, and not quoted back.
    expect((await school.ask('S111', '私聊', '/记录 2023010101 舅舅 电话 问候')).text).toBe('名单中该学生没有这位家长（请写父亲、母亲等关系，或家长姓名）。');
    expect((await school.ask('S111', '私聊', `/记录 2023010101 电话 ${'很长'.repeat(200)}`)).text).toContain('用法：/记录');
    expect((await school.ask('2023010102', '私聊', '/记录 2023010101 电话 问候')).text).not.toContain('已记录');
    expect(school.runtime.app.repos.contactLog.list()).toEqual([]);
  });

  it('a check by phone (/核实) is a contact too', async () => {
    school = await startTestSchool();
    await school.ask('S111', '私聊', '/核实 2023010101 父亲 号码错误 13900000000');
    const [entry] = school.runtime.app.repos.contactLog.list();
    expect(entry).toMatchObject({ channel: 'phone', contactLabel: '父亲', text: '核实联系电话', outcome: '号码有误，已在通讯录中更正', source: 'staff' });
    expect(JSON.stringify(entry)).not.toContain('13900000000');
    expect((await school.ask('S111', '私聊', '/通讯录 2023010101')).text).toContain('父亲 宋鹏宇 13900000000');
  });
});

describe('Cascade\'s own entries', () => {
  it('records each family handed to the counselor to phone, once, and exports the log', async () => {
    // WeChat parents cannot be messaged by a bot that is not their friend: the counselors get whom to phone.
    school = await startTestSchool({ config: { chasing: { levels: { L1: NONE, L2: NONE, L3: NONE, L4: [{ after: '90m', action: 'private' }] } } } });
    const id = await issue(school, '/通知 学院=外国语学院 请家长提醒孩子按时返校');
    const org = school.runtime.app.org();
    const students = org.classesOf(org.collegeNamed('外国语学院')?.id ?? -1).flatMap((k) => org.studentsOf(k.id));
    await passTime(school, 3 * HOUR);
    const entries = school.runtime.app.repos.contactLog.list();
    expect(entries).toHaveLength(students.length);
    expect(new Set(entries.map((e) => e.studentId))).toEqual(new Set(students.map((s) => s.id)));
    expect(entries[0]).toMatchObject({ channel: 'phone_task', source: 'cascade', contactLabel: '家长', byPersonId: null, text: `第${id}号通知未回复，机器人无法私信，已请辅导员电话联系` });
    // Another round does not write them again (one entry per reminder).
    await passTime(school, 3 * HOUR);
    expect(school.runtime.app.repos.contactLog.list()).toHaveLength(students.length);

    // A list with numbers is personal data handed over: it is in the access log.
    expect(school.runtime.app.repos.access.list().filter((e) => e.what === 'call_list').map((e) => e.by.split(' ')[0])).toContain('S211');
    // The counselor's list is numbered and carries the numbers to phone (privately).
    const list = school.botMessages('私聊:S211').find((m) => m.text.includes('/已联系 编号 结果'));
    const first = students.find((st) => st.classId !== null && org.counselorsOf(st.classId).some((c) => c.extId === 'S211'));
    if (!list || !first) throw new Error('no call list');
    const line = new RegExp(`(\\d+)\\. ${first.name}家长：(.*)`, 'u').exec(list.text);
    const [guardian] = org.guardiansOf(first.id);
    expect(line?.[2]).toContain(`${guardian?.relation ?? ''}`);
    expect(line?.[2]).toMatch(/1\d{10}/u);
    const no = Number(line?.[1]);
    // A call that reached nobody is logged, not counted; one where the parent got it counts as their reply.
    expect((await school.ask('S211', '私聊', `/已联系 ${no} 没人接`)).text).toContain('未计为已回复');
    expect((await school.ask('S211', '私聊', `/已联系 ${no} 家长已收到`)).text).toBe(`已记录：${first.name}家长，第${id}号通知，家长已收到。已计为已回复（电话联系）。`);
    const acks = school.runtime.app.repos.db.$client.prepare("SELECT level, subject_id, via FROM acknowledgements WHERE via = 'call'").all();
    expect(acks).toEqual([{ level: 4, subject_id: first.id, via: 'call' }]);
    const calls = school.runtime.app.repos.contactLog.list().filter((e) => e.source === 'staff');
    expect(calls.map((e) => [e.channel, e.outcome])).toEqual([
      ['phone', '没人接'],
      ['phone', '家长已收到'],
    ]);
    // Someone else's list: another college's counselor cannot use the number.
    expect((await school.ask('S111', '私聊', `/已联系 ${no} 已收到`)).text).toBe('这个联系任务不在您负责的范围内。');

    const { contactLogEntries, contactLogWorkbook } = await import('../src/features/contacts/log-export.js');
    const json = contactLogEntries(org, school.runtime.app.repos.contactLog.list());
    expect(json[0]).toMatchObject({ by: 'cascade', student: students[0]?.extId, contact: '家长', channel: 'phone_task', channelLabel: '电话任务' });
    expect(Object.keys(json[0] ?? {})).toEqual(expect.arrayContaining(['at', 'by', 'student', 'contact', 'channel', 'text']));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await contactLogWorkbook(json, new Date(START), 'Asia/Shanghai', '外国语学院')) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['2026年3月']);
    const ws = wb.worksheets[0];
    expect(ws?.pageSetup.paperSize).toBe(9);
    expect(String(ws?.getCell('A1').value)).toBe('家校联系工作日志（外国语学院，2026年3月）');
    expect(ws?.getRow(2).values).toContain('联系内容');
    expect(ws?.rowCount).toBe(2 + students.length + 2);
  });
});
