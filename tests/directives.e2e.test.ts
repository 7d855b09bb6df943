/**
 * Directives as staff really send them (issue #15) on the simulator with real Redis and SQLite: the right
 * words for each audience (the product's default depth 3, a parents' version), withdrawing, correcting
 * and listing directives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { RELAY } from '../src/features/directives/index.js';
import { issue, level, passTime, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

/** The product's defaults for directives (the shared test school reaches parents by default). */
const PRODUCT = { directives: { defaultDepth: parseConfig({}).directives.defaultDepth } };

function postsOf(s: TestSchool, id: number): { to: string; text: string }[] {
  return s.botMessages().filter((m) => m.text.includes(`【通知 第${id}号】`)).map((m) => ({ to: m.chatType === 'group' ? m.chatId : '', text: m.text }));
}

describe('the right words for each audience', () => {
  it('by default a directive reaches colleges and classes, not parents, and the confirmation says how to reach them', async () => {
    expect(PRODUCT.directives.defaultDepth).toBe(3);
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 请各学院于今晚前完成宿舍安全检查');
    expect(postsOf(school, id)).toHaveLength(12); // 3 college groups + 9 class groups
    expect(school.botMessages('L4:计算机学院')).toEqual([]);
    expect(level(school, id, 4)).toBeUndefined();
    const confirmation = school.botMessages('L1').map((m) => m.text).join('\n');
    expect(confirmation).toContain('未发到家长群');
    expect(confirmation).toContain('层级=4');
  });

  it('a parents’ version goes to the parents groups (and only there), with the parents’ reply instruction', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 截止=18:00 请各学院于今晚前完成宿舍安全检查\n家长版：请各位家长提醒孩子今晚配合宿舍安全检查。');
    expect(postsOf(school, id)).toHaveLength(16);
    const l4 = school.botMessages('L4:计算机学院')[0]?.text ?? '';
    expect(l4).toContain('请各位家长提醒孩子今晚配合宿舍安全检查。');
    expect(l4).not.toContain('宿舍安全检查\n家长版');
    expect(l4).not.toContain('请各学院于今晚前');
    expect(l4).toContain('请家长回复“学生姓名+收到”');
    const l3 = school.botMessages('L3:计算机2301')[0]?.text ?? '';
    expect(l3).toContain('请各学院于今晚前完成宿舍安全检查');
    expect(l3).not.toContain('家长版');
    expect(school.botMessages('L1').map((m) => m.text).join('\n')).toContain('家长群收到家长版');
    expect(level(school, id, 4)?.required).toBeGreaterThan(0);
  });

  it('层级=4 (or 至=家长) sends the same text to parents; an empty parents’ version is an error', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 至=家长 请提醒孩子周日返校');
    expect(school.botMessages('L4:计算机学院')[0]?.text).toContain('请提醒孩子周日返校');
    expect(school.botMessages('L1').map((m) => m.text).join('\n')).toContain('家长群收到同一正文');
    expect(level(school, id, 4)?.required).toBeGreaterThan(0);
    expect((await school.ask('T001', 'L1', '/通知 请检查 家长版：')).text).toContain('“家长版：”后面没有内容');
  });
});

describe('withdraw, correct and list', () => {
  /** The bot's post of directive `id` in each platform chat of a group key. */
  function posts(s: TestSchool, id: number, key: string) {
    return s.botMessages(key).filter((m) => m.text.includes(`【通知 第${id}号】`));
  }

  it('/撤回 within two minutes recalls the QQ posts and posts a notice where no recall is possible; replies and chasing stop', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 截止=18:00 请各班今晚开班会');
    const world = school.runtime.school.world;
    const qqPost = posts(school, id, 'L3:计算机2301')[0];
    if (!qqPost) throw new Error('no post in the class group');
    const answer = await school.ask('T001', 'L1', `/撤回 ${id}`);
    expect(answer.text).toContain(`已撤回第${id}号通知`);
    await school.settle();
    // QQ groups: the post itself is gone; WeChat parents groups (the bot learns no id there): a notice.
    expect(world.isRecalled(qqPost.id)).toBe(true);
    expect(school.botMessages('L3:计算机2301').some((m) => m.text.includes('【撤回】'))).toBe(false);
    expect(school.botMessages('L4:计算机学院').some((m) => m.text.includes(`【撤回】第${id}号通知已撤回`))).toBe(true);
    const ledger = school.runtime.app.repos.ledger;
    // Every group that got it: recalled or noticed, once.
    expect(ledger.withdrawnCount(id)).toBe(16);
    expect(world.duplicateDeliveries()).toBe(0);
    // Replies no longer count; nobody is chased.
    school.say('S111', 'L2:计算机学院', '收到');
    await school.settle();
    expect(level(school, id, 2)?.acknowledged).toBe(0);
    expect((await school.ask('T001', 'L1', `/撤回 ${id}`)).text).toContain('已经撤回');
    const list = (await school.ask('T001', '私聊', '/通知列表')).text;
    expect(list).toContain(`第${id}号 已撤回`);
  });

  it('after the recall time every group gets the withdrawal notice instead', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 层级=3 请各班今晚开班会');
    const first = posts(school, id, 'L3:计算机2301')[0];
    await passTime(school, 3 * 60_000);
    await school.ask('T001', 'L1', `/撤回 ${id}`);
    await school.settle();
    expect(school.runtime.school.world.isRecalled(first?.id ?? '')).toBe(false);
    const notice = school.botMessages('L3:计算机2301').find((m) => m.text.includes('【撤回】'));
    expect(notice?.text).toBe(`【撤回】第${id}号通知已撤回，请忽略该通知，无需回复。`);
    expect(school.runtime.app.repos.ledger.withdrawnCount(id)).toBe(12);
  });

  it('/更正 posts the correction to every group that got it, quoting the original; replies to the original still count', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 层级=3 请各班今晚八点开班会');
    school.say('S111', 'L2:计算机学院', '收到');
    await school.settle();
    const answer = await school.ask('T001', '私聊', `/更正 ${id} 班会改为今晚九点`);
    expect(answer.text).toContain(`已向 12 个群发出第${id}号通知的更正`);
    await school.settle();
    const original = posts(school, id, 'L3:计算机2301')[0];
    const correction = school.botMessages('L3:计算机2301').find((m) => m.text.startsWith(`【更正 第${id}号通知】班会改为今晚九点`));
    expect(correction).toBeDefined();
    expect(correction?.chatType === 'group' ? correction.quoteId : undefined).toBe(original?.id);
    expect(level(school, id, 2)?.acknowledged).toBe(1);
    expect((await school.ask('T001', '私聊', '/通知列表')).text).toContain('（已更正 1 次）');
    // A student may neither withdraw nor correct.
    expect((await school.ask('2023010101', 'L3:计算机2301', `/撤回 ${id}`)).text).not.toContain('已撤回');
  });
});

describe('exports (issue #15)', () => {
  it('one row per person owed a reply in the scope, with when, how and what they wrote; a workbook per class and a summary', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 截止=18:00 请各班今晚开班会');
    school.say('S111', 'L2:计算机学院', '收到，我的电话13912345678');
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    const { directiveExport, directiveWorkbook } = await import('../src/features/directives/export.js');
    const app = school.runtime.app;
    const org = app.org();
    const college = org.collegeNamed('计算机学院');
    if (!college) throw new Error('demo roster changed');
    const d = app.get(RELAY).directive(id);
    if (!d) throw new Error('no directive');
    const exp = directiveExport(org, d, { kind: 'colleges', collegeIds: [college.id] }, '计算机学院', app.repos.directives.ackDetails(id), 'open');
    expect(Object.keys(exp.rows[0] ?? {}).sort()).toEqual(['at', 'class', 'college', 'fields', 'late', 'level', 'name', 'ref', 'replied', 'text', 'via'].sort());
    expect(exp.directive).toMatchObject({ id, status: 'open', scope: '计算机学院' });
    const counselor = exp.rows.find((r) => r.ref === 'S111');
    expect(counselor).toMatchObject({ level: 2, replied: true, via: 'reply', late: false });
    // A number someone wrote is masked in the export too.
    expect(counselor?.text).not.toContain('13912345678');
    const student = exp.rows.find((r) => r.ref === '2023010101' && r.level === 3);
    expect(student).toMatchObject({ replied: true, class: '计算机2301', text: '收到' });
    expect(exp.rows.filter((r) => r.level === 3 && r.class === '计算机2301').length).toBeGreaterThan(1);
    expect(exp.rows.every((r) => r.college === '计算机学院')).toBe(true);

    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await directiveWorkbook(exp, 'Asia/Shanghai')) as unknown as ArrayBuffer);
    const names = wb.worksheets.map((w) => w.name);
    expect(names[0]).toBe('汇总');
    expect(names).toContain('计算机2301');
    expect(names).toContain('老师');

    // In chat: the asker's scope as a workbook, privately; logged as an export.
    const said = await school.ask('S111', 'L3:计算机2301', `/导出 ${id}`);
    expect(said.to('L3:计算机2301').join('\n')).toContain('已私聊发给您');
    const file = said.all.flatMap((m) => (m.chatType === 'private' ? (m.files ?? []) : []))[0];
    expect(file?.name).toBe(`第${id}号通知回复情况-计算机2301、计算机2302.xlsx`);
    const sent = new ExcelJS.Workbook();
    await sent.xlsx.load(file?.data as unknown as ArrayBuffer);
    expect(sent.worksheets.map((w) => w.name)).toEqual(expect.arrayContaining(['汇总', '计算机2301', '计算机2302']));
    expect(sent.worksheets.map((w) => w.name)).not.toContain('计算机2303');
    expect(app.repos.access.list().some((e) => e.what === 'export_directive' && e.byPersonId === org.personByRef('S111')?.id)).toBe(true);
    // No file in a group, ever: the group only hears that it went privately.
    expect(said.all.filter((m) => m.chatType === 'group' && (m.files?.length ?? 0) > 0)).toEqual([]);

    // A chat that cannot take a private file: the command to run at the server instead.
    for (const a of school.runtime.school.accountsOn('qq')) school.runtime.school.world.setPrivateFilesAllowed(a, false);
    const instead = await school.ask('S111', '私聊', `/导出 ${id}`);
    expect(instead.text).toContain(`cascade export ${id} --format xlsx --class 计算机2301`);
    expect(instead.text).toContain(`cascade export ${id} --format xlsx --class 计算机2302`);
  });
});

describe('questions reach someone (issue #15)', () => {
  it('a question from someone who owes a reply goes to the counselor, who answers it in the group quoting it', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 层级=3 请各班今晚填写返校信息表');
    const asked = school.say('2023010101', 'L3:计算机2301', '老师，表格在哪里下载？');
    await school.settle();
    // The counselor is told at once, privately.
    expect(school.botMessages('私聊:S111').map((m) => m.text).join('\n')).toContain('计算机2301班疫情防控三级群（第');
    expect(school.botMessages('私聊:S111').map((m) => m.text).join('\n')).toContain('“老师，表格在哪里下载？”');
    expect(school.botMessages('私聊:S112')).toEqual([]);
    const list = (await school.ask('S111', '私聊', '/待确认')).text;
    expect(list).toContain('老师，表格在哪里下载？');
    expect(list).toContain('/答复');
    const itemId = Number(/【(\d+)】/u.exec(list)?.[1]);
    // Another class's counselor cannot answer it.
    expect((await school.ask('S112', '私聊', `/答复 ${itemId} 在群文件里`)).text).toContain('不是待答复的问题');
    const answer = await school.ask('S111', '私聊', `/答复 ${itemId} 表格在群文件“返校信息表”里`);
    expect(answer.text).toContain(`已在群里答复【${itemId}】`);
    await school.settle();
    const posted = school.botMessages('L3:计算机2301').find((m) => m.text === '【答复】表格在群文件“返校信息表”里');
    expect(posted).toBeDefined();
    expect(posted?.chatType === 'group' ? posted.quoteId : undefined).toBe(asked.id);
    // Answered: off the list; once only.
    expect((await school.ask('S111', '私聊', '/待确认')).text).not.toContain('表格在哪里下载');
    expect((await school.ask('S111', '私聊', `/答复 ${itemId} 再说一次`)).text).toContain('不是待答复的问题');
    expect(level(school, id, 3)?.acknowledged).toBe(0);
  });

  it('“/答复 编号 私聊 …” answers the asker privately', async () => {
    school = await startTestSchool();
    await issue(school, '/通知 层级=3 请各班今晚填写返校信息表');
    school.say('2023010102', 'L3:计算机2301', '附件打不开怎么办？');
    await school.settle();
    const list = (await school.ask('S111', '私聊', '/待确认')).text;
    const itemId = Number(/【(\d+)】/u.exec(list)?.[1]);
    expect((await school.ask('S111', '私聊', `/答复 ${itemId} 私聊 我单独发给你`)).text).toContain('已私下答复');
    await school.settle();
    expect(school.botMessages('私聊:2023010102').map((m) => m.text)).toContain('【答复】我单独发给你');
  });
});

describe('directives in one’s own scope (issue #15)', () => {
  it('a deputy secretary’s /通知 in the college group reaches that college’s class groups only, and only students owe', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 截止=21:00 今晚各班召开安全主题班会', { as: 'S101', in: 'L2:计算机学院' });
    const posts = postsOf(school, id);
    expect(posts).toHaveLength(3);
    expect(school.botMessages('L3:计算机2301').find((m) => m.text.includes(`【通知 第${id}号】`))?.text).toContain('发布：计算机学院 余明欣');
    expect(school.botMessages('L3:英语2301').some((m) => m.text.includes(`【通知 第${id}号】`))).toBe(false);
    expect(school.botMessages('L2:计算机学院').map((m) => m.text).join('\n')).toContain(`已发布第${id}号通知（计算机学院）`);
    expect(level(school, id, 1)).toBeUndefined();
    expect(level(school, id, 2)).toBeUndefined();
    expect(level(school, id, 3)?.required).toBeGreaterThan(0);
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    expect(level(school, id, 3)?.acknowledged).toBe(1);
    // Not another college: not theirs.
    expect((await school.ask('S101', 'L2:计算机学院', '/通知 学院=外国语学院 开会')).text).toContain('只能向自己负责的学院或班级');
  });

  it('a counselor’s /通知 reaches their classes and, with 层级=4, their families in the parents group (the post names the classes)', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 层级=4 请家长提醒孩子周日晚九点前返校', { as: 'S111', in: '私聊' });
    const classPosts = ['L3:计算机2301', 'L3:计算机2302', 'L3:计算机2303'].map((k) => school?.botMessages(k).some((m) => m.text.includes(`【通知 第${id}号】`)));
    expect(classPosts).toEqual([true, true, false]);
    const l4 = school.botMessages('L4:计算机学院').find((m) => m.text.includes(`【通知 第${id}号】`))?.text ?? '';
    expect(l4).toContain('涉及班级：计算机2301、计算机2302');
    expect(l4).toContain('发布：辅导员 杨昊');
    const org = school.runtime.app.org();
    const families = [...(org.classNamed('计算机2301') ? org.studentsOf(org.classNamed('计算机2301')?.id ?? 0) : []), ...org.studentsOf(org.classNamed('计算机2302')?.id ?? 0)];
    expect(level(school, id, 4)?.required).toBe(families.length);
    // A parent of another class says 收到: it does not count; one of theirs does.
    const other = org.studentsOf(org.classNamed('计算机2303')?.id ?? 0)[0];
    school.say(`家长:${other?.extId ?? ''}`, 'L4:计算机学院', '收到');
    school.say('家长:2023010101', 'L4:计算机学院', '收到');
    await school.settle();
    expect(level(school, id, 4)?.acknowledged).toBe(1);
    // In one of their class groups: that class only.
    const here = await issue(school, '/通知 明早7点集合', { as: 'S111', in: 'L3:计算机2302' });
    expect(postsOf(school, here)).toHaveLength(1);
    // The issuer may withdraw their own; not the school's, nor another counselor's.
    const school1 = await issue(school, '/通知 请各学院开会');
    expect((await school.ask('S111', '私聊', `/撤回 ${school1}`)).text).toContain('不是您发布的');
    expect((await school.ask('S112', '私聊', `/撤回 ${here}`)).text).toContain('不是您发布的');
    expect((await school.ask('S111', 'L3:计算机2302', `/撤回 ${here}`)).text).toContain(`已撤回第${here}号通知`);
    // A college leader may not issue; a student may not.
    expect((await school.ask('S103', '私聊', '/通知 开会')).text).toContain('没有发布通知的权限');
    expect((await school.ask('2023010101', 'L3:计算机2301', '/通知 开会')).text).not.toContain('已发布');
  });
});

describe('/补充 (issue #15)', () => {
  it('a deputy secretary adds the college’s lines to the school’s directive, in that college’s groups only', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 请各学院于周五前完成宿舍安全检查');
    const said = await school.ask('S101', 'L2:计算机学院', `/补充 ${id} 我院请于周四晚八点前完成，并拍照上报`);
    expect(said.text).toContain(`已在本学院 4 个群补充第${id}号通知`);
    await school.settle();
    const added = school.botMessages('L3:计算机2301').find((m) => m.text.startsWith(`【第${id}号通知 计算机学院补充】`));
    expect(added?.text).toContain('我院请于周四晚八点前完成');
    expect(school.botMessages('L3:英语2301').some((m) => m.text.includes('补充】'))).toBe(false);
    // A counselor may not; a deputy secretary of a college the directive did not reach is told so.
    expect((await school.ask('S111', '私聊', `/补充 ${id} 我班另有安排`)).text).toContain('只有学院副书记');
    const other = await issue(school, '/通知 学院=外国语学院 请外国语学院开会');
    expect((await school.ask('S101', '私聊', `/补充 ${other} 我院也开`)).text).toContain('没有发到您负责的学院');
  });
});

describe('collections (issue #15)', () => {
  it('/收集 keeps each person’s latest answer with its fields, counts it as a reply, and exports the fields', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/收集 字段=体温,所在地 截止=20:00 请同学们报告今日体温和所在地', { as: 'S111', in: 'L3:计算机2301' });
    const post = school.botMessages('L3:计算机2301').find((m) => m.text.includes(`【通知 第${id}号】`))?.text ?? '';
    expect(post).toContain('【信息收集】请同学们直接在群里回复体温、所在地');
    school.say('2023010101', 'L3:计算机2301', '体温36.5 所在地北京');
    school.say('2023010102', 'L3:计算机2301', '今天好热啊');
    await school.settle();
    school.say('2023010101', 'L3:计算机2301', '更正：体温36.8，所在地：学校');
    school.say('2023010103', 'L3:计算机2301', '收到');
    await school.settle();
    // Chat without a field is no answer; a plain 收到 counts as a reply, with no fields.
    expect(level(school, id, 3)?.acknowledged).toBe(2);
    const answers = school.runtime.app.repos.directives.answers(id);
    const org = school.runtime.app.org();
    const first = org.personByRef('2023010101');
    expect(answers.get(`3:${first?.id ?? 0}`)).toMatchObject({ fields: { 体温: '36.8', 所在地: '学校' } });
    const { directiveExport } = await import('../src/features/directives/export.js');
    const d = school.runtime.app.get(RELAY).directive(id);
    if (!d) throw new Error('no directive');
    const k = org.classNamed('计算机2301');
    const exp = directiveExport(org, d, { kind: 'classes', classIds: [k?.id ?? 0], collegeIds: [k?.collegeId ?? 0] }, '计算机2301', school.runtime.app.repos.directives.ackDetails(id), 'open', answers);
    expect(exp.rows.find((r) => r.ref === '2023010101')).toMatchObject({ replied: true, text: '更正：体温36.8，所在地：学校', fields: { 体温: '36.8', 所在地: '学校' } });
    expect(exp.rows.find((r) => r.ref === '2023010102')).toMatchObject({ replied: false, fields: null });
  });
});

describe('a parents’ version given afterwards (issue #15)', () => {
  it('“/通知 家长版 …” quoting the first sends the parents’ version to the parents groups, once', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const first = school.say('T001', 'L1', '/通知 请各学院于今晚前完成宿舍安全检查');
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    expect(school.botMessages('L4:计算机学院')).toEqual([]);
    const said = await school.ask('T001', 'L1', '/通知 家长版：请各位家长提醒孩子今晚配合宿舍安全检查。', { quoteId: first.id });
    expect(said.text).toContain(`已把第${id}号通知的家长版发到`);
    await school.settle();
    const l4 = school.botMessages('L4:计算机学院').find((m) => m.text.includes(`【通知 第${id}号】`))?.text ?? '';
    expect(l4).toContain('请各位家长提醒孩子今晚配合宿舍安全检查。');
    expect(l4).toContain('请家长回复');
    expect(level(school, id, 4)?.required).toBeGreaterThan(0);
    expect(school.runtime.app.directives.latest()?.id).toBe(id);
    // Again: it has reached the parents already.
    expect((await school.ask('T001', 'L1', '/通知 家长版 再发一次', { quoteId: first.id })).text).toContain('已经发到家长群');
    // Without a quote, “家长版” is just the start of a new directive's text.
    expect((await school.ask('T001', 'L1', '/通知 家长版 不引用')).text).toContain('已发布第');
  });
});
