/**
 * Directives and their relay: `/通知` in the school group creates a directive, and the relay posts it
 * into every group it reaches (at once, or step by step as each level acknowledges).
 */
import { ANSWERED_DIRECTIVE, defineCommand, serviceKey, type AppContext, type Feature, type MessageContext } from '../../app/feature.js';
import type { InboundMessage } from '../../platform/port.js';
import { directiveIssuers } from '../../app/guards.js';
import { parseNotifyArgs, type NotifyArgs } from '../../domain/commands.js';
import { initialReleases, targetGroups } from '../../domain/directive.js';
import { formatTime } from '../../domain/duration.js';
import { Relay } from './relay.js';
import { postsLine } from './posts.js';
import { POSTS_LINE } from '../queries/sections.js';
import { zhDirective } from './texts.js';
import { revisionCommands } from './revise.js';

export const RELAY = serviceKey<Relay>('relay');

const notify = defineCommand<NotifyArgs>({
  name: 'notify',
  words: ['通知', '发布', '下发'],
  longText: true,
  where: ['L1'],
  wrongPlace: zhDirective.issueOnlyInSchoolGroup,
  guard: directiveIssuers,
  refusal: zhDirective.notAllowedToIssue,
  usage: () => '/通知 [选项] 正文 —— 发布通知并逐级下发\n  选项：截止=18:00 | 层级=2/3/4 | 学院=A,B | 逐级 | 落实 | 回复=1 | 紧急（夜间也提醒）',
  explain: (e) => zhDirective.error(e.code, e.detail),
  parse: (rest, env) => parseNotifyArgs(rest, env),
  handle: issue,
});

function issue(ctx: MessageContext, cmd: NotifyArgs): void {
  const { org, person, group } = ctx;
  if (!person || !group) return;
  let collegeIds: number[] | null = null;
  if (cmd.colleges) {
    // A unique prefix is the college (`学院=计算机`); otherwise the closest names are offered, nothing is guessed.
    const found = cmd.colleges.map((n) => ({ n, r: org.findCollege(n) }));
    const unknown = found.filter((f) => f.r.match === undefined);
    if (unknown.length > 0) {
      const suggestions = [...new Set(unknown.flatMap((u) => u.r.suggestions.map((c) => c.name)))];
      return ctx.reply(zhDirective.unknownColleges(unknown.map((u) => u.n), suggestions));
    }
    collegeIds = [...new Set(found.map((f) => f.r.match?.id ?? 0))];
  }
  const input = {
    issuerId: person.id,
    originGroupId: group.id,
    originInboundId: ctx.inboundId,
    text: cmd.body,
    deadlineAt: cmd.deadlineAt,
    // Not given: 4 with a parents' version, else the configured default (3: parents only when asked).
    depth: cmd.depth ?? (cmd.parentsText !== null ? 4 : ctx.app.config.directives.defaultDepth),
    parentsText: cmd.parentsText,
    collegeIds,
    requireCompletion: cmd.requireCompletion,
    mode: cmd.mode,
    replyHint: cmd.replyHint,
    urgent: cmd.urgent,
    sms: cmd.sms,
    createdAt: ctx.now,
  };
  const { directive: d, sends } = ctx.app.get(RELAY).create(input, initialReleases(org, input));
  const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, ctx.app.timeZone, { now: ctx.now });
  // The confirmation goes first; the fan-out is queued behind answers to people.
  ctx.reply(
    zhDirective.directiveIssued({
      id: d.id,
      groups: targetGroups(org, d).length,
      step: d.mode === 'step',
      deadline,
      hint: d.replyHint,
      depth: d.depth,
      parentsVersion: d.parentsText !== null,
      parentsVersionIgnored: cmd.parentsText !== null && d.depth < 4,
    }),
  );
  ctx.work.queue(sends);
}

/**
 * The directive whose post a group message quotes: a bot's post by its platform id, or the issuer's
 * command. Where each account numbers messages itself, only what that account sent or saw can be meant.
 */
export function quotedDirectiveId(app: AppContext, ev: InboundMessage): number | null {
  if (ev.chat.type !== 'group' || ev.quoteId === undefined) return null;
  const perAccount = app.adapters.get(ev.accountId)?.capabilities.crossAccountMessageIds === false ? ev.accountId : undefined;
  const { ledger, inbound } = app.repos;
  return ledger.directiveOfMessage(ev.platform, ev.chat.chatId, ev.quoteId, perAccount) ?? inbound.directiveOfPlatformMessage(ev.platform, ev.chat.chatId, ev.quoteId, perAccount);
}

/**
 * The directive a message answers: the one whose post it quotes (a bot's post by its platform id, or
 * the issuer's command), else the newest its group has open.
 */
function answered(ctx: MessageContext) {
  const relay = ctx.app.get(RELAY);
  const { ev } = ctx;
  const id = quotedDirectiveId(ctx.app, ev);
  const quoted = id === null ? undefined : relay.directive(id);
  if (quoted) return quoted;
  return ctx.group ? relay.openIn(ctx.group.id).next().value ?? undefined : undefined;
}

export const directives: Feature = {
  name: 'directives',
  provides: [RELAY, ANSWERED_DIRECTIVE, POSTS_LINE],
  setup(app) {
    app.provide(ANSWERED_DIRECTIVE, answered);
    app.provide(
      RELAY,
      new Relay({
        org: () => app.org(),
        directives: app.repos.directives,
        outbox: app.outbox,
        clock: app.clock,
        timeZone: app.timeZone,
        replyWindowMs: app.config.replies.windowMs,
        canSend: (accountId) => app.adapters.has(accountId),
        uow: app.store,
      }),
    );
    app.provide(POSTS_LINE, (d, scope) => postsLine(app.org(), d, scope, app.repos.ledger.postStates(d.id), app.clock.now()));
  },
  commands: [notify, ...revisionCommands],
  async onStart(app) {
    app.get(RELAY).load();
  },
};
