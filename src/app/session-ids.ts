/**
 * Stable ids over a platform whose ids change at every login (wechat4u: every contact and room gets a
 * new id each session). Each such bot account is wrapped in a `ResolvingAdapter`: the rest of Cascade
 * sees only canonical ids — the roster's or a binding's account id, else the id a person or room was
 * first seen with — and the adapter translates at its edge.
 *
 * After each login the account's rooms and people are found again, strongest evidence first:
 * - rooms: the same session id as before (a restored session); else the room's name, as kept at the
 *   last member-list read or as the roster names the group (rooms of the same name are told apart by
 *   how many of their members' names and cards match each kept list);
 * - people: the same session id; else the remark (备注) Cascade set, `姓名·学号`; else the same
 *   nickname and card as a member of the kept list of that room (one such member only); else a card
 *   that names a roster person who has an account on the platform, claimed by nobody else;
 *   else they are someone new and keep their session id as canonical.
 * Then the bot sets the remark on every contact (friend) it could name, so the next login finds them by
 * remark even when their card changes; remarks are written one at a time, `remarkGapMs` apart.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { expectedMembers, identify, type CardPatterns } from '../domain/membership.js';
import type { Person, Platform, PlatformGroup } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import type {
  AdapterCapabilities,
  ChatAdapter,
  ContactInfo,
  GroupInfo,
  InboundEvent,
  InboundSink,
  MemberInfo,
  OutboundMessage,
  SendReceipt,
} from '../platform/port.js';
import type { MemberRepo } from '../store/member-repo.js';
import type { IdKind, ResolvedBy, SessionIdRepo, SessionIdRow } from '../store/session-id-repo.js';

export interface SessionIdDeps {
  readonly org: () => OrgIndex;
  readonly ids: SessionIdRepo;
  readonly members: MemberRepo;
  readonly clock: Clock;
  readonly patterns: CardPatterns;
  readonly logger: Logger;
  /** Pause between two remark writes (the platform rate-limits them like sends). */
  readonly remarkGapMs: number;
}

/** The remark Cascade writes on a contact it has identified: `张三·2023010101`; for a parent, their name and the child's 学号. */
export function remarkFor(p: Person): string {
  const m = /^家长:([^:]+):/.exec(p.extId);
  return `${p.name}·${m ? m[1] : p.extId}`;
}

/** The roster person a remark written by `remarkFor` names, if it still does. */
export function personOfRemark(org: OrgIndex, remark: string | undefined): Person | undefined {
  if (!remark) return undefined;
  const at = remark.lastIndexOf('·');
  if (at <= 0) return undefined;
  const name = remark.slice(0, at);
  const ref = remark.slice(at + 1);
  const p = org.personByExtId(ref);
  if (p && p.name === name) return p;
  return org.personByExtId(`家长:${ref}:${name}`);
}

interface Found {
  canonical: string;
  by: ResolvedBy;
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
  /** Events that arrive while a login is being resolved wait for its ids. */
  private buffer: InboundEvent[] | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private remarking: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The newest resolution's report. */
  lastResolution: ResolutionReport | undefined;

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

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    this.buffer = [];
    await this.raw.start((ev) => this.onRaw(ev));
    await this.relogin();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.raw.stop();
  }

  /** Resolves once every login so far has been resolved and its remarks written (tests, drills). */
  async settled(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.remarking.catch(() => undefined);
  }

  private onRaw(ev: InboundEvent): void {
    if (ev.kind === 'login') {
      // Ids change from this event on: later events wait until the new ones are known.
      this.buffer ??= [];
      void this.relogin();
      return;
    }
    if (this.buffer) this.buffer.push(ev);
    else this.forward(ev);
  }

  private relogin(): Promise<void> {
    const run = this.chain.then(async () => {
      try {
        this.lastResolution = await this.resolve();
        this.deps.logger.info({ account: this.accountId, ...this.lastResolution }, 'ids of the new login session resolved');
      } catch (error) {
        this.deps.logger.error({ err: error, account: this.accountId }, 'could not resolve the ids of a new login session');
      } finally {
        const waiting = this.buffer ?? [];
        this.buffer = null;
        for (const ev of waiting) this.forward(ev);
      }
    });
    this.chain = run;
    return run;
  }

  private forward(ev: InboundEvent): void {
    const sink = this.sink;
    if (!sink) return;
    sink(this.inbound(ev));
  }

  // ---- translation ----------------------------------------------------------------------------

  private remember(kind: IdKind, sessionId: string, canonicalId: string): void {
    this.toCanonical[kind].set(sessionId, canonicalId);
    this.toSession[kind].set(canonicalId, sessionId);
  }

  /** The canonical id of a session id; someone never seen keeps their session id, recorded as new. */
  private canonical(kind: IdKind, sessionId: string): string {
    if (sessionId === this.raw.selfId || sessionId === 'all') return sessionId;
    const known = this.toCanonical[kind].get(sessionId);
    if (known !== undefined) return known;
    if (this.toSession[kind].has(sessionId)) {
      // Taken as another id's canonical: cannot happen with distinct session id spaces; kept apart anyway.
      this.deps.logger.warn({ account: this.accountId, kind }, 'a session id collides with a canonical id');
      return sessionId;
    }
    this.remember(kind, sessionId, sessionId);
    this.deps.ids.add(this.accountId, { kind, sessionId, canonicalId: sessionId, resolvedBy: 'new' }, this.deps.clock.now());
    return sessionId;
  }

  /** The session id for a canonical id; unknown ones are passed as they are (the platform refuses them if stale). */
  private session(kind: IdKind, canonicalId: string): string {
    return this.toSession[kind].get(canonicalId) ?? canonicalId;
  }

  private inbound(ev: InboundEvent): InboundEvent {
    const user = (id: string): string => this.canonical('user', id);
    const group = (id: string): string => this.canonical('group', id);
    switch (ev.kind) {
      case 'message':
        return {
          ...ev,
          chat: ev.chat.type === 'group' ? { type: 'group', chatId: group(ev.chat.chatId) } : ev.chat,
          sender: { ...ev.sender, userId: user(ev.sender.userId) },
          mentions: ev.mentions.map(user),
          ...(ev.solitaire
            ? { solitaire: { ...ev.solitaire, entries: ev.solitaire.entries.map((e) => (e.userId === undefined ? e : { ...e, userId: user(e.userId) })) } }
            : {}),
        };
      case 'member_join':
      case 'member_leave':
      case 'recall':
        return { ...ev, chatId: group(ev.chatId), userId: user(ev.userId) };
      case 'login':
        return ev;
    }
  }

  sendGroup(chatId: string, message: OutboundMessage): Promise<SendReceipt> {
    return this.raw.sendGroup(this.session('group', chatId), this.outbound(message));
  }

  sendPrivate(userId: string, message: OutboundMessage): Promise<SendReceipt> {
    return this.raw.sendPrivate(this.session('user', userId), this.outbound(message));
  }

  private outbound(message: OutboundMessage): OutboundMessage {
    return message.mentions ? { ...message, mentions: message.mentions.map((m) => this.session('user', m)) } : message;
  }

  async listGroups(): Promise<readonly GroupInfo[]> {
    return (await this.raw.listGroups()).map((g) => ({ ...g, chatId: this.canonical('group', g.chatId) }));
  }

  async listMembers(chatId: string): Promise<readonly MemberInfo[]> {
    return (await this.raw.listMembers(this.session('group', chatId))).map((m) => ({ ...m, userId: this.canonical('user', m.userId) }));
  }

  async listContacts(): Promise<readonly ContactInfo[]> {
    if (!this.raw.listContacts) return [];
    return (await this.raw.listContacts()).map((c) => ({ ...c, userId: this.canonical('user', c.userId) }));
  }

  async setRemark(userId: string, remark: string): Promise<void> {
    if (!this.raw.setRemark) return;
    await this.raw.setRemark(this.session('user', userId), remark);
  }

  async confirmSent(target: { chatType: 'group' | 'private'; id: string }, deliveryKey: string): Promise<'sent' | 'not_sent' | 'unknown'> {
    if (!this.raw.confirmSent) return 'unknown';
    return this.raw.confirmSent({ chatType: target.chatType, id: this.session(target.chatType === 'group' ? 'group' : 'user', target.id) }, deliveryKey);
  }

  /**
   * Writes the remark `姓名·学号` on a contact just bound to a roster person (`/绑定`), in the
   * background, paced with the other remark writes. Platforms without remarks ignore it.
   */
  remarkLater(canonicalUserId: string, person: Person): void {
    // Only on a contact this account has seen in its current session.
    if (!this.raw.setRemark || !this.toSession.user.has(canonicalUserId)) return;
    this.queueRemarks([{ sessionId: this.session('user', canonicalUserId), remark: remarkFor(person) }]);
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

    // Everyone this session shows: members of the account's rooms, and its contacts.
    const seen = new Map<string, { nickname: string; remark?: string; in: { chat: string; card?: string }[] }>();
    for (const r of rooms) {
      const found = roomOf.get(r.chatId);
      if (!found || found.by === 'new') continue;
      for (const m of await listOf(r.chatId)) {
        if (m.userId === this.raw.selfId) continue;
        const s = seen.get(m.userId) ?? { nickname: m.nickname, in: [] };
        if (m.remark !== undefined) s.remark = m.remark;
        s.in.push({ chat: found.canonical, ...(m.card === undefined ? {} : { card: m.card }) });
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

    const rows: SessionIdRow[] = [];
    for (const [sessionId, f] of roomOf) rows.push({ kind: 'group', sessionId, canonicalId: f.canonical, resolvedBy: f.by });
    for (const [sessionId, f] of people) rows.push({ kind: 'user', sessionId, canonicalId: f.canonical, resolvedBy: f.by });
    this.deps.ids.replaceAll(this.accountId, rows, now);
    for (const kind of ['user', 'group'] as const) {
      this.toCanonical[kind].clear();
      this.toSession[kind].clear();
    }
    for (const r of rows) this.remember(r.kind, r.sessionId, r.canonicalId);

    // The kept member lists now hold this session's reading, under canonical ids.
    for (const r of rooms) {
      const found = roomOf.get(r.chatId);
      const list = lists.get(r.chatId);
      if (!found || found.by === 'new' || !list) continue;
      this.deps.members.replace(this.platform, found.canonical, list.map((m) => ({ ...m, userId: this.canonical('user', m.userId) })), now, this.accountId, r.name);
    }

    // Remarks on contacts Cascade can name, so the next login finds them whatever their card says.
    if (this.raw.setRemark) {
      const writes: { sessionId: string; remark: string }[] = [];
      for (const c of contacts) {
        const person = org.personByPlatformAccount(this.platform, this.canonical('user', c.userId));
        if (person && c.remark !== remarkFor(person)) writes.push({ sessionId: c.userId, remark: remarkFor(person) });
      }
      this.queueRemarks(writes);
    }

    const byHow: Record<ResolvedBy, number> = { same: 0, remark: 0, list: 0, card: 0, topic: 0, new: 0 };
    for (const f of people.values()) byHow[f.by] += 1;
    return { rooms: rooms.length, roomsFound: [...roomOf.values()].filter((f) => f.by !== 'new').length, people: people.size, byHow };
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
    for (const r of rooms) {
      const before = previous.get(r.chatId);
      if (before !== undefined && !taken.has(before)) {
        out.set(r.chatId, { canonical: before, by: 'same' });
        taken.add(before);
      }
    }
    // A room showing the roster's own id (platforms or puppets with stable ids, or the first session).
    for (const r of rooms) {
      if (out.has(r.chatId) || taken.has(r.chatId) || !served.some((pg) => pg.chatId === r.chatId)) continue;
      out.set(r.chatId, { canonical: r.chatId, by: 'same' });
      taken.add(r.chatId);
    }
    // By name: the room's name as kept at the last read, else the roster's name of its group.
    const nameOf = (pg: PlatformGroup): string => this.deps.members.get(pg.platform, pg.chatId)?.topic ?? org.group(pg.groupId)?.name ?? '';
    const byName = new Map<string, { rooms: GroupInfo[]; pgs: PlatformGroup[] }>();
    for (const pg of served) {
      if (taken.has(pg.chatId)) continue;
      const e = byName.get(nameOf(pg)) ?? { rooms: [], pgs: [] };
      e.pgs.push(pg);
      byName.set(nameOf(pg), e);
    }
    for (const r of rooms) if (!out.has(r.chatId)) byName.get(r.name)?.rooms.push(r);
    for (const { rooms: rs, pgs } of byName.values()) {
      if (rs.length === 0) continue;
      if (rs.length === 1 && pgs.length === 1 && rs[0] && pgs[0]) {
        out.set(rs[0].chatId, { canonical: pgs[0].chatId, by: 'topic' });
        continue;
      }
      // Rooms of one name: each goes to the kept list its members resemble most.
      const signature = (m: MemberInfo): string => `${m.nickname}\u0000${m.card ?? ''}`;
      const scores: { room: string; pg: string; score: number }[] = [];
      for (const r of rs) {
        const mine = new Set((await listOf(r.chatId)).map(signature));
        for (const pg of pgs) {
          const kept = this.deps.members.get(pg.platform, pg.chatId)?.members ?? [];
          scores.push({ room: r.chatId, pg: pg.chatId, score: kept.filter((m) => mine.has(signature(m))).length });
        }
      }
      scores.sort((a, b) => b.score - a.score);
      for (const s of scores) {
        if (s.score === 0 || out.has(s.room) || taken.has(s.pg)) continue;
        out.set(s.room, { canonical: s.pg, by: 'topic' });
        taken.add(s.pg);
      }
      // No evidence left: rooms of one logical group (a college's parents in two rooms) may be paired in
      // any order, since the group is relayed to and audited as one. Rooms of different groups are not guessed.
      const restRooms = rs.filter((r) => !out.has(r.chatId));
      const restPgs = pgs.filter((pg) => !taken.has(pg.chatId));
      if (restRooms.length > 0 && restRooms.length === restPgs.length && new Set(restPgs.map((pg) => pg.groupId)).size === 1) {
        restRooms.forEach((r, i) => {
          const pg = restPgs[i];
          if (!pg) return;
          out.set(r.chatId, { canonical: pg.chatId, by: 'topic' });
          taken.add(pg.chatId);
        });
      }
    }
    for (const r of rooms) if (!out.has(r.chatId)) out.set(r.chatId, { canonical: r.chatId, by: 'new' });
    return out;
  }

  /** The canonical id of each person this session shows. */
  private findPeople(
    org: OrgIndex,
    seen: ReadonlyMap<string, { nickname: string; remark?: string; in: { chat: string; card?: string }[] }>,
    previous: ReadonlyMap<string, string>,
  ): Map<string, Found> {
    const out = new Map<string, Found>();
    const taken = new Set<string>();
    const give = (sessionId: string, canonical: string, by: ResolvedBy): boolean => {
      if (out.has(sessionId) || taken.has(canonical)) return false;
      out.set(sessionId, { canonical, by });
      taken.add(canonical);
      return true;
    };
    // 1. The same session (a restored login).
    for (const id of seen.keys()) {
      const before = previous.get(id);
      if (before !== undefined) give(id, before, 'same');
    }
    // 1b. An id the roster or a binding gives (platforms or puppets that show stable ids).
    for (const id of seen.keys()) if (!out.has(id) && org.personByPlatformAccount(this.platform, id)) give(id, id, 'same');
    // 2. The remark Cascade wrote.
    for (const [id, s] of seen) {
      if (out.has(id)) continue;
      const p = personOfRemark(org, s.remark);
      const account = p ? org.accountOn(p.id, this.platform) : undefined;
      if (account) give(id, account, 'remark');
    }
    // 3. The same nickname and card as one member of the room's kept list.
    const keptBySignature = new Map<string, Map<string, string[]>>();
    const keptOf = (chat: string): Map<string, string[]> => {
      let m = keptBySignature.get(chat);
      if (!m) {
        m = new Map();
        for (const k of this.deps.members.get(this.platform, chat)?.members ?? []) {
          const sig = `${k.nickname}\u0000${k.card ?? ''}`;
          m.set(sig, [...(m.get(sig) ?? []), k.userId]);
        }
        keptBySignature.set(chat, m);
      }
      return m;
    };
    const claimsByChat = new Map<string, Map<string, number>>();
    for (const s of seen.values()) {
      for (const where of s.in) {
        const sig = `${s.nickname}\u0000${where.card ?? ''}`;
        const m = claimsByChat.get(where.chat) ?? new Map<string, number>();
        m.set(sig, (m.get(sig) ?? 0) + 1);
        claimsByChat.set(where.chat, m);
      }
    }
    for (const [id, s] of seen) {
      if (out.has(id)) continue;
      for (const where of s.in) {
        const sig = `${s.nickname}\u0000${where.card ?? ''}`;
        const kept = keptOf(where.chat).get(sig);
        if (kept?.length === 1 && kept[0] !== undefined && claimsByChat.get(where.chat)?.get(sig) === 1 && give(id, kept[0], 'list')) break;
      }
    }
    // 4. A card naming a roster person with an account on this platform, claimed by no one else.
    const claims = new Map<string, string[]>();
    for (const [id, s] of seen) {
      if (out.has(id)) continue;
      for (const where of s.in) {
        const pg = org.platformGroup(this.platform, where.chat);
        const group = pg ? org.group(pg.groupId) : undefined;
        if (!group) continue;
        const who = identify(org, group, { platform: this.platform, userId: id, nickname: s.nickname, card: where.card }, expectedMembers(org, group), this.deps.patterns);
        const account = who.personId === null ? undefined : org.accountOn(who.personId, this.platform);
        if (!account || taken.has(account)) continue;
        claims.set(account, [...new Set([...(claims.get(account) ?? []), id])]);
        break;
      }
    }
    for (const [account, ids] of claims) if (ids.length === 1 && ids[0] !== undefined) give(ids[0], account, 'card');
    // 5. Someone new: their id of this session is theirs.
    for (const id of seen.keys()) if (!out.has(id)) give(id, id, 'new') || out.set(id, { canonical: id, by: 'new' });
    return out;
  }

  private queueRemarks(writes: readonly { sessionId: string; remark: string }[]): void {
    if (writes.length === 0 || !this.raw.setRemark) return;
    const set = this.raw.setRemark.bind(this.raw);
    this.remarking = this.remarking.then(async () => {
      for (const [i, w] of writes.entries()) {
        if (this.stopped) return;
        // Real time, not the app's clock: the platform's limits run on the wall clock, and a drill's virtual clock must not jump.
        if (i > 0 && this.deps.remarkGapMs > 0) await new Promise((r) => setTimeout(r, this.deps.remarkGapMs).unref());
        try {
          await set(w.sessionId, w.remark);
        } catch (error) {
          this.deps.logger.warn({ err: error, account: this.accountId }, 'could not set a contact remark');
        }
      }
    });
  }
}
