/**
 * The chasing line of `/进度`: how many people in the asker's scope were reminded and how often, the
 * recent `/催办` rounds, when the next automatic round runs and when the deadline summary went out.
 */
import { subjectKey } from '../../domain/chase.js';
import { scopeCovers, type Directive, type Scope } from '../../domain/directive.js';
import { formatClock, formatTime } from '../../domain/duration.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { Clock } from '../../clock.js';
import type { ChaseRepo, ChaseRound, ReminderRow } from '../../store/chase-repo.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { zhChase } from './texts.js';

export interface ChaseProgressDeps {
  readonly org: () => OrgIndex;
  readonly chase: ChaseRepo;
  readonly directives: Pick<DirectiveRepo, 'nextChaseAt'>;
  readonly clock: Clock;
  readonly timeZone: string;
  /** Whether automatic rounds still run for the directive (chasing on, replies still taken). */
  readonly running: (d: Directive) => boolean;
}

/** What the chase line reads, once: direct reminders by college, the rounds, the next round. */
export interface ChaseSnapshot {
  readonly directiveId: number;
  readonly byCollege: ReadonlyMap<number, readonly ReminderRow[]>;
  readonly rounds: readonly ChaseRound[];
  readonly nextAt: number | null;
}

/** The chasing of a directive within one scope, as data. */
export interface ChaseProgressView {
  /** Direct reminders given (mentions, notices, private messages, relays). */
  readonly reminders: number;
  /** People they reached. */
  readonly people: number;
  readonly lastAt: number | null;
  /** The latest `/催办` rounds: when and by whom. */
  readonly manual: readonly { readonly at: number; readonly by: string }[];
  readonly nextAt: number | null;
  readonly summaryAt: number | null;
}

/** How many `/催办` rounds the line names. */
const MANUAL_ROUNDS_SHOWN = 3;

function isChaseSnapshot(x: unknown): x is ChaseSnapshot {
  return typeof x === 'object' && x !== null && 'byCollege' in x && 'rounds' in x;
}

/** A counselor's scope covers their classes' reminders and their own as a counselor (L2), not their college's others. */
function inScope(scope: Scope, r: { level: number; subjectId: number; collegeId: number | null; classId: number | null }, askerId: number): boolean {
  if (scope.kind !== 'classes') return scopeCovers(scope, r);
  return (r.classId !== null && scope.classIds.includes(r.classId)) || (r.level === 2 && r.subjectId === askerId);
}

export class ChaseProgress {
  constructor(private readonly deps: ChaseProgressDeps) {}

  /** Reads what the line needs once (the deadline summary answers for hundreds of scopes). */
  snapshot(d: Directive): ChaseSnapshot {
    const byCollege = new Map<number, ReminderRow[]>();
    for (const r of this.deps.chase.reminders(d.id)) {
      if (r.action === 'nag') continue;
      const c = r.collegeId ?? -1;
      const list = byCollege.get(c);
      if (list) list.push(r);
      else byCollege.set(c, [r]);
    }
    return { directiveId: d.id, byCollege, rounds: this.deps.chase.rounds(d.id), nextAt: this.deps.running(d) ? this.deps.directives.nextChaseAt(d.id) : null };
  }

  view(d: Directive, scope: Scope, askerId: number, pre?: unknown): ChaseProgressView {
    const org = this.deps.org();
    const snap = isChaseSnapshot(pre) && pre.directiveId === d.id ? pre : this.snapshot(d);
    let rows: readonly ReminderRow[];
    switch (scope.kind) {
      case 'school':
        rows = [...snap.byCollege.values()].flat();
        break;
      case 'colleges':
        rows = scope.collegeIds.flatMap((c) => snap.byCollege.get(c) ?? []);
        break;
      case 'classes':
        rows = scope.collegeIds.flatMap((c) => (snap.byCollege.get(c) ?? []).filter((r) => inScope(scope, r, askerId)));
        break;
      case 'none':
        rows = [];
    }
    const last = rows.reduce((m, r) => Math.max(m, r.at), 0);
    const now = this.deps.clock.now();
    return {
      reminders: rows.length,
      people: new Set(rows.map((r) => subjectKey(r.level, r.kind, r.subjectId))).size,
      lastAt: last > 0 ? last : null,
      manual: snap.rounds
        .filter((r) => r.kind === 'manual')
        .slice(-MANUAL_ROUNDS_SHOWN)
        .map((r) => ({ at: r.at, by: org.person(r.byPersonId ?? -1)?.name ?? '' })),
      nextAt: snap.nextAt !== null && snap.nextAt > now ? snap.nextAt : null,
      summaryAt: snap.rounds.find((r) => r.kind === 'summary')?.at ?? null,
    };
  }

  /** The line as `/进度` shows it; null when there is nothing to say. */
  line(d: Directive, scope: Scope, askerId: number, pre?: unknown): string | null {
    const v = this.view(d, scope, askerId, pre);
    const tz = this.deps.timeZone;
    const fmt = (t: number): string => formatTime(t, tz, { now: this.deps.clock.now() });
    return zhChase.chaseProgress({
      reminders: v.reminders,
      people: v.people,
      last: v.lastAt === null ? null : fmt(v.lastAt),
      manual: v.manual.map((m) => `${formatClock(m.at, tz)} ${m.by}`.trim()),
      next: v.nextAt === null ? null : fmt(v.nextAt),
      summary: v.summaryAt === null ? null : fmt(v.summaryAt),
    });
  }
}
