/**
 * `cascade web-login <工号>`: a one-time login link to the web console for a member of staff, printed at
 * the server; anyone who may not log in is refused (exit 1). `cascade web-logout <工号>` ends their sessions.
 */
import { loadConfig } from '../config/load.js';
import { WebRepo } from '../store/web-repo.js';
import { viewerOf } from '../app/message-context.js';
import { LOGIN_LINK_MS } from '../features/console/index.js';
import { mayLogIn } from '../web/server.js';
import { option, withStoredOrg } from './args.js';

export async function webLoginCommand(args: string[], logout = false): Promise<number> {
  const ref = args.find((a) => !a.startsWith('--') && a !== option(args, '--config'));
  if (!ref) {
    process.stderr.write(`用法：cascade ${logout ? 'web-logout' : 'web-login'} <工号> [--config 文件]\n`);
    return 2;
  }
  const config = loadConfig(undefined, {}, option(args, '--config'));
  return withStoredOrg(config, async (db, org) => {
    const person = org.personByRef(ref);
    if (!person) {
      process.stderr.write(`名单中没有 ${ref}。\n`);
      return 1;
    }
    const web = new WebRepo(db);
    if (logout) {
      process.stdout.write(`已结束 ${person.name} 的 ${web.revokePerson(person.id, Date.now())} 个网页会话。\n`);
      return 0;
    }
    if (!mayLogIn(viewerOf(org, person))) {
      process.stderr.write(`${person.name} 不能登录网页控制台：只有学生工作组、副书记、学院领导、辅导员和班主任可以登录。\n`);
      return 1;
    }
    const base = (config.web.publicUrl ?? `http://${config.web.listen}`).replace(/\/+$/u, '');
    process.stdout.write(`${base}/login/${web.issueLogin(person.id, 'cli', Date.now(), LOGIN_LINK_MS)}\n`);
    process.stderr.write(`${person.name} 的一次性登录链接，10 分钟内有效，只能使用一次。\n`);
    return 0;
  });
}
