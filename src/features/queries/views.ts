/**
 * What `/未回复` and `/进度` know, as data: who owes a reply to one directive within a scope, tallied
 * by level, college and class. The same views feed the chat answers (render.ts), the deadline
 * summary, exports and the console; nothing here is Chinese text.
 */
import type { Directive, Obligation, ObligationLevel, Scope } from '../../domain/directive.js';
import { directiveLevels, obligations, scopeCovers, targetCollegeIds } from '../../domain/directive.js';
import type { Group, Person } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { scopedObligations, statusOf, tallyBy, tallyByLevel, type AckFact, type ObligationStatus, type Tally } from '../../domain/progress.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { isBindingRequest } from '../../store/review-repo.js';
import type { ReviewItem, ReviewRepo } from '../../store/review-repo.js';

export interface QueryDeps {
  readonly org: () => OrgIndex;
  readonly directives: DirectiveRepo;
  readonly now: () => number;
  /** Open review items, to say how many replies wait for a person (absent in some tools). */
  readonly reviews?: Pick<ReviewRepo, 'openForDirective'>;
  /** Lines other features add to `/进度` (chasing), rendered by them; `pre` is what a snapshot read for them once. */
  readonly sections?: (d: Directive, scope: Scope, askerId: number, pre?: unknown) => readonly string[];
}

/**
 * Only the obligations answered in one group: a question asked in a class group is about that class's
 * students, one in a parents group about that college's families.
 */
export type Focus =
  | { readonly level: 3; readonly classId: number; readonly groupId: number }
  | { readonly level: 4; readonly collegeId: number; readonly groupId: number };

/** The focus of a question asked in a group: class and parents groups answer for themselves only. */
export function focusOf(group: Group | undefined): Focus | undefined {
  if (group?.level === 3 && group.classId !== null) return { level: 3, classId: group.classId, groupId: group.id };
  if (group?.level === 4 && group.collegeId !== null) return { level: 4, collegeId: group.collegeId, groupId: group.id };
  return undefined;
}

/** Whether a scope covers the group a focus is about. */
export function scopeCoversFocus(scope: Scope, focus: Focus, org: OrgIndex): boolean {
  if (focus.level === 3) return scopeCovers(scope, { collegeId: org.classUnit(focus.classId)?.collegeId ?? null, classId: focus.classId });
  return scope.kind === 'school' || (scope.kind !== 'none' && scope.collegeIds.includes(focus.collegeId));
}

/** Whether an obligation is about the focus's group (all are, without a focus). */
export function inFocus(focus: Focus | undefined): (o: Obligation) => boolean {
  if (!focus) return () => true;
  return focus.level === 3 ? (s) => s.level === 3 && s.classId === focus.classId : (s) => s.level === 4 && s.collegeId === focus.collegeId;
}

/**
 * A directive's state read once, to answer for many scopes in a row (the deadline summary goes to
 * hundreds of people): every obligation's status, by college in obligation order.
 */
export interface DirectiveSnapshot {
  readonly directiveId: number;
  readonly byCollege: ReadonlyMap<number, readonly ObligationStatus[]>;
  readonly reviewItems: readonly ReviewItem[] | null;
  /** What the added sections need, read once by whoever made the snapshot. */
  readonly sections?: unknown;
  /** The colleges read, when the snapshot was made for a scope narrower than the school; absent: every college. */
  readonly colleges?: ReadonlySet<number>;
}

/** One level's tally. */
export interface LevelTally {
  readonly level: ObligationLevel;
  readonly tally: Tally;
}

/** A college's or class's tally by level. */
export interface UnitTally {
  readonly name: string;
  readonly levels: readonly LevelTally[];
  /** Replies still owed in groups that have the directive. */
  readonly pending: number;
}

/** Deputy secretaries (L1) or counselors (L2) who owe a reply: they may be named in their groups. */
export interface StaffPending {
  readonly level: 1 | 2;
  /** `college` is set where the scope spans colleges. */
  readonly people: readonly { readonly name: string; readonly college: string | null }[];
}

/** Students and families who owe a reply, by class: sent privately only. */
export interface NameList {
  readonly directiveId: number;
  readonly classes: readonly {
    readonly name: string;
    readonly students: readonly string[];
    readonly parents: readonly string[];
    /** Counted only because an unverified account answered by name: students (L3) and families (L4). */
    readonly provisionalStudents: readonly string[];
    readonly provisionalParents: readonly string[];
  }[];
}

/** Replies that wait for a person (`/待确认`), in the scope. */
export interface ReviewCount {
  readonly waiting: number;
  readonly negatives: number;
  /** Replies counted for someone by the name an unbound account gave: provisional until a person confirms. */
  readonly unverified: number;
}

export interface PendingView {
  readonly directiveId: number;
  /** When it was read. */
  readonly at: number;
  /** Everyone who has the directive replied. */
  readonly allReplied: boolean;
  /** People whose group has not received it yet (step-by-step relay). */
  readonly notReleased: number;
  readonly staff: readonly StaffPending[];
  /** By college, most replies owed first (school-wide or several colleges); null otherwise. */
  readonly colleges: readonly UnitTally[] | null;
  /** By class, those with replies owed (one college or less), when students or families owe. */
  readonly classes: readonly UnitTally[] | null;
  /** The names (private part only). */
  readonly names: NameList | null;
  readonly review: ReviewCount | null;
}

export interface ProgressView {
  readonly directiveId: number;
  readonly at: number;
  readonly deadline: { readonly at: number; readonly past: boolean } | null;
  readonly completion: boolean;
  readonly step: boolean;
  readonly levels: readonly LevelTally[];
  /** An extra-group directive (`至=干部群`): its groups' names, the heading its replies are counted under. */
  readonly heading?: string;
  readonly notReleased: number;
  /** Owed in groups the roster lacks. */
  readonly noGroup: number;
  readonly review: ReviewCount | null;
  /** Lines added by other features (chasing). */
  readonly sections: readonly string[];
  /** Per college (when the scope spans colleges) or per class. */
  readonly breakdown: { readonly byCollege: boolean; readonly units: readonly UnitTally[] } | null;
}

/** The deadline summary of a scope: progress, who never replied (names included), who replied late. */
export interface FinalView {
  readonly progress: ProgressView;
  readonly staff: readonly StaffPending[];
  readonly names: NameList | null;
  /** Replies never given. */
  readonly pending: number;
  readonly late: readonly { readonly name: string; readonly level: ObligationLevel }[];
}

/** Narrows a scope by a filter naming a college or class; null when the filter matches nothing in scope. */
export function narrowScope(org: OrgIndex, scope: Scope, filter: string | null): Scope | null {
  if (!filter) return scope;
  // Exact names first; a unique prefix of a college or class name is taken too (`计算机` → 计算机学院).
  const exactCollege = org.collegeNamed(filter);
  const exactClass = org.classNamed(filter);
  const college = exactCollege ?? (exactClass ? undefined : org.findCollege(filter).match);
  const klass = exactClass ?? (college ? undefined : org.findClass(filter).match);
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

/** A student or family counted only because an unverified account answered by name. */
function isProvisional(s: ObligationStatus): boolean {
  return s.state === 'acknowledged' && s.provisional && s.level >= 3;
}

function spansColleges(scope: Scope): boolean {
  return scope.kind === 'school' || (scope.kind === 'colleges' && scope.collegeIds.length > 1);
}

function levelTallies(d: Directive, levels: ReadonlyMap<ObligationLevel, Tally>): LevelTally[] {
  return directiveLevels(d).flatMap((level) => {
    const tally = levels.get(level);
    return tally ? [{ level, tally }] : [];
  });
}

function sumPending(levels: ReadonlyMap<ObligationLevel, Tally>): number {
  let n = 0;
  for (const t of levels.values()) n += t.pending;
  return n;
}

/** Reads who owes what for one directive within a scope. */
export class Queries {
  constructor(private readonly deps: QueryDeps) {}

  /**
   * Reads the directive's state once; see DirectiveSnapshot. With a scope, only the colleges it covers are read
   * (a counselor's page on the largest campus need not read 80 colleges); such a snapshot serves that scope.
   */
  snapshot(d: Directive, sections?: unknown, scope?: Scope): DirectiveSnapshot {
    const org = this.deps.org();
    const released = new Set(this.deps.directives.releasedGroups(d.id));
    const narrow = scope !== undefined && scope.kind !== 'school' ? new Set(scope.kind === 'none' ? [] : scope.collegeIds) : undefined;
    // College by college, with that college's acknowledgements, as the per-scope path reads them.
    const byCollege = new Map<number, ObligationStatus[]>();
    for (const c of targetCollegeIds(org, d)) {
      if (narrow && !narrow.has(c)) continue;
      byCollege.set(c, statusOf(org, d, obligations(org, d, [c]), this.deps.directives.acksForCollege(d.id, c), released));
    }
    return {
      directiveId: d.id,
      byCollege,
      reviewItems: this.deps.reviews?.openForDirective(d.id) ?? null,
      ...(sections === undefined ? {} : { sections }),
      ...(narrow ? { colleges: narrow } : {}),
    };
  }

  private statuses(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot, focus?: Focus): ObligationStatus[] {
    const keep = inFocus(focus);
    if (snap && snap.directiveId === d.id && snapshotCovers(snap, scope)) return fromSnapshot(snap, scope, asker.id).filter(keep);
    const org = this.deps.org();
    const list = scopedObligations(org, d, scope, asker.id).filter(keep);
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

  /** `/未回复`: who still owes a reply, counted by college or class, with names for the asker only. */
  pending(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot, focus?: Focus): PendingView {
    const org = this.deps.org();
    const statuses = this.statuses(d, scope, asker, snap, focus);
    const open = statuses.filter((s) => s.state === 'pending');
    const base = { directiveId: d.id, at: this.deps.now(), review: this.review(d, scope, snap, focus) };
    if (open.length === 0) {
      const notReleased = statuses.filter((s) => s.state === 'not_released').length;
      return { ...base, allReplied: true, notReleased, staff: [], colleges: null, classes: null, names: null };
    }
    const families = open.filter((s) => s.level >= 3);
    const provisional = statuses.filter(isProvisional);
    const common = { ...base, allReplied: false, notReleased: 0, staff: this.staff(open, scope) };
    if (spansColleges(scope)) {
      const colleges = [...tallyBy(statuses, (s) => s.collegeId)]
        .map(([collegeId, levels]) => ({ name: org.college(collegeId)?.name ?? '?', levels: levelTallies(d, levels), pending: sumPending(levels) }))
        .sort((a, b) => b.pending - a.pending);
      return { ...common, colleges, classes: null, names: null };
    }
    const classes =
      families.length === 0
        ? null
        : [...tallyBy(statuses, (s) => s.classId)]
            .filter(([, levels]) => sumPending(levels) > 0)
            .map(([classId, levels]) => ({ name: org.classUnit(classId)?.name ?? '?', levels: levelTallies(d, levels), pending: sumPending(levels) }));
    return { ...common, colleges: null, classes, names: families.length > 0 ? this.names(d, families, provisional) : null };
  }

  /** `/进度`: acknowledged out of required per level, and per college or class. */
  progress(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot, focus?: Focus): ProgressView {
    const org = this.deps.org();
    const statuses = this.statuses(d, scope, asker, snap, focus);
    const now = this.deps.now();
    const byCollege = spansColleges(scope);
    const breakdown = byCollege ? tallyBy(statuses, (s) => s.collegeId) : tallyBy(statuses, (s) => s.classId);
    const units = [...breakdown].map(([id, levels]) => ({
      name: (byCollege ? org.college(id)?.name : org.classUnit(id)?.name) ?? '?',
      levels: levelTallies(d, levels),
      pending: sumPending(levels),
    }));
    return {
      directiveId: d.id,
      at: now,
      deadline: d.deadlineAt === null ? null : { at: d.deadlineAt, past: now > d.deadlineAt },
      completion: d.requireCompletion,
      step: d.mode === 'step',
      levels: levelTallies(d, tallyByLevel(statuses)),
      ...(d.extraGroups ? { heading: d.extraGroups.map((x) => org.group(x.groupId)?.name ?? '?').join('、') } : {}),
      notReleased: statuses.filter((s) => s.state === 'not_released').length,
      noGroup: statuses.filter((s) => s.state === 'no_group').length,
      review: this.review(d, scope, snap, focus),
      // In a class or parents group, only what concerns that group: no lines about other groups' reminders.
      sections: focus ? [] : (this.deps.sections?.(d, scope, asker.id, snap?.sections) ?? []),
      breakdown: units.length > 1 || (units.length === 1 && !byCollege) ? { byCollege, units } : null,
    };
  }

  /** The deadline summary of a scope. */
  final(d: Directive, scope: Scope, asker: Person, snap?: DirectiveSnapshot): FinalView {
    const org = this.deps.org();
    const statuses = this.statuses(d, scope, asker, snap);
    const open = statuses.filter((s) => s.state === 'pending');
    const families = open.filter((s) => s.level >= 3);
    const provisional = statuses.filter(isProvisional);
    // Names of students and families for one college or fewer; the school sees them per college in the progress.
    const narrow = scope.kind === 'classes' || (scope.kind === 'colleges' && scope.collegeIds.length === 1);
    return {
      progress: this.progress(d, scope, asker, snap),
      staff: this.staff(open, scope),
      names: narrow && families.length + provisional.length > 0 ? this.names(d, families, provisional) : null,
      pending: open.length,
      late: statuses.filter((s) => s.late).map((s) => ({ name: org.person(s.subjectId)?.name ?? '?', level: s.level })),
    };
  }

  /** Per-level totals for the whole directive (drill reports, the sandbox). */
  totals(d: Directive): Map<ObligationLevel, Tally> {
    const org = this.deps.org();
    const acks = this.deps.directives.acks(d.id);
    const list = scopedObligations(org, d, { kind: 'colleges', collegeIds: targetCollegeIds(org, d) }, 0);
    const released = new Set(this.deps.directives.releasedGroups(d.id));
    return tallyByLevel(statusOf(org, d, list, acks, released));
  }

  /** Replies not counted until a person decides, and "didn't get it" reports, in the asker's scope. */
  private review(d: Directive, scope: Scope, snap?: DirectiveSnapshot, focus?: Focus): ReviewCount | null {
    const all = snap && snap.directiveId === d.id ? snap.reviewItems : (this.deps.reviews?.openForDirective(d.id) ?? null);
    const items = all?.filter((i) => scopeCovers(scope, i) && (!focus || i.groupId === focus.groupId)) ?? [];
    // Binding suggestions are counted already (an unbound account answered by name: provisional, shown apart)
    // and unmatched 接龙 lines never will be.
    const negatives = items.filter((i) => i.kind === 'negative').length;
    const waiting = items.filter((i) => i.kind === 'low_confidence' || i.kind === 'ambiguous' || i.kind === 'attribution' || i.kind === 'impersonation').length;
    const unverified = items.filter((i) => i.kind === 'binding' && !isBindingRequest(i.label)).length;
    return negatives + waiting + unverified === 0 ? null : { waiting, negatives, unverified };
  }

  private names(d: Directive, families: readonly ObligationStatus[], provisional: readonly ObligationStatus[] = []): NameList {
    const org = this.deps.org();
    type Entry = { students: string[]; parents: string[]; provisionalStudents: string[]; provisionalParents: string[] };
    const byClass = new Map<number, Entry>();
    const entryOf = (classId: number): Entry => {
      let e = byClass.get(classId);
      if (!e) byClass.set(classId, (e = { students: [], parents: [], provisionalStudents: [], provisionalParents: [] }));
      return e;
    };
    for (const s of families) {
      if (s.classId === null) continue;
      const entry = entryOf(s.classId);
      (s.level === 3 ? entry.students : entry.parents).push(org.person(s.subjectId)?.name ?? '?');
    }
    for (const s of provisional) {
      if (s.classId === null) continue;
      const entry = entryOf(s.classId);
      (s.level === 3 ? entry.provisionalStudents : entry.provisionalParents).push(org.person(s.subjectId)?.name ?? '?');
    }
    return { directiveId: d.id, classes: [...byClass].map(([classId, e]) => ({ name: org.classUnit(classId)?.name ?? '?', ...e })) };
  }

  /** Deputy secretaries and counselors who owe a reply, by name (they may be named in their groups). */
  private staff(open: readonly ObligationStatus[], scope: Scope): StaffPending[] {
    const org = this.deps.org();
    const withCollege = spansColleges(scope);
    const out: StaffPending[] = [];
    for (const level of [1, 2] as const) {
      const people = open
        .filter((s) => s.level === level)
        .map((s) => ({ name: org.person(s.subjectId)?.name ?? '?', college: withCollege ? (org.college(s.collegeId)?.name ?? '?') : null }));
      if (people.length > 0) out.push({ level, people });
    }
    return out;
  }
}

/** A scope's statuses out of a snapshot, in the order scopedObligations gives them. */
/** Whether a snapshot read every college the scope covers. */
function snapshotCovers(snap: DirectiveSnapshot, scope: Scope): boolean {
  const read = snap.colleges;
  if (read === undefined || scope.kind === 'none') return true;
  if (scope.kind === 'school') return false;
  return scope.collegeIds.every((c) => read.has(c));
}

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
