/**
 * 沙盒 in the console (issue #16), only where the accounts are simulated (the embedded default): the
 * terminal sandbox in the browser. Pick a person and a group, type as them, and watch every message of
 * that group (the bots' included) as it comes — a newcomer can play the whole demo school.
 */
import type { FastifyInstance } from 'fastify';
import type { SimMessage } from '../../adapters/simulator/index.js';
import type { App } from '../app/build-app.js';
import { isRealAccount } from '../config/schema.js';
import { destinationOf } from '../drill/runner.js';
import type { SimSchool } from '../sim/populate.js';
import { html, page } from './html.js';
import { chrome, sendPage } from './pages.js';
import type { WebCaller, WebContext } from './server.js';

const SHOWN = 60;

function line(a: App, school: SimSchool, m: SimMessage): { who: string; text: string; bot: boolean; at: number } {
  const org = a.org();
  const bot = school.world.account(m.from) !== undefined;
  const person = org.personByPlatformAccount(m.platform, m.from);
  const files = m.files && m.files.length > 0 ? `（附件：${m.files.map((f) => f.name).join('、')}）` : '';
  return { who: bot ? `机器人 ${m.from}` : (person ? `${person.name}（${person.extId}）` : m.from), text: `${m.text}${files}`, bot, at: m.at };
}

export function registerSandbox(server: FastifyInstance, ctx: WebContext, school: SimSchool): void {
  const { app } = ctx;
  // Only while no account is real (the simulator plays every one: `platform: qq|wechat|simulator`).
  const allowed = (a: App, c: WebCaller): boolean => c.viewer.scope.kind === 'school' && !a.config.accounts.some(isRealAccount);
  const denied = (a: App, c: WebCaller) => page(chrome(a, c, '沙盒'), html`<section><h1>沙盒不可用</h1><p>沙盒只在模拟账号（示范学校）下、供学生工作组使用。</p></section>`);
  /** The group's messages (or the person's private chat with the bots): what the page shows. */
  const inView = (a: App, where: string, asRef: string) => {
    const org = a.org();
    const me = org.personByRef(asRef);
    return (m: SimMessage): boolean => {
      const to = destinationOf(org, m);
      if (where === '私聊') return to === `私聊:${me?.extId ?? ''}` || (m.chatType === 'private' && me !== undefined && org.personByPlatformAccount(m.platform, m.from)?.id === me.id);
      return m.chatType === 'group' && to === where;
    };
  };

  server.get<{ Querystring: { as?: string; in?: string } }>('/sandbox', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    if (!allowed(a, c)) return sendPage(reply.code(403), denied(a, c));
    const org = a.org();
    const asRef = request.query.as ?? c.person.extId;
    const where = request.query.in ?? 'L1';
    const transcript = school.world.transcript();
    const messages = transcript.filter(inView(a, where, asRef)).slice(-SHOWN).map((m) => line(a, school, m));
    const body = html`<h1>沙盒</h1><section><form method="get" action="/sandbox" class="row">
        <div><label for="as">身份（学号、工号，或 家长:学号）</label><input type="text" id="as" name="as" value="${asRef}"></div>
        <div><label for="in">群</label><select id="in" name="in">${[...org.groups.map((g) => g.key), '私聊'].map((k) => html`<option value="${k}"${k === where ? html` selected` : ''}>${k}</option>`)}</select></div>
        <div><label>&nbsp;</label><button type="submit">切换</button></div></form></section>
      <section><h2>${where}</h2><div id="log">${messages.map((m) => html`<p class="${m.bot ? 'muted' : ''}"><b>${m.who}</b>：<span style="white-space:pre-wrap">${m.text}</span></p>`)}</div>
      <form method="post" action="/sandbox/say"><input type="hidden" name="_csrf" value="${c.csrf}"><input type="hidden" name="as" value="${asRef}"><input type="hidden" name="in" value="${where}">
        <label for="text">以 ${org.personByRef(asRef)?.name ?? asRef} 的身份发言</label><textarea id="text" name="text" required placeholder="如：收到，或 /通知 截止=18:00 请各学院……"></textarea><button type="submit">发送</button></form></section>`;
    // The stream starts where this page's transcript ended: nothing said in between is lost.
    const script = `(function(){var s=new EventSource('/sandbox/events?since=${transcript.length}&as='+encodeURIComponent(${JSON.stringify(asRef)})+'&in='+encodeURIComponent(${JSON.stringify(where)}));
s.addEventListener('message',function(e){var m=JSON.parse(e.data);var p=document.createElement('p');if(m.bot)p.className='muted';var b=document.createElement('b');b.textContent=m.who;p.appendChild(b);
var t=document.createElement('span');t.style.whiteSpace='pre-wrap';t.textContent='：'+m.text;p.appendChild(t);document.getElementById('log').appendChild(p);});})();`;
    return sendPage(reply, page(chrome(a, c, '沙盒'), body, script));
  });

  server.post<{ Body: Record<string, unknown> }>('/sandbox/say', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    if (!allowed(a, c)) return sendPage(reply.code(403), denied(a, c));
    const asRef = String(request.body?.['as'] ?? '');
    const where = String(request.body?.['in'] ?? 'L1');
    const text = String(request.body?.['text'] ?? '').trim();
    const org = a.org();
    const person = org.personByRef(asRef);
    const back = `/sandbox?as=${encodeURIComponent(asRef)}&in=${encodeURIComponent(where)}`;
    if (!person || text === '') return reply.redirect(back, 303);
    if (where === '私聊') {
      const platform = org.accountOn(person.id, 'qq') ? 'qq' : 'wechat';
      const userId = org.accountOn(person.id, platform);
      const account = school.accountsOn(platform)[0];
      if (userId && account) {
        school.world.befriend(account, userId);
        school.world.sayPrivate(userId, account, text);
      }
    } else {
      const seat = school.seatOf(person.id, where);
      if (seat) school.world.say(seat.userId, seat.chatId, text);
    }
    return reply.redirect(back, 303);
  });

  server.get<{ Querystring: { as?: string; in?: string; since?: string } }>('/sandbox/events', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    if (!allowed(a, c)) return reply.code(403).send();
    const keep = inView(a, request.query.in ?? 'L1', request.query.as ?? c.person.extId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const sent = new Set<string>();
    const send = (m: SimMessage): void => {
      if (!keep(m) || sent.has(m.id)) return;
      sent.add(m.id);
      res.write(`event: message\ndata: ${JSON.stringify(line(app(), school, m))}\n\n`);
    };
    const off = school.world.onMessage(send);
    // What was said after the page was made and before this stream opened.
    const since = Math.max(0, Math.floor(Number(request.query.since ?? 0)) || 0);
    for (const m of school.world.transcript().slice(since)) send(m);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    request.raw.on('close', () => {
      off();
      clearInterval(keepAlive);
    });
  });
}
