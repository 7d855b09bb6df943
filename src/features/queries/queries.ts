import type { Answer } from '../../app/feature.js';
import type { Directive, ObligationLevel, Scope } from '../../domain/directive.js';
import { directiveLevels, obligations, scopeCovers, targetCollegeIds } from '../../domain/directive.js';
import { formatTime } from '../../domain/duration.js';
import type { Person } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import {
  emptyTally,
  scopedObligations,
  statusOf,
  tallyBy,
  tallyByLevel,
  type AckFact,
  type ObligationStatus,
  type Tally,
} from '../../domain/progress.js';
import { zhQuery } from './texts.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import type { ReviewItem, ReviewRepo } from '../../store/review-repo.js';


export interface QueryDeps {
  readonly org: () => OrgIndex;
  readonly directives: DirectiveRepo;
  readonly timeZone: string;
  readonly now: () => number;
  /** Open review items, to say how many replies wait for a person (absent in some tools). */
  readonly reviews?: Pick<ReviewRepo, 'openForDirective'>;
  /** The chasing line of `/进度` (absent in some tools); `pre` is what a snapshot read for it once. */
  readonly chaseLine?: (d: Directive, scope: Scope, askerId: number, pre?: unknown) => string | null;
}

/**
 * A directive's state read once, to answer for many scopes in a row (the deadline summary goes to
 * hundreds of people): every obligation's status, by college in obligation order.
 */
export interface DirectiveSnapshot {
  readonly directiveId: number;
  readonly byCollege: ReadonlyMap<number, readonly ObligationStatus[]>;
  readonly reviewItems: readonly ReviewItem[] | null;
  /** What the chase line needs, read once by whoever made the snapshot. */
  readonly chase?: unknown;
}

/** Narrows a scope by a filter naming a college or class; null when the filter matches nothing in scope. */
export function narrowScope(org: OrgIndex, scope: Scope, filter: string | null): Scope | null {
  if (!filter) return scope;
  const college = org.collegeNamed(filter);
  const klass = org.classNamed(filter);
  if (college) {
    if (scope.kind === 'school' || (scope.kind === 'colleges' && scope.collegeIds.includes(college.id))) {
      return { kind: 'colleges', collegeIds: [college.id] };
    }
    return null;
  }
  if (klass) {
    const allowed =
      scope.kind === 'school' ||
      (scope.kind === 'colleges' && scope.collegeIds.includes(klass.collegeId)) ||
      (scope.kind === 'classes' && scope.classIds.includes(klass.id));
    return allowed ? { kind: 'classes', classIds: [klass.id], collegeIds: [klass.collegeId] } : null;
  }
  return null;
}

/** Answers /未回复 and /进度 for one directive within the asker's scope. */
export class Queries {
  constructor(private readonly deps: QueryDeps) {}

  /** Reads the directive's state once; see DirectiveSnapshot. */
  snapshot(d: Directive, chase?: unknown): DirectiveSnapshot {
    const org = this.deps.org();
    const released = new Set(this.deps.directives.releasedGroups(d.id));
    // College by college, with that college's acknowledgements, as the per-scope path reads them.
    const byCollege = new Map<number, ObligationStatus[]>();
    for (const c of targetCollegeIds(org, d)) {
      byCollege.set(c, statusOf(org, d, obligations(org, d, [c]), this.deps.directives.acksForCollege(d.id, c), released));
    }
    return { directiveId: d.id, byCollege, reviewItems: this.deps.reviews?.openForDirective(d.id) ?? null, ...(chase === undefined ? {} : { chase }) };
  }

  private statuses(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot): ObligationStatus[] {
    if (snap && snap.directiveId === d.id) return fromSnapshot(snap, scope, asker.id);
    const org = this.deps.org();
    const list = scopedObligations(org, d, scope, asker.id);
    const colleges = new Set(list.map((o) => o.collegeId));
    const acks: AckFact[] = [];
    for (const c of colleges) acks.push(...this.deps.directives.acksForCollege(d.id, c));
    const released = new Set(this.deps.directives.releasedGroups(d.id));
    return statusOf(org, d, list, acks, released);
  }

  /** Whether a directive reaches anyone in the scope (a college it skipped has nothing to report). */
  concerns(d: Directive, scope: Scope): boolean {
    if (scope.kind === 'none') return false;
    if (scope.kind === 'school') return true;
    const targets = new Set(targetCollegeIds(this.deps.org(), d));
    return scope.collegeIds.some((c) => targets.has(c));
  }

  private title(d: Directive, what: 'pending' | 'progress'): string {
    return zhQuery.title(d.id, what, formatTime(this.deps.now(), this.deps.timeZone));
  }

  pending(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot): Answer {
    const org = this.deps.org();
    const statuses = this.statuses(d, scope, asker, snap);
    const open = statuses.filter((s) => s.state === 'pending');
    const lines = [this.title(d, 'pending')];
    if (open.length === 0) {
      const waiting = statuses.filter((s) => s.state === 'not_released').length;
      lines.push(zhQuery.allReplied(waiting));
      const review = this.reviewLine(d, scope, snap);
      if (review) lines.push(review);
      return { public: lines.join('\n'), private: null };
    }
    // Staff who owe a reply (L1 deputy secretaries, L2 counselors) may be named in the group.
    lines.push(...this.staffLines(open, scope));
    const families = open.filter((s) => s.level >= 3);
    let details: string | null = null;
    if (scope.kind === 'school' || (scope.kind === 'colleges' && scope.collegeIds.length > 1)) {
      const byCollege = [...tallyBy(statuses, (s) => s.collegeId)].map(([collegeId, levels]) => ({
        name: org.college(collegeId)?.name ?? '?',
        levels,
        pending: sumPending(levels),
      }));
      byCollege.sort((a, b) => b.pending - a.pending);
      lines.push(zhQuery.collegesHeader);
      byCollege
        .filter((c) => c.pending > 0)
        .forEach((c, i) => lines.push(zhQuery.collegeLine(i + 1, c.name, describePending(c.levels, d))));
      lines.push(zhQuery.collegeDetailHint(d.id));
    } else {
      const byClass = tallyBy(statuses, (s) => s.classId);
      if (byClass.size > 0 && families.length > 0) {
        lines.push(zhQuery.classesHeader);
        for (const [classId, levels] of byClass) {
          if (sumPending(levels) === 0) continue;
          lines.push(zhQuery.unitLine(org.classUnit(classId)?.name ?? '?', describePending(levels, d)));
        }
      }
      if (families.length > 0) {
        details = this.nameList(d, families);
        lines.push(zhQuery.namesOnlyPrivately);
      }
    }
    const review = this.reviewLine(d, scope, snap);
    if (review) lines.push(review);
    return { public: lines.join('\n'), private: details };
  }

  /** Replies not counted until a person decides, and "didn't get it" reports, in the asker's scope. */
  private reviewLine(d: Directive, scope: Scope, snap?: DirectiveSnapshot): string | null {
    const all = snap && snap.directiveId === d.id ? snap.reviewItems : (this.deps.reviews?.openForDirective(d.id) ?? null);
    const items = all?.filter((i) => scopeCovers(scope, i)) ?? [];
    if (items.length === 0) return null;
    // Binding suggestions are counted already and unmatched 接龙 lines never will be: neither waits.
    const negatives = items.filter((i) => i.kind === 'negative').length;
    const waiting = items.filter((i) => i.kind === 'low_confidence' || i.kind === 'ambiguous' || i.kind === 'attribution').length;
    if (negatives + waiting === 0) return null;
    return zhQuery.reviewLine(waiting, negatives);
  }

  private nameList(d: Directive, families: readonly ObligationStatus[]): string {
    const org = this.deps.org();
    const out = [zhQuery.nameListTitle(d.id)];
    const byClass = new Map<number, { students: string[]; parents: string[] }>();
    for (const s of families) {
      if (s.classId === null) continue;
      const entry = byClass.get(s.classId) ?? { students: [], parents: [] };
      const name = org.person(s.subjectId)?.name ?? '?';
      (s.level === 3 ? entry.students : entry.parents).push(name);
      byClass.set(s.classId, entry);
    }
    for (const [classId, e] of byClass) {
      out.push(zhQuery.nameListClass(org.classUnit(classId)?.name ?? '?'));
      if (e.students.length > 0) out.push(zhQuery.studentsPending(e.students));
      if (e.parents.length > 0) out.push(zhQuery.parentsPending(e.parents));
    }
    return out.join('\n');
  }

  progress(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot): Answer {
    const org = this.deps.org();
    const statuses = this.statuses(d, scope, asker, snap);
    const byLevel = tallyByLevel(statuses);
    const lines = [this.title(d, 'progress')];
    if (d.deadlineAt !== null) lines.push(zhQuery.deadline(formatTime(d.deadlineAt, this.deps.timeZone), this.deps.now() > d.deadlineAt));
    for (const level of directiveLevels(d)) {
      const t = byLevel.get(level);
      if (!t) continue;
      lines.push(zhQuery.levelLine(level, t, d.requireCompletion));
    }
    const notReleased = statuses.filter((s) => s.state === 'not_released').length;
    if (d.mode === 'step' && notReleased > 0) lines.push(zhQuery.stepping(notReleased));
    const noGroup = statuses.filter((s) => s.state === 'no_group').length;
    if (noGroup > 0) lines.push(zhQuery.noGroup(noGroup));
    const review = this.reviewLine(d, scope, snap);
    if (review) lines.push(review);
    const chase = this.deps.chaseLine?.(d, scope, asker.id, snap?.chase);
    if (chase) lines.push(chase);
    const breakdown =
      scope.kind === 'school' || (scope.kind === 'colleges' && scope.collegeIds.length > 1)
        ? tallyBy(statuses, (s) => s.collegeId)
        : tallyBy(statuses, (s) => s.classId);
    const isCollege = scope.kind === 'school' || (scope.kind === 'colleges' && scope.collegeIds.length > 1);
    if (breakdown.size > 1 || (breakdown.size === 1 && !isCollege)) {
      lines.push(zhQuery.breakdownHeader(isCollege));
      for (const [id, levels] of breakdown) {
        const name = isCollege ? org.college(id)?.name : org.classUnit(id)?.name;
        const parts = directiveLevels(d)
          .filter((l) => levels.has(l))
          .map((l) => zhQuery.breakdownPart(l, levels.get(l) ?? emptyTally()));
        lines.push(zhQuery.unitLine(name ?? '?', parts.join('，')));
      }
    }
    return { public: lines.join('\n'), private: null };
  }

  /**
   * The deadline summary of a scope: progress, who never replied (names included: it is sent
   * privately) and who replied after the deadline.
   */
  final(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot): { progress: string; pendingText: string; pending: number; late: string[] } {
    const org = this.deps.org();
    const statuses = this.statuses(d, scope, asker, snap);
    const open = statuses.filter((s) => s.state === 'pending');
    const lines = this.staffLines(open, scope);
    const families = open.filter((s) => s.level >= 3);
    // Names of students and families for one college or fewer; the school sees them per college in the progress.
    const narrow = scope.kind === 'classes' || (scope.kind === 'colleges' && scope.collegeIds.length === 1);
    if (narrow && families.length > 0) lines.push(this.nameList(d, families));
    const late = statuses
      .filter((s) => s.late)
      .map((s) => {
        const name = org.person(s.subjectId)?.name ?? '?';
        return zhQuery.lateName(name, s.level);
      });
    return { progress: this.progress(d, scope, asker, snap).public, pendingText: lines.join('\n'), pending: open.length, late };
  }

  /** Deputy secretaries and counselors who owe a reply, by name (they may be named in their groups). */
  private staffLines(open: readonly ObligationStatus[], scope: Scope): string[] {
    const org = this.deps.org();
    const lines: string[] = [];
    for (const level of [1, 2] as const) {
      const names = open.filter((s) => s.level === level).map((s) => staffLabel(org, s, scope));
      if (names.length > 0) lines.push(zhQuery.staffPending(level, names));
    }
    return lines;
  }

  /** Per-level totals for the whole directive (drill reports, the sandbox). */
  totals(d: Directive): Map<ObligationLevel, Tally> {
    const org = this.deps.org();
    const acks = this.deps.directives.acks(d.id);
    const list = scopedObligations(org, d, { kind: 'colleges', collegeIds: targetCollegeIds(org, d) }, 0);
    const released = new Set(this.deps.directives.releasedGroups(d.id));
    return tallyByLevel(statusOf(org, d, list, acks, released));
  }
}

function staffLabel(org: OrgIndex, s: ObligationStatus, scope: Scope): string {
  const name = org.person(s.subjectId)?.name ?? '?';
  if (scope.kind === 'school' || (scope.kind === 'colleges' && scope.collegeIds.length > 1)) {
    return zhQuery.staffWithCollege(name, org.college(s.collegeId)?.name ?? '?');
  }
  return name;
}

function sumPending(levels: Map<ObligationLevel, Tally>): number {
  let n = 0;
  for (const t of levels.values()) n += t.pending;
  return n;
}

function describePending(levels: Map<ObligationLevel, Tally>, d: Directive): string {
  const parts: string[] = [];
  for (const level of directiveLevels(d)) {
    const t = levels.get(level);
    if (!t || t.pending + t.notReleased === 0) continue;
    parts.push(zhQuery.levelPending(level, t));
  }
  return parts.join('，');
}

/** A scope's statuses out of a snapshot, in the order scopedObligations gives them. */
function fromSnapshot(snap: DirectiveSnapshot, scope: Scope, askerId: number): ObligationStatus[] {
  switch (scope.kind) {
    case 'school':
      return [...snap.byCollege.values()].flat();
    case 'colleges':
      return scope.collegeIds.flatMap((c) => snap.byCollege.get(c) ?? []);
    case 'classes': {
      const classes = new Set(scope.classIds);
      return scope.collegeIds.flatMap((c) =>
        (snap.byCollege.get(c) ?? []).filter((s) => (s.classId !== null && classes.has(s.classId)) || (s.level === 2 && s.subjectId === askerId)),
      );
    }
    case 'none':
      return [];
  }
}
