/**
 * The context one inbound message is handled with (grammY's Context): who sent it, where, and how to
 * answer. Every answer is planned in the sent-ledger inside the message's transaction, keyed by the
 * message, so a redelivered message never answers twice. Answers to staff jump the account's send
 * queue; answers to everyone else queue behind directive posts and are limited per sender.
 */
import { scopeOf, type Directive } from '../domain/directive.js';
import type { ClassUnit, College, Group, Person } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import type { InboundMessage } from '../platform/port.js';
import { deliveryKey } from '../store/keys.js';
import type { AnswerLimits } from './answer-limits.js';
import { ANSWERED_DIRECTIVE, placeOf, type Answer, type AppContext, type LaterContext, type MessageContext, type Place, type Viewer } from './feature.js';
import type { Work } from './unit-of-work.js';
import { zhCore } from './texts.js';

/** Whether a person holds a staff role (their answers are not limited and jump the queue). */
export function isStaff(person: Person | undefined): boolean {
  return person !== undefined && person.kind === 'staff' && person.roles.length > 0;
}

export function viewerOf(org: OrgIndex, person: Person | undefined): Viewer {
  return { org, person, scope: person ? scopeOf(org, person) : { kind: 'none' }, staff: isStaff(person) };
}

/** The sender as the answer limits key them. */
export function senderKey(ev: InboundMessage): string {
  return `${ev.platform}:${ev.sender.userId}`;
}

/** What the contexts of one message share across its transactions. */
interface Shared {
  /** The number of the next answer (keys `r<inbound>-<n>`). */
  n: number;
  /** Whether this message may be answered at all (asked once, at its first answer). */
  allowed: boolean | undefined;
  /** After-commit continuations asked for so far. */
  laters: number;
}

export interface MessageContextInit {
  readonly app: AppContext;
  readonly limits: AnswerLimits;
  readonly inboundId: number;
  readonly ev: InboundMessage;
  readonly org: OrgIndex;
  readonly person: Person | undefined;
  readonly group: Group | undefined;
  /** True when the sender may use no command at all (refusals to them are rare). */
  readonly noRights: (viewer: Viewer) => boolean;
}

export class InboundContext implements MessageContext {
  readonly app: AppContext;
  readonly inboundId: number;
  readonly ev: InboundMessage;
  readonly org: OrgIndex;
  readonly person: Person | undefined;
  readonly group: Group | undefined;
  readonly college: College | undefined;
  readonly klass: ClassUnit | undefined;
  readonly place: Place;
  readonly viewer: Viewer;
  readonly now: number;
  private answered: { d: Directive | undefined } | undefined;

  private constructor(
    private readonly init: MessageContextInit,
    readonly work: Work,
    private readonly shared: Shared,
  ) {
    this.app = init.app;
    this.inboundId = init.inboundId;
    this.ev = init.ev;
    this.org = init.org;
    this.person = init.person;
    this.group = init.group;
    this.college = init.group?.collegeId == null ? undefined : init.org.college(init.group.collegeId);
    this.klass = init.group?.classId == null ? undefined : init.org.classUnit(init.group.classId);
    this.place = placeOf(init.ev.chat.type, init.group);
    this.viewer = viewerOf(init.org, init.person);
    this.now = init.app.clock.now();
  }

  static create(init: MessageContextInit, work: Work): InboundContext {
    return new InboundContext(init, work, { n: 1, allowed: undefined, laters: 0 });
  }

  directive(): Directive | undefined {
    this.answered ??= { d: this.app.find(ANSWERED_DIRECTIVE)?.(this) };
    return this.answered.d;
  }

  reply(text: string): void {
    this.send(this.ev.chat.type, text, true);
  }

  replyInGroup(text: string): void {
    this.send('group', text, true);
  }

  replyPrivately(text: string): void {
    this.send('private', text, true);
  }

  sendFilePrivately(attachmentId: number, instead: string): void {
    this.send('private', instead, true, attachmentId);
  }

  answer(a: Answer): void {
    if (this.ev.chat.type === 'private') {
      this.replyPrivately(a.private ? `${a.public}\n\n${a.private}` : a.public);
      return;
    }
    this.replyInGroup(a.private ? `${a.public}\n${zhCore.detailsSentPrivately}` : a.public);
    if (a.private) this.replyPrivately(a.private);
  }

  refuse(text: string): void {
    // Someone who may use no command at all (a student, a parent, a stranger) is refused rarely:
    // their refusals are what a flood or a prank would be made of.
    if (this.init.noRights(this.viewer) && !this.init.limits.refusal(senderKey(this.ev), this.now)) return;
    this.send(this.ev.chat.type, text, false);
  }

  orgChanged(): void {
    this.work.onCommit('reload-org', () => this.app.reloadOrg());
  }

  later(run: (next: LaterContext) => Promise<void>): void {
    const next: LaterContext = {
      ctx: this,
      transaction: (body) => this.app.store.transaction((work) => body(new InboundContext(this.init, work, this.shared))),
    };
    this.work.afterCommit({
      key: `later-${this.shared.laters++}`,
      run: async () => {
        try {
          await run(next);
        } catch (error) {
          await this.laterFailed(error, next);
        }
      },
    });
  }

  /**
   * The error boundary of a continuation, as of the message itself: the error is logged and recorded
   * under a number, and the asker gets an apology with it (the message had asked for something).
   */
  private async laterFailed(error: unknown, next: LaterContext): Promise<void> {
    const errorNo = this.app.failed('message', String(this.inboundId), error, 'a command could not be finished');
    try {
      await next.transaction((c) => c.reply(zhCore.apology(errorNo)));
    } catch (again) {
      this.app.logger.error({ err: again, errorNo, inbound: this.inboundId }, 'the apology could not be planned');
    }
  }

  /** Whether the message may be answered; asked once, at its first answer. */
  private mayAnswer(): boolean {
    if (this.shared.allowed === undefined) {
      this.shared.allowed = this.viewer.staff || this.init.limits.answer(senderKey(this.ev), this.ev.accountId, this.now);
      if (!this.shared.allowed) this.app.logger.debug({ inbound: this.inboundId }, 'answer limit reached; not answered');
    }
    return this.shared.allowed;
  }

  private send(where: 'group' | 'private', text: string, quote: boolean, attachmentId?: number): void {
    if (!this.mayAnswer()) return;
    const { ev } = this;
    const group = where === 'group' && ev.chat.type === 'group';
    // To people without a staff role, a group answer neither @-mentions nor quotes them: a WeChat
    // mention is their chosen nickname as text, a quote shows what they wrote, in the bot's post.
    const address = this.viewer.staff;
    const n = this.shared.n++;
    this.work.send(
      [
        {
          key: deliveryKey.answer(this.inboundId, n),
          purpose: group ? 'reply' : 'private',
          directiveId: null,
          groupId: this.group?.id ?? null,
          accountId: ev.accountId,
          platform: ev.platform,
          chatType: group ? 'group' : 'private',
          target: group && ev.chat.type === 'group' ? ev.chat.chatId : ev.sender.userId,
          text,
          mentions: group && address ? [ev.sender.userId] : [],
          quoteId: group && address && quote && ev.messageId ? ev.messageId : null,
          // Only answers to staff go ahead of directive posts in the account's queue; others go after them.
          lane: this.viewer.staff ? 'first' : 'last',
          ...(attachmentId === undefined ? {} : { attachmentId }),
        },
      ],
    );
  }
}
