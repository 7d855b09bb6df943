import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { parseCommand, type ParsedCommand } from '../domain/commands.js';
import {
  canIssueDirective,
  initialReleases,
  owedBy,
  scopeOf,
  targetGroups,
  type AckKind,
  type Directive,
  type Obligation,
} from '../domain/directive.js';
import { formatTime } from '../domain/duration.js';
import type { Group, Person } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import { classifyReply } from '../domain/reply-rule.js';
import { zh } from '../locale/zh-CN.js';
import type { InboundEvent, InboundMessage } from '../platform/port.js';
import type { DirectiveRepo, NewAcknowledgement } from '../store/directive-repo.js';
import type { InboundRepo } from '../store/inbound-repo.js';
import type { LedgerRepo } from '../store/ledger-repo.js';
import type { Outbox } from './outbox.js';
import { narrowScope, type Answer, type Queries } from './queries.js';
import type { Relay } from './relay.js';

/**
 * Same message, same key, whichever bot account saw it: the platform's message id within the
 * group when there is one, else sender + second + text.
 */
export function inboundDedupeKey(ev: InboundEvent): string {
  if (ev.kind !== 'message') return `${ev.kind}:${ev.platform}:${ev.chatId}:${ev.userId}:${ev.at}:${ev.kind === 'recall' ? ev.messageId : ''}`;
  const chat = ev.chat.type === 'group' ? `g:${ev.chat.chatId}` : `p:${ev.accountId}`;
  if (ev.messageId) return `m:${ev.platform}:${chat}:${ev.messageId}`;
  const digest = createHash('sha1').update(ev.text).digest('hex').slice(0, 16);
  return `f:${ev.platform}:${chat}:${ev.sender.userId}:${Math.floor(ev.at / 1000)}:${digest}`;
}

export interface InboundDeps {
  readonly org: () => OrgIndex;
  readonly inbound: InboundRepo;
  readonly directives: DirectiveRepo;
  readonly ledger: LedgerRepo;
  readonly relay: Relay;
  readonly queries: Queries;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly logger: Logger;
}

interface Context {
  readonly id: number;
  readonly ev: InboundMessage;
  readonly person: Person | undefined;
  readonly group: Group | undefined;
}

/** The single entry point for everything the platforms report (grammY's handleUpdate). */
export class InboundHandler {
  constructor(private readonly deps: InboundDeps) {}

  async handle(ev: InboundEvent): Promise<void> {
    if (ev.kind !== 'message') {
      // Membership and recall events are acted on by later capabilities (audit, reply understanding).
      this.deps.logger.debug({ kind: ev.kind, chat: ev.chatId }, 'event noted');
      return;
    }
    // Storing the message and what it counts for is one synchronous step, committed together with
    // the steps of other messages handled at the same time (group commit); answering comes after.
    const next = await this.deps.directives.batch(() => this.record(ev));
    if (next) await next();
  }

  /**
   * Stores the message and its meaning (acknowledgements included), all in one savepoint of the
   * group commit; returns what is left to do once that is committed (answers, step releases).
   */
  private record(ev: InboundMessage): (() => Promise<void>) | undefined {
    const org = this.deps.org();
    const pg = ev.chat.type === 'group' ? org.platformGroup(ev.platform, ev.chat.chatId) : undefined;
    const group = pg ? org.group(pg.groupId) : undefined;
    const person = org.personByPlatformAccount(ev.platform, ev.sender.userId);
    const id = this.deps.inbound.insert({
      dedupeKey: inboundDedupeKey(ev),
      platform: ev.platform,
      accountId: ev.accountId,
      chatType: ev.chat.type,
      chatId: ev.chat.type === 'group' ? ev.chat.chatId : ev.sender.userId,
      groupId: group?.id ?? null,
      platformMessageId: ev.messageId ?? null,
      senderPlatformId: ev.sender.userId,
      senderPersonId: person?.id ?? null,
      text: ev.text,
      quoteId: ev.quoteId ?? null,
      at: ev.at,
    });
    if (id === undefined) return undefined; // already handled: another account saw it, or a redelivery
    const ctx: Context = { id, ev, person, group };
    const command = parseCommand(ev.text, { mentionsBot: ev.mentionsBot, now: this.deps.clock.now(), timeZone: this.deps.timeZone });
    if (command) {
      this.deps.inbound.interpret(id, 'command', 1, null);
      return () => this.command(ctx, command);
    }
    if (ev.chat.type === 'private') {
      this.deps.inbound.interpret(id, 'other', null, null);
      return () => this.reply(ctx, person ? zh.privateOnlyHint : zh.unknownSenderPrivate, 'private');
    }
    if (!group) {
      this.deps.inbound.interpret(id, 'unknown_group', null, null);
      return undefined;
    }
    if (!person) {
      this.deps.inbound.interpret(id, 'unknown_sender', null, null);
      return undefined;
    }
    return this.reply_to_directive(ctx, person, group);
  }

  /** Counts a reply toward the directive it answers, if it is an acknowledgement; returns the relay step after it. */
  private reply_to_directive(ctx: Context, person: Person, group: Group): (() => Promise<void>) | undefined {
    const { ev } = ctx;
    // Newest first, produced lazily: most replies answer the newest directive, so the rest is rarely looked at.
    const candidates = this.candidates(ev, group)[Symbol.iterator]();
    const first = candidates.next();
    const newest = first.done ? undefined : first.value;
    const verdict = classifyReply(ev.text, { replyHint: newest?.replyHint ?? '收到' });
    if (verdict.meaning !== 'ack' && verdict.meaning !== 'done') {
      this.deps.inbound.interpret(ctx.id, verdict.meaning, verdict.confidence, null);
      return undefined;
    }
    const org = this.deps.org();
    const kinds: AckKind[] = verdict.meaning === 'done' ? ['ack', 'done'] : ['ack'];
    // Newest directive this person still owes; a quote-reply pins the directive.
    let chosen: { d: Directive; owed: Obligation[] } | undefined;
    for (let next = first; !next.done; next = candidates.next()) {
      const d = next.value;
      const owed = owedBy(org, d, person, group);
      if (owed.length === 0) continue;
      chosen ??= { d, owed };
      if (owed.some((o) => kinds.some((k) => !this.deps.directives.hasAck(d.id, o.level, k, o.subjectId)))) {
        chosen = { d, owed };
        break;
      }
    }
    if (!chosen) {
      this.deps.inbound.interpret(ctx.id, verdict.meaning, verdict.confidence, null);
      return undefined;
    }
    const { d, owed } = chosen;
    const late = d.deadlineAt !== null && ev.at > d.deadlineAt;
    const acks: NewAcknowledgement[] = [];
    for (const o of owed) {
      for (const kind of kinds) {
        acks.push({
          directiveId: d.id,
          level: o.level,
          kind,
          subjectId: o.subjectId,
          byPersonId: person.id,
          collegeId: o.collegeId,
          classId: o.classId,
          groupId: group.id,
          inboundId: ctx.id,
          at: ev.at,
          late,
        });
      }
    }
    // Atomic with the stored message: record() runs in a savepoint of the group commit.
    this.deps.directives.acknowledge(acks);
    this.deps.inbound.interpret(ctx.id, verdict.meaning, verdict.confidence, d.id);
    const level = owed[0]?.level;
    if (level === undefined) return undefined;
    return () => this.deps.relay.afterAck(d, person, level);
  }

  private candidates(ev: InboundMessage, group: Group): Iterable<Directive> {
    if (ev.quoteId && ev.chat.type === 'group') {
      const quoted =
        this.deps.ledger.directiveOfMessage(ev.platform, ev.chat.chatId, ev.quoteId) ??
        this.deps.inbound.directiveOfPlatformMessage(ev.platform, ev.chat.chatId, ev.quoteId);
      const d = quoted === null ? undefined : this.deps.relay.directive(quoted);
      if (d) return [d];
    }
    return this.deps.relay.openIn(group.id);
  }

  private async command(ctx: Context, cmd: ParsedCommand): Promise<void> {
    const { person } = ctx;
    switch (cmd.type) {
      case 'help': {
        const canIssue = person ? canIssueDirective(this.deps.org(), person) : false;
        const canQuery = person ? scopeOf(this.deps.org(), person).kind !== 'none' : false;
        await this.reply(ctx, zh.help({ canIssue, canQuery }));
        return;
      }
      case 'unknown':
        await this.reply(ctx, zh.unknownCommand(cmd.word));
        return;
      case 'error':
        await this.reply(ctx, zh.commandError(cmd.code, cmd.detail));
        return;
      case 'notify':
        await this.issue(ctx, cmd);
        return;
      case 'pending':
      case 'progress':
        await this.query(ctx, cmd);
        return;
    }
  }

  private async issue(ctx: Context, cmd: Extract<ParsedCommand, { type: 'notify' }>): Promise<void> {
    const org = this.deps.org();
    const { person, group } = ctx;
    if (!person || !canIssueDirective(org, person)) {
      await this.reply(ctx, zh.notAllowedToIssue);
      return;
    }
    if (!group || group.level !== 1) {
      await this.reply(ctx, zh.issueOnlyInSchoolGroup);
      return;
    }
    let collegeIds: number[] | null = null;
    if (cmd.colleges) {
      const unknown = cmd.colleges.filter((n) => !org.collegeNamed(n));
      if (unknown.length > 0) {
        await this.reply(ctx, zh.unknownColleges(unknown));
        return;
      }
      collegeIds = cmd.colleges.map((n) => org.collegeNamed(n)?.id ?? 0);
    }
    const input = {
      issuerId: person.id,
      originGroupId: group.id,
      originInboundId: ctx.id,
      text: cmd.body,
      deadlineAt: cmd.deadlineAt,
      depth: cmd.depth,
      collegeIds,
      requireCompletion: cmd.requireCompletion,
      mode: cmd.mode,
      replyHint: cmd.replyHint,
      createdAt: this.deps.clock.now(),
    };
    const d = await this.deps.relay.create(input, initialReleases(org, input));
    const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, this.deps.timeZone);
    await this.reply(ctx, zh.directiveIssued({ id: d.id, groups: targetGroups(org, d).length, step: d.mode === 'step', deadline, hint: d.replyHint }));
  }

  private async query(ctx: Context, cmd: Extract<ParsedCommand, { type: 'pending' | 'progress' }>): Promise<void> {
    const org = this.deps.org();
    const { person } = ctx;
    const scope = person ? scopeOf(org, person) : ({ kind: 'none' } as const);
    if (!person || scope.kind === 'none') {
      await this.reply(ctx, zh.notInScope);
      return;
    }
    const d = cmd.directiveId === null ? this.latestVisible(ctx) : this.deps.relay.directive(cmd.directiveId);
    if (!d) {
      await this.reply(ctx, cmd.directiveId === null ? zh.noDirective : zh.directiveNotFound(cmd.directiveId));
      return;
    }
    const narrowed = narrowScope(org, scope, cmd.filter);
    if (!narrowed) {
      await this.reply(ctx, zh.filterNotFound(cmd.filter ?? ''));
      return;
    }
    const answer: Answer = cmd.type === 'pending' ? this.deps.queries.pending(d, narrowed, person) : this.deps.queries.progress(d, narrowed, person);
    await this.answer(ctx, answer);
  }

  /** In a group the public part goes to the group and names privately; in private, both privately. */
  private async answer(ctx: Context, answer: Answer): Promise<void> {
    if (ctx.ev.chat.type === 'private') {
      await this.reply(ctx, answer.private ? `${answer.public}\n\n${answer.private}` : answer.public, 'private');
      return;
    }
    await this.reply(ctx, answer.private ? `${answer.public}\n${zh.detailsSentPrivately}` : answer.public, 'group', 1);
    if (answer.private) await this.reply(ctx, answer.private, 'private', 2);
  }

  private latestVisible(ctx: Context): Directive | undefined {
    if (ctx.group) return this.deps.relay.openFor(ctx.group.id)[0] ?? this.deps.directives.latest();
    return this.deps.directives.latest();
  }

  /** Replies through the ledger: keyed by the inbound message so a redelivery never answers twice. */
  private async reply(ctx: Context, text: string, where: 'group' | 'private' = ctx.ev.chat.type, n = 1): Promise<void> {
    const { ev } = ctx;
    const group = where === 'group' && ev.chat.type === 'group';
    await this.deps.outbox.post([
      {
        key: `r${ctx.id}-${n}`,
        purpose: group ? 'reply' : 'private',
        directiveId: null,
        groupId: ctx.group?.id ?? null,
        accountId: ev.accountId,
        platform: ev.platform,
        chatType: group ? 'group' : 'private',
        target: group && ev.chat.type === 'group' ? ev.chat.chatId : ev.sender.userId,
        text,
        mentions: group ? [ev.sender.userId] : [],
        quoteId: group && ev.messageId ? ev.messageId : null,
      },
    ]);
  }
}
