/**
 * The embedded redis-server: a private child on a free loopback port, with a random password, AOF
 * under the data directory, supervised (restarted at once on the same port, password and data when it
 * dies), and recorded in a state file so that a run killed without stopping it is found by the next
 * start and its server stopped, never doubled.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export const REDIS_MISSING_HELP =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`) ' +
  'or point Cascade at a running Redis with REDIS_URL=redis://127.0.0.1:6379.';

export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

export interface EmbeddedRedis {
  /** With the password: for clients, never for logs (see redactUrl). */
  readonly url: string;
  readonly port: number;
  /** The server's pid right now (it changes when the supervisor restarts it). */
  readonly pid: () => number | undefined;
  /** How often the supervisor has restarted it. */
  readonly restarts: () => number;
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  /** Directory for its AOF files and state file; omit for a throwaway server that keeps nothing on disk. */
  readonly dataDir?: string;
  readonly binary?: string;
  /** Supervision lines (exit, restart, a leftover server stopped); silent without. */
  readonly logger?: Logger;
  /** Restart it when it dies (default true). */
  readonly supervise?: boolean;
  /** A given port and password (tests bring a server back as it was); default a free port and a random password. */
  readonly port?: number;
  readonly password?: string;
}

/** The state file of the running server, in its data directory. */
export const STATE_FILE = 'embedded-redis.json';
/** A server that keeps dying is restarted after growing waits, up to this. */
const MAX_RESTART_WAIT_MS = 5_000;
const START_TIMEOUT_MS = 10_000;

interface State {
  readonly pid: number;
  readonly port: number;
  readonly dir: string;
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function redisServerAvailable(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** A Redis URL as logs and messages may show it: without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '' && u.username === '') return url;
    u.password = '';
    u.username = '';
    return u.toString().replace(/\/$/u, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/u, '//');
  }
}

/**
 * Starts the server (stopping one an earlier run left on the same data directory first) and resolves
 * once it answers PING with its password.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  const binary = options.binary ?? 'redis-server';
  if (!redisServerAvailable(binary)) throw new RedisUnavailableError(REDIS_MISSING_HELP);
  const { dataDir, logger } = options;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    await stopLeftover(dataDir, logger);
  }
  const port = options.port ?? (await freePort());
  const password = options.password ?? randomBytes(24).toString('hex');
  const url = `redis://:${password}@127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'];
  if (dataDir) args.push('--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec');
  else args.push('--appendonly', 'no');
  // The password goes in through the config on stdin, not the command line (`ps` shows arguments).
  const config = `requirepass ${password}\n`;

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let failures = 0;
  const launch = async (): Promise<void> => {
    const c = spawn(binary, ['-', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    c.stdin?.end(config);
    let stderr = '';
    c.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child = c;
    await waitForPing(url, c, () => stderr);
    if (dataDir && c.pid !== undefined) writeState(dataDir, { pid: c.pid, port, dir: dataDir });
    c.once('exit', (code, signal) => {
      if (stopping || child !== c || options.supervise === false) return;
      logger?.error({ code, signal, port }, 'embedded redis-server exited; restarting it on the same port and data');
      void restart();
    });
  };
  const restart = async (): Promise<void> => {
    while (!stopping) {
      try {
        await launch();
        restarts++;
        failures = 0;
        logger?.info({ port, pid: child?.pid, restarts }, 'embedded redis-server restarted');
        return;
      } catch (error) {
        failures++;
        const wait = Math.min(MAX_RESTART_WAIT_MS, 100 * 2 ** failures);
        logger?.error({ err: error instanceof Error ? error.message : String(error), wait }, 'embedded redis-server could not be restarted; trying again');
        await new Promise((r) => setTimeout(r, wait).unref());
      }
    }
  };
  await launch();
  return {
    url,
    port,
    pid: () => child?.pid,
    restarts: () => restarts,
    async stop() {
      stopping = true;
      if (child) await stopChild(child);
      if (dataDir) rmSync(join(dataDir, STATE_FILE), { force: true });
    },
  };
}

function writeState(dataDir: string, state: State): void {
  writeFileSync(join(dataDir, STATE_FILE), `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

/** A server an earlier run left on this data directory (killed before it could stop it) is stopped. */
async function stopLeftover(dataDir: string, logger: Logger | undefined): Promise<void> {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return;
  let state: State | undefined;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as State;
  } catch {
    state = undefined;
  }
  if (state && Number.isInteger(state.pid) && isRedisServer(state.pid)) {
    logger?.warn({ pid: state.pid, port: state.port }, 'stopping the embedded redis-server an earlier run left behind');
    await stopPid(state.pid);
  }
  rmSync(file, { force: true });
}

/** Whether a live process with this pid is a redis-server (not a recycled pid of something else). */
function isRedisServer(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    // No /proc (not Linux): trust the state file.
    return true;
  }
}

async function stopPid(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 5_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

async function waitForPing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new RedisUnavailableError(`redis-server exited early: ${stderr().trim()}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`redis-server did not answer on ${redactUrl(url)} within 10 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // Redis writes its AOF and exits within milliseconds; a stop must not wait long for one that does not.
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
