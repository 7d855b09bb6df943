/**
 * The real platform adapters, built from the `accounts` section of the config. Imported lazily: an
 * adapter's libraries (wechaty takes over a second to load) are loaded only when an account uses it.
 * Accounts on `qq` / `wechat` are the simulator's and are not built here.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { oneBotKeysOf, type AccountConfig } from '../config/schema.js';
import type { ChatAdapter } from './port.js';

export interface RealAdapterEnv {
  readonly logger: Logger;
  /** Each adapter keeps its login state (device files, tokens, memory cards) under it. */
  readonly dataDir: string;
}

export type RealAccount = Extract<AccountConfig, { platform: 'onebot' | 'oicq' | 'wechaty' }>;

export function isRealAccount(a: AccountConfig): a is RealAccount {
  return a.platform === 'onebot' || a.platform === 'oicq' || a.platform === 'wechaty';
}

/** Keys every account has that are not the adapter's own. */
function withoutCommon<T extends RealAccount>(a: T): Record<string, unknown> {
  const { id: _id, platform: _platform, minGapMs: _g, jitterMs: _j, perMinute: _m, perDay: _d, perGroupPerMinute: _p, atAll: _a, ...keys } = a;
  return keys;
}

export async function createRealAdapter(account: RealAccount, env: RealAdapterEnv): Promise<ChatAdapter> {
  const dataDir = join(env.dataDir, 'accounts');
  switch (account.platform) {
    case 'onebot': {
      const { OneBotAdapter } = await import('../../adapters/onebot/index.js');
      const { oneBotOptionsSchema } = await import('../../adapters/onebot/options.js');
      return new OneBotAdapter({ ...oneBotOptionsSchema.parse(oneBotKeysOf(account)), accountId: account.id }, { logger: env.logger });
    }
    case 'oicq': {
      const { OicqAdapter } = await import('../../adapters/oicq/index.js');
      const { oicqOptionsSchema } = await import('../../adapters/oicq/options.js');
      return new OicqAdapter({ ...oicqOptionsSchema.parse(withoutCommon(account)), accountId: account.id }, { logger: env.logger, dataDir });
    }
    case 'wechaty': {
      const { WechatyAdapter } = await import('../../adapters/wechaty/index.js');
      const { wechatyOptionsSchema } = await import('../../adapters/wechaty/options.js');
      return new WechatyAdapter({ ...wechatyOptionsSchema.parse(withoutCommon(account)), accountId: account.id }, { logger: env.logger, dataDir });
    }
  }
}
