/**
 * `cascade <command>`: import, drill, demo, bench, start. Run with `npx tsx src/cli.ts` or `npm run cascade --`.
 */
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, createLogger } from './app/logger.js';
import { ConfigError, loadConfig } from './config/load.js';
import { DEFAULT_REPLY_HINT } from './domain/commands.js';
import { understandReply } from './domain/understanding.js';
import { runDrill, type DrillReport } from './drill/runner.js';
import { loadScenario, ScenarioError } from './drill/scenario.js';
import { RedisUnavailableError } from './queue/redis-server.js';
import { DataDirLockedError } from './data-lock.js';
import { formatReadReport, readRosterWithReport, RosterError } from './roster/index.js';
import { closeDb, DB_KEY_ENV, encryptStore, openDb, StoreKeyError, storeKey } from './store/db.js';
import { applyRoster, formatImportReport } from './store/org-repo.js';
import { auditJson, auditWorkbook, exportedAudit, type ExportedAudit } from './features/membership/export.js';
import { Auditor } from './features/membership/auditor.js';
import { groupsNamed } from './domain/responsibility.js';
import { systemClock } from './clock.js';
import { populateWorld } from './sim/populate.js';
import { AuditRepo } from './store/audit-repo.js';
import { AUDIT_SHORT } from './features/membership/texts.js';
import { AccountStatusRepo } from './store/account-status-repo.js';
import { MemberRepo } from './store/member-repo.js';
import { isRealAccount } from './config/schema.js';
import { flag, option, withStoredOrg } from './cli/args.js';
import { lockDataDir } from './data-lock.js';
import { accountsCommand, loginCommand, statusCommand } from './cli/service.js';
import { accessLogCommand, addressBookCommand, contactLogCommand, exportCommand } from './cli/records.js';
import '../adapters/index.js';

const USAGE = `用法：cascade <命令> [选项]（任何命令加 --debug 显示出错时的详细信息）
  start [--config 文件]          运行 Cascade（有模拟账号时打开终端沙盒；即 npm start）
  import <文件|目录>... [--dry-run]
                                 把花名册导入数据库（.xlsx、.csv（UTF-8 或 GBK）、目录或 .zip，可同时给多个）
  template <文件.xlsx> [--force]  写出空白花名册模板（含填写说明）
  access-log [--by 工号] [--from 日期] [--json]
                                 谁在何时查看或导出了个人信息（通讯录、电话名单、未回复名单、工作日志）
  backup [--out 目录] [--config 文件]
                                 备份数据库（服务运行时也可以；含清单和配置文件；默认写到 数据目录/backups）
  restore <备份文件> [--config 文件]
                                 把备份恢复到配置的数据目录（该目录中不能已有数据库）
  web-login <工号> [--config 文件] 打印网页控制台的一次性登录链接（10 分钟内有效；只有老师可以登录）
  web-logout <工号> [--config 文件]
                                 结束此人的所有网页控制台会话
  token                          生成 OneBot 连接用的随机访问令牌（accessToken，同时填到 NapCat 的 token）
  encrypt-db [--config 文件]      用环境变量 CASCADE_DB_KEY 中的密钥加密现有数据库（先停止服务并备份）
  addressbook --format xlsx|json [--college 学院] [--class 班级] [--out 文件]
                                 导出通讯录（每班一张表，A4 横向；含电话，请妥善保管）
  contact-log --format xlsx|json [--college 学院] [--class 班级] [--by 工号] [--from 日期] [--to 日期] [--out 文件]
                                 导出家校联系工作日志（每月一张表，A4）
  export <编号> --format xlsx|json [--college 学院] [--class 班级] [--out 文件]
                                 导出一条通知的回复情况（每班一张表和汇总表；含姓名和回复内容）
  drill <脚本.yaml> [--json]      用虚拟时钟在模拟器上演练一个脚本
  demo [--json]                  演练内置的示范学校脚本
  bench [--json] [--quick] [--small] [--campus large [--only service]]
                                 在合成的校园上跑性能测试（见 docs/benchmarks.md）；--campus large：8 万学生的校园，
                                 最后单独启动服务测其内存（docs/scale.md）；--only service：只测这一项
  audit --format json|xlsx [--group <群|班级|学院>] [--out 文件]
                                 按名单核对群成员（每类问题一张表）
  accounts [--config 文件] [--json]
                                 机器人账号及运行中的服务最近看到的状态（在线、熔断暂停、今日发送、心跳）
  status [--config 文件] [--json]
                                 服务状态：各队列的任务数、近 24 小时失败的任务和出错的消息（带错误编号）
  login <账号> --ticket <ticket> | --resume [--config 文件]
                                 完成需要人工的 QQ（oicq/icqq）登录：滑块 ticket，或“设备已验证，重新登录”
  classify [文件] [--hint=收到] [--jsonl]
                                 逐行读入回复（不给文件则读标准输入），以 JSON 行输出理解结果；
                                 行内的 \\n 表示换行；--jsonl 读 {"text","hint"} 对象或 JSON 字符串`;

/** A command's lines of the usage (its line and the indented lines after it), or null for an unknown one. */
export function commandHelp(command: string): string | null {
  const lines = USAGE.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^  ${command.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}(\\s|$)`, 'u').test(l));
  if (at < 0) return null;
  const out = [`用法：cascade${lines[at]?.slice(1) ?? ''}`];
  for (let i = at + 1; i < lines.length && /^ {4,}/u.test(lines[i] ?? ''); i++) out.push(lines[i] ?? '');
  return out.join('\n');
}

export const DEMO_SCENARIO = fileURLToPath(new URL('../config/drills/demo.yaml', import.meta.url));

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...args] = argv.filter((a) => a !== '--debug');
  // `cascade <命令> --help`: that command's lines of the usage.
  if (command !== undefined && (args.includes('--help') || args.includes('-h'))) {
    const help = commandHelp(command);
    process.stdout.write(`${help ?? USAGE}\n`);
    return help === null ? 2 : 0;
  }
  switch (command) {
    case 'start': {
      const { runService } = await import('./main.js');
      return runService(option(args, '--config'));
    }
    case 'import':
      return importCommand(args);
    case 'backup': {
      const { backupCommand } = await import('./cli/backup.js');
      return backupCommand(args);
    }
    case 'restore': {
      const { restoreCommand } = await import('./cli/backup.js');
      return restoreCommand(args);
    }
    case 'web-login':
    case 'web-logout': {
      const { webLoginCommand } = await import('./cli/web.js');
      return webLoginCommand(args, command === 'web-logout');
    }
    case 'template':
      return templateCommand(args);
    case 'addressbook':
      return addressBookCommand(args);
    case 'access-log':
      return accessLogCommand(args);
    case 'token':
      // A shared secret for a OneBot link (NapCat's `token`, the account's `accessToken`): 32 random bytes.
      process.stdout.write(`${randomBytes(32).toString('base64url')}\n`);
      return 0;
    case 'contact-log':
      return contactLogCommand(args);
    case 'export':
      return exportCommand(args);
    case 'encrypt-db':
      return encryptDbCommand(args);
    case 'drill': {
      const json = flag(args, '--json');
      const file = args[0];
      if (!file) {
        process.stderr.write('cascade drill <scenario.yaml> [--json]\n');
        return 2;
      }
      return drillCommand(file, json);
    }
    case 'demo':
      return drillCommand(DEMO_SCENARIO, flag(args, '--json'));
    case 'classify':
      return classifyCommand(args);
    case 'audit':
      return auditCommand(args);
    case 'accounts':
      return accountsCommand(args);
    case 'status':
      return statusCommand(args);
    case 'login':
      return loginCommand(args);
    case 'bench': {
      const { benchCommand } = await import('./bench/run.js');
      return benchCommand(args);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`没有“${command}”这个命令。\n${USAGE}\n`);
      return 2;
  }
}

/**
 * `cascade audit --format json|xlsx [--group …] [--out file]`: audits the groups of a scope (all, a
 * group key, a class, or a college) and writes the findings. Simulated accounts' groups are read from
 * the simulator; real accounts' groups from the member lists the running service keeps (refreshed by
 * every /核对 and the daily audit, current with join and leave events).
 */
async function auditCommand(args: string[]): Promise<number> {
  const format = option(args, '--format') ?? 'json';
  const scope = option(args, '--group');
  const out = option(args, '--out');
  if (format !== 'json' && format !== 'xlsx') {
    process.stderr.write('cascade audit --format json|xlsx [--group L3:班级|班级|学院] [--out file]\n');
    return 2;
  }
  const config = loadConfig();
  return withStoredOrg(config, async (db, org) => {
    const groups = scope === undefined ? [...org.groups] : groupsNamed(org, scope);
    if (groups.length === 0) {
      process.stderr.write(`没有找到“${scope ?? ''}”对应的群。\n`);
      return 1;
    }
    // Accounts on a real platform are not logged in from here (a second login would take the running
    // service's session over): their groups are audited from the member lists the service keeps.
    const real = new Set(config.accounts.filter(isRealAccount).map((a) => a.id));
    const school = populateWorld(org, { keepTranscript: false, exclude: real });
    // Connected only to read member lists: events are not taken in.
    await Promise.all(school.adapters.map((a) => a.start(() => undefined)));
    const auditor = new Auditor({
      org: () => org,
      adapters: new Map(school.adapters.map((a) => [a.accountId, a])),
      audits: new AuditRepo(db),
      members: new MemberRepo(db),
      keepLists: false,
      clock: systemClock,
      patterns: config.membership.cardPatterns,
      // Real bots' own ids, as the running service recorded them, are bots too.
      botIds: new Set([...school.adapters.map((a) => a.selfId), ...new AccountStatusRepo(db).all().flatMap((r) => (r.selfId ? [r.selfId] : []))]),
      timeZone: config.school.timeZone,
      logger: silentLogger,
    });
    const audits: ExportedAudit[] = [];
    try {
      for (const g of groups) {
        try {
          // The export records nothing: the daily audit compares with what it saw itself.
          audits.push(exportedAudit(g.key, g.name, await auditor.audit(g, null, { save: false })));
        } catch (error) {
          process.stderr.write(`无法获取“${g.name}”的成员列表：${error instanceof Error ? error.message : String(error)}\n`);
          return 1;
        }
      }
    } finally {
      await Promise.all(school.adapters.map((a) => a.stop()));
    }
    const now = new Date();
    if (format === 'json') {
      const text = auditJson(audits, now);
      if (out) writeFileSync(out, text);
      else process.stdout.write(text);
    } else {
      const file = out ?? `audit-${now.toISOString().slice(0, 10)}.xlsx`;
      writeFileSync(file, await auditWorkbook(audits, now));
      process.stderr.write(`已写入 ${resolve(file)}（${audits.length} 个群）\n`);
    }
    return 0;
  });
}

/** `cascade classify`: one JSON line per reply read, for checking a puzzling case and for tuning. */
async function classifyCommand(args: string[]): Promise<number> {
  const jsonl = flag(args, '--jsonl');
  const hint = option(args, '--hint') ?? DEFAULT_REPLY_HINT;
  const file = args[0];
  if (file !== undefined && file !== '-' && !existsSync(file)) {
    process.stderr.write(`找不到文件：${resolve(file)}\n`);
    return 1;
  }
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file, 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let bad = 0;
  for await (const raw of lines) {
    n++;
    if (raw.trim() === '') continue;
    let text = raw.replace(/\\n/gu, '\n');
    let lineHint = hint;
    if (jsonl) {
      try {
        const parsed = JSON.parse(raw) as unknown;
        if (typeof parsed === 'string') text = parsed;
        else if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { text?: unknown }).text === 'string') {
          text = (parsed as { text: string }).text;
          const h = (parsed as { hint?: unknown }).hint;
          if (typeof h === 'string') lineHint = h;
        } else throw new Error('expected a string or an object with "text"');
      } catch (error) {
        bad++;
        process.stderr.write(`第 ${n} 行不是有效的 JSON：${error instanceof Error ? error.message : String(error)}\n`);
        continue;
      }
    }
    const u = understandReply(text, { replyHint: lineHint });
    const out: Record<string, unknown> = { text, label: u.label, confidence: u.confidence };
    if (u.names.length > 0) out['names'] = u.names;
    if (u.relation) out['relation'] = u.relation;
    if (u.figures.length > 0) out['figures'] = u.figures;
    if (u.directiveRef !== null) out['directiveRef'] = u.directiveRef;
    if (u.retract) out['retract'] = true;
    if (lineHint !== DEFAULT_REPLY_HINT) out['hint'] = lineHint;
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  return bad > 0 ? 1 : 0;
}

/** `cascade template <file.xlsx>`: an empty roster workbook in the accepted layouts, with instructions. */
async function templateCommand(args: string[]): Promise<number> {
  const force = flag(args, '--force');
  const file = args[0];
  if (!file || !file.toLowerCase().endsWith('.xlsx')) {
    process.stderr.write('cascade template <文件.xlsx> [--force]\n');
    return 2;
  }
  if (existsSync(file) && !force) {
    process.stderr.write(`${resolve(file)} 已存在；要覆盖请加 --force\n`);
    return 1;
  }
  const { writeRosterTemplate } = await import('./roster/template.js');
  await writeRosterTemplate(file);
  process.stdout.write(`已写入花名册模板：${resolve(file)}\n填好后检查：cascade import ${file} --dry-run\n`);
  return 0;
}

async function importCommand(args: string[]): Promise<number> {
  const dryRun = flag(args, '--dry-run');
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length === 0) {
    process.stderr.write('cascade import <文件或目录>... [--dry-run]（.xlsx、.csv、目录或 .zip，可同时给多个）\n');
    return 2;
  }
  for (const file of files) {
    if (!existsSync(file)) {
      process.stderr.write(`找不到文件：${resolve(file)}\n`);
      return 1;
    }
  }
  const config = loadConfig();
  process.stderr.write(`正在读取 ${files.join('、')} …\n`);
  const { roster, report: read } = await readRosterWithReport(files, {
    onProgress: (p) => {
      if (process.stderr.isTTY) process.stderr.write(`\r读取「${p.sheet}」${p.rows}/${p.total} 行   `);
      else if (p.rows === p.total) process.stderr.write(`读取「${p.sheet}」${p.total} 行\n`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(`${formatReadReport(read)}\n`);
  if (dryRun) {
    process.stdout.write(
      `检查通过（未写入）：学生 ${roster.students.length}，家长 ${roster.guardians.length}，教职工 ${roster.staff.length}，群 ${roster.groups.length}\n`,
    );
    return 0;
  }
  const db = openDb(join(config.dataDir, 'cascade.db'));
  try {
    const report = applyRoster(db, roster, { source: files.map((f) => resolve(f)).join(', '), now: Date.now() });
    process.stdout.write(`${formatImportReport(report)}\n`);
    process.stdout.write('正在运行的 Cascade 需重启后才会使用新名单。\n');
  } finally {
    closeDb(db);
  }
  return 0;
}

/**
 * `cascade encrypt-db`: encrypts the store in place with CASCADE_DB_KEY (docs/security.md). Refused while
 * the service holds the data directory.
 */
function encryptDbCommand(args: string[]): number {
  const key = storeKey();
  if (key === undefined) {
    process.stderr.write(`请先设置环境变量 ${DB_KEY_ENV}（至少 16 个字符，可用 cascade token 生成），再运行 cascade encrypt-db。\n`);
    return 2;
  }
  if (key.length < 16) {
    process.stderr.write(`${DB_KEY_ENV} 太短：至少需要 16 个字符（可用 cascade token 生成）。\n`);
    return 2;
  }
  const config = loadConfig(process.env, {}, option(args, '--config'));
  const lock = lockDataDir(config.dataDir);
  try {
    const file = join(config.dataDir, 'cascade.db');
    const done = encryptStore(file, key);
    process.stdout.write(done ? `已加密 ${file}。此后启动和运行命令时都需设置 ${DB_KEY_ENV}；请妥善保管密钥，丢失后数据无法恢复。\n` : `${file} 已经是加密的，未做改动。\n`);
    return 0;
  } finally {
    lock.release();
  }
}

async function drillCommand(file: string, json: boolean): Promise<number> {
  const config = loadConfig();
  const scenario = loadScenario(file);
  const logger = json ? silentLogger : createLogger('warn', process.stderr);
  const report = await runDrill(scenario, {
    config,
    logger,
    ...(config.redis.url ? { redisUrl: config.redis.url } : {}),
  });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatDrillReport(report));
  return report.ok ? 0 : 1;
}

export function formatDrillReport(r: DrillReport): string {
  const lines = [`演练：${r.scenario}（虚拟时间 ${r.startedAt} → ${r.endedAt}）`];
  for (const d of r.directives) {
    lines.push(`\n第${d.id}号通知（${d.mode === 'step' ? '逐级' : '立即'}下发，至 L${d.depth}）：${d.text.slice(0, 40)}`);
    lines.push(`  投递：计划 ${d.deliveries.planned}，已发 ${d.deliveries.sent}${d.deliveries.failed ? `，失败 ${d.deliveries.failed}` : ''}`);
    for (const [level, t] of Object.entries(d.levels)) {
      lines.push(`  L${level}：已回复 ${t.acknowledged}/${t.required}${t.late ? `（逾期 ${t.late}）` : ''}${t.notReleased ? `，待下发 ${t.notReleased}` : ''}`);
    }
  }
  const labels = AUDIT_SHORT;
  const flagged = r.audits.filter((a) => labels.some(([k]) => a[k].length > 0));
  lines.push(`\n入群核对：${r.audits.length} 个群，${flagged.length === 0 ? '都与名单一致。' : `${flagged.length} 个有问题：`}`);
  for (const a of flagged) {
    lines.push(`  ${a.group}：${labels.filter(([k]) => a[k].length > 0).map(([k, label]) => `${label} ${a[k].length}`).join('，')}`);
  }
  lines.push(`\n机器人共发出 ${r.messages.length} 条消息。最近几条：`);
  for (const m of r.messages.slice(-6)) lines.push(`  [${m.account} → ${m.to}] ${m.text.split('\n')[0] ?? ''}`);
  lines.push(r.ok ? '\n全部检查通过。' : `\n失败：\n${r.failures.map((f) => `  - ${f}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}

/** Errors operators can act on print as one clear message; anything else is a bug and keeps its stack. */
/**
 * An error as the operator reads it: the message of the errors Cascade explains itself (config, roster,
 * drill, Redis), else a short line; the stack only with `--debug`.
 */
export function explain(error: unknown, debug = process.argv.includes('--debug')): string {
  if (debug) return error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (error instanceof ConfigError || error instanceof RosterError || error instanceof ScenarioError || error instanceof RedisUnavailableError || error instanceof DataDirLockedError || error instanceof StoreKeyError) {
    return error.message;
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return `出错了：${message}\n（加 --debug 查看详细信息）`;
}


// Last: every command's constants are initialised before one runs (`tsx src/cli.ts status`).
const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${explain(error)}\n`);
      process.exit(1);
    },
  );
}
