/**
 * Per-level counts for the console's lists (the overview, the directive list, `GET /api/directives`): a
 * whole campus owes tens of thousands of replies per directive, and a list shows many directives. For the
 * school and for colleges, replies are counted in SQL (acknowledgements carry their college) and the replies
 * owed once per directive, scope and roster; a counselor's classes are few enough for the full view.
 * One directive's page uses the full view (`Queries.progress`), as chat does.
 */
import type { App } from '../app/build-app.js';
import { directiveLevels, forEachObligation, type Directive, type ObligationLevel } from '../domain/directive.js';
import type { OrgIndex } from '../domain/org-index.js';
import { QUERIES } from '../features/queries/index.js';
import type { WebCaller } from './server.js';

export interface LevelCount {
  readonly level: ObligationLevel;
  readonly acknowledged: number;
  readonly required: number;
  readonly late: number;
}

/** Replies owed per level, by directive and scope, for one roster (a new import makes a new OrgIndex). */
const owed = new WeakMap<OrgIndex, Map<string, Map<ObligationLevel, number>>>();

function owedPerLevel(org: OrgIndex, d: Directive, collegeIds: readonly number[] | undefined): Map<ObligationLevel, number> {
  let byKey = owed.get(org);
  if (!byKey) owed.set(org, (byKey = new Map()));
  // A directive's obligations change only with its parents' version (depth) or the roster.
  const key = `${d.id}|${d.depth}|${collegeIds?.join(',') ?? '*'}`;
  let counts = byKey.get(key);
  if (!counts) {
    counts = new Map();
    const c = counts;
    forEachObligation(org, d, (level) => c.set(level, (c.get(level) ?? 0) + 1), collegeIds);
    byKey.set(key, counts);
  }
  return counts;
}

/** Replies still owed per college (school or colleges scope), most first: the overview's “each college worst first”. */
export function collegesBehind(app: App, d: Directive, caller: WebCaller): { name: string; pending: number; required: number }[] {
  const scope = caller.viewer.scope;
  if (scope.kind !== 'school' && scope.kind !== 'colleges') return [];
  const org = app.org();
  const colleges = scope.kind === 'colleges' ? scope.collegeIds : org.colleges.map((c) => c.id);
  const acked = new Map(
    (
      app.repos.db.$client
        .prepare(`SELECT college_id AS c, count(*) AS n FROM acknowledgements WHERE directive_id = ? AND kind = 'ack' GROUP BY college_id`)
        .all(d.id) as { c: number | null; n: number }[]
    ).map((r) => [r.c, r.n]),
  );
  return colleges
    .map((c) => {
      const required = [...owedPerLevel(org, d, [c]).values()].reduce((n, x) => n + x, 0);
      return { name: org.college(c)?.name ?? '?', required, pending: Math.max(0, required - (acked.get(c) ?? 0)) };
    })
    .filter((x) => x.required > 0)
    .sort((x, y) => y.pending - x.pending);
}

export function levelCounts(app: App, d: Directive, caller: WebCaller): LevelCount[] {
  const scope = caller.viewer.scope;
  if (scope.kind === 'classes' || scope.kind === 'none') {
    return app
      .get(QUERIES)
      .progress(d, scope, caller.person)
      .levels.map((l) => ({ level: l.level, acknowledged: l.tally.acknowledged, required: l.tally.required, late: l.tally.late }));
  }
  const org = app.org();
  const colleges = scope.kind === 'colleges' ? scope.collegeIds : undefined;
  const required = owedPerLevel(org, d, colleges);
  const rows = app.repos.db.$client
    .prepare(
      `SELECT level, count(*) AS n, sum(late) AS late FROM acknowledgements WHERE directive_id = ? AND kind = 'ack'${colleges ? ` AND college_id IN (${colleges.map(() => '?').join(',')})` : ''} GROUP BY level`,
    )
    .all(d.id, ...(colleges ?? [])) as { level: number; n: number; late: number | null }[];
  const acked = new Map(rows.map((r) => [r.level, r]));
  return directiveLevels(d)
    .filter((level) => (required.get(level) ?? 0) > 0)
    .map((level) => {
      const req = required.get(level) ?? 0;
      const r = acked.get(level);
      return { level, required: req, acknowledged: Math.min(req, r?.n ?? 0), late: r?.late ?? 0 };
    });
}
