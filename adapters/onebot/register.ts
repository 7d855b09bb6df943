/** OneBot v11 (NapCat, LLOneBot, Lagrange, go-cqhttp) registers itself: accounts with `platform: onebot`. */
import { registerAdapter } from '../../src/platform/registry.js';
import { oneBotAccountKeys, oneBotOptionsSchema } from './options.js';

registerAdapter({
  kind: 'onebot',
  network: 'qq',
  keys: oneBotAccountKeys,
  options: oneBotOptionsSchema,
  atAll: true,
  async create(accountId, options, env) {
    const { OneBotAdapter } = await import('./adapter.js');
    return new OneBotAdapter({ ...options, accountId }, { logger: env.logger });
  },
});
