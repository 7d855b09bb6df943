/**
 * The console's pages (issue #16): 总览, the directive list, one directive (progress by level and by
 * college or class, who has not replied, posts per group, withdraw / correct / remind / export), and
 * the composer. Every figure comes from the same views the chat answers use, in the caller's scope.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../app/build-app.js';
import { LEVEL_NAMES, LEVEL_WHO } from '../app/texts.js';
import { canIssueDirective, scopeCovers, type Directive, type Scope } from '../domain/directive.js';
import { FINDING_KINDS } from '../domain/membership.js';
import { formatTime } from '../domain/duration.js';
import { groupKey, type Group, type Person } from '../domain/org.js';
import type { Tally } from '../domain/progress.js';
import { DIRECTIVE_FILES, RELAY } from '../features/directives/index.js';
import { directiveState } from '../features/directives/revise.js';
import { QUERIES, scopeText } from '../features/queries/index.js';
import type { LevelTally, PendingView } from '../features/queries/views.js';
import { actAs } from './act.js';
import { collegesBehind, levelCounts } from './counts.js';
import { bar, html, page, type Html } from './html.js';
import { streamChanges } from './sse.js';
import type { WebCaller, WebContext } from './server.js';

const STATE_NAMES = { open: '进行中', closed: '已结束', withdrawn: '已撤回' } as const;
const POST_STATES: Record<string, string> = { planned: '待发送', sending: '发送中', sent: '已发送', uncertain: '无法确认', failed: '失败', manual: '待人工' };

/** Directives that concern the caller's scope, newest first. */
export function directivesInScope(app: App, scope: Scope, limit = 200): Directive[] {
  const queries = app.get(QUERIES);
  return app.repos.directives.recent(limit).filter((d) => queries.concerns(d, scope));
}

/**
 * Issues a `/通知` as the caller (in L1 for the team, privately otherwise): the new directive's id, or the
 * bot's answer saying why not (`acted` null: the caller has no account a bot reads).
 */
export async function issueAs(a: App, c: WebCaller, command: string): Promise<{ id: number | undefined; acted: Awaited<ReturnType<typeof actAs>> }> {
  const before = a.repos.directives.latest()?.id ?? 0;
  const created = (): number | undefined => {
    const d = a.repos.directives.latestBy(c.person.id, 0);
    return d && d.id > before ? d.id : undefined;
  };
  const acted = await actAs(a, c.person, command, () => created() !== undefined, issuingGroup(a, c.person));
  return { id: created(), acted };
}

/** Where a person issues a directive: the team in the school group (as in chat), everyone else privately. */
export function issuingGroup(app: App, person: Person): Group | undefined {
  const org = app.org();
  return canIssueDirective(org, person) ? org.groupByKeyName(groupKey.school()) : undefined;
}

export function stateOf(app: App, d: Directive): 'open' | 'closed' | 'withdrawn' {
  return directiveState(d, (x) => app.get(RELAY).accepts(x));
}

function who(app: App, p: Person): string {
  const roles: string[] = [];
  const org = app.org();
  if (org.hasRole(p, 'team_leader')) roles.push('组长');
  else if (org.hasRole(p, 'team_member')) roles.push('学生工作组');
  if (p.roles.some((r) => r.role === 'deputy_secretary')) roles.push('副书记');
  if (p.roles.some((r) => r.role === 'college_leader')) roles.push('学院领导');
  if (p.counselorOf.length > 0) roles.push('辅导员');
  return `${p.name}（${roles.join('、') || '老师'}）`;
}

export function chrome(app: App, c: WebCaller, title: string) {
  return { title, who: who(app, c.person), csrf: c.csrf, team: c.viewer.scope.kind === 'school' };
}

function pct(t: Pick<Tally, 'acknowledged' | 'required'>): number {
  return t.required === 0 ? 1 : t.acknowledged / t.required;
}

function levelRows(levels: readonly (Pick<Tally, 'acknowledged' | 'required' | 'late'> & { level: number; provisional?: number })[], heading?: string): Html {
  return html`${levels.map(
    (t) =>
      html`<tr data-level="${t.level}"><td>${heading ?? LEVEL_NAMES[t.level] ?? ''}（${heading ? '成员' : (LEVEL_WHO[t.level] ?? '')}）</td><td class="ack">${t.acknowledged}/${t.required}</td><td>${bar(pct(t))}</td><td class="late">${t.late > 0 ? `逾期 ${t.late}` : ''}${(t.provisional ?? 0) > 0 ? ` 代答 ${t.provisional ?? 0}` : ''}</td></tr>`,
  )}`;
}

/** A view's level tallies as the rows read them. */
function tallies(levels: readonly LevelTally[]) {
  return levels.map((l) => ({ level: l.level, ...l.tally }));
}

/** Directives a list shows on one page. */
export const PAGE_SIZE = 20;
/** Open directives the overview shows in full. */
const OVERVIEW_OPEN = 5;

/** Per-level progress of a directive in the caller's scope, as the live page and the API read it. */
export function progressOf(app: App, d: Directive, caller: WebCaller) {
  const queries = app.get(QUERIES);
  // College by college (the snapshot's read) rather than the whole scope's obligations and acknowledgements at once.
  return queries.progress(d, caller.viewer.scope, caller.person, queries.snapshot(d, undefined, caller.viewer.scope));
}

export function registerPages(server: FastifyInstance, ctx: WebContext): void {
  const { app } = ctx;

  server.get('/', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const scope = c.viewer.scope;
    const now = a.clock.now();
    const open = directivesInScope(a, scope, 200).filter((d) => stateOf(a, d) === 'open');
    const blocks = open.slice(0, OVERVIEW_OPEN).map((d) => {
      const heading = d.extraGroups ? d.extraGroups.map((x) => a.org().group(x.groupId)?.name ?? '?').join('、') : undefined;
      const behind = collegesBehind(a, d, c).filter((x) => x.pending > 0);
      return html`<section><h2><a href="/directives/${d.id}">第${d.id}号</a> ${clipText(d.text, 40)}</h2>
        <div class="scroll"><table>${levelRows(levelCounts(a, d, c), heading)}</table></div>
        ${behind.length > 0 ? html`<p class="muted">未回复最多的学院：${behind.slice(0, 5).map((u) => `${u.name} ${u.pending}`).join('、')}</p>` : ''}</section>`;
    });
    if (open.length > OVERVIEW_OPEN) blocks.push(html`<section><p><a href="/directives?state=open">另有 ${open.length - OVERVIEW_OPEN} 条进行中的通知</a></p></section>`);
    const alerts = alertsFor(a, scope, now);
    const body = html`<h1>总览 <span class="tag">${scopeText(a.org(), scope)}</span></h1>
      <section class="alert" id="alerts"${alerts.length === 0 ? html` hidden` : ''}><h2>需要处理</h2><ul>${alerts.map((t) => html`<li>${t}</li>`)}</ul></section>
      ${blocks.length > 0 ? blocks : html`<section><p class="muted">没有进行中的通知。</p></section>`}`;
    // Alerts follow without a reload.
    const script = `(function(){var s=new EventSource('/events/alerts');s.addEventListener('alerts',function(e){var list=JSON.parse(e.data);var box=document.getElementById('alerts');
var ul=box.querySelector('ul');ul.textContent='';list.forEach(function(t){var li=document.createElement('li');li.textContent=t;ul.appendChild(li);});box.hidden=list.length===0;});})();`;
    return sendPage(reply, page(chrome(a, c, '总览'), body, script));
  });

  server.get('/events/alerts', async (request, reply) => {
    const c = ctx.caller(request);
    streamChanges(request, reply, 'alerts', 2000, () => {
      const now = app();
      return alertsFor(now, c.viewer.scope, now.clock.now());
    });
  });

  server.get<{ Querystring: { state?: string; issuer?: string; from?: string; page?: string } }>('/directives', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const org = a.org();
    const { state, issuer, from } = request.query;
    const since = from ? Date.parse(`${from}T00:00:00+08:00`) : Number.NaN;
    const list = directivesInScope(a, c.viewer.scope).filter(
      (d) =>
        (!state || stateOf(a, d) === state) &&
        (!issuer || (org.person(d.issuerId)?.name ?? '').includes(issuer)) &&
        (Number.isNaN(since) || d.createdAt >= since),
    );
    const pageNo = Math.max(1, Math.floor(Number(request.query.page ?? 1)) || 1);
    const shown = list.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE);
    const rows = shown.map((d) => {
      const total = levelCounts(a, d, c).reduce((t, l) => ({ acknowledged: t.acknowledged + l.acknowledged, required: t.required + l.required }), { acknowledged: 0, required: 0 });
      return html`<tr><td><a href="/directives/${d.id}">第${d.id}号</a></td><td>${STATE_NAMES[stateOf(a, d)]}</td><td>${formatTime(d.createdAt, a.timeZone, { now: a.clock.now() })}</td>
        <td>${org.person(d.issuerId)?.name ?? ''}</td><td>${clipText(d.text, 30)}</td><td>${total.acknowledged}/${total.required}</td></tr>`;
    });
    const body = html`<h1>通知</h1>
      <section><form method="get" action="/directives" class="row">
        <div><label for="state">状态</label><select id="state" name="state"><option value="">全部</option>${(['open', 'closed', 'withdrawn'] as const).map((s) => html`<option value="${s}"${state === s ? html` selected` : ''}>${STATE_NAMES[s]}</option>`)}</select></div>
        <div><label for="issuer">发布人</label><input type="text" id="issuer" name="issuer" value="${issuer ?? ''}"></div>
        <div><label for="from">起始日期</label><input type="text" id="from" name="from" placeholder="2026-03-01" value="${from ?? ''}"></div>
        <div><label>&nbsp;</label><button type="submit">筛选</button></div></form></section>
      <section class="scroll"><table><thead><tr><th>编号</th><th>状态</th><th>发布时间</th><th>发布人</th><th>内容</th><th>已回复</th></tr></thead>
      <tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6" class="muted">没有符合条件的通知。</td></tr>`}</tbody></table>
      ${list.length > PAGE_SIZE ? html`<p>第 ${pageNo} 页，共 ${Math.ceil(list.length / PAGE_SIZE)} 页 ${pageNo > 1 ? html`<a href="${pageLink(request.query, pageNo - 1)}">上一页</a>` : ''} ${pageNo * PAGE_SIZE < list.length ? html`<a href="${pageLink(request.query, pageNo + 1)}">下一页</a>` : ''}</p>` : ''}</section>`;
    return sendPage(reply, page(chrome(a, c, '通知'), body));
  });

  server.get('/directives/new', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    return sendPage(reply, page(chrome(a, c, '发布通知'), composer(a, c, null, {})));
  });

  server.post<{ Body: Record<string, string> }>('/directives', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    // The composer posts multipart (files may come with it); a plain form works too.
    const fields: Record<string, string> = {};
    const uploads: { kind: 'image' | 'file'; name: string; data: Uint8Array }[] = [];
    if (request.isMultipart()) {
      for await (const part of request.parts({ limits: { fileSize: a.config.directives.attachMaxBytes + 1, files: 10 } })) {
        if (part.type === 'file') {
          const data = await part.toBuffer();
          if (part.filename && data.byteLength > 0) uploads.push({ kind: /\.(png|jpe?g|gif|webp)$/iu.test(part.filename) ? 'image' : 'file', name: part.filename, data });
        } else fields[part.fieldname] = String(part.value ?? '');
      }
    } else Object.assign(fields, request.body ?? {});
    const text = (fields['text'] ?? '').trim();
    if (text === '') return sendPage(reply.code(400), page(chrome(a, c, '发布通知'), composer(a, c, '请填写通知正文。', fields)));
    const command = notifyCommand({
      text,
      depth: fields['depth'] ? Number(fields['depth']) : undefined,
      deadline: fields['deadline'] || undefined,
      colleges: fields['colleges'] ? fields['colleges'].split(/[,，、\s]+/u).filter(Boolean) : undefined,
      to: fields['to'] || undefined,
      mode: fields['mode'] === 'step' ? 'step' : undefined,
      urgent: fields['urgent'] === 'on',
      parentsText: fields['parentsText'] || undefined,
      timeZone: a.timeZone,
    });
    const { id, acted } = await issueAs(a, c, command);
    if (id !== undefined) {
      const d = a.get(RELAY).directive(id);
      if (d && uploads.length > 0) await a.get(DIRECTIVE_FILES).attachUploaded(d, uploads, c.person.id);
      return reply.redirect(`/directives/${id}`, 303);
    }
    const why = acted === null ? '您在名单中没有机器人能读取的 QQ 或微信账号，无法以您的身份发布。' : (acted.answers.join('\n') || '发布没有成功，请稍后再试。');
    return sendPage(reply.code(400), page(chrome(a, c, '发布通知'), composer(a, c, why, fields)));
  });

  server.get<{ Params: { id: string } }>('/directives/:id', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const d = a.get(RELAY).directive(Number(request.params.id));
    if (!d || !a.get(QUERIES).concerns(d, c.viewer.scope)) return notFound(reply, a, c);
    const org = a.org();
    const now = a.clock.now();
    // One read of the directive's state for both views.
    const snap = a.get(QUERIES).snapshot(d, undefined, c.viewer.scope);
    const v = a.get(QUERIES).progress(d, c.viewer.scope, c.person, snap);
    const p = a.get(QUERIES).pending(d, c.viewer.scope, c.person, snap);
    if (p.names) a.repos.access.add({ at: now, byPersonId: c.person.id, by: `${c.person.extId} ${c.person.name}`, what: 'non_responders', scope: `第${d.id}号 ${scopeText(org, c.viewer.scope)}（网页）` });
    const units = v.breakdown?.units ?? [];
    const posts = a.repos.ledger
      .directivePosts(d.id)
      .filter((post) => {
        const g = org.group(post.groupId);
        return g !== undefined && (c.viewer.scope.kind === 'school' || (g.collegeId !== null && scopeCovers(c.viewer.scope, { collegeId: g.collegeId, classId: g.classId })));
      });
    const state = stateOf(a, d);
    // Late replies, the chase so far, and what waits on the review desk for this directive.
    const late = a.get(QUERIES).final(d, c.viewer.scope, c.person, snap).late;
    const rounds = a.repos.chase.rounds(d.id);
    const reviewItems = a.repos.reviews.openForDirective(d.id).filter((i) => scopeCovers(c.viewer.scope, i)).length;
    const ROUND_NAMES: Record<string, string> = { auto: '自动催办', manual: '手动催办', summary: '截止汇总' };
    const body = html`<h1>第${d.id}号通知 <span class="tag">${STATE_NAMES[state]}</span></h1>
      <section><p style="white-space:pre-wrap">${d.text}</p>
        <p class="muted">发布人：${org.person(d.issuerId)?.name ?? ''} · ${formatTime(d.createdAt, a.timeZone, { now })}${d.deadlineAt !== null ? html` · 截止 ${formatTime(d.deadlineAt, a.timeZone, { now })}` : ''} · 范围：${scopeText(org, c.viewer.scope)}</p></section>
      <section><h2>回复进度 <span class="muted" id="live" aria-live="polite"></span></h2><div class="scroll"><table id="levels">${levelRows(tallies(v.levels), v.heading)}</table></div></section>
      ${units.length > 0 ? html`<section><h2>${v.breakdown?.byCollege ? '各学院' : '各班'}</h2><div class="scroll"><table>${units.map((u) => html`<tr><td>${u.name}</td>${u.levels.map((l) => html`<td>${LEVEL_WHO[l.level] ?? ''} ${l.tally.acknowledged}/${l.tally.required}</td>`)}</tr>`)}</table></div></section>` : ''}
      ${pendingSection(p)}
      ${late.length > 0 ? html`<section><h2>逾期回复（${late.length}）</h2><p>${late.slice(0, 100).map((l) => `${l.name}${l.level === 4 ? '家长' : ''}`).join('、')}${late.length > 100 ? ' 等' : ''}</p></section>` : ''}
      ${reviewItems > 0 ? html`<section class="alert"><p>${reviewItems} 条与本通知有关的回复等待确认：<a href="/review">去处理</a></p></section>` : ''}
      <section><h2>催办记录</h2>${
        rounds.length === 0
          ? html`<p class="muted">还没有催办。${d.deadlineAt === null ? '' : '截止后会发出汇总。'}</p>`
          : html`<div class="scroll"><table>${rounds.map((r) => html`<tr><td>${formatTime(r.at, a.timeZone, { now })}</td><td>${ROUND_NAMES[r.kind] ?? r.kind}</td><td>提醒 ${r.reminded} 人，${r.messages} 条消息</td></tr>`)}</table></div>`
      }</section>
      <section><h2>各群发送情况</h2><div class="scroll"><table><thead><tr><th>群</th><th>状态</th></tr></thead><tbody>${posts.map(
        (post) => html`<tr><td>${org.group(post.groupId)?.name ?? post.target}</td><td>${POST_STATES[post.status] ?? post.status}</td></tr>`,
      )}</tbody></table></div></section>
      ${state === 'withdrawn' ? '' : actions(d, c)}`;
    return sendPage(reply, page(chrome(a, c, `第${d.id}号通知`), body, liveScript(d.id)));
  });

  // The directive's progress as it changes (server-sent events): the page updates without reloading.
  server.get<{ Params: { id: string } }>('/events/directives/:id', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const d = a.get(RELAY).directive(Number(request.params.id));
    if (!d || !a.get(QUERIES).concerns(d, c.viewer.scope)) return reply.code(404).send();
    streamChanges(request, reply, 'progress', 1000, () => {
      const now = app();
      const current = now.get(RELAY).directive(d.id) ?? d;
      return progressOf(now, current, c).levels.map((l) => ({ level: l.level, acknowledged: l.tally.acknowledged, required: l.tally.required, late: l.tally.late }));
    });
  });

  // Withdraw, correct, remind: the chat commands, as the person.
  for (const [path, make] of [
    ['withdraw', (id: number) => `/撤回 ${id}`],
    ['remind', (id: number) => `/催办 ${id}`],
    ['correct', (id: number, text: string) => `/更正 ${id} ${text}`],
  ] as const) {
    server.post<{ Params: { id: string }; Body: Record<string, string> }>(`/directives/:id/${path}`, async (request, reply) => {
      const a = app();
      const c = ctx.caller(request);
      const d = a.get(RELAY).directive(Number(request.params.id));
      if (!d || !a.get(QUERIES).concerns(d, c.viewer.scope)) return notFound(reply, a, c);
      const text = (request.body?.['text'] ?? '').trim();
      if (path === 'correct' && text === '') return reply.redirect(`/directives/${d.id}`, 303);
      const acted = await actAs(a, c.person, make(d.id, text));
      const said = acted === null ? '您在名单中没有机器人能读取的账号。' : acted.answers.join('\n');
      return sendPage(reply, page(chrome(a, c, `第${d.id}号通知`), html`<section><h1>第${d.id}号通知</h1><p style="white-space:pre-wrap">${said}</p><p><a href="/directives/${d.id}">返回</a></p></section>`));
    });
  }

  server.get<{ Params: { id: string } }>('/directives/:id/export.xlsx', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const d = a.get(RELAY).directive(Number(request.params.id));
    if (!d || !a.get(QUERIES).concerns(d, c.viewer.scope)) return notFound(reply, a, c);
    const { directiveExport, directiveWorkbook } = await import('../features/directives/export.js');
    const scopeName = scopeText(a.org(), c.viewer.scope);
    const exp = directiveExport(a.org(), d, c.viewer.scope, scopeName, a.repos.directives.ackDetails(d.id), stateOf(a, d), a.repos.directives.answers(d.id));
    a.repos.access.add({ at: a.clock.now(), byPersonId: c.person.id, by: `${c.person.extId} ${c.person.name}`, what: 'export_directive', scope: `第${d.id}号通知 ${scopeName}（网页）` });
    const name = encodeURIComponent(`第${d.id}号通知回复情况-${scopeName}.xlsx`);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('Content-Disposition', `attachment; filename="directive-${d.id}.xlsx"; filename*=UTF-8''${name}`)
      .send(await directiveWorkbook(exp, a.timeZone));
  });
}

export function pageLink(q: Record<string, string | undefined>, page: number): string {
  const params = new URLSearchParams(Object.entries({ ...q, page: String(page) }).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  return `/directives?${params.toString()}`;
}

export function sendPage(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(body);
}

function notFound(reply: FastifyReply, a: App, c: WebCaller): FastifyReply {
  return sendPage(reply.code(404), page(chrome(a, c, '没有这条通知'), html`<section><h1>没有这条通知</h1><p>这条通知不存在，或不在您负责的范围内。</p></section>`));
}

function clipText(text: string, max: number): string {
  const chars = [...text.replace(/\s+/gu, ' ')];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

/** What needs someone's attention in the scope. */
function alertsFor(a: App, scope: Scope, now: number): string[] {
  const out: string[] = [];
  for (const adapter of a.adapters.values()) {
    const until = a.guard.blockedUntil(adapter.accountId, null, now);
    if (until !== null && scope.kind === 'school') out.push(`机器人账号 ${adapter.accountId} 暂停发送至 ${formatTime(until, a.timeZone, { now })}`);
  }
  const org = a.org();
  const manual = a.repos.ledger.manualTasks().filter((t) => {
    const g = t.groupId === null ? undefined : org.group(t.groupId);
    return scope.kind === 'school' || (g !== undefined && g.collegeId !== null && scopeCovers(scope, { collegeId: g.collegeId, classId: g.classId }));
  });
  if (manual.length > 0) out.push(`${manual.length} 条消息机器人无法发送，等待人工转发（/待转发）`);
  const questions = a.repos.reviews.open().filter((r) => r.kind === 'question' && (scope.kind === 'school' || scopeCovers(scope, { collegeId: r.collegeId, classId: r.classId })));
  if (questions.length > 0) out.push(`${questions.length} 个提问等待答复（/待确认）`);
  if (scope.kind === 'school') {
    const failed = a.repos.failures.since(now - 24 * 60 * 60 * 1000, 1000).length;
    if (failed > 0) out.push(`最近一天有 ${failed} 个失败的任务（cascade status）`);
  }
  // Membership findings since yesterday, in the groups the scope covers.
  const since = now - 24 * 60 * 60 * 1000;
  let groupsWithFindings = 0;
  for (const [groupId, findings] of a.repos.audits.latestSince(since)) {
    const g = org.group(groupId);
    if (!g || (scope.kind !== 'school' && (g.collegeId === null || !scopeCovers(scope, { collegeId: g.collegeId, classId: g.classId })))) continue;
    if (FINDING_KINDS.some((k) => (findings[k]?.length ?? 0) > 0)) groupsWithFindings++;
  }
  if (groupsWithFindings > 0) out.push(`${groupsWithFindings} 个群的成员与名单不一致（群成员）`);
  return out;
}

function pendingSection(p: PendingView): Html {
  if (p.allReplied) return html`<section><h2>未回复</h2><p class="ok">范围内都已回复。</p></section>`;
  const staff = p.staff.flatMap((s) => s.people.map((x) => `${x.name}${x.college ? `（${x.college}）` : ''}`));
  const classes = p.names?.classes ?? [];
  return html`<section><h2>未回复</h2>
    ${staff.length > 0 ? html`<p>老师：${staff.join('、')}</p>` : ''}
    ${(p.colleges ?? []).filter((u) => u.pending > 0).map((u) => html`<p>${u.name}：${u.pending} 人（户）未回复</p>`)}
    ${classes.map(
      (k) => html`<p><b>${k.name}</b>${k.students.length > 0 ? html`<br>学生（${k.students.length}）：${k.students.join('、')}` : ''}${k.parents.length > 0 ? html`<br>家长（${k.parents.length}）：${k.parents.join('、')}` : ''}${
        k.provisionalStudents.length + k.provisionalParents.length > 0
          ? html`<br><span class="muted">未核实账号代答（已暂计入，请核实）：${[...k.provisionalStudents, ...k.provisionalParents.map((n) => `${n}家长`)].join('、')}</span>`
          : ''
      }</p>`,
    )}
    <p class="muted">名单含个人信息，请勿转发到群里。</p></section>`;
}

function actions(d: Directive, c: WebCaller): Html {
  const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf}">`;
  return html`<section><h2>操作</h2><div class="row">
    <form method="post" action="/directives/${d.id}/remind">${csrf}<button type="submit">立即催办</button></form>
    <form method="get" action="/directives/${d.id}/export.xlsx"><button type="submit">导出 Excel</button></form>
    <form method="post" action="/directives/${d.id}/withdraw" onsubmit="return confirm('确定撤回第${d.id}号通知？')">${csrf}<button class="secondary" type="submit">撤回</button></form>
    </div>
    <form method="post" action="/directives/${d.id}/correct">${csrf}<label for="correction">更正（发到收到该通知的每个群）</label>
      <input type="text" id="correction" name="text" placeholder="如：截止时间改为明天18:00"> <button type="submit">发出更正</button></form></section>`;
}

function composer(a: App, c: WebCaller, error: string | null, f: Record<string, string>): Html {
  const team = c.viewer.scope.kind === 'school';
  return html`<h1>发布通知</h1>${error ? html`<section class="alert"><p class="bad" style="white-space:pre-wrap">${error}</p></section>` : ''}
    <section><form method="post" action="/directives?_csrf=${c.csrf}" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="${c.csrf}">
      <label for="text">正文</label><textarea id="text" name="text" required>${f['text'] ?? ''}</textarea>
      <label for="parentsText">家长版（可选：家长群收到这段文字）</label><textarea id="parentsText" name="parentsText">${f['parentsText'] ?? ''}</textarea>
      <div class="row">
        <div><label for="depth">发到</label><select id="depth" name="depth">
          <option value="">默认（学院群和班级群）</option>${team ? html`<option value="2"${f['depth'] === '2' ? html` selected` : ''}>只发学院群</option>` : ''}
          <option value="3"${f['depth'] === '3' ? html` selected` : ''}>学院群和班级群</option><option value="4"${f['depth'] === '4' ? html` selected` : ''}>含家长群</option></select></div>
        <div><label for="deadline">截止（如 18:00、明天12:00）</label><input type="text" id="deadline" name="deadline" value="${f['deadline'] ?? ''}"></div>
        ${team ? html`<div><label for="colleges">学院（不填为全部）</label><input type="text" id="colleges" name="colleges" value="${f['colleges'] ?? ''}"></div>` : ''}
        <div><label for="to">额外的群（如 干部群）</label><input type="text" id="to" name="to" value="${f['to'] ?? ''}"></div>
      </div>
      <div class="row">${team ? html`<label><input type="checkbox" name="mode" value="step"${f['mode'] === 'step' ? html` checked` : ''}> 逐级下发</label>` : ''}
        <label><input type="checkbox" name="urgent"${f['urgent'] === 'on' ? html` checked` : ''}> 紧急（夜间也提醒）</label></div>
      <label for="files">附件（文件或图片，可多选，每个不超过 ${Math.floor(a.config.directives.attachMaxBytes / 1024 / 1024)} MB）</label><input type="file" id="files" name="files" multiple>
      <p class="muted">以 ${c.person.name} 的身份发布，范围：${scopeText(a.org(), c.viewer.scope)}。机器人也会在聊天中确认；附件紧跟正文发到每个群。</p>
      <button type="submit">发布</button></form></section>`;
}

/** The `/通知` command the composer's (or the API's) fields make. */
export function notifyCommand(f: {
  text: string;
  depth?: number | undefined;
  deadline?: string | undefined;
  colleges?: readonly string[] | undefined;
  to?: string | undefined;
  mode?: 'step' | 'immediate' | undefined;
  urgent?: boolean | undefined;
  parentsText?: string | undefined;
  timeZone: string;
}): string {
  const options: string[] = [];
  if (f.to) options.push(`至=${f.to.replace(/\s+/gu, '')}`);
  if (f.depth === 2 || f.depth === 3 || f.depth === 4) options.push(`层级=${f.depth}`);
  if (f.deadline) options.push(`截止=${deadlineWords(f.deadline, f.timeZone)}`);
  if (f.colleges && f.colleges.length > 0) options.push(`学院=${f.colleges.join(',')}`);
  if (f.mode === 'step') options.push('逐级');
  if (f.urgent) options.push('紧急');
  // The body must not start like an option; a parents' version goes after it.
  return `/通知 ${options.join(' ')}${options.length > 0 ? ' ' : ''}${f.text.trim()}${f.parentsText ? `\n家长版：${f.parentsText.trim()}` : ''}`;
}

/** An ISO time (the API's `deadline`) as the words `/通知` reads, in the school's zone; anything else as typed. */
function deadlineWords(deadline: string, timeZone: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T/u.test(deadline)) return deadline.replace(/\s+/gu, ' ');
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) return deadline;
  const parts = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(at);
  return parts;
}

function liveScript(id: number): string {
  // Updates the level rows as the progress changes; says when the link is lost.
  return `(function(){var s=new EventSource('/events/directives/${id}');var live=document.getElementById('live');
s.addEventListener('progress',function(e){var rows=JSON.parse(e.data);rows.forEach(function(r){var tr=document.querySelector('#levels tr[data-level="'+r.level+'"]');if(!tr)return;
tr.querySelector('.ack').textContent=r.acknowledged+'/'+r.required;var pct=r.required===0?100:Math.round(r.acknowledged*100/r.required);var b=tr.querySelector('.bar');
b.setAttribute('aria-label',pct+'%');b.firstElementChild.style.width=pct+'%';tr.querySelector('.late').textContent=r.late>0?'逾期 '+r.late:'';});
live.textContent='（实时）';});s.onerror=function(){live.textContent='（连接中断，正在重连）';};})();`;
}
