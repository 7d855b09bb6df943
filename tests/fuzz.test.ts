/**
 * Property tests (issue #14): generated inputs through the command parser (every registered command's
 * arguments), reply understanding, the duration and deadline parsers and the roster normaliser. None may
 * throw: bad input is a typed result (a CommandError, `null`, `{ ok: false }`), never an exception.
 * 100,000 inputs each (short, built from the words these parsers look for, and random Unicode), plus a
 * few hundred up to 64 KB. How long they take is measured by the benchmark (parse64, input1mb), not here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandRegistry } from '../src/app/commands.js';
import { resolveDeadline } from '../src/domain/commands.js';
import { parseDuration } from '../src/domain/duration.js';
import { understandReply } from '../src/domain/understanding.js';
import { FEATURES } from '../src/features/index.js';
import { decodeText } from '../src/roster/index.js';
import { cellText, headerKey, normalizeId, normalizeName, normalizePhone, parseLevel, parsePlatform, parseRole, splitList } from '../src/roster/normalize.js';
import { guardianColumn, sheetByHeader } from '../src/roster/sheets.js';

const RUNS = 100_000;
const LONG_RUNS = 300;
const NOW = Date.parse('2026-11-20T10:00:00+08:00');
const TZ = 'Asia/Shanghai';

const registry = new CommandRegistry(
  FEATURES.flatMap((f) => f.commands ?? []),
  { maxChars: 1000, noticeMaxChars: 10_000, maxIds: 200 },
);

/** Pieces these parsers react to: command words, option keys, numbers, clock and date shapes, names, marks. */
const PIECES = [
  '/', '#', '＃', '@机器人 ', '通知', '确认', '忽略', '未回复', '进度', '催办', '核对', '绑定', '解绑', '通讯录', '核实', '记录', '更正记录', '已联系', '已转发', '重发', '帮助',
  '截止=', '截止：', '层级=', '学院=', '落实', '逐级', '紧急', '短信', '回复=', '=', '：', ' ', '　', '\n', ',', '、', '-', '1-500', '全部', '#12',
  '收到', '没收到', '已收到', '好的', '明白', '已落实', '张三妈妈', '爸爸', '家长', '接龙', '1.', '2.', '不', '未', '？', '👍', '[CQ:at,qq=1]',
  '18:00', '明天12:00', '后天', '下周一', '今晚', '8点半', '2026-11-30', '11月30日', '99999999天', '0分钟', '2小时', '1天', '25:00', '2月30日',
  '2023010101', '13800000001', '+86', '号码错误', '电话已核实', '联系不上', '短信验证', '本人', '母亲', '电话', '微信', '结果：', 'qq:12345',
  '\u200b', '\u202e', '\u0000', '\ufeff', '\ud83d\ude00',
];

const wordy = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }), fc.integer({ min: -1e6, max: 1e12 }).map(String)), { maxLength: 14 }).map((a) => a.join(''));
const unicode = fc.string({ unit: 'binary', maxLength: 40 });
const input = fc.oneof({ weight: 3, arbitrary: wordy }, { weight: 1, arbitrary: unicode });
const long = fc.tuple(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), fc.integer({ min: 1_000, max: 16_000 })).map(([a, b, n]) => (a + b).repeat(n).slice(0, 65_536));

function holds(arb: fc.Arbitrary<string>, runs: number, check: (s: string) => void): void {
  fc.assert(
    fc.property(arb, (s) => {
      check(s);
    }),
    { numRuns: runs, seed: 20261206 },
  );
}

describe('no generated input throws', () => {
  it('through the command registry (every command, with and without @机器人)', { timeout: 120_000 }, () => {
    const env = { now: NOW, timeZone: TZ, maxIds: 200 };
    holds(input, RUNS, (s) => {
      registry.read(s, false, env);
      registry.read(`/${s}`, true, env);
    });
    holds(long, LONG_RUNS, (s) => {
      registry.read(s, true, env);
    });
  });

  it('through reply understanding', { timeout: 120_000 }, () => {
    holds(input, RUNS, (s) => {
      const u = understandReply(s, { replyHint: '收到' });
      expect(u.confidence).toBeGreaterThanOrEqual(0);
    });
    holds(long, LONG_RUNS, (s) => {
      understandReply(s, { replyHint: '1' });
    });
  });

  it('through the duration and deadline parsers', { timeout: 120_000 }, () => {
    holds(input, RUNS, (s) => {
      const d = parseDuration(s);
      expect(d === null || Number.isFinite(d)).toBe(true);
      const r = resolveDeadline(s, NOW, TZ);
      if (r.ok) expect(r.at - NOW).toBeLessThanOrEqual(366 * 86_400_000);
    });
  });

  it('through the roster normaliser', { timeout: 120_000 }, () => {
    holds(input, RUNS, (s) => {
      normalizeName(s);
      normalizeId(s);
      normalizePhone(s);
      headerKey(s);
      splitList(s);
      parseRole(s);
      parseLevel(s);
      parsePlatform(s);
      guardianColumn(s);
      sheetByHeader(s.split(','));
      cellText(s);
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodeText(bytes);
      }),
      { numRuns: RUNS / 10, seed: 20261206 },
    );
  });
});
