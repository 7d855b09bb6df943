/**
 * The console's pages for running the bots (issue #16), for the student-work team only: 机器人账号 (each
 * account's state, groups, sends today against its budget, breaker pause, last heartbeat; pause and
 * resume) and 运维 (queue depths, failed jobs to retry or drop, failures with their error numbers).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../app/build-app.js';
import { formatTime, fromWallClock, wallClock } from '../domain/duration.js';
import { html, page } from './html.js';
import { chrome, sendPage } from './pages.js';
import type { WebCaller, WebContext } from './server.js';

const STATES: Record<string, string> = { online: '在线', connecting: '连接中', login_required: '需要人工登录', offline: '离线' };
/** What a manual pause from the console lasts unless resumed. */
const PAUSE_MS = 60 * 60_000;

function teamOnly(a: App, c: WebCaller, reply: FastifyReply): FastifyReply | null {
  if (c.viewer.scope.kind === 'school') return null;
  return sendPage(reply.code(403), page(chrome(a, c, '无权访问'), html`<section><h1>无权访问</h1><p>机器人账号和运维页面只对学生工作组开放。</p></section>`));
}

/** Each account as the console shows it. */
export function accountRows(a: App) {
  const now = a.clock.now();
  const w = wallClock(now, a.timeZone);
  const midnight = fromWallClock({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 }, a.timeZone);
  const sent = a.repos.ledger.sentSince(midnight);
  const org = a.org();
  const pgs = org.groups.flatMap((g) => org.platformGroupsOf(g.id));
  return [...a.adapters.values()].map((adapter) => {
    const status = adapter.status?.();
    const configured = a.config.accounts.find((x) => x.id === adapter.accountId);
    return {
      id: adapter.accountId,
      platform: adapter.platform,
      state: status?.state ?? 'online',
      detail: status?.detail ?? null,
      lastHeartbeatAt: status?.lastHeartbeatAt ?? null,
      groups: pgs.filter((pg) => pg.accounts.includes(adapter.accountId)).length,
      sendsToday: sent.get(adapter.accountId) ?? 0,
      perDay: configured?.perDay ?? a.config.sending.perDay,
      pause: a.guard.pause(adapter.accountId, now),
      loginQr: status?.state === 'login_required' ? (status.loginQr ?? null) : null,
      loginSteps: status?.state === 'login_required' && adapter.loginStep !== undefined,
    };
  });
}

export function registerAdmin(server: FastifyInstance, ctx: WebContext): void {
  const { app } = ctx;

  server.get('/accounts', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const refused = teamOnly(a, c, reply);
    if (refused) return refused;
    const now = a.clock.now();
    const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf}">`;
    const list = accountRows(a);
    const rows = list.map(
      (r) => html`<tr><td>${r.id}<br><span class="muted">${r.platform === 'qq' ? 'QQ' : '微信'}</span></td>
        <td class="${r.state === 'online' ? 'ok' : 'bad'}">${STATES[r.state] ?? r.state}${r.detail ? html`<br><span class="muted">${r.detail}</span>` : ''}</td>
        <td>${r.groups}</td><td>${r.sendsToday}/${r.perDay}</td>
        <td>${r.lastHeartbeatAt ? formatTime(r.lastHeartbeatAt, a.timeZone, { now }) : '—'}</td>
        <td>${r.pause ? html`暂停至 ${formatTime(r.pause.until, a.timeZone, { now })}<br><span class="muted">${r.pause.reason}</span>` : '发送中'}</td>
        <td>${
          r.pause
            ? html`<form method="post" action="/accounts/${r.id}/resume">${csrf}<button type="submit">恢复发送</button></form>`
            : html`<form method="post" action="/accounts/${r.id}/pause">${csrf}<button class="secondary" type="submit">暂停 1 小时</button></form>`
        }</td></tr>`,
    );
    // Logging in: the WeChat QR code rendered here (refreshed as WeChat renews it), QQ's slider ticket and device check.
    const logins = list
      .filter((r) => r.loginQr !== null || r.loginSteps)
      .map(
        (r) => html`<section class="alert"><h2>${r.id} 需要登录</h2>${
          r.loginQr !== null
            ? html`<p>请用该机器人账号的微信扫码登录（二维码过期后本页会自动刷新）：</p><img src="/accounts/${r.id}/qr.svg?v=${createHash('sha256').update(r.loginQr).digest('hex').slice(0, 8)}" alt="${r.id} 的登录二维码" width="220" height="220">`
            : ''
        }${
          r.loginSteps
            ? html`<form method="post" action="/accounts/${r.id}/login">${csrf}<label for="ticket-${r.id}">QQ 滑块验证的 ticket</label><input type="text" id="ticket-${r.id}" name="ticket">
                <button type="submit" name="step" value="ticket">提交 ticket</button> <button class="secondary" type="submit" name="step" value="resume">设备已验证，重新登录</button></form>`
            : ''
        }</section>`,
      );
    const body = html`<h1>机器人账号</h1>${logins}<section class="scroll"><table><thead><tr><th>账号</th><th>状态</th><th>群</th><th>今日发送/上限</th><th>最近心跳</th><th>熔断</th><th></th></tr></thead><tbody>${rows}</tbody></table>
      <p class="muted">暂停期间，该账号的消息改由同群的其他账号发送，或等待，或转为人工转发。</p></section>`;
    // While someone must scan, the page follows the code as it is renewed.
    const refresh = logins.length > 0 ? `setTimeout(function(){location.reload()},5000);` : undefined;
    return sendPage(reply, page(chrome(a, c, '机器人账号'), body, refresh));
  });

  server.get<{ Params: { id: string } }>('/accounts/:id/qr.svg', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    if (c.viewer.scope.kind !== 'school') return reply.code(403).send();
    const status = a.adapters.get(request.params.id)?.status?.();
    if (status?.state !== 'login_required' || !status.loginQr) return reply.code(404).send();
    // Rendered here: the login URL never leaves for an outside QR site.
    const { default: QRCode } = await import('qrcode');
    return reply.type('image/svg+xml').send(await QRCode.toString(status.loginQr, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }));
  });

  server.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/accounts/:id/login', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const refused = teamOnly(a, c, reply);
    if (refused) return refused;
    const adapter = a.adapters.get(request.params.id);
    if (!adapter?.loginStep) return reply.code(404).send();
    const ticket = String(request.body?.['ticket'] ?? '').trim();
    const step = request.body?.['step'] === 'ticket' && ticket !== '' ? ({ kind: 'ticket', ticket } as const) : ({ kind: 'resume' } as const);
    await adapter.loginStep(step).catch((error: unknown) => a.logger.warn({ account: adapter.accountId, err: error instanceof Error ? error.message : String(error) }, 'login step from the console failed'));
    a.logger.info({ account: adapter.accountId, step: step.kind, by: c.person.id }, 'login step from the console');
    return reply.redirect('/accounts', 303);
  });

  for (const action of ['pause', 'resume'] as const) {
    server.post<{ Params: { id: string } }>(`/accounts/:id/${action}`, async (request, reply) => {
      const a = app();
      const c = ctx.caller(request);
      const refused = teamOnly(a, c, reply);
      if (refused) return refused;
      const id = request.params.id;
      if (!a.adapters.has(id)) return reply.code(404).send();
      const now = a.clock.now();
      if (action === 'pause') a.guard.hold(id, now + PAUSE_MS, `paused by ${c.person.extId} from the console`);
      else a.guard.resume(id, now);
      a.logger.info({ account: id, by: c.person.id, action }, 'account paused or resumed from the console');
      return reply.redirect('/accounts', 303);
    });
  }

  server.get('/ops', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const refused = teamOnly(a, c, reply);
    if (refused) return refused;
    const now = a.clock.now();
    const counts = await a.queues.counts();
    const failed = await a.queues.failedJobs(50);
    const failures = a.repos.failures.since(now - 24 * 60 * 60 * 1000, 50);
    const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf}">`;
    const body = html`<h1>运维</h1>
      <section class="scroll"><h2>队列</h2><table><thead><tr><th>队列</th><th>等待</th><th>进行中</th><th>延后</th><th>失败</th></tr></thead><tbody>${Object.entries(counts).map(
        ([q, n]) => html`<tr><td>${q}</td><td>${n['waiting'] ?? 0}</td><td>${n['active'] ?? 0}</td><td>${n['delayed'] ?? 0}</td><td>${n['failed'] ?? 0}</td></tr>`,
      )}</tbody></table></section>
      <section class="scroll"><h2>失败的任务</h2>${
        failed.length === 0
          ? html`<p class="muted">没有失败的任务。</p>`
          : html`<table><thead><tr><th>队列</th><th>任务</th><th>原因</th><th>时间</th><th></th></tr></thead><tbody>${failed.map(
              (f) => html`<tr><td>${f.queue}</td><td>${f.name}<br><span class="muted">${f.id} · ${f.attempts} 次</span></td><td>${f.reason}</td><td>${formatTime(f.at, a.timeZone, { now })}</td>
                <td><form method="post" action="/ops/jobs">${csrf}<input type="hidden" name="queue" value="${f.queue}"><input type="hidden" name="id" value="${f.id}">
                <button type="submit" name="how" value="retry">重试</button> <button class="secondary" type="submit" name="how" value="drop">丢弃</button></form></td></tr>`,
            )}</tbody></table>`
      }</section>
      <section class="scroll"><h2>最近一天的错误（错误编号）</h2>${
        failures.length === 0
          ? html`<p class="muted">没有。</p>`
          : html`<table><tbody>${failures.map((f) => html`<tr><td>${f.errorNo}</td><td>${f.queue}</td><td>${f.error}</td><td>${formatTime(f.at, a.timeZone, { now })}</td></tr>`)}</tbody></table>`
      }</section>`;
    return sendPage(reply, page(chrome(a, c, '运维'), body));
  });

  server.post<{ Body: Record<string, unknown> }>('/ops/jobs', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const refused = teamOnly(a, c, reply);
    if (refused) return refused;
    const queue = String(request.body?.['queue'] ?? '');
    const id = String(request.body?.['id'] ?? '');
    const how = request.body?.['how'] === 'drop' ? 'drop' : 'retry';
    const done = await a.queues.settleFailed(queue, id, how);
    a.logger.info({ queue, job: id, how, by: c.person.id, done }, 'a failed job settled from the console');
    return reply.redirect('/ops', 303);
  });
}
