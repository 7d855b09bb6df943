/**
 * 待确认 in the console (issue #16): the review desk of one's scope — questions and “没收到” reports first,
 * then replies to settle — with bulk 计入 / 不计 and answers to questions. Each action is the chat command
 * (`/确认 …`, `/忽略 …`, `/答复 …`) as the logged-in person.
 */
import type { FastifyInstance } from 'fastify';
import { REVIEW } from '../features/review/index.js';
import { reviewWhy, type ReviewLine } from '../features/review/texts.js';
import { actAs } from './act.js';
import { html, page, type Html } from './html.js';
import { chrome, sendPage } from './pages.js';
import type { WebContext } from './server.js';

const KIND_NAMES: Record<ReviewLine['kind'], string> = {
  question: '提问',
  negative: '未收到/无法完成',
  low_confidence: '不确定',
  ambiguous: '回复哪条不明',
  attribution: '提到其他学生',
  binding: '绑定',
  chain: '接龙',
  impersonation: '可能冒名',
};

/** Ids from a form field that may be one value or many. */
function idsOf(value: unknown): number[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
}

export function registerReview(server: FastifyInstance, ctx: WebContext): void {
  const { app } = ctx;

  server.get<{ Querystring: { said?: string } }>('/review', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const view = a.get(REVIEW).view(c.viewer.scope);
    const questions = view.lines.filter((l) => l.kind === 'question' || l.kind === 'negative');
    const others = view.lines.filter((l) => l.kind !== 'question' && l.kind !== 'negative');
    const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf}">`;
    const item = (l: ReviewLine, box: boolean): Html =>
      html`<tr>${box ? html`<td><input type="checkbox" name="ids" value="${l.id}" aria-label="选择 ${l.id}"></td>` : ''}<td>【${l.id}】<span class="tag">${KIND_NAMES[l.kind]}</span></td>
        <td>${l.group}<br><span class="muted">${l.sender} · ${l.at}</span></td><td>“${l.text}”<br><span class="muted">${reviewWhy(l)}</span></td></tr>`;
    const body = html`<h1>待确认 <span class="tag">${view.total} 条</span></h1>
      ${request.query.said ? html`<section class="alert"><p style="white-space:pre-wrap">${request.query.said}</p></section>` : ''}
      ${
        questions.length > 0
          ? html`<section><h2>提问和反馈</h2>${questions.map(
              (l) => html`<div class="scroll"><table>${item(l, false)}</table></div>
                <form method="post" action="/review/${l.id}/answer" class="row">${csrf}
                  <div><label for="answer-${l.id}">答复【${l.id}】</label><input type="text" id="answer-${l.id}" name="text" required></div>
                  <div><label><input type="checkbox" name="privately"> 私聊答复提问人</label><button type="submit">答复</button></div></form>`,
            )}</section>`
          : ''
      }
      <section><h2>待确认的回复</h2>${
        others.length > 0
          ? html`<form method="post" action="/review">${csrf}<div class="scroll"><table>${others.map((l) => item(l, true))}</table></div>
              <div class="row"><button type="submit" name="action" value="confirm">计入所选</button><button class="secondary" type="submit" name="action" value="dismiss">不计所选</button></div></form>`
          : html`<p class="muted">没有需要确认的回复。</p>`
      }${view.total > view.lines.length ? html`<p class="muted">显示最早的 ${view.lines.length} 条，处理后再显示其余的。</p>` : ''}</section>`;
    return sendPage(reply, page(chrome(a, c, '待确认'), body));
  });

  server.post<{ Body: Record<string, unknown> }>('/review', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const ids = idsOf(request.body?.['ids']);
    const action = request.body?.['action'] === 'dismiss' ? '/忽略' : '/确认';
    if (ids.length === 0) return reply.redirect('/review', 303);
    const acted = await actAs(a, c.person, `${action} ${ids.join(' ')}`);
    const said = acted === null ? '您在名单中没有机器人能读取的账号。' : acted.answers.join('\n');
    return reply.redirect(`/review?said=${encodeURIComponent(said)}`, 303);
  });

  server.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/review/:id/answer', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const id = Number(request.params.id);
    const text = String(request.body?.['text'] ?? '').trim();
    if (!Number.isSafeInteger(id) || text === '') return reply.redirect('/review', 303);
    const privately = request.body?.['privately'] !== undefined;
    const acted = await actAs(a, c.person, `/答复 ${id}${privately ? ' 私聊' : ''} ${text}`);
    const said = acted === null ? '您在名单中没有机器人能读取的账号。' : acted.answers.join('\n');
    return reply.redirect(`/review?said=${encodeURIComponent(said)}`, 303);
  });
}
