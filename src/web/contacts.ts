/**
 * 通讯录 and 联系日志 in the console (issue #16), for whoever may read the address book in chat (the team,
 * deputy secretaries, counselors and 班主任, each in their scope): the classes with their counts, one class's
 * book (phones, how they were verified, who is not in their group), recording a phone check, the contact
 * log with its entries, and adding one. Views of phones and of the log go to the access log. Changes run
 * as the chat commands (`/核实`, `/记录`) of the logged-in person.
 */
import type { FastifyInstance } from 'fastify';
import type { App } from '../app/build-app.js';
import type { Verification } from '../domain/address-book.js';
import { formatTime } from '../domain/duration.js';
import { scopeCovers } from '../domain/directive.js';
import { ADDRESS_BOOK } from '../features/contacts/index.js';
import { bookScope } from '../features/contacts/desk.js';
import { contactLogEntries } from '../features/contacts/log-export.js';
import { actAs } from './act.js';
import { html, page, type Html } from './html.js';
import { chrome, sendPage } from './pages.js';
import type { WebCaller, WebContext } from './server.js';

const VERIFIED: Record<Verification, string> = { roster: '名单', call: '电话核实', sms: '短信核实', bound: '本人绑定', unreachable: '联系不上' };

function inGroup(v: boolean | null): string {
  return v === null ? '—' : v ? '在群' : '不在群';
}

function access(a: App, c: WebCaller, what: 'address_book' | 'contact_log' | 'export_address_book' | 'export_contact_log', scope: string): void {
  a.repos.access.add({ at: a.clock.now(), byPersonId: c.person.id, by: `${c.person.extId} ${c.person.name}`, what, scope: `${scope}（网页）` });
}

export function registerContacts(server: FastifyInstance, ctx: WebContext): void {
  const { app } = ctx;
  const denied = (a: App, c: WebCaller): string =>
    page(chrome(a, c, '无权访问'), html`<section><h1>无权访问</h1><p>通讯录供学生工作组、副书记、辅导员和班主任查看各自负责的范围。</p></section>`);

  server.get('/contacts', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const scope = bookScope(a.org(), c.person);
    if (scope.kind === 'none') return sendPage(reply.code(403), denied(a, c));
    const desk = a.get(ADDRESS_BOOK);
    const rows = desk.counts(desk.classesIn(scope)).map((k) => {
      const unit = a.org().classNamed(k.name);
      return html`<tr><td><a href="/contacts/${unit?.id ?? 0}">${k.name}</a></td><td>${k.counts.students}</td><td>${k.counts.guardians}</td><td>${k.counts.withPhone}</td>
        <td>${k.counts.verified}</td><td class="${k.counts.unreachable > 0 ? 'bad' : ''}">${k.counts.unreachable}</td><td>${k.counts.studentsOutside}/${k.counts.familiesOutside}</td></tr>`;
    });
    const body = html`<h1>通讯录</h1><section class="scroll"><table><thead><tr><th>班级</th><th>学生</th><th>家长</th><th>有电话</th><th>已核实</th><th>联系不上</th><th>不在群（学生/家庭）</th></tr></thead><tbody>${rows}</tbody></table>
      <p><a href="/contacts/export.xlsx">导出 Excel</a>（每班一张表，A4 横向；含电话，请妥善保管）</p></section>`;
    return sendPage(reply, page(chrome(a, c, '通讯录'), body));
  });

  server.get('/contacts/export.xlsx', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const scope = bookScope(a.org(), c.person);
    if (scope.kind === 'none') return sendPage(reply.code(403), denied(a, c));
    const desk = a.get(ADDRESS_BOOK);
    const src = desk.sources();
    const books = desk.classesIn(scope).flatMap((k) => desk.classBook(k.id, src) ?? []);
    const { addressBookWorkbook } = await import('../features/contacts/export.js');
    access(a, c, 'export_address_book', `${books.length} 个班`);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('Content-Disposition', `attachment; filename="addressbook.xlsx"; filename*=UTF-8''${encodeURIComponent('通讯录.xlsx')}`)
      .send(await addressBookWorkbook(books, new Date(a.clock.now()), a.timeZone));
  });

  server.get('/contact-log/export.xlsx', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const org = a.org();
    const scope = bookScope(org, c.person);
    if (scope.kind === 'none') return sendPage(reply.code(403), denied(a, c));
    const students = a.get(ADDRESS_BOOK).classesIn(scope).flatMap((k) => org.studentsOf(k.id).map((s) => s.id));
    const entries = contactLogEntries(org, a.repos.contactLog.list({ studentIds: students }));
    const { contactLogWorkbook } = await import('../features/contacts/log-export.js');
    access(a, c, 'export_contact_log', `${entries.length} 条`);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('Content-Disposition', `attachment; filename="contact-log.xlsx"; filename*=UTF-8''${encodeURIComponent('家校联系工作日志.xlsx')}`)
      .send(await contactLogWorkbook(entries, new Date(a.clock.now()), a.timeZone, '家校联系工作日志'));
  });

  server.get<{ Params: { id: string }; Querystring: { said?: string } }>('/contacts/:id', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const org = a.org();
    const scope = bookScope(org, c.person);
    const k = org.classUnit(Number(request.params.id));
    if (!k || scope.kind === 'none' || !scopeCovers(scope, { collegeId: k.collegeId, classId: k.id })) return sendPage(reply.code(404), denied(a, c));
    const book = a.get(ADDRESS_BOOK).classBook(k.id);
    if (!book) return sendPage(reply.code(404), denied(a, c));
    access(a, c, 'address_book', k.name);
    const now = a.clock.now();
    const person = (name: string, p: { phone: string | null; verified: Verification; inGroup: boolean | null }): Html =>
      html`${name} ${p.phone ?? html`<span class="bad">无电话</span>`} <span class="tag">${VERIFIED[p.verified]}</span> <span class="muted">${inGroup(p.inGroup)}</span>`;
    const rows = book.students.map(
      (s) => html`<tr><td>${s.studentNo}</td><td>${person(s.name, s)}</td><td>${s.guardians.map((g, i) => html`${i > 0 ? html`<br>` : ''}${g.relation}：${person(g.name, g)}`)}</td>
        <td>${s.lastContactAt ? formatTime(s.lastContactAt, a.timeZone, { now }) : '—'}</td></tr>`,
    );
    const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf}">`;
    const body = html`<h1>${k.name} 通讯录</h1>${request.query.said ? html`<section class="alert"><p style="white-space:pre-wrap">${request.query.said}</p></section>` : ''}
      <section class="scroll"><p class="muted">${book.college} · 辅导员/班主任：${book.counselors.join('、') || '—'}。含电话号码，请勿外传。</p>
      <table><thead><tr><th>学号</th><th>学生</th><th>家长</th><th>最近联系</th></tr></thead><tbody>${rows}</tbody></table></section>
      <section><h2>记录核实结果</h2><form method="post" action="/contacts/${k.id}/verify" class="row">${csrf}
        <div><label for="v-no">学号</label><input type="text" id="v-no" name="studentNo" required></div>
        <div><label for="v-who">本人或家长（如 本人、母亲、家长）</label><input type="text" id="v-who" name="who" value="本人" required></div>
        <div><label for="v-result">结果</label><select id="v-result" name="result"><option value="电话已核实">电话已核实</option><option value="联系不上">联系不上</option><option value="号码错误">号码错误（填新号码）</option></select></div>
        <div><label for="v-phone">新号码（号码错误时）</label><input type="text" id="v-phone" name="phone"></div>
        <div><label>&nbsp;</label><button type="submit">记录</button></div></form></section>`;
    return sendPage(reply, page(chrome(a, c, `${k.name} 通讯录`), body));
  });

  server.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/contacts/:id/verify', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const b = request.body ?? {};
    const no = String(b['studentNo'] ?? '').trim();
    const who = String(b['who'] ?? '本人').trim() || '本人';
    const result = String(b['result'] ?? '电话已核实');
    const phone = String(b['phone'] ?? '').trim();
    const command = `/核实 ${no} ${who} ${result === '号码错误' ? `号码错误 ${phone}` : result}`;
    const acted = await actAs(a, c.person, command);
    const said = acted === null ? '您在名单中没有机器人能读取的账号。' : acted.answers.join('\n');
    return reply.redirect(`/contacts/${Number(request.params.id)}?said=${encodeURIComponent(said)}`, 303);
  });

  server.get<{ Querystring: { said?: string } }>('/contact-log', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const org = a.org();
    const scope = bookScope(org, c.person);
    if (scope.kind === 'none') return sendPage(reply.code(403), denied(a, c));
    const students = a
      .get(ADDRESS_BOOK)
      .classesIn(scope)
      .flatMap((k) => org.studentsOf(k.id).map((s) => s.id));
    const entries = contactLogEntries(org, a.repos.contactLog.list({ studentIds: students, newestFirst: true, limit: 200 }));
    access(a, c, 'contact_log', '网页：最近 200 条');
    const rows = entries.map(
      (e) => html`<tr><td>${e.at.slice(0, 16).replace('T', ' ')}</td><td>${e.class} ${e.studentName}</td><td>${e.contact}${e.contactName ? `（${e.contactName}）` : ''}</td>
        <td>${e.channelLabel}</td><td>${e.text}${e.outcome ? html`<br><span class="muted">结果：${e.outcome}</span>` : ''}</td><td>${e.byName}</td></tr>`,
    );
    const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf}">`;
    const body = html`<h1>联系日志</h1>${request.query.said ? html`<section class="alert"><p style="white-space:pre-wrap">${request.query.said}</p></section>` : ''}
      <section><h2>新增记录</h2><form method="post" action="/contact-log" class="row">${csrf}
        <div><label for="l-who">学号或姓名</label><input type="text" id="l-who" name="student" required></div>
        <div><label for="l-contact">联系人（本人、母亲、父亲 …）</label><input type="text" id="l-contact" name="contact" value="本人"></div>
        <div><label for="l-channel">方式</label><select id="l-channel" name="channel">${['电话', '微信', 'QQ', '短信', '面谈', '视频'].map((x) => html`<option>${x}</option>`)}</select></div>
        <div><label for="l-text">内容</label><input type="text" id="l-text" name="text" required></div>
        <div><label for="l-outcome">结果（可选）</label><input type="text" id="l-outcome" name="outcome"></div>
        <div><label>&nbsp;</label><button type="submit">记录</button></div></form></section>
      <section class="scroll"><h2>最近的记录</h2><table><thead><tr><th>时间</th><th>学生</th><th>联系人</th><th>方式</th><th>内容</th><th>记录人</th></tr></thead>
      <tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6" class="muted">还没有记录。</td></tr>`}</tbody></table>
      <p><a href="/contact-log/export.xlsx">导出 Excel</a>（每月一张表，A4）</p></section>`;
    return sendPage(reply, page(chrome(a, c, '联系日志'), body));
  });

  server.post<{ Body: Record<string, unknown> }>('/contact-log', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const b = request.body ?? {};
    const clean = (v: unknown): string => String(v ?? '').replace(/\s+/gu, ' ').trim();
    const outcome = clean(b['outcome']);
    const command = `/记录 ${clean(b['student'])} ${clean(b['contact']) || '本人'} ${clean(b['channel']) || '电话'} ${clean(b['text'])}${outcome ? ` 结果：${outcome}` : ''}`;
    const acted = await actAs(a, c.person, command);
    const said = acted === null ? '您在名单中没有机器人能读取的账号。' : acted.answers.join('\n');
    return reply.redirect(`/contact-log?said=${encodeURIComponent(said)}`, 303);
  });
}
