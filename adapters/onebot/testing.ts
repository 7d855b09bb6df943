/** Test support shared by the OneBot tests: a peer with a group, an adapter wired to it. */
import { createServer } from 'node:net';
import { silentLogger } from '../../src/app/logger.js';
import type { Logger } from 'pino';
import { OneBotAdapter } from './adapter.js';
import { oneBotOptionsSchema } from './options.js';
import { OneBotPeer, type OneBotPeerOptions, type PeerMember } from './peer.js';

export const BOT_ID = '10001';
export const GROUP_ID = '700001';
export const TOKEN = 'conformance-token';
export const PEOPLE: readonly PeerMember[] = [
  { userId: '20001', nickname: '张三', card: '20计科1班 张三', role: 'member' },
  { userId: '20002', nickname: '李四', role: 'admin' },
  { userId: '20003', nickname: '王五', card: '王五家长', role: 'member' },
];

/** A port nobody listens on right now (the reverse listener needs one before the peer dials it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export function seededPeer(options: Partial<OneBotPeerOptions> = {}): OneBotPeer {
  const peer = new OneBotPeer({ selfId: BOT_ID, nickname: '联络机器人', accessToken: TOKEN, ...options });
  peer.addGroup(GROUP_ID, '计算机学院疫情防控二级群');
  peer.addMember(GROUP_ID, { userId: BOT_ID, nickname: '联络机器人', role: 'admin' });
  for (const person of PEOPLE) peer.addMember(GROUP_ID, person);
  return peer;
}

export interface Wiring {
  readonly mode: 'forward' | 'reverse';
  readonly accessToken?: string;
  readonly callTimeoutMs?: number;
  readonly heartbeatGraceMs?: number;
  readonly reconnect?: { minMs: number; maxMs: number };
  readonly logger?: Logger;
  /** Reverse mode: the port to listen on (default a free one) and the path (and query) the peer dials. */
  readonly port?: number;
  readonly path?: string;
}

/** An adapter (not started) connected to the peer the way `mode` says. */
export async function wire(peer: OneBotPeer, wiring: Wiring): Promise<OneBotAdapter> {
  const common = {
    accessToken: wiring.accessToken ?? TOKEN,
    callTimeoutMs: wiring.callTimeoutMs ?? 2_000,
    heartbeatGraceMs: wiring.heartbeatGraceMs ?? 1_500,
    reconnect: wiring.reconnect ?? { minMs: 20, maxMs: 200 },
  };
  const env = { logger: wiring.logger ?? silentLogger };
  if (wiring.mode === 'forward') {
    const url = await peer.listen();
    return new OneBotAdapter({ accountId: 'qq-bot', ...oneBotOptionsSchema.parse({ mode: 'forward', url, ...common }) }, env);
  }
  const port = wiring.port ?? (await freePort());
  const adapter = new OneBotAdapter({ accountId: 'qq-bot', ...oneBotOptionsSchema.parse({ mode: 'reverse', listen: `127.0.0.1:${port}`, ...common }) }, env);
  peer.connectTo(`ws://127.0.0.1:${port}${wiring.path ?? '/onebot/v11/ws'}`);
  return adapter;
}
