/**
 * Counting replies: what a group message means (domain/understanding), which directive it answers,
 * whom it counts for (domain/attribution), 接龙 lists, the review list, and taking a reply back
 * (a platform recall or `刚才回错了`). Everything here is synchronous and runs inside the inbound
 * message's transaction.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { attribute, knownAccounts, nameIndexFor, obligationsOf, type Attribution } from '../../domain/attribution.js';
import { addedEntries, chainKey, parseChain, type ChainEntry } from '../../domain/chain.js';
import { readFields } from '../../domain/collect.js';
import type { AckKind, Directive, Obligation } from '../../domain/directive.js';
import type { Group, Person, Platform } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { prepareReply, understandReply, weChatQuote, type Understanding } from '../../domain/understanding.js';
import type { InboundMessage, RecallEvent } from '../../platform/port.js';
import type { SendItem } from '../../queue/job-queues.js';
import type { DirectiveRepo, NewAcknowledgement, RemovedAck } from '../../store/directive-repo.js';
import type { InboundRepo } from '../../store/inbound-repo.js';
import type { PendingAck, ReviewKind, ReviewRepo } from '../../store/review-repo.js';
import type { Relay } from '../directives/relay.js';

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
  /** The directive whose post (by a bot, or the issuer's command) the message quotes, or null. */
  readonly quotedDirective: (ev: InboundMessage) => number | null;
  /**
   * Whether a person's roster or bound account on the platform can be seen now (always, where ids
   * are stable; after a wechat4u login only once that login has found them again). Default: yes.
   */
  readonly accountSeen?: (platform: Platform, userId: string) => boolean;
  /**
   * A question (or a “没收到”) on the review list as item `itemId`: the people responsible for the group are
   * told privately (issue #15). Returns the sends.
   */
  readonly onQuestion?: (q: { itemId: number; group: Group; directive: Directive; text: string }) => SendItem[];
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
    const quotedId = this.quotedDirectiveId(r);
    // Newest first, produced lazily: a group can have many open directives, most replies answer the newest.
    const candidates = new Lazy(this.deps.relay.openIn(r.group.id));
    const hintOf = (id: number | null): string => (id === null ? undefined : this.deps.relay.directive(id))?.replyHint ?? candidates.at(0)?.replyHint ?? '收到';
    let u = understandReply(r.ev.text, { replyHint: hintOf(quotedId) });
    if (u.retract) return this.retract(r, u);
    // A quote or a cited number pins the directive: when that one takes no more replies (closed, out of
    // its window, never sent here), the reply counts for nothing rather than for the newest directive.
    const pinnedId = quotedId ?? u.directiveRef;
    const pinned = pinnedId === null ? undefined : this.openHere(r.group, pinnedId);
    if (pinned && pinned.replyHint !== hintOf(null) && quotedId === null) u = understandReply(r.ev.text, { replyHint: pinned.replyHint });
    // A collection (信息收集): a reply that carries the information asked for is an answer, whatever its words.
    const target = pinned ?? (pinnedId === null ? candidates.at(0) : undefined);
    if (target?.collect && (u.label === 'other' || u.label === 'ack' || u.label === 'done') && isAnswer(target, r.ev.text)) u = { ...u, label: 'ack', confidence: 1 };
    const detail = detailOf(u);
    if (pinnedId !== null && !pinned) {
      this.deps.inbound.interpret(r.id, u.label, u.confidence, null, { ...detail, pinned: pinnedId, counted: false, reason: 'pinned_not_open' });
      return NOTHING;
    }
    if (u.label !== 'ack' && u.label !== 'done') {
      this.deps.inbound.interpret(r.id, u.label, u.confidence, null, detail);
      if (u.label === 'negative' || u.label === 'question') return this.noteNegative(r, u, pinned ? [pinned] : candidates.first(MAX_CANDIDATES));
      return NOTHING;
    }
    const org = this.deps.org();
    let who = attribute(org, r.group, r.person, prepareReply(r.ev.text));
    // An unknown account that names nobody: its group card may (`张三妈妈`, `张三-2023010101`), the
    // same claim as writing it in the reply; it counts for that student and the binding is suggested.
    if (who.kind === 'none' && !r.person && r.ev.sender.card) who = attribute(org, r.group, undefined, r.ev.sender.card);
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
    // A student who is not the sender's comes first: whoever settles it must see why it is unusual.
    if (who.kind === 'review') {
      this.review(r, 'attribution', u, first.d.id, pendingOf(first), null, who);
      this.deps.inbound.interpret(r.id, u.label, u.confidence, first.d.id, { ...detail, counted: false, reason: who.reason });
      return NOTHING;
    }
    const suspect = who.kind === 'suggest' ? this.suspectClaim(org, r, first.d.id, who.student) : null;
    if (suspect) {
      this.review(r, 'impersonation', u, first.d.id, pendingOf(first), null, who);
      this.deps.inbound.interpret(r.id, u.label, u.confidence, first.d.id, { ...detail, counted: false, reason: suspect });
      return NOTHING;
    }
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
    this.count(first, kinds, r, late(first.d), 'reply');
    // As written (a WeChat quote-reply without the quoted block).
    if (first.d.collect) this.keepAnswers(first.d, first.owed, r, weChatQuote(r.ev.text)?.reply ?? r.ev.text);
    if (who.kind === 'suggest') this.suggestBinding(r, u, first.d.id, who.student, pendingOf(first));
    this.deps.inbound.interpret(r.id, u.label, u.confidence, first.d.id, detail);
    return this.afterCount(first, r.person);
  }

  /** A recalled message: what it counted is taken back. */
  onRecall(ev: RecallEvent): void {
    const id = this.deps.inbound.byPlatformMessage(ev.platform, ev.chatId, ev.messageId, ev.userId, ev.accountId);
    if (id === null) return;
    const removed = this.withdraw(id, ev.at);
    this.deps.logger.info({ inbound: id, removed }, 'recalled message withdrawn');
  }

  /**
   * Removes what a message counted and closes its review items; what another standing message also
   * said is counted again from that one. Returns the number of acknowledgements removed.
   */
  withdraw(inboundId: number, at: number): number {
    if (!this.deps.inbound.markWithdrawn(inboundId, at)) return 0;
    const removed = this.deps.directives.withdrawInbound(inboundId);
    this.deps.reviews.withdrawFor(inboundId, at);
    this.recount(removed, inboundId);
    return removed.length;
  }

  /** Takes back part of what a message counted (a reviewer turned down one student of it). */
  unCount(inboundId: number, acks: readonly PendingAck[]): number {
    const removed = this.deps.directives.removeAcks(inboundId, acks);
    this.recount(removed, inboundId);
    return removed.length;
  }

  /**
   * The acknowledgement of a subject is stored once, from the first message that gave it: when that
   * message is withdrawn, a later standing reply that also answered for the subject (the other parent,
   * a second 收到) counts in its place.
   */
  private recount(removed: readonly RemovedAck[], excludeId: number): void {
    if (removed.length === 0) return;
    const org = this.deps.org();
    const byGroupDirective = new Map<string, RemovedAck[]>();
    for (const a of removed) {
      const k = `${a.groupId}:${a.directiveId}`;
      const list = byGroupDirective.get(k);
      if (list) list.push(a);
      else byGroupDirective.set(k, [a]);
    }
    for (const acks of byGroupDirective.values()) {
      const head = acks[0];
      const group = head ? org.group(head.groupId) : undefined;
      const d = head ? this.deps.relay.directive(head.directiveId) : undefined;
      if (!head || !group || !d) continue;
      const missing = new Set(acks.map((a) => `${a.level}:${a.kind}:${a.subjectId}`));
      for (const m of this.deps.inbound.standingReplies(group.id, d.id, excludeId)) {
        if (missing.size === 0) break;
        const person = (m.senderPersonId === null ? undefined : org.person(m.senderPersonId)) ?? org.personByPlatformAccount(m.platform, m.senderPlatformId);
        const owed = obligationsOf(org, d, group, person, attribute(org, group, person, prepareReply(m.text)));
        const kinds: AckKind[] = m.meaning === 'done' ? ['ack', 'done'] : ['ack'];
        const again: NewAcknowledgement[] = [];
        for (const o of owed) {
          for (const kind of kinds) {
            const k = `${o.level}:${kind}:${o.subjectId}`;
            if (!missing.has(k)) continue;
            missing.delete(k);
            again.push({
              directiveId: d.id,
              level: o.level,
              kind,
              subjectId: o.subjectId,
              byPersonId: person?.id ?? null,
              collegeId: o.collegeId,
              classId: o.classId,
              groupId: group.id,
              inboundId: m.id,
              at: m.at,
              late: d.deadlineAt !== null && m.at > d.deadlineAt,
              via: 'reply',
            });
          }
        }
        if (again.length > 0) this.deps.directives.acknowledge(again);
      }
    }
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
          // A collection keeps the latest answer: a second reply is an update, not an answer to an older directive.
          if (c.d.collect) return [c];
          // Already answered, just now (by this sender, or for the same student by the other parent):
          // a repeat, not an answer to an older directive.
          if ((r.person && this.isRepeat(r.person, r.group, r.ev.at)) || this.answeredJustNow(c, kinds, r.ev.at)) return [c];
          continue;
        }
        // Still owed: is there a second one, released close to it? (An answer to a collection is its own.)
        if (c.d.collect) return [c];
        const other = this.closeSecond(org, r, who, candidates, c, stillOwed);
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
    return undefined;
  }

  private answeredJustNow(c: Choice, kinds: readonly AckKind[], at: number): boolean {
    const since = at - this.deps.policy.repeatWindowMs;
    return c.owed.some((o) => kinds.some((k) => (this.deps.directives.ackedAt(c.d.id, o.level, k, o.subjectId) ?? -Infinity) >= since));
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

  /** The directive whose post the message quotes, or null. */
  private quotedDirectiveId(r: GroupReply): number | null {
    const { ev } = r;
    if (ev.chat.type !== 'group') return null;
    const id = this.deps.quotedDirective(ev);
    // WeChat bots learn no id for what they send (see AdapterCapabilities.sentMessageIds), so a quote
    // of a bot's post is recognised by the post's header in the quoted block WeChat puts above the reply.
    return id ?? quotedDirectiveNumber(ev.text);
  }

  /** The directive, when it reached this group and still takes replies. */
  private openHere(group: Group, id: number): Directive | undefined {
    for (const d of this.deps.relay.openIn(group.id)) if (d.id === id) return d;
    return undefined;
  }

  /**
   * A "didn't get it" from someone who owes a reply (or names a student who does) goes on the review
   * list, for a person to follow up.
   */
  private noteNegative(r: GroupReply, u: Understanding, candidates: readonly Directive[], about: About = {}): SendItem[] {
    const org = this.deps.org();
    const who = attribute(org, r.group, r.person, about.excerpt ?? prepareReply(r.ev.text));
    const d = candidates.find((x) => obligationsOf(org, x, r.group, r.person, who).length > 0);
    if (!d) return NOTHING;
    const itemId = this.review(r, u.label === 'question' ? 'question' : 'negative', u, d.id, [], null, who, about);
    return this.deps.onQuestion?.({ itemId, group: r.group, directive: d, text: about.excerpt ?? (weChatQuote(r.ev.text)?.reply ?? r.ev.text) }) ?? NOTHING;
  }

  /**
   * An account the roster does not know named one student: counted (`counted`), and the binding is
   * suggested — to the guardian the relation word fits (妈妈 → 母亲), or the only guardian; to the
   * student when a class-group message names them without a relation word.
   */
  private suggestBinding(r: GroupReply, u: Understanding, directiveId: number, student: Person, counted: readonly PendingAck[], about: About = {}): void {
    const org = this.deps.org();
    let suggested: number | null = student.id;
    if (r.group.level === 4 || u.relation !== null) {
      const guardians = org.guardiansOf(student.id);
      const wanted = relationWanted(u.relation);
      const match = wanted ? guardians.filter((g) => wanted.test(g.relation)) : [];
      suggested = (match.length === 1 ? match[0] : guardians.length === 1 ? guardians[0] : undefined)?.guardianId ?? null;
    }
    this.review(r, 'binding', u, directiveId, counted, suggested, { kind: 'suggest', student }, about);
  }

  /** A collection's answers: the reply, with the named fields read out, for each obligation it counts for (the latest kept). */
  private keepAnswers(d: Directive, owed: readonly Obligation[], r: GroupReply, text: string): void {
    const answer = [...text.trim()].slice(0, 500).join('');
    const fields = d.fields ? readFields(answer, d.fields) : null;
    for (const o of owed) {
      this.deps.directives.saveAnswer({ directiveId: d.id, level: o.level, subjectId: o.subjectId, byPersonId: r.person?.id ?? null, inboundId: r.id, text: answer, fields, at: r.ev.at });
    }
  }

  /**
   * Why a claim by an unverified account (a name or card naming `student`) must not count, or null.
   * `impersonation`: the roster or a verified binding gives the person it claims to be (the student in
   * a class group, any of the family's guardians in a parents group) an account on this platform that
   * can be seen now — only that account answers for them. `second_family`: this account has answered
   * for another family of the same directive already; one unverified account counts for one family.
   */
  private suspectClaim(org: OrgIndex, r: GroupReply, directiveId: number, student: Person): 'impersonation' | 'second_family' | null {
    const platform = r.ev.platform;
    if (knownAccounts(org, r.group, student, platform).some((id) => this.deps.accountSeen?.(platform, id) ?? true)) return 'impersonation';
    const others = this.deps.directives.answeredByAccountFor(directiveId, platform, r.ev.sender.userId, r.id);
    if (others.some((subjectId) => subjectId !== student.id)) return 'second_family';
    return null;
  }

  private review(
    r: GroupReply,
    kind: ReviewKind,
    u: Understanding,
    directiveId: number | null,
    pending: readonly PendingAck[],
    suggestedPersonId: number | null,
    who: Attribution,
    about: About = {},
  ): number {
    const org = this.deps.org();
    let subjects: readonly Person[] = who.kind === 'students' || who.kind === 'review' ? who.students : who.kind === 'suggest' ? [who.student] : [];
    // A guardian who names nobody: the item concerns their children in this group's college, so that
    // only those children's counselors see it.
    if (subjects.length === 0 && r.person?.kind === 'guardian') {
      subjects = org
        .wardsOf(r.person.id)
        .map((w) => org.person(w.studentId))
        .filter((p): p is Person => p !== undefined && (r.group.collegeId === null || p.collegeId === r.group.collegeId));
    }
    const classIds = new Set(subjects.map((p) => p.classId));
    const only = subjects.length > 0 && classIds.size === 1 ? (subjects[0]?.classId ?? null) : null;
    return this.deps.reviews.add({
      kind,
      inboundId: r.id,
      groupId: r.group.id,
      collegeId: r.group.collegeId ?? r.person?.collegeId ?? null,
      classId: r.group.classId ?? only ?? (r.person?.kind === 'student' ? r.person.classId : null),
      senderPersonId: r.person?.id ?? null,
      senderName: r.person?.name ?? about.name ?? (r.ev.sender.card || r.ev.sender.nickname || r.ev.sender.userId),
      label: u.label,
      confidence: u.confidence,
      directiveId,
      pending,
      suggestedPersonId,
      platformUserId: about.platformUserId ?? null,
      excerpt: about.excerpt ?? null,
      createdAt: this.deps.clock.now(),
    });
  }

  // ─── 接龙 ─────────────────────────────────────────────────────────────────────────────────

  /**
   * A 接龙 version: the lines it adds to the previous version in this chat count for whoever they
   * name, as a reply from the sender would. On the first sight of a list the bot cannot tell which
   * lines are the sender's, so only lines naming the sender (or their child) count. A native WeChat
   * 接龙 names each line's author, so those lines count for their authors. A chain belongs to one
   * directive: once that one takes no more replies, or a newer directive has reached the group since
   * the chain was last extended, the same header starts a new chain.
   */
  private onChain(r: GroupReply, chain: ChainVersion): SendItem[] {
    const { ev, group } = r;
    const chatId = ev.chat.type === 'group' ? ev.chat.chatId : '';
    const quotedId = this.quotedDirectiveId(r);
    const target = (quotedId === null ? undefined : this.openHere(group, quotedId)) ?? this.deps.relay.openIn(group.id).next().value ?? undefined;
    const stored = this.deps.reviews.chain(ev.platform, chatId, chain.key);
    const storedDirective = stored?.directiveId == null ? undefined : this.deps.relay.directive(stored.directiveId);
    const continues =
      stored !== undefined &&
      storedDirective !== undefined &&
      this.deps.relay.accepts(storedDirective) &&
      (target === undefined || target.id === storedDirective.id || (this.deps.directives.releasedAt(target.id, group.id) ?? target.createdAt) <= stored.updatedAt);
    const previous = continues ? stored : undefined;
    const d = continues ? storedDirective : target;
    // Bounded work per message: a new version adds a line or a few; a list seen for the first time is
    // read from its end (where the sender's own line is), at most MAX_CHAIN_ENTRIES_READ lines.
    const added = addedEntries(previous?.lines ?? null, chain.entries).slice(-MAX_CHAIN_ENTRIES_READ);
    this.deps.reviews.saveChain(ev.platform, chatId, chain.key, d?.id ?? null, chain.entries.map((e) => e.text), ev.at);
    if (!d || !this.deps.relay.accepts(d)) {
      this.deps.inbound.interpret(r.id, 'chain', null, null, { added: added.length, counted: 0 });
      return NOTHING;
    }
    const org = this.deps.org();
    const firstSight = previous === undefined && !chain.native && chain.entries.length > 1;
    let counted = 0;
    let unmatched = 0;
    const credited: { index: number; text: string; counted: boolean }[] = [];
    for (const entry of added) {
      const author = chain.native && entry.userId ? org.personByPlatformAccount(ev.platform, entry.userId) : r.person;
      const about: About = {
        excerpt: entry.text,
        ...(chain.native && entry.userId ? { platformUserId: entry.userId, name: author?.name ?? entry.userId } : {}),
      };
      const line = { ...r, person: author };
      const u = understandReply(entry.text, { replyHint: d.replyHint });
      if (u.label === 'negative' || u.label === 'question') {
        if (u.label === 'negative') this.noteNegative(line, u, [d], about);
        credited.push({ index: entry.index, text: entry.text, counted: false });
        continue;
      }
      let who = attribute(org, group, author, entry.text);
      const namesSender =
        who.kind === 'students' ||
        (author?.kind === 'student' && nameIndexFor(org, group).find(entry.text).some((n) => n.students.some((p) => p.id === author.id)));
      if (firstSight && !namesSender) continue;
      if (who.kind === 'self' && !author) who = { kind: 'none' };
      const kinds: AckKind[] = u.label === 'done' ? ['ack', 'done'] : ['ack'];
      const owed = obligationsOf(org, d, group, author, who);
      const late = d.deadlineAt !== null && ev.at > d.deadlineAt;
      if (who.kind === 'none' || owed.length === 0) {
        // One review item per message for the lines that name nobody, however many there are.
        if (who.kind === 'none' && unmatched++ === 0) this.review(line, 'chain', u, d.id, [], null, who, about);
        credited.push({ index: entry.index, text: entry.text, counted: false });
        continue;
      }
      if (who.kind === 'review') {
        this.review(line, 'attribution', u, d.id, acksFor({ d, owed }, kinds, line, late), null, who, about);
        credited.push({ index: entry.index, text: entry.text, counted: false });
        continue;
      }
      const sender = { ...line, ev: { ...ev, sender: { ...ev.sender, userId: about.platformUserId ?? ev.sender.userId } } };
      if (who.kind === 'suggest' && this.suspectClaim(org, sender, d.id, who.student)) {
        this.review(line, 'impersonation', u, d.id, acksFor({ d, owed }, kinds, line, late), null, who, about);
        credited.push({ index: entry.index, text: entry.text, counted: false });
        continue;
      }
      counted += this.count({ d, owed }, kinds, line, late, 'chain');
      // A 接龙 of a collection: each line is its author's answer.
      if (d.collect) this.keepAnswers(d, owed, line, entry.text);
      if (who.kind === 'suggest') this.suggestBinding(line, u, d.id, who.student, acksFor({ d, owed }, kinds, line, late), about);
      credited.push({ index: entry.index, text: entry.text, counted: true });
    }
    this.deps.inbound.interpret(r.id, 'chain', null, d.id, { added: added.length, counted, unmatched, lines: credited });
    return NOTHING;
  }
}

/**
 * Whether a message answers a collection: any reply where it asks for one field or none; where it names
 * several, one that gives at least one of them (chat in the group is not taken for an answer).
 */
function isAnswer(d: Directive, text: string): boolean {
  const fields = d.fields;
  if (text.trim() === '') return false;
  if (!fields || fields.length <= 1) return true;
  return Object.keys(readFields(text, fields)).length > 0;
}

/** What a review item is about when it is not simply the message and its sender (a 接龙 row). */
interface About {
  /** The account concerned: a WeChat 接龙 row's author. */
  readonly platformUserId?: string;
  /** Their name, when the roster does not know them. */
  readonly name?: string;
  /** The text at issue (the row). */
  readonly excerpt?: string;
}

/** Most added 接龙 lines read in one message: a list seen for the first time is read from its end (bounded work: issue #12). */
export const MAX_CHAIN_ENTRIES_READ = 500;

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
  const parsed = parseChain(ev.text, MAX_CHAIN_ENTRIES_READ);
  return parsed && parsed.entries.length > 0 ? { key: chainKey(parsed.header), entries: parsed.entries, native: false } : null;
}

/** The header of a directive post (features/directives/texts.ts directiveHeader), as it appears in a quote. */
const DIRECTIVE_POST_HEADER = /【通知\s*第\s*(\d{1,7})\s*号】/u;

/** The directive number of a bot's post quoted in a WeChat quote-reply, or null. */
function quotedDirectiveNumber(text: string): number | null {
  const quoted = weChatQuote(text)?.quoted;
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
