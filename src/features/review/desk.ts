/**
 * The review list: `/待确认` shows a counselor or deputy secretary the replies in their scope that
 * Cascade would not count on its own; `/确认 3` and `/忽略 3` settle them. A decision is stored with
 * who made it, and a confirmed item's acknowledgements are counted as if the reply had been clear.
 */
import type { Clock } from '../../clock.js';
import { knownAccounts } from '../../domain/attribution.js';
import { scopeCovers, type Scope } from '../../domain/directive.js';
import { formatTime } from '../../domain/duration.js';
import { maskPhone } from '../../domain/message-text.js';
import { weChatQuote } from '../../domain/understanding.js';
import type { Person } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { zhReview, type ReviewLine } from './texts.js';
import type { SendItem } from '../../queue/job-queues.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { isBindingRequest, UNPROVED_BINDING, type ReviewItem, type ReviewRepo } from '../../store/review-repo.js';
import type { BindingRepo } from '../../store/binding-repo.js';
import type { Relay } from '../directives/relay.js';
import type { ReplyCounter } from '../replies/counter.js';

export interface ReviewDeps {
  readonly org: () => OrgIndex;
  readonly reviews: ReviewRepo;
  readonly directives: DirectiveRepo;
  readonly relay: Relay;
  readonly replies: ReplyCounter;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly bindings: BindingRepo;
}

/** At most this many items in one `/待确认` answer. */
export const REVIEW_LIST_LIMIT = 15;


/** The review list of a scope, as data (the console and exports read it too). */
export interface ReviewView {
  readonly lines: readonly ReviewLine[];
  readonly total: number;
}

export interface SettleResult {
  readonly text: string;
  readonly sends: SendItem[];
  /** Accounts bound by confirmed suggestions: the org changed. */
  readonly bound: number;
}

export class ReviewDesk {
  constructor(private readonly deps: ReviewDeps) {}

  /** Open items the scope may see, oldest first. */
  visible(scope: Scope): ReviewItem[] {
    return this.deps.reviews.open().filter((i) => scopeCovers(scope, i));
  }

  /** The `/待确认` answer, as chat text. */
  list(scope: Scope): string {
    const view = this.view(scope);
    return view.total === 0 ? zhReview.reviewEmpty : zhReview.reviewList(view.lines, view.total);
  }

  /** What `/待确认` shows a scope: the oldest REVIEW_LIST_LIMIT open items (phone numbers masked), and how many are open. */
  view(scope: Scope): ReviewView {
    const items = this.visible(scope);
    const org = this.deps.org();
    const lines: ReviewLine[] = items.slice(0, REVIEW_LIST_LIMIT).map((i) => ({
      id: i.id,
      kind: i.kind,
      group: i.groupId === null ? '' : (org.group(i.groupId)?.name ?? ''),
      sender: maskPhone(i.senderName),
      text: excerpt(i.excerpt ?? replyPart(i.text)),
      at: formatTime(i.at, this.deps.timeZone),
      directiveIds: [...new Set([i.directiveId, ...i.pending.map((p) => p.directiveId)].filter((d): d is number => d !== null))],
      subjects: [...new Set(i.pending.map((p) => org.person(p.subjectId)?.name).filter((n): n is string => n !== undefined))],
      suggested: i.suggestedPersonId === null ? null : (org.person(i.suggestedPersonId)?.name ?? null),
      selfBinding: isBindingRequest(i.label),
      unproved: i.label === UNPROVED_BINDING,
      ...(i.kind === 'impersonation' ? { accounts: this.accountsOf(org, i) } : {}),
      confidence: i.confidence,
    }));
    return { lines, total: items.length };
  }

  /** The two sides of a possible impersonation: the sender's account and the ones the roster or a binding gives. */
  private accountsOf(org: OrgIndex, i: ReviewItem): { sender: string; known: string[] } {
    const group = i.groupId === null ? undefined : org.group(i.groupId);
    const known = new Set<string>();
    for (const subjectId of new Set(i.pending.map((p) => p.subjectId))) {
      const student = org.person(subjectId);
      if (group && student) for (const a of knownAccounts(org, group, student, i.platform)) known.add(maskPhone(a));
    }
    return { sender: maskPhone(i.senderPlatformId), known: [...known] };
  }

  /** `/确认 …` or `/忽略 …`. */
  settle(person: Person, scope: Scope, decision: 'confirm' | 'dismiss', ids: readonly number[], all: boolean, directiveId: number | null): SettleResult {
    // `/确认 3 #12`: only items that concern directive 12 (an item about another directive stays open).
    const concerns = (i: ReviewItem): boolean =>
      directiveId === null || i.directiveId === directiveId || i.pending.some((p) => p.directiveId === directiveId);
    // `全部` settles what `/待确认` shows: the oldest REVIEW_LIST_LIMIT items the asker can see.
    const items = all ? this.visible(scope).filter(concerns).slice(0, REVIEW_LIST_LIMIT) : ids.map((id) => this.deps.reviews.get(id));
    const done: number[] = [];
    const skipped: number[] = [];
    let counted = 0;
    let bound = 0;
    const sends: SendItem[] = [];
    const now = this.deps.clock.now();
    items.forEach((item, n) => {
      if (!item || item.status !== 'open' || !scopeCovers(scope, item) || !concerns(item)) {
        skipped.push(item?.id ?? ids[n] ?? 0);
        return;
      }
      if (!this.deps.reviews.decide(item.id, decision === 'confirm' ? 'confirmed' : 'dismissed', person.id, now)) {
        skipped.push(item.id);
        return;
      }
      done.push(item.id);
      if (decision === 'dismiss') {
        // A binding suggestion turned down: the reply was counted for the wrong student, so it is taken back.
        if (item.kind === 'binding') this.deps.replies.unCount(item.inboundId, item.pending);
        return;
      }
      const r = this.confirm(item, directiveId, person.id);
      counted += r.counted;
      bound += r.bound;
      sends.push(...r.sends);
    });
    return { text: zhReview.reviewSettled({ decision, done, skipped, counted, bound }), sends, bound };
  }

  private confirm(item: ReviewItem, directiveId: number | null, by: number): { counted: number; bound: number; sends: SendItem[] } {
    // Only directives that still take replies: a late decision does not reopen a closed one.
    const pending = (directiveId === null ? item.pending : item.pending.filter((p) => p.directiveId === directiveId)).filter((p) => {
      const d = this.deps.relay.directive(p.directiveId);
      return d !== undefined && this.deps.relay.accepts(d);
    });
    const counted = this.deps.directives.acknowledge(pending.map((p) => ({ ...p, inboundId: item.inboundId, at: item.at, via: 'review' as const })));
    const sends: SendItem[] = [];
    const org = this.deps.org();
    // A deputy secretary's or counselor's reply confirmed: the step relay goes on as it would have.
    const seen = new Set<number>();
    for (const p of pending) {
      if (p.byPersonId === null || seen.has(p.directiveId)) continue;
      const by = org.person(p.byPersonId);
      const d = this.deps.relay.directive(p.directiveId);
      if (!by || !d || by.kind !== 'staff') continue;
      seen.add(p.directiveId);
      sends.push(...this.deps.relay.afterAck(d, by, p.level as 1 | 2 | 3 | 4));
    }
    let bound = 0;
    if (item.kind === 'binding' && item.suggestedPersonId !== null) {
      const now = this.deps.clock.now();
      const personId = item.suggestedPersonId;
      const confirmed = (reason: string | null): void =>
        this.deps.bindings.record({ platform: item.platform, platformUserId: item.senderPlatformId, personId, action: 'confirmed', byPersonId: by, reason, at: now });
      if (isBindingRequest(item.label)) {
        // A `/绑定` held for a conflict: the counselor decides the account is this person's.
        this.deps.bindings.replace(item.platform, item.senderPlatformId, personId, now);
        confirmed(null);
        bound = 1;
      } else if (this.deps.reviews.bind(item.platform, item.senderPlatformId, personId, now)) {
        confirmed('named in a reply');
        bound = 1;
        // Verified by the counselor: what the account counted is no longer provisional.
        this.deps.directives.attributeInbound(item.inboundId, personId);
      }
    }
    return { counted, bound, sends };
  }
}

/** What the sender wrote, without the message a WeChat quote-reply quotes above it. */
function replyPart(text: string): string {
  return weChatQuote(text)?.reply ?? text;
}

/** How much of a message an excerpt is made from (it shows 40 characters). */
const EXCERPT_SOURCE_CHARS = 400;

function excerpt(text: string): string {
  const flat = maskPhone(text.slice(0, EXCERPT_SOURCE_CHARS).replace(/\s+/gu, ' ').trim());
  const chars = [...flat];
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : flat;
}
