/**
 * Queries: who has not replied (`/未回复`) and how far a directive has got (`/进度`), within the
 * asker's scope; the same views feed the deadline summary, exports and the console.
 */
import { ANYWHERE, defineCommand, serviceKey, type Feature, type MessageContext } from '../../app/feature.js';
import { responsible } from '../../app/guards.js';
import { parseQueryArgs, type QueryArgs } from '../../domain/commands.js';
import type { Directive, Scope } from '../../domain/directive.js';
import { RELAY } from '../directives/index.js';
import { GAP_LINE, POSTS_LINE } from './sections.js';
import { renderPending, renderProgress } from './render.js';
import { focusOf, narrowScope, Queries, scopeCoversFocus, type Focus } from './views.js';
import { zhQuery } from './texts.js';

export const QUERIES = serviceKey<Queries>('queries');
/** The `/进度` line other features add (chasing: reminders given, the next round). */
export const PROGRESS_LINE = serviceKey<(d: Directive, scope: Scope, askerId: number, pre?: unknown) => string | null>('progress-line');

/**
 * The directive a query or `/催办` is about, and the scope narrowed by its filter; or the answer
 * explaining why there is none. The newest directive the asker's group received, else the newest
 * that concerns their scope.
 */
export function pickDirective(ctx: MessageContext, args: QueryArgs): { d: Directive; scope: Scope; focus: Focus | undefined } | string {
  const queries = ctx.app.get(QUERIES);
  const relay = ctx.app.get(RELAY);
  const scope = ctx.viewer.scope;
  const d = args.directiveId === null ? latestVisible(ctx, scope) : relay.directive(args.directiveId);
  if (!d) return args.directiveId === null ? zhQuery.noDirective : zhQuery.directiveNotFound(args.directiveId);
  if (!queries.concerns(d, scope)) return zhQuery.directiveNotForScope(d.id);
  const narrowed = narrowScope(ctx.org, scope, args.filter);
  if (!narrowed) return zhQuery.filterNotFound(args.filter ?? '', suggestionsIn(ctx.org, scope, args.filter ?? ''));
  // Asked in a class or parents group: about that group only (and a filter naming another is nothing here).
  const focus = focusOf(ctx.group);
  if (focus && !scopeCoversFocus(narrowed, focus, ctx.org)) return zhQuery.filterNotFound(args.filter ?? ctx.group?.name ?? '');
  return { d, scope: narrowed, focus };
}

/** The college and class names closest to a filter that matched nothing, within the asker's scope. */
function suggestionsIn(org: MessageContext['org'], scope: Scope, filter: string): string[] {
  const colleges = org.findCollege(filter).suggestions.filter((c) => narrowScope(org, scope, c.name) !== null).map((c) => c.name);
  const classes = org.findClass(filter).suggestions.filter((k) => narrowScope(org, scope, k.name) !== null).map((k) => k.name);
  return [...colleges, ...classes].slice(0, 3);
}

/** A scope in words, for the access log: 全校, colleges, or classes. */
export function scopeText(org: MessageContext['org'], scope: Scope): string {
  switch (scope.kind) {
    case 'school':
      return '全校';
    case 'colleges':
      return scope.collegeIds.map((id) => org.college(id)?.name ?? String(id)).join('、');
    case 'classes':
      return scope.classIds.map((id) => org.classUnit(id)?.name ?? String(id)).join('、');
    case 'none':
      return '无';
  }
}

function latestVisible(ctx: MessageContext, scope: Scope): Directive | undefined {
  const relay = ctx.app.get(RELAY);
  const inGroup = ctx.directive();
  if (inGroup) return inGroup;
  const since = ctx.now - 4 * relay.replyWindowMs;
  const { directives } = ctx.app.repos;
  return directives.open(since).find((d) => ctx.app.get(QUERIES).concerns(d, scope)) ?? directives.latest();
}

function query(what: 'pending' | 'progress') {
  return (ctx: MessageContext, args: QueryArgs): void => {
    const picked = pickDirective(ctx, args);
    if (typeof picked === 'string') return ctx.reply(picked);
    const queries = ctx.app.get(QUERIES);
    const { person } = ctx;
    if (!person) return;
    const { d, scope, focus } = picked;
    const tz = ctx.app.timeZone;
    // Names of people who have not replied are personal data: who asked, for what scope, is kept.
    if (what === 'pending') {
      ctx.app.repos.access.add({ at: ctx.now, byPersonId: person.id, by: `${person.extId} ${person.name}`, what: 'non_responders', scope: `第${d.id}号 ${focus ? (ctx.group?.name ?? '') : scopeText(ctx.org, scope)}` });
    }
    ctx.answer(what === 'pending' ? renderPending(queries.pending(d, scope, person, undefined, focus), tz) : renderProgress(queries.progress(d, scope, person, undefined, focus), tz));
  };
}

const pending = defineCommand<QueryArgs>({
  name: 'pending',
  words: ['未回复', '未回', '谁没回', '谁没回复', '没回复'],
  digitsFollow: true,
  where: ANYWHERE,
  guard: responsible,
  refusal: zhQuery.notInScope,
  usage: () => '/未回复 [编号] [学院或班级] —— 查看谁还没回复',
  parse: (rest) => parseQueryArgs(rest),
  handle: query('pending'),
});

const progress = defineCommand<QueryArgs>({
  name: 'progress',
  words: ['进度', '统计'],
  digitsFollow: true,
  where: ANYWHERE,
  guard: responsible,
  refusal: zhQuery.notInScope,
  usage: () => '/进度 [编号] [学院或班级] —— 查看各级回复进度',
  parse: (rest) => parseQueryArgs(rest),
  handle: query('progress'),
});

export const queries: Feature = {
  name: 'queries',
  needs: [RELAY],
  provides: [QUERIES],
  setup(app) {
    app.provide(
      QUERIES,
      new Queries({
        org: () => app.org(),
        directives: app.repos.directives,
        now: () => app.clock.now(),
        reviews: app.repos.reviews,
        sections: (d, scope, askerId, pre) =>
          [app.find(PROGRESS_LINE)?.(d, scope, askerId, pre), app.find(POSTS_LINE)?.(d, scope), app.find(GAP_LINE)?.(d)].filter(
            (line): line is string => typeof line === 'string' && line !== '',
          ),
      }),
    );
  },
  commands: [pending, progress],
};
