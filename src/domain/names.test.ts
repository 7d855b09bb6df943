import { describe, expect, it } from 'vitest';
import { editDistance, lookupName } from './names.js';

const COLLEGES = ['计算机学院', '外国语学院', '机械工程学院', '计算机与软件学院'].map((name, id) => ({ id, name }));
const name = (c: { name: string }): string => c.name;

describe('names that forgive', () => {
  it('takes an exact name, then a unique prefix', () => {
    expect(lookupName('外国语学院', COLLEGES, name).match?.name).toBe('外国语学院');
    expect(lookupName('外国语', COLLEGES, name).match?.name).toBe('外国语学院');
    expect(lookupName('机械', COLLEGES, name).match?.name).toBe('机械工程学院');
  });

  it('offers the closest names for an ambiguous prefix or a typo, and guesses nothing', () => {
    const two = lookupName('计算机', COLLEGES, name);
    expect(two.match).toBeUndefined();
    expect(two.suggestions.map(name)).toEqual(['计算机学院', '计算机与软件学院']);
    const typo = lookupName('外国话学院', COLLEGES, name);
    expect(typo.match).toBeUndefined();
    expect(typo.suggestions.map(name)).toEqual(['外国语学院']);
    expect(lookupName('化学学院', COLLEGES, name).suggestions.map(name)).toEqual([]);
    expect(lookupName('  ', COLLEGES, name)).toEqual({ match: undefined, suggestions: [] });
  });

  it('measures edits over characters and stops early', () => {
    expect(editDistance('计算机学院', '计算机学院')).toBe(0);
    expect(editDistance('计算机', '计算机学院')).toBe(2);
    expect(editDistance('abc', 'xyz123', 1)).toBe(2);
  });
});
