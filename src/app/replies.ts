/**
 * Counting replies: what a group message means (domain/understanding), which directive it answers,
 * whom it counts for (domain/attribution), 接龙 lists, the review list, and taking a reply back
 * (a platform recall or `刚才回错了`). Everything here is synchronous and runs inside the inbound
 * message's transaction.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { attribute, nameIndexFor, obligationsOf, type Attribution } from '../domain/attribution.js';
import { addedEntries, chainKey, parseChain, type ChainEntry } from '../domain/chain.js';
import type { AckKind, Directive, Obligation } from '../domain/directive.js';
import type { Group, Person, Platform } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import { prepareReply, understandReply, type Understanding } from '../domain/understanding.js';
import type { InboundMessage, RecallEvent } from '../platform/port.js';
import type { SendItem } from '../queue/job-queues.js';
import type { DirectiveRepo, NewAcknowledgement } from '../store/directive-repo.js';
import type { InboundRepo } from '../store/inbound-repo.js';
import type { PendingAck, ReviewKind, ReviewRepo } from '../store/review-repo.js';
import type { Relay } from './relay.js';

export interface ReplyPolicy {
  readonly countAtOrAbove: number;
  readonly reviewAtOrAbove: number;
  readonly ambiguousWithinMs: number;
  readonly retractWindowMs: number;
  readonly repeatWindowMs: number;
}

export interface ReplyDeps {
  readonly org: () => OrgIndex;
  readonly inbound: InboundRepo;
  readonly directives: DirectiveRepo;
  readonly reviews: ReviewRepo;
  readonly relay: Relay;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: ReplyPolicy;
  /** The directive whose post (by a bot, or the issuer's command) is this platform message, or null. */
  readonly directiveOfMessage: (platform: Platform, chatId: string, messageId: string) => number | null;
}

/** A group message from a known group, already stored as inbound `id`. */
export interface GroupReply {
  readonly id: number;
  readonly ev: InboundMessage;
  readonly group: Group;
  /** The sender's bound person; undefined for an account the roster does not know. */
  readonly person: Person | undefined;
}

const NOTHING: SendItem[] = [];

/** The chosen directive and what the reply counts for in it. */
interface Choice {
  readonly d: Directive;
  readonly owed: Obligation[];
}

export class ReplyCounter {
  constructor(private readonly deps: ReplyDeps) {}

  /** Counts a group message that is not a command; returns the step-relay sends it triggers. */
  onGroupMessage(r: GroupReply): SendItem[] {
    const chain = chainOf(r.ev);
    if (chain) return this.onChain(r, chain);
    const quoted = this.quotedDirective(r);
    // Newest first, produced lazily: a group can have many open directives, most replies answer the newest.
    const candidates = new Lazy(quoted ? [quoted][Symbol.iterator]() : this.deps.relay.openIn(r.group.id));
    const u = understandReply(r.ev.text, { replyHint: candidates.at(0)?.replyHint ?? '收到' });
    const detail = detailOf(u);
    if (u.retract) return this.retract(r, u);
    const pinned = quoted ?? this.citedDirective(r.group, u.directiveRef);
    if (u.label !== 'ack' && u.label !== 'done') {
      this.deps.inbound.interpret(r.id, u.label, u.confidence, null, detail);
      if (u.label === 'negative') this.noteNegative(r, u, pinned ? [pinned] : candidates.first(MAX_CANDIDATES));
      return NOTHING;
    }
    const org = this.deps.org();
    const who = attribute(org, r.group, r.person, prepareReply(r.ev.text));
    if (who.kind === 'none') {
      this.deps.inbound.interpret(r.id, 'unknown_sender', u.confidence, null, { ...detail, label: u.label });
      return NOTHING;
    }
    const kinds: AckKind[] = u.label === 'done' ? ['ack', 'done'] : ['ack'];
    const choices = this.choose(org, r, who, kinds, pinned ? new Lazy([pinned][Symbol.iterator]()) : candidates, pinned !== undefined);
    const first = choices[0];
    if (!first) {
      this.deps.inbound.interpret(r.id, u.label, u.confidence, null, detail);
      return NOTHING;
    }
    const late = (d: Directive): boolean => d.deadlineAt !== null && r.ev.at > d.deadlineAt;
    const pendingOf = (c: Choice): PendingAck[] => acksFor(c, kinds, r, late(c.d));
    if (choices.length > 1) {
      this.review(r, 'ambiguous', u, first.d.id, choices.flatMap(pendingOf), null, who);
      this.deps.inbound.interpret(r.id, 'ambiguous', u.confidence, first.d.id, { ...detail, label: u.label, candidates: choices.map((c) => c.d.id) });
      return NOTHING;
    }
    if (u.confidence < this.deps.policy.countAtOrAbove) {
      if (u.confidence >= this.deps.policy.reviewAtOrAbove) this.review(r, 'low_confidence', u, first.d.id, pendingOf(first), null, who);
      this.deps.inbound.interpret(r.id, u.label, u.confidence, first.d.id, { ...detail, counted: false });
      return NOTHING;
    }
    if (who.kind === 'review') {
      this.review(r, 'attribution', u, first.d.id, pendingOf(first), null, who);
      this.deps.inbound.interpret(r.id, u.label, u.confidence, first.d.id, { ...detail, counted: false, reason: who.reason });
      return NOTHING;
    }
    this.count(first, kinds, r, late(first.d), 'reply');
    if (who.kind === 'suggest') this.suggestBinding(r, u, first.d.id, who.student);
    this.deps.inbound.interpret(r.id, u.label, u.confidence, first.d.id, detail);
    return this.afterCount(first, r.person);
  }

  /** A recalled message: what it counted is taken back. */
  onRecall(ev: RecallEvent): void {
    const id = this.deps.inbound.byPlatformMessage(ev.platform, ev.chatId, ev.messageId, ev.userId);
    if (id === null) return;
    const removed = this.withdraw(id, ev.at);
    this.deps.logger.info({ inbound: id, removed }, 'recalled message withdrawn');
  }

  /** Removes what a message counted and closes its review items; the number of acknowledgements removed. */
  withdraw(inboundId: number, at: number): number {
    if (!this.deps.inbound.markWithdrawn(inboundId, at)) return 0;
    const removed = this.deps.directives.withdrawInbound(inboundId).length;
    this.deps.reviews.withdrawFor(inboundId, at);
    return removed;
  }

  /**
   * `刚才回错了`: takes back the sender's latest reply in the group within the window that counted
   * something or is still waiting on the review list (a `好的` nobody has confirmed yet).
   */
  private retract(r: GroupReply, u: Understanding): SendItem[] {
    const since = r.ev.at - this.deps.policy.retractWindowMs;
    const chatId = r.ev.chat.type === 'group' ? r.ev.chat.chatId : '';
    const counted = this.deps.inbound.lastCounted(r.ev.platform, chatId, r.ev.sender.userId, since, r.id);
    const onReview = this.deps.reviews.lastOpenFrom(r.ev.sender.userId, r.group.id, since, r.id);
    const last = counted === null ? onReview : onReview === null ? counted : Math.max(counted, onReview);
    const removed = last === null ? 0 : this.withdraw(last, r.ev.at);
    this.deps.inbound.interpret(r.id, 'retract', u.confidence, null, { ...detailOf(u), withdrew: last, removed });
    return NOTHING;
  }

  /**
   * The directives the reply answers: a pinned one (quoted or cited by number), else the newest open
   * one the sender still owes. A repeat right after a counted reply (收到 then 收到收到) is not an
   * answer to an older directive. Two still-owed directives that reached the group close together
   * make the reply ambiguous: both are returned.
   */
  private choose(org: OrgIndex, r: GroupReply, who: Attribution, kinds: readonly AckKind[], candidates: Lazy<Directive>, pinned: boolean): Choice[] {
    const stillOwed = (c: Choice): boolean =>
      c.owed.some((o) => kinds.some((k) => !this.deps.directives.hasAck(c.d.id, o.level, k, o.subjectId)));
    let chosen: Choice | undefined;
    for (const d of candidates) {
      const owed = obligationsOf(org, d, r.group, r.person, who);
      if (owed.length === 0) continue;
      const c = { d, owed };
      if (chosen === undefined) {
        chosen = c;
        if (pinned) return [c];
        if (!stillOwed(c)) {
          if (r.person && this.isRepeat(r.person, r.group, r.ev.at)) return [c];
          continue;
        }
        // Still owed: is there a second one, released close to it?
        const other = this.closeSecond(org, r, who, kinds, candidates, c, stillOwed);
        return other ? [c, other] : [c];
      }
      if (stillOwed(c)) return [c];
    }
    return chosen ? [chosen] : [];
  }

  private closeSecond(
    org: OrgIndex,
    r: GroupReply,
    who: Attribution,
    kinds: readonly AckKind[],
    candidates: Lazy<Directive>,
    first: Choice,
    stillOwed: (c: Choice) => boolean,
  ): Choice | undefined {
    if (this.deps.policy.ambiguousWithinMs <= 0) return undefined;
    const firstAt = this.deps.directives.releasedAt(first.d.id, r.group.id) ?? first.d.createdAt;
    // Only the newest few: directives released close together are next to each other in the list.
    for (const d of candidates.first(MAX_CANDIDATES)) {
      if (d.id === first.d.id) continue;
      const at = this.deps.directives.releasedAt(d.id, r.group.id) ?? d.createdAt;
      if (Math.abs(firstAt - at) > this.deps.policy.ambiguousWithinMs) continue;
      const owed = obligationsOf(org, d, r.group, r.person, who);
      const c = { d, owed };
      if (owed.length > 0 && stillOwed(c)) return c;
    }
    void kinds;
    return undefined;
  }

  private isRepeat(person: Person, group: Group, at: number): boolean {
    const last = this.deps.directives.lastAckAt(person.id, group.id);
    return last !== null && at - last <= this.deps.policy.repeatWindowMs;
  }

  private count(c: Choice, kinds: readonly AckKind[], r: GroupReply, late: boolean, via: 'reply' | 'chain'): number {
    const acks: NewAcknowledgement[] = acksFor(c, kinds, r, late).map((a) => ({ ...a, inboundId: r.id, at: r.ev.at, via }));
    return this.deps.directives.acknowledge(acks);
  }

  private afterCount(c: Choice, person: Person | undefined): SendItem[] {
    const level = c.owed[0]?.level;
    if (level === undefined || !person) return NOTHING;
    return this.deps.relay.afterAck(c.d, person, level);
  }

  private quotedDirective(r: GroupReply): Directive | undefined {
    const { ev } = r;
    if (ev.chat.type !== 'group') return undefined;
    const id = ev.quoteId ? this.deps.directiveOfMessage(ev.platform, ev.chat.chatId, ev.quoteId) : null;
    // WeChat bots learn no id for what they send (see AdapterCapabilities.sentMessageIds), so a quote
    // of a bot's post is recognised by the post's header in the quoted block WeChat puts above the reply.
    if (id === null) return this.citedDirective(r.group, quotedDirectiveNumber(ev.text));
    const d = this.deps.relay.directive(id);
    return d && this.deps.relay.accepts(d) ? d : undefined;
  }

  /** `#12 收到`: the directive, when it reached this group and still takes replies. */
  private citedDirective(group: Group, ref: number | null): Directive | undefined {
    if (ref === null) return undefined;
    return this.deps.relay.openFor(group.id).find((d) => d.id === ref);
  }

  /** A "didn't get it" from someone who owes a reply goes on the review list, for a person to follow up. */
  private noteNegative(r: GroupReply, u: Understanding, candidates: readonly Directive[]): void {
    const org = this.deps.org();
    const who = attribute(org, r.group, r.person, prepareReply(r.ev.text));
    if (who.kind === 'none' && r.group.level !== 4 && r.group.level !== 3) return;
    const d = candidates.find((x) => obligationsOf(org, x, r.group, r.person, who).length > 0) ?? candidates[0];
    if (!d) return;
    this.review(r, 'negative', u, d.id, [], null, who);
  }

  private suggestBinding(r: GroupReply, u: Understanding, directiveId: number, student: Person): void {
    const org = this.deps.org();
    let suggested: number | null = student.id;
    if (r.group.level === 4) {
      const guardians = org.guardiansOf(student.id);
      const wanted = relationWanted(u.relation);
      const match = wanted ? guardians.filter((g) => wanted.test(g.relation)) : [];
      suggested = (match.length === 1 ? match[0] : guardians.length === 1 ? guardians[0] : undefined)?.guardianId ?? null;
    }
    this.review(r, 'binding', u, directiveId, [], suggested, { kind: 'suggest', student });
  }

  private review(
    r: GroupReply,
    kind: ReviewKind,
    u: Understanding,
    directiveId: number | null,
    pending: readonly PendingAck[],
    suggestedPersonId: number | null,
    who: Attribution,
  ): void {
    const subjects = who.kind === 'students' || who.kind === 'review' ? who.students : who.kind === 'suggest' ? [who.student] : [];
    const classIds = new Set(subjects.map((s) => s.classId));
    const only = subjects.length > 0 && classIds.size === 1 ? subjects[0]?.classId ?? null : null;
    this.deps.reviews.add({
      kind,
      inboundId: r.id,
      groupId: r.group.id,
      collegeId: r.group.collegeId ?? r.person?.collegeId ?? null,
      classId: r.group.classId ?? only ?? (r.person?.kind === 'student' ? r.person.classId : null),
      senderPersonId: r.person?.id ?? null,
      senderName: r.person?.name ?? (r.ev.sender.card || r.ev.sender.nickname || r.ev.sender.userId),
      label: u.label,
      confidence: u.confidence,
      directiveId,
      pending,
      suggestedPersonId,
      createdAt: this.deps.clock.now(),
    });
  }

  // ─── 接龙 ─────────────────────────────────────────────────────────────────────────────────

  /**
   * A 接龙 version: the lines it adds to the previous version in this chat count for whoever they
   * name, as a reply from the sender would. On the first sight of a list the bot cannot tell which
   * lines are the sender's, so only lines naming the sender (or their child) count. A native WeChat
   * 接龙 names each line's author, so those lines count for their authors.
   */
  private onChain(r: GroupReply, chain: ChainVersion): SendItem[] {
    const { ev, group } = r;
    const chatId = ev.chat.type === 'group' ? ev.chat.chatId : '';
    const previous = this.deps.reviews.chain(ev.platform, chatId, chain.key);
    const d =
      (previous?.directiveId != null ? this.deps.relay.directive(previous.directiveId) : undefined) ??
      this.quotedDirective(r) ??
      this.deps.relay.openFor(group.id)[0];
    const added = addedEntries(previous?.lines ?? null, chain.entries);
    this.deps.reviews.saveChain(ev.platform, chatId, chain.key, previous?.directiveId ?? d?.id ?? null, chain.entries.map((e) => e.text), ev.at);
    if (!d || !this.deps.relay.accepts(d)) {
      this.deps.inbound.interpret(r.id, 'chain', null, null, { added: added.length, counted: 0 });
      return NOTHING;
    }
    const org = this.deps.org();
    const firstSight = previous === undefined && !chain.native && chain.entries.length > 1;
    let counted = 0;
    const credited: { index: number; text: string; counted: boolean }[] = [];
    for (const entry of added) {
      const author = chain.native && entry.userId ? org.personByPlatformAccount(ev.platform, entry.userId) : r.person;
      const u = understandReply(entry.text, { replyHint: d.replyHint });
      if (u.label === 'negative' || u.label === 'question') {
        if (u.label === 'negative') this.review(r, 'negative', u, d.id, [], null, attribute(org, group, author, entry.text));
        credited.push({ index: entry.index, text: entry.text, counted: false });
        continue;
      }
      let who = attribute(org, group, author, entry.text);
      const namesSender = who.kind === 'students' || (author?.kind === 'student' && nameIndexFor(org, group).find(entry.text).some((n) => n.students.some((s) => s.id === author.id)));
      if (firstSight && !namesSender) continue;
      if (who.kind === 'self' && !author) who = { kind: 'none' };
      const kinds: AckKind[] = u.label === 'done' ? ['ack', 'done'] : ['ack'];
      const owed = obligationsOf(org, d, group, author, who);
      const line = { ...r, person: author };
      const late = d.deadlineAt !== null && ev.at > d.deadlineAt;
      if (who.kind === 'none' || owed.length === 0) {
        if (who.kind === 'none') this.review(r, 'chain', u, d.id, [], null, who);
        credited.push({ index: entry.index, text: entry.text, counted: false });
        continue;
      }
      if (who.kind === 'review') {
        this.review(line, 'attribution', u, d.id, acksFor({ d, owed }, kinds, line, late), null, who);
        credited.push({ index: entry.index, text: entry.text, counted: false });
        continue;
      }
      counted += this.count({ d, owed }, kinds, line, late, 'chain');
      if (who.kind === 'suggest') this.suggestBinding(line, u, d.id, who.student);
      credited.push({ index: entry.index, text: entry.text, counted: true });
    }
    this.deps.inbound.interpret(r.id, 'chain', null, d.id, { added: added.length, counted, lines: credited });
    return NOTHING;
  }
}

/** How many of a group's open directives, newest first, a reply is compared with for ambiguity. */
const MAX_CANDIDATES = 10;

/** A list taken from an iterator only as far as it is read. */
class Lazy<T> implements Iterable<T> {
  private readonly items: T[] = [];
  private done = false;

  constructor(private readonly source: Iterator<T>) {}

  at(i: number): T | undefined {
    while (!this.done && this.items.length <= i) {
      const next = this.source.next();
      if (next.done) this.done = true;
      else this.items.push(next.value);
    }
    return this.items[i];
  }

  first(n: number): T[] {
    this.at(n - 1);
    return this.items.slice(0, n);
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; ; i++) {
      const v = this.at(i);
      if (v === undefined) return;
      yield v;
    }
  }
}

interface ChainVersion {
  readonly key: string;
  readonly entries: readonly (ChainEntry & { readonly userId?: string })[];
  readonly native: boolean;
}

function chainOf(ev: InboundMessage): ChainVersion | null {
  if (ev.solitaire) return { key: chainKey(ev.solitaire.title), entries: ev.solitaire.entries, native: true };
  if (!ev.text.includes('接龙')) return null;
  const parsed = parseChain(ev.text);
  return parsed && parsed.entries.length > 0 ? { key: chainKey(parsed.header), entries: parsed.entries, native: false } : null;
}

/** WeChat's quote-reply: `「name：quoted text」`, a line of dashes, then the reply. */
const WECHAT_QUOTE_BLOCK = /^\s*「([\s\S]*)」\s*\n\s*(?:-\s*){5,}\n/u;
/** The header of a directive post (locale/zh-CN.ts directiveHeader), as it appears in a quote. */
const DIRECTIVE_POST_HEADER = /【通知\s*第\s*(\d{1,7})\s*号】/u;

/** The directive number of a bot's post quoted in a WeChat quote-reply, or null. */
function quotedDirectiveNumber(text: string): number | null {
  const quoted = WECHAT_QUOTE_BLOCK.exec(text)?.[1];
  const n = quoted === undefined ? undefined : DIRECTIVE_POST_HEADER.exec(quoted)?.[1];
  return n === undefined ? null : Number(n);
}

function acksFor(c: Choice, kinds: readonly AckKind[], r: GroupReply, late: boolean): PendingAck[] {
  const out: PendingAck[] = [];
  for (const o of c.owed) {
    for (const kind of kinds) {
      out.push({
        directiveId: c.d.id,
        level: o.level,
        kind,
        subjectId: o.subjectId,
        byPersonId: r.person?.id ?? null,
        collegeId: o.collegeId,
        classId: o.classId,
        groupId: r.group.id,
        late,
      });
    }
  }
  return out;
}

/** What else the stored record keeps about a reply, so `/进度` numbers can be explained. */
function detailOf(u: Understanding): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (u.names.length > 0) d['names'] = u.names;
  if (u.relation) d['relation'] = u.relation;
  if (u.figures.length > 0) d['figures'] = u.figures;
  if (u.directiveRef !== null) d['directiveRef'] = u.directiveRef;
  if (u.retract) d['retract'] = true;
  return d;
}

function relationWanted(relation: string | null): RegExp | null {
  if (!relation) return null;
  if (/妈|母/u.test(relation)) return /母|妈/u;
  if (/爸|父/u.test(relation)) return /父|爸/u;
  if (/奶奶|爷爷|外婆|外公|姥/u.test(relation)) return new RegExp(relation.slice(0, 1), 'u');
  return null;
}
