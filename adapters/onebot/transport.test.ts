import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformRefusedError, PlatformUnavailableError, type InboundEvent, type InboundMessage } from '../../src/platform/port.js';
import { waitFor } from '../conformance/wait.js';
import type { OneBotAdapter } from './adapter.js';
import type { OneBotPeer } from './peer.js';
import { WebSocket } from 'ws';
import { BOT_ID, GROUP_ID, TOKEN, freePort, seededPeer, wire, type Wiring } from './testing.js';
import { reconnectDelay } from './transport.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A logger whose JSON lines the test can read. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

let running: { adapter: OneBotAdapter; peer: OneBotPeer }[] = [];

async function setUp(peer: OneBotPeer, wiring: Wiring): Promise<{ adapter: OneBotAdapter; events: InboundEvent[] }> {
  const adapter = await wire(peer, wiring);
  running.push({ adapter, peer });
  const events: InboundEvent[] = [];
  await adapter.start((event) => events.push(event));
  return { adapter, events };
}

const messages = (events: InboundEvent[]): InboundMessage[] => events.filter((e): e is InboundMessage => e.kind === 'message');
const logins = (events: InboundEvent[]): number => events.filter((e) => e.kind === 'login').length;

afterEach(async () => {
  for (const { adapter, peer } of running) {
    await adapter.stop();
    await peer.close();
  }
  running = [];
});

describe('auth', () => {
  it.each(['http', 'frame'] as const)('a wrong token (%s refusal) is reported and retried slowly, not in a loop', async (authStyle) => {
    const peer = seededPeer({ authStyle, heartbeatMs: 0 });
    // With these bounds an ordinary back-off would try about eight times in the window below. This
    // measures a rate over real time (how slowly it retries), not the absence of an event.
    const { adapter, events } = await setUp(peer, { mode: 'forward', accessToken: 'wrong', callTimeoutMs: 300, reconnect: { minMs: 10, maxMs: 1_000 } });
    await sleep(900);
    expect(adapter.status()).toMatchObject({ state: 'connecting', detail: 'auth failed' });
    expect(peer.attempts).toBeGreaterThanOrEqual(1);
    expect(peer.attempts).toBeLessThanOrEqual(3);
    expect(logins(events)).toBe(0);
    await expect(adapter.sendGroup(GROUP_ID, { text: 'x', deliveryKey: 'k' })).rejects.toMatchObject({ definitelyNotSent: true });
  });

  it('reverse mode refuses a connection with a wrong token at the upgrade', async () => {
    const peer = seededPeer({ heartbeatMs: 0, accessToken: 'wrong' });
    const { adapter } = await setUp(peer, { mode: 'reverse', callTimeoutMs: 300 });
    await waitFor(() => peer.attempts >= 2, 2_000, 'the peer retrying');
    expect(peer.connections).toBe(0);
    expect(adapter.status()).toMatchObject({ state: 'connecting', detail: 'auth failed' });
  });

  it('reverse mode takes the token as ?access_token= too', async () => {
    // NapCat sends `Authorization: Bearer ` even with no token; the query then carries it.
    const peer = seededPeer({ heartbeatMs: 0, accessToken: undefined });
    const { adapter } = await setUp(peer, { mode: 'reverse', accessToken: 'q-token', path: '/?access_token=q-token' });
    expect(adapter.status().state).toBe('online');
  });

  it('back-off doubles up to the cap, with jitter, and waits longest after an auth failure', () => {
    const bounds = { minMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 10].map((n) => reconnectDelay(bounds, n, false, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(reconnectDelay(bounds, 0, false, () => 0)).toBe(50);
    expect(reconnectDelay(bounds, 0, true, () => 1)).toBe(1_000);
  });
});

describe.each(['forward', 'reverse'] as const)('liveness (%s)', (mode) => {
  it('cuts a link whose heartbeats stop while the socket stays open, then reconnects', async () => {
    const peer = seededPeer({ heartbeatMs: 50 });
    const { logger, lines } = capturingLogger();
    const { adapter, events } = await setUp(peer, { mode, heartbeatGraceMs: 100, logger });
    // Several dead-link windows of real time: the watchdog is a clock, and heartbeats must keep it from firing.
    await sleep(400);
    expect(peer.connections).toBe(1);
    expect(adapter.status().lastHeartbeatAt).toBeGreaterThan(Date.now() - 200);
    peer.pauseHeartbeats();
    expect(peer.openSockets).toBe(1);
    await waitFor(() => logins(events) >= 2, 3_000, 'a second login after the link was cut');
    peer.resumeHeartbeats();
    expect(lines.some((l) => l.reason === 'heartbeat lost' && l.msg === 'onebot connection lost')).toBe(true);
    expect(peer.connections).toBeGreaterThanOrEqual(2);
    await waitFor(() => adapter.status().state === 'online', 2_000, 'online again');
    peer.say('20001', GROUP_ID, '恢复了');
    await waitFor(() => messages(events).find((m) => m.text === '恢复了'), 2_000, 'a message after the reconnect');
  });
});

describe('calls', () => {
  it('a call that gets no answer times out with its outcome unknown', async () => {
    const peer = seededPeer({ heartbeatMs: 0 });
    const { adapter } = await setUp(peer, { mode: 'forward', callTimeoutMs: 300 });
    peer.hang('send_group_msg');
    const started = Date.now();
    const error = await adapter.sendGroup(GROUP_ID, { text: '超时', deliveryKey: 'k1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformUnavailableError);
    expect((error as PlatformUnavailableError).definitelyNotSent).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // The link is still fine for the next call.
    peer.unhang('send_group_msg');
    await expect(adapter.sendGroup(GROUP_ID, { text: '之后', deliveryKey: 'k2' })).resolves.toMatchObject({ messageId: expect.any(String) });
  });

  it('a pending call fails at once when the link closes, outcome unknown; later sends are definitely not sent', async () => {
    const peer = seededPeer({ heartbeatMs: 0 });
    const { adapter } = await setUp(peer, { mode: 'forward', callTimeoutMs: 5_000, reconnect: { minMs: 50, maxMs: 100 } });
    peer.hang('send_group_msg');
    const pending = adapter.sendGroup(GROUP_ID, { text: '断线', deliveryKey: 'k1' }).catch((e: unknown) => e);
    await waitFor(() => peer.calls.includes('send_group_msg'), 2_000, 'the call to arrive');
    const started = Date.now();
    peer.drop();
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: false });
    await expect(adapter.sendGroup(GROUP_ID, { text: '离线', deliveryKey: 'k2' })).rejects.toMatchObject({ definitelyNotSent: true });
    expect(peer.sent).toEqual([]);
  });

  it('maps a refusal text to its code', async () => {
    const peer = seededPeer({ heartbeatMs: 0 });
    const { adapter } = await setUp(peer, { mode: 'forward' });
    peer.failNext('send_group_msg', { retcode: 1200, message: '发送消息失败，你已被禁言' });
    const error = await adapter.sendGroup(GROUP_ID, { text: '禁言中', deliveryKey: 'k' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformRefusedError);
    expect((error as PlatformRefusedError).code).toBe('muted');
  });

  it('refuses too many mentions and too long a text before calling', async () => {
    const peer = seededPeer({ heartbeatMs: 0 });
    const { adapter } = await setUp(peer, { mode: 'forward' });
    const mentions = Array.from({ length: 31 }, (_, i) => String(30_000 + i));
    await expect(adapter.sendGroup(GROUP_ID, { text: 'x', mentions, deliveryKey: 'k' })).rejects.toMatchObject({ code: 'too_many_mentions' });
    await expect(adapter.sendPrivate('20001', { text: '长'.repeat(4_501), deliveryKey: 'k' })).rejects.toMatchObject({ code: 'too_long' });
    expect(peer.calls.filter((c) => c.startsWith('send_'))).toEqual([]);
  });
});

describe('wire forms', () => {
  it('takes string ids and sends numeric ones as numbers', async () => {
    const peer = seededPeer({ heartbeatMs: 0, stringIds: true });
    const { adapter, events } = await setUp(peer, { mode: 'forward' });
    expect(adapter.selfId).toBe(BOT_ID);
    const members = await adapter.listMembers(GROUP_ID);
    expect(members.find((m) => m.userId === '20001')).toEqual({ userId: '20001', nickname: '张三', card: '20计科1班 张三', role: 'member' });
    expect(members.find((m) => m.userId === '20002')?.role).toBe('admin');
    // The member list taught the adapter the card an @ without a name renders as.
    const id = peer.say('20002', GROUP_ID, '字符串', { mentions: ['20001'] });
    const message = await waitFor(() => messages(events)[0], 2_000, 'the message');
    expect(message).toMatchObject({ messageId: id, chat: { type: 'group', chatId: GROUP_ID }, sender: { userId: '20002' }, mentions: ['20001'], text: '@20计科1班 张三 字符串' });
    const receipt = await adapter.sendGroup(GROUP_ID, { text: '回', mentions: ['20001'], quoteId: id, deliveryKey: 'k' });
    expect(typeof receipt.messageId).toBe('string');
    expect(peer.sent[0]?.params.group_id).toBe(700001);
    expect(peer.sent[0]?.quoteId).toBe(id);
    expect(await adapter.listGroups()).toEqual([{ chatId: GROUP_ID, name: '计算机学院疫情防控二级群', memberCount: 4 }]);
    expect((await adapter.listContacts()).map((c) => c.userId)).toContain('20003');
  });

  it('reads CQ-string events with escapes, mentions of the bot by its name, and quotes', async () => {
    const peer = seededPeer({ heartbeatMs: 0, messageFormat: 'string' });
    const { events } = await setUp(peer, { mode: 'reverse' });
    peer.say('20001', GROUP_ID, '收到[第1条] & 已转发, 谢谢', { mentions: [BOT_ID], quoteId: '4242' });
    const message = await waitFor(() => messages(events)[0], 2_000, 'the message');
    expect(message).toMatchObject({ text: '@联络机器人 收到[第1条] & 已转发, 谢谢', mentions: [BOT_ID], mentionsBot: true, quoteId: '4242' });
  });

  it('works over separate API and Event connections (reverse)', async () => {
    const peer = seededPeer({ heartbeatMs: 0, roles: 'split' });
    const { adapter, events } = await setUp(peer, { mode: 'reverse' });
    expect(adapter.status().state).toBe('online');
    // Online needs only the API link; events flow once the Event link is up too.
    await waitFor(() => peer.openSockets === 2, 2_000, 'both links');
    peer.say('20001', GROUP_ID, '分开连');
    await waitFor(() => messages(events).find((m) => m.text === '分开连'), 2_000, 'an event over the Event link');
    await adapter.sendGroup(GROUP_ID, { text: '回', deliveryKey: 'k' });
    expect(peer.sent.map((s) => s.text)).toEqual(['回']);
  });
});

describe('session', () => {
  it('drops a frame it cannot read and goes on (one odd frame never takes the process down)', async () => {
    const peer = seededPeer({ heartbeatMs: 0 });
    const { events } = await setUp(peer, { mode: 'forward' });
    // A text segment without data, a numeric card: malformed as implementations sometimes send.
    peer.emitRaw({ time: 1, self_id: 10001, post_type: 'message', message_type: 'group', sub_type: 'normal', message_id: 5, group_id: 700001, user_id: 20001, message: [{ type: 'text' }], raw_message: '', sender: { user_id: 20001, nickname: 7, card: 8 } });
    peer.say('20001', GROUP_ID, '之后照常');
    await waitFor(() => events.some((e) => e.kind === 'message' && e.text === '之后照常'), 2_000, 'the next message');
  });

  it('reports the QQ account offline from a heartbeat and back online with a login', async () => {
    const peer = seededPeer({ heartbeatMs: 0 });
    const { adapter, events } = await setUp(peer, { mode: 'forward' });
    const heartbeat = (online: boolean) => ({ time: 1, self_id: 10001, post_type: 'meta_event', meta_event_type: 'heartbeat', status: { online, good: online }, interval: 30_000 });
    peer.emitRaw(heartbeat(false));
    await waitFor(() => adapter.status().detail === 'QQ account offline', 2_000, 'account offline');
    expect(adapter.status().state).toBe('connecting');
    await expect(adapter.sendGroup(GROUP_ID, { text: 'x', deliveryKey: 'k' })).rejects.toMatchObject({ definitelyNotSent: true });
    peer.emitRaw(heartbeat(true));
    await waitFor(() => adapter.status().state === 'online', 2_000, 'online again');
    expect(logins(events)).toBe(2);
  });

  it.each(['forward', 'reverse'] as const)('stop (%s) closes everything and does not reconnect', async (mode) => {
    const peer = seededPeer({ heartbeatMs: 0 });
    const port = await freePort();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const { adapter } = await setUp(peer, { mode, port, reconnect: { minMs: 10, maxMs: 20 } });
    await adapter.stop();
    expect(adapter.status().state).toBe('offline');
    await waitFor(() => peer.openSockets === 0, 2_000, 'sockets closed');
    // Forward: no timer of the adapter is left (a reconnect is a timer), so it cannot dial again.
    // (In reverse mode the peer keeps dialling, with timers of its own; the listener's port is checked below.)
    if (mode === 'forward') expect(timers()).toBeLessThanOrEqual(before);
    await expect(adapter.sendGroup(GROUP_ID, { text: 'x', deliveryKey: 'k' })).rejects.toMatchObject({ definitelyNotSent: true });
    if (mode === 'reverse') {
      // The listener is gone: the port can be taken again.
      const server = createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('start rejects when the reverse listener cannot listen', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { OneBotAdapter } = await import('./adapter.js');
    const adapter = new OneBotAdapter(
      { accountId: 'qq-bot', mode: 'reverse', listen: `127.0.0.1:${port}`, accessToken: 't', callTimeoutMs: 300, reconnect: { minMs: 10, maxMs: 20 } },
      { logger: pino({ level: 'silent' }) },
    );
    await expect(adapter.start(() => undefined)).rejects.toThrow(/cannot listen/);
    expect(adapter.status().state).toBe('offline');
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });
});

describe('a reverse listener accepts only its implementation', () => {
  /** A WebSocket to the listener as another process (or a web page) would open it; resolves with the upgrade's status. */
  function knock(port: number, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/onebot/v11/ws`, { headers });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
  }

  it('refuses a web page (Origin) and a second connection while the first is alive, with the right token', async () => {
    const port = await freePort();
    const peer = seededPeer({ heartbeatMs: 50 });
    const { adapter } = await setUp(peer, { mode: 'reverse', port, heartbeatGraceMs: 200 });
    expect(adapter.status().state).toBe('online');
    await waitFor(() => adapter.status().lastHeartbeatAt !== undefined, 2_000, 'a heartbeat');
    const auth = { Authorization: `Bearer ${TOKEN}`, 'X-Self-ID': BOT_ID, 'X-Client-Role': 'Universal' };
    expect(await knock(port, { ...auth, Origin: 'http://evil.example' })).toBe(403);
    expect(await knock(port, auth)).toBe(409);
    expect(peer.connections).toBe(1);
    // Once the first has missed its heartbeats, a new connection takes over (the implementation reconnecting).
    peer.pauseHeartbeats();
    await waitFor(() => adapter.status().state !== 'online', 3_000, 'the silent link cut');
    peer.resumeHeartbeats();
    await waitFor(() => adapter.status().state === 'online', 3_000, 'online again');
  });
});
