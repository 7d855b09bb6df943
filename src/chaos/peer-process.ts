/**
 * The OneBot side of a chaos run, in a process of its own so the driver can freeze it (SIGSTOP) and
 * kill it: one spec peer per QQ account (adapters/onebot/peer.ts), listening where the world file says,
 * keeping what its groups see in a journal (started again, it has its history back, as QQ keeps its
 * groups whatever happens to NapCat), and a loopback HTTP control API for the driver.
 *
 *   node --import tsx src/chaos/peer-process.ts <world.json>
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { OneBotPeer, type PeerJournalEntry, type PeerMember } from '../../adapters/onebot/peer.js';

export interface ChaosWorld {
  readonly controlPort: number;
  readonly heartbeatMs: number;
  readonly journalDir: string;
  /** Keep the journal (default true); the benchmark's service phase, which never restarts the peer, turns it off. */
  readonly journal?: boolean;
  readonly accounts: readonly {
    readonly id: string;
    readonly qq: string;
    /** 0: any free port (the ready line says which). */
    readonly port: number;
    readonly groups: readonly { readonly chatId: string; readonly name: string; readonly members: readonly PeerMember[] }[];
  }[];
}

/** What the control API returns of a bot send (the call's params left out). */
export interface ChaosSent {
  readonly chatType: 'group' | 'private';
  readonly target: string;
  readonly text: string;
  readonly messageId: string;
  readonly at: number;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: peer-process.ts <world.json>');
  const world = JSON.parse(readFileSync(file, 'utf8')) as ChaosWorld;
  const peers = new Map<string, OneBotPeer>();
  const ports: Record<string, number> = {};
  for (const a of world.accounts) {
    const journal = join(world.journalDir, `${a.id}.jsonl`);
    const peer = new OneBotPeer({
      selfId: a.qq,
      nickname: '联络机器人',
      heartbeatMs: world.heartbeatMs,
      messageFormat: 'array',
      stringIds: true,
      reportSelf: 'message_sent',
      ...(world.journal === false ? {} : { journal: (entry: PeerJournalEntry) => appendFileSync(journal, `${JSON.stringify(entry)}\n`) }),
    });
    for (const g of a.groups) {
      peer.addGroup(g.chatId, g.name);
      for (const m of g.members) peer.addMember(g.chatId, m);
    }
    if (existsSync(journal)) {
      const entries = readFileSync(journal, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as PeerJournalEntry];
          } catch {
            return []; // a line torn by a kill
          }
        });
      peer.load(entries);
    }
    ports[a.id] = Number(new URL(await peer.listen(a.port)).port);
    peers.set(a.id, peer);
  }
  const server = createServer((req, res) => {
    handle(peers, req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(world.controlPort, '127.0.0.1', resolve));
  // The ports each account's peer listens on, for a driver that asked for any free one.
  process.stdout.write(`peer ready ${JSON.stringify(ports)}\n`);
}

async function handle(peers: Map<string, OneBotPeer>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/sent') {
    const out: Record<string, ChaosSent[]> = {};
    for (const [id, peer] of peers) out[id] = peer.sent.map((m) => ({ chatType: m.chatType, target: m.target, text: m.text, messageId: m.messageId, at: m.at }));
    return reply(res, 200, out);
  }
  if (req.method === 'GET' && url.pathname === '/ping') return reply(res, 200, { ok: true });
  if (req.method === 'POST' && url.pathname === '/say') {
    const body = JSON.parse(await read(req)) as { account: string; userId: string; chatId: string; text: string; quoteId?: string };
    const peer = peers.get(body.account);
    if (!peer) return reply(res, 404, { error: `no account ${body.account}` });
    const messageId = peer.say(body.userId, body.chatId, body.text, body.quoteId === undefined ? {} : { quoteId: body.quoteId });
    return reply(res, 200, { messageId });
  }
  if (req.method === 'POST' && url.pathname === '/flood') {
    // Many people say the same text, [account, userId, chatId] each, a few hundred per turn of the loop.
    const body = JSON.parse(await read(req)) as { text: string; items: [string, string, string][] };
    let said = 0;
    for (const [account, userId, chatId] of body.items) {
      peers.get(account)?.say(userId, chatId, body.text);
      if (++said % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    return reply(res, 200, { said });
  }
  reply(res, 404, { error: 'unknown' });
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
