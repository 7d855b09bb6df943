/**
 * Personal data kept only as long as needed (issue #14): raw events leave Redis once handled; the daily
 * sweep removes texts that counted for nothing after privacy.keepMessagesDays, reduces counted replies to
 * their label once the directive is archived, and removes the records of people gone from the roster.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sweep } from '../src/features/privacy/index.js';
import { applyRoster } from '../src/store/org-repo.js';
import { readRoster } from '../src/roster/index.js';
import { issue, startTestSchool, START, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

const DAY = 86_400_000;
const texts = (s: TestSchool): { text: string; meaning: string | null }[] =>
  s.runtime.app.repos.db.$client.prepare('SELECT text, meaning FROM inbound_messages ORDER BY id').all() as { text: string; meaning: string | null }[];

describe('retention', () => {
  it('keeps no handled event in Redis, and sweeps texts and gone people on their schedule', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 请各学院于今晚前完成宿舍安全检查');
    await school.ask('2023010101', 'L3:计算机2301', '收到');
    await school.ask('2023010102', 'L3:计算机2301', '今晚吃什么，我电话13912345678');
    await school.ask('S111', '私聊', '/记录 2023010103 电话 告知检查安排');
    // Raw events are not kept once handled.
    const counts = await school.runtime.app.queues.counts();
    expect(Object.entries(counts).filter(([name]) => name.includes('inbound')).map(([, c]) => c['completed'])).toEqual([0]);

    const app = school.runtime.app;
    const p = { messages: 30, directives: 365, removed: 365 };
    expect(app.repos.privacy.sweep(START + 29 * DAY, p)).toMatchObject({ messages: 0, replies: 0 });
    const month = app.repos.privacy.sweep(START + 31 * DAY, p);
    expect(month.messages).toBeGreaterThanOrEqual(2);
    const after = texts(school);
    expect(after.some((m) => m.text.includes('13912345678'))).toBe(false);
    expect(after.filter((m) => m.text === '收到')).toHaveLength(1);
    // A year on, the counted reply keeps its label and time only.
    expect(app.repos.privacy.sweep(START + 366 * DAY, p).replies).toBe(1);
    expect(texts(school).find((m) => m.meaning === 'ack')?.text).toBe('');

    // A student removed from the roster: their contact log and contact fields go a year after.
    const roster = await readRoster('config/demo');
    roster.students = roster.students.filter((s) => s.studentNo !== '2023010103');
    roster.guardians = roster.guardians.filter((g) => g.studentNo !== '2023010103');
    applyRoster(app.repos.db, roster, { source: 'test', now: START + DAY });
    expect(app.repos.privacy.sweep(START + 300 * DAY, p).contactLog).toBe(0);
    const gone = app.repos.privacy.sweep(START + 367 * DAY, p);
    expect(gone.contactLog).toBe(1);
    expect(gone.people).toBeGreaterThanOrEqual(1);
    expect(app.repos.contactLog.list()).toEqual([]);
  });

  it('a collection’s answers go with the replies they came from (issue #15)', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/收集 字段=所在地 请报告所在地');
    await school.ask('2023010101', 'L3:计算机2301', '所在地北京');
    const app = school.runtime.app;
    expect([...app.repos.directives.answers(id).values()].map((a) => a.text)).toEqual(['所在地北京']);
    app.repos.privacy.sweep(START + 366 * DAY, { messages: 30, directives: 365, removed: 365 });
    expect([...app.repos.directives.answers(id).values()].map((a) => [a.text, a.fields])).toEqual([['', null]]);
  });

  it('runs as a daily job on the config schedule', async () => {
    school = await startTestSchool({ config: { privacy: { sweepAt: '04:00' } } });
    expect(await school.runtime.app.queues.schedule('privacy-sweep', 'daily-privacy-sweep')).toEqual({ pattern: '0 4 * * *', tz: 'Asia/Shanghai' });
    expect(sweep(school.runtime.app)).toEqual({ messages: 0, replies: 0, contactLog: 0, contactChecks: 0, people: 0, files: 0 });
  });
});

describe('the access log', () => {
  it('records who viewed the address book, their own log and the names of non-responders, and what scope', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 请各学院于今晚前完成宿舍安全检查');
    await school.ask('S111', '私聊', '/通讯录 计算机2301');
    await school.ask('S111', '私聊', '/通讯录 2023010101');
    await school.ask('S111', '私聊', '/记录');
    await school.ask('S101', 'L2:计算机学院', '/未回复');
    // Refused or nothing found: nothing shown, nothing logged.
    await school.ask('S112', '私聊', '/通讯录 2023010101');
    const entries = school.runtime.app.repos.access.list();
    expect(entries.map((e) => [e.by.split(' ')[0], e.what, e.scope])).toEqual([
      ['S111', 'address_book', '计算机2301'],
      ['S111', 'address_book', '2023010101'],
      ['S111', 'contact_log', '本人的记录'],
      ['S101', 'non_responders', '第1号 计算机学院'],
    ]);
  });
});
