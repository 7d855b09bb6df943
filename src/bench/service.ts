/**
 * `cascade bench --campus large`, service phase: the memory of Cascade itself on the large campus.
 *
 * The other phases run the app in the benchmark's own process beside a simulator that plays the platform
 * for every person, so their peak RSS is not the service's. Here the service runs as it does in
 * production — `node --max-old-space-size=512 --import tsx src/cli.ts start` (the Dockerfile's command) in
 * a process of its own, its 60 QQ accounts on OneBot v11 (forward WebSocket) — against the spec peer in a
 * third process (src/chaos/peer-process.ts) holding the campus's groups and members. The driver reads the
 * service's store read-only and samples its memory from /proc (VmRSS, VmHWM) through a day's work:
 *
 *   start     first start: the roster imported (80,000 students and their guardians), 60 accounts online
 *   audit     the daily audit of every group, run now (its scheduled job added to its queue): member lists read
 *   relay     the team leader's `/通知 层级=4` in L1, posted to every group, paced per account
 *   acks      70 % of the students (class groups) and of the guardians (parents' groups) say 收到
 *   queries   each college's deputy secretary asks `/未回复` in L1
 *   chase     the team leader's `/催办`: one reminder round for the whole school
 *
 * Redis is the benchmark's (its memory is its own process's and reported apart).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Database, Statement } from 'better-sqlite3';
import { Redis } from 'ioredis';
import { peerGroups } from '../chaos/env.js';
import type { ChaosSent, ChaosWorld } from '../chaos/peer-process.js';
import { OrgIndex } from '../domain/org-index.js';
import { AUDIT_JOB } from '../features/membership/index.js';
import { freePort } from '../queue/redis-server.js';
import type { SyntheticCampusOptions } from '../roster/synthetic.js';
import { syntheticCampus } from '../roster/synthetic.js';
import { writeRosterCsv } from '../roster/write.js';
import { populateWorld } from '../sim/populate.js';
import { closeDb, openDb, openReadOnly } from '../store/db.js';
import { applyRoster, loadOrgSnapshot } from '../store/org-repo.js';
import { redisInfo, round, sleep } from './util.js';
import { withGuardianQq } from './run.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'src/cli.ts');
const PEER = join(ROOT, 'src/chaos/peer-process.ts');
/** The heap the Dockerfile gives the service. */
export const SERVICE_HEAP_MB = 512;
/** Share of students and guardians who reply 收到 (the rest are chased). */
const RESPONDERS = 0.7;
/** Messages the peer says per control call, and at most this many said but not yet stored. */
const FLOOD_CHUNK = 2_000;
const FLOOD_WINDOW = 6_000;

export interface ServicePhase {
  name: string;
  ms: number;
  /** The service's resident memory at the end of the phase, MB. */
  rss_mb: number;
  /** Its peak resident memory so far (VmHWM), MB. */
  peak_rss_mb: number;
  /** What the service says of itself (/metrics) at the end of the phase: JS heap in use, and memory outside the heap (buffers), MB. */
  heap_used_mb?: number;
  external_mb?: number;
}

export interface ServiceBench {
  heap_limit_mb: number;
  campus: { students: number; guardians: number; groups: number; accounts: number };
  phases: ServicePhase[];
  /** The service process's peak RSS over the whole run, MB (the target's figure). */
  peak_rss_mb: number;
  /** Redis's peak memory over the run (INFO used_memory_peak), MB; its own process. */
  redis_peak_mb: number | null;
  audit: { groups: number; audited: number };
  relay: { posts: number; groups: number; duplicates: number };
  acks: { messages: number; stored: number; per_s: number };
  queries: { asked: number; answered: number };
  chase: { reminders_sent: number };
  ok: boolean;
}

interface Sample {
  rss: number;
  hwm: number;
}

/** VmRSS and VmHWM of a process, in MB (Linux). */
function memoryOf(pid: number): Sample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

async function waitUntil(what: string, timeoutMs: number, done: () => boolean | Promise<boolean>, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`bench (service): timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function benchService(opts: { url: string; prefix: string; campus: SyntheticCampusOptions; progress: (line: string) => void }): Promise<ServiceBench> {
  const { progress } = opts;
  const dir = mkdtempSync(join(tmpdir(), 'cascade-bench-service-'));
  let peer: ChildProcess | undefined;
  let service: ChildProcess | undefined;
  try {
    // ---- the campus, the platform's side ---------------------------------------------------------
    const roster = withGuardianQq(syntheticCampus(opts.campus));
    const rosterDir = join(dir, 'roster');
    writeRosterCsv(rosterDir, roster);
    const scratch = openDb(':memory:');
    applyRoster(scratch, roster, { source: rosterDir, now: Date.now() });
    const org = new OrgIndex(loadOrgSnapshot(scratch, '示范大学'));
    closeDb(scratch);
    const school = populateWorld(org, { keepTranscript: false });
    const accountIds = [...new Set(org.groups.flatMap((g) => org.platformGroupsOf(g.id).flatMap((pg) => pg.accounts)))].sort();
    const accounts: ChaosWorld['accounts'][number][] = [];
    for (const [i, id] of accountIds.entries()) {
      const qq = String(3_200_000_000 + i);
      // Port 0: the peer listens on free ports and says which (ports picked here could be taken meanwhile).
      accounts.push({ id, qq, port: 0, groups: peerGroups(org, school, { id, qq }) });
    }
    const accountOfChat = new Map(accounts.flatMap((a) => a.groups.map((g) => [g.chatId, a.id] as const)));
    const groupCount = accounts.reduce((n, a) => n + a.groups.length, 0);
    const world: ChaosWorld = { controlPort: await freePort(), heartbeatMs: 10_000, journalDir: dir, journal: false, accounts };
    const worldFile = join(dir, 'world.json');
    writeFileSync(worldFile, JSON.stringify(world));
    progress(`service: the spec OneBot peer for ${accounts.length} accounts and ${groupCount} groups`);
    peer = spawn(process.execPath, ['--max-old-space-size=4096', '--import', 'tsx', PEER, worldFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const ports = JSON.parse(await readyLine(peer, 'peer ready')) as Record<string, number>;
    const control = async (path: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(`http://127.0.0.1:${world.controlPort}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`peer ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const sent = async (): Promise<ChaosSent[]> => Object.values((await control('/sent')) as Record<string, ChaosSent[]>).flat();
    const seat = (personId: number, key: string): [string, string, string] => {
      const s = school.seatOf(personId, key);
      const account = s ? accountOfChat.get(s.chatId) : undefined;
      if (!s || !account) throw new Error(`bench (service): person ${personId} has no seat in ${key}`);
      return [account, s.userId, s.chatId];
    };

    // ---- the service -------------------------------------------------------------------------------
    const dataDir = join(dir, 'data');
    const configFile = join(dir, 'cascade.yaml');
    writeFileSync(
      configFile,
      [
        `dataDir: ${JSON.stringify(dataDir)}`,
        `org: ${JSON.stringify(rosterDir)}`,
        `redis: { url: ${JSON.stringify(opts.url)}, prefix: ${JSON.stringify(opts.prefix)} }`,
        // The bench's gap (25 ms), no budget that binds before it: the phase measures memory, not pacing.
        'sending: { perMinute: 1000000, perDay: 1000000, perGroupPerMinute: 1000000 }',
        'accounts:',
        ...accounts.map((a) => `  - { id: ${a.id}, platform: onebot, mode: forward, url: "ws://127.0.0.1:${ports[a.id] ?? 0}/", minGapMs: 25, jitterMs: 0 }`),
        // The chase phase runs whatever the hour: no quiet hours.
        'chasing: { quietHours: null }',
        'log: { level: info, format: json }',
        'web: { listen: "127.0.0.1:0" }',
      ].join('\n'),
    );
    const phases: ServicePhase[] = [];
    let phaseStart = Date.now();
    let peak = 0;
    const sampleNow = (): Sample | undefined => {
      const pid = service?.pid;
      const m = pid === undefined ? undefined : memoryOf(pid);
      if (m) peak = Math.max(peak, m.hwm);
      return m;
    };
    /** The service's own account of its memory (its /metrics), MB: the JS heap in use and memory outside it. */
    const heapOf = async (): Promise<{ heap_used_mb: number; external_mb: number } | undefined> => {
      const web = /网页控制台：(http:\/\/[^（\s]+)/u.exec(stderr)?.[1];
      if (!web) return undefined;
      try {
        const text = await (await fetch(new URL('/metrics', web))).text();
        const metric = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
        return { heap_used_mb: round(metric('cascade_node_nodejs_heap_size_used_bytes'), 1), external_mb: round(metric('cascade_node_nodejs_external_memory_bytes'), 1) };
      } catch {
        return undefined;
      }
    };
    const endPhase = async (name: string, detail: string): Promise<void> => {
      const ms = Date.now() - phaseStart;
      const m = sampleNow();
      const heap = await heapOf();
      const phase: ServicePhase = { name, ms, rss_mb: round(m?.rss ?? 0, 1), peak_rss_mb: round(m?.hwm ?? 0, 1), ...heap };
      phases.push(phase);
      progress(`  ${name}: ${round(ms / 1000, 1)} s, ${detail}; service RSS ${phase.rss_mb} MB, peak ${phase.peak_rss_mb} MB, JS heap ${heap?.heap_used_mb ?? '?'} MB, external ${heap?.external_mb ?? '?'} MB`);
      phaseStart = Date.now();
    };

    progress(`service: cascade start (--max-old-space-size=${SERVICE_HEAP_MB}), first start imports the roster`);
    let log = '';
    let stderr = '';
    service = spawn(process.execPath, [`--max-old-space-size=${SERVICE_HEAP_MB}`, '--import', 'tsx', CLI, 'start', '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout?.on('data', (c: Buffer) => {
      // Only what is waited for is kept: the online lines and the last line.
      for (const line of c.toString().split('\n')) if (line.includes('"onebot online"') || line.includes('"msg":"stopped"')) log += `${line}\n`;
    });
    service.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const sampler = setInterval(sampleNow, 50);
    let reader: Database | undefined;
    try {
      await waitUntil('the service to start and every account to log in', 600_000, () => {
        if (service?.exitCode !== null) throw new Error(`cascade exited (${String(service?.exitCode)}): ${stderr.slice(-2000)}`);
        return stderr.includes('Cascade 已启动') && log.split('\n').filter((l) => l.includes('"onebot online"')).length >= accounts.length;
      });
      await endPhase('start', `${org.counts().students} students, ${accounts.length} accounts online`);
      // One read-only connection for the run (WAL: each statement sees the latest commit), each query prepared once.
      reader = openReadOnly(join(dataDir, 'cascade.db'));
      const db = reader;
      const statements = new Map<string, Statement>();
      const count = (sql: string, ...params: unknown[]): number => {
        let stmt = statements.get(sql);
        if (!stmt) {
          stmt = db.prepare(sql);
          statements.set(sql, stmt);
        }
        return (stmt.get(...params) as { n: number }).n;
      };

      // ---- audit: the scheduled job, run now ----------------------------------------------------
      const connection = new Redis(opts.url, { maxRetriesPerRequest: null });
      connection.on('error', () => undefined);
      const auditQueue = new Queue(AUDIT_JOB, { connection, prefix: opts.prefix });
      try {
        await auditQueue.add(AUDIT_JOB, {}, { removeOnComplete: true });
      } finally {
        await auditQueue.close();
        connection.disconnect();
      }
      const logical = org.groups.length;
      await waitUntil('the daily audit of every group', 600_000, () => count(`SELECT count(DISTINCT group_id) AS n FROM audits WHERE kind = 'daily'`) >= logical, 200);
      const audited = count(`SELECT count(DISTINCT group_id) AS n FROM audits WHERE kind = 'daily'`);
      await endPhase('audit', `${audited} groups audited`);

      // ---- relay ----------------------------------------------------------------------------------
      const leader = org.withRole('team_leader', null)[0];
      if (!leader) throw new Error('bench (service): no team leader');
      const leaderSeat = seat(leader.id, 'L1');
      await control('/flood', { text: '/通知 层级=4 请各位同学和家长阅读返校安排，并回复“收到”。', items: [leaderSeat] });
      await waitUntil('the directive', 60_000, () => count('SELECT count(*) AS n FROM directives') > 0);
      const directiveId = count('SELECT max(id) AS n FROM directives');
      const unsent = `SELECT count(*) AS n FROM deliveries WHERE status IN ('planned', 'sending')`;
      await waitUntil('every post of the directive', 600_000, () => count(unsent) === 0 && count('SELECT count(*) AS n FROM deliveries WHERE directive_id = ?', directiveId) > 0, 200);
      const tag = `【通知 第${directiveId}号】`;
      const posts = (await sent()).filter((m) => m.chatType === 'group' && m.text.includes(tag));
      const postedGroups = new Set(posts.map((m) => m.target)).size;
      await endPhase('relay', `${posts.length} posts in ${postedGroups} groups`);

      // ---- acknowledgements ---------------------------------------------------------------------
      const speakers: [string, string, string][] = [];
      for (const c of org.colleges) {
        for (const k of org.classesOf(c.id)) {
          for (const [i, s] of org.studentsOf(k.id).entries()) {
            if (i % 10 >= RESPONDERS * 10) continue;
            speakers.push(seat(s.id, `L3:${k.name}`));
            const guardian = org.guardiansOf(s.id)[0];
            if (guardian) speakers.push(seat(guardian.guardianId, `L4:${c.name}`));
          }
        }
      }
      const inboundBase = count('SELECT coalesce(max(id), 0) AS n FROM inbound_messages');
      const ackSql = 'SELECT count(*) AS n FROM acknowledgements WHERE directive_id = ?';
      const acksBefore = count(ackSql, directiveId);
      const ackStarted = Date.now();
      for (let i = 0; i < speakers.length; i += FLOOD_CHUNK) {
        const end = Math.min(i + FLOOD_CHUNK, speakers.length);
        await control('/flood', { text: '收到', items: speakers.slice(i, end) });
        await waitUntil('the inbound window', 600_000, () => end - (count('SELECT coalesce(max(id), 0) AS n FROM inbound_messages') - inboundBase) <= FLOOD_WINDOW, 20);
      }
      await waitUntil('every acknowledgement', 600_000, () => count(ackSql, directiveId) - acksBefore >= speakers.length, 200);
      const ackMs = Date.now() - ackStarted;
      const stored = count(ackSql, directiveId) - acksBefore;
      await endPhase('acks', `${stored} of ${speakers.length} acknowledgements stored, ${round((speakers.length / ackMs) * 1000)} messages/s`);

      // ---- /未回复 -------------------------------------------------------------------------------------
      const deputies = org.colleges.flatMap((c) => org.withRole('deputy_secretary', c.id).slice(0, 1));
      const l1Chat = leaderSeat[2];
      const botPostsInL1 = async (): Promise<number> => (await sent()).filter((m) => m.chatType === 'group' && m.target === l1Chat).length;
      const l1Before = await botPostsInL1();
      await control('/flood', { text: `/未回复 ${directiveId}`, items: deputies.map((d) => seat(d.id, 'L1')) });
      await waitUntil('every /未回复 answer', 300_000, async () => (await botPostsInL1()) - l1Before >= deputies.length, 200);
      const answered = (await botPostsInL1()) - l1Before;
      await endPhase('queries', `${answered} answers to ${deputies.length} deputy secretaries`);

      // ---- chase ------------------------------------------------------------------------------------
      const chaseBase = count('SELECT coalesce(max(id), 0) AS n FROM deliveries');
      const chaseSql = `SELECT count(*) AS n FROM deliveries WHERE id > ? AND status = 'sent'`;
      const l1BeforeChase = await botPostsInL1();
      await control('/flood', { text: `/催办 ${directiveId}`, items: [leaderSeat] });
      await waitUntil('the answer to /催办', 120_000, async () => (await botPostsInL1()) > l1BeforeChase, 200);
      await waitUntil('the reminders to be sent', 600_000, () => count(unsent) === 0, 200);
      const reminders = count(chaseSql, chaseBase);
      await endPhase('chase', `${reminders} reminders and answers sent`);

      const all = await sent();
      const seen = new Set<string>();
      let duplicates = 0;
      for (const m of all) {
        if (!m.text.includes(tag) || m.chatType !== 'group') continue;
        const key = `${m.target}|${m.text}`;
        if (seen.has(key)) duplicates++;
        seen.add(key);
      }
      const redisPeak = await redisPeakMb(opts.url);
      clearInterval(sampler);
      sampleNow();
      return {
        heap_limit_mb: SERVICE_HEAP_MB,
        campus: { students: org.counts().students, guardians: org.counts().guardians, groups: groupCount, accounts: accounts.length },
        phases,
        peak_rss_mb: round(peak, 1),
        redis_peak_mb: redisPeak,
        audit: { groups: logical, audited },
        relay: { posts: posts.length, groups: postedGroups, duplicates },
        acks: { messages: speakers.length, stored, per_s: round((speakers.length / ackMs) * 1000) },
        queries: { asked: deputies.length, answered },
        chase: { reminders_sent: reminders },
        ok: audited >= logical && duplicates === 0 && stored >= speakers.length && answered >= deputies.length,
      };
    } finally {
      clearInterval(sampler);
      reader?.close();
    }
  } finally {
    if (service && service.exitCode === null) {
      const exited = new Promise((r) => service?.once('exit', r));
      service.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (service.exitCode === null) service.kill('SIGKILL');
    }
    if (peer && peer.exitCode === null) peer.kill('SIGKILL');
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves with the rest of the first stdout line that starts with `text`. */
function readyLine(proc: ChildProcess, text: string): Promise<string> {
  let err = '';
  let out = '';
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l, i, all) => i < all.length - 1 && l.startsWith(text));
      if (line !== undefined) resolve(line.slice(text.length).trim());
    });
    // 'close', not 'exit': by then everything it wrote to stderr has been read.
    proc.once('close', (code) => reject(new Error(`exited (${String(code)}): ${err}`)));
  });
}

async function redisPeakMb(url: string): Promise<number | null> {
  const field = await redisInfo(url, 'memory');
  const bytes = field ? field('used_memory_peak') : NaN;
  return Number.isFinite(bytes) ? round(bytes / 1048576, 1) : null;
}
