/**
 * The JSON API under `/api/` (issue #16, docs/web.md): the same sessions and scopes as the pages.
 * `401` without a session, `403` outside one's scope (or for a role that may not log in).
 */
import type { FastifyInstance } from 'fastify';
import type { App } from '../app/build-app.js';
import type { Directive } from '../domain/directive.js';
import { RELAY } from '../features/directives/index.js';
import { QUERIES } from '../features/queries/index.js';
import type { LevelTally } from '../features/queries/views.js';
import { levelCounts } from './counts.js';
import { directivesInScope, issueAs, notifyCommand, stateOf } from './pages.js';
import type { WebCaller, WebContext } from './server.js';

/** Levels as the drill report gives them: `{ "3": { required, acknowledged, … } }`, in the caller's scope. */
function levelsJson(levels: readonly LevelTally[]): Record<string, LevelTally['tally']> {
  return Object.fromEntries(levels.map((l) => [String(l.level), { ...l.tally }]));
}

/** The drill report's directive object, for the caller's scope, plus who in it still owes a reply. */
function directiveJson(app: App, d: Directive, caller: WebCaller) {
  // One read of the directive's state for both views.
  const queries = app.get(QUERIES);
  const snap = queries.snapshot(d, undefined, caller.viewer.scope);
  const v = queries.progress(d, caller.viewer.scope, caller.person, snap);
  const p = queries.pending(d, caller.viewer.scope, caller.person, snap);
  const pending = [
    ...p.staff.flatMap((s) => s.people.map((x) => ({ level: s.level, name: x.name, college: x.college, class: null as string | null }))),
    ...(p.names?.classes ?? []).flatMap((k) => [
      ...k.students.map((name) => ({ level: 3, name, college: null as string | null, class: k.name as string | null })),
      ...k.parents.map((name) => ({ level: 4, name, college: null as string | null, class: k.name as string | null })),
    ]),
  ];
  return {
    id: d.id,
    text: d.text,
    status: stateOf(app, d),
    mode: d.mode,
    depth: d.depth,
    deadline: d.deadlineAt === null ? null : new Date(d.deadlineAt).toISOString(),
    levels: levelsJson(v.levels),
    deliveries: { ...app.ledger.counts(d.id), withdrawn: app.repos.ledger.withdrawnCount(d.id) },
    pending,
    // Spanning colleges, names are not listed: the counts per college are.
    pendingByCollege: (p.colleges ?? []).map((u) => ({ college: u.name, pending: u.pending })),
  };
}

interface NewDirectiveBody {
  readonly text?: unknown;
  readonly depth?: unknown;
  readonly deadline?: unknown;
  readonly colleges?: unknown;
  readonly mode?: unknown;
  readonly urgent?: unknown;
  readonly parentsText?: unknown;
}

export function registerApi(server: FastifyInstance, ctx: WebContext): void {
  const { app } = ctx;

  // Newest first, `limit` (default 20, at most 100) at a time; `before=<id>` pages back.
  server.get<{ Querystring: { limit?: string; before?: string } }>('/api/directives', async (request) => {
    const a = app();
    const c = ctx.caller(request);
    const limit = Math.min(100, Math.max(1, Math.floor(Number(request.query.limit ?? 20)) || 20));
    const before = Number(request.query.before ?? Number.POSITIVE_INFINITY);
    return directivesInScope(a, c.viewer.scope, 1000)
      .filter((d) => d.id < before)
      .slice(0, limit)
      .map((d) => ({
        id: d.id,
        text: d.text,
        status: stateOf(a, d),
        levels: Object.fromEntries(levelCounts(a, d, c).map((l) => [String(l.level), { required: l.required, acknowledged: l.acknowledged, late: l.late }])),
      }));
  });

  server.get<{ Params: { id: string } }>('/api/directives/:id', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const d = a.get(RELAY).directive(Number(request.params.id));
    if (!d) return reply.code(404).send({ error: 'not found' });
    if (!a.get(QUERIES).concerns(d, c.viewer.scope)) return reply.code(403).send({ error: 'outside your scope' });
    const json = directiveJson(a, d, c);
    if (json.pending.length > 0) a.repos.access.add({ at: a.clock.now(), byPersonId: c.person.id, by: `${c.person.extId} ${c.person.name}`, what: 'non_responders', scope: `第${d.id}号（API）` });
    return json;
  });

  server.post<{ Body: NewDirectiveBody }>('/api/directives', async (request, reply) => {
    const a = app();
    const c = ctx.caller(request);
    const b = request.body ?? {};
    const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
    const text = str(b.text);
    if (!text) return reply.code(400).send({ error: 'text is required' });
    if (b.depth !== undefined && b.depth !== 2 && b.depth !== 3 && b.depth !== 4) return reply.code(400).send({ error: 'depth is 2, 3 or 4' });
    if (b.colleges !== undefined && (!Array.isArray(b.colleges) || b.colleges.some((x) => typeof x !== 'string'))) return reply.code(400).send({ error: 'colleges is a list of names' });
    if (b.mode !== undefined && b.mode !== 'step' && b.mode !== 'immediate') return reply.code(400).send({ error: 'mode is step or immediate' });
    const command = notifyCommand({
      text,
      depth: typeof b.depth === 'number' ? b.depth : undefined,
      deadline: str(b.deadline),
      colleges: b.colleges as string[] | undefined,
      mode: b.mode as 'step' | 'immediate' | undefined,
      urgent: b.urgent === true,
      parentsText: str(b.parentsText),
      timeZone: a.timeZone,
    });
    const { id, acted } = await issueAs(a, c, command);
    if (id !== undefined) return reply.code(201).send({ id });
    if (acted === null) return reply.code(409).send({ error: 'no account of yours that a bot can read' });
    // The bot's answer says why (outside one's scope, a bad deadline …).
    const answer = acted.answers.join('\n');
    return reply.code(/没有.*权限|只能|范围/u.test(answer) ? 403 : 400).send({ error: answer });
  });
}
