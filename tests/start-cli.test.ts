/**
 * `cascade start --config <file>` as an operator runs it, in a process of its own: the demo school
 * with qq-bot-1 on OneBot v11 (forward WebSocket) against a OneBot implementation written from the spec,
 * the other accounts simulated. The leader's /通知 arrives over the wire and is relayed back over it;
 * a second start on the same data directory refuses.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { OneBotPeer } from '../adapters/onebot/peer.js';
import { redisUrl, tempDir, uniquePrefix } from './setup/helpers.js';

const BIN = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The demo roster's groups served by an account: chat id and name, from 群.csv. */
function groupsOf(account: string): { chatId: string; name: string }[] {
  const lines = readFileSync('config/demo/群.csv', 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => l.split(',')).filter((c) => (c[6] ?? '').split(/\s+/u).includes(account)).map((c) => ({ chatId: c[5] ?? '', name: c[1] ?? '' }));
}

describe('cascade start --config', () => {
  it('runs the accounts the config names: a OneBot account relays a directive over the wire', async () => {
    const peer = new OneBotPeer({ selfId: '3100000002', nickname: '联络机器人', accessToken: 'cli-token', heartbeatMs: 1000, messageFormat: 'array' });
    cleanups.push(() => peer.close());
    for (const g of groupsOf('qq-bot-1')) peer.addGroup(g.chatId, g.name);
    const l1 = groupsOf('qq-bot-1')[0]?.chatId ?? '';
    peer.addMember(l1, { userId: '855960584', nickname: '徐雨', role: 'owner' }); // T001, the team leader
    const url = await peer.listen();
    const dir = tempDir('cascade-start');
    cleanups.push(() => dir.remove());
    const file = writeConfig(dir.path, 'cli', `{ id: qq-bot-1, platform: onebot, mode: forward, url: ${JSON.stringify(url)}, accessToken: cli-token, minGapMs: 0, jitterMs: 0 }`, 'warn');
    const child = spawn(process.execPath, [BIN, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    await until(() => peer.calls.includes('get_login_info'), 30_000, () => stderr);
    await until(() => stderr.includes('Cascade 已启动'), 30_000, () => stderr);
    peer.say('855960584', l1, '/通知 学院=计算机学院 层级=2 请上报本周值班表');
    const college = groupsOf('qq-bot-1').find((g) => g.name.startsWith('计算机学院') && g.name.includes('二级'))?.chatId;
    await until(() => peer.sent.some((m) => m.target === college && m.text.includes('本周值班表')), 30_000, () => stderr);
    expect(peer.sent.some((m) => m.target === l1 && m.text.includes('已发布第1号通知'))).toBe(true);
    // A second start on the same data directory refuses, naming the first.
    const second = spawn(process.execPath, [BIN, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let secondErr = '';
    second.stderr.on('data', (d: Buffer) => (secondErr += d.toString()));
    expect(await new Promise<number | null>((resolve) => second.once('exit', (code) => resolve(code)))).toBe(1);
    expect(secondErr).toContain('已被另一个 Cascade 使用');
    expect(secondErr).toContain(`进程 ${child.pid}`);
    // The console answers on its own port.
    const consoleUrl = /网页控制台：(http:\/\/[\w.:]+)/u.exec(stderr)?.[1];
    expect(consoleUrl).toBeDefined();
    expect(await (await fetch(`${consoleUrl ?? ''}/healthz`)).json()).toEqual({ status: 'ok' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The last words: what this run did.
    expect(stderr).toMatch(/已停止（本次运行发送 \d+ 条，收到 \d+ 条）/u);
  }, 90_000);
});

describe('cascade start on a terminal', () => {
  it('with a real account configured runs as a service, its logs readable lines on the terminal (no sandbox)', async () => {
    // A pseudo-terminal from util-linux's `script`, as an operator's shell gives one.
    const dir = tempDir('cascade-tty');
    cleanups.push(() => dir.remove());
    // Reverse mode: it listens, nobody connects; the account stays offline and the service runs on.
    const file = writeConfig(dir.path, 'tty', '{ id: qq-bot-1, platform: onebot, mode: reverse, listen: "127.0.0.1:0", accessToken: tty-token }', 'info');
    const command = [process.execPath, BIN, 'start', '--config', file].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    const plain = (): string => out.replace(/\u001b\[[0-9;]*m/gu, '');
    await until(() => plain().includes('已配置真实账号：以服务方式运行'), 60_000, plain);
    // Readable lines with the time in the school's zone, not JSON; and no sandbox prompt.
    expect(plain()).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] INFO: cascade started/mu);
    expect(plain()).not.toMatch(/^\{"level"/mu);
    expect(plain()).not.toContain('日志写入');
    // Ctrl+C on the terminal stops it in order.
    child.stdin.write('\u0003');
    await until(() => plain().includes('已停止'), 20_000, plain);
    expect(plain()).toMatch(/INFO: stopped/u);
  }, 90_000);
});

/** A config for the demo roster with qq-bot-1 as given (the other accounts simulated); returns its path. */
function writeConfig(dir: string, prefix: string, account: string, level: string): string {
  const file = join(dir, 'cascade.yaml');
  writeFileSync(
    file,
    [
      `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
      'org: config/demo',
      `redis: { url: ${JSON.stringify(redisUrl())}, prefix: ${uniquePrefix(prefix)} }`,
      'accounts:',
      `  - ${account}`,
      `log: { level: ${level} }`,
      'web: { listen: "127.0.0.1:0" }',
    ].join('\n'),
  );
  return file;
}

async function until(probe: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out; stderr:\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
