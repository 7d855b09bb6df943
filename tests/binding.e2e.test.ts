/**
 * `/绑定` on the simulator with real Redis and SQLite: students and parents binding their own
 * accounts, checked against the roster, conflicts held for the counselor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BindingDesk } from '../src/features/binding/desk.js';
import type { InboundMessage } from '../src/platform/port.js';
import { passTime, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

/** A new account on a platform adds the first bot of that platform as a friend and writes to it. */
function dm(s: TestSchool, userId: string, platform: 'qq' | 'wechat', text: string): void {
  const { world } = s.runtime.school;
  const bot = s.runtime.school.accountsOn(platform)[0] ?? '';
  if (!world.user(userId)) world.addUser({ userId, nickname: userId, platform });
  if (!world.isFriend(bot, userId)) world.befriend(bot, userId);
  world.sayPrivate(userId, bot, text);
}

function answers(s: TestSchool, userId: string, since: number): string {
  return s.runtime.school.world
    .transcript()
    .slice(since)
    .filter((m) => m.chatType === 'private' && m.toUserId === userId)
    .map((m) => m.text)
    .join('\n');
}

describe('/绑定', () => {
  it('binds a student’s new account and a parent’s, and the bindings take effect at once', async () => {
    school = await startTestSchool();
    const org = () => school?.runtime.app.org();
    const student = org()?.personByRef('2023010101');
    if (!student) throw new Error('demo roster changed');
    const mark = school.mark();
    // Students have no WeChat id in the roster; parents have no QQ number.
    dm(school, 'wxid_newstudent', 'wechat', `/绑定 2023010101 ${student.name}`);
    dm(school, '66660001', 'qq', `/绑定 2023010101 ${student.name} 妈妈`);
    await school.settle();
    expect(answers(school, 'wxid_newstudent', mark)).toContain(`绑定成功：您的账号已绑定为${student.name}`);
    expect(answers(school, '66660001', mark)).toContain(`绑定成功：您的账号已绑定为${student.name}的母亲`);
    expect(org()?.personByPlatformAccount('wechat', 'wxid_newstudent')?.id).toBe(student.id);
    const mother = org()?.guardiansOf(student.id).find((g) => g.relation === '母亲');
    expect(org()?.personByPlatformAccount('qq', '66660001')?.id).toBe(mother?.guardianId);
    // Recorded: who bound, when.
    expect(school.runtime.app.repos.bindings.events('wechat', 'wxid_newstudent')).toMatchObject([{ action: 'bound', personId: student.id, byPersonId: student.id }]);
  });

  it('stops an account after five refused attempts a day', async () => {
    school = await startTestSchool();
    for (let i = 0; i < 5; i++) {
      dm(school, '66660009', 'qq', `/绑定 20230101${String(i).padStart(2, '0')} 某某`);
      await school.settle();
    }
    // (Answers to people without a role are rationed per minute: the next tries come later.)
    await passTime(school, 2 * 60_000);
    const mark = school.mark();
    dm(school, '66660009', 'qq', `/绑定 2023010101 ${school.runtime.app.org().personByRef('2023010101')?.name ?? ''}`);
    await school.settle();
    expect(answers(school, '66660009', mark)).toContain('今天的尝试次数已用完');
    // Not even a right 学号 and name is tried: nothing bound, no sixth refusal recorded.
    expect(school.runtime.app.org().personByPlatformAccount('qq', '66660009')).toBeUndefined();
    expect(school.runtime.app.repos.bindings.events('qq', '66660009').filter((e) => e.action === 'refused')).toHaveLength(5);
  });

  it('refuses a wrong name, an unknown number and a relation the roster does not have, and names no one', async () => {
    school = await startTestSchool();
    const mark = school.mark();
    dm(school, '66660002', 'qq', '/绑定 2023010101 张冠李');
    dm(school, '66660003', 'qq', '/绑定 2099999999 张三');
    dm(school, '66660004', 'qq', '/绑定 2023010101');
    await school.settle();
    const real = school.runtime.app.org().personByRef('2023010101')?.name ?? '?';
    // The same answer for a wrong name and an unknown number: which one was wrong is not told.
    expect(answers(school, '66660002', mark)).toContain('学号和姓名与名单不符');
    expect(answers(school, '66660002', mark)).not.toContain(real);
    expect(answers(school, '66660003', mark)).toContain('学号和姓名与名单不符');
    expect(answers(school, '66660003', mark)).not.toContain('2099999999');
    expect(answers(school, '66660004', mark)).toContain('用法：学生发送“/绑定 学号 姓名”');
    dm(school, '66660005', 'qq', `/绑定 2023010101 ${real} 外婆`);
    // Not a relation word: not read, not echoed; the usage is the answer.
    dm(school, '66660006', 'qq', `/绑定 2023010101 ${real} 请联系13800138000`);
    await school.settle();
    expect(answers(school, '66660005', mark)).toContain('名单中没有该学生这位家长的信息');
    expect(answers(school, '66660005', mark)).not.toContain('外婆');
    expect(answers(school, '66660006', mark)).toContain('用法：');
    expect(answers(school, '66660006', mark)).not.toContain('13800138000');
  });

  it('limits guardians per student also within one batch, before the org index is rebuilt', async () => {
    school = await startTestSchool({ config: { membership: { maxGuardians: 1 } } });
    const app = school.runtime.app;
    const stale = app.org();
    const name = stale.personByRef('2023010101')?.name ?? '?';
    // Two /绑定 handled in one batch see the same org index: the store must decide.
    const desk = new BindingDesk({ org: () => stale, bindings: app.repos.bindings, reviews: app.repos.reviews, clock: school.clock, maxGuardians: 1 });
    const ev = (userId: string): InboundMessage => ({
      kind: 'message', platform: 'qq', accountId: 'qq-bot-1', chat: { type: 'private' }, sender: { userId, nickname: userId },
      text: '/绑定', mentions: [], mentionsBot: false, at: school?.clock.now() ?? 0,
    });
    const first = desk.bind(ev('66660016'), 1, { studentNo: '2023010101', name, relation: '妈妈', account: null });
    const second = desk.bind(ev('66660017'), 2, { studentNo: '2023010101', name, relation: '爸爸', account: null });
    expect(first.changed).toBe(true);
    expect(second.changed).toBe(false);
    expect(second.text).toContain('该学生已有 1 位家长绑定了账号');
    // The same account then claims the student too: held, not bound (the store knows it is the mother's).
    const third = desk.bind(ev('66660016'), 3, { studentNo: '2023010101', name, relation: null, account: null });
    expect(third.changed).toBe(false);
  });

  it('limits guardians per student', async () => {
    school = await startTestSchool({ config: { membership: { maxGuardians: 1 } } });
    const name = school.runtime.app.org().personByRef('2023010101')?.name ?? '?';
    const mark = school.mark();
    dm(school, '66660006', 'qq', `/绑定 2023010101 ${name} 妈妈`);
    await school.settle();
    dm(school, '66660007', 'qq', `/绑定 2023010101 ${name} 爸爸`);
    await school.settle();
    expect(answers(school, '66660006', mark)).toContain('绑定成功');
    expect(answers(school, '66660007', mark)).toContain('该学生已有 1 位家长绑定了账号');
    expect(school.runtime.app.org().personByPlatformAccount('qq', '66660007')).toBeUndefined();
  });

  it('holds a conflict for the counselor, who settles it with /确认; /绑定 in a group is sent back to private chat', async () => {
    school = await startTestSchool();
    const student = school.runtime.app.org().personByRef('2023010102');
    if (!student) throw new Error('demo roster changed');
    const mark = school.mark();
    // The student's roster QQ number is another account: a new phone, or someone else.
    dm(school, '66660008', 'qq', `/绑定 2023010102 ${student.name}`);
    school.say('2023010103', 'L3:计算机2301', '/绑定 2023010103 某某');
    await school.settle();
    expect(answers(school, '66660008', mark)).toContain('已提交辅导员确认');
    expect(school.botMessages('L3:计算机2301', mark).map((m) => m.text).join('\n')).toContain('请私聊机器人发送 /绑定');
    expect(school.runtime.app.org().personByPlatformAccount('qq', '66660008')).toBeUndefined();

    const asked = school.mark();
    school.say('S111', '私聊', '/待确认');
    await school.settle();
    const list = school.botMessages('私聊:S111', asked).map((m) => m.text).join('\n');
    expect(list).toContain(`申请绑定为${student.name}`);
    const id = /【(\d+)】/u.exec(list)?.[1];
    school.say('S111', '私聊', `/确认 ${id ?? ''}`);
    await school.settle();
    expect(school.runtime.app.org().personByPlatformAccount('qq', '66660008')?.id).toBe(student.id);
    const events = school.runtime.app.repos.bindings.events('qq', '66660008');
    expect(events.map((e) => e.action)).toEqual(['held', 'confirmed']);
    expect(events[1]?.byPersonId).toBe(school.runtime.app.org().personByRef('S111')?.id);
  });

  it('lets a counselor bind and unbind accounts of people in their scope, and only there', async () => {
    school = await startTestSchool();
    const org = () => school?.runtime.app.org();
    const student = org()?.personByRef('2023010106');
    if (!student) throw new Error('demo roster changed');
    const mark = school.mark();
    school.say('S111', '私聊', `/绑定 2023010106 ${student.name} 妈妈 qq:55550001`);
    school.say('S112', '私聊', `/绑定 2023010106 ${student.name} qq:55550002`); // not S112's class
    await school.settle();
    const mother = org()?.guardiansOf(student.id).find((g) => g.relation === '母亲');
    expect(school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n')).toContain(`已将账号 qq:55550001 绑定为${student.name}的母亲`);
    expect(org()?.personByPlatformAccount('qq', '55550001')?.id).toBe(mother?.guardianId);
    expect(school.botMessages('私聊:S112', mark).map((m) => m.text).join('\n')).toContain('不在您负责的范围内');
    expect(org()?.personByPlatformAccount('qq', '55550002')).toBeUndefined();

    const roster = org()?.accountOn(student.id, 'qq') ?? '';
    school.say('S111', '私聊', '/解绑 qq:55550001');
    school.say('S111', '私聊', `/解绑 qq:${roster}`);
    await school.settle();
    const answers = school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n');
    expect(answers).toContain('已解除账号 qq:55550001 的绑定');
    expect(answers).toContain('来自名单中的联系方式');
    expect(org()?.personByPlatformAccount('qq', '55550001')).toBeUndefined();
    expect(org()?.personByPlatformAccount('qq', roster)?.id).toBe(student.id);
    expect(school.runtime.app.repos.bindings.events('qq', '55550001').map((e) => [e.action, e.byPersonId])).toEqual([
      ['confirmed', org()?.personByRef('S111')?.id],
      ['unbound', org()?.personByRef('S111')?.id],
    ]);
  });

  it('never lets a counselor take a roster or staff account, or one held by someone outside their scope', async () => {
    school = await startTestSchool();
    const org = () => school?.runtime.app.org();
    const student = org()?.personByRef('2023010101');
    const leader = org()?.personByRef('T001');
    if (!student || !leader) throw new Error('demo roster changed');
    const leaderQq = org()?.accountOn(leader.id, 'qq') ?? '';
    const mark = school.mark();
    school.say('S111', '私聊', `/绑定 2023010101 ${student.name} qq:${leaderQq}`);
    await school.settle();
    expect(school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n')).toContain('来自名单中的联系方式');
    expect(org()?.personByPlatformAccount('qq', leaderQq)?.id).toBe(leader.id);
  });
});

