/**
 * The demo school with some of its QQ accounts on OneBot v11 (forward WebSocket), each against a
 * OneBot implementation written from the spec, seated with the same members as the simulator seats
 * everyone else; the other accounts simulated.
 */
import { OneBotPeer, type OneBotPeerOptions } from '../../adapters/onebot/peer.js';
import type { OrgIndex } from '../../src/domain/org-index.js';
import { populateWorld } from '../../src/sim/populate.js';
import { startTestSchool, type TestSchool } from './runtime.js';

export interface OneBotSchool {
  readonly school: TestSchool;
  /** One peer per OneBot account, in the order given. */
  readonly peers: readonly OneBotPeer[];
  /** A group's platform chat id, by its key (`L3:计算机2301`). */
  chat(key: string): string;
  /** A person's QQ number, by roster ref. */
  qq(ref: string): string;
  /** Stops the school and the peers. */
  close(): Promise<void>;
}

export interface OneBotAccount {
  readonly id: string;
  readonly qq: string;
  /** Extra account keys (pacing, callTimeoutMs …). */
  readonly config?: Record<string, unknown>;
  readonly peer?: Partial<OneBotPeerOptions>;
}

export const BOT_QQ = ['3100000001', '3100000002'] as const;

export async function schoolOnOneBot(
  accounts: readonly OneBotAccount[] = [{ id: 'qq-bot-1', qq: BOT_QQ[0] }],
  options: { org?: string; config?: Record<string, unknown>; minGapMs?: number } = {},
): Promise<OneBotSchool> {
  const made = await Promise.all(
    accounts.map(async (a) => {
      const peer = new OneBotPeer({ selfId: a.qq, nickname: '联络机器人', heartbeatMs: 500, messageFormat: 'array', stringIds: true, reportSelf: 'message_sent', ...a.peer });
      return { ...a, peer, url: await peer.listen() };
    }),
  );
  const school = await startTestSchool({
    realClock: true,
    ...(options.org ? { org: options.org } : {}),
    ...(options.minGapMs !== undefined ? { minGapMs: options.minGapMs } : {}),
    config: {
      ...options.config,
      accounts: made.map((a) => ({ id: a.id, platform: 'onebot', mode: 'forward', url: a.url, callTimeoutMs: 3000, reconnect: { minMs: 20, maxMs: 200 }, ...a.config })),
    },
  });
  const org = school.runtime.app.org();
  seatOnPeers(org, made);
  const online = (): boolean => made.every((a) => school.runtime.app.deps.adapters.find((x) => x.accountId === a.id)?.status?.().state === 'online');
  await waitUntil(online);
  return {
    school,
    peers: made.map((a) => a.peer),
    chat(key) {
      const g = org.groupByKeyText(key);
      return (g ? org.platformGroupsOf(g.id)[0]?.chatId : undefined) ?? '';
    },
    qq: (ref) => org.accountOn(org.personByRef(ref)?.id ?? -1, 'qq') ?? '',
    async close() {
      await school.close();
      for (const a of made) await a.peer.close();
    },
  };
}

/**
 * The platform's groups of each OneBot account, seated as the simulator seats everyone: the runtime
 * simulates only the groups no real account serves, so the seating comes from a world of its own.
 */
export function seatOnPeers(org: OrgIndex, accounts: readonly { readonly id: string; readonly qq: string; readonly peer: OneBotPeer; readonly nickname?: string }[]): void {
  const { world } = populateWorld(org, { keepTranscript: false });
  for (const a of accounts) {
    for (const g of org.groups) {
      for (const pg of org.platformGroupsOf(g.id)) {
        if (!pg.accounts.includes(a.id)) continue;
        a.peer.addGroup(pg.chatId, g.name);
        a.peer.addMember(pg.chatId, { userId: a.qq, nickname: a.nickname ?? '联络机器人', role: 'admin' });
        for (const m of world.members(pg.chatId)) {
          if (world.account(m.userId) !== undefined) continue; // the simulator's own bot
          a.peer.addMember(pg.chatId, { userId: m.userId, nickname: m.nickname, role: m.role, ...(m.card === undefined ? {} : { card: m.card }) });
        }
      }
    }
  }
}

/** Polls a condition of real processes and sockets (no event to wait on), failing after the timeout. */
export async function waitUntil(probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
