import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { parseCommand, type ParsedCommand } from '../domain/commands.js';
import { canIssueDirective, initialReleases, scopeOf, targetGroups, type Directive, type Scope } from '../domain/directive.js';
import { formatTime } from '../domain/duration.js';
import type { Group, Person, Platform } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import { zh, zhAudit, zhBind } from '../locale/zh-CN.js';
import type { InboundEvent, InboundMessage } from '../platform/port.js';
import type { SendItem } from '../queue/job-queues.js';
import type { DirectiveRepo } from '../store/directive-repo.js';
import type { InboundRepo } from '../store/inbound-repo.js';
import { deliveryKey, inboundKey } from '../store/keys.js';
import type { LedgerRepo } from '../store/ledger-repo.js';
import type { ReviewRepo } from '../store/review-repo.js';
import { groupsNamed, mayAudit, type Auditor } from './auditor.js';
import { BindingDesk } from './binding.js';
import type { ManualDesk } from './manual.js';
import type { BindingRepo } from '../store/binding-repo.js';
import type { Chaser } from './chaser.js';
import type { ReplyCounter } from './replies.js';
import { ReviewDesk } from './review.js';
import type { Outbox } from './outbox.js';
import type { UnitOfWork } from './unit-of-work.js';
import { narrowScope, type Answer, type Queries } from './queries.js';
import type { Relay } from './relay.js';

/** Two copies of one message seen by two bot accounts arrive at most this far apart. */
export const SAME_MESSAGE_WINDOW_MS = 10_000;

/**
 * Same message, same key, whichever bot account saw it: the platform's message id within the group
 * where the platform shares ids across accounts, else sender + text + a time bucket (the store then
 * also looks for a near copy, since two copies can straddle a bucket).
 */
export function inboundDedupeKey(ev: InboundEvent, crossAccountIds = true): string {
  if (ev.kind === 'login') return inboundKey.login(ev.platform, ev.accountId, ev.at);
  if (ev.kind !== 'message') return inboundKey.event(ev.kind, ev.platform, ev.chatId, ev.userId, ev.at, ev.kind === 'recall' ? ev.messageId : '');
  if (ev.messageId && ev.chat.type === 'group' && crossAccountIds) return inboundKey.groupMessage(ev.platform, ev.chat.chatId, ev.messageId);
  if (ev.messageId && ev.chat.type === 'private') return inboundKey.privateMessage(ev.platform, ev.accountId, ev.messageId);
  const chat = ev.chat.type === 'group' ? { type: 'group' as const, chatId: ev.chat.chatId } : { type: 'private' as const, accountId: ev.accountId };
  return inboundKey.fingerprint(ev.platform, chat, ev.sender.userId, Math.floor(ev.at / SAME_MESSAGE_WINDOW_MS), ev.text);
}

export interface InboundDeps {
  readonly org: () => OrgIndex;
  readonly uow: UnitOfWork;
  readonly inbound: InboundRepo;
  readonly directives: DirectiveRepo;
  readonly ledger: LedgerRepo;
  readonly relay: Relay;
  readonly queries: Queries;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly logger: Logger;
  /** The bots' own platform user ids: a mention of any of them addresses Cascade. */
  readonly botIds: Pick<ReadonlySet<string>, 'has'>;
  /** Whether the account's platform gives one message id to all accounts (see AdapterCapabilities). */
  readonly crossAccountIds: (accountId: string) => boolean;
  readonly replies: ReplyCounter;
  readonly reviews: ReviewRepo;
  /** Rebuilds the org index from the store (after a binding is confirmed). */
  readonly reloadOrg: () => void;
  readonly chaser: Chaser;
  readonly auditor: Auditor;
  readonly bindings: BindingRepo;
  /** membership.maxGuardians */
  readonly maxGuardians: number;
  /** An account was bound to a person (the WeChat adapter writes the contact's remark). */
  readonly onBound?: (bound: { platform: Platform; userId: string; person: Person }) => void;
  /** Manual tasks (`/已转发`, `/待转发`). */
  readonly manual?: ManualDesk;
  /** A binding was removed (the WeChat adapter clears the contact's remark). */
  readonly onUnbound?: (unbound: { platform: Platform; userId: string }) => void;
}

/** A `/核对` to run once the message's transaction has committed (reading member lists is a platform call). */
interface AuditRequest {
  readonly ctx: Context;
  readonly groups: readonly Group[];
}

interface Context {
  readonly id: number;
  readonly ev: InboundMessage;
  readonly person: Person | undefined;
  readonly group: Group | undefined;
}

type Sends = SendItem[];
const NOTHING: Sends = [];

/** The single entry point for everything the platforms report (grammY's handleUpdate). */
export class InboundHandler {
  private orgStale = false;
  /** Where `/核对` requests of the message being recorded go (set only while record() runs). */
  private auditSink: AuditRequest[] | undefined;
  readonly desk: ReviewDesk;
  private readonly binding: BindingDesk;

  constructor(private readonly deps: InboundDeps) {
    this.desk = new ReviewDesk({
      org: deps.org,
      reviews: deps.reviews,
      directives: deps.directives,
      relay: deps.relay,
      replies: deps.replies,
      clock: deps.clock,
      timeZone: deps.timeZone,
      orgChanged: () => {
        this.orgStale = true;
      },
      bindings: deps.bindings,
    });
    this.binding = new BindingDesk({ org: deps.org, bindings: deps.bindings, reviews: deps.reviews, clock: deps.clock, maxGuardians: deps.maxGuardians });
  }

  async handle(ev: InboundEvent): Promise<void> {
    const { uow } = this.deps;
    switch (ev.kind) {
      case 'recall':
        await uow.transaction(() => this.deps.replies.onRecall(ev));
        return;
      case 'member_leave':
        await uow.transaction((work) => work.queue(this.deps.auditor.onMemberLeave(ev)));
        return;
      case 'member_join':
        // The kept member list gains them; who they are is for the next audit.
        await uow.transaction(() => this.deps.auditor.onMemberJoin(ev));
        return;
      case 'login':
        return;
      case 'message':
        break;
    }
    // The message, what it counts for, any directive it creates and every message it makes the bots
    // send are written in one synchronous step, committed with the steps of other messages handled
    // at the same time (group commit); the unit of work queues the sends after the commit.
    const audits: AuditRequest[] = [];
    await uow.transaction((work) => {
      this.auditSink = audits;
      try {
        work.queue(this.record(ev));
      } finally {
        this.auditSink = undefined;
      }
    });
    if (this.orgStale) {
      this.orgStale = false;
      this.deps.reloadOrg();
    }
    for (const a of audits) await this.runAudit(a);
  }

  /**
   * `/核对`: reads each group's members, audits it, and answers (counts in the group, names
   * privately). The answer's ledger keys come from the message, so a redelivery answers once.
   */
  private async runAudit(req: AuditRequest): Promise<void> {
    const parts: { summary: string; details: string }[] = [];
    for (const g of req.groups) {
      try {
        const result = await this.deps.auditor.audit(g, req.ctx.person?.id ?? null);
        // A counselor auditing the parents group sees their own classes' families.
        parts.push(this.deps.auditor.texts(g, req.ctx.person ? this.deps.auditor.scopedFor(req.ctx.person, g, result) : result));
      } catch (error) {
        this.deps.logger.warn({ err: error, group: g.key }, 'membership audit failed');
        parts.push({ summary: zhAudit.failed(g.name), details: '' });
      }
    }
    const summary = parts.map((p) => p.summary).join('\n');
    const details = parts.map((p) => p.details).filter((d) => d !== '').join('\n\n');
    await this.deps.uow.transaction((work) => {
      if (req.ctx.ev.chat.type === 'private') return work.queue(this.reply(req.ctx, details === '' ? summary : `${summary}\n\n${details}`, 'private'));
      work.queue(this.reply(req.ctx, details === '' ? summary : `${summary}\n${zhAudit.detailsSent}`, 'group', 1));
      if (details !== '') work.queue(this.reply(req.ctx, details, 'private', 2));
    });
  }

  private record(ev: InboundMessage): Sends {
    const org = this.deps.org();
    const pg = ev.chat.type === 'group' ? org.platformGroup(ev.platform, ev.chat.chatId) : undefined;
    const group = pg ? org.group(pg.groupId) : undefined;
    const person = org.personByPlatformAccount(ev.platform, ev.sender.userId);
    const crossIds = this.deps.crossAccountIds(ev.accountId);
    const row = {
      dedupeKey: inboundDedupeKey(ev, crossIds),
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
    };
    if (!crossIds && ev.chat.type === 'group' && this.deps.inbound.nearDuplicate(row, SAME_MESSAGE_WINDOW_MS)) return NOTHING;
    const id = this.deps.inbound.insert(row);
    if (id === undefined) return NOTHING; // already handled: another account saw it, or a redelivery
    const ctx: Context = { id, ev, person, group };
    const mentionsBot = ev.mentionsBot || ev.mentions.some((m) => this.deps.botIds.has(m));
    const command = parseCommand(ev.text, { mentionsBot, now: this.deps.clock.now(), timeZone: this.deps.timeZone });
    if (command) {
      this.deps.inbound.interpret(id, 'command', 1, null);
      return this.command(ctx, command);
    }
    if (ev.chat.type === 'private') {
      this.deps.inbound.interpret(id, 'other', null, null);
      return this.reply(ctx, person ? zh.privateOnlyHint : zh.unknownSenderPrivate, 'private');
    }
    if (!group) {
      this.deps.inbound.interpret(id, 'unknown_group', null, null);
      return NOTHING;
    }
    return this.deps.replies.onGroupMessage({ id, ev, group, person });
  }

  private command(ctx: Context, cmd: ParsedCommand): Sends {
    const { person } = ctx;
    switch (cmd.type) {
      case 'help': {
        const canIssue = person ? canIssueDirective(this.deps.org(), person) : false;
        const canQuery = person ? scopeOf(this.deps.org(), person).kind !== 'none' : false;
        return this.reply(ctx, zh.help({ canIssue, canQuery }));
      }
      case 'unknown':
        return this.reply(ctx, zh.unknownCommand(cmd.word));
      case 'error':
        return this.reply(ctx, zh.commandError(cmd.code, cmd.detail));
      case 'notify':
        return this.issue(ctx, cmd);
      case 'pending':
      case 'progress':
        return this.query(ctx, cmd);
      case 'review':
      case 'confirm':
      case 'dismiss':
        return this.reviewCommand(ctx, cmd);
      case 'chase':
        return this.chase(ctx, cmd);
      case 'posted':
      case 'tasks': {
        if (!person || !this.deps.manual) return this.reply(ctx, zh.unknownSenderPrivate, 'private');
        if (cmd.type === 'posted') return this.reply(ctx, this.deps.manual.posted(person, cmd.ids), 'private');
        return this.deps.manual.tasks(person).flatMap((text, i) => this.reply(ctx, text, 'private', i + 1));
      }
      case 'audit':
        return this.auditCommand(ctx, cmd);
      case 'bind':
      case 'unbind': {
        // The message carries a 学号 and a name: it belongs in a private chat.
        if (ctx.ev.chat.type !== 'private') return this.reply(ctx, zhBind.privateOnly);
        const org = this.deps.org();
        const scope = person ? scopeOf(org, person) : ({ kind: 'none' } as const);
        let outcome;
        if (cmd.type === 'unbind') {
          if (!person || scope.kind === 'none') return this.reply(ctx, zhBind.notYours, 'private');
          outcome = this.binding.unbind(person, scope, cmd.account);
        } else if (cmd.account) {
          if (!person || scope.kind === 'none') return this.reply(ctx, zhBind.notYours, 'private');
          outcome = this.binding.bindFor(person, scope, { ...cmd, account: cmd.account });
        } else outcome = this.binding.bind(ctx.ev, ctx.id, cmd);
        if (outcome.changed) this.orgStale = true;
        if (outcome.bound) this.deps.onBound?.(outcome.bound);
        if (outcome.unbound) this.deps.onUnbound?.(outcome.unbound);
        return this.reply(ctx, outcome.text, 'private');
      }
    }
  }

  /** `/核对 [群]`: checks who may, then leaves the audit itself for after the commit. */
  private auditCommand(ctx: Context, cmd: Extract<ParsedCommand, { type: 'audit' }>): Sends {
    const org = this.deps.org();
    const { person } = ctx;
    let groups: Group[];
    if (cmd.target !== null) groups = groupsNamed(org, cmd.target);
    else if (ctx.group) groups = [ctx.group];
    else return this.reply(ctx, zhAudit.needGroup);
    if (groups.length === 0) return this.reply(ctx, zhAudit.unknownGroup(cmd.target ?? ''));
    if (!person || !groups.every((g) => mayAudit(org, person, g))) return this.reply(ctx, zhAudit.notAllowed);
    this.auditSink?.push({ ctx, groups });
    return NOTHING;
  }

  /** `/催办 [编号] [学院或班级]`: the next reminder round now, within the asker's scope. */
  private chase(ctx: Context, cmd: Extract<ParsedCommand, { type: 'chase' }>): Sends {
    const org = this.deps.org();
    const { person } = ctx;
    const scope = person ? scopeOf(org, person) : ({ kind: 'none' } as const);
    if (!person || scope.kind === 'none') return this.reply(ctx, zh.notAllowedToChase);
    const d = cmd.directiveId === null ? this.latestVisible(ctx, scope) : this.deps.relay.directive(cmd.directiveId);
    if (!d) return this.reply(ctx, cmd.directiveId === null ? zh.noDirective : zh.directiveNotFound(cmd.directiveId));
    if (!this.deps.queries.concerns(d, scope)) return this.reply(ctx, zh.directiveNotForScope(d.id));
    if (!this.deps.relay.accepts(d)) return this.reply(ctx, zh.chaseClosed(d.id));
    const narrowed = narrowScope(org, scope, cmd.filter);
    if (!narrowed) return this.reply(ctx, zh.filterNotFound(cmd.filter ?? ''));
    const outcome = this.deps.chaser.manual(d, person, narrowed, ctx.id);
    // The answer goes first; the reminders queue behind it.
    return [...this.reply(ctx, outcome.text), ...outcome.sends];
  }

  /** `/待确认`, `/确认 3`, `/忽略 3`: answered privately, since the list quotes people's messages. */
  private reviewCommand(ctx: Context, cmd: Extract<ParsedCommand, { type: 'review' | 'confirm' | 'dismiss' }>): Sends {
    const { person } = ctx;
    const scope = person ? scopeOf(this.deps.org(), person) : ({ kind: 'none' } as const);
    if (!person || scope.kind === 'none') return this.reply(ctx, zh.notInScope);
    if (cmd.type === 'review') {
      const list = this.desk.list(scope);
      if (ctx.ev.chat.type === 'private') return this.reply(ctx, list, 'private');
      return [...this.reply(ctx, zh.reviewListSent, 'group', 1), ...this.reply(ctx, list, 'private', 2)];
    }
    const result = this.desk.settle(person, scope, cmd.type, cmd.ids, cmd.all, cmd.directiveId);
    return [...this.reply(ctx, result.text, 'private'), ...result.sends];
  }

  private issue(ctx: Context, cmd: Extract<ParsedCommand, { type: 'notify' }>): Sends {
    const org = this.deps.org();
    const { person, group } = ctx;
    if (!person || !canIssueDirective(org, person)) return this.reply(ctx, zh.notAllowedToIssue);
    if (!group || group.level !== 1) return this.reply(ctx, zh.issueOnlyInSchoolGroup);
    let collegeIds: number[] | null = null;
    if (cmd.colleges) {
      const unknown = cmd.colleges.filter((n) => !org.collegeNamed(n));
      if (unknown.length > 0) return this.reply(ctx, zh.unknownColleges(unknown));
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
      urgent: cmd.urgent,
      createdAt: this.deps.clock.now(),
    };
    const { directive: d, sends } = this.deps.relay.create(input, initialReleases(org, input));
    const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, this.deps.timeZone);
    const confirmation = zh.directiveIssued({ id: d.id, groups: targetGroups(org, d).length, step: d.mode === 'step', deadline, hint: d.replyHint });
    // The confirmation goes first; the fan-out is queued behind answers to people.
    return [...this.reply(ctx, confirmation), ...sends];
  }

  private query(ctx: Context, cmd: Extract<ParsedCommand, { type: 'pending' | 'progress' }>): Sends {
    const org = this.deps.org();
    const { person } = ctx;
    const scope = person ? scopeOf(org, person) : ({ kind: 'none' } as const);
    if (!person || scope.kind === 'none') return this.reply(ctx, zh.notInScope);
    const d = cmd.directiveId === null ? this.latestVisible(ctx, scope) : this.deps.relay.directive(cmd.directiveId);
    if (!d) return this.reply(ctx, cmd.directiveId === null ? zh.noDirective : zh.directiveNotFound(cmd.directiveId));
    if (!this.deps.queries.concerns(d, scope)) return this.reply(ctx, zh.directiveNotForScope(d.id));
    const narrowed = narrowScope(org, scope, cmd.filter);
    if (!narrowed) return this.reply(ctx, zh.filterNotFound(cmd.filter ?? ''));
    const answer: Answer = cmd.type === 'pending' ? this.deps.queries.pending(d, narrowed, person) : this.deps.queries.progress(d, narrowed, person);
    return this.answer(ctx, answer);
  }

  /** In a group the public part goes to the group and names privately; in private, both privately. */
  private answer(ctx: Context, answer: Answer): Sends {
    if (ctx.ev.chat.type === 'private') {
      return this.reply(ctx, answer.private ? `${answer.public}\n\n${answer.private}` : answer.public, 'private');
    }
    const pub = this.reply(ctx, answer.private ? `${answer.public}\n${zh.detailsSentPrivately}` : answer.public, 'group', 1);
    return answer.private ? [...pub, ...this.reply(ctx, answer.private, 'private', 2)] : pub;
  }

  /** The newest directive the asker's group received, else the newest that concerns their scope. */
  private latestVisible(ctx: Context, scope: Scope): Directive | undefined {
    if (ctx.group) {
      const inGroup = this.deps.relay.openFor(ctx.group.id)[0];
      if (inGroup) return inGroup;
    }
    const since = this.deps.clock.now() - 4 * this.deps.relay.replyWindowMs;
    return this.deps.directives.open(since).find((d) => this.deps.queries.concerns(d, scope)) ?? this.deps.directives.latest();
  }

  /** Plans a reply in the ledger: keyed by the inbound message so a redelivery never answers twice. */
  private reply(ctx: Context, text: string, where: 'group' | 'private' = ctx.ev.chat.type, n = 1): Sends {
    const { ev } = ctx;
    const group = where === 'group' && ev.chat.type === 'group';
    return this.deps.outbox.plan([
      {
        key: deliveryKey.answer(ctx.id, n),
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
