/**
 * Bench: the CPU cost of reading one chat message of up to 64 KB — the command head and, for a
 * command, its arguments; for ordinary chat, what it means (understanding), whom it names
 * (attribution) and each added line of a 接龙 in it — on adversarial inputs, after five warm-up runs of
 * each (the worst of ten timed runs counts). Target: ≤ 10 ms each (issue #12).
 */
import { CommandRegistry } from '../app/commands.js';
import { attribute } from '../domain/attribution.js';
import { addedEntries, parseChain } from '../domain/chain.js';
import type { Group } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import { prepareReply, understandReply, weChatQuote } from '../domain/understanding.js';
import { FEATURES } from '../features/index.js';
import { MAX_CHAIN_ENTRIES_READ } from '../features/replies/counter.js';

export const PARSE_INPUT_CHARS = 64 * 1024;
/** Target: no input of up to 64 KB takes more than this to parse and classify. */
export const PARSE_TARGET_MS = 10;

export interface ParseCase {
  readonly name: string;
  readonly text: string;
}

function fill(unit: string, chars = PARSE_INPUT_CHARS): string {
  return unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
}

/** Inputs chosen to make each reader work hardest: long runs of what it looks for, and what it backtracks on. */
export function parseCases(names: readonly string[]): ParseCase[] {
  const cjk = Array.from({ length: PARSE_INPUT_CHARS }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');
  const ids = `/确认 ${Array.from({ length: 20_000 }, (_, i) => i + 1).join(' ')}`.slice(0, PARSE_INPUT_CHARS);
  const chain = `#接龙 请家长回复\n${names.map((n, i) => `${i + 1}. ${n}妈妈收到`).join('\n')}\n`;
  return [
    { name: 'random CJK', text: cjk },
    { name: '收到 ×', text: fill('收到') },
    { name: 'names ×', text: fill(names.map((n) => `${n}妈妈收到，`).join('')) },
    { name: '接龙 of every name ×', text: fill(chain) },
    { name: 'QQ face codes ×', text: fill('[CQ:face,id=76]') },
    { name: 'unclosed CQ codes', text: fill('[CQ:at,qq=1') },
    { name: 'face names ×', text: fill('[强][/敬礼]') },
    { name: 'mentions ×', text: fill('@张三 ') },
    { name: 'WeChat quote, dashes ×', text: `「张三：${fill('原文', 30_000)}」\n${fill('- ', 30_000)}\n收到` },
    { name: 'newlines ×', text: fill('\n') },
    { name: '「 then newlines ×', text: `「」${fill('\n', PARSE_INPUT_CHARS - 3)}x` },
    { name: '「 then newline-space ×', text: `「」${fill('\n ', PARSE_INPUT_CHARS - 3)}x` },
    { name: 'traditional ×', text: fill('收到謝謝老師') },
    { name: 'emoji ×', text: fill('👍😊🌹') },
    { name: 'digits ×', text: fill('2023010101') },
    { name: 'phone-like ×', text: fill('138 1234 5678 ') },
    { name: 'negation clauses ×', text: fill('没收到，但是现在收到了；') },
    { name: '/确认 20,000 ids', text: ids },
    { name: '/通知 64 KB', text: `/通知 截止=18:00 ${fill('请家长点击http://evil.example/pay缴纳保险费')}` },
    { name: '/ then 64 KB word', text: `/${fill('字')}` },
    { name: '@ mentions then /通知', text: `${fill('@a ', 60_000)}/通知 x` },
  ];
}

export interface ParseResult {
  readonly name: string;
  /** The slowest of the timed runs, ms. */
  readonly worstMs: number;
  readonly medianMs: number;
  readonly chars: number;
}

/**
 * Reads each case as the app would: the command head; for a command, guard-free parsing of its
 * arguments as an allowed sender would have them read (after the length cap the app applies); for chat,
 * understanding, attribution in the group and a 接龙 in it.
 */
export function benchParse(org: OrgIndex, group: Group, cases: readonly ParseCase[], runs = 10, maxChars = 1_000, warmups = 5): ParseResult[] {
  return timeCases(cases, messageReader(org, group, maxChars), runs, warmups);
}

/** A message read as the app reads it (see benchParse). */
export function messageReader(org: OrgIndex, group: Group, maxChars = 1_000): (text: string) => unknown {
  const registry = new CommandRegistry(FEATURES.flatMap((f) => f.commands ?? []), { maxChars, noticeMaxChars: maxChars, maxIds: 200 });
  const env = { now: Date.parse('2026-03-02T08:00:00+08:00'), timeZone: 'Asia/Shanghai', maxIds: 200 };
  const read = (text: string): unknown => {
    const head = registry.head(text, false);
    if (head) {
      // What the registry reads of an allowed sender's command: nothing beyond the cap.
      if (text.length > maxChars) return head;
      return registry.read(text, false, env);
    }
    const chain = text.includes('接龙') ? parseChain(text, MAX_CHAIN_ENTRIES_READ) : null;
    if (chain) {
      // As the replies feature reads a list it sees for the first time: each added line, from the end.
      return addedEntries(null, chain.entries)
        .slice(-MAX_CHAIN_ENTRIES_READ)
        .map((e) => [understandReply(e.text, { replyHint: '收到' }), attribute(org, group, undefined, e.text)]);
    }
    // As the replies feature reads it: a quoted post's number, what it means, whom it names.
    const quoted = weChatQuote(text)?.quoted;
    const u = understandReply(text, { replyHint: '收到' });
    const who = attribute(org, group, undefined, prepareReply(text));
    return [quoted, u, who];
  };
  return read;
}

/**
 * Each case read `warmups` times untimed (the service reads messages all day: the first, cold runs of
 * a shape are not what it pays), then `runs` times timed; the worst and the median count.
 */
export function timeCases(cases: readonly ParseCase[], read: (text: string) => unknown, runs: number, warmups: number): ParseResult[] {
  return cases.map((c) => {
    for (let i = 0; i < warmups; i++) read(c.text);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      read(c.text);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { name: c.name, worstMs: times[times.length - 1] ?? 0, medianMs: times[Math.floor(times.length / 2)] ?? 0, chars: c.text.length };
  });
}
