/**
 * Test support: a OneBot v11 implementation stand-in, written from the spec with NapCat's habits as
 * options. It keeps groups, members and messages, serves forward WS or connects in reverse, answers
 * the calls Cascade makes, emits events, and records what the bot sent. Used by tests only.
 */
import { readFileSync } from 'node:fs';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { WireEvent, WireId, WireResponse, WireSegment } from './wire.js';

export interface PeerMember {
  readonly userId: string;
  readonly nickname: string;
  readonly card?: string;
  readonly role?: 'owner' | 'admin' | 'member';
}

export interface PeerSent {
  readonly chatType: 'group' | 'private';
  readonly target: string;
  /** As the group shows it: text segments, with `@名字` for mentions. */
  readonly text: string;
  readonly mentions: readonly string[];
  readonly quoteId?: string;
  readonly messageId: string;
  /** The call's params exactly as received (to check id types). */
  readonly params: Readonly<Record<string, unknown>>;
  /** When the implementation carried it out, epoch ms. */
  readonly at: number;
  /** Pictures (image segments) and uploaded files, with their bytes. */
  readonly files?: readonly PeerFileData[];
}

/** A picture or file with its bytes, as the platform keeps it. */
export interface PeerFileData {
  readonly kind: 'image' | 'file';
  readonly name: string;
  readonly data: Uint8Array;
}

export interface OneBotPeerOptions {
  readonly selfId: string;
  readonly nickname?: string;
  readonly accessToken?: string;
  /** Heartbeat interval in ms; 0 sends none. */
  readonly heartbeatMs?: number;
  /** `string`: events carry CQ strings (the spec's default); `array`: segment arrays (NapCat's). */
  readonly messageFormat?: 'array' | 'string';
  /** Ids in events and answers as strings, as newer NapCat builds and onebots did. */
  readonly stringIds?: boolean;
  /** How the bot's own sends come back: NapCat's `message_sent`, an ordinary `message`, or not at all. */
  readonly reportSelf?: 'message_sent' | 'message' | 'none';
  /** Forward mode, wrong token: `http` refuses the upgrade (spec); `frame` accepts, sends 1403 and closes (NapCat). */
  readonly authStyle?: 'http' | 'frame';
  /** Reverse mode: how often it retries a connection (NapCat 5000 ms). */
  readonly reconnectMs?: number;
  /** Reverse mode: one Universal connection, or separate API and Event connections. */
  readonly roles?: 'universal' | 'split';
  /** `napcat` (default): `get_group_msg_history` as NapCat answers it; `none`: unsupported (1404), as minimal implementations. */
  readonly historyApi?: 'napcat' | 'none';
  /** `napcat` (default): `upload_group_file` and `upload_private_file` as NapCat has them; `none`: an implementation without them (1404). */
  readonly uploadApi?: 'napcat' | 'none';
  /** Messages a group's history keeps (the platform's retention); default 10,000. */
  readonly historyLimit?: number;
  /**
   * Called with everything the platform keeps (a group message, a bot send) as it is kept: a peer that
   * runs in a process of its own writes it down and, killed and started again, `load`s it back — as
   * QQ keeps its groups whatever happens to NapCat.
   */
  readonly journal?: (entry: PeerJournalEntry) => void;
}

/** What a peer keeps, in the order it kept it. */
export type PeerJournalEntry = { readonly kind: 'group'; readonly groupId: string; readonly event: WireEvent } | { readonly kind: 'sent'; readonly sent: PeerSent };

interface PeerGroup {
  readonly name: string;
  readonly members: Map<string, PeerMember>;
}

type Answer = Omit<WireResponse, 'echo'>;

const OK = (data: unknown): Answer => ({ status: 'ok', retcode: 0, data, message: '', wording: '' });
const FAILED = (retcode: number, message: string): Answer => ({ status: 'failed', retcode, data: null, message, wording: message });

export class OneBotPeer {
  /** What the bot sent, in order. */
  readonly sent: PeerSent[] = [];
  /** Message ids the bot recalled (`delete_msg`). */
  readonly recalled = new Set<string>();
  /** How long after sending the bot may recall (QQ: two minutes); tests shorten it. */
  recallWindowMs = 120_000;
  /** Every action called, in order. */
  readonly calls: string[] = [];
  /** Connection attempts: upgrades seen (forward) or made (reverse). */
  attempts = 0;
  /** Connections that completed and passed auth. */
  connections = 0;
  private readonly groups = new Map<string, PeerGroup>();
  private readonly messages = new Map<string, WireEvent>();
  /** Each group's messages as the platform keeps them, oldest first: people's and the bot's own. */
  private readonly history = new Map<string, WireEvent[]>();
  /** Files people uploaded to groups, by `<group>/<file id>` (what `get_group_file_url` serves). */
  private readonly groupFiles = new Map<string, PeerFileData>();
  private readonly sockets = new Map<WebSocket, { events: boolean; heartbeat?: NodeJS.Timeout }>();
  private readonly hung = new Set<string>();
  private readonly scripted = new Map<string, Answer>();
  private frozen: { socket: WebSocket; data: RawData }[] | undefined;
  private cut: { action: string; posted: boolean; when: (params: Readonly<Record<string, unknown>>) => boolean } | undefined;
  private server: WebSocketServer | undefined;
  private reverseUrl: string | undefined;
  private reverseTimer: NodeJS.Timeout | undefined;
  private dropped = false;
  private closed = false;
  private heartbeatsPaused = false;
  private nextId = 100_000;

  constructor(private readonly options: OneBotPeerOptions) {}

  // ---------------------------------------------------------------- the world

  addGroup(groupId: string, name: string): void {
    this.groups.set(groupId, { name, members: new Map() });
  }

  addMember(groupId: string, member: PeerMember): void {
    this.group(groupId).members.set(member.userId, member);
  }

  displayName(groupId: string, userId: string): string {
    const member = this.groups.get(groupId)?.members.get(userId);
    return member?.card || member?.nickname || userId;
  }

  /** The next call of `action` gets this answer instead of the real one. */
  failNext(action: string, answer: { retcode: number; message: string; status?: WireResponse['status'] }): void {
    this.scripted.set(action, { ...FAILED(answer.retcode, answer.message), status: answer.status ?? 'failed' });
  }

  /**
   * The implementation dies on the next call of `action`: `posted` says whether it carried the call out
   * first (the message reached the group) — either way no answer comes, and every connection is cut
   * until `restore`.
   */
  cutNext(action: string, posted: boolean, when: (params: Readonly<Record<string, unknown>>) => boolean = () => true): void {
    this.cut = { action, posted, when };
  }

  /** Calls of `action` are never answered (until `unhang`). */
  hang(action: string): void {
    this.hung.add(action);
  }

  unhang(action: string): void {
    this.hung.delete(action);
  }

  // ---------------------------------------------------------------- people act

  say(userId: string, groupId: string, text: string, options: { mentions?: readonly string[]; quoteId?: string } = {}): string {
    const segments: WireSegment[] = [];
    if (options.quoteId !== undefined) segments.push({ type: 'reply', data: { id: options.quoteId } });
    for (const id of options.mentions ?? []) segments.push({ type: 'at', data: { qq: id } }, { type: 'text', data: { text: ' ' } });
    segments.push({ type: 'text', data: { text } });
    return this.postInGroup(userId, groupId, segments);
  }

  /** A person's group message: kept in the group's history and sent as an event. */
  private postInGroup(userId: string, groupId: string, segments: WireSegment[]): string {
    const member = this.group(groupId).members.get(userId);
    const messageId = this.newMessageId();
    const event = this.messageEvent('group', messageId, userId, segments, {
      group_id: this.id(groupId),
      sender: { user_id: this.id(userId), nickname: member?.nickname ?? userId, card: member?.card ?? '', role: member?.role ?? 'member' },
    });
    this.messages.set(messageId, event);
    this.remember(groupId, event);
    this.emit(event);
    return messageId;
  }

  /**
   * A group message that reaches the platform while no connection carries it (the bot was away):
   * in the group's history, never sent as an event.
   */
  sayUnseen(userId: string, groupId: string, text: string, options: { quoteId?: string } = {}): string {
    const member = this.group(groupId).members.get(userId);
    const segments: WireSegment[] = [];
    if (options.quoteId !== undefined) segments.push({ type: 'reply', data: { id: options.quoteId } });
    segments.push({ type: 'text', data: { text } });
    const messageId = this.newMessageId();
    const event = this.messageEvent('group', messageId, userId, segments, {
      group_id: this.id(groupId),
      sender: { user_id: this.id(userId), nickname: member?.nickname ?? userId, card: member?.card ?? '', role: member?.role ?? 'member' },
    });
    this.messages.set(messageId, event);
    this.remember(groupId, event);
    return messageId;
  }

  /** What an earlier life of this peer kept (its journal), back in place before any connection. */
  load(entries: readonly PeerJournalEntry[]): void {
    for (const e of entries) {
      if (e.kind === 'sent') {
        this.sent.push(e.sent);
        if (/^\d+$/u.test(e.sent.messageId)) this.nextId = Number(e.sent.messageId);
        continue;
      }
      this.remember(e.groupId, e.event, false);
      const id = String((e.event as { message_id?: unknown }).message_id ?? '');
      this.messages.set(id, e.event);
      if (/^\d+$/u.test(id)) this.nextId = Number(id);
    }
  }

  private remember(groupId: string, event: WireEvent, journal = true): void {
    if (journal) this.options.journal?.({ kind: 'group', groupId, event });
    let list = this.history.get(groupId);
    if (!list) this.history.set(groupId, (list = []));
    list.push(event);
    const limit = this.options.historyLimit ?? 10_000;
    if (list.length > limit) list.splice(0, list.length - limit);
  }

  /**
   * A person posts a picture (an image segment whose `url` serves its bytes) or uploads a file to the
   * group's files (the v11 `group_upload` notice; `get_group_file_url` then serves it). Privately, a
   * picture or a NapCat file segment. Returns the message id (none for a group upload).
   */
  sendFile(userId: string, chatId: string | 'private', file: PeerFileData): string | undefined {
    const url = `data:application/octet-stream;base64,${Buffer.from(file.data).toString('base64')}`;
    const segment: WireSegment =
      file.kind === 'image'
        ? { type: 'image', data: { file: `${file.name}`, url, file_size: String(file.data.byteLength) } }
        : { type: 'file', data: { file: file.name, file_id: `f${this.nextId + 1}`, file_size: String(file.data.byteLength), url } };
    if (chatId === 'private') {
      const messageId = this.newMessageId();
      const event = this.messageEvent('private', messageId, userId, [segment], { sub_type: 'friend', sender: { user_id: this.id(userId), nickname: this.anyMember(userId)?.nickname ?? userId } });
      this.messages.set(messageId, event);
      this.emit(event);
      return messageId;
    }
    if (file.kind === 'file') {
      const id = `file-${this.newMessageId()}`;
      this.groupFiles.set(`${chatId}/${id}`, file);
      this.emit({
        time: Math.floor(Date.now() / 1000),
        self_id: this.id(this.options.selfId),
        post_type: 'notice',
        notice_type: 'group_upload',
        group_id: this.id(chatId),
        user_id: this.id(userId),
        file: { id, name: file.name, size: file.data.byteLength, busid: 102 },
      } as unknown as WireEvent);
      return undefined;
    }
    return this.postInGroup(userId, chatId, [segment]);
  }

  sayPrivate(userId: string, text: string): string {
    const messageId = this.newMessageId();
    const nickname = this.anyMember(userId)?.nickname ?? userId;
    const event = this.messageEvent('private', messageId, userId, [{ type: 'text', data: { text } }], {
      sub_type: 'friend',
      sender: { user_id: this.id(userId), nickname },
    });
    this.messages.set(messageId, event);
    this.emit(event);
    return messageId;
  }

  join(groupId: string, member: PeerMember): void {
    this.addMember(groupId, member);
    this.emit(this.notice({ notice_type: 'group_increase', sub_type: 'approve', group_id: this.id(groupId), user_id: this.id(member.userId), operator_id: 0 }));
  }

  leave(groupId: string, userId: string): void {
    this.group(groupId).members.delete(userId);
    this.emit(this.notice({ notice_type: 'group_decrease', sub_type: 'leave', group_id: this.id(groupId), user_id: this.id(userId), operator_id: 0 }));
  }

  recall(messageId: string): void {
    const original = this.messages.get(messageId) as Record<string, unknown> | undefined;
    if (!original) throw new Error(`no message ${messageId}`);
    const common = { user_id: original.user_id, message_id: original.message_id };
    this.emit(
      original.message_type === 'group'
        ? this.notice({ notice_type: 'group_recall', group_id: original.group_id, operator_id: original.user_id, ...common })
        : this.notice({ notice_type: 'friend_recall', ...common }),
    );
  }

  /** The same event again, unchanged (a replay after a reconnect, a second connection). */
  redeliver(messageId: string): void {
    const original = this.messages.get(messageId);
    if (!original) throw new Error(`no message ${messageId}`);
    this.emit(original);
  }

  /** Sends any frame to every event connection (for odd payloads in tests). */
  emitRaw(frame: unknown): void {
    for (const [socket, info] of this.sockets) if (info.events) socket.send(JSON.stringify(frame));
  }

  // ---------------------------------------------------------------- connections

  /** Forward mode: serves WS on 127.0.0.1 (on `port`, else a free one); resolves with the address. */
  async listen(port = 0): Promise<string> {
    const server = new WebSocketServer({ host: '127.0.0.1', port, verifyClient: (info, done) => this.verifyForward(info.req, done) });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    server.on('connection', (socket, request) => this.acceptForward(socket, request));
    this.server = server;
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('peer has no address');
    return `ws://127.0.0.1:${address.port}/`;
  }

  /** Reverse mode: connects to the adapter's listener and keeps reconnecting, like NapCat. */
  connectTo(url: string): void {
    this.reverseUrl = url;
    this.dialReverse();
  }

  /** The link dies: sockets closed, and no connection is made or accepted until `restore`. */
  drop(): void {
    this.dropped = true;
    clearTimeout(this.reverseTimer);
    for (const socket of this.sockets.keys()) socket.terminate();
  }

  restore(): void {
    this.dropped = false;
    if (this.reverseUrl !== undefined && this.sockets.size === 0) this.dialReverse();
  }

  /** Heartbeats stop but sockets stay open: only the adapter's watchdog can notice. */
  pauseHeartbeats(): void {
    this.heartbeatsPaused = true;
  }

  resumeHeartbeats(): void {
    this.heartbeatsPaused = false;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dropped = true;
    clearTimeout(this.reverseTimer);
    for (const socket of this.sockets.keys()) socket.terminate();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private verifyForward(request: IncomingMessage, done: (ok: boolean, code?: number, message?: string) => void): void {
    this.attempts++;
    if (this.dropped) return done(false, 503, 'Service Unavailable');
    if (this.options.authStyle !== 'frame' && !this.tokenOk(request)) return done(false, 401, 'Unauthorized');
    done(true);
  }

  private acceptForward(socket: WebSocket, request: IncomingMessage): void {
    if (!this.tokenOk(request)) {
      socket.send(JSON.stringify({ status: 'failed', retcode: 1403, data: null, message: 'token验证失败', wording: 'token验证失败' }));
      socket.close();
      return;
    }
    this.attach(socket, true, true);
  }

  private tokenOk(request: IncomingMessage): boolean {
    const token = this.options.accessToken;
    if (token === undefined) return true;
    const query = new URL(request.url ?? '/', 'ws://x').searchParams.get('access_token');
    return request.headers.authorization === `Bearer ${token}` || query === token;
  }

  private dialReverse(): void {
    this.reverseTimer = undefined;
    const url = this.reverseUrl;
    if (url === undefined || this.dropped || this.closed) return;
    const roles: readonly ('Universal' | 'API' | 'Event')[] = this.options.roles === 'split' ? ['API', 'Event'] : ['Universal'];
    for (const role of roles) this.dialOne(url, role);
  }

  private dialOne(url: string, role: 'Universal' | 'API' | 'Event'): void {
    this.attempts++;
    const socket = new WebSocket(url, {
      headers: {
        'X-Self-ID': this.options.selfId,
        'X-Client-Role': role,
        'User-Agent': 'OneBot/11',
        // NapCat sends the header even with an empty token.
        Authorization: `Bearer ${this.options.accessToken ?? ''}`,
      },
    });
    socket.on('error', () => undefined);
    socket.once('open', () => this.attach(socket, role !== 'Event', role !== 'API'));
    socket.once('close', () => this.scheduleRedial());
  }

  private scheduleRedial(): void {
    if (this.dropped || this.closed || this.reverseTimer !== undefined || this.sockets.size > 0) return;
    this.reverseTimer = setTimeout(() => this.dialReverse(), this.options.reconnectMs ?? 50);
  }

  private attach(socket: WebSocket, api: boolean, events: boolean): void {
    this.connections++;
    const info: { events: boolean; heartbeat?: NodeJS.Timeout } = { events };
    this.sockets.set(socket, info);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(info.heartbeat);
      this.sockets.delete(socket);
      if (this.reverseUrl === undefined) return;
      // Split roles: losing one connection means reconnecting both, as the adapter drops the pair.
      for (const other of this.sockets.keys()) other.terminate();
      this.scheduleRedial();
    });
    if (api) socket.on('message', (data) => this.answer(socket, data));
    if (!events) return;
    socket.send(JSON.stringify(this.meta({ meta_event_type: 'lifecycle', sub_type: 'connect' })));
    const interval = this.options.heartbeatMs ?? 0;
    if (interval <= 0) return;
    const beat = (): void => {
      if (!this.heartbeatsPaused) socket.send(JSON.stringify(this.meta({ meta_event_type: 'heartbeat', status: { online: true, good: true }, interval })));
    };
    beat();
    info.heartbeat = setInterval(beat, interval);
  }

  // ---------------------------------------------------------------- calls

  /**
   * The implementation hangs (NapCat stuck): no heartbeat, no answer; what it is asked meanwhile it
   * carries out, all at once, on `thaw` — answering on the sockets still open.
   */
  freeze(): void {
    this.frozen = [];
    this.heartbeatsPaused = true;
  }

  thaw(): void {
    const queued = this.frozen ?? [];
    this.frozen = undefined;
    this.heartbeatsPaused = false;
    for (const { socket, data } of queued) this.answer(socket, data);
  }

  private answer(socket: WebSocket, data: RawData): void {
    if (this.frozen) {
      this.frozen.push({ socket, data });
      return;
    }
    const request = JSON.parse(String(data)) as { action: string; params?: Record<string, unknown>; echo?: unknown };
    this.calls.push(request.action);
    if (this.hung.has(request.action)) return;
    if (this.cut?.action === request.action && this.cut.when(request.params ?? {})) {
      const { posted } = this.cut;
      this.cut = undefined;
      if (posted) this.handle(request.action, request.params ?? {});
      this.drop();
      return;
    }
    const scripted = this.scripted.get(request.action);
    this.scripted.delete(request.action);
    const answer = scripted ?? this.handle(request.action, request.params ?? {});
    // Carried out either way; the answer reaches only a socket still open.
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ ...answer, echo: request.echo }));
  }

  private handle(action: string, params: Record<string, unknown>): Answer {
    switch (action) {
      case 'get_status':
        return OK({ online: true, good: true, stat: {} });
      case 'get_login_info':
        return OK({ user_id: this.id(this.options.selfId), nickname: this.options.nickname ?? 'bot' });
      case 'get_group_list':
        return OK([...this.groups].map(([id, g]) => ({ group_id: this.id(id), group_name: g.name, member_count: g.members.size, max_member_count: 500 })));
      case 'get_group_member_list':
        return this.memberList(String(params.group_id));
      case 'get_friend_list':
        return OK([...this.everyone()].map((m) => ({ user_id: this.id(m.userId), nickname: m.nickname, remark: '' })));
      case 'send_group_msg':
        return this.botSends('group', String(params.group_id), params);
      case 'send_private_msg':
        return this.botSends('private', String(params.user_id), params);
      case 'delete_msg':
        return this.deleteMessage(String(params.message_id));
      case 'get_group_msg_history':
        return this.options.historyApi === 'none' ? FAILED(1404, `不支持的API ${action}`) : this.groupHistory(params);
      case 'upload_group_file':
      case 'upload_private_file':
        return this.options.uploadApi === 'none' ? FAILED(1404, `不支持的API ${action}`) : this.upload(action === 'upload_group_file' ? 'group' : 'private', params);
      case 'get_group_file_url': {
        const file = this.groupFiles.get(`${String(params.group_id)}/${String(params.file_id)}`);
        return file ? OK({ url: `data:application/octet-stream;base64,${Buffer.from(file.data).toString('base64')}` }) : FAILED(1200, '文件不存在');
      }
      default:
        return FAILED(1404, `不支持的API ${action}`);
    }
  }

  private memberList(groupId: string): Answer {
    const group = this.groups.get(groupId);
    if (!group) return FAILED(1200, '群不存在');
    return OK(
      [...group.members.values()].map((m) => ({
        group_id: this.id(groupId),
        user_id: this.id(m.userId),
        nickname: m.nickname,
        card: m.card ?? '',
        role: m.role ?? 'member',
        join_time: 0,
        last_sent_time: 0,
      })),
    );
  }

  /**
   * NapCat's answer: no (or a zero) `message_seq` is the latest `count`; with one, that message and the
   * `count - 1` after it, or before it with `reverseOrder`/`reverse_order`; oldest first; an empty
   * answer is a failure ("消息不存在"), as NapCat gives it.
   */
  private groupHistory(params: Record<string, unknown>): Answer {
    const list = this.history.get(String(params.group_id)) ?? [];
    const count = Math.max(1, Number(params.count ?? 20) || 20);
    const seq = params.message_seq === undefined || params.message_seq === null ? '' : String(params.message_seq);
    const reverse = params.reverseOrder === true || params.reverse_order === true;
    let page: WireEvent[];
    if (seq === '' || seq === '0') page = list.slice(-count);
    else {
      const at = list.findIndex((e) => String((e as { message_id?: unknown }).message_id) === seq);
      page = at < 0 ? [] : reverse ? list.slice(Math.max(0, at - count + 1), at + 1) : list.slice(at, at + count);
    }
    if (page.length === 0) return FAILED(1200, `消息${seq}不存在`);
    return OK({ messages: page });
  }

  /** NapCat's `delete_msg` for the bot's own messages: refused once the recall time is over. */
  private deleteMessage(messageId: string): Answer {
    const sent = this.sent.find((m) => m.messageId === messageId);
    if (!sent || this.recalled.has(messageId)) return FAILED(1404, '消息不存在');
    if (Date.now() - sent.at > this.recallWindowMs) return FAILED(1200, '消息已超过撤回时限');
    this.recalled.add(messageId);
    return OK(null);
  }

  private botSends(chatType: 'group' | 'private', target: string, params: Record<string, unknown>): Answer {
    if (chatType === 'group' && !this.groups.has(target)) return FAILED(1200, '群不存在');
    const segments = Array.isArray(params.message) ? (params.message as WireSegment[]) : [];
    if (segments.length === 0) return FAILED(1400, 'message 不能为空');
    const messageId = this.newMessageId();
    const { text, mentions, quoteId } = this.read(segments, chatType === 'group' ? target : undefined);
    const files: PeerFileData[] = [];
    for (const s of segments) {
      if (s.type !== 'image') continue;
      const data = this.bytesOf(s.data.file);
      if (!data) return FAILED(1400, 'image file 无效');
      files.push({ kind: 'image', name: typeof s.data.name === 'string' ? s.data.name : 'image', data });
    }
    const record: PeerSent = {
      chatType,
      target,
      text,
      mentions,
      messageId,
      params,
      at: Date.now(),
      ...(quoteId === undefined ? {} : { quoteId }),
      ...(files.length > 0 ? { files } : {}),
    };
    this.sent.push(record);
    this.options.journal?.({ kind: 'sent', sent: record });
    if (chatType === 'group') {
      const own = this.messageEvent('group', messageId, this.options.selfId, segments, {
        group_id: this.id(target),
        sender: { user_id: this.id(this.options.selfId), nickname: this.options.nickname ?? 'bot' },
      });
      this.remember(target, { ...own, post_type: 'message_sent', message_sent_type: 'self' } as unknown as WireEvent);
    }
    this.reportSelf(chatType, target, messageId, segments);
    return OK({ message_id: this.options.stringIds ? messageId : Number(messageId) });
  }

  /** NapCat's uploads: the file by `base64://` or a path on this machine; the answer carries no message id. */
  private upload(chatType: 'group' | 'private', params: Record<string, unknown>): Answer {
    const target = String(chatType === 'group' ? params.group_id : params.user_id);
    if (chatType === 'group' && !this.groups.has(target)) return FAILED(1200, '群不存在');
    const data = this.bytesOf(params.file);
    if (!data) return FAILED(1400, 'file 无效');
    const name = typeof params.name === 'string' && params.name !== '' ? params.name : 'file';
    const record: PeerSent = { chatType, target, text: '', mentions: [], messageId: this.newMessageId(), params, at: Date.now(), files: [{ kind: 'file', name, data }] };
    this.sent.push(record);
    this.options.journal?.({ kind: 'sent', sent: record });
    return OK(null);
  }

  /** `base64://…` or a local path, as implementations take a file. */
  private bytesOf(file: unknown): Uint8Array | undefined {
    if (typeof file !== 'string' || file === '') return undefined;
    if (file.startsWith('base64://')) return Buffer.from(file.slice('base64://'.length), 'base64');
    try {
      return readFileSync(file.replace(/^file:\/\//u, ''));
    } catch {
      return undefined;
    }
  }

  private read(segments: readonly WireSegment[], groupId: string | undefined): { text: string; mentions: string[]; quoteId?: string } {
    let text = '';
    const mentions: string[] = [];
    let quoteId: string | undefined;
    for (const s of segments) {
      if (s.type === 'text') text += String(s.data.text);
      if (s.type === 'at') {
        mentions.push(String(s.data.qq));
        text += `@${groupId === undefined ? String(s.data.qq) : this.displayName(groupId, String(s.data.qq))}`;
      }
      if (s.type === 'reply') quoteId = String(s.data.id);
    }
    return { text, mentions, ...(quoteId === undefined ? {} : { quoteId }) };
  }

  private reportSelf(chatType: 'group' | 'private', target: string, messageId: string, segments: WireSegment[]): void {
    const mode = this.options.reportSelf ?? 'none';
    if (mode === 'none') return;
    const extra = chatType === 'group' ? { group_id: this.id(target) } : { target_id: this.id(target) };
    const event = this.messageEvent(chatType, messageId, this.options.selfId, segments, {
      ...extra,
      sender: { user_id: this.id(this.options.selfId), nickname: this.options.nickname ?? 'bot' },
    });
    this.emitRaw(mode === 'message_sent' ? { ...event, post_type: 'message_sent' } : event);
  }

  // ---------------------------------------------------------------- frames

  private emit(event: WireEvent): void {
    this.emitRaw(event);
  }

  private messageEvent(
    type: 'group' | 'private',
    messageId: string,
    userId: string,
    segments: readonly WireSegment[],
    extra: Record<string, unknown>,
  ): WireEvent {
    const cq = segments.map(toCq).join('');
    return {
      time: Math.floor(Date.now() / 1000),
      self_id: this.id(this.options.selfId),
      post_type: 'message',
      message_type: type,
      sub_type: 'normal',
      message_id: this.id(messageId),
      user_id: this.id(userId),
      message: this.options.messageFormat === 'string' ? cq : segments,
      raw_message: cq,
      font: 14,
      ...extra,
    } as WireEvent;
  }

  private notice(fields: Record<string, unknown>): WireEvent {
    return { time: Math.floor(Date.now() / 1000), self_id: this.id(this.options.selfId), post_type: 'notice', ...fields } as WireEvent;
  }

  private meta(fields: Record<string, unknown>): WireEvent {
    return { time: Math.floor(Date.now() / 1000), self_id: this.id(this.options.selfId), post_type: 'meta_event', ...fields } as WireEvent;
  }

  private id(value: string): WireId {
    return this.options.stringIds || !/^\d+$/.test(value) ? value : Number(value);
  }

  /** Positive int32, as NapCat's message ids are. */
  private newMessageId(): string {
    this.nextId = (this.nextId * 7 + 13) % 2_147_483_647;
    return String(this.nextId);
  }

  private group(groupId: string): PeerGroup {
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`no group ${groupId}`);
    return group;
  }

  private anyMember(userId: string): PeerMember | undefined {
    for (const group of this.groups.values()) {
      const member = group.members.get(userId);
      if (member) return member;
    }
    return undefined;
  }

  private *everyone(): Iterable<PeerMember> {
    const seen = new Set<string>();
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) {
        if (seen.has(member.userId)) continue;
        seen.add(member.userId);
        yield member;
      }
    }
  }
}

/** One segment in CQ form (the peer's own encoder, independent of the adapter's codec). */
function toCq(segment: WireSegment): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/\[/g, '&#91;').replace(/\]/g, '&#93;');
  if (segment.type === 'text') return esc(String(segment.data.text));
  const params = Object.entries(segment.data).map(([k, v]) => `,${k}=${esc(String(v)).replace(/,/g, '&#44;')}`);
  return `[CQ:${segment.type}${params.join('')}]`;
}
