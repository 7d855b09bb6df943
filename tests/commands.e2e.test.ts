/**
 * Commands as people meet them, on the simulator with real Redis and SQLite: `/帮助` shows each role
 * exactly what it may use; who may not use a command is refused before anything they wrote is read,
 * and no bot message ever carries their text; answers to people without a staff role are rationed;
 * a handler that fails is apologised for with an error number that is also in the log.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defineCommand, type Feature } from '../src/app/feature.js';
import { anyone } from '../src/app/guards.js';
import { viewerOf } from '../src/app/message-context.js';
import { FEATURES } from '../src/features/index.js';
import { startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

const ALL = ['/通知', '/收集', '/撤回', '/更正', '/通知列表', '/导出', '/未回复', '/进度', '/待确认', '/确认', '/忽略', '/答复', '/催办', '/核对', '/待转发', '/已转发', '/重发', '/绑定', '/解绑', '/通讯录', '/核实', '/记录', '/更正记录', '/已联系', '/登录', '/帮助'];
/** Deputy secretaries and counselors issue in their own scope, and withdraw or correct their own (issue #15). */
const STAFF = ALL;
/** College leaders have a college's scope but no address book (issue #13) and issue nothing. */
const COLLEGE_LEADER = STAFF.filter((c) => !['/通知', '/收集', '/撤回', '/更正', '/通讯录', '/核实', '/记录', '/更正记录', '/已联系'].includes(c));
/** A deputy secretary also adds the college's lines to a directive (`/补充`). */
const DEPUTY = [...STAFF, '/补充'];
const EVERYONE = ['/绑定', '/帮助'];

/** The commands a help text lists: the first word of each line that starts with one. */
function listed(help: string): string[] {
  return [...new Set(help.split('\n').flatMap((line) => /^(\/\S+?)(?=\s|$|（)/u.exec(line.trim())?.[1] ?? []))].sort();
}

describe('/帮助 is generated for the asker', () => {
  it.each([
    ['team leader', 'T001', '私聊', ALL],
    ['team member', 'T002', '私聊', ALL],
    ['deputy secretary', 'S101', '私聊', DEPUTY],
    ['college leader', 'S103', '私聊', COLLEGE_LEADER],
    ['counselor', 'S111', '私聊', STAFF],
    ['student', '2023010101', 'L3:计算机2301', EVERYONE],
    ['parent', '家长:2023010101', 'L4:计算机学院', EVERYONE],
    ['stranger', 'qq:999000001', '私聊', EVERYONE],
  ])('%s sees exactly what the registry allows them', async (_role, who, where, expected) => {
    school = await startTestSchool();
    const said = await school.ask(who, where, '/帮助');
    expect(said.all).toHaveLength(1);
    const help = said.all[0]?.text ?? '';
    expect(listed(help)).toEqual([...expected].sort());
    // The registry agrees: the same commands, no more.
    const org = school.runtime.app.org();
    const person = who.includes(':') && !who.startsWith('家长') ? undefined : org.personByRef(who);
    const allowed = school.runtime.app.commands.allowed(viewerOf(org, person)).map((c) => c.name);
    expect(allowed).toHaveLength(expected.length);
    // Staff are shown the counselor form of /绑定; others are not.
    expect(help.includes('qq:账号')).toBe(expected !== EVERYONE);
    expect(help.includes('请私聊机器人发送') || help.includes('私聊')).toBe(true);
  });
});

describe('refusals come before reading and quote nothing', () => {
  const HOSTILE = [
    '/通知 截止=请家长点击http://evil.example/pay缴纳保险费 x',
    '/通知 层级=请家长点击http://evil.example/pay缴纳保险费 x',
    '/确认 请家长点击http://evil.example/pay缴纳保险费',
    '/核对 请家长点击http://evil.example/pay缴纳保险费',
    '/点击领取补贴',
    `/通知 ${'请家长点击http://evil.example/pay缴纳保险费'.repeat(500)}`,
  ];

  it('a student gets one short refusal, then silence; no bot message carries their text', async () => {
    school = await startTestSchool();
    const all: string[] = [];
    for (const text of HOSTILE) all.push(...(await school.ask('2023010101', 'L3:计算机2301', text)).all.map((m) => m.text));
    expect(all).toHaveLength(1);
    expect(all[0]).toContain('没有发布通知的权限');
    for (const t of all) {
      expect(t).not.toContain('evil');
      expect(t).not.toContain('请家长点击');
      expect(t).not.toContain('缴纳');
    }
    expect(school.runtime.app.directives.latest()).toBeUndefined();
  });

  it('a stranger is refused the same way, and an unknown command quotes nothing', async () => {
    school = await startTestSchool();
    const first = await school.ask('qq:999000001', 'L3:计算机2301', '/点击领取补贴');
    expect(first.text).toContain('没有这个命令');
    expect(first.text).not.toContain('点击领取');
    const then = await school.ask('qq:999000001', 'L3:计算机2301', '/确认 请家长点击http://evil.example/pay');
    expect(then.all).toHaveLength(0);
  });

  it('a 100,000-id /确认 from a student is refused without being read', async () => {
    school = await startTestSchool();
    const ids = Array.from({ length: 100_000 }, (_, i) => i + 1).join(' ');
    const said = await school.ask('2023010101', 'L3:计算机2301', `/确认 ${ids}`);
    expect(said.all).toHaveLength(1);
    expect(said.text).toContain('没有查看该通知进度的权限');
    expect(said.text).not.toContain('99999');
    expect(said.text).not.toContain('1 2 3');
  });

  it('staff get refusals and length errors without their text, one message each', async () => {
    school = await startTestSchool();
    const long = `/通知 ${'请家长点击http://evil.example/pay'.repeat(700)}`;
    const refused = await school.ask('S103', 'L2:计算机学院', long);
    expect(refused.all).toHaveLength(1);
    expect(refused.text).toContain('没有发布通知的权限');
    const tooLong = await school.ask('T001', 'L1', long);
    expect(tooLong.all).toHaveLength(1);
    expect(tooLong.text).toContain('命令太长');
    expect(tooLong.text).not.toContain('evil');
    // A long notice is not a long command: /通知 has its own cap (commands.noticeMaxChars).
    const notice = await school.ask('T001', 'L1', `/通知 ${'请各学院统计本周返校人数并于周五前上报。'.repeat(150)}`);
    expect(notice.text).toContain('已发布');
    const tooMany = await school.ask('S111', '私聊', '/确认 1-500');
    expect(tooMany.text).toContain('一次最多处理 200 个编号');
  });
});

describe('deadlines (issue #14)', () => {
  it('an impossible one gets an answer, and one in another year shows its year', async () => {
    school = await startTestSchool();
    expect((await school.ask('T001', 'L1', '/通知 截止=99999999天 请各学院统计')).text).toContain('截止时间最多在一年以内');
    const next = await school.ask('T001', 'L1', '/通知 截止=2027-01-05 18:00 寒假离校安排');
    expect(next.text).toContain('已发布');
    expect(next.text).toContain('2027年1月5日 18:00');
  });
});

describe('names that forgive (issue #15)', () => {
  it('a unique prefix names a college; a typo gets the closest names, and nothing is guessed', async () => {
    school = await startTestSchool();
    const issued = await school.ask('T001', 'L1', '/通知 学院=计算机 请计算机学院今晚完成宿舍检查');
    expect(issued.text).toContain('已发布第1号通知');
    // Only 计算机学院's groups got it.
    expect(school.botMessages('L2:计算机学院').some((m) => m.text.includes('【通知 第1号】'))).toBe(true);
    expect(school.botMessages('L2:外国语学院').some((m) => m.text.includes('【通知 第1号】'))).toBe(false);
    const typo = await school.ask('T001', 'L1', '/通知 学院=外国话学院 请检查');
    expect(typo.text).toContain('未找到学院：外国话学院。您是不是要找：外国语学院？');
    // The same forgiveness in a query's filter and in /核对.
    expect((await school.ask('T001', '私聊', '/进度 1 计算机')).text).toContain('第1号通知');
    expect((await school.ask('T001', '私聊', '/未回复 1 计算鸡学院')).text).toContain('您是不是要找：计算机学院？');
  });
});

describe('answers are rationed for people without a staff role', () => {
  it('a stranger hears "not on the roster" once, whatever they send privately', async () => {
    school = await startTestSchool();
    const texts: string[] = [];
    for (let i = 0; i < 4; i++) texts.push(...(await school.ask('qq:999000002', '私聊', `你好 ${i}`)).all.map((m) => m.text));
    expect(texts).toEqual(['您好，系统中还没有您的身份信息，请联系辅导员核对。']);
  });

  it('a student gets at most answers.perMinute answers a minute; staff are not limited', async () => {
    school = await startTestSchool();
    let student = 0;
    for (let i = 0; i < 8; i++) student += (await school.ask('2023010101', 'L3:计算机2301', '/帮助')).all.length;
    expect(student).toBe(5);
    let leader = 0;
    for (let i = 0; i < 8; i++) leader += (await school.ask('T001', '私聊', '/帮助')).all.length;
    expect(leader).toBe(8);
  });
});

describe('failures are seen', () => {
  it('a failing command is rolled back and apologised for with an error number that is also logged', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const broken: Feature = {
      name: 'broken',
      commands: [
        defineCommand<null>({
          name: 'broken',
          words: ['故障测试'],
          where: ['L1', 'private'],
          guard: anyone,
          usage: () => null,
          parse: () => null,
          handle(ctx) {
            ctx.reply('这条不应发出');
            throw new Error('handler bug');
          },
        }),
      ],
    };
    school = await startTestSchool({ features: [...FEATURES, broken], logger });
    const said = await school.ask('T001', 'L1', '/故障测试');
    expect(said.all).toHaveLength(1);
    const errorNo = /错误编号 ([A-Z0-9]{6})/u.exec(said.text)?.[1];
    expect(errorNo).toBeDefined();
    expect(said.text).not.toContain('这条不应发出');
    const logged = lines.map((l) => JSON.parse(l) as { errorNo?: string; msg?: string; err?: { message?: string } }).find((l) => l.errorNo === errorNo);
    expect(logged?.msg).toBe('a message could not be handled');
    expect(logged?.err?.message).toBe('handler bug');
    const row = school.runtime.db.$client.prepare("SELECT meaning, detail FROM inbound_messages WHERE text = '/故障测试'").get() as { meaning: string; detail: string };
    expect(row.meaning).toBe('error');
    expect(JSON.parse(row.detail)).toEqual({ errorNo });
    expect(school.runtime.app.repos.failures.since(0, 5)[0]).toMatchObject({ errorNo, queue: 'message', error: 'Error: handler bug' });
  });

  it('a command whose continuation after the commit fails is answered with an apology and an error number too', async () => {
    const late: Feature = {
      name: 'late',
      commands: [
        defineCommand<null>({
          name: 'late',
          words: ['稍后故障'],
          where: ['L1', 'private'],
          guard: anyone,
          usage: () => null,
          parse: () => null,
          handle(ctx) {
            ctx.reply('正在处理');
            ctx.later(async () => {
              throw new Error('continuation bug');
            });
          },
        }),
      ],
    };
    school = await startTestSchool({ features: [...FEATURES, late] });
    const said = await school.ask('T001', 'L1', '/稍后故障');
    expect(said.all.map((m) => m.text)).toEqual([expect.stringContaining('正在处理'), expect.stringMatching(/错误编号 [A-Z0-9]{6}/u)]);
    const errorNo = /错误编号 ([A-Z0-9]{6})/u.exec(said.text)?.[1];
    expect(school.runtime.app.repos.failures.since(0, 5)[0]).toMatchObject({ errorNo, queue: 'message', error: 'Error: continuation bug' });
  });
});
