/**
 * Manual tasks: when no bot can post a directive or reminder into a group, the person responsible for
 * the group is sent the exact text privately and posts it by hand (`/待转发`, `/已转发 <编号>`); when a
 * bot may have posted one and the platform cannot tell, they look (`/已转发` if it is there, `/重发` if not).
 */
import { ANYWHERE, defineCommand, serviceKey, type Feature } from '../../app/feature.js';
import { responsible } from '../../app/guards.js';
import { parsePostedArgs, type PostedArgs } from '../../domain/commands.js';
import { ManualDesk } from './desk.js';
import { zhManual } from './texts.js';

export const MANUAL = serviceKey<ManualDesk>('manual');

const tasks = defineCommand<null>({
  name: 'tasks',
  words: ['待转发', '转发任务'],
  where: ANYWHERE,
  guard: responsible,
  usage: () => '/待转发 —— 查看需要您人工转发到群里的消息（私信回复）',
  parse: () => null,
  handle(ctx) {
    if (!ctx.person) return;
    for (const text of ctx.app.get(MANUAL).tasks(ctx.person)) ctx.replyPrivately(text);
  },
});

const posted = defineCommand<PostedArgs>({
  name: 'posted',
  words: ['已转发', '已发', '已代发'],
  where: ANYWHERE,
  guard: responsible,
  usage: () => '/已转发 编号 —— 人工转发到群里后确认，计为已发送',
  explain: () => zhManual.usage,
  parse: (rest, env) => parsePostedArgs(rest, env.maxIds),
  handle(ctx, args) {
    if (!ctx.person) return;
    ctx.replyPrivately(ctx.app.get(MANUAL).posted(ctx.person, args.ids));
  },
});

const resend = defineCommand<PostedArgs>({
  name: 'resend',
  words: ['重发', '重新发送'],
  where: ANYWHERE,
  guard: responsible,
  usage: () => '/重发 编号 —— 查看后发现通知没有发到群里时，让机器人重新发送',
  explain: () => zhManual.resendUsage,
  parse: (rest, env) => parsePostedArgs(rest, env.maxIds),
  handle(ctx, args) {
    if (!ctx.person) return;
    const { text, sends } = ctx.app.get(MANUAL).resend(ctx.person, args.ids);
    ctx.replyPrivately(text);
    ctx.work.queue(sends);
  },
});

export const manual: Feature = {
  name: 'manual',
  provides: [MANUAL],
  setup(app) {
    const desk = new ManualDesk({
      org: () => app.org(),
      ledger: app.repos.ledger,
      clock: app.clock,
      timeZone: app.timeZone,
      plan: (planned) => app.outbox.plan(planned),
      usable: (accountId) => app.usable(accountId),
    });
    app.provide(MANUAL, desk);
    // What no bot can post becomes a task for a person, in one transaction with the private message asking them.
    app.outbox.use({
      manualTask: async (d, reason) =>
        app.store.transaction((work) => {
          const sends = desk.task(d, reason);
          if (sends) work.queue(sends);
          return sends !== null;
        }),
      // A post a bot may have made and the platform cannot confirm: a person looks.
      checkTask: async (d, reason) =>
        app.store.transaction((work) => {
          const sends = desk.check(d, reason);
          if (sends) work.queue(sends);
          return sends !== null;
        }),
    });
  },
  commands: [tasks, posted, resend],
};
