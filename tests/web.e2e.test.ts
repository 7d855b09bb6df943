/**
 * The web console over real HTTP (issue #16) against the simulated school with real Redis and SQLite:
 * login by one-time link, sessions and their expiry, CSRF, every route's scope (team, deputy
 * secretary, counselor; a student refused), the JSON API's contract, and the export.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loginLink } from '../src/features/console/index.js';
import { startWebServer } from '../src/web/server.js';
import { defineJob, type Feature } from '../src/app/feature.js';
import { FEATURES } from '../src/features/index.js';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WechatyAdapter } from '../adapters/wechaty/adapter.js';
import { MockWechat } from '../adapters/wechaty/mock-puppet.js';
import { silentLogger } from '../src/app/logger.js';
import { tempDir } from './setup/helpers.js';
import { advanceClock, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
let web: { url: string; close: () => Promise<void> } | undefined;

afterEach(async () => {
  await web?.close();
  web = undefined;
  await school?.close();
  school = undefined;
});

async function start(features?: readonly Feature[]): Promise<{ s: TestSchool; base: string }> {
  school = await startTestSchool({ config: { web: { listen: '127.0.0.1:0' } }, ...(features ? { features } : {}) });
  const s = school;
  web = await startWebServer(() => s.runtime.app);
  return { s, base: web.url };
}

/** A browser-like client: keeps the session cookie. */
class Client {
  cookie = '';
  constructor(readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.base}${path}`, { redirect: 'manual', headers: { cookie: this.cookie, ...headers } });
  }

  async post(path: string, body: string, type: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.base}${path}`, { method: 'POST', redirect: 'manual', body, headers: { cookie: this.cookie, 'content-type': type, ...headers } });
  }

  async json(path: string, body: unknown): Promise<Response> {
    return this.post(path, JSON.stringify(body), 'application/json');
  }

  async form(path: string, fields: Record<string, string>): Promise<Response> {
    return this.post(path, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
  }

  /** Opens a login link; keeps the session cookie it sets. */
  async login(link: string): Promise<Response> {
    const r = await fetch(link.replace(/^http:\/\/[^/]+/u, this.base), { redirect: 'manual' });
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    return r;
  }

  /** The CSRF token of the session, read from a page's logout form. */
  async csrf(): Promise<string> {
    const page = await (await this.get('/')).text();
    return /name="_csrf" value="([^"]+)"/u.exec(page)?.[1] ?? '';
  }
}

async function as(s: TestSchool, base: string, ref: string): Promise<Client> {
  const person = s.runtime.app.org().personByRef(ref);
  if (!person) throw new Error(`no ${ref}`);
  const link = loginLink(s.runtime.app, person.id, 'cli', s.runtime.app.clock.now());
  if (!link) throw new Error('no link');
  const c = new Client(base);
  expect((await c.login(link)).status).toBe(303);
  return c;
}

describe('login and sessions', () => {
  it('serves /healthz without a session and nothing else; a link logs in once, within ten minutes', async () => {
    const { s, base } = await start();
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/api/directives`)).status).toBe(401);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('/登录');
    const leader = s.runtime.app.org().personByRef('T001');
    const link = loginLink(s.runtime.app, leader?.id ?? -1, 'cli', s.runtime.app.clock.now()) ?? '';
    const c = new Client(base);
    expect((await c.login(link)).status).toBe(303);
    expect(c.cookie).toMatch(/^cascade_sid=/u);
    expect((await c.get('/')).status).toBe(200);
    // Used: never again.
    expect((await new Client(base).login(link)).status).toBe(401);
    // Expired: ten minutes.
    const late = loginLink(s.runtime.app, leader?.id ?? -1, 'cli', s.runtime.app.clock.now()) ?? '';
    advanceClock(s, 11 * 60_000);
    expect((await new Client(base).login(late)).status).toBe(401);
  });

  it('a session ends after web.sessionIdleMinutes without a request, and at logout', async () => {
    const { s, base } = await start();
    const c = await as(s, base, 'T001');
    advanceClock(s, 100 * 60_000);
    expect((await c.get('/api/directives')).status).toBe(200); // touched: alive for another 120 min
    advanceClock(s, 121 * 60_000);
    expect((await c.get('/api/directives')).status).toBe(401);
    const d = await as(s, base, 'T001');
    const csrf = await d.csrf();
    expect((await d.form('/logout', { _csrf: csrf })).status).toBe(200);
    expect((await d.get('/')).status).toBe(401);
  });

  it('/登录 answers staff privately with a link; in a group only tells them to ask privately; a student is refused', async () => {
    const { s, base } = await start();
    const said = await s.ask('S111', '私聊', '/登录');
    const link = /http:\/\/\S+\/login\/[A-Za-z0-9_-]+/u.exec(said.text)?.[0];
    expect(link).toBeDefined();
    expect((await new Client(base).login(link ?? '')).status).toBe(303);
    const inGroup = await s.ask('S111', 'L3:计算机2301', '/登录');
    expect(inGroup.text).toContain('只能私聊');
    expect(inGroup.text).not.toMatch(/\/login\//u);
    // A student may not log in: no link from chat, and a link made anyway is refused at the door.
    expect((await s.ask('2023010101', '私聊', '/登录')).text).not.toMatch(/\/login\//u);
    const student = s.runtime.app.org().personByRef('2023010101');
    const forced = loginLink(s.runtime.app, student?.id ?? -1, 'cli', s.runtime.app.clock.now()) ?? '';
    expect((await new Client(base).login(forced)).status).toBe(401);
  });

  it('cascade web-login prints a link for staff and refuses a student or a parent; web-logout ends the sessions', { timeout: 60_000 }, async () => {
    const { s, base } = await start();
    const bin = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
    const cli = (args: string[]): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CASCADE_DATA_DIR: s.runtime.app.config.dataDir } }, (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
        );
      });
    const ok = await cli(['web-login', 'S111']);
    expect(ok.code).toBe(0);
    const link = ok.out.trim();
    expect(link).toMatch(/\/login\/[A-Za-z0-9_-]{43}$/u);
    const c = new Client(base);
    expect((await c.login(link)).status).toBe(303);
    expect((await c.get('/')).status).toBe(200);
    for (const ref of ['2023010101', '家长:2023010101']) {
      const refused = await cli(['web-login', ref]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('不能登录网页控制台');
    }
    expect((await cli(['web-logout', 'S111'])).out).toContain('已结束');
    expect((await c.get('/')).status).toBe(401);
  });

  it('refuses a form without the session’s token, a post from another site, and any preflight', async () => {
    const { s, base } = await start();
    const c = await as(s, base, 'T001');
    expect((await c.form('/directives', { text: '没有令牌的表单' })).status).toBe(403);
    expect((await c.post('/api/directives', JSON.stringify({ text: '跨站' }), 'application/json', { origin: 'https://evil.example' })).status).toBe(403);
    const preflight = await fetch(`${base}/api/directives`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(s.runtime.app.directives.latest()).toBeUndefined();
  });
});

describe('the API and its scopes', () => {
  it('the team issues by POST /api/directives; GET returns the drill report’s object with pending in scope', async () => {
    const { s, base } = await start();
    const t = await as(s, base, 'T001');
    const r = await t.json('/api/directives', { text: '请各学院今晚完成宿舍安全检查', depth: 3, deadline: '2026-03-02T18:00:00+08:00', colleges: ['计算机学院'] });
    expect(r.status).toBe(201);
    const { id } = (await r.json()) as { id: number };
    await s.settle();
    // The confirmation went where the team issues: the school group.
    expect(s.botMessages('L1').map((m) => m.text).join('\n')).toContain(`已发布第${id}号通知`);
    s.say('2023010101', 'L3:计算机2301', '收到');
    await s.settle();
    const list = (await (await t.get('/api/directives')).json()) as { id: number; text: string; status: string; levels: Record<string, { required: number; acknowledged: number }> }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, status: 'open', text: '请各学院今晚完成宿舍安全检查' });
    const one = (await (await t.get(`/api/directives/${id}`)).json()) as Record<string, unknown> & { levels: Record<string, { acknowledged: number; required: number }>; pending: unknown[] };
    expect(Object.keys(one)).toEqual(expect.arrayContaining(['id', 'text', 'status', 'levels', 'deliveries', 'pending']));
    expect(one.levels['3']?.acknowledged).toBe(1);
    expect(one['deadline']).toBe('2026-03-02T10:00:00.000Z');
    expect(one['deliveries']).toMatchObject({ sent: 4, failed: 0 });
    // Bad input: a clear error, nothing issued.
    expect((await t.json('/api/directives', { text: '' })).status).toBe(400);
    expect((await t.json('/api/directives', { text: '正文', depth: 5 })).status).toBe(400);
    const bad = await t.json('/api/directives', { text: '正文', deadline: '昨天' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('截止时间');
    expect(s.runtime.app.directives.all()).toHaveLength(1);
  });

  it('a counselor sees only their classes, and gets 403 outside them; a deputy secretary issues to their college', async () => {
    const { s, base } = await start();
    const t = await as(s, base, 'T001');
    const cs = ((await (await t.json('/api/directives', { text: '计算机学院的通知', depth: 3, colleges: ['计算机学院'] })).json()) as { id: number }).id;
    const fl = ((await (await t.json('/api/directives', { text: '外国语学院的通知', depth: 3, colleges: ['外国语学院'] })).json()) as { id: number }).id;
    await s.settle();
    const counselor = await as(s, base, 'S111');
    const mine = (await (await counselor.get('/api/directives')).json()) as { id: number; levels: Record<string, { required: number }> }[];
    expect(mine.map((d) => d.id)).toEqual([cs]);
    const org = s.runtime.app.org();
    const theirStudents = (org.personByRef('S111')?.counselorOf ?? []).reduce((n, k) => n + org.studentsOf(k).length, 0);
    expect(mine[0]?.levels['3']?.required).toBe(theirStudents);
    expect((await counselor.get(`/api/directives/${fl}`)).status).toBe(403);
    expect((await counselor.get(`/directives/${fl}`)).status).toBe(404);
    const names = (await (await counselor.get(`/api/directives/${cs}`)).json()) as { pending: { name: string; class: string | null }[] };
    const classes = new Set(names.pending.map((p) => p.class));
    expect([...classes].every((k) => k === null || (org.personByRef('S111')?.counselorOf ?? []).some((id) => org.classUnit(id)?.name === k))).toBe(true);
    expect(s.runtime.app.repos.access.list().some((e) => e.what === 'non_responders' && e.byPersonId === org.personByRef('S111')?.id)).toBe(true);
    // A deputy secretary's own directive reaches their college's classes.
    const deputy = await as(s, base, 'S101');
    const own = await deputy.json('/api/directives', { text: '学院消防演练' });
    expect(own.status).toBe(201);
    // Outside their college: refused with the bot's reason.
    const outside = await deputy.json('/api/directives', { text: '越权', colleges: ['外国语学院'] });
    expect(outside.status).toBe(403);
  });
});

describe('待确认', () => {
  it('shows each counselor their classes’ items, settles them in bulk and answers questions in the group', async () => {
    const { s, base } = await start();
    const t = await as(s, base, 'T001');
    await t.json('/api/directives', { text: '请各班今晚填写返校信息表', depth: 3, colleges: ['计算机学院'] });
    await s.settle();
    s.say('2023010101', 'L3:计算机2301', '好的');
    const asked = s.say('2023010102', 'L3:计算机2301', '老师，表格在哪里下载？');
    await s.settle();
    const org = s.runtime.app.org();
    const responsible = org.counselorsOf(org.classUnit(org.personByRef('2023010101')?.classId ?? -1)?.id ?? -1)[0];
    const other = org.collegeCounselors(org.college(org.personByRef('2023010101')?.collegeId ?? -1)?.id ?? -1).find((p) => !p.counselorOf.includes(org.personByRef('2023010101')?.classId ?? -1));
    if (!responsible || !other) throw new Error('no counselors');
    const mine = await as(s, base, responsible.extId);
    const page = await (await mine.get('/review')).text();
    expect(page).toContain('“好的”');
    expect(page).toContain('老师，表格在哪里下载？');
    const theirs = await (await (await as(s, base, other.extId)).get('/review')).text();
    expect(theirs).not.toContain('“好的”');
    const csrf = await mine.csrf();
    const question = s.runtime.app.repos.reviews.open().find((r) => r.kind === 'question');
    const answered = await mine.form(`/review/${question?.id ?? 0}/answer`, { _csrf: csrf, text: '在群文件里' });
    expect(answered.status).toBe(303);
    await s.settle();
    const posted = s.botMessages('L3:计算机2301').find((m) => m.text === '【答复】在群文件里');
    expect(posted?.chatType === 'group' ? posted.quoteId : undefined).toBe(asked.id);
    const low = s.runtime.app.repos.reviews.open().find((r) => r.kind === 'low_confidence');
    const settled = await mine.form('/review', { _csrf: csrf, ids: String(low?.id ?? 0), action: 'dismiss' });
    expect(decodeURIComponent(settled.headers.get('location') ?? '')).toContain('已忽略 1 条');
    expect(s.runtime.app.repos.reviews.open()).toHaveLength(0);
  });
});

describe('running the bots (the team only)', () => {
  it('机器人账号: each account’s state and budget; a pause holds its sends until resumed', async () => {
    const { s, base } = await start();
    expect((await (await as(s, base, 'S111')).get('/accounts')).status).toBe(403);
    const t = await as(s, base, 'T001');
    const page = await (await t.get('/accounts')).text();
    for (const id of s.runtime.app.adapters.keys()) expect(page).toContain(id);
    expect(s.runtime.app.adapters.size).toBeGreaterThanOrEqual(3);
    expect(page).toContain('在线');
    const csrf = await t.csrf();
    expect((await t.form('/accounts/qq-bot-2/pause', { _csrf: csrf })).status).toBe(303);
    expect(await (await t.get('/accounts')).text()).toContain('暂停至');
    expect(s.runtime.app.guard.blockedUntil('qq-bot-2', null, s.runtime.app.clock.now())).not.toBeNull();
    expect((await t.form('/accounts/qq-bot-2/resume', { _csrf: csrf })).status).toBe(303);
    expect(s.runtime.app.guard.blockedUntil('qq-bot-2', null, s.runtime.app.clock.now())).toBeNull();
    expect((await t.form('/accounts/nobody/pause', { _csrf: csrf })).status).toBe(404);
  });

  it('a WeChat bot waiting for a scan: its QR code is rendered here, follows the renewed code, and goes once logged in', async () => {
    const world = new MockWechat({ id: 'wxid_console_bot', name: '联络机器人' }, 'scan');
    const dir = tempDir('console-wechaty');
    const wechat = new WechatyAdapter({ accountId: 'wx-console' }, { logger: silentLogger, dataDir: dir.path, puppet: world.puppet });
    try {
      school = await startTestSchool({ config: { web: { listen: '127.0.0.1:0' } }, adapters: [wechat] });
      const s = school;
      web = await startWebServer(() => s.runtime.app);
      const t = await as(s, web.url, 'T001');
      const page = await (await t.get('/accounts')).text();
      expect(page).toContain('wx-console 需要登录');
      expect(page).toContain('/accounts/wx-console/qr.svg');
      expect(page).not.toContain('mock-uuid'); // the login URL is not in the page, only its image
      const first = await (await t.get('/accounts/wx-console/qr.svg')).text();
      expect(first).toMatch(/^<svg/u);
      // WeChat renews the code: the image follows.
      world.puppet.emit('scan', { qrcode: 'https://login.weixin.qq.com/l/renewed-uuid', status: 2 });
      await new Promise((r) => setTimeout(r, 50));
      const renewed = await (await t.get('/accounts/wx-console/qr.svg')).text();
      expect(renewed).toMatch(/^<svg/u);
      expect(renewed).not.toBe(first);
      // A counselor cannot see it.
      expect((await (await as(s, web.url, 'S111')).get('/accounts/wx-console/qr.svg')).status).toBe(403);
      // Scanned and logged in: no code any more.
      world.login();
      const deadline = Date.now() + 5_000;
      while (s.runtime.app.adapters.get('wx-console')?.status?.().state === 'login_required' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await t.get('/accounts/wx-console/qr.svg')).status).toBe(404);
      expect(await (await t.get('/accounts')).text()).not.toContain('wx-console 需要登录');
    } finally {
      await web?.close();
      web = undefined;
      await school?.close();
      school = undefined;
      await wechat.stop();
      dir.remove();
    }
  });

  it('运维: queue depths and failed jobs, retried or dropped', async () => {
    let runs = 0;
    const flaky: Feature = {
      name: 'flaky-job',
      jobs: [
        defineJob<{ n: number }>({
          name: 'flaky',
          concurrency: 1,
          accepts: (d): d is { n: number } => typeof d === 'object' && d !== null && 'n' in d,
          async handle() {
            runs++;
            throw new Error('flaky job');
          },
        }),
      ],
    };
    const { s, base } = await start([...FEATURES, flaky]);
    expect((await (await as(s, base, 'S101')).get('/ops')).status).toBe(403);
    await s.runtime.app.queues.add('flaky', { n: 1 }, { jobId: 'flaky-1', attempts: 1, backoffMs: 10 });
    while ((await s.runtime.app.queues.failedJobs()).length === 0) await new Promise((r) => setTimeout(r, 10));
    const t = await as(s, base, 'T001');
    const page = await (await t.get('/ops')).text();
    expect(page).toContain('flaky-1');
    expect(page).toContain('flaky job');
    const csrf = await t.csrf();
    expect((await t.form('/ops/jobs', { _csrf: csrf, queue: 'flaky', id: 'flaky-1', how: 'retry' })).status).toBe(303);
    while (runs < 2) await new Promise((r) => setTimeout(r, 10));
    while ((await s.runtime.app.queues.failedJobs()).length === 0) await new Promise((r) => setTimeout(r, 10));
    expect((await t.form('/ops/jobs', { _csrf: csrf, queue: 'flaky', id: 'flaky-1', how: 'drop' })).status).toBe(303);
    expect(await s.runtime.app.queues.failedJobs()).toEqual([]);
    expect(await (await t.get('/ops')).text()).toContain('没有失败的任务');
  });
});

describe('名单', () => {
  /** The demo school's four sheets, the students' edited, as a browser uploads them. */
  function upload(students: (text: string) => string): FormData {
    const fd = new FormData();
    for (const name of ['学生.csv', '家长.csv', '教职工.csv', '群.csv']) {
      const text = readFileSync(`config/demo/${name}`, 'utf8');
      fd.append('files', new Blob([name === '学生.csv' ? students(text) : text], { type: 'text/csv' }), name);
    }
    return fd;
  }

  it('a roster upload shows the dry-run diff, changes nothing until applied, then takes effect without a restart', async () => {
    const { s, base } = await start();
    const t = await as(s, base, 'T001');
    const csrf = await t.csrf();
    const withNew = upload((text) => `${text.trimEnd()}\n2023019999,新同学,计算机学院,计算机2301,13900000000,3999999999,\n`);
    const preview = await fetch(`${base}/roster/preview?_csrf=${csrf}`, { method: 'POST', body: withNew, headers: { cookie: t.cookie } });
    expect(preview.status).toBe(200);
    const page = await preview.text();
    expect(page).toContain('新同学');
    expect(page).toContain('新增 1');
    expect(page).not.toContain('13900000000');
    expect(s.runtime.app.org().personByExtId('2023019999')).toBeUndefined();
    const token = /name="token" value="([^"]+)"/u.exec(page)?.[1] ?? '';
    const applied = await t.form('/roster/apply', { _csrf: csrf, token });
    expect(await applied.text()).toContain('已生效');
    expect(s.runtime.app.org().personByExtId('2023019999')?.name).toBe('新同学');
    // Used once.
    expect((await t.form('/roster/apply', { _csrf: csrf, token })).status).toBe(400);
    // A bad row is named by sheet, row and column; nothing is imported.
    const bad = upload((text) => `${text.trimEnd()}\n2023019998,,计算机学院,计算机2301,,,\n`);
    const refused = await fetch(`${base}/roster/preview?_csrf=${csrf}`, { method: 'POST', body: bad, headers: { cookie: t.cookie } });
    expect(refused.status).toBe(400);
    const why = await refused.text();
    expect(why).toContain('未导入任何数据');
    expect(why).toMatch(/学生.*第 ?\d+ ?行/u);
    // Without the session's token, or by a counselor: refused.
    expect((await fetch(`${base}/roster/preview`, { method: 'POST', body: upload((x) => x), headers: { cookie: t.cookie } })).status).toBe(403);
    const counselor = await as(s, base, 'S111');
    expect((await counselor.get('/roster')).status).toBe(403);
  });
});

describe('群成员核对', () => {
  it('lists the groups one is responsible for with their latest audit, and audits one now', async () => {
    const { s, base } = await start();
    const org = s.runtime.app.org();
    const mine = (org.personByRef('S111')?.counselorOf ?? []).map((k) => org.classUnit(k)?.name ?? '');
    const counselor = await as(s, base, 'S111');
    const list = await (await counselor.get('/membership')).text();
    for (const k of mine) expect(list).toContain(`${k}班疫情防控三级群`);
    expect(list).not.toContain('计算机2303班');
    // Someone the roster does not know joins a class group; auditing it now finds them.
    const g = org.groupByKeyText(`L3:${mine[0] ?? ''}`);
    const pg = g ? org.platformGroupsOf(g.id)[0] : undefined;
    if (!g || !pg) throw new Error('no class group');
    s.runtime.school.world.addUser({ userId: '999000111', nickname: '路人甲', platform: 'qq' });
    s.runtime.school.world.join(pg.chatId, '999000111', { card: '路人甲' });
    const csrf = await counselor.csrf();
    expect((await counselor.form(`/membership/${g.id}/audit`, { _csrf: csrf })).status).toBe(303);
    const detail = await (await counselor.get(`/membership/${g.id}`)).text();
    expect(detail).toContain('路人甲');
    expect(detail).toContain('最近核对');
    expect(s.runtime.app.repos.access.list().some((e) => e.what === 'membership' && e.scope.includes(g.name))).toBe(true);
    expect(detail).toContain('核对记录');
    // The overview says a group's members do not match the roster.
    expect(await (await counselor.get('/')).text()).toContain('成员与名单不一致');
    // Another counselor's class: not theirs.
    const other = org.groupByKeyText('L3:计算机2303');
    expect((await counselor.get(`/membership/${other?.id ?? 0}`)).status).toBe(404);
  });
});

describe('通讯录 and 联系日志', () => {
  it('a counselor reads their classes’ book (logged), records a check and a contact; a college leader has no book', async () => {
    const { s, base } = await start();
    const org = s.runtime.app.org();
    const counselor = await as(s, base, 'S111');
    const list = await (await counselor.get('/contacts')).text();
    const mine = (org.personByRef('S111')?.counselorOf ?? []).map((k) => org.classUnit(k)?.name ?? '');
    for (const k of mine) expect(list).toContain(k);
    expect(list).not.toContain('计算机2303');
    const k = org.classNamed(mine[0] ?? '');
    const book = await (await counselor.get(`/contacts/${k?.id ?? 0}`)).text();
    const student = org.studentsOf(k?.id ?? -1)[0];
    expect(book).toContain(student?.name ?? '?');
    expect(s.runtime.app.repos.access.list().some((e) => e.what === 'address_book' && e.scope.includes('网页'))).toBe(true);
    expect((await counselor.get(`/contacts/${org.classNamed('计算机2303')?.id ?? 0}`)).status).toBe(404);
    const csrf = await counselor.csrf();
    const verified = await counselor.form(`/contacts/${k?.id ?? 0}/verify`, { _csrf: csrf, studentNo: student?.extId ?? '', who: '本人', result: '电话已核实' });
    expect(decodeURIComponent(verified.headers.get('location') ?? '')).toContain('已记录');
    expect(await (await counselor.get(`/contacts/${k?.id ?? 0}`)).text()).toContain('电话核实');
    const logged = await counselor.form('/contact-log', { _csrf: csrf, student: student?.extId ?? '', contact: '本人', channel: '电话', text: '提醒按时返校', outcome: '已答应' });
    expect(logged.status).toBe(303);
    const log = await (await counselor.get('/contact-log')).text();
    expect(log).toContain('提醒按时返校');
    expect(log).toContain('已答应');
    // Exports from the console, logged.
    for (const [path, what] of [['/contacts/export.xlsx', 'export_address_book'], ['/contact-log/export.xlsx', 'export_contact_log']] as const) {
      const x = await counselor.get(path);
      expect(x.status).toBe(200);
      expect(Buffer.from(await x.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
      expect(s.runtime.app.repos.access.list().some((e) => e.what === what)).toBe(true);
    }
    const leader = await as(s, base, 'S103');
    expect((await leader.get('/contacts')).status).toBe(403);
  });
});

describe('health and metrics (issue #17)', () => {
  it('/readyz names each check; /metrics speaks Prometheus, both without a session', async () => {
    const { s, base } = await start();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['accounts', 'migrations', 'redis', 'store']);
    expect(body.checks['migrations']?.detail).toMatch(/^(\d+) of \1 applied$/u);
    const t = await as(s, base, 'T001');
    await t.json('/api/directives', { text: '请各学院今晚完成宿舍安全检查', depth: 3, colleges: ['计算机学院'] });
    await s.settle();
    s.say('2023010101', 'L3:计算机2301', '收到');
    await s.settle();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/cascade_deliveries\{account="qq-bot-\d",status="sent"\} [1-9]/u);
    expect(metrics).toMatch(/cascade_acknowledgements_total 1\b/u);
    expect(metrics).toMatch(/cascade_queue_jobs\{queue="inbound",state="waiting"\} 0/u);
    expect(metrics).toContain('cascade_account_paused{account="qq-bot-1",what="online"} 1');
    expect(metrics).toContain('cascade_node_nodejs_eventloop_lag_seconds');
    // No student's name or phone in it.
    expect(metrics).not.toMatch(/[\u4e00-\u9fa5]/u);
  });
});

describe('沙盒', () => {
  it('is open to the team while every account is simulated (the demo config names them platform qq/wechat)', async () => {
    school = await startTestSchool({ config: { web: { listen: '127.0.0.1:0' }, accounts: [{ id: 'qq-bot-1', platform: 'qq' }, { id: 'wx-bot-1', platform: 'wechat' }] } });
    const s = school;
    web = await startWebServer(() => s.runtime.app, { sim: s.runtime.school });
    expect((await (await as(s, web.url, 'T001')).get('/sandbox')).status).toBe(200);
    expect((await (await as(s, web.url, 'S111')).get('/sandbox')).status).toBe(403);
  });
});

describe('pages', () => {
  it('the composer issues as the person, the directive page shows progress and names in scope, and the export downloads', async () => {
    const { s, base } = await start();
    const t = await as(s, base, 'T001');
    const csrf = await t.csrf();
    const r = await t.form('/directives', { _csrf: csrf, text: '请各班今晚统计返校人数', depth: '3', colleges: '计算机学院' });
    expect(r.status).toBe(303);
    const where = r.headers.get('location') ?? '';
    expect(where).toMatch(/^\/directives\/\d+$/u);
    await s.settle();
    const counselor = await as(s, base, 'S111');
    const page = await (await counselor.get(where)).text();
    expect(page).toContain('请各班今晚统计返校人数');
    expect(page).toContain('计算机2301');
    const xlsx = await counselor.get(`${where}/export.xlsx`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await xlsx.arrayBuffer()) as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toContain('计算机2301');
    expect(wb.worksheets.map((w) => w.name)).not.toContain('计算机2303');
    // The composer's error is the bot's reason, and the form keeps what was typed.
    const bad = await t.form('/directives', { _csrf: csrf, text: '正文', deadline: '昨天' });
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(badPage).toContain('截止时间');
    expect(badPage).toContain('>正文</textarea>');
    // Withdraw from the page.
    const withdrawn = await t.form(`${where}/withdraw`, { _csrf: csrf });
    expect(await withdrawn.text()).toContain('已撤回');
  });
});
