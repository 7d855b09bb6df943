/**
 * The web console's chat side (issue #16): `/登录` in a private chat answers staff with a one-time login
 * link (ten minutes, single use). The console itself is src/web/.
 */
import { defineCommand, type AppContext, type Feature } from '../../app/feature.js';
import { responsible } from '../../app/guards.js';
import { zhConsole } from './texts.js';

/** How long a login link works. */
export const LOGIN_LINK_MS = 10 * 60_000;

/** The address people open: `web.publicUrl`, else http://<web.listen>. */
export function consoleUrl(app: Pick<AppContext, 'config'>): string {
  return (app.config.web.publicUrl ?? `http://${app.config.web.listen}`).replace(/\/+$/u, '');
}

/** A one-time login link for the person, or null when they asked for too many this minute. */
export function loginLink(app: Pick<AppContext, 'config' | 'repos'>, personId: number, via: 'chat' | 'cli', now: number): string | null {
  if (app.repos.web.loginsSince(personId, now - 60_000) >= app.config.web.loginPerMinute) return null;
  return `${consoleUrl(app)}/login/${app.repos.web.issueLogin(personId, via, now, LOGIN_LINK_MS)}`;
}

const login = defineCommand<null>({
  name: 'web-login',
  words: ['登录', '登陆', '网页登录', '控制台'],
  where: ['private', 'L1', 'L2', 'L3', 'L4', 'extra', 'unlisted'],
  guard: responsible,
  usage: () => '/登录 —— 获取网页控制台的一次性登录链接（仅私聊，10 分钟内有效）',
  parse: () => null,
  handle(ctx) {
    if (!ctx.person) return;
    // A link is a key to the person's scope: never posted in a group.
    if (ctx.ev.chat.type !== 'private') return ctx.reply(zhConsole.privateOnly);
    const link = loginLink(ctx.app, ctx.person.id, 'chat', ctx.now);
    ctx.replyPrivately(link === null ? zhConsole.tooMany : zhConsole.link(link));
  },
});

export const consoleFeature: Feature = {
  name: 'console',
  commands: [login],
};
