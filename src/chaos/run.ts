/**
 * The fault suite (`npm run chaos`, docs/reliability.md): a real `cascade start` process with OneBot
 * accounts against the spec peer in a process of its own, and for each fault an injected run — Cascade
 * SIGKILLed at random moments, the embedded and an external Redis killed, the peer frozen past its
 * heartbeat, the peer killed with a send in flight, replies sent while Cascade restarts, two quote-replies
 * seconds apart. Each run reports: groups that got each directive exactly once (or have a person asked
 * to look), acknowledgements stored against replies sent, the longest pause in a relay, the smallest gap
 * between two sends of an account, how soon a restarted Cascade sent again, how long a SIGTERM took.
 *
 *   npm run chaos [-- --quick] [--only sigkill,freeze] [--report chaos-report.json]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupKey, type Group } from '../domain/org.js';
import { startEmbeddedRedis } from '../queue/redis-server.js';
import { ChaosEnv, sleep, type EnvSettings } from './env.js';
import type { ChaosSent } from './peer-process.js';

export interface ChaosOptions {
  /** The CI variant: fewer kills, shorter freezes and outages. */
  readonly quick?: boolean;
  /** Only these scenarios. */
  readonly only?: readonly string[];
  readonly onProgress?: (line: string) => void;
}

export interface ScenarioReport {
  readonly name: string;
  readonly runs: number;
  readonly directives: number;
  /** Directive × QQ group it was meant for. */
  readonly posts_expected: number;
  readonly exactly_once: number;
  /** No post, and a person was asked to post it or to look. */
  readonly before_a_person: number;
  /** No post and nobody asked: lost. */
  readonly lost: number;
  /** Groups that got a directive more than once. */
  readonly duplicates: number;
  readonly replies_sent: number;
  readonly acks_stored: number;
  readonly replies_lost: number;
  /** The longest wait for a directive's next post (from its issue), while any was still to come. */
  readonly longest_relay_pause_ms: number;
  /** The smallest gap between two sends of one account, as the platform carried them out. */
  readonly smallest_account_gap_ms: number | null;
  readonly min_gap_ms: number;
  /** A restart with posts still to send: from the new process's spawn to its first send. */
  readonly resume_ms: readonly number[];
  /** SIGTERM to exit. */
  readonly stop_ms: readonly number[];
  readonly notes: readonly string[];
  readonly problems: readonly string[];
  readonly ok: boolean;
}

export interface ChaosReport {
  readonly generatedAt: string;
  readonly quick: boolean;
  readonly scenarios: readonly ScenarioReport[];
  readonly ok: boolean;
  readonly seconds: number;
}

/** Targets (issue #18). */
export const CHAOS_TARGETS = { duplicates: 0, lost: 0, replies_lost: 0, resume_ms: 5_000, stop_ms: 10_000 } as const;

const GAP_TOLERANCE_MS = 5;
const SETTLE_TIMEOUT_MS = 120_000;

/** Which replies a directive is owed, and who gave them. */
interface Tracked {
  readonly tag: string;
  readonly issuedAt: number;
  id?: number;
  /** Class groups answered in (key → students who replied). */
  readonly replied: Map<string, string[]>;
}

class Scenario {
  readonly tracked: Tracked[] = [];
  readonly resume: number[] = [];
  readonly stops: number[] = [];
  readonly notes: string[] = [];
  private seq = 0;

  constructor(
    readonly name: string,
    readonly env: ChaosEnv,
    readonly repliesPerClass: number,
  ) {}

  /** The team leader issues a directive to the whole school's classes (a tag tells it apart). */
  async issue(): Promise<Tracked> {
    const tag = `${this.name}-${++this.seq}`;
    const t: Tracked = { tag, issuedAt: Date.now(), replied: new Map() };
    this.tracked.push(t);
    await this.env.say('T001', 'L1', `/通知 层级=3 请各班同学完成健康打卡（${tag}）`);
    return t;
  }

  /** The directive's id once Cascade has it (it may be created after a restart, from the history). */
  idOf(t: Tracked): number | undefined {
    t.id ??= this.env.read((db) => (db.prepare('SELECT id FROM directives WHERE text LIKE ? ORDER BY id LIMIT 1').get(`%（${t.tag}）%`) as { id: number } | undefined)?.id);
    return t.id;
  }

  /** Students reply (quote-replying the post) in each class group the directive has reached, once per group. */
  async reply(t: Tracked, sent: Record<string, ChaosSent[]>): Promise<void> {
    const id = this.idOf(t);
    if (id === undefined) return;
    for (const g of this.env.classGroups()) {
      const key = classKey(this.env, g);
      if (t.replied.has(key)) continue;
      const { chatId, account } = this.env.chat(key);
      const post = (sent[account] ?? []).find((m) => m.chatType === 'group' && m.target === chatId && m.text.includes(`【通知 第${id}号】`));
      if (!post) continue;
      const students = this.env.org
        .studentsOf(g.classId ?? -1)
        .filter((p) => this.env.school.seatOf(p.id, key) !== undefined)
        .slice(0, this.repliesPerClass);
      t.replied.set(key, students.map((p) => p.extId));
      for (const s of students) await this.env.say(s.extId, key, '收到', post.messageId);
    }
  }

  /** Replies to every directive wherever its post has arrived; repeated while work goes on. */
  async replyAll(): Promise<void> {
    const sent = await this.env.sent();
    for (const t of this.tracked) await this.reply(t, sent);
  }

  /** Groups each tracked directive is meant for (QQ), from the ledger. */
  expected(id: number): string[] {
    return this.env.read((db) =>
      (db.prepare(`SELECT DISTINCT target FROM deliveries WHERE directive_id = ? AND purpose = 'directive' AND platform = 'qq' AND chat_type = 'group'`).all(id) as { target: string }[]).map(
        (r) => r.target,
      ),
    );
  }

  /** Whether every directive reached every group (or a person) and every reply is stored. */
  async settled(): Promise<boolean> {
    const sent = await this.env.sent();
    const all = Object.values(sent).flat();
    for (const t of this.tracked) {
      const id = this.idOf(t);
      if (id === undefined) return false;
      const manual = this.manualTargets(id);
      for (const target of this.expected(id)) {
        if (!all.some((m) => m.target === target && m.text.includes(`【通知 第${id}号】`)) && !manual.has(target)) return false;
      }
      if (t.replied.size < this.env.classGroups().length) return false;
      if (this.acks(t) < this.replies(t)) return false;
    }
    return true;
  }

  private manualTargets(id: number): Set<string> {
    return new Set(this.env.read((db) => (db.prepare(`SELECT target FROM deliveries WHERE directive_id = ? AND status = 'manual'`).all(id) as { target: string }[]).map((r) => r.target)));
  }

  replies(t: Tracked): number {
    return [...t.replied.values()].reduce((n, l) => n + l.length, 0);
  }

  acks(t: Tracked): number {
    const id = this.idOf(t);
    const refs = [...t.replied.values()].flat();
    if (id === undefined || refs.length === 0) return 0;
    const ids = refs.map((r) => this.env.org.personByRef(r)?.id ?? -1);
    return this.env.read(
      (db) =>
        (db.prepare(`SELECT count(DISTINCT subject_id) AS n FROM acknowledgements WHERE directive_id = ? AND level = 3 AND subject_id IN (${ids.map(() => '?').join(',')})`).get(id, ...ids) as {
          n: number;
        }).n,
    );
  }

  /** Waits until settled, replying as posts arrive. */
  async finish(timeoutMs = SETTLE_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.replyAll();
      if (await this.settled()) return true;
      await sleep(250);
    }
    this.notes.push(`did not settle within ${timeoutMs / 1000} s`);
    return false;
  }

  /** Posts of the directive not yet at the platform. */
  async pending(): Promise<number> {
    const sent = Object.values(await this.env.sent()).flat();
    let n = 0;
    for (const t of this.tracked) {
      const id = this.idOf(t);
      if (id === undefined) {
        n++;
        continue;
      }
      for (const target of this.expected(id)) if (!sent.some((m) => m.target === target && m.text.includes(`【通知 第${id}号】`))) n++;
    }
    return n;
  }

  /** Restarts Cascade after a kill; records how soon it sent again when posts were waiting. */
  async relaunch(pendingBefore: number): Promise<void> {
    await this.env.launch();
    if (pendingBefore === 0) return;
    const spawnedAt = this.env.startedAt;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const first = Object.values(await this.env.sent())
        .flat()
        .filter((m) => m.at >= spawnedAt)
        .sort((a, b) => a.at - b.at)[0];
      if (first) {
        this.resume.push(first.at - spawnedAt);
        return;
      }
      await sleep(50);
    }
    this.resume.push(Number.POSITIVE_INFINITY);
  }

  async report(runs: number): Promise<ScenarioReport> {
    const sent = await this.env.sent();
    const all = Object.values(sent).flat();
    let expected = 0;
    let once = 0;
    let person = 0;
    let lost = 0;
    let duplicates = 0;
    let pause = 0;
    let repliesSent = 0;
    let acks = 0;
    for (const t of this.tracked) {
      const id = this.idOf(t);
      repliesSent += this.replies(t);
      acks += this.acks(t);
      if (id === undefined) {
        lost++;
        continue;
      }
      const manual = this.manualTargets(id);
      const posts = all.filter((m) => m.chatType === 'group' && m.text.includes(`【通知 第${id}号】`));
      for (const target of this.expected(id)) {
        expected++;
        const n = posts.filter((m) => m.target === target).length;
        if (n === 1) once++;
        else if (n > 1) duplicates++;
        else if (manual.has(target)) person++;
        else lost++;
      }
      const times = [t.issuedAt, ...posts.map((m) => m.at).sort((a, b) => a - b)];
      for (let i = 1; i < times.length; i++) pause = Math.max(pause, (times[i] ?? 0) - (times[i - 1] ?? 0));
    }
    let smallest: number | null = null;
    for (const list of Object.values(sent)) {
      const times = list.map((m) => m.at).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) {
        const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
        smallest = smallest === null ? gap : Math.min(smallest, gap);
      }
    }
    const minGap = this.env.settings.minGapMs;
    const problems: string[] = [];
    if (duplicates > CHAOS_TARGETS.duplicates) problems.push(`${duplicates} duplicate post(s)`);
    if (lost > CHAOS_TARGETS.lost) problems.push(`${lost} post(s) lost without a person asked`);
    if (repliesSent - acks > CHAOS_TARGETS.replies_lost) problems.push(`${repliesSent - acks} repl(ies) lost`);
    if (smallest !== null && smallest < minGap - GAP_TOLERANCE_MS) problems.push(`two sends ${smallest} ms apart (gap ${minGap} ms)`);
    for (const r of this.resume) if (r > CHAOS_TARGETS.resume_ms) problems.push(`resumed after ${r} ms`);
    for (const s of this.stops) if (s > CHAOS_TARGETS.stop_ms) problems.push(`stopped after ${s} ms`);
    problems.push(...this.notes.filter((n) => n.startsWith('did not settle')));
    return {
      name: this.name,
      runs,
      directives: this.tracked.length,
      posts_expected: expected,
      exactly_once: once,
      before_a_person: person,
      lost,
      duplicates,
      replies_sent: repliesSent,
      acks_stored: acks,
      replies_lost: Math.max(0, repliesSent - acks),
      longest_relay_pause_ms: pause,
      smallest_account_gap_ms: smallest,
      min_gap_ms: minGap,
      resume_ms: this.resume,
      stop_ms: this.stops,
      notes: this.notes,
      problems,
      ok: problems.length === 0,
    };
  }
}

/** A class group's key (`L3:计算机2301`). */
function classKey(env: ChaosEnv, g: Group): string {
  return groupKey.class(env.org.classUnit(g.classId ?? -1)?.name ?? '');
}

async function withEnv<T>(settings: EnvSettings, fn: (env: ChaosEnv) => Promise<T>): Promise<T> {
  const env = await ChaosEnv.create(settings);
  try {
    await env.startPeer();
    await env.launch();
    return await fn(env);
  } finally {
    await env.close();
  }
}

const BASE: EnvSettings = { heartbeatMs: 5_000, callTimeoutMs: 3_000, minGapMs: 300 };

type ScenarioFn = (quick: boolean, progress: (line: string) => void) => Promise<ScenarioReport>;

/** Cascade SIGKILLed at a random moment of a relay (replies going on), started again: each run a new directive. */
const sigkill: ScenarioFn = (quick, progress) =>
  withEnv(BASE, async (env) => {
    const s = new Scenario('sigkill', env, 2);
    const runs = quick ? 3 : 20;
    for (let i = 0; i < runs; i++) {
      await s.issue();
      const killAt = Date.now() + Math.floor(Math.random() * 2_500);
      while (Date.now() < killAt) {
        await s.replyAll();
        await sleep(100);
      }
      await env.stopCascade('SIGKILL');
      // Counted once the process is gone: a post it made in its last moment is not waiting.
      const pending = await s.pending();
      await s.relaunch(pending);
      await s.finish();
      progress(`  sigkill ${i + 1}/${runs}: ${pending} post(s) pending at the kill${pending > 0 ? `, resumed in ${s.resume.at(-1) ?? '-'} ms` : ''}`);
    }
    return s.report(runs);
  });

/** The embedded redis-server killed mid-relay: supervised, restarted, nothing lost. */
const redisEmbedded: ScenarioFn = () =>
  withEnv(BASE, async (env) => {
    const s = new Scenario('redis-embedded', env, 2);
    await s.issue();
    await sleep(600);
    const pid = env.embeddedRedisPid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    await s.finish();
    s.notes.push(`log: ${env.logged('embedded redis-server exited; restarting it on the same port and data')} exit, ${env.logged('embedded redis-server restarted')} restart line(s)`);
    return s.report(1);
  });

/** An external Redis killed mid-relay and brought back after a while (same port, password and data). */
const redisExternal: ScenarioFn = async (quick) => {
  const data = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'data', `chaos-redis-${process.pid}`);
  let redis = await startEmbeddedRedis({ dataDir: data, supervise: false });
  const { port } = redis;
  const password = new URL(redis.url).password;
  try {
    return await withEnv({ ...BASE, redisUrl: redis.url }, async (env) => {
      const s = new Scenario('redis-external', env, 2);
      await s.issue();
      await sleep(600);
      process.kill(redis.pid() ?? -1, 'SIGKILL');
      const outage = quick ? 4_000 : 23_000;
      const until = Date.now() + outage;
      while (Date.now() < until) {
        await s.replyAll();
        await sleep(200);
      }
      redis = await startEmbeddedRedis({ dataDir: data, supervise: false, port, password });
      await s.finish();
      s.notes.push(`redis away ${outage / 1000} s; log: ${env.logged('redis unreachable: sends and jobs wait, inbound events are held in memory until it is back')} down, ${env.logged('redis reachable again')} up line(s)`);
      return s.report(1);
    });
  } finally {
    await redis.stop();
  }
};

/** The peer frozen (SIGSTOP) past its heartbeat mid-relay, then resumed: no burst, no pause of the account, nothing twice. */
const freeze: ScenarioFn = (quick) =>
  withEnv(quick ? { ...BASE, heartbeatMs: 4_000, callTimeoutMs: 3_000 } : { ...BASE, heartbeatMs: 30_000, callTimeoutMs: 10_000 }, async (env) => {
    const s = new Scenario('freeze', env, 2);
    const t = await s.issue();
    // Frozen right after the first post of the relay reached a group.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const id = s.idOf(t);
      const posted = id !== undefined && Object.values(await env.sent()).flat().some((m) => m.text.includes(`【通知 第${id}号】`));
      if (posted) break;
      await sleep(20);
    }
    const frozenFor = quick ? 12_000 : 60_000;
    env.signalPeer('SIGSTOP');
    await sleep(frozenFor);
    env.signalPeer('SIGCONT');
    await s.finish();
    const paused = env.read((db) => db.prepare(`SELECT account_id AS account, pause_reason AS reason, paused_until AS until FROM account_status WHERE paused_until > ?`).all(Date.now()) as { account: string; reason: string }[]);
    s.notes.push(`frozen ${frozenFor / 1000} s (heartbeat ${env.settings.heartbeatMs / 1000} s); paused accounts after: ${paused.map((p) => `${p.account} (${p.reason})`).join(', ') || 'none'}`);
    const report = await s.report(1);
    const risk = paused.filter((p) => p.reason !== 'timeouts');
    return risk.length === 0 ? report : { ...report, ok: false, problems: [...report.problems, `risk breaker tripped: ${risk.map((p) => p.account).join(', ')}`] };
  });

/** The peer killed with a send in flight, started again from its journal. */
const peerKill: ScenarioFn = (quick) =>
  withEnv(BASE, async (env) => {
    const s = new Scenario('peer-kill', env, 2);
    const runs = quick ? 1 : 3;
    for (let i = 0; i < runs; i++) {
      const t = await s.issue();
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const id = s.idOf(t);
        if (id !== undefined && Object.values(await env.sent()).flat().some((m) => m.text.includes(`【通知 第${id}号】`))) break;
        await sleep(20);
      }
      // Somewhere within the next send's gap: often while one is in flight.
      await sleep(Math.floor(Math.random() * env.settings.minGapMs));
      await env.killPeer();
      await sleep(2_000);
      await env.startPeer();
      await s.finish();
    }
    return s.report(runs);
  });

/** Replies sent while Cascade restarts (a SIGTERM, then a start): counted from the history. */
const restartReplies: ScenarioFn = (quick) =>
  withEnv(BASE, async (env) => {
    const s = new Scenario('restart-replies', env, 3);
    const runs = quick ? 1 : 3;
    for (let i = 0; i < runs; i++) {
      const t = await s.issue();
      // Posted everywhere first; then Cascade stops and the replies come while it is away.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await s.pending()) > 0) await sleep(100);
      s.stops.push(await env.stopCascade('SIGTERM'));
      const sent = await env.sent();
      await s.reply(t, sent);
      await sleep(500);
      await env.launch();
      await s.finish();
    }
    return s.report(runs);
  });

/** One person's two quote-replies 收到, to two directives, 3 s apart: both count. */
const quotes: ScenarioFn = () =>
  withEnv(BASE, async (env) => {
    const s = new Scenario('quotes', env, 0);
    const a = await s.issue();
    const b = await s.issue();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await s.pending()) > 0) await sleep(100);
    const key = 'L3:计算机2301';
    const { chatId, account } = env.chat(key);
    const sent = (await env.sent())[account] ?? [];
    const postOf = (t: Tracked): string | undefined => sent.find((m) => m.target === chatId && m.text.includes(`【通知 第${s.idOf(t) ?? -1}号】`))?.messageId;
    const student = '2023010101';
    await env.say(student, key, '收到', postOf(a));
    await sleep(3_000);
    await env.say(student, key, '收到', postOf(b));
    a.replied.set(key, [student]);
    b.replied.set(key, [student]);
    // Only this group answers here: the others are marked done with nobody.
    for (const g of env.classGroups()) {
      const k = classKey(env, g);
      for (const t of [a, b]) if (!t.replied.has(k)) t.replied.set(k, []);
    }
    await s.finish(30_000);
    return s.report(1);
  });

export const SCENARIOS: Readonly<Record<string, ScenarioFn>> = {
  sigkill,
  'redis-embedded': redisEmbedded,
  'redis-external': redisExternal,
  freeze,
  'peer-kill': peerKill,
  'restart-replies': restartReplies,
  quotes,
};

export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const quick = options.quick ?? false;
  const reports: ScenarioReport[] = [];
  for (const [name, fn] of Object.entries(SCENARIOS)) {
    if (options.only && !options.only.includes(name)) continue;
    progress(`${name}${quick ? ' (quick)' : ''} …`);
    const r = await fn(quick, progress);
    progress(`  ${r.ok ? 'ok' : `FAILED: ${r.problems.join('; ')}`} — ${r.exactly_once}/${r.posts_expected} posts exactly once, ${r.before_a_person} before a person, ${r.duplicates} duplicates, ${r.lost} lost; replies ${r.acks_stored}/${r.replies_sent}`);
    reports.push(r);
  }
  return { generatedAt: new Date().toISOString(), quick, scenarios: reports, ok: reports.every((r) => r.ok), seconds: Math.round((Date.now() - started) / 1000) };
}

/** The report as a table for operators (Chinese headings would not help the engineers reading it). */
export function formatChaos(r: ChaosReport): string {
  const lines = [`chaos ${r.quick ? '(quick) ' : ''}${r.generatedAt}, ${r.seconds} s: ${r.ok ? 'all targets met' : 'TARGETS MISSED'}`];
  for (const s of r.scenarios) {
    lines.push(
      `${s.ok ? 'ok    ' : 'FAILED'} ${s.name.padEnd(16)} runs ${s.runs}, posts ${s.exactly_once}/${s.posts_expected} once, ${s.before_a_person} before a person, ${s.duplicates} dup, ${s.lost} lost; replies ${s.acks_stored}/${s.replies_sent}; ` +
        `longest relay pause ${s.longest_relay_pause_ms} ms; smallest gap ${s.smallest_account_gap_ms ?? '-'} ms (≥ ${s.min_gap_ms}); resume ${s.resume_ms.join('/') || '-'} ms; stop ${s.stop_ms.join('/') || '-'} ms`,
    );
    for (const n of s.notes) lines.push(`       ${n}`);
    for (const p of s.problems) lines.push(`       problem: ${p}`);
  }
  return `${lines.join('\n')}\n`;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',').filter((x) => x !== '') : undefined;
  const reportFile = args.includes('--report') ? args[args.indexOf('--report') + 1] : undefined;
  runChaos({ quick: args.includes('--quick'), ...(only ? { only } : {}), onProgress: (l) => process.stderr.write(`${l}\n`) }).then(
    (r) => {
      process.stdout.write(formatChaos(r));
      if (reportFile) writeFileSync(reportFile, `${JSON.stringify(r, null, 2)}\n`);
      process.exit(r.ok ? 0 : 1);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
