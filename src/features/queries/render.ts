/**
 * The views of `/未回复`, `/进度` and the deadline summary as chat text: a part fit for the group, and
 * the names for the asker only. The wording is in texts.ts.
 */
import type { Answer } from '../../app/feature.js';
import { formatTime } from '../../domain/duration.js';
import type { FinalView, LevelTally, NameList, PendingView, ProgressView, ReviewCount, StaffPending } from './views.js';
import { zhQuery } from './texts.js';

function describePending(levels: readonly LevelTally[]): string {
  return levels
    .filter(({ tally }) => tally.pending + tally.notReleased > 0)
    .map(({ level, tally }) => zhQuery.levelPending(level, tally))
    .join('，');
}

function reviewLine(review: ReviewCount | null): string[] {
  return review ? [zhQuery.reviewLine(review.waiting, review.negatives, review.unverified)] : [];
}

function staffLines(staff: readonly StaffPending[]): string[] {
  return staff.map((s) => zhQuery.staffPending(s.level, s.people.map((p) => (p.college === null ? p.name : zhQuery.staffWithCollege(p.name, p.college)))));
}

function nameList(names: NameList): string {
  const out = [zhQuery.nameListTitle(names.directiveId)];
  for (const k of names.classes) {
    out.push(zhQuery.nameListClass(k.name));
    if (k.students.length > 0) out.push(zhQuery.studentsPending(k.students));
    if (k.parents.length > 0) out.push(zhQuery.parentsPending(k.parents));
    if (k.provisionalStudents.length > 0) out.push(zhQuery.provisionalNames(3, k.provisionalStudents));
    if (k.provisionalParents.length > 0) out.push(zhQuery.provisionalNames(4, k.provisionalParents));
  }
  return out.join('\n');
}

export function renderPending(v: PendingView, timeZone: string): Answer {
  const lines = [zhQuery.title(v.directiveId, 'pending', formatTime(v.at, timeZone))];
  if (v.allReplied) {
    lines.push(zhQuery.allReplied(v.notReleased), ...reviewLine(v.review));
    return { public: lines.join('\n'), private: null };
  }
  // Staff who owe a reply (L1 deputy secretaries, L2 counselors) may be named in the group.
  lines.push(...staffLines(v.staff));
  if (v.colleges) {
    lines.push(zhQuery.collegesHeader);
    v.colleges.filter((c) => c.pending > 0).forEach((c, i) => lines.push(zhQuery.collegeLine(i + 1, c.name, describePending(c.levels))));
    lines.push(zhQuery.collegeDetailHint(v.directiveId));
  } else if (v.classes) {
    lines.push(zhQuery.classesHeader, ...v.classes.map((c) => zhQuery.unitLine(c.name, describePending(c.levels))));
  }
  if (v.names) lines.push(zhQuery.namesOnlyPrivately);
  lines.push(...reviewLine(v.review));
  return { public: lines.join('\n'), private: v.names ? nameList(v.names) : null };
}

export function renderProgress(v: ProgressView, timeZone: string): Answer {
  const lines = [zhQuery.title(v.directiveId, 'progress', formatTime(v.at, timeZone))];
  if (v.deadline) lines.push(zhQuery.deadline(formatTime(v.deadline.at, timeZone, { now: v.at }), v.deadline.past));
  for (const { level, tally } of v.levels) lines.push(zhQuery.levelLine(level, tally, v.completion, v.heading));
  if (v.step && v.notReleased > 0) lines.push(zhQuery.stepping(v.notReleased));
  if (v.noGroup > 0) lines.push(zhQuery.noGroup(v.noGroup));
  lines.push(...reviewLine(v.review), ...v.sections);
  if (v.breakdown) {
    lines.push(zhQuery.breakdownHeader(v.breakdown.byCollege));
    for (const u of v.breakdown.units) lines.push(zhQuery.unitLine(u.name, u.levels.map(({ level, tally }) => zhQuery.breakdownPart(level, tally)).join('，')));
  }
  return { public: lines.join('\n'), private: null };
}

/** The deadline summary's parts: progress, who never replied (names: it is sent privately), who replied late. */
export function renderFinal(v: FinalView, timeZone: string): { progress: string; pending: string; late: string[] } {
  const pending = [...staffLines(v.staff), ...(v.names ? [nameList(v.names)] : [])];
  return {
    progress: renderProgress(v.progress, timeZone).public,
    pending: pending.join('\n'),
    late: v.late.map((l) => zhQuery.lateName(l.name, l.level)),
  };
}
