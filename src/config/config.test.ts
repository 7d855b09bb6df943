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

  it('reads the chasing policy with human durations and refuses what would name parents in a group', () => {
    const config = parseConfig({ chasing: { levels: { L3: [{ after: '45m', action: 'mention', every: '1h', times: 2 }] }, cooldown: '5m' } });
    expect(config.chasing.levels.L3).toEqual([{ after: 45 * 60_000, action: 'mention', every: 3_600_000, times: 2 }]);
    expect(config.chasing.cooldown).toBe(300_000);
    expect(config.chasing.levels.L1.map((s) => s.action)).toEqual(['mention', 'private', 'nag']);
    expect(config.chasing.quietHours).toEqual({ start: '22:30', end: '07:00' });
    expect(parseConfig({ chasing: { quietHours: null } }).chasing.quietHours).toBeNull();
    let error: unknown;
    try {
      parseConfig({
        chasing: {
          levels: { L4: [{ after: '1h', action: 'mention' }], L2: [{ after: 'soon', action: 'nag' }], L1: [{ after: '1h', action: 'nag', times: 3 }] },
          quietHours: { start: '25:00', end: '07:00' },
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('chasing.levels.L4: parents are never named in a group');
    expect(problems).toContain('chasing.levels.L2.0.after: not a duration: soon');
    expect(problems).toContain('chasing.levels.L1.0.every: a step with times > 1 needs every');
    expect(problems).toContain('chasing.quietHours.start');
  });

  it('takes card patterns per kind and names a pattern with a placeholder of the wrong kind', () => {
    const config = parseConfig({ membership: { cardPatterns: { student: ['{学号}{姓名}'] } } });
    expect(config.membership.cardPatterns.student).toEqual(['{学号}{姓名}']);
    expect(config.membership.cardPatterns.guardian).toEqual(['{学生姓名}{关系}', '{学生姓名}-{关系}']);
    expect(() => parseConfig({ membership: { cardPatterns: { student: ['{姓名}（{班级}）'], guardian: ['家长'] } } })).toThrow(
      /membership\.cardPatterns\.student\.0: a card pattern uses \{姓名\} and\/or \{学号\}[\s\S]*membership\.cardPatterns\.guardian\.0/u,
    );
  });
});
