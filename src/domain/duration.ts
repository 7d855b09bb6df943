/**
 * Durations and wall-clock time for config, drills and bot messages. Pure: time zones are resolved
 * with Intl only (no tz library), so any IANA zone works, DST included.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['毫秒', 1],
  ['s', SECOND_MS],
  ['sec', SECOND_MS],
  ['秒', SECOND_MS],
  ['秒钟', SECOND_MS],
  ['m', MINUTE_MS],
  ['min', MINUTE_MS],
  ['分', MINUTE_MS],
  ['分钟', MINUTE_MS],
  ['h', HOUR_MS],
  ['hr', HOUR_MS],
  ['小时', HOUR_MS],
  ['钟头', HOUR_MS],
  ['d', DAY_MS],
  ['天', DAY_MS],
  ['w', WEEK_MS],
  ['周', WEEK_MS],
  ['星期', WEEK_MS],
]);

/** The unit a trailing bare number takes after a larger unit: `1h30` is 1h30m, `2分30` is 2m30s. */
const NEXT_SMALLER_UNIT: ReadonlyMap<number, number> = new Map([
  [DAY_MS, HOUR_MS],
  [HOUR_MS, MINUTE_MS],
  [MINUTE_MS, SECOND_MS],
]);

const CN_DIGITS: ReadonlyMap<string, number> = new Map([
  ['零', 0],
  ['一', 1],
  ['二', 2],
  ['两', 2],
  ['三', 3],
  ['四', 4],
  ['五', 5],
  ['六', 6],
  ['七', 7],
  ['八', 8],
  ['九', 9],
]);

/** Chinese numerals up to 99 (`两`, `十五`, `二十`, `三十五`); null for anything else. */
export function parseChineseNumber(s: string): number | null {
  const single = CN_DIGITS.get(s);
  if (single !== undefined) return single;
  const m = /^([一二两三四五六七八九])?十([一二三四五六七八九])?$/u.exec(s);
  if (!m) return null;
  const tens = m[1] === undefined ? 1 : (CN_DIGITS.get(m[1]) ?? 0);
  const ones = m[2] === undefined ? 0 : (CN_DIGITS.get(m[2]) ?? 0);
  return tens * 10 + ones;
}

const DURATION_TERM =
  /(\d+(?:\.\d+)?|[零一二两三四五六七八九十]+)?(个)?(半)?(ms|毫秒|sec|s|秒钟|秒|min|m|分钟|分|hr|h|小时|钟头|d|天|w|周|星期)(半)?/uy;

/**
 * `30m`, `2h`, `1d`, `45s`, `1500ms`, `1h30m`, `1.5h`, `30分钟`, `2小时`, `两个半小时`, `半天`, `1天`
 * → milliseconds. A bare number without a unit is ambiguous and gives null, as does anything else.
 */
export function parseDuration(s: string): number | null {
  const text = s.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
  if (text === '') return null;
  let total = 0;
  let pos = 0;
  let lastUnit: number | null = null;
  while (pos < text.length) {
    DURATION_TERM.lastIndex = pos;
    const m = DURATION_TERM.exec(text);
    if (!m) return trailingNumber(text.slice(pos), lastUnit, total);
    const [whole, num, , halfBefore, unitWord, halfAfter] = m;
    const unit = UNIT_MS.get(unitWord ?? '');
    if (unit === undefined) return null;
    let amount = num === undefined ? 0 : parseAmount(num);
    if (amount === null) return null;
    if (num === undefined && halfBefore === undefined) return null;
    if (halfBefore !== undefined || halfAfter !== undefined) amount += 0.5;
    total += amount * unit;
    lastUnit = unit;
    pos += whole.length;
  }
  return Number.isFinite(total) ? Math.round(total) : null;
}

function parseAmount(num: string): number | null {
  if (/^\d/u.test(num)) return Number(num);
  return parseChineseNumber(num);
}

function trailingNumber(rest: string, lastUnit: number | null, total: number): number | null {
  if (lastUnit === null || !/^\d{1,2}$/u.test(rest)) return null;
  const unit = NEXT_SMALLER_UNIT.get(lastUnit);
  return unit === undefined ? null : Math.round(total + Number(rest) * unit);
}

const FORMAT_UNITS: readonly (readonly [number, string])[] = [
  [DAY_MS, '天'],
  [HOUR_MS, '小时'],
  [MINUTE_MS, '分钟'],
  [SECOND_MS, '秒'],
];

/**
 * Short Chinese text: the largest unit and the next one when it is not zero (`1小时30分钟`, `2天`,
 * `45秒`). Truncates rather than rounds, so "还剩 1小时59分钟" never overstates the time left.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0秒';
  if (ms < SECOND_MS) return '不到1秒';
  const first = FORMAT_UNITS.findIndex(([unit]) => ms >= unit);
  const big = FORMAT_UNITS[first];
  if (big === undefined) return '0秒';
  const bigCount = Math.floor(ms / big[0]);
  let out = `${bigCount}${big[1]}`;
  const small = FORMAT_UNITS[first + 1];
  if (small !== undefined) {
    const smallCount = Math.floor((ms - bigCount * big[0]) / small[0]);
    if (smallCount > 0) out += `${smallCount}${small[1]}`;
  }
  return out;
}

/** Calendar fields of an instant as a wall clock in some zone shows it. `weekday`: 0 Sunday … 6 Saturday. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

export type WallClockInput = Pick<WallClock, 'year' | 'month' | 'day' | 'hour' | 'minute'> & { second?: number };

const WEEKDAYS: ReadonlyMap<string, number> = new Map([
  ['Sun', 0],
  ['Mon', 1],
  ['Tue', 2],
  ['Wed', 3],
  ['Thu', 4],
  ['Fri', 5],
  ['Sat', 6],
]);

/** Building a DateTimeFormat costs ~50µs; one per zone is kept. Throws RangeError for an unknown zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function wallClock(ms: number, timeZone: string): WallClock {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) fields[part.type] = part.value;
  return {
    year: Number(fields['year']),
    month: Number(fields['month']),
    day: Number(fields['day']),
    hour: Number(fields['hour']) % 24,
    minute: Number(fields['minute']),
    second: Number(fields['second']),
    weekday: WEEKDAYS.get(fields['weekday'] ?? '') ?? 0,
  };
}

/** Offset of the zone from UTC at an instant, in ms (Asia/Shanghai: +8h). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / SECOND_MS) * SECOND_MS;
  const w = wallClock(whole, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

/**
 * The instant a wall clock in the zone shows these fields. Fields may overflow (hour 24, day 32)
 * and carry like Date.UTC. A time skipped by a DST jump resolves to the instant after the jump.
 */
export function fromWallClock(fields: WallClockInput, timeZone: string): number {
  const asUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second ?? 0);
  const first = zoneOffsetMs(asUtc, timeZone);
  const guess = asUtc - first;
  const second = zoneOffsetMs(guess, timeZone);
  if (second === first) return guess;
  const retry = asUtc - second;
  return zoneOffsetMs(retry, timeZone) === second ? retry : Math.max(guess, retry);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `18:00` */
export function formatClock(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${pad2(w.hour)}:${pad2(w.minute)}`;
}

/**
 * `11月30日 18:00`, the date-time bot messages show. With `now`, a year other than now's is
 * written out (`2027年1月3日 08:00`) so a deadline across New Year is not misread.
 */
export function formatTime(ms: number, timeZone: string, opts: { now?: number } = {}): string {
  const w = wallClock(ms, timeZone);
  const sameYear = opts.now === undefined || wallClock(opts.now, timeZone).year === w.year;
  const year = sameYear ? '' : `${w.year}年`;
  return `${year}${w.month}月${w.day}日 ${pad2(w.hour)}:${pad2(w.minute)}`;
}
