/**
 * The review list: replies Cascade would not count on its own (`/待确认`), settled by a counselor or
 * deputy secretary (`/确认 3`, `/忽略 3`).
 */
import { ANYWHERE, defineCommand, serviceKey, type Feature, type MessageContext } from '../../app/feature.js';
import { responsible } from '../../app/guards.js';
import { parseSettleArgs, type CommandError, type SettleArgs } from '../../domain/commands.js';
import { scopeCovers } from '../../domain/directive.js';
import { deliveryKey } from '../../store/keys.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import { RELAY } from '../directives/index.js';
import { REPLIES } from '../replies/index.js';
import { ReviewDesk } from './desk.js';
import { zhReview } from './texts.js';

export const REVIEW = serviceKey<ReviewDesk>('review');

interface AnswerArgs {
  readonly id: number;
  readonly privately: boolean;
  readonly text: string;
}

/** `12 内容`, `【12】内容`, `12 私聊 内容`; bounded. */
function parseAnswerArgs(rest: string): AnswerArgs | CommandError {
  const m = /^\s*【?(\d{1,9})】?\s*(私聊|私信)?\s*([\s\S]+)$/u.exec(rest.normalize('NFKC'));
  const text = m?.[3]?.trim() ?? '';
  if (!m?.[1] || text === '' || [...text].length > 2_000) return { type: 'error', command: 'answer', code: 'bad_revision', detail: '' };
  return { id: Number(m[1]), privately: m[2] !== undefined, text };
}

/**
 * `/答复 <编号> <文本>` (issue #15): a question (or a “没收到”) on the review list is answered in the group
 * where it was asked, quoting it — or privately to whoever asked, with `私聊` — and is closed.
 */
const answer = defineCommand<AnswerArgs>({
  name: 'answer',
  words: ['答复', '回答'],
  longText: true,
  where: ANYWHERE,
  guard: responsible,
  refusal: zhReview.notInScope,
  usage: () => '/答复 编号 内容 —— 在提问的群里答复待确认列表中的问题（加“私聊”则私下答复）',
  explain: () => zhReview.answerUsage,
  parse: parseAnswerArgs,
  handle(ctx, args) {
    if (!ctx.person) return;
    const { reviews, inbound } = ctx.app.repos;
    const item = reviews.get(args.id);
    const m = item ? inbound.get(item.inboundId) : undefined;
    if (!item || !m || item.status !== 'open' || (item.kind !== 'question' && item.kind !== 'negative') || !scopeCovers(ctx.viewer.scope, item)) {
      return ctx.reply(zhReview.notAQuestion(args.id));
    }
    const privately = args.privately || m.chatType !== 'group';
    const planned: PlannedDelivery = {
      key: deliveryKey.questionAnswer(item.id),
      purpose: privately ? 'private' : 'reply',
      directiveId: item.directiveId,
      groupId: privately ? null : m.groupId,
      accountId: m.accountId,
      platform: m.platform,
      chatType: privately ? 'private' : 'group',
      target: privately ? m.senderPlatformId : m.chatId,
      text: zhReview.answerPost(args.text),
      mentions: [],
      quoteId: privately ? null : m.platformMessageId,
      lane: 'first',
    };
    reviews.decide(item.id, 'confirmed', ctx.person.id, ctx.now);
    ctx.work.queue(ctx.app.outbox.plan([planned]));
    ctx.reply(zhReview.answered(item.id, privately));
  },
});

const list = defineCommand<null>({
  name: 'review',
  words: ['待确认', '待审核', '待核实'],
  where: ANYWHERE,
  guard: responsible,
  refusal: zhReview.notInScope,
  usage: () => '/待确认 —— 查看需要人工确认的回复（私信回复）',
  parse: () => null,
  handle(ctx) {
    // The list quotes people's messages: it is sent privately.
    const text = ctx.app.get(REVIEW).list(ctx.viewer.scope);
    if (ctx.ev.chat.type === 'group') ctx.replyInGroup(zhReview.reviewListSent);
    ctx.replyPrivately(text);
  },
});

function settle(decision: 'confirm' | 'dismiss') {
  return (ctx: MessageContext, args: SettleArgs): void => {
    if (!ctx.person) return;
    const result = ctx.app.get(REVIEW).settle(ctx.person, ctx.viewer.scope, decision, args.ids, args.all, args.directiveId);
    if (result.bound > 0) ctx.orgChanged();
    ctx.replyPrivately(result.text);
    ctx.work.queue(result.sends);
  };
}

const confirm = defineCommand<SettleArgs>({
  name: 'confirm',
  words: ['确认'],
  digitsFollow: true,
  prefixOnly: true,
  where: ANYWHERE,
  guard: responsible,
  refusal: zhReview.notInScope,
  usage: () => '/确认 编号 —— 计入待确认的回复（可写多个编号、3-6 或“全部”；“/确认 3 #12”只计第12号通知）',
  explain: (e) => zhReview.badIds(e.detail),
  parse: (rest, env) => parseSettleArgs('confirm', rest, env.maxIds),
  handle: settle('confirm'),
});

const dismiss = defineCommand<SettleArgs>({
  name: 'dismiss',
  words: ['忽略', '不计'],
  digitsFollow: true,
  prefixOnly: true,
  where: ANYWHERE,
  guard: responsible,
  refusal: zhReview.notInScope,
  usage: () => '/忽略 编号 —— 不计待确认的回复',
  explain: (e) => zhReview.badIds(e.detail),
  parse: (rest, env) => parseSettleArgs('dismiss', rest, env.maxIds),
  handle: settle('dismiss'),
});

export const review: Feature = {
  name: 'review',
  needs: [RELAY, REPLIES],
  provides: [REVIEW],
  setup(app) {
    app.provide(
      REVIEW,
      new ReviewDesk({
        org: () => app.org(),
        reviews: app.repos.reviews,
        directives: app.repos.directives,
        relay: app.get(RELAY),
        replies: app.get(REPLIES),
        clock: app.clock,
        timeZone: app.timeZone,
        bindings: app.repos.bindings,
      }),
    );
  },
  commands: [list, confirm, dismiss, answer],
};
