/**
 * The sent-ledger around every platform send: once, even across crashes; never resent when unsure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatorAdapter, SimWorld } from '../adapters/simulator/index.js';
import { silentLogger } from '../src/app/logger.js';
import { Outbox, Pacer } from '../src/app/outbox.js';
import { VirtualClock } from '../src/clock.js';
import { PlatformRefusedError, PlatformUnavailableError } from '../src/platform/port.js';
import { JobQueues } from '../src/queue/job-queues.js';
import { closeDb, openDb, type Db } from '../src/store/db.js';
import { LedgerRepo, type PlannedDelivery } from '../src/store/ledger-repo.js';
import { redisUrl, uniquePrefix } from './setup/helpers.js';

interface Rig {
  world: SimWorld;
  /** Resolves once the adapter has been asked to send this many times (each refused or not). */
  sendCalls(n: number): Promise<void>;
  db: Db;
  ledger: LedgerRepo;
  queues: JobQueues;
  outbox: Outbox;
  settle(): Promise<void>;
}

let rig: Rig | undefined;

afterEach(async () => {
  if (!rig) return;
  await rig.queues.obliterate();
  await rig.queues.close();
  closeDb(rig.db);
  rig = undefined;
});

async function makeRig(confirmSent: 'exact' | 'unknown' | 'history' = 'exact', atAll?: (accountId: string, group: string) => boolean): Promise<Rig> {
  const world = new SimWorld();
  world.addAccount({ accountId: 'bot', platform: 'qq' });
  world.addGroup({ platform: 'qq', chatId: '100', name: '班级群' });
  world.join('100', 'bot');
  world.addUser({ userId: '9', nickname: '张三', platform: 'qq' });
  world.join('100', '9');
  // `unknown`: the platform can tell nothing; `history`: it cannot confirm by key, but its group history shows the bot's posts.
  const adapter = new SimulatorAdapter(world, { accountId: 'bot', platform: 'qq', confirmSent: confirmSent === 'exact' ? 'exact' : 'unknown', history: confirmSent === 'history' });
  await adapter.start(() => undefined);
  // Every call of the send path, refused or not: what a test waits on instead of a sleep.
  let calls = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  const sendGroup = adapter.sendGroup.bind(adapter);
  adapter.sendGroup = async (chatId, message) => {
    calls++;
    for (const w of waiting.splice(0)) if (calls >= w.n) w.resolve();
    else waiting.push(w);
    return sendGroup(chatId, message);
  };
  const sendCalls = (n: number): Promise<void> => (calls >= n ? Promise.resolve() : new Promise((resolve) => void waiting.push({ n, resolve })));
  const db = openDb(':memory:');
  const ledger = new LedgerRepo(db);
  const queues = new JobQueues({
    url: redisUrl(),
    prefix: uniquePrefix('outbox'),
    inboundConcurrency: 1,
    lockDurationMs: 1000,
    stalledIntervalMs: 1000,
    maxAttempts: 3,
    retryBackoffMs: 10,
  });
  const clock = new VirtualClock(0);
  const outbox = new Outbox({
    ledger,
    queues,
    adapters: new Map([['bot', adapter]]),
    clock,
    pacer: new Pacer(clock, () => ({ minGapMs: 0, jitterMs: 0 })),
    logger: silentLogger,
    offlineRetryMs: 20,
    ...(atAll ? { atAll } : {}),
  });
  queues.startWorkers({ inbound: async () => undefined, send: (id, attempt) => outbox.deliver(id, attempt) }, new Map([['bot', { concurrency: 1 }]]));
  const settle = async (): Promise<void> => {
    let quiet = 0;
    while (quiet < 3) {
      await new Promise((r) => setTimeout(r, 10));
      quiet = (await queues.idle()) ? quiet + 1 : 0;
    }
  };
  rig = { world, db, ledger, queues, outbox, settle, sendCalls };
  return rig;
}

function delivery(key: string, text = '通知'): PlannedDelivery {
  return { key, purpose: 'notice', directiveId: null, groupId: null, accountId: 'bot', platform: 'qq', chatType: 'group', target: '100', text, mentions: [], quoteId: null };
}

const posts = (world: SimWorld) => world.transcript().filter((m) => m.from === 'bot');

describe('outbox and sent-ledger', () => {
  it('sends a planned delivery once, and planning it again changes nothing', async () => {
    const r = await makeRig();
    await r.outbox.post([delivery('k1')]);
    await r.settle();
    await r.outbox.post([delivery('k1')]);
    await r.outbox.recover();
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
    expect(r.ledger.all()[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(r.ledger.all()[0]?.platformMessageId).toBe(posts(r.world)[0]?.id);
  });

  it('settles a send the platform took but whose answer was lost, without posting it again', async () => {
    const r = await makeRig();
    r.world.postThenFail('bot');
    await r.outbox.post([delivery('k2')]);
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
    expect(r.world.duplicateDeliveries()).toBe(0);
    expect(r.ledger.all()[0]?.status).toBe('sent');
  });

  it('marks the delivery uncertain, and never resends it, when the platform cannot say', async () => {
    const r = await makeRig('unknown');
    r.world.postThenFail('bot');
    await r.outbox.post([delivery('k3')]);
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
    expect(r.ledger.all()[0]?.status).toBe('uncertain');
    await r.outbox.recover();
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
  });

  it('settles a send whose outcome was lost by the group history: posted, so never sent again', async () => {
    const r = await makeRig('history');
    r.world.postThenFail('bot');
    await r.outbox.post([delivery('k5')]);
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
    expect(r.ledger.all()[0]).toMatchObject({ status: 'sent' });
    expect(r.ledger.all()[0]?.platformMessageId).toBe(posts(r.world)[0]?.id);
    await r.outbox.recover();
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
  });

  it('retries a send that certainly did not reach the platform', async () => {
    const r = await makeRig();
    r.world.failNextSends('bot', 2, new PlatformUnavailableError('not connected', true));
    await r.outbox.post([delivery('k4')]);
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
    expect(r.ledger.all()[0]).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('sends once when two runs of one send job race (a re-run while the first still waits on the platform)', async () => {
    const r = await makeRig();
    const [item] = r.ledger.plan([delivery('k7')], 0);
    if (!item) throw new Error('not planned');
    await Promise.all([
      r.outbox.deliver(item.id, { attemptsMade: 0, maxAttempts: 3 }),
      r.outbox.deliver(item.id, { attemptsMade: 0, maxAttempts: 3 }),
    ]);
    expect(posts(r.world)).toHaveLength(1);
    expect(r.ledger.all()[0]?.status).toBe('sent');
  });

  it('waits while the account is offline, without spending attempts, and sends when it is back', async () => {
    const r = await makeRig();
    r.world.setOnline('bot', false);
    await r.outbox.post([delivery('k8')]);
    // Tried more often than maxAttempts (3) while offline: none of those tries was an attempt.
    await r.sendCalls(5);
    expect(posts(r.world)).toHaveLength(0);
    // Still to be sent (between tries it is planned, during one sending), never given up on.
    expect(['planned', 'sending']).toContain(r.ledger.all()[0]?.status);
    r.world.setOnline('bot', true);
    await r.settle();
    expect(posts(r.world)).toHaveLength(1);
    expect(r.ledger.all()[0]?.status).toBe('sent');
  });

  it('sends @全体成员 only where allowed, and the rest of the message either way', async () => {
    let quota = 1;
    const r = await makeRig('exact', () => quota-- > 0);
    // The platform lets only admins @全体成员.
    r.world.setRole('100', 'bot', 'admin');
    await r.outbox.post([{ ...delivery('k-all-1'), mentions: ['all', '9'] }, { ...delivery('k-all-2'), mentions: ['all'] }]);
    await r.settle();
    expect(posts(r.world).map((m) => m.mentions)).toEqual([['all', '9'], []]);
    const plain = await makeRig();
    await plain.outbox.post([{ ...delivery('k-all-3'), mentions: ['all'] }]);
    await plain.settle();
    expect(posts(plain.world).map((m) => m.mentions)).toEqual([[]]);
  });

  it('gives up at once when the platform refuses', async () => {
    const r = await makeRig();
    r.world.failNextSends('bot', 1, new PlatformRefusedError('muted', 'muted in this group'));
    await r.outbox.post([delivery('k5')]);
    await r.settle();
    expect(posts(r.world)).toHaveLength(0);
    expect(r.ledger.all()[0]).toMatchObject({ status: 'failed' });
    expect(r.ledger.all()[0]?.error).toContain('muted');
  });

  it('splits an over-long message at the platform limit and masks phone numbers in groups', async () => {
    const r = await makeRig();
    const long = Array.from({ length: 400 }, (_, i) => `第${i}行 联系电话 13812345678`).join('\n');
    await r.outbox.post([delivery('k6', long)]);
    await r.settle();
    const sent = posts(r.world);
    expect(sent.length).toBeGreaterThan(1);
    for (const m of sent) {
      expect(m.text.length).toBeLessThanOrEqual(4500);
      expect(m.text).not.toContain('13812345678');
    }
  });
});

describe('pacer', () => {
  it('spaces one account’s sends by the minimum gap plus jitter, also after a long stall', async () => {
    const clock = new VirtualClock(1_000_000);
    let jitter = 0;
    const pacer = new Pacer(clock, () => ({ minGapMs: 1500, jitterMs: 500 }), () => (jitter = (jitter + 0.37) % 1));
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pacer.acquire('a');
      times.push(clock.now());
    }
    clock.advance(60_000); // a stall: the backlog must not burst
    for (let i = 0; i < 5; i++) {
      await pacer.acquire('a');
      times.push(clock.now());
    }
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1500);
    expect(Math.max(...gaps.slice(0, 4))).toBeLessThanOrEqual(2000);
    // Another account is not held back by this one.
    const before = clock.now();
    await pacer.acquire('b');
    expect(clock.now()).toBe(before);
  });

  it('counts the gap from when a send went out, however long it took to get there', async () => {
    const clock = new VirtualClock(1_000_000);
    const pacer = new Pacer(clock, () => ({ minGapMs: 25, jitterMs: 0 }));
    const out: number[] = [];
    for (const delay of [20, 0, 20, 0, 35, 0]) {
      await pacer.acquire('a');
      clock.advance(delay); // between the slot and the platform call: a commit, a long round holding the loop
      out.push(clock.now());
      pacer.sent('a');
    }
    const gaps = out.slice(1).map((t, i) => t - (out[i] ?? 0));
    expect(gaps.every((g) => g >= 25)).toBe(true);
  });
});
