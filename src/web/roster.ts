/**
 * 名单 in the console (issue #16), for the student-work team: upload a roster (xlsx, CSV or zip, several
 * files at once), see what reading found and the dry-run diff (added, changed, removed; a bad row named
 * by sheet, row and column, nothing imported), then apply it to the running service — no restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { App } from '../app/build-app.js';
import { formatReadReport, readRosterWithReport } from '../roster/read.js';
import { applyRoster, formatImportReport, previewRoster } from '../store/org-repo.js';
import { html, page, type Html } from './html.js';
import { chrome, sendPage } from './pages.js';
import type { WebCaller, WebContext } from './server.js';

/** An upload's size, and how many files one holds. */
const MAX_UPLOAD_BYTES = 30 * 1024 * 1024;
const MAX_FILES = 8;
/** How long an uploaded roster waits for “apply” before it is deleted. */
const PENDING_MS = 30 * 60_000;
const EXTENSIONS = new Set(['.xlsx', '.csv', '.zip']);

interface Pending {
  readonly paths: readonly string[];
  readonly names: readonly string[];
  readonly personId: number;
  readonly at: number;
}

function form(c: WebCaller, error?: Html): Html {
  return html`<h1>名单</h1>${error ?? ''}<section><form method="post" action="/roster/preview?_csrf=${c.csrf}" enctype="multipart/form-data">
    <label for="files">花名册文件（.xlsx、.csv 或 .zip，可一次选多个）</label><input type="file" id="files" name="files" multiple accept=".xlsx,.csv,.zip" required>
    <p class="muted">先检查并显示将要发生的变化，确认后才导入；导入后立即生效，无需重启。</p><button type="submit">检查</button></form></section>`;
}

export function registerRoster(server: FastifyInstance, ctx: WebContext): void {
  const { app } = ctx;
  const pending = new Map<string, Pending>();

  const uploadsDir = (a: App): string => join(a.config.dataDir, 'uploads');
  const forget = (token: string): void => {
    const p = pending.get(token);
    pending.delete(token);
    for (const path of p?.paths ?? []) rmSync(path, { force: true });
  };
  const sweep = (now: number): void => {
    for (const [token, p] of pending) if (now - p.at > PENDING_MS) forget(token);
  };
  const team = (c: WebCaller): boolean => c.viewer.scope.kind === 'school';
  const refuse = (a: App, c: WebCaller) => page(chrome(a, c, '无权访问'), html`<section><h1>无权访问</h1><p>名单只由学生工作组导入。</p></section>`);

  server.get('/roster', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    if (!team(c)) return sendPage(reply.code(403), refuse(a, c));
    return sendPage(reply, page(chrome(a, c, '名单'), form(c)));
  });

  server.post('/roster/preview', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    if (!team(c)) return sendPage(reply.code(403), refuse(a, c));
    sweep(Date.now());
    const token = randomBytes(18).toString('base64url');
    const dir = uploadsDir(a);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const paths: string[] = [];
    const names: string[] = [];
    try {
      for await (const part of request.files({ limits: { fileSize: MAX_UPLOAD_BYTES, files: MAX_FILES } })) {
        const ext = extname(part.filename).toLowerCase();
        const bytes = await part.toBuffer();
        if (!EXTENSIONS.has(ext)) throw new Error(`不支持的文件：${part.filename}（只接受 .xlsx、.csv、.zip）`);
        if (part.file.truncated) throw new Error(`文件太大：${part.filename}（最多 ${MAX_UPLOAD_BYTES / 1024 / 1024} MB）`);
        // The reader tells files apart by their names (学生信息.xlsx …): the name is kept, in a directory of its own.
        const own = join(dir, `${token}-${paths.length}`);
        mkdirSync(own, { mode: 0o700 });
        const path = join(own, part.filename.replace(/[/\\\\]/gu, '_'));
        writeFileSync(path, bytes, { mode: 0o600 });
        paths.push(path);
        names.push(part.filename);
      }
      if (paths.length === 0) throw new Error('没有选择文件。');
      const { roster, report: read } = await readRosterWithReport(paths);
      const diff = previewRoster(a.repos.db, roster, { source: names.join(', '), now: a.clock.now() });
      pending.set(token, { paths, names, personId: c.person.id, at: Date.now() });
      const body = html`<h1>名单：检查结果</h1><section><h2>读取</h2><pre style="white-space:pre-wrap">${formatReadReport(read)}</pre></section>
        <section><h2>导入后将发生的变化（尚未导入）</h2><pre style="white-space:pre-wrap">${formatImportReport(diff).replace(/^花名册已导入/u, '将导入花名册')}</pre>
        <form method="post" action="/roster/apply"><input type="hidden" name="_csrf" value="${c.csrf}"><input type="hidden" name="token" value="${token}">
        <button type="submit">确认导入</button> <a href="/roster">取消</a></form></section>`;
      return sendPage(reply, page(chrome(a, c, '名单'), body));
    } catch (error) {
      for (const path of paths) rmSync(join(path, '..'), { recursive: true, force: true });
      const message = error instanceof Error ? error.message : String(error);
      return sendPage(reply.code(400), page(chrome(a, c, '名单'), form(c, html`<section class="alert"><p class="bad">未导入任何数据。</p><pre style="white-space:pre-wrap">${message}</pre></section>`)));
    }
  });

  server.post<{ Body: Record<string, unknown> }>('/roster/apply', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    if (!team(c)) return sendPage(reply.code(403), refuse(a, c));
    const token = String(request.body?.['token'] ?? '');
    const p = pending.get(token);
    if (!p || p.personId !== c.person.id) return sendPage(reply.code(400), page(chrome(a, c, '名单'), form(c, html`<section class="alert"><p class="bad">这次上传已过期，请重新上传。</p></section>`)));
    try {
      const { roster } = await readRosterWithReport(p.paths);
      const report = applyRoster(a.repos.db, roster, { source: `${p.names.join(', ')}（网页，${c.person.extId}）`, now: a.clock.now() });
      // The running service uses it at once.
      a.reloadOrg();
      a.logger.info({ by: c.person.id, importId: report.importId }, 'roster imported from the console');
      return sendPage(reply, page(chrome(a, c, '名单'), html`<h1>名单已导入</h1><section><pre style="white-space:pre-wrap">${formatImportReport(report)}</pre><p class="ok">已生效，无需重启。</p></section>`));
    } finally {
      for (const path of p.paths) rmSync(join(path, '..'), { recursive: true, force: true });
      pending.delete(token);
    }
  });
}
