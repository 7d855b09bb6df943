/**
 * 群成员核对 in the console (issue #16): the groups one is responsible for, each with its latest audit
 * (who is missing, who should not be there, unreadable cards …) and when it ran; one group's findings,
 * names included, for its responsible people; and "audit now".
 */
import type { FastifyInstance } from 'fastify';
import type { App } from '../app/build-app.js';
import type { Group, Person } from '../domain/org.js';
import { FINDING_KINDS, type GroupAudit } from '../domain/membership.js';
import { isResponsibleFor } from '../domain/responsibility.js';
import { formatTime } from '../domain/duration.js';
import { AUDITOR } from '../features/membership/index.js';
import { html, page } from './html.js';
import { chrome, sendPage } from './pages.js';
import type { WebContext } from './server.js';

const KIND_NAMES: Record<(typeof FINDING_KINDS)[number], string> = {
  missing: '未入群',
  strangers: '不应在群',
  unmatched: '无法识别',
  badCard: '群名片不规范',
  duplicates: '重复',
  left: '已退群',
};

function groupsOf(a: App, person: Person): Group[] {
  const org = a.org();
  return org.groups.filter((g) => isResponsibleFor(org, person, g));
}

export function registerMembership(server: FastifyInstance, ctx: WebContext): void {
  const { app } = ctx;

  server.get('/membership', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const now = a.clock.now();
    const auditor = a.get(AUDITOR);
    const rows = groupsOf(a, c.person).map((g) => {
      const stored = a.repos.audits.latest(g.id);
      const f = stored ? (auditor.scopedFor(c.person, g, { ...stored.findings, present: stored.present } as GroupAudit) as GroupAudit) : undefined;
      return html`<tr><td><a href="/membership/${g.id}">${g.name}</a></td><td>${stored ? formatTime(stored.at, a.timeZone, { now }) : '未核对'}</td>
        ${FINDING_KINDS.map((k) => html`<td class="${f && f[k].length > 0 ? 'bad' : ''}">${f ? f[k].length : '—'}</td>`)}</tr>`;
    });
    const body = html`<h1>群成员核对</h1><section class="scroll"><table><thead><tr><th>群</th><th>最近核对</th>${FINDING_KINDS.map((k) => html`<th>${KIND_NAMES[k]}</th>`)}</tr></thead>
      <tbody>${rows}</tbody></table><p class="muted">每天自动核对一次；打开群可以查看名单并立即核对。</p></section>`;
    return sendPage(reply, page(chrome(a, c, '群成员核对'), body));
  });

  server.get<{ Params: { id: string } }>('/membership/:id', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const g = groupsOf(a, c.person).find((x) => x.id === Number(request.params.id));
    if (!g) return sendPage(reply.code(404), page(chrome(a, c, '群成员核对'), html`<section><h1>没有这个群</h1><p>这个群不存在，或不归您负责。</p></section>`));
    const auditor = a.get(AUDITOR);
    const stored = a.repos.audits.latest(g.id);
    const texts = stored ? auditor.texts(g, auditor.scopedFor(c.person, g, { ...stored.findings, present: stored.present } as GroupAudit)) : undefined;
    // The findings name people: the view is logged.
    if (texts) a.repos.access.add({ at: a.clock.now(), byPersonId: c.person.id, by: `${c.person.extId} ${c.person.name}`, what: 'membership', scope: `${g.name}（网页）` });
    const body = html`<h1>${g.name}</h1>
      <section>${texts ? html`<p class="muted">最近核对：${formatTime(stored?.at ?? 0, a.timeZone, { now: a.clock.now() })}</p><pre style="white-space:pre-wrap">${texts.summary}\n\n${texts.details}</pre>` : html`<p class="muted">还没有核对过。</p>`}
      <form method="post" action="/membership/${g.id}/audit"><input type="hidden" name="_csrf" value="${c.csrf}"><button type="submit">立即核对</button></form></section>
      <section class="scroll"><h2>核对记录</h2><table><thead><tr><th>时间</th><th>方式</th>${FINDING_KINDS.map((k) => html`<th>${KIND_NAMES[k]}</th>`)}</tr></thead><tbody>${a.repos.audits
        .history(g.id, 20)
        .map(
          (h) =>
            html`<tr><td>${formatTime(h.at, a.timeZone, { now: a.clock.now() })}</td><td>${h.kind === 'daily' ? '每日' : '手动'}</td>${FINDING_KINDS.map((k) => html`<td>${h.findings[k]?.length ?? 0}</td>`)}</tr>`,
        )}</tbody></table><p class="muted">数字为当时各类问题的人数（家长群按家庭计）。</p></section>`;
    return sendPage(reply, page(chrome(a, c, g.name), body));
  });

  server.post<{ Params: { id: string } }>('/membership/:id/audit', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const g = groupsOf(a, c.person).find((x) => x.id === Number(request.params.id));
    if (!g) return reply.code(404).send();
    try {
      await a.get(AUDITOR).audit(g, c.person.id, { save: 'manual' });
    } catch (error) {
      a.logger.warn({ group: g.id, err: error instanceof Error ? error.message : String(error) }, 'audit from the console failed');
    }
    return reply.redirect(`/membership/${g.id}`, 303);
  });
}
