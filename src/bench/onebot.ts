/**
 * `cascade bench`, OneBot phase: inbound events per second through the real OneBot adapter. A started
 * `OneBotAdapter` (forward mode, loopback) reads group message frames over a real WebSocket and
 * decodes them; its sink queues each event on a real `JobQueues` inbound queue in Redis, keyed by
 * `inboundDedupeKey(ev, false)` (OneBot message ids are per account).
 *
 * The frames come from the test peer (`adapters/onebot/peer.ts`), in two ways:
 * - `peer`: the peer itself says each message, in this thread, as the tests use it. It shares the
 *   thread with the adapter, so its own work (building each event, JSON, the socket write) is part
 *   of the time; it is reported apart (`peer_ms`).
 * - `replay`: the peer's frames recorded beforehand (byte for byte what it sends) and written to the
 *   adapter by a minimal OneBot server in a worker thread: the adapter's side alone, as in production
 *   where NapCat is another process. This is the figure the target is for.
 * What each figure means: the fields of `OneBotBench`.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { OneBotAdapter } from '../../adapters/onebot/adapter.js';
import { oneBotOptionsSchema } from '../../adapters/onebot/options.js';
import { OneBotPeer } from '../../adapters/onebot/peer.js';
import { inboundDedupeKey } from '../app/inbound.js';
import { silentLogger } from '../app/logger.js';
import type { InboundEvent } from '../platform/port.js';
import { JobQueues } from '../queue/job-queues.js';
import { round, waitFor } from './util.js';

/** The bot's QQ number, as the peer announces it in `get_login_info` and `self_id`. */
export const ONEBOT_BENCH_BOT = '2854196310';
/** Events sent per turn of the sender's event loop. */
export const ONEBOT_BATCH = 500;
/** Back-pressure: at most this many events sent but not yet handled (decoded; and queued, when queuing). */
export const ONEBOT_WINDOW = 5_000;
const TOKEN = 'bench-token';
/** Replies the senders type, after an `@` of the bot. */
const REPLIES = ['收到', '收到，谢谢老师', '好的收到', '已收到', '收到！', '明白，收到', '收到了', 'ok收到'] as const;
const SURNAMES = '张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂';

export interface OneBotBenchOptions {
  readonly url: string;
  /** Redis prefix of this phase alone. */
  readonly prefix: string;
  /** Group message events per timed run (default 50,000). */
  readonly events?: number;
  /** Groups they are spread over (default 100); every sender speaks once per run. */
  readonly groups?: number;
  readonly progress: (line: string) => void;
}

export interface OneBotRun {
  /** From the first event handed to the sender until the last was decoded (and, when queuing, its add to Redis confirmed). */
  ms: number;
  events_per_s: number;
  /** Of `ms`, the time spent inside the sender's loops (the peer building, serialising and writing; or the replay writing). */
  sender_ms: number;
  /** This process's CPU time (user + system, all threads, the replay's worker included) over the run. */
  cpu_ms: number;
}

export interface OneBotBench {
  events: number;
  groups: number;
  senders_per_group: number;
  /** Mean size of one event frame on the wire (JSON text), bytes. */
  frame_bytes: number;
  batch: number;
  window: number;
  /** The peer's frames replayed from a worker thread: the adapter's side alone. `enqueue.events_per_s` is the target figure. */
  replay: { enqueue: OneBotRun & { queued: number }; decode_only: OneBotRun };
  /** The peer saying each message in the adapter's own thread. */
  peer: { enqueue: OneBotRun & { queued: number }; decode_only: OneBotRun; peer_events_per_s: number };
  /** The process's peak RSS at the end of this phase (the replay worker's heap and the frames included), MB. */
  peak_rss_mb: number;
}

interface Seat {
  readonly userId: string;
  readonly groupId: string;
}

/** Groups with realistic QQ numbers (9–10 digits), their members carded as class rosters show them. */
function seededPeer(groups: number, perGroup: number): { peer: OneBotPeer; seats: Seat[] } {
  const peer = new OneBotPeer({ selfId: ONEBOT_BENCH_BOT, nickname: '联络机器人', accessToken: TOKEN, heartbeatMs: 5_000, messageFormat: 'array' });
  const seats: Seat[] = [];
  for (let g = 0; g < groups; g++) {
    const groupId = String(731_000_000 + g * 7_919);
    peer.addGroup(groupId, `2024级计算机${g + 1}班家校群`);
    peer.addMember(groupId, { userId: ONEBOT_BENCH_BOT, nickname: '联络机器人', role: 'admin' });
    for (let m = 0; m < perGroup; m++) {
      const userId = String(1_100_000_000 + g * 100_003 + m * 37);
      const name = `${SURNAMES[(g + m) % SURNAMES.length] ?? '张'}${GIVEN[(m * 7 + g) % GIVEN.length] ?? '伟'}${GIVEN[(m * 13 + g * 3) % GIVEN.length] ?? '芳'}`;
      peer.addMember(groupId, { userId, nickname: name, card: `24计算机${g + 1}班 ${name}`, role: 'member' });
      seats.push({ userId, groupId });
    }
  }
  return { peer, seats };
}

const say = (peer: OneBotPeer, seat: Seat, i: number): void => {
  peer.say(seat.userId, seat.groupId, REPLIES[i % REPLIES.length] as string, { mentions: [ONEBOT_BENCH_BOT] });
};

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function startAdapter(url: string, sink: (ev: InboundEvent) => void): Promise<OneBotAdapter> {
  const adapter = new OneBotAdapter(
    { accountId: 'qq-onebot-bench', ...oneBotOptionsSchema.parse({ mode: 'forward', url, accessToken: TOKEN, callTimeoutMs: 5_000 }) },
    { logger: silentLogger },
  );
  await adapter.start(sink);
  if (adapter.status().state !== 'online') {
    await adapter.stop();
    throw new Error(`bench: the OneBot adapter did not come online (${adapter.status().detail ?? adapter.status().state})`);
  }
  return adapter;
}

/** A sink that counts the message events handled; with `queue`, once each one's add to Redis is confirmed. */
function counter(queue: JobQueues | undefined): { sink: (ev: InboundEvent) => void; handled: () => number } {
  let handled = 0;
  let failed: unknown;
  const sink = (ev: InboundEvent): void => {
    if (ev.kind !== 'message') return;
    if (!queue) {
      handled++;
      return;
    }
    queue.enqueueInbound(ev, inboundDedupeKey(ev, false)).then(
      () => handled++,
      (error: unknown) => (failed ??= error),
    );
  };
  return {
    sink,
    handled: () => {
      if (failed !== undefined) throw failed instanceof Error ? failed : new Error(String(failed));
      return handled;
    },
  };
}

// ---------------------------------------------------------------- the peer, in this thread

async function peerRun(groups: number, perGroup: number, n: number, variant: number, queue: JobQueues | undefined): Promise<{ ms: number; senderMs: number; cpuMs: number }> {
  // A fresh peer per run: it keeps every message it says.
  const { peer, seats } = seededPeer(groups, perGroup);
  const count = counter(queue);
  let adapter: OneBotAdapter | undefined;
  try {
    adapter = await startAdapter(await peer.listen(), count.sink);
    const cpu = cpuNow();
    const started = performance.now();
    let senderMs = 0;
    for (let i = 0; i < n; i += ONEBOT_BATCH) {
      const end = Math.min(n, i + ONEBOT_BATCH);
      const t = performance.now();
      for (let j = i; j < end; j++) say(peer, seats[j] as Seat, j + variant);
      senderMs += performance.now() - t;
      await tick();
      while (end - count.handled() > ONEBOT_WINDOW) await tick();
    }
    await waitFor('every OneBot event to be handled', 300_000, 1, () => count.handled() >= n);
    return { ms: performance.now() - started, senderMs, cpuMs: cpuNow() - cpu };
  } finally {
    await adapter?.stop();
    await peer.close();
  }
}

/** The frames the peer sends for these messages, recorded by a plain WebSocket client (not timed). */
async function recordFrames(groups: number, perGroup: number, n: number, variant: number): Promise<string[]> {
  const { peer, seats } = seededPeer(groups, perGroup);
  const frames: string[] = [];
  const client = new WebSocket(await peer.listen(), { headers: { Authorization: `Bearer ${TOKEN}` } });
  try {
    client.on('message', (data) => {
      const text = String(data);
      if (text.includes('"post_type":"message"')) frames.push(text);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    for (let i = 0; i < n; i += ONEBOT_BATCH) {
      for (let j = i; j < Math.min(n, i + ONEBOT_BATCH); j++) say(peer, seats[j] as Seat, j + variant);
      await tick();
    }
    await waitFor('the recorded frames', 60_000, 5, () => frames.length >= n);
    return frames;
  } finally {
    client.terminate();
    await peer.close();
  }
}

// ---------------------------------------------------------------- the replay, from a worker thread

/**
 * A minimal OneBot v11 server in a worker thread: answers `get_login_info`, then writes the frames it
 * is given, ONEBOT_BATCH per turn, no more than ONEBOT_WINDOW ahead of the count the main thread keeps
 * in shared memory. Plain JavaScript (an eval'd worker needs no loader).
 */
const REPLAY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { WebSocketServer } = require(workerData.wsPath);
const handled = new Int32Array(workerData.shared);
const { bot, token, batch, window } = workerData;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (info) => info.req.headers.authorization === 'Bearer ' + token });
let socket;
server.on('listening', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
server.on('connection', (ws) => {
  socket = ws;
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    const request = JSON.parse(String(data));
    const answer = request.action === 'get_login_info'
      ? { status: 'ok', retcode: 0, data: { user_id: Number(bot), nickname: '联络机器人' }, message: '', wording: '' }
      : { status: 'failed', retcode: 1404, data: null, message: 'unsupported', wording: 'unsupported' };
    ws.send(JSON.stringify({ ...answer, echo: request.echo }));
  });
  ws.send(JSON.stringify({ time: Math.floor(Date.now() / 1000), self_id: Number(bot), post_type: 'meta_event', meta_event_type: 'lifecycle', sub_type: 'connect' }));
});
const turn = () => new Promise((resolve) => setImmediate(resolve));
parentPort.on('message', async (msg) => {
  if (msg.type === 'push') {
    const frames = msg.frames;
    let senderMs = 0;
    for (let i = 0; i < frames.length; i += batch) {
      const end = Math.min(frames.length, i + batch);
      const t = performance.now();
      for (let j = i; j < end; j++) socket.send(frames[j]);
      senderMs += performance.now() - t;
      await turn();
      while (end - Atomics.load(handled, 0) > window) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    parentPort.postMessage({ type: 'pushed', senderMs });
  } else if (msg.type === 'close') {
    for (const c of server.clients) c.terminate();
    server.close(() => parentPort.postMessage({ type: 'closed' }));
  }
});
`;

interface ReplayServer {
  readonly url: string;
  /** Writes the frames; resolves with the time spent writing once all are written. */
  push(frames: readonly string[]): Promise<number>;
  readonly shared: Int32Array;
  close(): Promise<void>;
}

async function startReplay(): Promise<ReplayServer> {
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const wsPath = createRequire(import.meta.url).resolve('ws');
  const worker = new Worker(REPLAY_WORKER, {
    eval: true,
    execArgv: [],
    workerData: { wsPath, shared: shared.buffer, bot: ONEBOT_BENCH_BOT, token: TOKEN, batch: ONEBOT_BATCH, window: ONEBOT_WINDOW },
  });
  const next = (type: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>): void => {
        if (m['type'] !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const listening = await next('listening');
  return {
    url: `ws://127.0.0.1:${String(listening['port'])}/`,
    shared,
    async push(frames) {
      const done = next('pushed');
      worker.postMessage({ type: 'push', frames });
      return Number((await done)['senderMs']);
    },
    async close() {
      const closed = next('closed');
      worker.postMessage({ type: 'close' });
      await closed.catch(() => undefined);
      await worker.terminate();
    },
  };
}

async function replayRun(frames: readonly string[], queue: JobQueues | undefined): Promise<{ ms: number; senderMs: number; cpuMs: number }> {
  const replay = await startReplay();
  const count = counter(queue);
  let adapter: OneBotAdapter | undefined;
  try {
    adapter = await startAdapter(replay.url, count.sink);
    const n = frames.length;
    let shared = 0;
    const cpu = cpuNow();
    const started = performance.now();
    const pushed = replay.push(frames);
    // The worker reads the count from shared memory for its back-pressure; kept current at every poll.
    await waitFor('every replayed OneBot event to be handled', 300_000, 1, () => {
      const h = count.handled();
      if (h !== shared) Atomics.store(replay.shared, 0, (shared = h));
      return h >= n;
    });
    const ms = performance.now() - started;
    const cpuMs = cpuNow() - cpu;
    return { ms, senderMs: await pushed, cpuMs };
  } finally {
    await adapter?.stop();
    await replay.close();
  }
}

// ---------------------------------------------------------------- the phase

/** The OneBot phase, in a Redis prefix of its own; everything is torn down before it returns. */
export async function benchOneBot(opts: OneBotBenchOptions): Promise<OneBotBench> {
  const { progress } = opts;
  const events = opts.events ?? 50_000;
  const groups = Math.min(opts.groups ?? 100, events);
  const perGroup = Math.ceil(events / groups);
  progress(`onebot: ${events} group messages (@bot + text, array form) over loopback WS to a OneBot adapter, ${groups} groups × ${perGroup} senders`);
  const queues = new JobQueues({ url: opts.url, prefix: opts.prefix, inboundConcurrency: 1, lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxAttempts: 5, retryBackoffMs: 1_000 });
  const waiting = async (): Promise<number> => (await queues.counts())['inbound']?.['waiting'] ?? 0;
  const report = (ms: number, senderMs: number, cpuMs: number): OneBotRun => ({
    ms: round(ms),
    events_per_s: round((events / ms) * 1000),
    sender_ms: round(senderMs),
    cpu_ms: round(cpuMs),
  });
  try {
    const frames = await recordFrames(groups, perGroup, events, 0);
    const frameBytes = frames.reduce((sum, f) => sum + Buffer.byteLength(f), 0) / Math.max(1, frames.length);
    // Warm-up, not reported: the JIT, the sockets, BullMQ's scripts.
    const warm = frames.slice(0, Math.min(5_000, Math.ceil(events / 2)));
    await replayRun(warm, undefined);
    await replayRun(warm, queues);
    await queues.obliterate();

    // The adapter's side alone: the peer's frames written from another thread.
    const rDecode = await replayRun(frames, undefined);
    const rEnqueue = await replayRun(frames, queues);
    const rQueued = await waiting();
    const replay = { decode_only: report(rDecode.ms, rDecode.senderMs, rDecode.cpuMs), enqueue: { ...report(rEnqueue.ms, rEnqueue.senderMs, rEnqueue.cpuMs), queued: rQueued } };
    progress(`  replayed from a worker thread: decode only ${replay.decode_only.events_per_s} events/s; decode + enqueue ${replay.enqueue.events_per_s} events/s (${replay.enqueue.ms} ms; ${rQueued} jobs waiting)`);
    await queues.obliterate();

    // The peer itself, in this thread.
    const pDecode = await peerRun(groups, perGroup, events, 1, undefined);
    const pEnqueue = await peerRun(groups, perGroup, events, 1, queues);
    const pQueued = await waiting();
    const peer = {
      decode_only: report(pDecode.ms, pDecode.senderMs, pDecode.cpuMs),
      enqueue: { ...report(pEnqueue.ms, pEnqueue.senderMs, pEnqueue.cpuMs), queued: pQueued },
      peer_events_per_s: round((events / Math.max(1, pDecode.senderMs)) * 1000),
    };
    progress(
      `  the peer in this thread: decode only ${peer.decode_only.events_per_s} events/s (peer ${peer.decode_only.sender_ms} of ${peer.decode_only.ms} ms); ` +
        `decode + enqueue ${peer.enqueue.events_per_s} events/s (peer ${peer.enqueue.sender_ms} of ${peer.enqueue.ms} ms; ${pQueued} jobs waiting)`,
    );
    return {
      events,
      groups,
      senders_per_group: perGroup,
      frame_bytes: round(frameBytes),
      batch: ONEBOT_BATCH,
      window: ONEBOT_WINDOW,
      replay,
      peer,
      peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    };
  } finally {
    await queues.obliterate().catch(() => undefined);
    await queues.close(true).catch(() => undefined);
  }
}
