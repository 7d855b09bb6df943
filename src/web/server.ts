/**
 * The web console (issue #16, docs/web.md): Fastify in the same process as the bots, server-rendered
 * Chinese pages and a JSON API behind server-side sessions. Login is by a one-time link (`/登录` in a
 * private chat, `cascade web-login`); each person sees exactly the scope they have in chat.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { App } from '../app/build-app.js';
import { viewerOf } from '../app/message-context.js';
import type { Viewer } from '../app/feature.js';
import type { Person } from '../domain/org.js';
import { html, page } from './html.js';
import { registerPages } from './pages.js';
import { registerApi } from './api.js';
import { registerHealth } from './health.js';
import { registerReview } from './review.js';
import { registerAdmin } from './admin.js';
import { registerRoster } from './roster.js';
import { registerMembership } from './membership.js';
import { registerContacts } from './contacts.js';
import { registerSandbox } from './sandbox.js';
import type { SimSchool } from '../sim/populate.js';

export const SESSION_COOKIE = 'cascade_sid';

/** Who is asking, once their session is checked. */
export interface WebCaller {
  readonly person: Person;
  readonly viewer: Viewer;
  readonly csrf: string;
}

export interface WebContext {
  /** The running app (a restart builds a new one). */
  readonly app: () => App;
  /** The caller of a request that passed `requireSession`. */
  caller(request: FastifyRequest): WebCaller;
}

declare module 'fastify' {
  interface FastifyRequest {
    webCaller?: WebCaller;
  }
}

/** Cookie header → name/value pairs (only what a browser sends: `a=b; c=d`). */
export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      // A malformed value is no session.
    }
  }
  return out;
}

/** Whether a person may use the console: staff with a scope (the team, deputy secretaries, college leaders, counselors, 班主任). */
export function mayLogIn(viewer: Viewer): boolean {
  return viewer.staff && viewer.scope.kind !== 'none';
}

/** Requests a single address may make to `/login/…` in a minute (guessing links is hopeless, but not free). */
const LOGIN_ATTEMPTS_PER_MINUTE = 20;

export interface WebOptions {
  /** The simulated school, where the accounts are simulated: the sandbox page types into it. */
  readonly sim?: SimSchool;
}

export function buildWebServer(app: () => App, options: WebOptions = {}): FastifyInstance {
  const server = Fastify({ logger: false, bodyLimit: 1024 * 1024, trustProxy: false });
  void server.register(formbody);
  // Uploads (rosters, a directive's files): each route sets its own limits.
  void server.register(multipart, { limits: { fileSize: 100 * 1024 * 1024, files: 10 } });
  const ctx: WebContext = {
    app,
    caller(request) {
      if (!request.webCaller) throw new Error('no session on this request');
      return request.webCaller;
    },
  };
  const attempts = new Map<string, number[]>();

  // No cross-site request is served: no CORS headers, and a preflight is refused. A form post must carry
  // the session's token; a JSON call cannot be sent across sites without the preflight refused here.
  server.options('*', async (_request, reply) => reply.code(405).send());
  server.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    // Not no-referrer: with it a browser sends `Origin: null` on a same-site form post.
    reply.header('Referrer-Policy', 'same-origin');
    reply.header('Cache-Control', 'no-store');
    return payload;
  });

  server.get('/healthz', async () => ({ status: 'ok' }));
  registerHealth(server, app);

  server.get<{ Params: { token: string } }>('/login/:token', async (request, reply) => {
    const now = app().clock.now();
    const ip = request.ip;
    const recent = (attempts.get(ip) ?? []).filter((t) => t > Date.now() - 60_000);
    recent.push(Date.now());
    attempts.set(ip, recent);
    // Addresses seen long ago are forgotten: the map stays small whoever knocks.
    if (attempts.size > 1_000) for (const [k, times] of attempts) if ((times.at(-1) ?? 0) < Date.now() - 60_000) attempts.delete(k);
    if (recent.length > LOGIN_ATTEMPTS_PER_MINUTE) return reply.code(429).type('text/html').send(page({ title: '请稍后再试' }, html`<section><h1>请稍后再试</h1><p>登录尝试太频繁，请一分钟后再打开链接。</p></section>`));
    const personId = app().repos.web.redeemLogin(request.params.token, now);
    const person = personId === undefined ? undefined : app().org().person(personId);
    if (!person || !mayLogIn(viewerOf(app().org(), person))) {
      return reply.code(401).type('text/html').send(page({ title: '链接无效' }, html`<section><h1>链接无效或已过期</h1><p>登录链接只能使用一次，10 分钟内有效。请私聊机器人发送 <b>/登录</b> 获取新链接。</p></section>`));
    }
    const session = app().repos.web.openSession(person.id, now);
    const secure = (app().config.web.publicUrl ?? '').startsWith('https://') ? '; Secure' : '';
    reply.header('Set-Cookie', `${SESSION_COOKIE}=${encodeURIComponent(session.id)}; HttpOnly; SameSite=Lax; Path=/${secure}`);
    app().logger.info({ person: person.id }, 'web console login');
    return reply.redirect('/', 303);
  });

  // Every other route needs a live session of someone who may log in.
  server.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/healthz' || path === '/readyz' || path === '/metrics' || path.startsWith('/login/') || request.method === 'OPTIONS') return;
    const a = app();
    const id = readCookies(request.headers.cookie).get(SESSION_COOKIE);
    const session = id === undefined ? undefined : a.repos.web.session(id, a.clock.now(), a.config.web.sessionIdleMinutes * 60_000);
    const person = session ? a.org().person(session.personId) : undefined;
    const api = path.startsWith('/api/');
    if (!session || !person) return refuse(reply, api, 401);
    const viewer = viewerOf(a.org(), person);
    if (!mayLogIn(viewer)) return refuse(reply, api, 403);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      // A page that posts here from another site is refused whatever it carries.
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== `http://${request.headers.host ?? ''}` && origin !== `https://${request.headers.host ?? ''}`) return refuse(reply, api, 403);
      const json = (request.headers['content-type'] ?? '').startsWith('application/json');
      // A file upload carries the token in its address (the multipart body is read later, by the route).
      const query = (request.query as Record<string, unknown> | undefined)?.['_csrf'];
      const token = (request.headers['content-type'] ?? '').startsWith('multipart/form-data') ? query : (request.body as Record<string, unknown> | undefined)?.['_csrf'];
      if (!json && token !== session.csrf) return refuse(reply, api, 403);
    }
    request.webCaller = { person, viewer, csrf: session.csrf };
  });

  server.post('/logout', async (request, reply) => {
    const id = readCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (id !== undefined) app().repos.web.closeSession(id, app().clock.now());
    reply.header('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`);
    return reply.type('text/html').send(page({ title: '已退出' }, html`<section><h1>已退出</h1><p>需要时请私聊机器人发送 <b>/登录</b> 重新获取链接。</p></section>`));
  });

  registerPages(server, ctx);
  registerApi(server, ctx);
  registerReview(server, ctx);
  registerAdmin(server, ctx);
  registerRoster(server, ctx);
  registerMembership(server, ctx);
  registerContacts(server, ctx);
  if (options.sim) registerSandbox(server, ctx, options.sim);
  return server;
}

function refuse(reply: FastifyReply, api: boolean, code: 401 | 403): FastifyReply {
  if (api) return reply.code(code).send({ error: code === 401 ? 'login required' : 'forbidden' });
  const body =
    code === 401
      ? html`<section><h1>请先登录</h1><p>请私聊机器人发送 <b>/登录</b>，打开机器人回复的链接。</p></section>`
      : html`<section><h1>无权访问</h1><p>网页控制台供学生工作组、副书记、学院领导、辅导员和班主任使用，每人只能看到自己负责的范围。</p></section>`;
  return reply.code(code).type('text/html').send(page({ title: code === 401 ? '请先登录' : '无权访问' }, body));
}

/** Listens on `web.listen`; resolves with the address it serves, or throws (the caller decides whether that stops Cascade). */
export async function startWebServer(app: () => App, options: WebOptions = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server = buildWebServer(app, options);
  const m = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:]+)):(?<port>\d+)$/u.exec(app().config.web.listen);
  const host = m?.groups?.['v6'] ?? m?.groups?.['host'] ?? '127.0.0.1';
  const port = Number(m?.groups?.['port'] ?? 3000);
  const address = await server.listen({ host, port });
  return { url: address.replace('://[::1]', '://localhost'), close: () => server.close() };
}
