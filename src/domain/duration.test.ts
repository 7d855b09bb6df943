import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatDuration,
  formatTime,
  fromWallClock,
  parseChineseNumber,
  parseDuration,
  wallClock,
  zoneOffsetMs,
} from './duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['30m', 30 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['45s', 45 * S],
    ['1500ms', 1500],
    ['1h30m', 90 * M],
    ['1h 30m', 90 * M],
    ['1H30M', 90 * M],
    ['1.5h', 90 * M],
    ['90min', 90 * M],
    ['2hr', 2 * H],
    ['1w', 7 * D],
    ['1d12h', 36 * H],
    ['1h30', 90 * M],
    ['2m30', 150 * S],
    ['1h30m20', 90 * M + 20 * S],
    ['0s', 0],
    ['30分钟', 30 * M],
    ['30分', 30 * M],
    ['2小时', 2 * H],
    ['2个小时', 2 * H],
    ['两小时', 2 * H],
    ['两个半小时', 150 * M],
    ['半小时', 30 * M],
    ['2小时半', 150 * M],
    ['1小时30分钟', 90 * M],
    ['1天', D],
    ['三天', 3 * D],
    ['半天', 12 * H],
    ['十五分钟', 15 * M],
    ['二十秒', 20 * S],
    ['１０分钟', 10 * M],
    ['1周', 7 * D],
  ])('%j → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '   ', '30', 'abc', 'h', '小时', '1x', '1h30x', '18:00', '-5m', '1h30m200', '1s5', '个小时', '明天'])(
    '%j → null',
    (input) => {
      expect(parseDuration(input)).toBeNull();
    },
  );
});

describe('parseChineseNumber', () => {
  it.each([
    ['零', 0],
    ['一', 1],
    ['两', 2],
    ['十', 10],
    ['十五', 15],
    ['二十', 20],
    ['九十九', 99],
    ['百', null],
    ['一百', null],
    ['', null],
  ])('%j → %s', (input, n) => {
    expect(parseChineseNumber(input)).toBe(n);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0秒'],
    [500, '不到1秒'],
    [45 * S, '45秒'],
    [90 * S, '1分钟30秒'],
    [30 * M, '30分钟'],
    [90 * M, '1小时30分钟'],
    [2 * H, '2小时'],
    [2 * H + 59 * M + 59 * S, '2小时59分钟'],
    [D, '1天'],
    [D + 5 * M, '1天'],
    [3 * D + 4 * H, '3天4小时'],
    [-90 * M, '-1小时30分钟'],
    [Number.NaN, '—'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads back through parseDuration for whole units', () => {
    for (const ms of [45 * S, 30 * M, 90 * M, 2 * H, D, 3 * D + 4 * H]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});

describe('wall clock in a time zone', () => {
  const instant = Date.parse('2026-11-30T10:00:00Z');

  it('reads Shanghai as UTC+8 with the weekday', () => {
    expect(wallClock(instant, 'Asia/Shanghai')).toEqual({
      year: 2026,
      month: 11,
      day: 30,
      hour: 18,
      minute: 0,
      second: 0,
      weekday: 1,
    });
    expect(zoneOffsetMs(instant, 'Asia/Shanghai')).toBe(8 * H);
  });

  it('reads midnight as hour 0', () => {
    expect(wallClock(Date.parse('2026-11-30T16:00:00Z'), 'Asia/Shanghai').hour).toBe(0);
  });

  it.each([
    ['Asia/Shanghai', { year: 2026, month: 11, day: 30, hour: 18, minute: 0 }, '2026-11-30T10:00:00Z'],
    ['UTC', { year: 2026, month: 11, day: 30, hour: 18, minute: 0 }, '2026-11-30T18:00:00Z'],
    ['Asia/Kolkata', { year: 2026, month: 1, day: 1, hour: 0, minute: 0 }, '2025-12-31T18:30:00Z'],
    ['America/New_York', { year: 2026, month: 7, day: 1, hour: 9, minute: 0 }, '2026-07-01T13:00:00Z'],
    ['America/New_York', { year: 2026, month: 1, day: 1, hour: 9, minute: 0 }, '2026-01-01T14:00:00Z'],
    ['Asia/Shanghai', { year: 2026, month: 11, day: 30, hour: 24, minute: 0 }, '2026-11-30T16:00:00Z'],
    ['Asia/Shanghai', { year: 2026, month: 11, day: 31, hour: 8, minute: 0 }, '2026-12-01T00:00:00Z'],
    // 02:30 does not exist on 2026-03-08 in New York: the clock jumps from 02:00 EST to 03:00 EDT.
    ['America/New_York', { year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, '2026-03-08T07:30:00Z'],
  ])('fromWallClock(%s, %o) → %s', (zone, fields, iso) => {
    expect(fromWallClock(fields, zone)).toBe(Date.parse(iso));
  });

  it('round-trips every hour of a DST year in New York', () => {
    const zone = 'America/New_York';
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 7 * H) {
      const w = wallClock(t, zone);
      const back = fromWallClock(w, zone);
      expect(wallClock(back, zone)).toEqual(w);
    }
  });

  it('throws RangeError for an unknown zone', () => {
    expect(() => wallClock(0, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('formatTime and formatClock', () => {
  const t = Date.parse('2026-11-30T10:00:00Z');

  it.each([
    [t, 'Asia/Shanghai', '11月30日 18:00'],
    [Date.parse('2026-03-05T01:05:00Z'), 'Asia/Shanghai', '3月5日 09:05'],
    [Date.parse('2026-11-30T16:00:00Z'), 'Asia/Shanghai', '12月1日 00:00'],
    [t, 'UTC', '11月30日 10:00'],
  ])('formatTime(%d, %s) → %s', (ms, zone, text) => {
    expect(formatTime(ms, zone)).toBe(text);
  });

  it('writes the year only when it is not the current one', () => {
    const now = Date.parse('2026-12-28T02:00:00Z');
    expect(formatTime(t, 'Asia/Shanghai', { now })).toBe('11月30日 18:00');
    expect(formatTime(Date.parse('2027-01-03T00:00:00Z'), 'Asia/Shanghai', { now })).toBe('2027年1月3日 08:00');
  });

  it.each([
    [t, 'Asia/Shanghai', '18:00'],
    [Date.parse('2026-11-30T16:05:00Z'), 'Asia/Shanghai', '00:05'],
    [Date.parse('2026-11-30T01:09:00Z'), 'Asia/Shanghai', '09:09'],
  ])('formatClock(%d, %s) → %s', (ms, zone, text) => {
    expect(formatClock(ms, zone)).toBe(text);
  });
});
