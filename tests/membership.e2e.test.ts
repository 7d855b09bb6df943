/**
 * `/核对` and membership alerts on the simulator with real Redis and SQLite: the member lists come
 * from the platform adapter, people join and leave as in a real group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestSchool, type TestSchool } from './setup/runtime.js';
import { AUDIT_JOB, AUDITOR, DAILY_AUDIT } from '../src/features/membership/index.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

function chatOf(s: TestSchool, key: string): string {
  const org = s.runtime.app.org();
  const g = org.groupByKeyText(key);
  const pg = g ? org.platformGroupsOf(g.id)[0] : undefined;
  if (!pg) throw new Error(`no platform group for ${key}`);
  return pg.chatId;
}

function text(s: TestSchool, to: string, since: number): string {
  return s.botMessages(to, since).map((m) => m.text).join('\n');
}

describe('/核对', () => {
  it('finds nothing wrong in a group seated exactly as the roster says, and answers privately with the details', async () => {
    school = await startTestSchool();
    const mark = school.mark();
    school.say('S111', 'L3:计算机2301', '/核对');
    await school.settle();
    expect(text(school, 'L3:计算机2301', mark)).toContain('【入群核对】计算机2301班疫情防控三级群：应在群 26，已确认 26，没有发现问题。');
    expect(text(school, '私聊:S111', mark)).toContain('没有发现问题');
  });

  it('reports a stranger, a student who left (alerting the counselor at once) and a wrong card; never a phone number', async () => {
    school = await startTestSchool();
    const { world } = school.runtime.school;
    const org = school.runtime.app.org();
    const chat = chatOf(school, 'L3:计算机2301');
    school.say('S111', 'L3:计算机2301', '/核对');
    await school.settle();

    const leaver = org.personByRef('2023010103');
    const carded = org.personByRef('2023010104');
    if (!leaver || !carded) throw new Error('demo roster changed');
    const mark = school.mark();
    world.leave(chat, org.accountOn(leaver.id, 'qq') ?? '');
    await school.settle();
    // The counselor hears at once, privately.
    expect(text(school, '私聊:S111', mark)).toContain(`【入群提醒】${leaver.name}（2023010103）退出了“计算机2301班疫情防控三级群”`);
    expect(school.botMessages('L3:计算机2301', mark)).toHaveLength(0);

    world.addUser({ userId: '88880001', nickname: '代写', platform: 'qq' });
    world.join(chat, '88880001', { card: '专业代写论文' });
    world.addUser({ userId: '88880002', nickname: '中介', platform: 'qq' });
    world.join(chat, '88880002', { card: '租房13812345678' });
    world.setCard(chat, org.accountOn(carded.id, 'qq') ?? '', '小明');
    const asked = school.mark();
    school.say('S111', 'L3:计算机2301', '/核对');
    await school.settle();
    const pub = text(school, 'L3:计算机2301', asked);
    expect(pub).toContain('陌生人（不在应入群名单中） 2');
    expect(pub).toContain('未入群 1');
    expect(pub).toContain('上次核对后退群 1');
    expect(pub).toContain('群名片不规范 1');
    expect(pub).toContain('详细名单已私信发给您');
    expect(pub).not.toContain(leaver.name);
    const details = text(school, '私聊:S111', asked);
    expect(details).toContain('名片“专业代写论文” 账号 qq:88880001');
    expect(details).toContain(`${leaver.name}（2023010103）`);
    expect(details).toContain(`${carded.name}（2023010104）：群名片格式不符`);
    expect(details).toContain('名片“租房');
    expect(details).not.toMatch(/1[3-9]\d{9}/);
  });

  it('audits a parents group backed by two WeChat groups as one', async () => {
    school = await startTestSchool();
    const mark = school.mark();
    school.say('S101', '私聊', '/核对 L4:计算机学院');
    await school.settle();
    expect(text(school, '私聊:S101', mark)).toContain('【入群核对】计算机学院家长疫情防控四级群（一）');
    expect(text(school, '私聊:S101', mark)).toContain('没有发现问题');
  });

  it('lets only the people responsible audit a group, and names a group it cannot find', async () => {
    school = await startTestSchool();
    const mark = school.mark();
    school.say('2023010101', 'L3:计算机2301', '/核对');
    school.say('S112', '私聊', '/核对 计算机2301'); // counselor of another class
    school.say('S201', '私聊', '/核对 计算机2301'); // deputy secretary of another college
    school.say('S101', '私聊', '/核对 火星学院');
    await school.settle();
    expect(text(school, 'L3:计算机2301', mark)).toContain('您没有核对该群成员的权限');
    expect(text(school, '私聊:S112', mark)).toContain('您没有核对该群成员的权限');
    expect(text(school, '私聊:S201', mark)).toContain('您没有核对该群成员的权限');
    expect(text(school, '私聊:S101', mark)).toContain('没有找到“火星学院”对应的群');
  });

  it('runs a daily audit on a BullMQ job scheduler that reports only what changed, to the people responsible', async () => {
    school = await startTestSchool();
    const app = school.runtime.app;
    expect(await app.queues.schedule(AUDIT_JOB, DAILY_AUDIT)).toEqual({ pattern: '30 7 * * *', tz: 'Asia/Shanghai' });
    // The first run: every group as the roster says, nothing to report.
    expect(await app.get(AUDITOR).daily()).toBe(0);

    const { world } = school.runtime.school;
    const org = app.org();
    const leaver = org.personByRef('2023010105');
    if (!leaver) throw new Error('demo roster changed');
    world.leave(chatOf(school, 'L3:计算机2301'), org.accountOn(leaver.id, 'qq') ?? '');
    world.addUser({ userId: 'wxid_stranger', nickname: '陌生人', platform: 'wechat' });
    world.join(chatOf(school, 'L4:外国语学院'), 'wxid_stranger', { card: '推销员' });
    await school.settle();
    const mark = school.mark();
    expect(await app.get(AUDITOR).daily()).toBeGreaterThan(0);
    await school.settle();
    const s111 = text(school, '私聊:S111', mark);
    expect(s111).toContain('【每日入群核对】');
    expect(s111).toContain(`${leaver.name}（2023010105）`);
    expect(s111).toContain('上次核对后退群（1）');
    // The stranger in 外国语学院's parents group: its deputy secretary hears, its counselors do not (no class concerned).
    expect(text(school, '私聊:S201', mark)).toContain('名片“推销员”');
    expect(text(school, '私聊:S211', mark)).not.toContain('推销员');
    expect(text(school, '私聊:S101', mark)).toBe('');
    // The next day: nothing new, nothing sent.
    expect(await app.get(AUDITOR).daily()).toBe(0);
  });

  it('keeps member lists current with join and leave events, and audits the kept list when the platform cannot list', async () => {
    school = await startTestSchool();
    const { world } = school.runtime.school;
    const db = school.runtime.db.$client;
    const chat = chatOf(school, 'L3:计算机2301');
    const kept = (userId: string): unknown => db.prepare('SELECT user_id FROM group_members WHERE platform = ? AND chat_id = ? AND user_id = ?').get('qq', chat, userId);
    school.say('S111', 'L3:计算机2301', '/核对');
    await school.settle();
    // The list read by the audit is kept; events keep it current.
    world.addUser({ userId: '88880011', nickname: '新人', platform: 'qq' });
    world.join(chat, '88880011', { card: '新人' });
    const org = school.runtime.app.org();
    const leaver = org.accountOn(org.personByRef('2023010106')?.id ?? -1, 'qq') ?? '';
    world.leave(chat, leaver);
    await school.settle();
    expect(kept('88880011')).toBeDefined();
    expect(kept(leaver)).toBeUndefined();

    // The WeChat bot is down: the parents group is audited from the list kept at its login.
    world.setOnline('wx-bot-1', false);
    const mark = school.mark();
    school.say('S101', '私聊', '/核对 L4:计算机学院');
    await school.settle();
    const answer = text(school, '私聊:S101', mark);
    expect(answer).toContain('没有发现问题');
    expect(answer).toMatch(/暂时无法读取群成员，以上按 3月2日 \d\d:\d\d 保存的成员名单核对/u);
  });
});
