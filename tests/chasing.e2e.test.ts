/**
 * Chasing on the simulator with real Redis and SQLite and a virtual clock: "nobody replied in 15
 * minutes → the bots remind them …". passTime runs every chase round due on the way, as BullMQ's
 * delays would in real time.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../adapters/simulator/index.js';
import { VirtualClock } from '../src/clock.js';
import { tempDir } from './setup/helpers.js';
import { issue, passTime, startTestSchool, START, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  await school?.close();
  school = undefined;
  for (const c of cleanups.splice(0)) c();
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const NONE: never[] = [];

/** Only the given levels chase (the others' steps are emptied), to keep a test about one level. */
function only(levels: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { chasing: { levels: { L1: NONE, L2: NONE, L3: NONE, L4: NONE, ...levels }, ...extra } };
}

function reminders(s: TestSchool, to?: string, since = 0): SimMessage[] {
  return s.botMessages(to, since).filter((m) => /【催办】|【提醒】/u.test(m.text));
}

function accountOf(s: TestSchool, ref: string, platform: 'qq' | 'wechat' = 'qq'): string {
  const org = s.runtime.app.org();
  const p = org.personByRef(ref);
  const id = p ? org.accountOn(p.id, platform) : undefined;
  if (!id) throw new Error(`${ref} has no ${platform} account`);
  return id;
}

function nameOf(s: TestSchool, ref: string): string {
  const p = s.runtime.app.org().personByRef(ref);
  if (!p) throw new Error(`no person ${ref}`);
  return p.name;
}

const at = (m: SimMessage): string => new Date(m.at).toISOString();

/** Every counselor of the demo school says 收到 in their college group. */
function counselorsReply(s: TestSchool): void {
  for (const [g, people] of [
    ['L2:计算机学院', ['S111', 'S112']],
    ['L2:外国语学院', ['S211', 'S212']],
    ['L2:机械工程学院', ['S311', 'S312']],
  ] as const) {
    for (const who of people) s.say(who, g, '收到');
  }
}

describe('the schedule of each level', () => {
  it('L1: @ silent deputy secretaries at 15 min, messages them at 30, tells the team leader at 60 and twice more every 2 h', async () => {
    school = await startTestSchool({
      config: only({
        L1: [
          { after: '15m', action: 'mention' },
          { after: '30m', action: 'private' },
          { after: '60m', action: 'nag', every: '2h', times: 2 },
        ],
      }),
    });
    const id = await issue(school, '/通知 层级=2 请各学院今天报送返校计划');
    for (const who of ['S101', 'S102', 'S201']) school.say(who, 'L1', '收到');
    await school.settle();

    await passTime(school, 14 * MIN);
    expect(reminders(school)).toHaveLength(0);

    await passTime(school, 1 * MIN);
    const mention = reminders(school, 'L1');
    expect(mention).toHaveLength(1);
    expect(mention[0]?.mentions).toEqual([accountOf(school, 'S301')]);
    expect(mention[0]?.text).toContain(`第${id}号通知`);
    expect(at(mention[0] as SimMessage)).toBe(new Date(START + 15 * MIN).toISOString());

    await passTime(school, 15 * MIN);
    const dm = reminders(school).length === 1 ? school.botMessages('私聊:S301') : [];
    expect(dm).toHaveLength(1);
    expect(dm[0]?.text).toContain('您还未回复');
    expect(dm[0]?.text).toContain('学生疫情防控管理一级群');

    await passTime(school, 30 * MIN);
    const nags = () => school?.botMessages('私聊:T001').filter((m) => m.text.includes('【催办】')) ?? [];
    expect(nags()).toHaveLength(1);
    expect(nags()[0]?.text).toContain(`机械工程学院（副书记 ${nameOf(school, 'S301')}）`);
    expect(nags()[0]?.text).not.toContain(nameOf(school, 'S101'));

    await passTime(school, 6 * HOUR);
    expect(nags()).toHaveLength(2); // times: 2
    expect(nags().map(at)).toEqual([new Date(START + HOUR).toISOString(), new Date(START + 3 * HOUR).toISOString()]);
    // Nobody who replied was reminded, and the others only by the steps above.
    expect(reminders(school).filter((m) => m.chatType === 'group')).toHaveLength(1);
    expect(school.botMessages('私聊:S101')).toHaveLength(0);
  });

  it('L2: @ counselors at 30 min, then a private list to the deputy secretary by counselor, with the classes still waiting', async () => {
    school = await startTestSchool({ config: only({ L2: [{ after: '30m', action: 'mention' }, { after: '60m', action: 'nag' }] }) });
    await issue(school, '/通知 逐级 层级=3 请各班统计返校人数');
    for (const who of ['S101', 'S102', 'S201', 'S301']) school.say(who, 'L1', '收到');
    await school.settle();
    school.say('S111', 'L2:计算机学院', '收到');
    for (const who of ['S311', 'S312']) school.say(who, 'L2:机械工程学院', '收到');
    await school.settle();

    await passTime(school, 30 * MIN);
    const cs = reminders(school, 'L2:计算机学院');
    expect(cs).toHaveLength(1);
    expect(cs[0]?.mentions).toEqual([accountOf(school, 'S112')]);
    expect([...(reminders(school, 'L2:外国语学院')[0]?.mentions ?? [])].sort()).toEqual([accountOf(school, 'S211'), accountOf(school, 'S212')].sort());
    expect(reminders(school, 'L2:机械工程学院')).toHaveLength(0);

    await passTime(school, 30 * MIN);
    const nag = school.botMessages('私聊:S201').filter((m) => m.text.includes('【催办】'));
    expect(nag).toHaveLength(1);
    const text = nag[0]?.text ?? '';
    expect(text).toContain(nameOf(school, 'S211'));
    expect(text).toContain('英语2301、英语2302 要等其回复后才会收到通知');
    expect(text).toContain('日语2301');
    // Both of 计算机学院's deputy secretaries hear about its one silent counselor.
    for (const deputy of ['S101', 'S102']) {
      const m = school.botMessages(`私聊:${deputy}`).filter((x) => x.text.includes('【催办】'));
      expect(m).toHaveLength(1);
      expect(m[0]?.text).toContain(`${nameOf(school, 'S112')}：负责的 计算机2303`);
    }
    expect(school.botMessages('私聊:S301')).toHaveLength(0);
  });

  it('L3: @ the students in batches the platform allows, then a private list to the counselor', async () => {
    // One class of 49 (24 of 计算机2302 moved into 计算机2301): more than QQ's 30 mentions per message.
    const roster = tempDir('roster');
    cleanups.push(roster.remove);
    cpSync('config/demo', roster.path, { recursive: true });
    const file = join(roster.path, '学生.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^(20230102(?:0\d|1\d|2[0-4]),[^,]*,[^,]*,)计算机2302/gmu, '$1计算机2301'));
    school = await startTestSchool({ org: roster.path, config: only({ L3: [{ after: '60m', action: 'mention' }, { after: '120m', action: 'nag' }] }) });
    await issue(school, '/通知 学院=计算机学院 层级=3 请同学们完成健康打卡');
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();

    await passTime(school, 59 * MIN);
    expect(reminders(school)).toHaveLength(0);
    await passTime(school, 1 * MIN);
    const batches = reminders(school, 'L3:计算机2301');
    expect(batches.map((m) => m.mentions.length)).toEqual([30, 18]);
    expect(new Set(batches.flatMap((m) => m.mentions)).size).toBe(48);
    expect(batches.flatMap((m) => m.mentions)).not.toContain(accountOf(school, '2023010101'));
    expect(reminders(school, 'L3:计算机2303')[0]?.mentions).toHaveLength(25);

    await passTime(school, 1 * HOUR);
    const list = school.botMessages('私聊:S111').filter((m) => m.text.includes('【催办】'));
    expect(list).toHaveLength(1);
    expect(list[0]?.text).toContain('【计算机2301】');
    expect(list[0]?.text).toContain('学生（48）');
    expect(list[0]?.text).not.toContain(nameOf(school, '2023010101'));
    expect(list[0]?.text).not.toContain('计算机2303'); // S112's class
    expect(school.botMessages('私聊:S112').filter((m) => m.text.includes('计算机2303'))).toHaveLength(1);
  });
});

describe('parents (L4)', () => {
  it('chases nobody for a post their group never got, and from when it got there', async () => {
    school = await startTestSchool({ config: only({ L3: [{ after: '60m', action: 'mention' }] }) });
    // The bot of 计算机2302 was removed from the group: its post becomes a task for the counselor.
    const org = school.runtime.app.org();
    const group = org.groupByKeyText('L3:计算机2302');
    const pg = group ? org.platformGroupsOf(group.id)[0] : undefined;
    const bot = pg ? school.runtime.app.adapters.get(pg.accounts[0] ?? '')?.selfId : undefined;
    if (!pg || !bot) throw new Error('demo roster changed');
    school.runtime.school.world.leave(pg.chatId, bot);
    await issue(school, '/通知 学院=计算机学院 层级=3 请同学们完成健康打卡');
    const task = school.botMessages('私聊:S111').find((m) => m.text.includes('【需人工转发'));
    const taskId = Number(/第(\d+)号】/u.exec(task?.text ?? '')?.[1]);
    expect(taskId).toBeGreaterThan(0);
    await passTime(school, 61 * MIN);
    expect(reminders(school, 'L3:计算机2301')).toHaveLength(1);
    expect(reminders(school, 'L3:计算机2302')).toHaveLength(0);
    // The counselor posts it by hand 61 minutes in: the class is owed from then.
    school.runtime.school.world.join(pg.chatId, bot);
    const posted = school.mark();
    school.say('S111', '私聊', `/已转发 ${taskId}`);
    await school.settle();
    await passTime(school, 59 * MIN);
    expect(reminders(school, 'L3:计算机2302', posted)).toHaveLength(0);
    await passTime(school, 2 * MIN);
    expect(reminders(school, 'L3:计算机2302', posted)[0]?.mentions).toHaveLength(25);
  });

  it('never names a student or parent in a group: a nameless notice, then the counselor gets whom to phone', async () => {
    school = await startTestSchool({ config: only({ L4: [{ after: '60m', action: 'notice' }, { after: '90m', action: 'private' }, { after: '120m', action: 'nag' }] }) });
    await issue(school, '/通知 学院=外国语学院 请家长提醒孩子按时返校');
    const org = school.runtime.app.org();
    const college = org.collegeNamed('外国语学院');
    const students = org.classesOf(college?.id ?? -1).flatMap((k) => org.studentsOf(k.id));
    const guardians = students.flatMap((st) => org.guardiansOf(st.id).map((g) => org.person(g.guardianId)));
    school.say(`家长:${students[0]?.extId ?? ''}`, 'L4:外国语学院', `${students[0]?.name ?? ''}妈妈收到`);
    await school.settle();
    const mark = school.mark();
    await passTime(school, 3 * HOUR);

    const inGroup = school.botMessages('L4:外国语学院', mark);
    expect(inGroup.length).toBeGreaterThan(0);
    for (const m of inGroup) {
      expect(m.mentions).toEqual([]);
      for (const p of [...students, ...guardians]) if (p) expect(m.text, `${p.name} named in the parents group`).not.toContain(p.name);
    }
    expect(inGroup[0]?.text).toContain(`还有 ${students.length - 1} 位家长未回复`);
    // WeChat parents cannot be messaged by a bot that is not their friend: the counselors get the list.
    const phone = school.botMessages('私聊:S211', mark).filter((m) => m.text.includes('电话或短信'));
    expect(phone).toHaveLength(1);
    expect(phone[0]?.text).toContain(`${students[1]?.name ?? '?'}家长`);
    expect(phone[0]?.text).not.toContain(`${students[0]?.name ?? '?'}家长`);
    expect(school.botMessages('私聊:S212', mark).some((m) => m.text.includes('日语2301'))).toBe(true);
  });

  it('keeps the parents group quiet: completion notices at most one per noticeGap, counting every family that owes', async () => {
    school = await startTestSchool({ config: only({ L4: [{ after: '10m', action: 'notice' }] }) });
    await issue(school, '/通知 落实 学院=外国语学院 请家长签署安全承诺书并回复“已完成”');
    const org = school.runtime.app.org();
    const students = org.classesOf(org.collegeNamed('外国语学院')?.id ?? -1).flatMap((k) => org.studentsOf(k.id));
    // Everyone has been sent the receipt notice; then five families reply 收到, seven minutes apart.
    await passTime(school, 10 * MIN);
    const mark = school.mark();
    for (const st of students.slice(0, 5)) {
      school.say(`家长:${st.extId}`, 'L4:外国语学院', `${st.name}家长收到`);
      await school.settle();
      await passTime(school, 7 * MIN);
    }
    await passTime(school, 35 * MIN); // 09:13
    const done = school.botMessages('L4:外国语学院', mark).filter((m) => m.text.includes('未报告完成'));
    // Five staggered due times (08:20 … 08:48), but the receipt notice of 08:10 holds the group quiet
    // until 08:40: then one notice covers the families due by then; the last one waits for 09:10. Each
    // notice counts every family that still owes the report.
    expect(done.map((m) => [at(m), m.text.match(/还有 (\d+) 位家长/u)?.[1]])).toEqual([
      ['2026-03-02T00:40:00.000Z', '5'],
      ['2026-03-02T01:10:00.000Z', '5'],
    ]);
  });

  it('messages QQ parents privately where the platform allows it', async () => {
    // 外国语学院's parents group on QQ, and its parents with QQ numbers.
    const roster = tempDir('roster');
    cleanups.push(roster.remove);
    cpSync('config/demo', roster.path, { recursive: true });
    const groups = join(roster.path, '群.csv');
    writeFileSync(groups, readFileSync(groups, 'utf8').replace('四级,外国语学院家长疫情防控四级群,外国语学院,,微信,32308060507@chatroom,wx-bot-1', '四级,外国语学院家长疫情防控四级群,外国语学院,,QQ,733001122,qq-bot-2'));
    const parents = join(roster.path, '家长.csv');
    const lines = readFileSync(parents, 'utf8').split('\n');
    let n = 0;
    writeFileSync(
      parents,
      lines.map((l) => (/^202302/.test(l) ? l.replace(/^([^,]*,[^,]*,[^,]*,[^,]*),,/, (_m, head: string) => `${head},${900000000 + ++n},`) : l)).join('\n'),
    );
    school = await startTestSchool({ org: roster.path, config: only({ L4: [{ after: '60m', action: 'notice' }, { after: '90m', action: 'private' }] }) });
    await issue(school, '/通知 学院=外国语学院 请家长提醒孩子按时返校');
    const mark = school.mark();
    await passTime(school, 100 * MIN);
    const org = school.runtime.app.org();
    const students = org.classesOf(org.collegeNamed('外国语学院')?.id ?? -1).flatMap((k) => org.studentsOf(k.id));
    const dms = school.botMessages(undefined, mark).filter((m) => m.chatType === 'private' && m.text.includes('家长您好'));
    // One parent per student, each privately, naming only their own child.
    expect(dms).toHaveLength(students.length);
    const first = dms.find((m) => m.text.startsWith(`${students[0]?.name ?? '?'}家长您好`));
    expect(first?.text).toContain('外国语学院家长疫情防控四级群');
    expect(school.botMessages('私聊:S211', mark).filter((m) => m.text.includes('电话或短信'))).toHaveLength(0);
    // Each private reminder is in the home–school contact log, with its delivery's status.
    const logged = school.runtime.app.repos.contactLog.list();
    expect(logged).toHaveLength(students.length);
    expect(logged.every((e) => e.channel === 'bot_private' && e.source === 'cascade' && e.deliveryStatus === 'sent' && e.contactPersonId !== null)).toBe(true);
  });
});

describe('time', () => {
  it('defers reminders in quiet hours across midnight to their end, unless the directive is urgent', async () => {
    school = await startTestSchool({ config: only({ L1: [{ after: '15m', action: 'mention' }] }) });
    await passTime(school, 14 * HOUR + 20 * MIN); // 22:20
    await issue(school, '/通知 层级=2 明早8点前报送返校名单');
    await issue(school, '/通知 紧急 层级=2 今晚宿舍断电，请立即通知学生');
    for (const who of ['S101', 'S102', 'S201']) {
      school.say(who, 'L1', '#1 收到');
      school.say(who, 'L1', '#2 收到');
    }
    await school.settle();
    await passTime(school, 20 * MIN); // 22:40
    const night = reminders(school, 'L1');
    expect(night).toHaveLength(1);
    expect(night[0]?.text).toContain('第2号通知');
    expect(at(night[0] as SimMessage)).toBe('2026-03-02T14:35:00.000Z'); // 22:35 in Shanghai

    await passTime(school, 8 * HOUR + 19 * MIN); // 06:59
    expect(reminders(school, 'L1')).toHaveLength(1);
    await passTime(school, 2 * MIN);
    const morning = reminders(school, 'L1').slice(1);
    expect(morning).toHaveLength(1);
    expect(morning[0]?.text).toContain('第1号通知');
    expect(at(morning[0] as SimMessage)).toBe('2026-03-02T23:00:00.000Z'); // 07:00 next day
  });

  it('ends chasing at the deadline and sends a final summary with who never replied and who replied late', async () => {
    school = await startTestSchool({ config: only({ L1: [{ after: '15m', action: 'mention', every: '1h', times: 5 }] }) });
    await issue(school, '/通知 截止=10:00 层级=2 请10点前报送返校计划');
    for (const who of ['S101', 'S102']) school.say(who, 'L1', '收到');
    for (const who of ['S111', 'S112']) school.say(who, 'L2:计算机学院', '收到');
    await school.settle();
    await passTime(school, 2 * HOUR + 5 * MIN); // 10:05
    // 08:15 and 09:15; the 10:15 repeat would be after the deadline.
    expect(reminders(school, 'L1')).toHaveLength(2);
    school.say('S201', 'L1', '收到，晚了');
    await school.settle();
    await passTime(school, 5 * HOUR);
    expect(reminders(school, 'L1')).toHaveLength(2);
    const summary = school.botMessages('私聊:T001').filter((m) => m.text.includes('已截止'));
    expect(summary).toHaveLength(1);
    expect(at(summary[0] as SimMessage)).toBe('2026-03-02T02:15:00.000Z'); // 10:15 (15 min after the deadline)
    expect(summary[0]?.text).toContain(`截止后才回复（1）：${nameOf(school, 'S201')}（副书记）`);
    expect(summary[0]?.text).toContain(`一级群未回复的副书记（1）：${nameOf(school, 'S301')}`);
    // The deputy secretaries whose scope had something missing get theirs; those with nothing missing do not.
    expect(school.botMessages('私聊:S301').some((m) => m.text.includes('已截止'))).toBe(true);
    expect(school.botMessages('私聊:S101').some((m) => m.text.includes('已截止'))).toBe(false);
  });

  it('chases completion reports (落实) the same way, counted from each reply', async () => {
    school = await startTestSchool({ config: only({ L1: [{ after: '15m', action: 'mention' }] }) });
    await issue(school, '/通知 落实 层级=2 请各学院完成宿舍安全检查');
    school.say('S101', 'L1', '收到');
    school.say('S102', 'L1', '收到');
    await school.settle();
    await passTime(school, 5 * MIN);
    school.say('S201', 'L1', '收到');
    school.say('S101', 'L1', '已落实');
    await school.settle();
    await passTime(school, 10 * MIN); // 08:15
    const first = reminders(school, 'L1');
    // S301 has not replied at all; S102 replied at 08:00 and has not reported completion.
    expect(first).toHaveLength(2);
    expect(first.find((m) => m.text.includes('还未回复'))?.mentions).toEqual([accountOf(school, 'S301')]);
    expect(first.find((m) => m.text.includes('还未报告落实'))?.mentions).toEqual([accountOf(school, 'S102')]);
    await passTime(school, 5 * MIN); // 08:20: S201 replied at 08:05
    const done = reminders(school, 'L1').slice(2);
    expect(done).toHaveLength(1);
    expect(done[0]?.text).toContain('还未报告落实');
    expect(done[0]?.mentions).toEqual([accountOf(school, 'S201')]);
    // S101 reported completion: never chased.
    expect(reminders(school, 'L1').flatMap((m) => m.mentions)).not.toContain(accountOf(school, 'S101'));
  });

  it('counts receipt and completion reminders together against maxPerPerson', async () => {
    school = await startTestSchool({
      config: only({ L1: [{ after: '15m', action: 'mention' }, { after: '30m', action: 'private' }, { after: '45m', action: 'private' }] }, { maxPerPerson: 3 }),
    });
    await issue(school, '/通知 落实 层级=2 请报送');
    for (const who of ['S101', 'S102', 'S201']) {
      school.say(who, 'L1', '收到');
      school.say(who, 'L1', '已落实');
    }
    await school.settle();
    await passTime(school, 40 * MIN); // S301: mention at 15, private at 30
    school.say('S301', 'L1', '收到');
    await school.settle();
    await passTime(school, 4 * HOUR);
    const toS301 = [...reminders(school, 'L1'), ...school.botMessages('私聊:S301')];
    expect(toS301).toHaveLength(3); // not 2 + 3
    expect(toS301.some((m) => m.text.includes('还未报告落实'))).toBe(true);
  });

  it('never reminds one person more often than maxPerPerson, however the steps repeat', async () => {
    school = await startTestSchool({
      config: only({ L1: [{ after: '15m', action: 'mention', every: '30m', times: 5 }, { after: '20m', action: 'private', every: '30m', times: 5 }] }, { maxPerPerson: 3 }),
    });
    await issue(school, '/通知 层级=2 请报送');
    for (const who of ['S101', 'S102', 'S201']) school.say(who, 'L1', '收到');
    await school.settle();
    await passTime(school, 6 * HOUR);
    const toS301 = [...reminders(school, 'L1'), ...school.botMessages('私聊:S301')];
    expect(toS301).toHaveLength(3);
    const times = toS301.map((m) => m.at).sort((a, b) => a - b);
    // The cool-down (10 min) holds between any two of them.
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(10 * MIN);
    const log = school.runtime.app.repos.chase.reminders(1);
    expect(log.filter((r) => r.action !== 'nag')).toHaveLength(3);
  });
});

describe('/催办', () => {
  it('runs the next round now for the asker’s scope, with a cool-down, and /进度 shows it', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 层级=3 请同学们完成健康打卡');
    const mark = school.mark();
    school.say('S111', 'L2:计算机学院', `/催办 ${id}`);
    await school.settle();
    const answer = school.botMessages('L2:计算机学院', mark).find((m) => m.text.includes('已催办'));
    expect(answer?.text).toContain('群内@ 50 人');
    expect(reminders(school, 'L3:计算机2301', mark)[0]?.mentions).toHaveLength(25);
    expect(reminders(school, 'L3:计算机2302', mark)[0]?.mentions).toHaveLength(25);
    expect(reminders(school, 'L3:计算机2303', mark)).toHaveLength(0); // S112's class
    expect(reminders(school, 'L2:计算机学院', mark)).toHaveLength(0); // the asker's own reply is not chased by themself

    const again = school.mark();
    school.say('S111', 'L2:计算机学院', '/催办');
    await school.settle();
    expect(school.botMessages('L2:计算机学院', again).map((m) => m.text).join('\n')).toContain('已经提醒过');
    expect(reminders(school, undefined, again)).toHaveLength(0);

    // The automatic 60-minute mention does not repeat what /催办 did.
    const later = school.mark();
    await passTime(school, 70 * MIN);
    expect(reminders(school, 'L3:计算机2301', later)).toHaveLength(0);
    expect(reminders(school, 'L3:计算机2303', later)).toHaveLength(1);

    const progress = school.mark();
    school.say('S111', 'L2:计算机学院', `/进度 ${id}`);
    await school.settle();
    const text = school.botMessages('L2:计算机学院', progress).map((m) => m.text).join('\n');
    expect(text).toMatch(/催办：已提醒 \d+ 人/u);
    expect(text).toContain(`手动催办：08:00 ${nameOf(school, 'S111')}`);
  });

  it('in a class group reminds that class only', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 层级=3 请同学们完成健康打卡');
    const mark = school.mark();
    school.say('S111', 'L3:计算机2301', `/催办 ${id}`);
    await school.settle();
    expect(school.botMessages('L3:计算机2301', mark).map((m) => m.text).join('\n')).toContain('群内@ 25 人');
    expect(reminders(school, 'L3:计算机2301', mark)[0]?.mentions).toHaveLength(25);
    expect(reminders(school, 'L3:计算机2302', mark)).toHaveLength(0);
    expect(reminders(school, 'L2:计算机学院', mark)).toHaveLength(0);
  });

  it('counts, in each room of a college’s parents, the families that sit there', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 学院=计算机学院 请家长提醒孩子按时返校');
    const mark = school.mark();
    school.say('S101', 'L2:计算机学院', '/催办');
    await school.settle();
    const org = school.runtime.app.org();
    const g = org.groupByKeyName('L4:计算机学院');
    const rooms = g ? org.platformGroupsOf(g.id).map((pg) => pg.chatId) : [];
    expect(rooms).toHaveLength(2);
    const notices = school.botMessages('L4:计算机学院', mark);
    const counts = rooms.map((chat) => Number(notices.find((m) => m.chatType === 'group' && m.chatId === chat)?.text.match(/本群还有 (\d+) 位家长/u)?.[1]));
    const families = org.classesOf(org.collegeNamed('计算机学院')?.id ?? -1).flatMap((k) => org.studentsOf(k.id)).length;
    // Each room its own families, together the college's (each family sits in one room).
    expect(counts.every((n) => n > 0 && n < families)).toBe(true);
    expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(families);
  });

  it('a counselor’s /催办 in the parents group names nobody and counts every family of the college that owes', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 学院=外国语学院 请家长提醒孩子按时返校');
    const mark = school.mark();
    school.say('S211', 'L2:外国语学院', '/催办');
    await school.settle();
    const notice = school.botMessages('L4:外国语学院', mark);
    expect(notice).toHaveLength(1);
    expect(notice[0]?.mentions).toEqual([]);
    const org = school.runtime.app.org();
    const families = org.classesOf(org.collegeNamed('外国语学院')?.id ?? -1).flatMap((k) => org.studentsOf(k.id)).length;
    expect(notice[0]?.text).toContain(`本学院还有 ${families} 位家长未回复`);
    // The other counselor asks right after: the group is not reminded again so soon.
    const again = school.mark();
    school.say('S212', 'L2:外国语学院', '/催办');
    await school.settle();
    expect(school.botMessages('L4:外国语学院', again)).toHaveLength(0);
  });

  it('waits for the end of the quiet hours unless the directive is urgent', async () => {
    school = await startTestSchool();
    await passTime(school, 15 * HOUR); // 23:00
    await issue(school, '/通知 层级=3 明早报送');
    const mark = school.mark();
    school.say('S111', 'L2:计算机学院', '/催办 1');
    await school.settle();
    expect(school.botMessages('L2:计算机学院', mark).map((m) => m.text).join('\n')).toContain('现在是免打扰时间（至 3月3日 07:00），本次不发送第1号通知的提醒');
    expect(reminders(school, undefined, mark)).toHaveLength(0);
    await issue(school, '/通知 紧急 层级=3 今晚停电，请注意安全');
    const urgent = school.mark();
    school.say('S111', 'L2:计算机学院', '/催办 2');
    await school.settle();
    expect(school.botMessages('L2:计算机学院', urgent).map((m) => m.text).join('\n')).toContain('已催办第2号通知');
    expect(reminders(school, 'L3:计算机2301', urgent)).toHaveLength(1);
  });

  it('is refused to students and parents, and answers for a finished scope', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 层级=2 请报送');
    const mark = school.mark();
    school.say('2023010101', 'L3:计算机2301', '/催办');
    await school.settle();
    expect(school.botMessages('L3:计算机2301', mark)[0]?.text).toContain('催办只能由');
    school.say('S311', 'L2:机械工程学院', '收到');
    school.say('S312', 'L2:机械工程学院', '收到');
    school.say('S301', 'L1', '收到');
    await school.settle();
    school.say('S301', 'L2:机械工程学院', '/催办');
    await school.settle();
    expect(school.botMessages('L2:机械工程学院', mark).map((m) => m.text).join('\n')).toContain('已全部回复，无需催办');
  });
});

describe('durable and exact', () => {
  it('a restart between rounds neither loses nor repeats a reminder', async () => {
    school = await startTestSchool({ config: only({ L1: [{ after: '15m', action: 'mention' }, { after: '30m', action: 'private' }] }) });
    await issue(school, '/通知 层级=2 请报送');
    for (const who of ['S101', 'S102', 'S201']) school.say(who, 'L1', '收到');
    await school.settle();
    await passTime(school, 10 * MIN);
    await school.runtime.restart(true);
    await passTime(school, 10 * MIN);
    expect(reminders(school, 'L1')).toHaveLength(1);
    await school.runtime.restart(false);
    await passTime(school, 30 * MIN);
    expect(reminders(school, 'L1')).toHaveLength(1);
    expect(school.botMessages('私聊:S301')).toHaveLength(1);
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
  });

  it('a crash right after a round ran sends each of its reminders once', async () => {
    school = await startTestSchool({ config: only({ L3: [{ after: '60m', action: 'mention' }] }) });
    await issue(school, '/通知 层级=3 请同学们完成健康打卡');
    const clock = school.clock as VirtualClock;
    clock.advance(60 * MIN);
    // Kill the workers as soon as the round's first reminder is out: the rest are queued or going out.
    const { world } = school.runtime.school;
    const firstReminder = new Promise<void>((resolve) => {
      const off = world.onMessage((m) => {
        if (world.account(m.from) === undefined || !m.text.includes('【催办】')) return;
        off();
        resolve();
      });
    });
    await school.runtime.app.queues.promoteDue(clock.now());
    await firstReminder;
    await school.runtime.restart(true);
    await school.settle();
    await passTime(school, 1 * MIN);
    for (const k of ['计算机2301', '计算机2302', '计算机2303', '英语2301', '机械2303']) expect(reminders(school, `L3:${k}`), k).toHaveLength(1);
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
  });

  it('cancels the waiting rounds once everyone has replied', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 层级=2 请报送');
    expect(await school.runtime.app.queues.nextDue('chase')).not.toBeNull();
    for (const who of ['S101', 'S102', 'S201', 'S301']) school.say(who, 'L1', '收到');
    counselorsReply(school);
    await school.settle();
    expect(await school.runtime.app.queues.nextDue('chase')).toBeNull();
    await passTime(school, 5 * HOUR);
    expect(reminders(school)).toHaveLength(0);
  });

  it('chases again a reply that is recalled after everyone had replied', async () => {
    school = await startTestSchool({ config: only({ L1: [{ after: '15m', action: 'mention' }] }) });
    await issue(school, '/通知 层级=2 请报送');
    const replies = ['S101', 'S102', 'S201', 'S301'].map((who) => school?.say(who, 'L1', '收到'));
    counselorsReply(school);
    await school.settle();
    expect(await school.runtime.app.queues.nextDue('chase')).toBeNull();
    await passTime(school, 5 * MIN);
    school.runtime.school.world.recall(replies[3]?.id ?? '');
    await school.settle();
    await passTime(school, 30 * MIN);
    const m = reminders(school, 'L1');
    expect(m).toHaveLength(1);
    expect(m[0]?.mentions).toEqual([accountOf(school, 'S301')]);
  });
});
