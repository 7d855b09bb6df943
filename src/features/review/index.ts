/**
 * The review list: replies Cascade would not count on its own (`/待确认`), settled by a counselor or
 * deputy secretary (`/确认 3`, `/忽略 3`).
 */
import { ANYWHERE, defineCommand, serviceKey, type Feature, type MessageContext } from '../../app/feature.js';
import { responsible } from '../../app/guards.js';
import { parseSettleArgs, type SettleArgs } from '../../domain/commands.js';
import { RELAY } from '../directives/index.js';
import { REPLIES } from '../replies/index.js';
import { ReviewDesk } from './desk.js';
import { zhReview } from './texts.js';

export const REVIEW = serviceKey<ReviewDesk>('review');

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
  commands: [list, confirm, dismiss],
};
