/** Deterministic Chinese names for the demo school and the synthetic campus. */

/** Common surnames, roughly by frequency. */
export const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗',
  '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '曾', '肖', '田', '董', '袁', '潘', '于', '蒋', '蔡',
  '余', '杜', '叶', '程', '苏', '魏', '吕', '丁', '任', '沈', '姚', '卢', '姜', '崔', '钟', '谭', '陆', '汪', '范', '金',
] as const;

/** Characters used in given names. */
export const GIVEN_CHARS = [
  '伟', '芳', '娜', '秀', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '霞', '平',
  '刚', '桂', '文', '华', '建', '国', '红', '玉', '兰', '峰', '辉', '鹏', '宇', '浩', '晨', '欣', '怡', '佳', '子', '涵',
  '雨', '轩', '博', '思', '梓', '俊', '嘉', '悦', '昊', '琳', '雪', '婷', '晓', '天', '一', '诺', '凯', '锐', '瑶', '楠',
] as const;

/** mulberry32: a tiny seeded PRNG, so generated rosters are identical on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, list: readonly T[]): T {
  const item = list[Math.floor(random() * list.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** A given name of one or (mostly) two characters. */
export function givenName(random: () => number): string {
  const first = pick(random, GIVEN_CHARS);
  return random() < 0.3 ? first : first + pick(random, GIVEN_CHARS);
}

export function fullName(random: () => number, surname?: string): string {
  return (surname ?? pick(random, SURNAMES)) + givenName(random);
}

/** The n-th name of a fixed sequence, without a PRNG: fast for tens of thousands of people. */
export function nthName(n: number): string {
  const s = SURNAMES[n % SURNAMES.length] ?? '王';
  const g1 = GIVEN_CHARS[Math.floor(n / SURNAMES.length) % GIVEN_CHARS.length] ?? '伟';
  const g2 = GIVEN_CHARS[(n * 7 + 3) % GIVEN_CHARS.length] ?? '';
  return n % 5 === 0 ? s + g1 : s + g1 + g2;
}
