/**
 * How a capability plugs into Cascade (Koishi's plugin-per-feature, Fastify's register and hooks,
 * grammY's Context). A feature lives in `src/features/<name>/` and declares, in one object, its chat
 * commands, its job kinds, what it handles of the inbound stream, the services it provides and needs,
 * and its start and stop hooks. `buildApp` only composes features; it holds no business logic.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CascadeConfig } from '../config/schema.js';
import type { CommandError, ParseEnv } from '../domain/commands.js';
import type { Directive, Scope } from '../domain/directive.js';
import type { ClassUnit, College, Group, Person } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import type { ChatAdapter, InboundEvent, InboundMessage, MemberEvent, RecallEvent } from '../platform/port.js';
import { GiveUp, type JobQueues } from '../queue/job-queues.js';
import type { Repos } from '../store/repos.js';
import type { FileStore } from '../store/file-store.js';
import type { AccountGuard } from './account-guard.js';
import type { Outbox } from './outbox.js';
import type { ResolvingAdapter } from './session-ids.js';
import type { UnitOfWork, Work } from './unit-of-work.js';

/** A typed name for a service one feature provides and others use. */
export interface ServiceKey<T> {
  readonly name: string;
  /** Never set: carries the service's type. */
  readonly type?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

/** How a message finds the directive it answers (the directives feature provides it; the core asks). */
export const ANSWERED_DIRECTIVE = serviceKey<(ctx: MessageContext) => Directive | undefined>('answered-directive');

/** Everything a feature may use. Built once by buildApp; nothing here connects or listens. */
export interface AppContext {
  readonly config: CascadeConfig;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly logger: Logger;
  /** The org as the store holds it now (rebuilt after an import or a binding). */
  org(): OrgIndex;
  /** Rebuilds the org from the store (after the transaction that changed it has committed). */
  reloadOrg(): void;
  /** Transactions: a body's reads and writes commit together; its sends are queued after. */
  readonly store: UnitOfWork;
  readonly repos: Repos;
  /** The bytes of attachments, under the data directory. */
  readonly files: FileStore;
  /** The only way anything reaches a platform (plan, queue, send once). */
  readonly outbox: Outbox;
  readonly queues: JobQueues;
  /** Every bot account's adapter, by account id (WeChat accounts behind their ResolvingAdapter). */
  readonly adapters: ReadonlyMap<string, ChatAdapter>;
  /** The adapters of accounts whose ids change at each login, by account id. */
  readonly sessions: ReadonlyMap<string, ResolvingAdapter>;
  /** The bots' own platform user ids (asked live: a WeChat id changes at each login). */
  readonly botIds: Pick<ReadonlySet<string>, 'has'>;
  /** The accounts' circuit breakers. */
  readonly guard: AccountGuard;
  /** Connected, logged in and not paused by its circuit breaker. */
  usable(accountId: string): boolean;
  /**
   * A failure no job retry covers (a chase round put off, a continuation after the commit): logged
   * under a new error number and kept for `cascade status`. Returns the number (for an apology).
   */
  failed(where: string, ref: string, error: unknown, message?: string): string;
  /** What `cascade status` reports of the service itself. */
  health(): Health;
  /**
   * Feeds an event the adapter did not deliver live (read back from the platform's history) through
   * the normal path: bounded, queued, deduplicated with what did arrive.
   */
  ingest(event: InboundEvent): void;
  /** Registers a service under its key (a feature's `setup`). Throws if the key is taken. */
  provide<T>(key: ServiceKey<T>, service: T): void;
  /** A service some feature provides; throws naming the key when none does (declare it in `needs`). */
  get<T>(key: ServiceKey<T>): T;
  /** A service that may be absent (an optional collaboration). */
  find<T>(key: ServiceKey<T>): T | undefined;
}

/** The service's own state: whether Redis answers, and the inbound events held meanwhile. */
export interface Health {
  readonly redisReachable: boolean;
  /** Since when Redis has been unreachable; null while it answers. */
  readonly redisDownSince: number | null;
  /** Inbound events Redis has not taken yet. */
  readonly inboundHeld: number;
}

/** Where a message was sent: a level's group, a college's extra group (dorm, cadre …), privately, or a group the roster does not list. */
export type Place = 'L1' | 'L2' | 'L3' | 'L4' | 'extra' | 'private' | 'unlisted';
export const PLACES: readonly Place[] = ['L1', 'L2', 'L3', 'L4', 'extra', 'private', 'unlisted'];
/** Every place: a command usable wherever the asker is. */
export const ANYWHERE = PLACES;

export function placeOf(chatType: 'group' | 'private', group: Group | undefined): Place {
  if (chatType === 'private') return 'private';
  if (!group) return 'unlisted';
  return group.level === 0 ? 'extra' : (`L${group.level}` as const);
}

/** Who is asking: what guards and usage lines look at. */
export interface Viewer {
  readonly org: OrgIndex;
  /** The roster person of the sending account; undefined for an account the roster does not know. */
  readonly person: Person | undefined;
  /** Whose progress and review items they may see. */
  readonly scope: Scope;
  /** Holds a staff role (team, deputy secretary, college leader, counselor). */
  readonly staff: boolean;
}

/** Who may use a command. Runs before anything the person wrote is read. */
export interface Guard {
  readonly name: string;
  allows(who: Viewer): boolean;
  /** The answer to someone it refuses: short, and never quoting what they wrote. */
  readonly refusal: string;
}

/** What the bot answers a query with: a part fit for the group, and details (names) for the asker only. */
export interface Answer {
  readonly public: string;
  readonly private: string | null;
}

/** One inbound message being handled: who, where, and how to answer (grammY's Context). */
export interface MessageContext {
  readonly app: AppContext;
  /** The stored inbound message's id (answers are keyed by it: a redelivery answers once). */
  readonly inboundId: number;
  readonly ev: InboundMessage;
  readonly org: OrgIndex;
  readonly person: Person | undefined;
  readonly group: Group | undefined;
  /** The group's college and class, where it has them. */
  readonly college: College | undefined;
  readonly klass: ClassUnit | undefined;
  readonly place: Place;
  readonly viewer: Viewer;
  readonly now: number;
  /** The directive the message answers: the one it quotes, else the newest its group has open (read once, on first ask). */
  directive(): Directive | undefined;
  /** The transaction the message is handled in. */
  readonly work: Work;
  /** Answers where the message came from (in a group: @-mentioning the sender). */
  reply(text: string): void;
  replyInGroup(text: string): void;
  replyPrivately(text: string): void;
  /**
   * Sends the asker a stored file privately (`attachments.id`, e.g. an export); where their chat cannot
   * take a file, `instead` is sent.
   */
  sendFilePrivately(attachmentId: number, instead: string): void;
  /** In a group the public part goes to the group and the details privately; in private, both privately. */
  answer(answer: Answer): void;
  /** A refusal: never quotes the message, and people without command rights get few of them. */
  refuse(text: string): void;
  /** The roster changed (a binding): the org is rebuilt once this transaction has committed. */
  orgChanged(): void;
  /** Runs after the commit with a context for a new transaction (work that reads a platform, e.g. `/核对`). */
  later(run: (next: LaterContext) => Promise<void>): void;
}

/** After the commit: the same message, answered in a transaction of its own. */
export interface LaterContext {
  readonly ctx: MessageContext;
  /** Runs a body whose answers continue the message's numbering. */
  transaction(body: (ctx: MessageContext) => void): Promise<void>;
}

/** A chat command as a feature declares it. */
export interface CommandSpec<A> {
  /** Unique: names the command in logs, tests and the help. */
  readonly name: string;
  /** The words that call it (`通知`, `发布` …); each word belongs to one command. */
  readonly words: readonly string[];
  /** A number may follow the word without a space (`/未回复12`). */
  readonly digitsFollow?: boolean;
  /** Only after `/` or `#`: after @机器人 the bare word is a reply (`@机器人 确认` acknowledges). */
  readonly prefixOnly?: boolean;
  /** It carries a text to post: its length cap is `commands.noticeMaxChars`, not `commands.maxChars`. */
  readonly longText?: boolean;
  /** Where it may be used. */
  readonly where: readonly Place[];
  /** The answer when someone it allows uses it elsewhere. */
  readonly wrongPlace?: string;
  readonly guard: Guard;
  /** Overrides the guard's refusal for this command. */
  readonly refusal?: string;
  /** Its line(s) in `/帮助` for this person; null: nothing to show them. */
  readonly usage: (who: Viewer) => string | null;
  /** The answer when the arguments cannot be read (default: a generic hint to `/帮助`). */
  readonly explain?: (error: CommandError) => string;
  /** Reads the arguments: pure, bounded, linear in their length. */
  readonly parse: (rest: string, env: ParseEnv) => A | CommandError;
  /** Does it, inside the message's transaction. */
  readonly handle: (ctx: MessageContext, args: A) => void;
}

/** A command with its argument type hidden (what the registry holds). */
export interface Command {
  readonly name: string;
  readonly words: readonly string[];
  readonly digitsFollow: boolean;
  readonly prefixOnly: boolean;
  readonly longText: boolean;
  readonly where: readonly Place[];
  readonly wrongPlace: string | undefined;
  readonly guard: Guard;
  readonly refusal: string;
  readonly usage: (who: Viewer) => string | null;
  readonly explain: ((error: CommandError) => string) | undefined;
  /** Parses the arguments; what to run with them, or why they cannot be read. */
  bind(rest: string, env: ParseEnv): BoundCommand | CommandError;
}

export interface BoundCommand {
  readonly args: unknown;
  run(ctx: MessageContext): void;
}

export function defineCommand<A>(spec: CommandSpec<A>): Command {
  return {
    name: spec.name,
    words: spec.words,
    digitsFollow: spec.digitsFollow ?? false,
    prefixOnly: spec.prefixOnly ?? false,
    longText: spec.longText ?? false,
    where: spec.where,
    wrongPlace: spec.wrongPlace,
    guard: spec.guard,
    refusal: spec.refusal ?? spec.guard.refusal,
    usage: spec.usage,
    explain: spec.explain,
    bind(rest, env) {
      const args = spec.parse(rest, env);
      if (isError(args)) return args;
      return { args, run: (ctx) => spec.handle(ctx, args) };
    },
  };
}

function isError(x: unknown): x is CommandError {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'error' && 'code' in x;
}

/** How a job kind runs (one handler per name, checked at start). */
export interface JobSpec<D> {
  readonly name: string;
  /** Parallel jobs of this kind. */
  readonly concurrency: number;
  /** Checks the data's shape (it arrives from Redis as JSON) before the handler sees it. */
  accepts(data: unknown): data is D;
  /** The job's due time on the app's clock, kept in its data (drills move a virtual clock to it). */
  dueAt?(data: D): number;
  handle(data: D, job: JobContext): Promise<void | JobPause>;
}

/** A job being run: the app, and the run's place in its queue (for logs and for handlers that decide by attempt). */
export interface JobContext {
  readonly app: AppContext;
  readonly queue: string;
  readonly id: string;
  readonly attemptsMade: number;
  readonly maxAttempts: number;
}

/** "Not now, and it was not an attempt": the job waits this long without spending a retry. */
export interface JobPause {
  readonly pauseMs: number;
}

/** A job kind with its data type hidden (what the app holds). */
export interface Job {
  readonly name: string;
  readonly concurrency: number;
  dueAt(data: unknown): number | null;
  handle(data: unknown, job: JobContext): Promise<void | JobPause>;
}

export function defineJob<D>(spec: JobSpec<D>): Job {
  return {
    name: spec.name,
    concurrency: spec.concurrency,
    dueAt: (data) => (spec.dueAt && spec.accepts(data) ? spec.dueAt(data) : null),
    async handle(data, job) {
      // Retrying cannot fix the data: recorded at once, not tried again.
      if (!spec.accepts(data)) throw new GiveUp(`job ${spec.name} got data of the wrong shape`);
      return spec.handle(data, job);
    },
  };
}

/** A platform event other than a message, handled inside its transaction. */
export interface EventContext {
  readonly app: AppContext;
  readonly work: Work;
}

/** What a feature handles of the inbound stream besides commands. Each runs inside the event's transaction. */
export interface InboundHandlers {
  /** A group message that is not a command, from a group the roster lists. */
  groupMessage?(ctx: MessageContext): void;
  /** A private message that is not a command; true when the feature answered it (the usual hint is then not sent). */
  privateMessage?(ctx: MessageContext): boolean;
  recall?(ev: RecallEvent, ctx: EventContext): void;
  memberJoin?(ev: MemberEvent, ctx: EventContext): void;
  memberLeave?(ev: MemberEvent, ctx: EventContext): void;
}

export interface Feature {
  readonly name: string;
  /** Services it uses; the app refuses to start, naming the feature, when no feature provides one. */
  readonly needs?: readonly ServiceKey<unknown>[];
  /** Services its `setup` registers. */
  readonly provides?: readonly ServiceKey<unknown>[];
  /** Creates its services (no IO, nothing connects). Runs once, after the setup of every feature it needs. */
  setup?(app: AppContext): void;
  readonly commands?: readonly Command[];
  readonly jobs?: readonly Job[];
  readonly inbound?: InboundHandlers;
  /** Before any job or event is handled: load state kept in the store. */
  onStart?(app: AppContext): Promise<void>;
  /** Once workers run, before adapters connect: recover what a crash left, schedule, start timers. */
  onReady?(app: AppContext): Promise<void>;
  /** Once every adapter has been started (connected, or retrying on its own): first snapshots of their state. */
  onConnected?(app: AppContext): Promise<void>;
  /**
   * A bot account logged in (again): `offlineSince` when it had been away in this run. Whatever the
   * platform did not carry meanwhile may be read back (`app.ingest`).
   */
  onLogin?(app: AppContext, login: { readonly accountId: string; readonly offlineSince?: number }): Promise<void>;
  /** Redis is back after an outage (its last second may be lost): re-make the jobs and timers it held. */
  onResume?(app: AppContext): Promise<void>;
  /** Before workers stop (clear timers). */
  onClose?(app: AppContext): Promise<void>;
}
