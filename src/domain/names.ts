/**
 * Names that forgive (issue #15): a college, class or group name as people type it. An exact name wins;
 * else a unique prefix is taken (`计算机` → 计算机学院); else the closest names are offered (“您是不是要找”),
 * never guessed.
 */

export interface NameLookup<T> {
  /** The one item the query names (exactly, or as a unique prefix). */
  readonly match: T | undefined;
  /** When nothing matched: the closest names, best first (at most `limit`). */
  readonly suggestions: readonly T[];
}

/** Edit distance (insertions, deletions, substitutions) over code points, stopping early past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      row.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[y.length] ?? 0;
}

/** Finds an item by a typed name. Bounded: the query is cut to 40 characters before comparing. */
export function lookupName<T>(query: string, items: readonly T[], nameOf: (t: T) => string, limit = 3): NameLookup<T> {
  const q = [...query.normalize('NFKC').trim()].slice(0, 40).join('');
  if (q === '') return { match: undefined, suggestions: [] };
  const exact = items.find((t) => nameOf(t) === q);
  if (exact !== undefined) return { match: exact, suggestions: [] };
  const prefixed = items.filter((t) => nameOf(t).startsWith(q));
  if (prefixed.length === 1) return { match: prefixed[0], suggestions: [] };
  // Closest first: names holding the query (several prefixes), then small edits (a typo, a missing 学院).
  const max = Math.max(1, Math.floor([...q].length / 3));
  const scored = items
    .map((t) => {
      const name = nameOf(t);
      const score = name.includes(q) || q.includes(name) ? 0 : editDistance(q, name, max);
      return { t, score };
    })
    .filter((s) => s.score <= max)
    .sort((a, b) => a.score - b.score);
  return { match: undefined, suggestions: scored.slice(0, limit).map((s) => s.t) };
}
