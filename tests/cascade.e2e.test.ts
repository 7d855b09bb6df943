/**
 * The whole cascade on the simulator with real Redis and SQLite: "X says … in group G → the bots …".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { advanceClock, demoRosterCopy, issue, level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  await school?.close();
  school = undefined;
  for (const c of cleanups.splice(0)) c();
});




describe('relay', () => {
  it('posts a leader’s /通知 once into every college, class and parents group and confirms in L1', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 截止=18:00 请完成返校健康信息摸排');
    const posts = school.botMessages().filter((m) => m.text.includes(`【通知 第${id}号】`));
    // 3 college groups + 9 class groups + 4 parents groups (one college's parents fill two WeChat groups).
    expect(posts).toHaveLength(16);
    expect(new Set(posts.map((m) => (m.chatType === 'group' ? m.chatId : '')))).toHaveProperty('size', 16);
    expect(school.botMessages('L1').map((m) => m.text).join('\n')).toContain(`已发布第${id}号通知`);
    expect(school.runtime.app.ledger.counts(id)).toMatchObject({ planned: 16, sent: 16, failed: 0, uncertain: 0 });
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
    const l3 = school.botMessages('L3:计算机2301')[0]?.text ?? '';
    expect(l3).toContain('请同学们回复“收到”');
    expect(l3).toContain('截止：3月2日 18:00');
    expect(school.botMessages('L4:计算机学院')[0]?.text).toContain('请家长回复');
  });

  it('limits a directive to the named colleges and depth', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 学院=外国语学院 层级=3 请外国语学院各班今晚开班会');
    const posts = school.botMessages().filter((m) => m.text.includes(`【通知 第${id}号】`));
    expect(posts).toHaveLength(4); // L2 + three class groups, no parents group
    expect(level(school, id, 1)?.required).toBe(1);
    expect(level(school, id, 4)).toBeUndefined();
  });

  it('relays step by step: each group opens when the person above it acknowledges', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 逐级 请逐级传达防汛安全要求');
    const directivePosts = (to: string) => school?.botMessages(to).filter((m) => m.text.includes(`【通知 第${id}号】`)) ?? [];
    expect(directivePosts('L2:计算机学院')).toHaveLength(0);
    expect(level(school, id, 3)?.notReleased).toBe(224);

    school.say('S101', 'L1', '收到');
    await school.settle();
    expect(directivePosts('L2:计算机学院')).toHaveLength(1);
    expect(directivePosts('L2:外国语学院')).toHaveLength(0);
    expect(directivePosts('L3:计算机2301')).toHaveLength(0);
    expect(directivePosts('L2:计算机学院')[0]?.text).toContain('自动转发');

    school.say('S111', 'L2:计算机学院', '收到');
    await school.settle();
    expect(directivePosts('L3:计算机2301')).toHaveLength(1);
    expect(directivePosts('L3:计算机2302')).toHaveLength(1);
    expect(directivePosts('L3:计算机2303')).toHaveLength(0);
    expect(directivePosts('L4:计算机学院')).toHaveLength(2); // both WeChat parents groups

    // The second deputy secretary's reply does not post L2 again.
    school.say('S102', 'L1', '收到');
    await school.settle();
    expect(directivePosts('L2:计算机学院')).toHaveLength(1);
  });
});

describe('acknowledgements', () => {
  it('counts one reply per person and level, ignores negatives, and marks late replies', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 截止=2小时 请回复收到');
    school.say('S101', 'L1', '收到');
    school.say('S101', 'L1', '收到收到'); // again: still one
    school.say('S201', 'L1', '没收到附件，麻烦再发一下'); // a negative never counts
    school.say('S111', 'L2:计算机学院', '好的，收到');
    school.say('2023010101', 'L3:计算机2301', '收到👌');
    school.say('2023010102', 'L3:计算机2301', '收到了吗？'); // a question
    school.say('家长:2023010103', 'L4:计算机学院', '吕晓楠妈妈收到');
    await school.settle();
    expect(level(school, id, 1)).toMatchObject({ required: 4, acknowledged: 1 });
    expect(level(school, id, 2)).toMatchObject({ required: 6, acknowledged: 1 });
    expect(level(school, id, 3)).toMatchObject({ required: 224, acknowledged: 1 });
    expect(level(school, id, 4)).toMatchObject({ required: 224, acknowledged: 1 });

    // Both guardians of one student: the family counts once.
    const org = school.runtime.app.org();
    const student = org.personByRef('2023010101');
    const guardians = student ? org.guardiansOf(student.id) : [];
    expect(guardians.length).toBeGreaterThan(0);
    for (const g of guardians) school.say(org.person(g.guardianId)?.extId ?? '', 'L4:计算机学院', '收到');
    await school.settle();
    expect(level(school, id, 4)?.acknowledged).toBe(2);

    advanceClock(school, 3 * 3600_000);
    school.say('S301', 'L1', '收到，回复晚了');
    await school.settle();
    expect(level(school, id, 1)).toMatchObject({ acknowledged: 2, late: 1 });
  });

  it('stores every inbound message with what it was taken to mean', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 测试');
    school.say('2023010101', 'L3:计算机2301', '收到');
    school.say('2023010102', 'L3:计算机2301', '我没收到');
    await school.settle();
    const rows = school.runtime.db.$client
      .prepare('SELECT text, meaning, directive_id FROM inbound_messages ORDER BY id')
      .all() as { text: string; meaning: string; directive_id: number | null }[];
    expect(rows.find((r) => r.text === '收到')).toMatchObject({ meaning: 'ack', directive_id: id });
    expect(rows.find((r) => r.text === '我没收到')?.meaning).toBe('negative');
    expect(rows[0]?.meaning).toBe('command');
  });

  it('a quote-reply answers the quoted directive, not the newest', async () => {
    school = await startTestSchool();
    const first = await issue(school, '/通知 第一件事');
    advanceClock(school, 15 * 60_000); // far enough apart that a plain 收到 is not ambiguous
    const second = await issue(school, '/通知 第二件事');
    const post = school.botMessages('L3:计算机2301').find((m) => m.text.includes(`【通知 第${first}号】`));
    expect(post).toBeDefined();
    school.say('2023010101', 'L3:计算机2301', '收到', { quoteId: post?.id ?? '' });
    school.say('2023010102', 'L3:计算机2301', '收到');
    await school.settle();
    expect(level(school, first, 3)?.acknowledged).toBe(1);
    expect(level(school, second, 3)?.acknowledged).toBe(1);
  });

  it('counts a message seen by two bot accounts in one group once', async () => {
    const roster = demoRosterCopy(({ groups }) => ({
      groups: groups.replace('计算机2301,QQ,707564071,qq-bot-1', '计算机2301,QQ,707564071,qq-bot-1、qq-bot-2'),
    }));
    cleanups.push(roster.remove);
    school = await startTestSchool({ org: roster.dir });
    const id = await issue(school, '/通知 两个机器人同群');
    // Both bots are in the class group, but the directive is posted there once.
    expect(school.botMessages('L3:计算机2301').filter((m) => m.text.includes('【通知'))).toHaveLength(1);
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    const stored = school.runtime.db.$client.prepare("SELECT count(*) AS n FROM inbound_messages WHERE text = '收到'").get() as { n: number };
    expect(stored.n).toBe(1);
    expect(level(school, id, 3)?.acknowledged).toBe(1);
  });
});

describe('a roster with a missing group', () => {
  it('says which replies cannot be given because a group is not in the roster', async () => {
    const roster = demoRosterCopy(({ groups }) => ({
      groups: groups
        .split('\n')
        .filter((line) => !line.includes('外国语学院家长'))
        .join('\n'),
    }));
    cleanups.push(roster.remove);
    school = await startTestSchool({ org: roster.dir });
    const id = await issue(school, '/通知 测试缺少家长群');
    expect(level(school, id, 4)?.noGroup).toBe(79);
    const mark = school.mark();
    school.say('T001', 'L1', '/进度');
    await school.settle();
    expect(school.botMessages('L1', mark).map((m) => m.text).join('\n')).toContain('79 人所在的群没有登记');
  });
});

describe('replies that are not new answers', () => {
  it('a repeat right after a counted reply does not count for an older directive', async () => {
    school = await startTestSchool();
    const first = await issue(school, '/通知 第一件事');
    advanceClock(school, 15 * 60_000);
    const second = await issue(school, '/通知 第二件事');
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    school.say('2023010101', 'L3:计算机2301', '收到收到');
    await school.settle();
    expect(level(school, second, 3)?.acknowledged).toBe(1);
    expect(level(school, first, 3)?.acknowledged).toBe(0);
    // Later, a new 收到 answers the older directive the student still owes.
    advanceClock(school, 30 * 60_000);
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    expect(level(school, first, 3)?.acknowledged).toBe(1);
  });

  it('answers a command addressed to the second bot of a group served by two', async () => {
    const roster = demoRosterCopy(({ groups }) => ({
      groups: groups.replace('QQ,610832382,qq-bot-1', 'QQ,610832382,qq-bot-1、qq-bot-2'),
    }));
    cleanups.push(roster.remove);
    school = await startTestSchool({ org: roster.dir });
    const org = school.runtime.app.org();
    const leader = org.personByRef('T001');
    const chatId = leader ? school.runtime.school.seatOf(leader.id, 'L1')?.chatId : undefined;
    const userId = leader ? org.accountOn(leader.id, 'qq') : undefined;
    if (!chatId || !userId) throw new Error('leader not seated');
    school.runtime.school.world.say(userId, chatId, '帮助', { mentions: ['qq-bot-2'] });
    await school.settle();
    const answers = school.botMessages('L1').filter((m) => m.text.includes('可用命令'));
    expect(answers).toHaveLength(1);
  });
});

describe('permissions and queries', () => {
  it('refuses /通知 from people whose role does not allow it', async () => {
    school = await startTestSchool();
    school.say('2023010101', 'L3:计算机2301', '/通知 明天放假');
    // A college leader has a scope but issues nothing (deputy secretaries and counselors may, issue #15).
    school.say('S103', 'L2:计算机学院', '#通知 明天放假');
    await school.settle();
    expect(school.runtime.app.directives.latest()).toBeUndefined();
    expect(school.botMessages('L3:计算机2301')[0]?.text).toContain('没有发布通知的权限');
    expect(school.botMessages('L2:计算机学院')[0]?.text).toContain('没有发布通知的权限');
  });

  it('answers a malformed command with a short helpful reply', async () => {
    school = await startTestSchool();
    school.say('T001', 'L1', '/通知 截止=下下周八 测试');
    school.say('T001', 'L1', '/通知');
    school.say('T001', 'L1', '/发射');
    await school.settle();
    const texts = school.botMessages('L1').map((m) => m.text);
    expect(texts.some((t) => t.includes('无法识别'))).toBe(true);
    expect(texts.some((t) => t.includes('正文是空的'))).toBe(true);
    expect(texts.some((t) => t.includes('/帮助'))).toBe(true);
    expect(school.runtime.app.directives.latest()).toBeUndefined();
  });

  it('scopes /未回复 to the asker: counselor, deputy secretary, leader, parent', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 请回复');
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    const org = school.runtime.app.org();
    const name = (ref: string) => org.personByRef(ref)?.name ?? '??';

    // Counselor S111 (计算机2301, 计算机2302): counts in the group, names privately, only their classes.
    let mark = school.mark();
    school.say('S111', 'L2:计算机学院', '/未回复');
    await school.settle();
    const inGroup = school.botMessages('L2:计算机学院', mark).map((m) => m.text).join('\n');
    const privately = school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n');
    expect(inGroup).toContain('计算机2301');
    expect(inGroup).not.toContain('计算机2303');
    expect(inGroup).not.toContain(name('2023010102'));
    expect(privately).toContain(name('2023010102'));
    const studentsLine = privately.split('\n').find((l) => l.startsWith('学生未回复')) ?? '';
    expect(studentsLine).not.toContain(name('2023010101')); // replied; their parents have not
    expect(privately).toMatch(new RegExp(`家长未回复.*${name('2023010101')}`));
    expect(privately).not.toContain('计算机2303');
    expect(privately).not.toMatch(/1[3-9]\d{9}/); // never a phone number

    // Deputy secretary S201: their college only.
    mark = school.mark();
    school.say('S201', '私聊', `/未回复 ${id}`);
    await school.settle();
    const ds = school.botMessages('私聊:S201', mark).map((m) => m.text).join('\n');
    expect(ds).toContain('英语2301');
    expect(ds).not.toContain('计算机');

    // Leader: counts per college, worst first.
    mark = school.mark();
    school.say('T001', 'L1', '/未回复');
    await school.settle();
    const leader = school.botMessages('L1', mark).map((m) => m.text).join('\n');
    expect(leader).toMatch(/1\. .*学院：/);
    expect(leader).toContain('计算机学院');
    expect(leader).toContain('外国语学院');
    expect(leader).not.toContain(name('2023010102'));

    // A directive for another college is not the deputy secretary's to query.
    const other = await issue(school, '/通知 学院=机械工程学院 只发机械学院');
    mark = school.mark();
    school.say('S201', '私聊', `/进度 ${other}`);
    await school.settle();
    expect(school.botMessages('私聊:S201', mark)[0]?.text).toContain('不涉及您负责的范围');

    // A parent may not ask.
    mark = school.mark();
    school.say('家长:2023010101', 'L4:计算机学院', '/未回复');
    await school.settle();
    expect(school.botMessages('L4:计算机学院', mark)[0]?.text).toContain('没有查看');
  });

  it('in a class or parents group, /未回复 and /进度 answer for that group only', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 请回复');
    const org = school.runtime.app.org();
    const name = (ref: string) => org.personByRef(ref)?.name ?? '??';

    // Counselor S111 runs 计算机2301 and 计算机2302; asked in 计算机2301's group: that class's students only.
    const pending = await school.ask('S111', 'L3:计算机2301', '/未回复');
    const inClass = pending.to('L3:计算机2301').join('\n');
    expect(inClass).toContain('计算机2301');
    expect(inClass).not.toContain('计算机2302');
    expect(inClass).not.toContain('户未回复');
    // Staff who have not replied are not named in a class group.
    expect(inClass).not.toContain('未回复的辅导员');
    expect(inClass).not.toContain('未回复的副书记');
    expect(inClass).not.toContain(name('S112'));
    const names = pending.to('私聊:S111').join('\n');
    expect(names).toContain(name('2023010102'));
    expect(names).not.toContain('计算机2302');

    const progress = (await school.ask('S111', 'L3:计算机2301', '/进度')).to('L3:计算机2301').join('\n');
    expect(progress).toContain('班级群（学生）');
    expect(progress).not.toContain('家长群');
    expect(progress).not.toContain('学院群');
    expect(progress).not.toContain('计算机2302');

    // The deputy secretary in the college's parents group: its families, by class; nobody else.
    const parents = (await school.ask('S101', 'L4:计算机学院', '/未回复')).to('L4:计算机学院').join('\n');
    expect(parents).toContain('家长');
    expect(parents).not.toMatch(/学生 \d+\/\d+/u);
    expect(parents).not.toContain('未回复的辅导员');
    expect(parents).not.toContain('外国语');

    // A filter naming another class is not this group's business.
    const other = await school.ask('S111', 'L3:计算机2301', '/未回复 计算机2302');
    expect(other.to('L3:计算机2301').join('\n')).toContain('没有找到');
  });

  it('answers /进度 per level and per class, and /帮助 by role', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 落实 请各班完成安全检查');
    school.say('S111', 'L2:计算机学院', '已落实');
    await school.settle();
    let mark = school.mark();
    school.say('S101', 'L2:计算机学院', '/进度');
    await school.settle();
    const progress = school.botMessages('L2:计算机学院', mark).map((m) => m.text).join('\n');
    expect(progress).toContain('学院群（辅导员）：已回复 1/2');
    expect(progress).toContain('已落实 1/2');
    expect(progress).toContain('计算机2303');

    mark = school.mark();
    school.say('2023010101', 'L3:计算机2301', '/帮助');
    school.say('T001', 'L1', '/帮助');
    await school.settle();
    expect(school.botMessages('L3:计算机2301', mark)[0]?.text).not.toContain('/通知');
    expect(school.botMessages('L1', mark)[0]?.text).toContain('/通知');
  });
});
