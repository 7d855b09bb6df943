/**
 * The deadline summary: after a directive's deadline (and `summaryAfter`, outside quiet hours), the
 * team leaders and every deputy secretary and counselor whose scope has replies missing or late get a
 * final account privately: progress, who never replied, who replied late. Once per directive.
 */
import { afterQuietHours, type ChasePolicy } from '../../domain/chase.js';
import { scopeOf, type Directive } from '../../domain/directive.js';
import { formatTime } from '../../domain/duration.js';
import type { Person } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { SendItem } from '../../queue/job-queues.js';
import type { ChaseRepo } from '../../store/chase-repo.js';
import { deliveryKey, roundKey } from '../../store/keys.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import { renderFinal } from '../queries/render.js';
import type { Queries } from '../queries/views.js';
import type { ChaseMessages } from './messages.js';
import type { ChaseProgress } from './progress.js';
import { zhChase } from './texts.js';

export interface DeadlineSummaryDeps {
  readonly chase: ChaseRepo;
  readonly queries: Queries;
  readonly progress: ChaseProgress;
  readonly messages: ChaseMessages;
  readonly plan: (planned: readonly PlannedDelivery[]) => SendItem[];
  readonly timeZone: string;
  readonly policy: ChasePolicy;
  /** How long after the deadline it goes out (late replies can be listed). */
  readonly summaryAfterMs: number;
}

/** How late a deadline summary may still go out. */
const SUMMARY_STALE_MS = 24 * 3600_000;
/** Late repliers named in a summary; more are counted. */
const MAX_LATE_NAMES = 30;

export class DeadlineSummary {
  constructor(private readonly deps: DeadlineSummaryDeps) {}

  /** The summary if it is due now; else when it will be (null: none owed). Joins the caller's transaction. */
  due(org: OrgIndex, d: Directive, now: number): { sends: SendItem[]; next: number | null } {
    if (!this.owed(d, now)) return { sends: [], next: null };
    // Not in quiet hours either, when the round runs late.
    const at = Math.max(this.at(d), d.urgent ? now : afterQuietHours(now, this.deps.policy.quietHours, this.deps.timeZone));
    return at <= now ? { sends: this.plan(org, d, now), next: null } : { sends: [], next: at };
  }

  /** A summary more than a day late (Cascade was down, or a directive from before chasing) is not sent. */
  owed(d: Directive, now: number): boolean {
    return d.deadlineAt !== null && now <= this.at(d) + SUMMARY_STALE_MS && !this.deps.chase.hasRound(d.id, roundKey.summary);
  }

  private at(d: Directive): number {
    const t = (d.deadlineAt ?? 0) + this.deps.summaryAfterMs;
    return d.urgent ? t : afterQuietHours(t, this.deps.policy.quietHours, this.deps.timeZone);
  }

  private plan(org: OrgIndex, d: Directive, now: number): SendItem[] {
    if (this.deps.chase.hasRound(d.id, roundKey.summary)) return [];
    const { queries } = this.deps;
    // Read once for hundreds of recipients, before this round's own row exists.
    const snap = queries.snapshot(d, this.deps.progress.snapshot(d));
    const round = this.deps.chase.startRound({ directiveId: d.id, key: roundKey.summary, kind: 'summary', byPersonId: null, at: now });
    if (round === undefined) return [];
    const deadline = formatTime(d.deadlineAt ?? now, this.deps.timeZone, { now });
    const recipients = new Map<number, Person>();
    for (const p of org.withRole('team_leader', null)) recipients.set(p.id, p);
    const colleges = d.collegeIds ?? org.colleges.map((c) => c.id);
    for (const c of colleges) {
      for (const p of org.withRole('deputy_secretary', c)) recipients.set(p.id, p);
      if (d.depth >= 3) for (const k of org.classesOf(c)) for (const p of org.counselorsOf(k.id)) recipients.set(p.id, p);
    }
    const planned: PlannedDelivery[] = [];
    for (const p of recipients.values()) {
      const scope = scopeOf(org, p);
      if (scope.kind === 'none' || !queries.concerns(d, scope)) continue;
      const view = queries.final(d, scope, p, snap);
      const leader = org.hasRole(p, 'team_leader');
      if (!leader && view.pending === 0 && view.late.length === 0) continue;
      const route = this.deps.messages.route(org, p, undefined, false);
      if (!route) continue;
      const final = renderFinal(view, this.deps.timeZone);
      const late = final.late.slice(0, MAX_LATE_NAMES);
      const text = zhChase.chaseSummary({ id: d.id, deadline, progress: final.progress, pending: final.pending, late, lateMore: final.late.length - late.length });
      planned.push({ key: deliveryKey.chaseSummary(d.id, p.id), purpose: 'notice', directiveId: d.id, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
    }
    this.deps.chase.finish(round, 0, planned.length);
    return this.deps.plan(planned);
  }
}
