/**
 * `npm start`: Cascade on its embedded default — SQLite and Redis under ./data, the chat simulator
 * with the demo school — and, on a terminal, the sandbox to type into.
 */
import { createWriteStream } from 'node:fs';
import { secureDataDir } from './data-dir.js';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../adapters/index.js';
import { serviceLogger } from './app/logger.js';
import { explain } from './cli.js';
import { loadConfig } from './config/load.js';
import { isRealAccount } from './config/schema.js';
import { startRuntime } from './runtime.js';
import { redactUrl } from './queue/redis-server.js';
import { runSandbox } from './sim/sandbox.js';
import { formatImportReport } from './store/org-repo.js';
import { loginLink } from './features/console/index.js';

/** A stop (SIGTERM, SIGINT) ends the process within this long, whatever state Redis or a platform is in. */
const STOP_DEADLINE_MS = 9_500;

/** Runs Cascade with the config file given (`cascade start --config <file>`), else CASCADE_CONFIG or config/cascade.yaml. */
export async function runService(configFile?: string): Promise<number> {
  const config = loadConfig(undefined, {}, configFile);
  // Before the log file is opened: it is born private (docs/security.md).
  secureDataDir(config.dataDir);
  // On a terminal, and with every account simulated (the demo), the sandbox to type into owns the terminal, so
  // logs go to a file. With real accounts configured it runs as a service, logs readable on the terminal.
  const withRealAccounts = config.accounts.some(isRealAccount);
  const interactive = process.stdin.isTTY === true && !withRealAccounts;
  const logFile = join(config.dataDir, 'cascade.log');
  const logger = serviceLogger(config.log, config.dataDir, interactive ? createWriteStream(logFile, { flags: 'a' }) : process.stdout, config.school.timeZone);
  const runtime = await startRuntime({
    config,
    logger,
    onImport: (report) => process.stderr.write(`首次启动，已导入名单 ${config.org}：\n${formatImportReport(report)}\n`),
  });
  // The web console, loaded once the bots run (a restart resumes sending sooner): a failure to listen (the
  // port taken) is said, and the bots run on without it.
  const { startWebServer } = await import('./web/server.js');
  const web = await startWebServer(() => runtime.app, { sim: runtime.school }).catch((error: unknown) => {
    process.stderr.write(`网页控制台未能启动（${config.web.listen}）：${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  });
  const startedAt = Date.now();
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: no new messages are taken, sends under way settle');
    // Every step of the stop is bounded; this is the last word should one still hang.
    setTimeout(() => {
      process.stderr.write('停止超时，强制退出。\n');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await web?.close().catch(() => undefined);
    // What this run did, for the last log line (read before the store closes).
    const sent = [...runtime.app.repos.ledger.sentSince(startedAt).values()].reduce((n, x) => n + x, 0);
    const received = (runtime.app.repos.db.$client.prepare('SELECT count(*) AS n FROM inbound_messages WHERE at >= ?').get(startedAt) as { n: number }).n;
    await runtime.stop();
    logger.info({ sent, received, uptimeS: Math.round((Date.now() - startedAt) / 1000) }, 'stopped');
    process.stderr.write(`已停止（本次运行发送 ${sent} 条，收到 ${received} 条）。\n`);
  };
  // The first signal stops in order; a second one exits at once.
  const onSignal = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`再次收到 ${signal}，立即退出。\n`);
      process.exit(1);
    }
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.stderr.write(`Cascade 已启动（数据目录 ${resolve(config.dataDir)}，Redis ${redactUrl(runtime.redisUrl)}）。\n`);
  if (web) {
    process.stderr.write(`网页控制台：${web.url}（老师私聊机器人发送 /登录 获取登录链接）\n`);
    // On the simulated demo school, a link for its team leader, so a newcomer can open the console at once.
    const leader = runtime.app.org().withRole('team_leader', null)[0];
    const link = leader && !withRealAccounts ? loginLink(runtime.app, leader.id, 'cli', runtime.app.clock.now()) : null;
    if (link) process.stderr.write(`示范学校组长 ${leader?.name ?? ''} 的登录链接（10 分钟内有效）：${link}\n`);
  }
  if (interactive) {
    process.stderr.write(`日志写入 ${logFile}\n`);
    await runSandbox(runtime);
    await stop();
    return 0;
  }
  process.stderr.write(
    process.stdin.isTTY === true && withRealAccounts
      ? '已配置真实账号：以服务方式运行（不开模拟沙盒），日志输出到终端，按 Ctrl+C 停止。\n'
      : '没有终端输入：以服务方式运行，按 Ctrl+C 或发送 SIGTERM 停止。\n',
  );
  await new Promise<never>(() => undefined);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runService().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${explain(error)}\n`);
      process.exit(1);
    },
  );
}
