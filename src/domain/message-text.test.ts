import { describe, expect, it } from 'vitest';
import { chunk, maskPhone, splitMessage } from './message-text.js';

describe('splitMessage', () => {
  it('keeps a message that fits as one part without a marker', () => {
    expect(splitMessage('收到', 10)).toEqual(['收到']);
    expect(splitMessage('1234567890', 10)).toEqual(['1234567890']);
    expect(splitMessage('', 10)).toEqual(['']);
  });

  it('splits on line boundaries and numbers the parts within the limit', () => {
    const text = ['第一行内容', '第二行内容', '第三行内容', '第四行内容'].join('\n');
    const parts = splitMessage(text, 18);
    expect(parts).toEqual(['第一行内容\n第二行内容 (1/2)', '第三行内容\n第四行内容 (2/2)']);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(18);
  });

  it('cuts a line longer than a part on a character boundary', () => {
    expect(splitMessage('一二三四五六七八九十甲', 10)).toEqual(['一二三四 (1/3)', '五六七八 (2/3)', '九十甲 (3/3)']);
  });

  it('never cuts a surrogate pair or an emoji sequence', () => {
    const text = '😀'.repeat(6) + '👨‍👩‍👧';
    const parts = splitMessage(text, 11);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(11);
      expect(p).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u);
    }
    expect(parts.map((p) => p.replace(/ \(\d+\/\d+\)$/u, '')).join('')).toBe(text);
  });

  it('cuts long runs of emoji sequences, surrogate pairs and text without losing or splitting any', () => {
    // Long enough that the cuts fall inside runs of every kind, not at their edges.
    for (const unit of ['👨‍👩‍👧‍👦', '😀', '请', '1', 'é', '🇨🇳']) {
      const text = unit.repeat(5_000);
      const parts = splitMessage(text, 4_500);
      expect(parts.length).toBeGreaterThan(1);
      for (const p of parts) {
        const body = p.replace(/ \(\d+\/\d+\)$/u, '');
        expect(p.length).toBeLessThanOrEqual(4_500);
        // Every part is whole units: the cut never fell inside a cluster.
        expect(body.length % unit.length).toBe(0);
        expect(body.split(unit).join('')).toBe('');
      }
      expect(parts.map((p) => p.replace(/ \(\d+\/\d+\)$/u, '')).join('')).toBe(text);
    }
  });

  it('widens the marker when the part count needs two digits', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `第${String(i + 1).padStart(2, '0')}行`);
    const parts = splitMessage(lines.join('\n'), 12);
    expect(parts).toHaveLength(30);
    expect(parts[0]).toBe('第01行 (1/30)');
    expect(parts[29]).toBe('第30行 (30/30)');
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(12);
  });

  it('loses no text and drops blank lines at the cuts', () => {
    const text = '标题\n\n' + Array.from({ length: 50 }, (_, i) => `${i + 1}. 学生${i + 1} 未回复`).join('\n') + '\n\n';
    const parts = splitMessage(text, 100);
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, p] of parts.entries()) {
      expect(p.length).toBeLessThanOrEqual(100);
      expect(p.endsWith(` (${i + 1}/${parts.length})`)).toBe(true);
      expect(p).not.toMatch(/^\n|\n \(/u);
    }
    const joined = parts.map((p) => p.replace(/ \(\d+\/\d+\)$/u, '')).join('\n');
    expect(joined.replace(/\n+/gu, '\n')).toBe(text.trim().replace(/\n+/gu, '\n'));
  });

  it.each([0, -1, 1.5, 7])('rejects maxChars %d that leaves no room', (max) => {
    expect(() => splitMessage('一二三四五六七八九十', max)).toThrow(RangeError);
  });
});

describe('chunk', () => {
  it.each([
    [[1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]],
    [[1, 2, 3, 4], 2, [[1, 2], [3, 4]]],
    [[1, 2, 3], 5, [[1, 2, 3]]],
    [[], 3, []],
    [[1, 2, 3], 1, [[1], [2], [3]]],
  ])('chunk(%j, %d)', (items, size, expected) => {
    expect(chunk(items, size)).toEqual(expected);
  });

  it.each([0, -2, 1.5, Number.NaN])('rejects size %d', (size) => {
    expect(() => chunk([1], size)).toThrow(RangeError);
  });
});

describe('maskPhone', () => {
  it.each([
    ['13812345678', '***'],
    ['电话13812345678，请联系', '电话***，请联系'],
    ['手机：138 1234 5678', '手机：***'],
    ['138-1234-5678', '***'],
    ['+86 138 1234 5678', '***'],
    ['+8613812345678', '***'],
    ['86-13812345678', '***'],
    ['008613812345678', '***'],
    ['(+86)13812345678', '***'],
    ['１３８１２３４５６７８', '***'],
    ['张三 15900001111 李四 18600002222', '张三 *** 李四 ***'],
    ['tel:19912345678.', 'tel:***.'],
    ['身份证110101199003071234', '身份证***'],
    ['身份证号 11010119900307123X。', '身份证号 ***。'],
    ['11010119900307123x', '***'],
    ['110101 19900307 1234', '***'],
    ['张三 410102200501011234 13812345678', '张三 *** ***'],
    // other separators between the groups, and none visible
    ['138.1234.5678', '***'],
    ['138_1234_5678', '***'],
    ['138/1234/5678', '***'],
    ['138\u200b1234\u200b5678', '***'],
    ['电话：1 3 8 1 2 3 4 5 6 7 8', '电话：***'],
    // 15-digit (first-generation) and 18-digit ID numbers, grouped or not
    ['身份证110101900307123', '身份证***'],
    ['身份证号 110101 900307 123。', '身份证号 ***。'],
    ['410102200501011234', '***'],
    ['1101 0119 9003 0712 34', '***'],
    ['身份证 1101 0119 9003 0712 3X', '身份证 ***'],
    ['110101.19900307.1234', '***'],
  ])('%j → %j', (input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });

  it.each([
    '学号2021010101',
    '12345678901',
    '10086',
    '1381234567',
    '138123456789',
    '订单号1234567890123456789',
    '11月30日18:00前',
    '2026-11-30 18:00',
    '第12号通知',
    '计算机2101班 共35人',
    '2026.11.30',
    '2026/11/30 18:00',
    '192.168.100.123',
    '订单号 1234567890123456',
  ])('leaves %j alone', (input) => {
    expect(maskPhone(input)).toBe(input);
  });
});
