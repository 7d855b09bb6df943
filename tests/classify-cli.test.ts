/**
 * `cascade classify` as an operator runs it: the real bin, lines on stdin or in a file, one JSON
 * object a line on stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cascade-classify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function classify(args: string[], input = ''): { code: number | null; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'classify', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.status, lines, stderr: r.stderr };
}

describe('cascade classify', () => {
  it('prints text, label and confidence for each line of stdin, with what it extracted', () => {
    const r = classify([], '收到\n张三妈妈收到\n\n没收到附件\n已传达，应到42实到42\n刚才回错了\n');
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      { text: '收到', label: 'ack', confidence: 0.97 },
      { text: '张三妈妈收到', label: 'ack', confidence: 0.93, names: ['张三'], relation: '妈妈' },
      { text: '没收到附件', label: 'negative', confidence: 0.93 },
      { text: '已传达，应到42实到42', label: 'done', confidence: 0.9, figures: ['应到42', '实到42'] },
      { text: '刚才回错了', label: 'other', confidence: 0.9, retract: true },
    ]);
  });

  it('reads \\n inside a line as a line break, so a WeChat quote fits on one line', () => {
    const r = classify([], '「王老师：附件没收到的请说」\\n- - - - - - - - - - - - - - -\\n收到啦\n');
    expect(r.lines[0]).toMatchObject({ label: 'ack', text: '「王老师：附件没收到的请说」\n- - - - - - - - - - - - - - -\n收到啦' });
  });

  it('takes what the directive asked for with --hint', () => {
    expect(classify([], '1\n').lines[0]).toMatchObject({ label: 'ack', confidence: 0.5 });
    expect(classify(['--hint=1'], '1\n').lines[0]).toMatchObject({ label: 'ack', confidence: 0.97, hint: '1' });
    expect(classify(['--hint', '1'], '1\n').lines[0]).toMatchObject({ confidence: 0.97 });
  });

  it('reads a file, and JSON lines with --jsonl; a bad line is named and the rest still classified', () => {
    const file = join(dir, 'replies.jsonl');
    writeFileSync(file, '{"text":"1","hint":"1"}\n"收到了吗？"\nnot json\n{"text":"已阅"}\n');
    const r = classify(['--jsonl', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('第 3 行');
    expect(r.lines.map((l) => l['label'])).toEqual(['ack', 'question', 'ack']);
  });

  it('says so when the file does not exist', () => {
    const r = classify([join(dir, 'missing.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('找不到文件');
  });
});
