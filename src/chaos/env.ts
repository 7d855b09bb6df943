/**
 * One chaos environment: a real `cascade start` process on the demo school with its two QQ accounts on
 * OneBot v11 (forward WebSocket), against the spec peer in a process of its own (src/chaos/peer-process.ts),
 * each of which the driver can kill, freeze and start again; the people's side played through the
 * peer's control API; what happened read from the peer (what reached the groups) and from Cascade's
 * store (read-only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import type { Group } from '../domain/org.js';
import { OrgIndex } from '../domain/org-index.js';
import { freePort } from '../queue/redis-server.js';
import { readRoster } from '../roster/index.js';
import { populateWorld, type SimSchool } from '../sim/populate.js';
import { closeDb, openDb, openReadOnly } from '../store/db.js';
import { applyRoster, loadOrgSnapshot } from '../store/org-repo.js';
import type { ChaosSent, ChaosWorld } from './peer-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/cascade.mjs');
const PEER = join(ROOT, 'src/chaos/peer-process.ts');
const DEMO = join(ROOT, 'config/demo');
const ACCOUNTS = [
  { id: 'qq-bot-1', qq: '3100000001' },
  { id: 'qq-bot-2', qq: '3100000002' },
] as const;

/** The sending budgets of the suite's accounts: none that binds before the gap (see `create`). */
const UNBUDGETED = 1_000_000;

export interface EnvSettings {
  /** The peer's heartbeat interval. */
  readonly heartbeatMs: number;
  readonly callTimeoutMs: number;
  /** Each account's pacing gap (no jitter: the smallest gap is checked against it). */
  readonly minGapMs: number;
  /** An external Redis; default the embedded one. */
  readonly redisUrl?: string;
}

export class ChaosEnv {
  private peerProc: ChildProcess | undefined;
  private cascadeProc: ChildProcess | undefined;
  private cascadeExit: Promise<number | null> | undefined;
  private stderr = '';
  /** When the current Cascade process was spawned, epoch ms. */
  startedAt = 0;

  private constructor(
    readonly dir: string,
    readonly settings: EnvSettings,
    readonly org: OrgIndex,
    readonly school: SimSchool,
    readonly world: ChaosWorld,
    private readonly worldFile: string,
    readonly configFile: string,
    readonly dataDir: string,
    readonly logFile: string,
  ) {}

  static async create(settings: EnvSettings): Promise<ChaosEnv> {
    const dir = mkdtempSync(join(tmpdir(), 'cascade-chaos-'));
    const db = openDb(':memory:');
    applyRoster(db, await readRoster(DEMO), { source: DEMO, now: Date.now() });
    const org = new OrgIndex(loadOrgSnapshot(db, '示范大学'));
    closeDb(db);
    // Seated as the simulator seats everyone: the same people in the same groups as every other test.
    const school = populateWorld(org, { now: () => Date.now(), keepTranscript: false });
    const accounts = [];
    for (const a of ACCOUNTS) accounts.push({ ...a, port: await freePort(), groups: peerGroups(org, school, a) });
    const world: ChaosWorld = { controlPort: await freePort(), heartbeatMs: settings.heartbeatMs, journalDir: dir, accounts };
    const worldFile = join(dir, 'world.json');
    writeFileSync(worldFile, JSON.stringify(world));
    const dataDir = join(dir, 'data');
    const configFile = join(dir, 'cascade.yaml');
    writeFileSync(
      configFile,
      [
        `dataDir: ${JSON.stringify(dataDir)}`,
        `org: ${JSON.stringify(DEMO)}`,
        ...(settings.redisUrl ? [`redis: { url: ${JSON.stringify(settings.redisUrl)} }`] : []),
        // The gap is the only limit here, as in the benchmarks' chase phase: with the production budgets
        // (30 sends a minute) every fourth directive spends qq-bot-2's minute (8 posts each, one every few
        // seconds), and a restart then rightly waits out the window (Pacer.seed), up to 40 s: a budget, not a resume.
        `sending: { perMinute: ${UNBUDGETED}, perDay: ${UNBUDGETED}, perGroupPerMinute: ${UNBUDGETED} }`,
        'accounts:',
        ...accounts.map(
          (a) =>
            `  - { id: ${a.id}, platform: onebot, mode: forward, url: "ws://127.0.0.1:${a.port}/", callTimeoutMs: ${settings.callTimeoutMs}, minGapMs: ${settings.minGapMs}, jitterMs: 0, reconnect: { minMs: 200, maxMs: 2000 } }`,
        ),
        'log: { level: info }',
        // Its own free port: several runs (and a developer's `npm start`) share the machine.
        'web: { listen: "127.0.0.1:0" }',
      ].join('\n'),
    );
    return new ChaosEnv(dir, settings, org, school, world, worldFile, configFile, dataDir, join(dir, 'cascade.log'));
  }

  // ---- processes ----------------------------------------------------------------------------

  async startPeer(): Promise<void> {
    const proc = spawn(process.execPath, ['--import', 'tsx', PEER, this.worldFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.peerProc = proc;
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (c: Buffer) => {
        if (c.toString().includes('peer ready')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`the peer exited (${code}): ${err}`)));
    });
  }

  /** SIGKILL (the implementation dies), SIGSTOP (it hangs), SIGCONT (it resumes). */
  signalPeer(signal: NodeJS.Signals): void {
    this.peerProc?.kill(signal);
  }

  async killPeer(): Promise<void> {
    const proc = this.peerProc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Spawns `cascade start` and waits until it runs and both accounts are logged in. */
  async launch(): Promise<void> {
    this.logOffset = existsSync(this.logFile) ? readFileSync(this.logFile).length : 0;
    this.startedAt = Date.now();
    this.stderr = '';
    const proc = spawn(process.execPath, [BIN, 'start', '--config', this.configFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.cascadeProc = proc;
    proc.stdout.on('data', (c: Buffer) => appendFileSync(this.logFile, c));
    proc.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.cascadeExit = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    // Started, and both accounts logged in over their links.
    while (!this.stderr.includes('Cascade 已启动') || this.logins() < ACCOUNTS.length) {
      if (proc.exitCode !== null) throw new Error(`cascade exited (${proc.exitCode}): ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`cascade did not start: ${this.stderr}`);
      await sleep(50);
    }
  }

  /** Where the log stood when this run was spawned. */
  private logOffset = 0;

  /** 'onebot online' lines this run has logged. */
  private logins(): number {
    if (!existsSync(this.logFile)) return 0;
    return readFileSync(this.logFile).subarray(this.logOffset).toString('utf8').split('\n').filter((l) => l.includes('"onebot online"')).length;
  }

  /** Kills Cascade; resolves with how long it took to exit. */
  async stopCascade(signal: 'SIGKILL' | 'SIGTERM'): Promise<number> {
    const proc = this.cascadeProc;
    if (!proc || proc.exitCode !== null) return 0;
    const at = Date.now();
    proc.kill(signal);
    await this.cascadeExit;
    return Date.now() - at;
  }

  /** The pid of the embedded redis-server the current run started (from its state file). */
  embeddedRedisPid(): number | undefined {
    const file = join(this.dataDir, 'redis', 'embedded-redis.json');
    if (!existsSync(file)) return undefined;
    return (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid;
  }

  /** Lines of Cascade's log with this message. */
  logged(msg: string): number {
    if (!existsSync(this.logFile)) return 0;
    return readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;
  }

  async close(): Promise<void> {
    await this.stopCascade('SIGTERM').catch(() => undefined);
    await this.killPeer().catch(() => undefined);
    const pid = this.embeddedRedisPid();
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- people ---------------------------------------------------------------------------------

  /** A QQ group by its key (`L3:计算机2301`): its chat id and the account serving it. */
  chat(key: string): { chatId: string; account: string } {
    const g = this.org.groupByKeyText(key);
    const pg = g ? this.org.platformGroupsOf(g.id).find((p) => p.platform === 'qq') : undefined;
    if (!pg?.accounts[0]) throw new Error(`no QQ group ${key}`);
    return { chatId: pg.chatId, account: pg.accounts[0] };
  }

  /** The QQ class groups (L3) of the school. */
  classGroups(): Group[] {
    return this.org.groups.filter((g) => g.level === 3 && this.org.platformGroupsOf(g.id).some((p) => p.platform === 'qq'));
  }

  /** Someone (by roster ref) says something in a QQ group; resolves with the peer's message id. */
  async say(ref: string, key: string, text: string, quoteId?: string): Promise<string> {
    const person = this.org.personByRef(ref);
    const seat = person ? this.school.seatOf(person.id, key) : undefined;
    if (!seat) throw new Error(`${ref} is not in ${key}`);
    const { account } = this.chat(key);
    const r = await this.control('/say', { account, userId: seat.userId, chatId: seat.chatId, text, ...(quoteId === undefined ? {} : { quoteId }) });
    return (r as { messageId: string }).messageId;
  }

  /** What the bots have sent, per account, as the platform carried it out. */
  async sent(): Promise<Record<string, ChaosSent[]>> {
    return (await this.control('/sent')) as Record<string, ChaosSent[]>;
  }

  private async control(path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`http://127.0.0.1:${this.world.controlPort}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`peer ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  /** Reads Cascade's store (read-only; it may be running). */
  read<T>(fn: (db: Database) => T): T {
    mkdirSync(this.dataDir, { recursive: true });
    const db = openReadOnly(join(this.dataDir, 'cascade.db'));
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }
}

/**
 * The QQ groups one bot account serves, as its OneBot peer shows them: the bot (admin) and the people the
 * simulator seats there (the chaos suite and the benchmark's service phase share this seating).
 */
export function peerGroups(org: OrgIndex, school: SimSchool, account: { readonly id: string; readonly qq: string }): ChaosWorld['accounts'][number]['groups'] {
  return org.groups.flatMap((g) =>
    org.platformGroupsOf(g.id).filter((pg) => pg.accounts.includes(account.id)).map((pg) => ({
      chatId: pg.chatId,
      name: g.name,
      members: [
        { userId: account.qq, nickname: '联络机器人', role: 'admin' as const },
        ...school.world
          .members(pg.chatId)
          .filter((m) => school.world.account(m.userId) === undefined)
          .map((m) => ({ userId: m.userId, nickname: m.nickname, role: m.role, ...(m.card === undefined ? {} : { card: m.card }) })),
      ],
    })),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
