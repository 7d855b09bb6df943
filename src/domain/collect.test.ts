import { describe, expect, it } from 'vitest';
import { readFields } from './collect.js';

describe('readFields', () => {
  it('reads named fields as people write them', () => {
    expect(readFields('体温36.5 所在地北京', ['体温', '所在地'])).toEqual({ 体温: '36.5', 所在地: '北京' });
    expect(readFields('体温：36.8，所在地：在家', ['体温', '所在地'])).toEqual({ 体温: '36.8', 所在地: '在家' });
    expect(readFields('所在地 上海 体温 36.6', ['体温', '所在地'])).toEqual({ 体温: '36.6', 所在地: '上海' });
  });

  it('for one field takes the first number, else the answer; a missing field is left out', () => {
    expect(readFields('今天36.7度', ['体温'])).toEqual({ 体温: '36.7' });
    expect(readFields('在学校', ['所在地'])).toEqual({ 所在地: '在学校' });
    expect(readFields('体温36.5', ['体温', '所在地'])).toEqual({ 体温: '36.5' });
  });

  it('reads only the head of an answer and keeps values short', () => {
    const long = `${'很长的说明'.repeat(200)} 体温36.5`;
    expect(readFields(long, ['体温'])).toEqual({ 体温: '很长的说明很长的说明很长的说明很长的说明很长的说明很长的说明很长的说明很长的说明很长的说明很长的说明' });
    expect(readFields(`体温${'9'.repeat(100)}`, ['体温'])['体温']).toHaveLength(50);
  });
});
