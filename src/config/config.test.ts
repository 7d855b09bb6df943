import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, loadConfig } from './load.js';

describe('config', () => {
  it('fills defaults and freezes the result', () => {
    const config = parseConfig({});
    expect(config.sending.minGapMs).toBe(1500);
    expect(config.school.timeZone).toBe('Asia/Shanghai');
    expect(Object.isFrozen(config.sending)).toBe(true);
  });

  it('lists every bad key, naming it', () => {
    let error: unknown;
    try {
      parseConfig({ sending: { minGapMs: -1, burst: 3 }, colour: 'red' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('sending.minGapMs');
    expect(problems).toContain('sending.burst: unknown key');
    expect(problems).toContain('colour: unknown key');
  });

  it('applies environment overrides', () => {
    const config = loadConfig({ CASCADE_CONFIG: undefined, REDIS_URL: 'redis://127.0.0.1:7777', CASCADE_DATA_DIR: '/tmp/x' });
    expect(config.redis.url).toBe('redis://127.0.0.1:7777');
    expect(config.dataDir).toBe('/tmp/x');
  });

  it('fails at start on a missing explicit config file', () => {
    expect(() => loadConfig({ CASCADE_CONFIG: '/nonexistent/cascade.yaml' })).toThrow(ConfigError);
  });
});
