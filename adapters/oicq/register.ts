/** oicq / icqq (the phone protocol) registers itself: accounts with `platform: oicq`. */
import { registerAdapter } from '../../src/platform/registry.js';
import { oicqOptionsSchema } from './options.js';

registerAdapter({
  kind: 'oicq',
  network: 'qq',
  keys: oicqOptionsSchema,
  options: oicqOptionsSchema,
  atAll: true,
  async create(accountId, options, env) {
    const { OicqAdapter } = await import('./adapter.js');
    return new OicqAdapter({ ...options, accountId }, { logger: env.logger, dataDir: env.dataDir });
  },
});
