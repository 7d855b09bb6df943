/**
 * Stable ids over a platform whose ids change at every login (wechat4u: every contact and room gets a
 * new id each session). Each such bot account is wrapped in a `ResolvingAdapter`: the rest of Cascade
 * sees only canonical ids — the roster's or a binding's account id, else the id a person or room was
 * first seen with — and the adapter translates at its edge.
 *
 * After each login the account's rooms and people are found again, strongest evidence first:
 * - rooms: the same session id as before (a restored session) or an id the roster lists; else the
 *   room's name, as kept at the last member-list read or as the roster names the group (rooms of the
 *   same name are told apart by how many of their members' names and cards match each kept list);
 * - people: the same session id, or an id the roster or a binding gives; else the remark (备注)
 *   Cascade wrote, `姓名·学号`, when no other contact carries it; else the same nickname and card as
 *   one member of the room's kept list — only to keep the id of someone Cascade does not know
 *   (nickname and card are text anyone can copy: they never make a member into a roster person);
 *   else someone new, under this session's id. Audits and replies still read cards as before.
 * The remark is then written on every contact (friend) that is a roster person, so the next login
 * finds them whatever their card says; writes go one at a time, `remarkGapMs` apart.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Person, Platform, PlatformGroup } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import {
  PlatformRefusedError,
  PlatformUnavailableError,
  type AdapterCapabilities,
  type AdapterStatus,
  type ChatAdapter,
  type InboundFile,
  type ContactInfo,
  type GroupInfo,
  type InboundEvent,
  type InboundSink,
  type MemberInfo,
  type OutboundMessage,
  type SendReceipt,
} from '../platform/port.js';
import { mapEventIds } from '../platform/event-ids.js';
import type { MemberRepo } from '../store/member-repo.js';
import type { IdKind, ResolvedBy, SessionIdRepo, SessionIdRow } from '../store/session-id-repo.js';

export interface SessionIdDeps {
  readonly org: () => OrgIndex;
  readonly ids: SessionIdRepo;
  readonly members: MemberRepo;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Pause between two remark writes (the platform rate-limits them like sends). */
  readonly remarkGapMs: number;
  /** How long a send waits for a login's ids to be resolved before it is put back (default 10 s). */
  readonly resolveWaitMs?: number;
}

const RESOLVE_WAIT_MS = 10_000;
/** Retries of a failed resolution: 1 s, doubling, at most a minute apart. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;
const GUARDIAN_SUFFIX = '家长';

/** The remark Cascade writes on a contact it knows: `张三·2023010101`; a parent `李梅·2023010101家长` (the child's 学号). */
export function remarkFor(p: Person): string {
  const m = /^家长:([^:]+):/u.exec(p.extId);
  return m ? `${p.name}·${m[1] ?? ''}${GUARDIAN_SUFFIX}` : `${p.name}·${p.extId}`;
}

/** The roster person a remark written by `remarkFor` names, if it still does. */
export function personOfRemark(org: OrgIndex, remark: string | undefined): Person | undefined {
  if (!remark) return undefined;
  const at = remark.lastIndexOf('·');
  if (at <= 0) return undefined;
  const name = remark.slice(0, at);
  const ref = remark.slice(at + 1);
  if (ref.endsWith(GUARDIAN_SUFFIX)) return org.personByExtId(`家长:${ref.slice(0, -GUARDIAN_SUFFIX.length)}:${name}`);
  const p = org.personByExtId(ref);
  return p && p.name === name ? p : undefined;
}

interface Found {
  canonical: string;
  by: ResolvedBy;
}

interface Seen {
  nickname: string;
  remark?: string;
  /** The rooms (canonical ids) the person is in, with their card there. */
  in: { chat: string; card?: string }[];
}

/** What a login's resolution decided, for logs and tests. */
export interface ResolutionReport {
  readonly rooms: number;
  readonly roomsFound: number;
  readonly people: number;
  readonly byHow: Readonly<Record<ResolvedBy, number>>;
}

export class ResolvingAdapter implements ChatAdapter {
  readonly platform: Platform;
  readonly accountId: string;
  readonly capabilities: AdapterCapabilities;
  private sink: InboundSink | undefined;
  private readonly toCanonical = { user: new Map<string, string>(), group: new Map<string, string>() };
  private readonly toSession = { user: new Map<string, string>(), group: new Map<string, string>() };
  /** The previous session's ids: an event of that session that arrives late is still read right. */
  private prior = { user: new Map<string, string>(), group: new Map<string, string>() };
  /** Canonical ids of the account's contacts (friends): the only people a remark can be written on. */
  private readonly friends = new Set<string>();
  /** Events that arrive while a login is being resolved wait for its ids. */
  private buffer: InboundEvent[] = [];
  private pending = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private remarking: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The newest resolution's report. */
  lastResolution: ResolutionReport | undefined;

  /** Whether this login has found the person with this canonical id (their account is seen now). */
  resolves(canonicalId: string): boolean {
    return this.toSession.user.has(canonicalId);
  }

  constructor(
    private readonly raw: ChatAdapter,
    private readonly deps: SessionIdDeps,
  ) {
    this.platform = raw.platform;
    this.accountId = raw.accountId;
    this.capabilities = raw.capabilities;
    for (const row of deps.ids.load(raw.accountId)) this.remember(row.kind, row.sessionId, row.canonicalId);
  }

  get selfId(): string {
    return this.raw.selfId;
  }

  status(): AdapterStatus {
    const s = this.raw.status?.() ?? { state: 'online' as const, since: 0 };
    return this.pending > 0 && s.state === 'online' ? { ...s, state: 'connecting', detail: 'resolving the ids of a new login' } : s;
  }

  /** Events wait until the first login's ids are resolved; the adapter emits `login` at every login, the first included. */
  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    await this.raw.start((ev) => this.onRaw(ev));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.raw.stop();
  }

  /** Resolves once every login so far has been resolved and the events it held are passed on. */
  async resolved(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** `resolved`, and the remarks queued so far written too (tests, drills). */
  async settled(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.remarking.catch(() => undefined);
  }

  private onRaw(ev: InboundEvent): void {
    if (ev.kind === 'login') {
      void this.relogin();
      return;
    }
    if (this.pending > 0 || !this.lastResolution) this.buffer.push(ev);
    else this.forward(ev);
  }

  private relogin(): Promise<void> {
    this.pending += 1;
    const run = this.chain.then(async () => {
      try {
        await this.resolveUntilDone();
      } finally {
        this.pending -= 1;
        // Only when no newer login waits: its events must be read with its own ids.
        if (this.pending === 0) this.flush();
      }
    });
    this.chain = run;
    return run;
  }

  /** A failed resolution (a list call timing out, a rate limit) is tried again, events and sends waiting meanwhile. */
  private async resolveUntilDone(): Promise<void> {
    for (let delay = RETRY_FIRST_MS; !this.stopped; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        this.lastResolution = await this.resolve();
        this.deps.logger.info({ account: this.accountId, ...this.lastResolution }, 'ids of the new login session resolved');
        return;
      } catch (error) {
        this.deps.logger.error({ err: error, account: this.accountId, retryInMs: delay }, 'could not resolve the ids of a new login session');
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }

  private flush(): void {
    const waiting = this.buffer;
    this.buffer = [];
    for (const ev of waiting) this.forward(ev);
  }

  private forward(ev: InboundEvent): void {
    this.sink?.(this.inbound(ev));
  }

  /** Outbound calls wait for a login being resolved; after `resolveWaitMs` they are put back, nothing sent. */
  private async ready(): Promise<void> {
    if (this.pending === 0) {
      if (!this.lastResolution) throw new PlatformUnavailableError(`${this.accountId} has not logged in yet`, true);
      return;
    }
    const wait = this.deps.resolveWaitMs ?? RESOLVE_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), wait);
      timer.unref();
    });
    const outcome = await Promise.race([this.chain.then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late' || this.pending > 0) throw new PlatformUnavailableError(`${this.accountId}: the ids of a new login are not resolved yet`, true);
  }

  // ---- translation ----------------------------------------------------------------------------

  private remember(kind: IdKind, sessionId: string, canonicalId: string): void {
    this.toCanonical[kind].set(sessionId, canonicalId);
    this.toSession[kind].set(canonicalId, sessionId);
  }

  /** The canonical id of a session id; someone never seen keeps their session id, recorded as new. */
  private canonical(kind: IdKind, sessionId: string): string {
    if (sessionId === this.raw.selfId || sessionId === 'all') return sessionId;
    const known = this.toCanonical[kind].get(sessionId) ?? this.prior[kind].get(sessionId);
    if (known !== undefined) return known;
    if (this.toSession[kind].has(sessionId)) {
      // Someone's canonical id already (cannot happen with distinct id spaces): not recorded twice.
      this.deps.logger.warn({ account: this.accountId, kind }, 'a session id collides with a canonical id');
      return sessionId;
    }
    this.remember(kind, sessionId, sessionId);
    this.deps.ids.add(this.accountId, { kind, sessionId, canonicalId: sessionId, resolvedBy: 'new' }, this.deps.clock.now());
    return sessionId;
  }

  /** The session id for a canonical id; none in this session: the platform would not know it either. */
  private session(kind: IdKind, canonicalId: string): string {
    const id = this.toSession[kind].get(canonicalId);
    if (id !== undefined) return id;
    throw new PlatformRefusedError(kind === 'group' ? 'not_in_group' : 'unknown_user', `${this.accountId} has no ${kind} ${canonicalId} in its current login`);
  }

  private inbound(ev: InboundEvent): InboundEvent {
    // A private message on WeChat comes from a friend.
    if (ev.kind === 'message' && ev.chat.type === 'private' && !this.capabilities.privateToStrangers) this.friends.add(this.canonical('user', ev.sender.userId));
    return mapEventIds(ev, { user: (id) => this.canonical('user', id), group: (id) => this.canonical('group', id) });
  }

  async recall(chatId: string, messageId: string): Promise<void> {
    if (!this.raw.recall) throw new PlatformRefusedError('unsupported', 'recall unsupported');
    await this.raw.recall(this.session('group', chatId), messageId);
  }

  async fetchFile(file: InboundFile, where: { chatType: 'group' | 'private'; chatId: string }): Promise<Uint8Array> {
    if (!this.raw.fetchFile) throw new PlatformRefusedError('bad_request', 'this adapter cannot fetch files');
    await this.ready();
    // A file of an earlier login may be gone with it: the platform says so.
    const kind = where.chatType === 'group' ? 'group' : 'user';
    const chatId = this.toSession[kind].has(where.chatId) ? this.session(kind, where.chatId) : where.chatId;
    return this.raw.fetchFile(file, { chatType: where.chatType, chatId });
  }

  async sendGroup(chatId: string, message: OutboundMessage): Promise<SendReceipt> {
    await this.ready();
    return this.raw.sendGroup(this.session('group', chatId), this.outbound(message));
  }

  async sendPrivate(userId: string, message: OutboundMessage): Promise<SendReceipt> {
    await this.ready();
    return this.raw.sendPrivate(this.session('user', userId), this.outbound(message));
  }

  private outbound(message: OutboundMessage): OutboundMessage {
    if (!message.mentions) return message;
    // Someone not in this login cannot be mentioned; the text still names them.
    const mentions = message.mentions.flatMap((m) => (m === 'all' ? [m] : this.toSession.user.has(m) ? [this.session('user', m)] : []));
    return { ...message, mentions };
  }

  async listGroups(): Promise<readonly GroupInfo[]> {
    await this.ready();
    return (await this.raw.listGroups()).map((g) => ({ ...g, chatId: this.canonical('group', g.chatId) }));
  }

  async listMembers(chatId: string): Promise<readonly MemberInfo[]> {
    await this.ready();
    return (await this.raw.listMembers(this.session('group', chatId))).map((m) => ({ ...m, userId: this.canonical('user', m.userId) }));
  }

  async listContacts(): Promise<readonly ContactInfo[]> {
    if (!this.raw.listContacts) return [];
    await this.ready();
    return (await this.raw.listContacts()).map((c) => ({ ...c, userId: this.canonical('user', c.userId) }));
  }

  async setRemark(userId: string, remark: string): Promise<void> {
    if (!this.raw.setRemark) return;
    await this.ready();
    await this.raw.setRemark(this.session('user', userId), remark);
  }

  async confirmSent(target: { chatType: 'group' | 'private'; id: string }, deliveryKey: string): Promise<'sent' | 'not_sent' | 'unknown'> {
    if (!this.raw.confirmSent) return 'unknown';
    await this.ready();
    const kind = target.chatType === 'group' ? 'group' : 'user';
    if (!this.toSession[kind].has(target.id)) return 'unknown';
    return this.raw.confirmSent({ chatType: target.chatType, id: this.session(kind, target.id) }, deliveryKey);
  }

  /**
   * Writes the remark `姓名·学号` on a contact just bound to a roster person (`/绑定`), or clears it
   * (`person` null, after `/解绑`), in the background, paced with the other remark writes. Only on
   * people this login has seen; platforms without remarks ignore it.
   */
  remarkLater(canonicalUserId: string, person: Person | null): void {
    // Not only known friends: someone may have added the bot since the login; the platform refuses the others.
    if (!this.raw.setRemark || !this.toSession.user.has(canonicalUserId)) return;
    this.queueRemarks([{ canonical: canonicalUserId, remark: person ? remarkFor(person) : '' }]);
  }

  // ---- resolution after a login -----------------------------------------------------------------

  private async resolve(): Promise<ResolutionReport> {
    const org = this.deps.org();
    const now = this.deps.clock.now();
    const previous = { user: new Map<string, string>(), group: new Map<string, string>() };
    for (const row of this.deps.ids.load(this.accountId)) previous[row.kind].set(row.sessionId, row.canonicalId);
    const rooms = await this.raw.listGroups();
    const served = org.groups.flatMap((g) => org.platformGroupsOf(g.id)).filter((pg) => pg.platform === this.platform && pg.accounts.includes(this.accountId));
    const lists = new Map<string, readonly MemberInfo[]>();
    const listOf = async (sessionChat: string): Promise<readonly MemberInfo[]> => {
      let list = lists.get(sessionChat);
      if (!list) {
        list = await this.raw.listMembers(sessionChat);
        lists.set(sessionChat, list);
      }
      return list;
    };
    const roomOf = await this.findRooms(org, rooms, served, previous.group, listOf);
    const found = new Set([...roomOf.values()].filter((f) => f.by !== 'new').map((f) => f.canonical));
    for (const pg of served) {
      if (!found.has(pg.chatId)) this.deps.logger.warn({ account: this.accountId, group: org.group(pg.groupId)?.key }, 'a group this account serves was not found after its login');
    }

    // Everyone this session shows: members of the account's rooms, and its contacts.
    const seen = new Map<string, Seen>();
    for (const r of rooms) {
      const room = roomOf.get(r.chatId);
      if (!room || room.by === 'new') continue;
      for (const m of await listOf(r.chatId)) {
        if (m.userId === this.raw.selfId) continue;
        const s = seen.get(m.userId) ?? { nickname: m.nickname, in: [] };
        if (m.remark !== undefined) s.remark = m.remark;
        s.in.push({ chat: room.canonical, ...(m.card === undefined ? {} : { card: m.card }) });
        seen.set(m.userId, s);
      }
    }
    const contacts = this.raw.listContacts ? await this.raw.listContacts() : [];
    for (const c of contacts) {
      const s = seen.get(c.userId) ?? { nickname: c.nickname, in: [] };
      if (c.remark !== undefined) s.remark = c.remark;
      seen.set(c.userId, s);
    }
    const people = this.findPeople(org, seen, previous.user);

    const rows = uniqueRows([
      ...[...roomOf].map(([sessionId, f]): SessionIdRow => ({ kind: 'group', sessionId, canonicalId: f.canonical, resolvedBy: f.by })),
      ...[...people].map(([sessionId, f]): SessionIdRow => ({ kind: 'user', sessionId, canonicalId: f.canonical, resolvedBy: f.by })),
    ]);
    this.deps.ids.replaceAll(this.accountId, rows, now);
    this.prior = { user: new Map(this.toCanonical.user), group: new Map(this.toCanonical.group) };
    for (const kind of ['user', 'group'] as const) {
      this.toCanonical[kind].clear();
      this.toSession[kind].clear();
    }
    for (const r of rows) this.remember(r.kind, r.sessionId, r.canonicalId);
    this.friends.clear();
    for (const c of contacts) {
      const id = this.toCanonical.user.get(c.userId);
      if (id !== undefined) this.friends.add(id);
    }

    // The kept member lists now hold this session's reading, under canonical ids.
    for (const r of rooms) {
      const room = roomOf.get(r.chatId);
      const list = lists.get(r.chatId);
      if (!room || room.by === 'new' || !list) continue;
      const members = list.flatMap((m) => {
        const id = m.userId === this.raw.selfId ? m.userId : this.toCanonical.user.get(m.userId);
        return id === undefined ? [] : [{ ...m, userId: id }];
      });
      this.deps.members.replace(this.platform, room.canonical, members, now, this.accountId, r.name);
    }

    // Remarks on contacts that are roster people (found by strong evidence only), so the next login finds them.
    if (this.raw.setRemark) {
      const writes: { canonical: string; remark: string }[] = [];
      for (const c of contacts) {
        const id = this.toCanonical.user.get(c.userId);
        const person = id === undefined ? undefined : org.personByPlatformAccount(this.platform, id);
        if (id !== undefined && person && c.remark !== remarkFor(person)) writes.push({ canonical: id, remark: remarkFor(person) });
      }
      this.queueRemarks(writes);
    }

    const byHow: Record<ResolvedBy, number> = { same: 0, remark: 0, list: 0, card: 0, topic: 0, new: 0 };
    for (const r of rows) if (r.kind === 'user') byHow[r.resolvedBy] += 1;
    return { rooms: rooms.length, roomsFound: found.size, people: rows.filter((r) => r.kind === 'user').length, byHow };
  }

  /** The canonical platform group of each room of this session. */
  private async findRooms(
    org: OrgIndex,
    rooms: readonly GroupInfo[],
    served: readonly PlatformGroup[],
    previous: ReadonlyMap<string, string>,
    listOf: (chat: string) => Promise<readonly MemberInfo[]>,
  ): Promise<Map<string, Found>> {
    const out = new Map<string, Found>();
    const taken = new Set<string>();
    const give = (room: string, canonical: string, by: ResolvedBy): void => {
      if (out.has(room) || taken.has(canonical)) return;
      out.set(room, { canonical, by });
      taken.add(canonical);
    };
    for (const r of rooms) {
      const before = previous.get(r.chatId);
      if (before !== undefined) give(r.chatId, before, 'same');
    }
    // A room showing the roster's own id (platforms or puppets with stable ids, or the first session).
    for (const r of rooms) if (served.some((pg) => pg.chatId === r.chatId)) give(r.chatId, r.chatId, 'same');

    // By name: the room's name as kept at the last read, or as the roster names the group.
    const namesOf = (pg: PlatformGroup): string[] => [this.deps.members.get(pg.platform, pg.chatId)?.topic, org.group(pg.groupId)?.name].filter((n): n is string => !!n);
    const open = (): { rooms: GroupInfo[]; candidates: Map<string, PlatformGroup[]> } => {
      const candidates = new Map<string, PlatformGroup[]>();
      const left = rooms.filter((r) => !out.has(r.chatId));
      for (const r of left) candidates.set(r.chatId, served.filter((pg) => !taken.has(pg.chatId) && namesOf(pg).includes(r.name)));
      return { rooms: left, candidates };
    };
    // 1. A name only one room and one group share.
    {
      const { rooms: left, candidates } = open();
      for (const r of left) {
        const pgs = candidates.get(r.chatId) ?? [];
        const only = pgs[0];
        if (pgs.length !== 1 || !only) continue;
        const rivals = left.filter((o) => (candidates.get(o.chatId) ?? []).some((pg) => pg.chatId === only.chatId));
        if (rivals.length === 1) give(r.chatId, only.chatId, 'topic');
      }
    }
    // 2. Rooms of one name: each goes to the kept list its members resemble most.
    {
      const { rooms: left, candidates } = open();
      const signature = (m: MemberInfo): string => `${m.nickname}\u0000${m.card ?? ''}`;
      const scores: { room: string; pg: string; score: number }[] = [];
      for (const r of left) {
        const pgs = candidates.get(r.chatId) ?? [];
        if (pgs.length === 0) continue;
        const mine = new Set((await listOf(r.chatId)).map(signature));
        for (const pg of pgs) {
          const kept = this.deps.members.get(pg.platform, pg.chatId)?.members ?? [];
          scores.push({ room: r.chatId, pg: pg.chatId, score: kept.filter((m) => mine.has(signature(m))).length });
        }
      }
      scores.sort((a, b) => b.score - a.score);
      for (const s of scores) if (s.score > 0) give(s.room, s.pg, 'topic');
    }
    // 3. No evidence left: rooms whose candidates all belong to one logical group (a college's parents
    // in two rooms) are paired in any order, since that group is relayed to and audited as one.
    {
      const { rooms: left, candidates } = open();
      const byGroup = new Map<number, { rooms: string[]; pgs: Set<string> }>();
      for (const r of left) {
        const pgs = candidates.get(r.chatId) ?? [];
        const groups = new Set(pgs.map((pg) => pg.groupId));
        const g = [...groups][0];
        if (groups.size !== 1 || g === undefined) continue;
        const e = byGroup.get(g) ?? { rooms: [], pgs: new Set<string>() };
        e.rooms.push(r.chatId);
        for (const pg of pgs) e.pgs.add(pg.chatId);
        byGroup.set(g, e);
      }
      for (const { rooms: rs, pgs } of byGroup.values()) {
        if (rs.length !== pgs.size) continue;
        const list = [...pgs];
        rs.forEach((room, i) => {
          const pg = list[i];
          if (pg !== undefined) give(room, pg, 'topic');
        });
      }
    }
    for (const r of rooms) if (!out.has(r.chatId) && !taken.has(r.chatId)) give(r.chatId, r.chatId, 'new');
    return out;
  }

  /** The canonical id of each person this session shows. */
  private findPeople(org: OrgIndex, seen: ReadonlyMap<string, Seen>, previous: ReadonlyMap<string, string>): Map<string, Found> {
    const out = new Map<string, Found>();
    const taken = new Set<string>();
    const give = (sessionId: string, canonical: string, by: ResolvedBy): boolean => {
      if (out.has(sessionId) || taken.has(canonical)) return false;
      out.set(sessionId, { canonical, by });
      taken.add(canonical);
      return true;
    };
    // 1. The same session (a restored login), or an id the roster or a binding gives.
    for (const id of seen.keys()) {
      const before = previous.get(id);
      if (before !== undefined) give(id, before, 'same');
    }
    for (const id of seen.keys()) if (org.personByPlatformAccount(this.platform, id)) give(id, id, 'same');
    // 2. The remark Cascade wrote, when one contact alone carries it. A person with several accounts
    //    (the roster's, then bound ones) is given the newest binding seen in the previous session:
    //    remarks are written when an account is bound.
    const before = new Set(previous.values());
    const byRemark = new Map<string, string[]>();
    for (const [id, s] of seen) {
      if (out.has(id)) continue;
      const p = personOfRemark(org, s.remark);
      const accounts = p ? [...org.accountsOn(p.id, this.platform)].reverse().filter((a) => !taken.has(a)) : [];
      const account = accounts.find((a) => before.has(a)) ?? accounts[0];
      if (account) byRemark.set(account, [...(byRemark.get(account) ?? []), id]);
    }
    for (const [account, ids] of byRemark) {
      if (ids.length === 1 && ids[0] !== undefined) give(ids[0], account, 'remark');
      else this.deps.logger.warn({ account: this.accountId, contacts: ids.length }, 'several contacts carry the remark of one person; none is taken for them');
    }
    // 3. The same nickname and card as one member of the room's kept list: keeps the id of someone
    //    Cascade does not know. Never a roster person's id: anyone can copy a nickname and a card.
    const kept = new Map<string, Map<string, string[]>>();
    const keptOf = (chat: string): Map<string, string[]> => {
      let m = kept.get(chat);
      if (!m) {
        m = new Map();
        for (const k of this.deps.members.get(this.platform, chat)?.members ?? []) {
          const sig = `${k.nickname}\u0000${k.card ?? ''}`;
          m.set(sig, [...(m.get(sig) ?? []), k.userId]);
        }
        kept.set(chat, m);
      }
      return m;
    };
    const claims = new Map<string, number>();
    for (const s of seen.values()) {
      for (const where of s.in) {
        const key = `${where.chat}\u0000${s.nickname}\u0000${where.card ?? ''}`;
        claims.set(key, (claims.get(key) ?? 0) + 1);
      }
    }
    for (const [id, s] of seen) {
      if (out.has(id)) continue;
      for (const where of s.in) {
        const sig = `${s.nickname}\u0000${where.card ?? ''}`;
        const ids = keptOf(where.chat).get(sig);
        const k = ids?.length === 1 ? ids[0] : undefined;
        if (k === undefined || claims.get(`${where.chat}\u0000${sig}`) !== 1 || org.personByPlatformAccount(this.platform, k)) continue;
        if (give(id, k, 'list')) break;
      }
    }
    // 4. Someone new: their id of this session is theirs.
    for (const id of seen.keys()) give(id, id, 'new');
    return out;
  }

  private queueRemarks(writes: readonly { canonical: string; remark: string }[]): void {
    if (writes.length === 0 || !this.raw.setRemark) return;
    const set = this.raw.setRemark.bind(this.raw);
    this.remarking = this.remarking.then(async () => {
      for (const [i, w] of writes.entries()) {
        if (this.stopped) return;
        // Real time, not the app's clock: the platform's limits run on the wall clock, and a drill's virtual clock must not jump.
        if (i > 0 && this.deps.remarkGapMs > 0) await new Promise((r) => setTimeout(r, this.deps.remarkGapMs).unref());
        try {
          // The id of the session current at the time of writing: a re-login in between is fine.
          const sessionId = this.toSession.user.get(w.canonical);
          if (sessionId !== undefined) await set(sessionId, w.remark);
        } catch (error) {
          this.deps.logger.warn({ err: error, account: this.accountId }, 'could not set a contact remark');
        }
      }
    });
  }
}

/** One row per session id and per canonical id (the store's unique keys); later duplicates are dropped. */
function uniqueRows(rows: readonly SessionIdRow[]): SessionIdRow[] {
  const sessions = new Set<string>();
  const canonicals = new Set<string>();
  const out: SessionIdRow[] = [];
  for (const r of rows) {
    const s = `${r.kind}\u0000${r.sessionId}`;
    const c = `${r.kind}\u0000${r.canonicalId}`;
    if (sessions.has(s) || canonicals.has(c)) continue;
    sessions.add(s);
    canonicals.add(c);
    out.push(r);
  }
  return out;
}
