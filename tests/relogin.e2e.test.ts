/**
 * WeChat re-login on the simulator with real Redis and SQLite: the wechat bot account logs in again and
 * every contact and room id it sees changes (as with wechat4u). Cascade finds its rooms and people
 * again — by the kept member lists, the remarks it wrote, the cards — and goes on counting, relaying
 * and auditing as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATED_SMS, SMS } from '../src/features/sms/index.js';
import { advanceClock, startTestSchool, issue, level, type TestSchool } from './setup/runtime.js';
import { wechatSolitaire } from './setup/wechat.js';

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
  const g = org.groupByKeyText(key);
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
    // Staff are the bot's friends: found by the remark written at the first login. Parents are not:
    // they get new ids, and are known by their cards, as any unbound account is.
    const staff = school.runtime.school.world.friendsOf(BOT).length;
    expect(staff).toBeGreaterThan(5);
    expect(r?.byHow.remark).toBe(staff);
    expect(r?.byHow.new).toBe((r?.people ?? 0) - staff);
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
    expect(chats(school, PARENTS)).toHaveLength(2);
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
    expect(world.remarkOf(BOT, 'wxid_newfather')).toBe(`${fatherName}·2023010101家长`);

    world.setCard(chat, 'wxid_newfather', '鱼');
    await relogin(school);
    // Found by the remark: his canonical id is still the bound one.
    const row = school.runtime.db.$client.prepare("SELECT resolved_by FROM session_ids WHERE account_id = ? AND kind = 'user' AND canonical_id = ?").get(BOT, 'wxid_newfather');
    expect(row).toEqual({ resolved_by: 'remark' });
    // Still him: his 收到 counts for his family.
    const id = await issue(school, '/通知 请家长确认孩子返校时间');
    const acked = level(school, id, 4)?.acknowledged ?? 0;
    world.say('wxid_newfather', chat, '收到');
    await school.settle();
    expect(level(school, id, 4)?.acknowledged ?? 0).toBe(acked + 1);
  });

  it('knows a student who bound their WeChat themselves after a re-login, in a private chat', async () => {
    school = await startTestSchool({ config: { membership: { remarkGap: 0 }, sms: { enabled: true, minGapMs: 0 } } });
    const { world } = school.runtime.school;
    const student = school.runtime.app.org().personByRef('2023010101');
    if (!student) throw new Error('demo roster changed');
    world.addUser({ userId: 'wxid_newstudent', nickname: '小曹', platform: 'wechat' });
    world.befriend(BOT, 'wxid_newstudent');
    world.sayPrivate('wxid_newstudent', BOT, `/绑定 2023010101 ${student.name}`);
    await school.settle();
    // Proved by the code texted to the student's number (issue #14).
    const phone = school.runtime.app.get(SMS).phones([student.id]).get(student.id);
    const code = /\d{6}/u.exec(school.runtime.app.get(SIMULATED_SMS).sent.filter((m) => m.phone === phone).at(-1)?.text ?? '')?.[0] ?? '';
    world.sayPrivate('wxid_newstudent', BOT, code);
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

  it('without remarks or kept lists, everyone gets a new id and the audit still knows them by their cards', async () => {
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
    // Nothing strong is left: everyone is someone new to Cascade, and the audit reads their cards.
    expect(r?.byHow.new).toBe(r?.people);
    const mark = school.mark();
    // (Asked privately, over QQ: on WeChat the deputy secretary is, for now, someone new too.)
    school.say('S101', '私聊', '/核对 L4:计算机学院');
    await school.settle();
    const details = text(school, '私聊:S101', mark);
    expect(details).toContain('陌生人（不在应入群名单中）（1）');
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
    expect(r?.people).toBeGreaterThan(300);
    expect(r?.byHow.same).toBe(r?.people);
    const mark = school.mark();
    school.say('S101', PARENTS, '/核对');
    await school.settle();
    expect(text(school, PARENTS, mark)).toContain('没有发现问题');
  });

  it('never gives a roster person\'s id to a stranger who copies their nickname and card', async () => {
    school = await startTestSchool();
    const { world } = school.runtime.school;
    const org = school.runtime.app.org();
    const student = org.personByRef('2023010101');
    const mother = student ? org.guardiansOf(student.id).find((g) => g.relation === '母亲') : undefined;
    const motherId = mother ? org.accountOn(mother.guardianId, 'wechat') : undefined;
    if (!motherId) throw new Error('demo roster changed');
    const chat = chats(school, PARENTS).find((c) => world.isMember(c, motherId)) ?? '';
    const card = world.members(chat).find((m) => m.userId === motherId)?.card ?? '';
    // The mother leaves; someone joins with her nickname and card; the bot logs in again.
    world.leave(chat, motherId);
    world.addUser({ userId: 'wxid_copycat', nickname: world.user(motherId)?.nickname ?? '', platform: 'wechat' });
    world.join(chat, 'wxid_copycat', { card });
    await school.settle();
    await relogin(school);
    const taken = school.runtime.db.$client.prepare("SELECT session_id FROM session_ids WHERE kind = 'user' AND canonical_id = ?").get(motherId);
    expect(taken).toBeUndefined();
  });

  it('holds sends and events while a login is resolved, and reads two quick logins right', async () => {
    school = await startTestSchool();
    const { world } = school.runtime.school;
    // A directive relayed while the WeChat bot is logging in again, twice in a row.
    world.relogin(BOT);
    school.say('T001', 'L1', '/通知 截止=18:00 请家长提醒孩子注意出行安全');
    world.relogin(BOT);
    await school.settle();
    const d = school.runtime.app.directives.latest();
    if (!d) throw new Error('no directive');
    expect(school.runtime.app.ledger.counts(d.id)).toMatchObject({ failed: 0, uncertain: 0 });
    expect(chats(school, PARENTS)).toHaveLength(2);
    for (const chat of chats(school, PARENTS)) {
      expect(world.transcript().filter((m) => m.chatType === 'group' && m.chatId === chat && m.text.includes('注意出行安全'))).toHaveLength(1);
    }
    // A parent's 收到 said during a third login counts for their family.
    const before = level(school, d.id, 4)?.acknowledged ?? 0;
    world.relogin(BOT);
    school.say('家长:2023010101', PARENTS, '收到');
    await school.settle();
    expect(level(school, d.id, 4)?.acknowledged ?? 0).toBe(before + 1);
  });

  it('counts a native 接龙 after a re-login: its rows name their authors by real wxid, not by session id', async () => {
    school = await startTestSchool();
    await relogin(school);
    const id = await issue(school, '/通知 请家长接龙确认返校时间');
    const org = school.runtime.app.org();
    const mother = (ref: string): string => {
      const s = org.personByRef(ref);
      const g = s ? org.guardiansOf(s.id).find((x) => x.relation === '母亲') : undefined;
      return (g ? org.accountOn(g.guardianId, 'wechat') : undefined) ?? '';
    };
    const chat = chats(school, PARENTS).find((c) => school?.runtime.school.world.isMember(c, mother('2023010101'))) ?? '';
    const list = wechatSolitaire('返校时间确认', [
      { wxid: mother('2023010101'), text: '收到' },
      { wxid: mother('2023010102'), text: '收到' },
    ]);
    const before = level(school, id, 4)?.acknowledged ?? 0;
    school.runtime.school.world.say(mother('2023010101'), chat, list.title, { appXml: list.xml });
    await school.settle();
    expect(level(school, id, 4)?.acknowledged ?? 0).toBe(before + 2);
  });
});
