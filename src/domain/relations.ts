/**
 * The words people write for a guardian's relation to a student — in `/绑定`, in group cards — and
 * how they compare with the roster's 关系 column (free text: 母亲, 妈妈, 奶奶…).
 */

/** Every relation word read from chat; anything else is not a relation (and is never echoed). */
export const RELATION_WORDS = ['妈妈', '母亲', '妈', '爸爸', '父亲', '爸', '爷爷', '奶奶', '外公', '外婆', '姥姥', '姥爷', '哥哥', '姐姐', '家长', '监护人'] as const;

/** The words as a regular-expression alternation (longer words before their prefixes). */
export const RELATION_PATTERN = RELATION_WORDS.join('|');

const WORDS: ReadonlySet<string> = new Set(RELATION_WORDS);

export function isRelationWord(word: string): boolean {
  return WORDS.has(word);
}

/** 妈妈/妈 → 母亲, 爸爸/爸 → 父亲; 家长 / 监护人 → null (any guardian); else as written (爷爷, 奶奶…). */
export function relationOf(word: string | null | undefined): string | null {
  if (!word) return null;
  if (/妈|母/u.test(word)) return '母亲';
  if (/爸|父/u.test(word)) return '父亲';
  if (word === '家长' || word === '监护人') return null;
  return word;
}

/** Whether a roster relation fits a relation as written (null, 家长: any guardian). */
export function relationFits(rosterRelation: string, written: string | null): boolean {
  const wanted = relationOf(written);
  return wanted === null || relationOf(rosterRelation) === wanted;
}
