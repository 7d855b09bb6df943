/**
 * WeChat re-login on the simulator with real Redis and SQLite: the wechat bot account logs in again and
 * every contact and room id it sees changes (as with wechat4u). Cascade finds its rooms and people
 * again — by the kept member lists, the remarks it wrote, the cards — and goes on counting, relaying
 * and auditing as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { advanceClock, startTestSchool, issue, level, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

const BOT = 'wx-bot-1';
const PARENTS = 'L4:计算机学院';

async function relogin(s: TestSchool, options: { loseRemarks?: boolean } = {}): Promise<void> {
  await s.settle();
  s.runtime.school.world.relogin(BOT, options);
  await s.runtime.school.world.flush();
  await s.runtime.app.sessions.get(BOT)?.settled();
  await s.settle();
}

function text(s: TestSchool, to: string, since: number): string {
  return s.botMessages(to, since).map((m) => m.text).join('\n');
}

/** The chat ids of the platform groups behind a logical group. */
function chats(s: TestSchool, key: string): string[] {
  const org = s.runtime.app.org();
  const g = org.groupByKeyName(key);
  return g ? org.platformGroupsOf(g.id).map((pg) => pg.chatId) : [];
}

describe('WeChat re-login', () => {
  it('finds every room and member again after all ids change, and the audit still finds nothing wrong', async () => {
    school = await startTestSchool({ config: { membership: { remarkGap: 0 } } });
    await school.runtime.app.sessions.get(BOT)?.settled();
    const mark = school.mark();
    school.say('S101', PARENTS, '/核对');
    await school.settle();
    const before = text(school, PARENTS, mark);
    expect(before).toContain('没有发现问题');

    await relogin(school);
    // (Two identical messages from one person within seconds are one message on WeChat: time passes.)
    advanceClock(school, 60_000);
    const r = school.runtime.app.sessions.get(BOT)?.lastResolution;
    // Two rooms share the college's name; they are told apart by their members.
    expect(r).toMatchObject({ rooms: 4, roomsFound: 4 });
    expect(r?.byHow.new).toBe(0);
    const again = school.mark();
    school.say('S101', PARENTS, '/核对');
    await school.settle();
    expect(text(school, PARENTS, again)).toBe(before);
  });

  it('relays to the rooms under their new ids and counts each parent’s 收到 as that parent', async () => {
    school = await startTestSchool({ config: { membership: { remarkGap: 0 } } });
    await relogin(school);
    const id = await issue(school, '/通知 截止=18:00 请各位家长提醒孩子按时返校');
    // The directive reaches the parents' rooms through the adapter's new ids.
    await school.settle();
    for (const chat of chats(school, PARENTS)) {
      expect(school.runtime.school.world.transcript().some((m) => m.chatType === 'group' && m.chatId === chat && m.text.includes('按时返校'))).toBe(true);
    }
    const org = school.runtime.app.org();
    const student = org.personByRef('2023010101');
    const mother = student ? org.guardiansOf(student.id).find((g) => g.relation === '母亲') : undefined;
    if (!student || !mother) throw new Error('demo roster changed');
    const before = level(school, id, 4)?.acknowledged ?? 0;
    school.say(`家长:2023010101:${org.person(mother.guardianId)?.name ?? ''}`, PARENTS, '收到');
    await school.settle();
    expect(level(school, id, 4)?.acknowledged ?? 0).toBe(before + 1);
  });

  it('finds a parent bound by the counselor, whose card nobody can read, by the remark written at binding', async () => {
    school = await startTestSchool({ config: { membership: { remarkGap: 0 } } });
    const { world } = school.runtime.school;
    const org = school.runtime.app.org();
    const student = org.personByRef('2023010101');
    const father = student ? org.guardiansOf(student.id).find((g) => g.relation === '父亲') : undefined;
    if (!student || !father) throw new Error('demo roster changed');
    const fatherName = org.person(father.guardianId)?.name ?? '';
    // The father joins with a new WeChat account and a card nobody can read; he adds the bot as a friend.
    const chat = chats(school, PARENTS)[0] ?? '';
    const rosterId = org.accountOn(father.guardianId, 'wechat') ?? '';
    if (world.isMember(chat, rosterId)) world.leave(chat, rosterId);
    world.addUser({ userId: 'wxid_newfather', nickname: '老宋', platform: 'wechat' });
    world.join(chat, 'wxid_newfather', { card: '一只快乐的鱼' });
    world.befriend(BOT, 'wxid_newfather');
    await school.settle();
    // The deputy secretary binds the account (as /核对 lists it).
    const mark = school.mark();
    school.say('S101', '私聊', `/绑定 2023010101 ${student.name} 爸爸 wechat:wxid_newfather`);
    await school.settle();
    expect(school.botMessages('私聊:S101', mark).map((m) => m.text).join('\n')).toContain('已将账号 wechat:wxid_newfather 绑定为');
    await school.runtime.app.sessions.get(BOT)?.settled();
    // The remark `姓名·学号` was written on the contact.
    expect(world.remarkOf(BOT, 'wxid_newfather')).toBe(`${fatherName}·2023010101`);

    world.setCard(chat, 'wxid_newfather', '鱼');
    await relogin(school);
    const r = school.runtime.app.sessions.get(BOT)?.lastResolution;
    expect(r?.byHow.remark).toBeGreaterThanOrEqual(1);
    // Still him: his 收到 counts for his family.
    const id = await issue(school, '/通知 请家长确认孩子返校时间');
    const acked = level(school, id, 4)?.acknowledged ?? 0;
    world.say('wxid_newfather', chat, '收到');
    await school.settle();
    expect(level(school, id, 4)?.acknowledged ?? 0).toBe(acked + 1);
  });

  it('knows a student who bound their WeChat themselves after a re-login, in a private chat', async () => {
    school = await startTestSchool({ config: { membership: { remarkGap: 0 } } });
    const { world } = school.runtime.school;
    const student = school.runtime.app.org().personByRef('2023010101');
    if (!student) throw new Error('demo roster changed');
    world.addUser({ userId: 'wxid_newstudent', nickname: '小曹', platform: 'wechat' });
    world.befriend(BOT, 'wxid_newstudent');
    world.sayPrivate('wxid_newstudent', BOT, `/绑定 2023010101 ${student.name}`);
    await school.settle();
    await school.runtime.app.sessions.get(BOT)?.settled();
    expect(world.remarkOf(BOT, 'wxid_newstudent')).toBe(`${student.name}·2023010101`);
    await relogin(school);
    advanceClock(school, 60_000);
    const mark = school.mark();
    world.sayPrivate('wxid_newstudent', BOT, `/绑定 2023010101 ${student.name}`);
    await school.settle();
    // Answered as the bound student, through the new session's id.
    const answer = school.runtime.school.world.transcript().slice(mark).filter((m) => m.chatType === 'private' && m.toUserId === 'wxid_newstudent');
    expect(answer.map((m) => m.text).join('\n')).toContain('已经绑定');
  });

  it('without remarks or kept lists, reads cards: a parent with a standard card is found, an unreadable one becomes someone new', async () => {
    school = await startTestSchool({ config: { membership: { remarkGap: 0 } } });
    const { world } = school.runtime.school;
    const chat = chats(school, PARENTS)[0] ?? '';
    world.addUser({ userId: 'wxid_unknown1', nickname: '路人', platform: 'wechat' });
    world.join(chat, 'wxid_unknown1', { card: '路人甲' });
    await school.settle();
    // Everything kept is lost: the member lists and the session ids (a new data directory would do the same).
    school.runtime.db.$client.exec('DELETE FROM group_members; DELETE FROM member_lists;');
    await relogin(school, { loseRemarks: true });
    const r = school.runtime.app.sessions.get(BOT)?.lastResolution;
    expect(r?.roomsFound).toBe(4);
    expect(r?.byHow.card).toBeGreaterThan(100);
    expect(r?.byHow.new).toBe(1);
    const mark = school.mark();
    school.say('S101', PARENTS, '/核对');
    await school.settle();
    const details = text(school, '私聊:S101', mark);
    expect(details).toContain('名片“路人甲”');
    // The stranger is named by their new session id, the account `/解绑` and `/绑定 … wechat:` take.
    expect(details).toMatch(/wechat:@[0-9a-f]{24}/u);
  });

  it('keeps the ids of the session across an app restart', async () => {
    school = await startTestSchool({ config: { membership: { remarkGap: 0 } } });
    await relogin(school);
    await school.runtime.restart(false);
    await school.runtime.app.sessions.get(BOT)?.settled();
    const r = school.runtime.app.sessions.get(BOT)?.lastResolution;
    expect(r?.byHow.new).toBe(0);
    expect(r?.people).toBe(r?.byHow.same);
    const mark = school.mark();
    school.say('S101', PARENTS, '/核对');
    await school.settle();
    expect(text(school, PARENTS, mark)).toContain('没有发现问题');
  });
});
