/**
 * Replies: what a group message that is not a command means, which directive it answers and whom it
 * counts for (acknowledgements, 接龙 lists, the review list), and taking a reply back (a recall).
 */
import { serviceKey, type Feature } from '../../app/feature.js';
import { quotedDirectiveId, RELAY } from '../directives/index.js';
import { ReplyCounter } from './counter.js';
import { clip } from '../../app/texts.js';
import { responsibleForGroup } from '../../domain/responsibility.js';
import { MANUAL } from '../manual/index.js';
import { zhReview } from '../review/texts.js';

export const REPLIES = serviceKey<ReplyCounter>('replies');

export const replies: Feature = {
  name: 'replies',
  needs: [RELAY],
  provides: [REPLIES],
  setup(app) {
    const { inbound } = app.repos;
    app.provide(
      REPLIES,
      new ReplyCounter({
        org: () => app.org(),
        inbound,
        directives: app.repos.directives,
        reviews: app.repos.reviews,
        relay: app.get(RELAY),
        clock: app.clock,
        logger: app.logger,
        policy: app.config.replies,
        quotedDirective: (ev) => quotedDirectiveId(app, ev),
        accountSeen: (platform, userId) => {
          // Stable ids: the roster's account is the account. Ids renewed at each login (wechat4u): only
          // an account this login has found again can be told apart from a claimant.
          const sessions = [...app.sessions.values()].filter((s) => s.platform === platform);
          return sessions.length === 0 || sessions.some((s) => s.resolves(userId));
        },
        // A question reaches the people responsible for its group at once, privately (the issuer for L1).
        onQuestion: ({ itemId, group, directive, text }) => {
          const org = app.org();
          const issuer = org.person(directive.issuerId);
          const people = group.level === 1 ? (issuer ? [issuer] : []) : responsibleForGroup(org, group);
          return app.get(MANUAL).tell(people, zhReview.questionAlert({ id: itemId, group: group.name, directive: directive.id, text: clip(text, 60) }), `question-${itemId}`);
        },
      }),
    );
  },
  inbound: {
    groupMessage(ctx) {
      if (!ctx.group) return;
      ctx.work.queue(ctx.app.get(REPLIES).onGroupMessage({ id: ctx.inboundId, ev: ctx.ev, group: ctx.group, person: ctx.person }));
    },
    recall(ev, { app }) {
      app.get(REPLIES).onRecall(ev);
    },
  },
};
