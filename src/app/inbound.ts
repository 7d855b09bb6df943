/**
 * The single entry point for everything the platforms report (grammY's handleUpdate). Each event is
 * handled in one transaction: a message is stored once however many bot accounts saw it, read as a
 * command (run through the registry) or handed to the features that take ordinary messages (replies),
 * and every answer it causes is planned with it. Each message runs inside an error boundary: a
 * handler that throws has its writes rolled back, the sender gets an apology with an error number,
 * and the log the error under the same number.
 */
import type { ParseEnv } from '../domain/commands.js';
import type { InboundEvent, InboundMessage } from '../platform/port.js';
import { deliveryKey, inboundKey, textHash } from '../store/keys.js';
import type { AnswerLimits } from './answer-limits.js';
import type { CommandRegistry } from './commands.js';
import { describeError, newErrorNumber } from './errors.js';
import type { AppContext, EventContext, Feature } from './feature.js';
import { InboundContext, isStaff, senderKey } from './message-context.js';
import { zhCore } from './texts.js';
import type { Work } from './unit-of-work.js';

/** Two copies of one message seen by two bot accounts arrive at most this far apart. */
export const SAME_MESSAGE_WINDOW_MS = 10_000;

/**
 * The key a redelivery repeats: the platform's message id within the group where the platform shares
 * ids across accounts (then also the same for every account); the account's own id for it where each
 * account numbers messages itself (the store then tells another account's copy by its sightings); else
 * sender + text + quote + a time bucket (and the store also looks for a near copy, since two copies
 * can straddle a bucket).
 */
export function inboundDedupeKey(ev: InboundEvent, crossAccountIds = true): string {
  if (ev.kind === 'login') return inboundKey.login(ev.platform, ev.accountId, ev.at);
  if (ev.kind !== 'message') return inboundKey.event(ev.kind, ev.platform, ev.chatId, ev.userId, ev.at, ev.kind === 'recall' ? ev.messageId : '');
  if (ev.messageId && ev.chat.type === 'group') {
    return crossAccountIds ? inboundKey.groupMessage(ev.platform, ev.chat.chatId, ev.messageId) : inboundKey.accountMessage(ev.platform, ev.accountId, ev.chat.chatId, ev.messageId);
  }
  if (ev.messageId && ev.chat.type === 'private') return inboundKey.privateMessage(ev.platform, ev.accountId, ev.messageId);
  const chat = ev.chat.type === 'group' ? { type: 'group' as const, chatId: ev.chat.chatId } : { type: 'private' as const, accountId: ev.accountId };
  return inboundKey.fingerprint(ev.platform, chat, ev.sender.userId, Math.floor(ev.at / SAME_MESSAGE_WINDOW_MS), ev.text, ev.quoteId);
}

export interface InboundOptions {
  readonly app: AppContext;
  readonly registry: CommandRegistry;
  readonly features: readonly Feature[];
  readonly limits: AnswerLimits;
  readonly maxIds: number;
}

export class Inbound {
  constructor(private readonly o: InboundOptions) {}

  async handle(ev: InboundEvent): Promise<void> {
    const { app } = this.o;
    switch (ev.kind) {
      case 'recall':
        await app.store.transaction((work) => this.each(work, (f, ctx) => f.inbound?.recall?.(ev, ctx)));
        return;
      case 'member_join':
        await app.store.transaction((work) => this.each(work, (f, ctx) => f.inbound?.memberJoin?.(ev, ctx)));
        return;
      case 'member_leave':
        await app.store.transaction((work) => this.each(work, (f, ctx) => f.inbound?.memberLeave?.(ev, ctx)));
        return;
      case 'login':
        return;
      case 'message':
        await app.store.transaction((work) => this.message(ev, work));
        return;
    }
  }

  private each(work: Work, run: (f: Feature, ctx: EventContext) => void): void {
    const ctx = { app: this.o.app, work };
    for (const f of this.o.features) run(f, ctx);
  }

  private message(ev: InboundMessage, work: Work): void {
    const { app, registry } = this.o;
    const { repos } = app;
    const org = app.org();
    const pg = ev.chat.type === 'group' ? org.platformGroup(ev.platform, ev.chat.chatId) : undefined;
    const group = pg ? org.group(pg.groupId) : undefined;
    const person = org.personByPlatformAccount(ev.platform, ev.sender.userId);
    const crossIds = app.adapters.get(ev.accountId)?.capabilities.crossAccountMessageIds ?? true;
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
      files: ev.files && ev.files.length > 0 ? JSON.stringify(ev.files) : null,
    };
    // Where each account numbers messages itself, each account's sighting is kept: a copy another account
    // stored first is recognised by counting (see InboundRepo.copyOf), never by looking alike alone.
    const sighting =
      !crossIds && ev.chat.type === 'group' && ev.messageId !== undefined
        ? {
            accountId: ev.accountId,
            platform: ev.platform,
            chatId: ev.chat.chatId,
            platformMessageId: ev.messageId,
            senderPlatformId: ev.sender.userId,
            textHash: textHash(ev.text),
            quoteRef: this.quoteRef(ev),
            at: ev.at,
          }
        : undefined;
    if (sighting) {
      if (repos.inbound.sighted(sighting.accountId, sighting.platform, sighting.chatId, sighting.platformMessageId) !== undefined) return;
      const copyOf = repos.inbound.copyOf(sighting, SAME_MESSAGE_WINDOW_MS);
      if (copyOf !== null) {
        repos.inbound.sight({ ...sighting, inboundId: copyOf });
        return;
      }
    } else if (!crossIds && ev.chat.type === 'group' && repos.inbound.nearDuplicate(row, SAME_MESSAGE_WINDOW_MS)) return;
    const id = repos.inbound.insert(row);
    if (id === undefined) return; // already handled: another account saw it, or a redelivery
    if (sighting) repos.inbound.sight({ ...sighting, inboundId: id });
    const ctx = InboundContext.create({ app, limits: this.o.limits, inboundId: id, ev, org, person, group, noRights: (v) => registry.noRights(v) }, work);
    const mentionsBot = ev.mentionsBot || ev.mentions.some((m) => app.botIds.has(m));
    const head = registry.head(ev.text, mentionsBot);
    if (!head && ev.truncatedFrom !== undefined) {
      // Only its head was kept: it is recorded, and neither read as a reply nor answered (a command is refused as too long).
      repos.inbound.interpret(id, 'too_long', null, null, { truncatedFrom: ev.truncatedFrom });
      return;
    }
    if (head) {
      repos.inbound.interpret(id, 'command', 1, null);
      const env: ParseEnv = { now: ctx.now, timeZone: app.timeZone, maxIds: this.o.maxIds };
      this.guarded(ctx, true, () => registry.dispatch(ctx, head, env));
      return;
    }
    if (ev.chat.type === 'private') {
      repos.inbound.interpret(id, 'other', null, null);
      let taken = false;
      for (const f of this.o.features) {
        const take = f.inbound?.privateMessage;
        if (take && !taken) this.guarded(ctx, false, () => (taken = take(ctx)));
        if (taken) return;
      }
      // An account the roster does not know hears so once a day, whatever it sends.
      if (person) ctx.reply(zhCore.privateOnlyHint);
      else if (this.o.limits.stranger(senderKey(ev), ctx.now)) ctx.reply(zhCore.unknownSenderPrivate);
      return;
    }
    if (!group) {
      repos.inbound.interpret(id, 'unknown_group', null, null);
      return;
    }
    for (const f of this.o.features) {
      const take = f.inbound?.groupMessage;
      if (take) this.guarded(ctx, false, () => take(ctx));
    }
  }

  /** What a quote-reply quotes, where this account can tell: a directive post it sent. */
  private quoteRef(ev: InboundMessage): string | null {
    if (ev.quoteId === undefined || ev.chat.type !== 'group') return null;
    const d = this.o.app.repos.ledger.directiveOfMessage(ev.platform, ev.chat.chatId, ev.quoteId, ev.accountId);
    return d === null ? null : `d${d}`;
  }

  /**
   * The error boundary of a message: what a throwing handler wrote is rolled back, the error is logged
   * with a number, and a person who asked something (a command) is told that number. Ordinary group
   * messages get no apology in the group: the failure is logged and the message marked.
   */
  private guarded(ctx: InboundContext, asked: boolean, run: () => void): void {
    const done = ctx.work.isolate(run);
    if (done.ok) return;
    const errorNo = newErrorNumber();
    const { ev } = ctx;
    this.o.app.logger.error(
      { err: done.error, errorNo, inbound: ctx.inboundId, account: ev.accountId, chat: ev.chat.type === 'group' ? ev.chat.chatId : 'private' },
      'a message could not be handled',
    );
    this.o.app.repos.inbound.interpret(ctx.inboundId, 'error', null, null, { errorNo });
    this.o.app.repos.failures.record({ errorNo, queue: 'message', ref: String(ctx.inboundId), attempts: 1, error: describeError(done.error), at: ctx.now });
    if (asked) ctx.reply(zhCore.apology(errorNo));
  }

  /**
   * A message whose job failed for good (its transaction never committed: the store refused): the
   * sender is told, with the error number the log carries, where they wrote (in a group only if it
   * was a command: ordinary replies get no apology in the group).
   */
  async failed(ev: InboundMessage, errorNo: string, jobId: string): Promise<void> {
    const { app, registry } = this.o;
    const mentionsBot = ev.mentionsBot || ev.mentions.some((m) => app.botIds.has(m));
    const group = ev.chat.type === 'group';
    if (group && !registry.head(ev.text, mentionsBot)) return;
    // The same rules as any answer: rationed for people without a staff role, after the posts waiting, never addressing them in a group.
    const staff = isStaff(app.org().personByPlatformAccount(ev.platform, ev.sender.userId));
    if (!staff && !this.o.limits.answer(senderKey(ev), ev.accountId, app.clock.now())) return;
    await app.store.transaction((work) =>
      work.send([
        {
          key: deliveryKey.apology(jobId),
          purpose: group ? 'reply' : 'private',
          directiveId: null,
          groupId: null,
          accountId: ev.accountId,
          platform: ev.platform,
          chatType: group ? 'group' : 'private',
          target: ev.chat.type === 'group' ? ev.chat.chatId : ev.sender.userId,
          text: zhCore.apology(errorNo),
          mentions: group && staff ? [ev.sender.userId] : [],
          quoteId: null,
          lane: staff ? 'first' : 'last',
        },
      ]),
    );
  }
}
