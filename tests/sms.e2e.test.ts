/**
 * SMS (issue #13) on the simulated provider: the L4 step `sms` texts the directive to silent families none
 * of whose guardians is in the parents group, once; a reply by SMS is read like a chat reply (收到 counts,
 * 没收到 does not); a number's daily cap; quiet hours; a crash mid-send is never sent twice; with SMS
 * disabled those families go on the counselor's call list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Person } from '../src/domain/org.js';
import { SIMULATED_SMS, SMS } from '../src/features/sms/index.js';
import { issue, passTime, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

const MIN = 60_000;
const NONE: never[] = [];
const ONLY_SMS = { L1: NONE, L2: NONE, L3: NONE, L4: [{ after: '120m', action: 'sms' }] };

/** Three families of 计算机学院 whose guardians all leave the parents group (its member list is kept). */
function takeOut(s: TestSchool, n = 3): Person[] {
  const org = s.runtime.app.org();
  const college = org.collegeNamed('计算机学院');
  const l4 = org.groupByKeyText('L4:计算机学院');
  if (!college || !l4) throw new Error('fixture');
  const students = org.classesOf(college.id).flatMap((k) => org.studentsOf(k.id)).slice(0, n);
  const world = s.runtime.school.world;
  for (const st of students) {
    for (const g of org.guardiansOf(st.id)) {
      for (const pg of org.platformGroupsOf(l4.id)) {
        for (const account of org.accountsOn(g.guardianId, pg.platform)) if (world.isMember(pg.chatId, account)) world.leave(pg.chatId, account);
      }
    }
  }
  return students;
}

function firstGuardianPhone(s: TestSchool, student: Person): string {
  const org = s.runtime.app.org();
  const g = org.guardiansOf(student.id)[0];
  const phone = g ? s.runtime.app.get(SMS).phones([g.guardianId]).get(g.guardianId) : undefined;
  if (!phone) throw new Error('fixture: no phone');
  return phone;
}

describe('SMS to families outside the parents group', () => {
  it('texts each silent family once at 120 min, logs it, and counts a 收到 by SMS (not a 没收到)', async () => {
    school = await startTestSchool({ config: { sms: { enabled: true, minGapMs: 0 }, chasing: { levels: ONLY_SMS } } });
    const out = takeOut(school);
    await school.settle();
    const id = await issue(school, '/通知 学院=计算机学院 请家长提醒孩子周日前返校');
    await passTime(school, 130 * MIN);
    const provider = school.runtime.app.get(SIMULATED_SMS);
    expect(provider.sent.map((m) => m.phone).sort()).toEqual(out.map((st) => firstGuardianPhone(school as TestSchool, st)).sort());
    expect(provider.sent[0]?.text).toBe(`【示范大学】示范大学第${id}号通知：请家长提醒孩子周日前返校（请回复“收到”）`);
    // Once: later rounds do not text again.
    await passTime(school, 240 * MIN);
    expect(provider.sent).toHaveLength(3);
    const logged = school.runtime.app.repos.contactLog.list().filter((e) => e.channel === 'bot_sms');
    expect(logged).toHaveLength(3);
    expect(logged.map((e) => e.deliveryStatus)).toEqual(['sent', 'sent', 'sent']);

    const [a, b] = out;
    if (!a || !b) throw new Error('fixture');
    provider.reply(firstGuardianPhone(school, a), '收到，谢谢老师');
    provider.reply(firstGuardianPhone(school, b), '没收到啊');
    await school.runtime.app.get(SMS).pull();
    await school.settle();
    const acks = school.runtime.app.repos.db.$client.prepare("SELECT level, subject_id AS subject FROM acknowledgements WHERE via = 'sms'").all();
    expect(acks).toEqual([{ level: 4, subject: a.id }]);
    const replies = school.runtime.app.repos.contactLog.list().filter((e) => e.channel === 'sms');
    expect(replies.map((e) => e.outcome)).toEqual(['计为已回复', '未计为回复']);
    // Receipts: delivered.
    const rows = school.runtime.app.repos.sms.since(0);
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('keeps to a number\'s daily cap: over it, the family goes on the counselor\'s call list', async () => {
    school = await startTestSchool({ config: { sms: { enabled: true, minGapMs: 0, perNumberPerDay: 1 }, chasing: { levels: ONLY_SMS } } });
    takeOut(school, 1);
    await school.settle();
    await issue(school, '/通知 学院=计算机学院 第一件事');
    await issue(school, '/通知 学院=计算机学院 第二件事');
    await passTime(school, 130 * MIN);
    const provider = school.runtime.app.get(SIMULATED_SMS);
    expect(provider.sent).toHaveLength(1);
    expect(school.runtime.app.repos.sms.since(0).map((r) => [r.status, r.reason])).toContainEqual(['skipped', 'per_number_cap']);
    expect(school.botMessages('私聊:S111').some((m) => m.text.includes('/已联系 编号 结果'))).toBe(true);
  });

  it('with SMS disabled, the families go on the counselor\'s call list instead', async () => {
    school = await startTestSchool({ config: { chasing: { levels: ONLY_SMS } } });
    const out = takeOut(school, 2);
    await school.settle();
    await issue(school, '/通知 学院=计算机学院 请家长提醒孩子周日前返校');
    await passTime(school, 130 * MIN);
    expect(school.runtime.app.get(SIMULATED_SMS).sent).toHaveLength(0);
    const list = school.botMessages().filter((m) => m.chatType === 'private' && m.text.includes('/已联系 编号 结果'));
    const text = list.map((m) => m.text).join('\n');
    for (const st of out) expect(text).toContain(`${st.name}家长：`);
  });
});

describe('verifying a number by SMS', () => {
  it('/核实 … 短信验证 texts a code; the code texted back marks the number 短信验证 (another text does not)', async () => {
    school = await startTestSchool({ config: { sms: { enabled: true, minGapMs: 0 } } });
    expect((await school.ask('S111', '私聊', '/核实 2023010101 母亲 短信验证')).text).toContain('已发送验证码短信');
    await school.settle();
    const provider = school.runtime.app.get(SIMULATED_SMS);
    const [sms] = provider.sent;
    const code = /\d{6}/u.exec(sms?.text ?? '')?.[0] ?? '';
    expect(sms?.phone).toBe('13764627364');
    expect(code).toMatch(/^\d{6}$/u);
    provider.reply('13764627364', '123');
    provider.reply('13764627364', `验证码${code}`);
    await school.runtime.app.get(SMS).pull();
    expect((await school.ask('S111', '私聊', '/通讯录 2023010101')).text).toContain('母亲 曹娜 13764627364（短信验证 3月2日）');
    // The code itself is never shown to the counselor.
    expect(school.botMessages('私聊:S111').some((m) => m.text.includes(code))).toBe(false);
  });

  it('without SMS, says so', async () => {
    school = await startTestSchool();
    expect((await school.ask('S111', '私聊', '/核实 2023010101 母亲 短信验证')).text).toContain('短信功能未启用');
  });
});

describe('the directive option 短信', () => {
  it('texts every family outside the parents group at release, and the chase step does not text them again', async () => {
    school = await startTestSchool({ config: { sms: { enabled: true, minGapMs: 0 }, chasing: { levels: ONLY_SMS } } });
    const out = takeOut(school, 2);
    await school.settle();
    const id = await issue(school, '/通知 短信 学院=计算机学院 明天上午停水，请家长提醒孩子');
    const provider = school.runtime.app.get(SIMULATED_SMS);
    expect(provider.sent.map((m) => m.phone).sort()).toEqual(out.map((st) => firstGuardianPhone(school as TestSchool, st)).sort());
    expect(provider.sent[0]?.text).toContain(`第${id}号通知：明天上午停水，请家长提醒孩子`);
    await passTime(school, 130 * MIN);
    expect(provider.sent).toHaveLength(2);
    // Without the option nobody is texted at release.
    await issue(school, '/通知 学院=计算机学院 第二件事');
    expect(provider.sent).toHaveLength(2);
  });
});

describe('a message that waited', () => {
  it('is not sent once the family has replied (planned in quiet hours, the reply came first)', async () => {
    school = await startTestSchool({ config: { sms: { enabled: true, minGapMs: 0 }, chasing: { levels: ONLY_SMS } } });
    const [student] = takeOut(school, 1);
    if (!student) throw new Error('fixture');
    await school.settle();
    await passTime(school, 15 * 60 * MIN); // 23:00
    const id = await issue(school, '/通知 短信 学院=计算机学院 明早七点前到校');
    const repo = school.runtime.app.repos.sms;
    expect(repo.since(0).map((r) => r.status)).toEqual(['planned']);
    // The family answers before 07:00 (e.g. the counselor reached them).
    const org = school.runtime.app.org();
    const group = org.groupByKeyText('L4:计算机学院');
    school.runtime.app.repos.directives.acknowledge([
      { directiveId: id, level: 4, kind: 'ack', subjectId: student.id, byPersonId: null, collegeId: student.collegeId, classId: student.classId, groupId: group?.id ?? 0, inboundId: 0, at: school.clock.now(), late: false, via: 'call' },
    ]);
    await passTime(school, 9 * 60 * MIN);
    expect(repo.since(0).map((r) => [r.status, r.reason])).toEqual([['skipped', 'answered']]);
    expect(school.runtime.app.get(SIMULATED_SMS).sent).toHaveLength(0);
  });
});

describe('sending', () => {
  it('waits for the end of quiet hours (the chase step waits), and never sends twice after a crash mid-send', async () => {
    school = await startTestSchool({ config: { sms: { enabled: true, minGapMs: 0 }, chasing: { levels: ONLY_SMS } } });
    const out = takeOut(school, 1);
    await school.settle();
    // 20:45 + 120 min = 22:45: in quiet hours (22:30–07:00).
    await passTime(school, 12 * 60 * MIN + 45 * MIN);
    await issue(school, '/通知 学院=计算机学院 明早之前完成');
    await passTime(school, 130 * MIN);
    const provider = school.runtime.app.get(SIMULATED_SMS);
    expect(provider.sent).toHaveLength(0);
    await passTime(school, 9 * 60 * MIN);
    expect(provider.sent).toHaveLength(1);
    expect(new Date(provider.sent[0]?.at ?? 0).toISOString()).toBe('2026-03-02T23:00:00.000Z');

    // A message left mid-call by a dead run: uncertain, not sent again.
    const [student] = out;
    if (!student) throw new Error('fixture');
    const repo = school.runtime.app.repos.sms;
    const [idNew] = repo.plan([{ key: 'test-crash', kind: 'reminder', phone: '13900000000', personId: null, studentId: student.id, directiveId: null, templateId: 'SIM_REMINDER', params: [], urgent: true }], school.clock.now());
    expect(repo.claim(idNew ?? -1)?.status).toBe('sending');
    expect(school.runtime.app.get(SMS).recover()).toBe(1);
    await school.runtime.app.get(SMS).kick();
    await school.settle();
    expect(repo.get(idNew ?? -1)?.status).toBe('uncertain');
    expect(provider.sent.filter((m) => m.outId === 'test-crash')).toHaveLength(0);
  });
});
