/**
 * Collections (信息收集, issue #15): reading the fields an instruction names (`字段=体温,所在地`) out of
 * an answer as people write it: `体温36.5 所在地北京`, `体温：36.5，在北京`, or, for one field, the first
 * number (`36.5`) or the answer itself. Bounded: the answer is cut to 500 characters first.
 */

const ANSWER_CHARS = 500;
const VALUE_CHARS = 50;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

/** The fields found in an answer, by name; only those found. */
export function readFields(answer: string, fields: readonly string[]): Record<string, string> {
  const text = [...answer.normalize('NFKC')].slice(0, ANSWER_CHARS).join('');
  const out: Record<string, string> = {};
  for (const f of fields) {
    const m = new RegExp(`${escape(f)}\\s*(?:[:：=是为]|在)?\\s*([^\\s,，;；。、]+)`, 'u').exec(text);
    const value = m?.[1];
    if (value) out[f] = [...value].slice(0, VALUE_CHARS).join('');
  }
  const only = fields[0];
  if (fields.length === 1 && only !== undefined && out[only] === undefined) {
    const number = /-?\d+(?:\.\d+)?/u.exec(text)?.[0];
    const value = number ?? text.trim();
    if (value !== '') out[only] = [...value].slice(0, VALUE_CHARS).join('');
  }
  return out;
}
