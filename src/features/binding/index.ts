/**
 * Binding accounts to roster people: a student or parent binds their own account (`/绑定`, checked
 * against the roster, a conflict held for the counselor), and a counselor binds or unbinds an account
 * in their scope (`/绑定 … qq:账号`, `/解绑`). On WeChat the contact's remark follows the binding.
 */
import { defineCommand, serviceKey, type Feature, type MessageContext } from '../../app/feature.js';
import { anyone, responsible } from '../../app/guards.js';
import { parseBindArgs, parseUnbindArgs, type BindArgs, type UnbindArgs } from '../../domain/commands.js';
import { SMS } from '../sms/index.js';
import { BindingDesk, type BindOutcome } from './desk.js';
import { zhBind } from './texts.js';

export const BINDINGS = serviceKey<BindingDesk>('bindings');

/** The binding is written: the org is rebuilt, and every WeChat account that knows the contact writes (or clears) its remark. */
function settled(ctx: MessageContext, outcome: BindOutcome): void {
  if (outcome.changed) ctx.orgChanged();
  const { bound, unbound } = outcome;
  // Only once the binding is stored: a rolled-back binding leaves no remark behind.
  if (bound || unbound) {
    ctx.work.onCommit(`remark-${ctx.inboundId}`, () => {
      for (const r of ctx.app.sessions.values()) {
        if (bound && r.platform === bound.platform) r.remarkLater(bound.userId, bound.person);
        if (unbound && r.platform === unbound.platform) r.remarkLater(unbound.userId, null);
      }
    });
  }
  ctx.replyPrivately(outcome.text);
}

const bind = defineCommand<BindArgs>({
  name: 'bind',
  words: ['绑定', '绑定身份'],
  where: ['private'],
  // The message carries a 学号 and a name: it belongs in a private chat.
  wrongPlace: zhBind.privateOnly,
  guard: anyone,
  usage: (who) =>
    [
      '/绑定 学号 姓名 —— 学生绑定自己的账号；家长：/绑定 学生学号 学生姓名 关系',
      ...(who.scope.kind !== 'none' ? ['/绑定 学号 姓名 [关系] qq:账号 —— 为您负责范围内的学生或家长绑定账号（账号见 /核对 的明细）'] : []),
    ].join('\n'),
  explain: () => zhBind.usage,
  parse: (rest) => parseBindArgs(rest),
  handle(ctx, args) {
    const desk = ctx.app.get(BINDINGS);
    if (!args.account) return settled(ctx, desk.bind(ctx.ev, ctx.inboundId, args));
    // Binding someone else's account is for the people responsible for them.
    if (!ctx.person || ctx.viewer.scope.kind === 'none') return ctx.refuse(zhBind.notYours);
    settled(ctx, desk.bindFor(ctx.person, ctx.viewer.scope, { ...args, account: args.account }));
  },
});

const unbind = defineCommand<UnbindArgs>({
  name: 'unbind',
  words: ['解绑', '解除绑定'],
  where: ['private'],
  wrongPlace: zhBind.privateOnly,
  guard: responsible,
  refusal: zhBind.notYours,
  usage: () => '/解绑 qq:账号 —— 解除您负责范围内的账号绑定',
  explain: () => zhBind.unbindUsage,
  parse: (rest) => parseUnbindArgs(rest),
  handle(ctx, args) {
    if (!ctx.person) return;
    settled(ctx, ctx.app.get(BINDINGS).unbind(ctx.person, ctx.viewer.scope, args.account));
  },
});

export const binding: Feature = {
  name: 'binding',
  provides: [BINDINGS],
  setup(app) {
    app.provide(
      BINDINGS,
      new BindingDesk({
        org: () => app.org(),
        bindings: app.repos.bindings,
        reviews: app.repos.reviews,
        clock: app.clock,
        maxGuardians: app.config.membership.maxGuardians,
        phoneOf: (personId) => app.repos.contacts.currentPhones([personId]).get(personId) ?? null,
        // SMS is looked up when a code is sent: the sms feature may be set up after this one.
        sendCode: (personId, studentId, phone, code, key) => {
          if (!app.config.sms.enabled) return 'disabled';
          return app.get(SMS).planCode(personId, studentId, phone, code, key) ? 'sent' : 'capped';
        },
      }),
    );
  },
  commands: [bind, unbind],
  inbound: {
    // The six digits a `/绑定` code asked for, answered in the same private chat.
    privateMessage(ctx) {
      const outcome = ctx.app.get(BINDINGS).answerCode(ctx.ev, ctx.inboundId);
      if (!outcome) return false;
      settled(ctx, outcome);
      return true;
    },
  },
};
