/** wechaty (wechat4u by default) registers itself: accounts with `platform: wechaty`. wechat4u cannot send @所有人. */
import { registerAdapter } from '../../src/platform/registry.js';
import { wechatyOptionsSchema } from './options.js';

registerAdapter({
  kind: 'wechaty',
  network: 'wechat',
  keys: wechatyOptionsSchema,
  options: wechatyOptionsSchema,
  atAll: false,
  async create(accountId, options, env) {
    const { WechatyAdapter } = await import('./adapter.js');
    return new WechatyAdapter({ ...options, accountId }, { logger: env.logger, dataDir: env.dataDir });
  },
});
