/**
 * Directives to extra groups (issue #15, `至=干部群`): the members the platform lists in a college's
 * dorm, cadre or party group owe a reply there like a class group's, counted under the group's own
 * heading in /进度, chased there, and within the issuer's scope only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { level, passTime, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

const CADRE = 'X:计算机学院:计算机学院学生干部群';

/** The roster students the simulated platform seats in the cadre group. */
function cadres(s: TestSchool): string[] {
  const org = s.runtime.app.org();
  const g = org.groupByKeyName(CADRE);
  const pg = g ? org.platformGroupsOf(g.id)[0] : undefined;
  if (!pg) throw new Error('no cadre group');
  return s.runtime.school.world
    .members(pg.chatId)
    .map((m) => org.personByPlatformAccount(pg.platform, m.userId))
    .filter((p) => p?.kind === 'student')
    .map((p) => p?.extId ?? '');
}

describe('至=干部群', () => {
  it('goes to the college’s cadre group only; its students owe a reply there, under the group’s heading', async () => {
    school = await startTestSchool();
    const members = cadres(school);
    expect(members.length).toBe(6); // two per class of 计算机学院
    const said = await school.ask('T001', 'L1', '/通知 至=干部群 请各位学生干部今晚八点到学院开会');
    expect(said.to('L1').join('\n')).toContain('发到 1 个群：计算机学院学生干部群');
    expect(said.to('L1').join('\n')).toContain('6 名同学需要回复');
    const d = school.runtime.app.directives.latest();
    if (!d) throw new Error('no directive');
    const posts = school.botMessages().filter((m) => m.text.includes(`【通知 第${d.id}号】`));
    expect(posts.map((m) => (m.chatType === 'group' ? school?.runtime.app.org().groupByKeyText(CADRE) && m.chatId : ''))).toHaveLength(1);
    expect(school.botMessages(CADRE).some((m) => m.text.includes('请同学们回复“收到”'))).toBe(true);
    expect(school.botMessages('L3:计算机2301').filter((m) => m.text.includes(`第${d.id}号`))).toEqual([]);
    expect(level(school, d.id, 3)?.required).toBe(6);
    expect(level(school, d.id, 1)).toBeUndefined();

    // Two cadres answer in the cadre group; a classmate answering in the class group does not count.
    school.say(members[0] ?? '', CADRE, '收到');
    school.say(members[1] ?? '', CADRE, '收到！');
    school.say(members[0] ?? '', 'L3:计算机2301', '收到');
    await school.settle();
    expect(level(school, d.id, 3)?.acknowledged).toBe(2);
    const progress = (await school.ask('T001', 'L1', `/进度 ${d.id}`)).text;
    expect(progress).toContain('计算机学院学生干部群（成员）：已回复 2/6');
    // /未回复 names the four in the group.
    // /未回复 to a counselor names the cadres of their classes who have not answered, and no one else.
    const missing = (await school.ask('S111', '私聊', `/未回复 ${d.id}`)).text;
    const org = school.runtime.app.org();
    const theirs = new Set(org.personByRef('S111')?.counselorOf ?? []);
    let named = 0;
    for (const ref of members.slice(2)) {
      const p = org.personByExtId(ref);
      if (!p) continue;
      if (theirs.has(p.classId ?? -1)) {
        expect(missing).toContain(p.name);
        named++;
      } else expect(missing).not.toContain(p.name);
    }
    expect(named).toBeGreaterThan(0);
    expect(missing).not.toContain(org.personByExtId(members[0] ?? '')?.name ?? '?');
  });

  it('a counselor’s 至=干部群 asks only their classes’ students; a name is forgiven or suggested', async () => {
    school = await startTestSchool();
    const said = await school.ask('S111', '私聊', '/通知 至=学生干部 请班委明早交材料');
    expect(said.text).toContain('发到 1 个群');
    const d = school.runtime.app.directives.latest();
    if (!d) throw new Error('no directive');
    // S111 counsels 计算机2301 and 计算机2302: four of the six cadres.
    expect(level(school, d.id, 3)?.required).toBe(4);
    expect((await school.ask('S111', '私聊', '/通知 至=宿舍群 今晚查寝')).text).toContain('没有宿舍群');
    expect((await school.ask('S111', '私聊', '/通知 至=计算机学院学生干 交材料')).text).toContain('发到 1 个群');
    expect((await school.ask('S111', '私聊', '/通知 至=计算机学员学生干部群 交材料')).text).toContain('您是不是要找：计算机学院学生干部群');
  });

  it('is chased in the cadre group: the silent cadres are @-mentioned there, not in their class groups', async () => {
    const NONE: unknown[] = [];
    school = await startTestSchool({ config: { chasing: { levels: { L1: NONE, L2: NONE, L3: [{ after: '30m', action: 'mention' }], L4: NONE } } } });
    const members = cadres(school);
    await school.ask('T001', 'L1', '/通知 至=干部群 请各位学生干部今晚八点到学院开会');
    school.say(members[0] ?? '', CADRE, '收到');
    await school.settle();
    const mark = school.mark();
    await passTime(school, 31 * 60_000);
    const reminders = school.botMessages(undefined, mark).filter((m) => /【催办】|【提醒】/u.test(m.text));
    expect(reminders.length).toBeGreaterThan(0);
    const org = school.runtime.app.org();
    const cadreChat = org.platformGroupsOf(org.groupByKeyName(CADRE)?.id ?? -1)[0]?.chatId;
    expect(reminders.every((m) => m.chatType === 'group' && m.chatId === cadreChat)).toBe(true);
    const mentioned = new Set(reminders.flatMap((m) => m.mentions));
    expect(mentioned.size).toBe(members.length - 1);
    expect(mentioned.has(org.accountOn(org.personByExtId(members[0] ?? '')?.id ?? -1, 'qq') ?? '')).toBe(false);
  });

  it('a deputy secretary of another college has no cadre group to reach', async () => {
    school = await startTestSchool();
    const other = school.runtime.app.org().colleges.find((c) => c.name !== '计算机学院');
    const deputy = other ? school.runtime.app.org().withRole('deputy_secretary', other.id)[0] : undefined;
    if (!deputy || !other) throw new Error('no other college');
    const said = await school.ask(deputy.extId, `L2:${other.name}`, '/通知 至=干部群 开会');
    expect(said.text).toContain('没有干部群');
  });
});
