/**
 * OneBot v11 over WebSocket, both topologies: forward (Cascade connects, reconnects with back-off)
 * and reverse (the implementation connects to Cascade and reconnects on its own). Both give
 * echo-correlated calls with a timeout and declare a link dead when it falls silent.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { PlatformUnavailableError } from '../../src/platform/port.js';
import { parseFrame } from './codec.js';
import { parseListen, type OneBotOptions } from './options.js';
import { RETCODE, type WireEvent, type WireResponse } from './wire.js';

/** NapCat's default heartbeat interval: assumed until the implementation announces its own. */
export const DEFAULT_HEARTBEAT_MS = 30_000;
export const DEFAULT_HEARTBEAT_GRACE_MS = 5_000;
/**
 * The largest frame accepted (ws closes the link on a larger one): far above any real QQ message,
 * and low enough that one frame cannot take the process's memory.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** A graceful close that gets no answer is cut after this long. */
const CLOSE_WAIT_MS = 1_000;

/** A call written on the link and not answered in time: `lateAnswer` resolves should the answer still come on that link. */
export class CallTimedOut extends PlatformUnavailableError {
  constructor(
    message: string,
    readonly lateAnswer: Promise<WireResponse | undefined>,
  ) {
    super(message, false);
  }
}

export const AUTH_FAILED = 'auth failed';
export const HEARTBEAT_LOST = 'heartbeat lost';

export interface TransportListener {
  /** Every event frame, meta events included, in arrival order. */
  event(event: WireEvent): void;
  /** A link that takes calls is up; `selfIdHint` is the reverse connection's X-Self-ID. */
  up(selfIdHint: string | undefined): void;
  /** The link that took calls is gone; `reason` is short English (`heartbeat lost`, `auth failed`). */
  down(reason: string): void;
  /** A frame could not be handled; it is dropped and the link goes on. */
  badFrame?(error: unknown): void;
  /** Reverse mode: a connection was turned away at the upgrade (a wrong token, another account). */
  refused(reason: string): void;
}

export interface OneBotTransport {
  /** Forward: starts connecting (does not wait). Reverse: resolves once listening; rejects if it cannot. */
  start(): Promise<void>;
  /** Closes every socket and server and clears every timer. */
  stop(): Promise<void>;
  /** Rejects with PlatformUnavailableError when there is no link, on timeout and when the link closes. */
  call(action: string, params: Readonly<Record<string, unknown>>): Promise<WireResponse>;
  /** Drops the current link (e.g. its login failed) so a fresh one is made. */
  recycle(reason: string): void;
  /** When the last frame of any kind arrived, epoch ms. */
  readonly lastFrameAt: number | undefined;
}

interface LinkOptions {
  readonly callTimeoutMs: number;
  readonly heartbeatGraceMs: number;
  /** A frame that could not be handled (malformed); the link goes on. */
  readonly onBadFrame?: (error: unknown) => void;
}

interface LinkListener {
  frame(at: number): void;
  event(event: WireEvent): void;
  closed(link: Link, reason: string): void;
}

type Role = 'Universal' | 'API' | 'Event';

interface PendingCall {
  readonly action: string;
  readonly resolve: (response: WireResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** Set once ws has handed the frame to the OS: only before that is "not sent" certain. */
  written: boolean;
  /** Timed out after it was written: an answer that still comes on this link settles it here (undefined: the link closed first). */
  late?: (response: WireResponse | undefined) => void;
}

/** One WebSocket: its pending calls and its liveness watchdog. */
class Link {
  private readonly pending = new Map<string, PendingCall>();
  private watchdog: NodeJS.Timeout | undefined;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private closeReason: string | undefined;
  private seq = 0;
  private readonly closedPromise: Promise<void>;
  /** The implementation answered a call: the link worked, whatever happens to it later. */
  answered = false;
  /** When this link last carried a frame (heartbeats included). */
  private lastFrameAt: number | undefined;

  constructor(
    private readonly socket: WebSocket,
    readonly role: Role,
    private readonly options: LinkOptions,
    private readonly listener: LinkListener,
  ) {
    // Attached at creation: the implementation sends `lifecycle connect` right after the upgrade.
    socket.on('message', (data) => this.receive(data));
    socket.on('error', () => undefined); // 'close' follows; its reason is what matters
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve(this.closed())));
    // Watched from the first heartbeat on (API-only links carry none; an implementation may have them off).
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Whether its heartbeats show the link alive (true), stopped (false), or cannot tell (none seen yet). */
  heartbeatAlive(): boolean | undefined {
    if (!this.open) return false;
    if (this.watchdog === undefined || this.lastFrameAt === undefined) return undefined;
    return Date.now() - this.lastFrameAt <= this.heartbeatMs + this.options.heartbeatGraceMs;
  }

  call(action: string, params: Readonly<Record<string, unknown>>): Promise<WireResponse> {
    if (!this.open) return Promise.reject(new PlatformUnavailableError('not connected', true));
    // A link that missed its heartbeat may be frozen: a call written now would only run, in a burst with
    // others, when it thaws. Nothing is written; the link is made again.
    if (this.watchdog !== undefined && this.lastFrameAt !== undefined && Date.now() - this.lastFrameAt > this.heartbeatMs + this.options.heartbeatGraceMs) {
      void this.close(HEARTBEAT_LOST);
      return Promise.reject(new PlatformUnavailableError('the link missed its heartbeat', true));
    }
    const echo = `c${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.expire(echo), this.options.callTimeoutMs);
      const call: PendingCall = { action, resolve, reject, timer, written: false };
      this.pending.set(echo, call);
      this.socket.send(JSON.stringify({ action, params, echo }), (error) => {
        if (!error) call.written = true;
      });
    });
  }

  /** Closes the link; `graceful` sends a close frame first (stop), otherwise the socket is cut (dead link). */
  close(reason: string, graceful = false): Promise<void> {
    this.closeReason ??= reason;
    if (graceful && this.open) {
      this.socket.close(1000);
      const cut = setTimeout(() => this.socket.terminate(), CLOSE_WAIT_MS);
      void this.closedPromise.then(() => clearTimeout(cut));
    } else {
      this.socket.terminate();
    }
    return this.closedPromise;
  }

  /** Marks an auth refusal seen before the socket closes (HTTP 401/403, NapCat's 1403 frame). */
  refused(reason: string): void {
    this.closeReason ??= reason;
  }

  private receive(data: RawData): void {
    // One odd frame must not take the process (and every other account) down.
    try {
      const now = Date.now();
      this.lastFrameAt = now;
      this.watchdog?.refresh();
      this.listener.frame(now);
      const frame = parseFrame(rawText(data));
      if (!frame) return;
      if (frame.kind === 'response') return this.settle(frame.response);
      if (frame.event.post_type === 'meta_event' && 'meta_event_type' in frame.event && frame.event.meta_event_type === 'heartbeat') {
        this.learnInterval('interval' in frame.event ? frame.event.interval : undefined);
      }
      this.listener.event(frame.event);
    } catch (error) {
      this.options.onBadFrame?.(error);
    }
  }

  private settle(response: WireResponse): void {
    const echo = typeof response.echo === 'string' ? response.echo : undefined;
    const call = echo === undefined ? undefined : this.pending.get(echo);
    // An auth refusal is a frame of its own (NapCat's 1403 before it closes), not the answer to a call.
    if (echo === undefined && (response.retcode === RETCODE.forbidden || response.retcode === RETCODE.unauthorized)) this.refused(AUTH_FAILED);
    if (!call || echo === undefined) return;
    this.pending.delete(echo);
    clearTimeout(call.timer);
    if (call.late) {
      // It had timed out: its answer settles the send after all.
      call.late(response);
      return;
    }
    // Only a successful answer shows the link works (a failing login must not reset the back-off).
    if (response.retcode === 0) this.answered = true;
    call.resolve(response);
  }

  private expire(echo: string): void {
    const call = this.pending.get(echo);
    if (!call || call.late) return;
    if (!call.written) {
      // Not even written yet: the frame is still buffered and would go out later. Cutting the link drops
      // it, so the call certainly did not reach the implementation.
      this.pending.delete(echo);
      void this.close('a call could not be written in time');
      call.reject(new PlatformUnavailableError(`${call.action} timed out after ${this.options.callTimeoutMs} ms`, true));
      return;
    }
    // Written: the implementation may still answer on this link. It stays pending for that.
    const late = new Promise<WireResponse | undefined>((resolve) => (call.late = resolve));
    call.reject(new CallTimedOut(`${call.action} timed out after ${this.options.callTimeoutMs} ms`, late));
  }

  /** A heartbeat: the watch starts with the first one, and follows its interval. */
  private learnInterval(interval: unknown): void {
    const known = typeof interval === 'number' && interval > 0 ? interval : this.heartbeatMs;
    if (this.watchdog !== undefined && known === this.heartbeatMs) return;
    this.heartbeatMs = known;
    this.arm();
  }

  /** No frame for two heartbeats plus the grace: the link is dead even if TCP has not noticed. */
  private arm(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => void this.close(HEARTBEAT_LOST), 2 * this.heartbeatMs + this.options.heartbeatGraceMs);
  }

  private closed(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    const reason = this.closeReason ?? 'connection closed';
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      if (call.late) call.late(undefined);
      else call.reject(new PlatformUnavailableError(`${call.action}: ${reason}`, !call.written));
    }
    this.pending.clear();
    this.listener.closed(this, reason);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function linkOptions(options: OneBotOptions, listener: TransportListener): LinkOptions {
  return {
    callTimeoutMs: options.callTimeoutMs,
    heartbeatGraceMs: options.heartbeatGraceMs ?? DEFAULT_HEARTBEAT_GRACE_MS,
    onBadFrame: (error) => listener.badFrame?.(error),
  };
}

/** Shared by both topologies: frame bookkeeping and calls on the current API link. */
abstract class BaseTransport implements OneBotTransport {
  lastFrameAt: number | undefined;
  protected abstract apiLink(): Link | undefined;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  constructor(protected readonly listener: TransportListener) {}

  call(action: string, params: Readonly<Record<string, unknown>>): Promise<WireResponse> {
    const link = this.apiLink();
    if (!link?.open) return Promise.reject(new PlatformUnavailableError('not connected', true));
    return link.call(action, params);
  }

  recycle(reason: string): void {
    void this.apiLink()?.close(reason);
  }

  protected linkListener(): LinkListener {
    return {
      frame: (at) => {
        this.lastFrameAt = at;
      },
      event: (event) => this.listener.event(event),
      closed: (link, reason) => this.linkClosed(link, reason),
    };
  }

  protected abstract linkClosed(link: Link, reason: string): void;
}

// ---------------------------------------------------------------- forward

export class ForwardTransport extends BaseTransport {
  private link: Link | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly options: OneBotOptions & { readonly url: string },
    listener: TransportListener,
  ) {
    super(listener);
  }

  protected apiLink(): Link | undefined {
    return this.link;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.link?.close('stopped', true);
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    const headers: Record<string, string> = this.options.accessToken ? { Authorization: `Bearer ${this.options.accessToken}` } : {};
    const socket = new WebSocket(this.options.url, { headers, handshakeTimeout: this.options.callTimeoutMs, maxPayload: MAX_FRAME_BYTES });
    const link = new Link(socket, 'Universal', linkOptions(this.options, this.listener), this.linkListener());
    this.link = link;
    socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      link.refused(status === 401 || status === 403 ? AUTH_FAILED : `refused with HTTP ${status}`);
      socket.terminate();
    });
    socket.once('open', () => this.listener.up(undefined));
  }

  protected linkClosed(link: Link, reason: string): void {
    if (link !== this.link) return;
    this.link = undefined;
    this.listener.down(reason);
    if (this.stopped) return;
    // A link that answered calls was healthy: the back-off starts afresh.
    if (link.answered) this.failures = 0;
    const delay = reconnectDelay(this.options.reconnect, this.failures++, reason === AUTH_FAILED);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}

/**
 * Doubling from minMs, capped at maxMs, with jitter so many accounts do not reconnect in step.
 * An auth failure waits the longest: a wrong token does not fix itself, and a fast loop looks like an attack.
 */
export function reconnectDelay(bounds: { minMs: number; maxMs: number }, failures: number, authFailed: boolean, random = Math.random): number {
  const base = authFailed ? bounds.maxMs : Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(failures, 30));
  return Math.round(base * (0.5 + random() / 2));
}

// ---------------------------------------------------------------- reverse

export class ReverseTransport extends BaseTransport {
  private server: WebSocketServer | undefined;
  private api: Link | undefined;
  private events: Link | undefined;

  constructor(
    private readonly options: OneBotOptions & { readonly listen: string },
    listener: TransportListener,
    /** The bot's id once known: a connection announcing another account is refused. */
    private readonly knownSelfId: () => string | undefined,
  ) {
    super(listener);
  }

  protected apiLink(): Link | undefined {
    return this.api;
  }

  async start(): Promise<void> {
    const { host, port } = parseListen(this.options.listen);
    const server = new WebSocketServer({ host, port, maxPayload: MAX_FRAME_BYTES, verifyClient: (info, done) => this.verify(info.req, done) });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (error) => reject(new Error(`cannot listen on ${this.options.listen}: ${error.message}`)));
    });
    server.on('error', () => undefined); // after listening, errors surface on the sockets
    server.on('connection', (socket, request) => this.accept(socket, request));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const links = [this.api, this.events];
    this.api = this.events = undefined;
    await Promise.all(links.map((link) => link?.close('stopped', true)));
    if (!server) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private verify(request: IncomingMessage, done: (ok: boolean, code?: number, message?: string) => void): void {
    const token = this.options.accessToken;
    const given = presentedToken(request);
    if (token !== undefined && (given === undefined || !sameToken(given, token))) {
      this.listener.refused(AUTH_FAILED);
      // The spec: 401 when no token came, 403 when a wrong one did.
      done(false, given === undefined ? 401 : 403, 'Unauthorized');
      return;
    }
    // A WebSocket from a web page carries its Origin: an implementation never does.
    if (headerValue(request, 'origin') !== undefined) {
      this.listener.refused('a connection from a web page (Origin header) refused');
      done(false, 403, 'Forbidden');
      return;
    }
    const self = headerValue(request, 'x-self-id');
    const known = this.knownSelfId();
    if (self !== undefined && known !== undefined && known !== '' && self !== known) {
      this.listener.refused('connection from another account refused');
      done(false, 403, 'Wrong account');
      return;
    }
    // A second connection while the first is alive by its heartbeats is not the implementation reconnecting.
    const role = clientRole(request);
    const current = role === 'Event' ? this.events : this.api;
    if (current?.heartbeatAlive() === true) {
      this.listener.refused('a second connection for this account refused while the first is alive');
      done(false, 409, 'Already connected');
      return;
    }
    done(true);
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const role = clientRole(request);
    const link = new Link(socket, role, linkOptions(this.options, this.listener), this.linkListener());
    // A newer connection replaces an older one: the implementation reconnected before we noticed.
    const stale = [role !== 'Event' ? this.api : undefined, role !== 'API' ? this.events : undefined];
    if (role !== 'Event') this.api = link;
    if (role !== 'API') this.events = link;
    for (const old of new Set(stale)) {
      if (old && old !== this.api && old !== this.events) void old.close('replaced by a new connection');
    }
    if (role !== 'Event') this.listener.up(headerValue(request, 'x-self-id'));
  }

  /** API and Event links of one implementation go together: losing either drops both, and it reconnects both. */
  protected linkClosed(link: Link, reason: string): void {
    if (link !== this.api && link !== this.events) return;
    const other = link === this.api ? this.events : this.api;
    this.api = this.events = undefined;
    if (other && other !== link) void other.close(reason);
    this.listener.down(reason);
  }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function clientRole(request: IncomingMessage): Role {
  const role = headerValue(request, 'x-client-role')?.toLowerCase();
  if (role === 'api') return 'API';
  if (role === 'event') return 'Event';
  return 'Universal';
}

/** `Authorization: Bearer <t>` or `Token <t>`, else `?access_token=<t>`. */
function presentedToken(request: IncomingMessage): string | undefined {
  const header = headerValue(request, 'authorization');
  const match = header === undefined ? null : /^(?:Bearer|Token)\s+(.+)$/i.exec(header);
  if (match?.[1]) return match[1].trim();
  const query = new URL(request.url ?? '/', 'ws://localhost').searchParams.get('access_token');
  return query === null || query === '' ? undefined : query;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createTransport(options: OneBotOptions, listener: TransportListener, knownSelfId: () => string | undefined): OneBotTransport {
  if (options.mode === 'forward') {
    if (options.url === undefined) throw new Error('onebot forward mode needs url');
    return new ForwardTransport({ ...options, url: options.url }, listener);
  }
  if (options.listen === undefined) throw new Error('onebot reverse mode needs listen');
  return new ReverseTransport({ ...options, listen: options.listen }, listener, knownSelfId);
}
