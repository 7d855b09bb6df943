/**
 * Accounts in the config are checked against the adapters that registered themselves (config imports
 * no adapter): each adapter's own keys and checks, with every bad key listed.
 */
import { describe, expect, it } from 'vitest';
import '../adapters/index.js';
import { ConfigError, parseConfig } from '../src/config/load.js';
import { chatPlatformOf, isRealAccount } from '../src/config/schema.js';
import { adapterKinds } from '../src/platform/registry.js';

function problems(accounts: unknown[]): readonly string[] {
  try {
    parseConfig({ accounts });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('accounts from the adapter registry', () => {
  it('knows the registered adapters and the simulator', () => {
    expect(adapterKinds().map((r) => r.kind).sort()).toEqual(['oicq', 'onebot', 'wechaty']);
    const config = parseConfig({
      accounts: [
        { id: 'qq-bot-1', platform: 'onebot', mode: 'reverse', listen: '127.0.0.1:6700', accessToken: 'secret-token' },
        { id: 'qq-bot-2', platform: 'oicq', uin: 123456 },
        { id: 'wx-bot-1', platform: 'wechaty' },
        { id: 'sim', platform: 'qq' },
      ],
    });
    expect(config.accounts.map((a) => [a.id, isRealAccount(a), chatPlatformOf(a)])).toEqual([
      ['qq-bot-1', true, 'qq'],
      ['qq-bot-2', true, 'qq'],
      ['wx-bot-1', true, 'wechat'],
      ['sim', false, 'qq'],
    ]);
    expect(config.accounts[1]).toMatchObject({ package: 'oicq', device: 'ipad' });
  });

  it('lists every bad key of an account, from its adapter’s own checks', () => {
    expect(problems([{ id: 'a', platform: 'onebot', mode: 'forward', colour: 'red' }])).toEqual(
      expect.arrayContaining(['accounts.0.colour: unknown key', 'accounts.0.url: forward mode needs url']),
    );
    expect(problems([{ id: 'a', platform: 'onebot', mode: 'reverse', listen: '0.0.0.0:6700' }])).toEqual([
      'accounts.0.accessToken: a reverse listener needs an accessToken: generate one with `cascade token` and set the same token in the OneBot implementation',
    ]);
    expect(problems([{ id: 'w', platform: 'wechaty', atAll: { enabled: true } }])).toEqual(['accounts.0.atAll: a wechaty account cannot send @所有人']);
    expect(problems([{ id: 'o', platform: 'oicq' }])[0]).toMatch(/^accounts\.0\.uin: /u);
  });

  it('names the platforms it knows when one is unknown', () => {
    expect(problems([{ id: 't', platform: 'telegram' }])).toEqual(['accounts.0.platform: unknown platform telegram (one of: qq, wechat, onebot, oicq, wechaty)']);
  });
});
