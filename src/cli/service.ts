/**
 * `cascade accounts`, `cascade status`, `cascade login`: the operator's view of, and hand on, a running
 * service, through the store it writes every 10 s.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { CascadeConfig } from '../config/schema.js';
import { orgOptions } from '../config/schema.js';
import { closeDb, openDb, type Db } from '../store/db.js';
import { isOrgEmpty, loadOrgSnapshot } from '../store/org-repo.js';
import { OrgIndex } from '../domain/org-index.js';
import { formatTime, fromWallClock, wallClock } from '../domain/duration.js';
import { LedgerRepo } from '../store/ledger-repo.js';
import { AccountStatusRepo } from '../store/account-status-repo.js';
import { FailureRepo } from '../store/failure-repo.js';
import { flag, option } from './args.js';

/**
 * `cascade accounts [--config file] [--json]`: every configured or roster-named account with the state
 * the running service last wrote (every 10 s), its breaker pause, its sends since midnight.
 */
export async function accountsCommand(args: string[]): Promise<number> {
  const json = flag(args, '--json');
  return withRunStore(args, (db, config) => {
    const now = Date.now();
    const w = wallClock(now, config.school.timeZone);
    const midnight = fromWallClock({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 }, config.school.timeZone);
    const sent = new LedgerRepo(db).sentSince(midnight);
    const seen = new AccountStatusRepo(db).all();
    const org = isOrgEmpty(db) ? undefined : new OrgIndex(loadOrgSnapshot(db, config.school.name), orgOptions(config));
    const ids = new Set([...config.accounts.map((a) => a.id), ...seen.map((r) => r.accountId)]);
    for (const g of org?.groups ?? []) for (const pg of org?.platformGroupsOf(g.id) ?? []) for (const a of pg.accounts) ids.add(a);
    const rows = [...ids].sort().map((id) => {
      const r = seen.find((x) => x.accountId === id);
      const configured = config.accounts.find((a) => a.id === id);
      const groups = (org?.groups ?? []).flatMap((g) => org?.platformGroupsOf(g.id) ?? []).filter((pg) => pg.accounts.includes(id)).length;
      return {
        id,
        platform: configured?.platform ?? r?.platform ?? 'simulator',
        state: r?.state ?? 'never started',
        detail: r?.detail ?? null,
        pausedUntil: r?.pausedUntil !== null && r?.pausedUntil !== undefined && r.pausedUntil > now ? new Date(r.pausedUntil).toISOString() : null,
        pauseReason: r?.pausedUntil !== null && r?.pausedUntil !== undefined && r.pausedUntil > now ? r.pauseReason : null,
        sendsToday: sent.get(id) ?? 0,
        groups,
        lastHeartbeat: r?.lastHeartbeatAt ? new Date(r.lastHeartbeatAt).toISOString() : null,
        seenAt: r ? new Date(r.updatedAt).toISOString() : null,
        stale: r ? now - r.updatedAt > 60_000 : true,
      };
    });
    if (json) {
      process.stdout.write(`${JSON.stringify({ generatedAt: new Date(now).toISOString(), accounts: rows }, null, 2)}\n`);
      return 0;
    }
    // In Chinese for the operator, times in the school's zone; --json keeps the ISO times and English states.
    const STATES: Record<string, string> = { online: '在线', connecting: '连接中', login_required: '需要人工登录', offline: '离线', 'never started': '从未启动' };
    const at = (iso: string | null): string => (iso === null ? '—' : formatTime(Date.parse(iso), config.school.timeZone, { now }));
    const lines: string[] = [];
    for (const r of rows) {
      const paused = r.pausedUntil ? `熔断暂停至 ${at(r.pausedUntil)}（${r.pauseReason ?? ''}）` : '正常发送';
      lines.push(
        `${r.id}（${String(r.platform)}）：${STATES[r.state] ?? r.state}${r.detail ? `（${r.detail}）` : ''}；${paused}；今日发送 ${r.sendsToday} 条；服务 ${r.groups} 个群；最近心跳 ${at(r.lastHeartbeat)}；状态更新于 ${r.seenAt ? at(r.seenAt) : '从未'}${r.stale && r.seenAt ? '（服务可能没有运行）' : ''}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

/** What `cascade status` looks back over. */
const STATUS_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Failures listed one by one; more are counted. */
const STATUS_FAILURES_LISTED = 20;
/** Queue counts older than this mean the service is not running. */
const STATUS_STALE_MS = 60_000;

/**
 * `cascade status [--config file] [--json]`: the queues' counts as the running service last wrote them
 * (every 10 s), and the jobs and messages that failed in the last 24 hours, each under the error number
 * its log line and apology carry.
 */
export async function statusCommand(args: string[]): Promise<number> {
  const json = flag(args, '--json');
  return withRunStore(args, (db, config) => {
    const now = Date.now();
    const repo = new FailureRepo(db);
    const queues = repo.queues();
    const updatedAt = queues.reduce((m, q) => Math.max(m, q.updatedAt), 0);
    const since = now - STATUS_WINDOW_MS;
    const byQueue = Object.fromEntries(repo.countsSince(since));
    const failures = repo.since(since, STATUS_FAILURES_LISTED);
    const total = Object.values(byQueue).reduce((a, b) => a + b, 0);
    const health = repo.health('redis');
    const redis = health?.value as { reachable?: boolean; downSince?: number | null; heldEvents?: number } | undefined;
    const running = health !== undefined && now - health.updatedAt <= STATUS_STALE_MS;
    const reachable = redis?.reachable === true;
    const report = {
      generatedAt: new Date(now).toISOString(),
      updatedAt: updatedAt > 0 ? new Date(updatedAt).toISOString() : null,
      running,
      // Running, and Redis answers: it takes messages and sends.
      ready: running && reachable,
      redis: {
        reachable: running ? reachable : null,
        downSince: running && typeof redis?.downSince === 'number' ? new Date(redis.downSince).toISOString() : null,
        heldEvents: running ? (redis?.heldEvents ?? 0) : null,
      },
      queues: queues.map((q) => ({ queue: q.queue, waiting: q.waiting, active: q.active, delayed: q.delayed, failed: q.failed })),
      failures: { since: new Date(since).toISOString(), total, byQueue, latest: failures.map((f) => ({ ...f, at: new Date(f.at).toISOString() })) },
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const tz = config.school.timeZone;
    const lastWrite = Math.max(updatedAt, health?.updatedAt ?? 0);
    const lines = [
      lastWrite > 0
        ? `Cascade 状态（服务于 ${formatTime(lastWrite, tz, { now })} 更新${running ? '' : '，服务可能没有在运行'}）`
        : 'Cascade 状态：服务还没有写过状态（没有运行过，或刚启动）。',
      ...(running
        ? [
            reachable
              ? `Redis：正常${(redis?.heldEvents ?? 0) > 0 ? `（还有 ${redis?.heldEvents} 条消息待入队）` : ''}`
              : `Redis：无法连接${typeof redis?.downSince === 'number' ? `（自 ${formatTime(redis.downSince, tz, { now })} 起）` : ''}，发送暂停；收到的 ${redis?.heldEvents ?? 0} 条消息暂存在内存中，恢复后入队`,
          ]
        : []),
      '队列                      等待   处理中   延迟   失败',
      ...queues.map((q) => `${q.queue.padEnd(24)} ${String(q.waiting).padStart(5)} ${String(q.active).padStart(8)} ${String(q.delayed).padStart(6)} ${String(q.failed).padStart(6)}`),
      total === 0 ? '近 24 小时没有失败的任务或出错的消息。' : `近 24 小时失败 ${total} 次（${Object.entries(byQueue).map(([q, n]) => `${q === 'message' ? '消息' : q} ${n}`).join('，')}）：`,
      ...failures.map((f) => `  ${formatTime(f.at, tz, { now })}  错误编号 ${f.errorNo}  ${f.queue === 'message' ? `消息 #${f.ref}` : `${f.queue} 任务 ${f.ref}，尝试 ${f.attempts} 次`}：${f.error}`),
    ];
    if (total > failures.length) lines.push(`  ……另有 ${total - failures.length} 条未列出（--json 查看）`);
    // The same figures as /metrics, for the operator at the server.
    const STATUS_NAMES: Record<string, string> = { planned: '待发', sending: '发送中', sent: '已发送', uncertain: '无法确认', failed: '失败', manual: '待人工' };
    const sends = db.$client.prepare('SELECT account_id AS a, status AS s, count(*) AS n FROM deliveries GROUP BY account_id, status ORDER BY account_id').all() as { a: string; s: string; n: number }[];
    const byAccount = new Map<string, string[]>();
    for (const r of sends) byAccount.set(r.a, [...(byAccount.get(r.a) ?? []), `${STATUS_NAMES[r.s] ?? r.s} ${r.n}`]);
    if (byAccount.size > 0) lines.push('发送记录（按账号）：', ...[...byAccount].map(([a, parts]) => `  ${a}：${parts.join('，')}`));
    const acks = (db.$client.prepare("SELECT count(*) AS n, sum(CASE WHEN at >= ? THEN 1 ELSE 0 END) AS recent FROM acknowledgements WHERE kind = 'ack'").get(now - 60 * 60_000) as { n: number; recent: number | null });
    const reminded = (db.$client.prepare('SELECT coalesce(sum(reminded), 0) AS n FROM chase_rounds').get() as { n: number }).n;
    lines.push(`回复：共计入 ${acks.n} 条（最近一小时 ${acks.recent ?? 0} 条）；催办共提醒 ${reminded} 人次。`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

/**
 * `cascade login <account> --ticket <ticket> | --resume`: hands a login step to the running service
 * (through the store; it looks every 10 s) and waits up to 30 s for it to be carried out.
 */
export async function loginCommand(args: string[]): Promise<number> {
  const ticket = option(args, '--ticket');
  const resume = flag(args, '--resume');
  const config = loadConfig(undefined, {}, option(args, '--config'));
  const account = args[0];
  if (!account || (ticket === undefined) === !resume) {
    process.stderr.write('cascade login <account> --ticket <ticket> | --resume [--config file]\n');
    return 2;
  }
  if (!config.accounts.some((a) => a.id === account)) {
    process.stderr.write(`配置中没有账号 ${account}。\n`);
    return 1;
  }
  const db = openRunStore(config.dataDir);
  if (!db) return 1;
  try {
    const repo = new AccountStatusRepo(db);
    const id = repo.request(account, ticket !== undefined ? { kind: 'ticket', ticket } : { kind: 'resume' }, Date.now());
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = repo.result(id);
      if (r?.doneAt !== null && r?.doneAt !== undefined) {
        process.stdout.write(`${account}: ${r.result ?? ''}\n`);
        return r.result === 'done' ? 0 : 1;
      }
      if (Date.now() > deadline) {
        process.stderr.write('已提交，但运行中的 Cascade 30 秒内没有处理（它是否在运行？）。稍后用 cascade accounts 查看。\n');
        return 1;
      }
      await new Promise((r2) => setTimeout(r2, 500));
    }
  } finally {
    closeDb(db);
  }
}

/** Runs a command on the store of the config's running service; 1 when it has never run. */
async function withRunStore(args: string[], run: (db: Db, config: CascadeConfig) => number | Promise<number>): Promise<number> {
  const config = loadConfig(undefined, {}, option(args, '--config'));
  const db = openRunStore(config.dataDir);
  if (!db) return 1;
  try {
    return await run(db, config);
  } finally {
    closeDb(db);
  }
}

/** The store a running (or earlier) service wrote, or null (said on stderr) when there is none yet. */
function openRunStore(dataDir: string): Db | null {
  const file = join(dataDir, 'cascade.db');
  if (!existsSync(file)) {
    process.stderr.write(`还没有运行记录：${resolve(file)} 不存在。先启动 Cascade（cascade start）。\n`);
    return null;
  }
  return openDb(file);
}
