import type { Clock } from '../../clock.js';
import type { Directive, ObligationLevel } from '../../domain/directive.js';
import { releasesAfterAck, targetGroups } from '../../domain/directive.js';
import { formatTime } from '../../domain/duration.js';
import type { Group, Person, PlatformGroup } from '../../domain/org.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { zhDirective, zhFiles } from './texts.js';
import type { DirectiveRepo } from '../../store/directive-repo.js';
import { deliveryKey } from '../../store/keys.js';
import type { PlannedDelivery } from '../../store/ledger-repo.js';
import type { SendItem } from '../../queue/job-queues.js';
import type { Outbox } from '../../app/outbox.js';
import type { UnitOfWork } from '../../app/unit-of-work.js';
import type { Attachment } from '../../store/attachment-repo.js';

export interface RelayDeps {
  readonly org: () => OrgIndex;
  readonly directives: DirectiveRepo;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly replyWindowMs: number;
  /** Whether this process has an adapter for the bot account. */
  readonly canSend: (accountId: string) => boolean;
  /** The running transaction: the routing table forgets what it rolls back. */
  readonly uow: UnitOfWork;
  /** A directive's files whose bytes are stored, in the order given (issue #15). */
  readonly attachments: (directiveId: number) => readonly Attachment[];
  /** The groups a directive's post was planned into so far (by group id). */
  readonly postedGroups: (directiveId: number) => readonly number[];
}

/**
 * Relays directives into groups and keeps the routing table: which open directives each group has
 * received, newest first, so a reply in a group finds the directive it answers.
 */
export class Relay {
  private readonly byGroup = new Map<number, number[]>();
  private readonly cache = new Map<number, Directive>();

  private readonly releaseListeners: ((d: Directive, groups: readonly Group[]) => void)[] = [];

  constructor(private readonly deps: RelayDeps) {}

  /** Hears every new release (each group once) as it is planned, inside its transaction (SMS to families outside the parents groups). */
  onReleased(listener: (d: Directive, groups: readonly Group[]) => void): void {
    this.releaseListeners.push(listener);
  }

  get replyWindowMs(): number {
    return this.deps.replyWindowMs;
  }

  /** Rebuilds the routing table from the store (at start). */
  load(): void {
    this.byGroup.clear();
    this.cache.clear();
    // Created up to four windows ago: a directive whose deadline lies after its creation stays open longer.
    const since = this.deps.clock.now() - 4 * this.deps.replyWindowMs;
    for (const d of this.deps.directives.open(since)) this.cache.set(d.id, d);
    const releases = this.deps.directives.openReleases(since).sort((a, b) => b.directiveId - a.directiveId);
    for (const r of releases) this.route(r.groupId, r.directiveId);
  }

  private unroute(groupId: number, directiveId: number): void {
    const list = this.byGroup.get(groupId);
    const at = list?.indexOf(directiveId) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
    if (list?.length === 0) this.byGroup.delete(groupId);
  }

  private route(groupId: number, directiveId: number): void {
    const list = this.byGroup.get(groupId);
    if (!list) {
      this.byGroup.set(groupId, [directiveId]);
      return;
    }
    if (list.includes(directiveId)) return;
    // Newest first. Ids only grow, so a new directive normally goes in front without a sort.
    if (directiveId > (list[0] ?? -Infinity)) list.unshift(directiveId);
    else {
      list.push(directiveId);
      list.sort((a, b) => b - a);
    }
  }

  /**
   * `/通知 家长版 …` quoting a directive that went to colleges and classes only: it reaches the parents
   * groups now, with the parents' version; their families owe a reply from here on. Returns the sends.
   */
  addParentsVersion(d: Directive, text: string, byPersonId: number): { directive: Directive; groups: number; sends: SendItem[] } {
    this.deps.directives.addParentsVersion(d.id, text);
    const updated = this.deps.directives.get(d.id) ?? d;
    this.cache.set(d.id, updated);
    this.deps.uow.current()?.onRollback(() => this.cache.set(d.id, d));
    const parents = targetGroups(this.deps.org(), updated).filter((g) => g.level === 4);
    const fresh = this.deps.directives.release(d.id, parents.map((g) => g.id), this.deps.clock.now(), byPersonId);
    for (const g of fresh) this.route(g, d.id);
    if (fresh.length > 0) this.deps.uow.current()?.onRollback(() => fresh.forEach((g) => this.unroute(g, d.id)));
    const opened = parents.filter((g) => fresh.includes(g.id));
    if (opened.length > 0) for (const listen of this.releaseListeners) listen(updated, opened);
    return { directive: updated, groups: opened.length, sends: this.plan(updated, opened) };
  }

  /** `/撤回`: the directive takes no more replies and nobody is chased. Undefined when already withdrawn or unknown. */
  withdraw(id: number, byPersonId: number): Directive | undefined {
    if (!this.deps.directives.withdraw(id, byPersonId, this.deps.clock.now())) return undefined;
    const d = this.deps.directives.get(id);
    if (d) this.cache.set(id, d);
    this.deps.uow.current()?.onRollback(() => this.cache.delete(id));
    return d;
  }

  directive(id: number): Directive | undefined {
    let d = this.cache.get(id);
    if (!d) {
      d = this.deps.directives.get(id);
      if (d) this.cache.set(id, d);
    }
    return d;
  }

  /**
   * Whether a reply can still count for the directive: open, and within the reply window counted
   * from its creation or, when later, its deadline.
   */
  accepts(d: Directive): boolean {
    return d.status === 'open' && this.deps.clock.now() <= Math.max(d.createdAt, d.deadlineAt ?? 0) + this.deps.replyWindowMs;
  }

  /** Open directives this group has received, newest first, within the reply window (lazily: callers usually stop at the first). */
  *openIn(groupId: number): Generator<Directive, void, undefined> {
    const list = this.byGroup.get(groupId);
    if (!list) return;
    for (const id of list) {
      const d = this.directive(id);
      if (d && this.accepts(d)) yield d;
    }
  }

  /**
   * Stores a new directive with its first releases (the origin group counts as released) and plans
   * its posts, synchronously so it all joins the caller's transaction. Returns the sends to queue.
   */
  create(input: Omit<Directive, 'id' | 'status'>, releaseTo: readonly Group[]): { directive: Directive; sends: SendItem[] } {
    const groupIds = [input.originGroupId, ...releaseTo.map((g) => g.id).filter((id) => id !== input.originGroupId)];
    const d = this.deps.directives.create(input, groupIds);
    this.cache.set(d.id, d);
    for (const g of groupIds) this.route(g, d.id);
    // Rolled back, its id may be given to the next directive: nothing of it may stay in memory.
    this.deps.uow.current()?.onRollback(() => {
      this.cache.delete(d.id);
      for (const g of groupIds) this.unroute(g, d.id);
    });
    for (const listen of this.releaseListeners) listen(d, releaseTo);
    return { directive: d, sends: this.plan(d, releaseTo) };
  }

  /**
   * Step-by-step relay: opens the groups the acknowledging person is responsible for. Every group
   * that should be open is planned again (the ledger keeps one delivery per key), so a release whose
   * posts were lost to a crash is completed by the next acknowledgement.
   */
  afterAck(d: Directive, person: Person, level: ObligationLevel): SendItem[] {
    const groups = releasesAfterAck(this.deps.org(), d, person, level);
    if (groups.length === 0) return [];
    const fresh = this.deps.directives.release(d.id, groups.map((g) => g.id), this.deps.clock.now(), person.id);
    for (const g of fresh) this.route(g, d.id);
    if (fresh.length > 0) this.deps.uow.current()?.onRollback(() => fresh.forEach((g) => this.unroute(g, d.id)));
    const opened = groups.filter((g) => fresh.includes(g.id));
    if (opened.length > 0) for (const listen of this.releaseListeners) listen(d, opened);
    return this.plan(d, groups);
  }

  /**
   * A file that arrived after the directive went out (the issuer's next message, or fetched after the
   * commit): planned into every group that has the post, and with every later release by `plan`.
   */
  planAttachment(d: Directive, a: Attachment): SendItem[] {
    const org = this.deps.org();
    const groups = this.deps
      .postedGroups(d.id)
      .map((id) => org.group(id))
      .filter((g): g is Group => g !== undefined);
    return this.deps.outbox.plan(this.filePosts(d, groups, [a]));
  }

  /** One delivery per file and platform group. */
  private filePosts(d: Directive, groups: readonly Group[], files: readonly Attachment[]): PlannedDelivery[] {
    return groups.flatMap((g) => [...this.routes(g)].flatMap(({ pg, accountId }) => files.map((a) => this.filePost(d, g, pg, accountId, a))));
  }

  /** A file into one platform group, with the line posted instead where the chat takes no files. */
  private filePost(d: Directive, g: Group, pg: PlatformGroup, accountId: string, a: Attachment): PlannedDelivery {
    return {
      ...this.intoGroup(d, g, pg, accountId),
      key: deliveryKey.attachmentPost(d.id, pg.id, a.id),
      purpose: 'attachment',
      text: zhFiles.fileNotDelivered({ id: d.id, name: a.name, kind: a.kind, level: g.level }),
      mentions: [],
      attachmentId: a.id,
    };
  }

  /** What every delivery of a directive into one platform group shares. */
  private intoGroup(d: Directive, g: Group, pg: PlatformGroup, accountId: string) {
    return { directiveId: d.id, groupId: g.id, accountId, platform: pg.platform, chatType: 'group' as const, target: pg.chatId, quoteId: null };
  }

  /** Each platform group behind a logical group, with the bot account that posts there (the first that can send). */
  private *routes(g: Group): Generator<{ pg: PlatformGroup; accountId: string }> {
    for (const pg of this.deps.org().platformGroupsOf(g.id)) {
      const accountId = pg.accounts.find((a) => this.deps.canSend(a)) ?? pg.accounts[0];
      if (accountId) yield { pg, accountId };
    }
  }

  /** Plans one delivery per platform group behind each logical group, from the first bot account that can send; its files right after. */
  private plan(d: Directive, groups: readonly Group[]): SendItem[] {
    const org = this.deps.org();
    const issuer = org.person(d.issuerId);
    const files = groups.length > 0 ? this.deps.attachments(d.id) : [];
    const planned: PlannedDelivery[] = [];
    for (const g of groups) {
      const text = this.render(d, g, issuer?.name ?? '');
      for (const { pg, accountId } of this.routes(g)) {
        const mentions =
          g.level === 2 && g.collegeId !== null
            ? org
                .collegeCounselors(g.collegeId)
                .map((p) => org.accountOn(p.id, pg.platform))
                .filter((id): id is string => id !== undefined)
            : [];
        planned.push({ ...this.intoGroup(d, g, pg, accountId), key: deliveryKey.directivePost(d.id, pg.id), purpose: 'directive', text, mentions });
        for (const a of files) planned.push(this.filePost(d, g, pg, accountId, a));
      }
    }
    return this.deps.outbox.plan(planned);
  }

  private render(d: Directive, g: Group, issuer: string): string {
    const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, this.deps.timeZone, { now: this.deps.clock.now() });
    // An extra group (`至=干部群`) reads like a class group.
    const common = { level: g.level === 0 ? 3 : g.level, replyHint: d.replyHint, completion: d.requireCompletion, step: d.mode === 'step' };
    const org = this.deps.org();
    // An own-scope directive says whose it is; in a college-wide parents group, which classes it concerns.
    const from = d.fromLevel === 3 ? (d.classIds ? '辅导员' : (d.collegeIds ?? []).map((c) => org.college(c)?.name ?? '').join('、')) : undefined;
    const classes = g.level === 4 && d.classIds ? d.classIds.map((k) => org.classUnit(k)?.name ?? '').join('、') : null;
    // Parents groups get the parents' version where there is one.
    const text = g.level === 4 && d.parentsText !== null ? d.parentsText : d.text;
    const footer = d.collect ? zhDirective.collectFooter(g.level, d.fields ?? null) : zhDirective.directiveFooter(common);
    return [zhDirective.directiveHeader({ id: d.id, issuer, deadline, ...common, ...(from === undefined ? {} : { from }), classes }), text, footer].join('\n');
  }
}
