import { describe, expect, it } from 'vitest';
import { oneBotOptionsSchema } from './options.js';

describe('options', () => {
  it('fills defaults and checks which transport needs which address', () => {
    expect(oneBotOptionsSchema.parse({ mode: 'forward', url: 'ws://127.0.0.1:3001' })).toEqual({
      mode: 'forward',
      url: 'ws://127.0.0.1:3001',
      fileUpload: 'base64',
      callTimeoutMs: 10_000,
      reconnect: { minMs: 1_000, maxMs: 10_000 },
    });
    const bad = oneBotOptionsSchema.safeParse({ mode: 'reverse', url: 'ws://x', reconnect: { minMs: 5, maxMs: 1 }, extra: 1 });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.') || i.message) ?? [];
    expect(paths.join(' ')).toMatch(/extra|Unrecognized/);
    for (const ok of [{ mode: 'reverse', listen: '0.0.0.0:6700', accessToken: 't' }, { mode: 'reverse', listen: '[::1]:6700', accessToken: 't' }, { mode: 'reverse', listen: '127.0.0.1:6700', accessToken: 't' }]) {
      expect(oneBotOptionsSchema.safeParse(ok).success).toBe(true);
    }
    // Without a token anyone could pose as the implementation, on loopback too (any process of the host, a
    // web page), and whatever the address looks like (`127.attacker.example:6700`).
    for (const listen of ['0.0.0.0:6700', '127.0.0.1:6700', '[::1]:6700', '127.attacker.example:6700']) {
      const r = oneBotOptionsSchema.safeParse({ mode: 'reverse', listen });
      expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['accessToken']);
      expect(r.error?.issues[0]?.message).toContain('cascade token');
    }
    expect(oneBotOptionsSchema.safeParse({ mode: 'reverse', listen: '6700' }).success).toBe(false);
    const issues = (input: unknown): string[] => oneBotOptionsSchema.safeParse(input).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(issues({ mode: 'forward' })).toEqual(['url']);
    expect(issues({ mode: 'reverse', listen: '127.0.0.1:6700', url: 'ws://x', accessToken: 't' })).toEqual(['url']);
    expect(issues({ mode: 'forward', url: 'ws://x', reconnect: { minMs: 5, maxMs: 1 } })).toEqual(['reconnect.minMs']);
    expect(oneBotOptionsSchema.safeParse({ mode: 'forward', url: 'http://x' }).success).toBe(false);
  });
});
