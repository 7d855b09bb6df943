/**
 * When no bot can post into a group (its account banned or paused, the bot removed from the group,
 * the platform down), a directive or reminder is not lost: the person responsible for the group is
 * sent the exact text privately, through any account that still works, and asked to post it and
 * confirm with `/已转发 <编号>`. The delivery then counts as sent, by hand.
 */
import type { Clock } from '../../clock.js';
import { homeGroups } from '../../domain/chase.js';
import { formatTime } from '../../domain/duration.js';
import type { Group, Person, Platform } from '../../domain/org.js';
import { isResponsibleFor, responsibleForGroup } from '../../domain/responsibility.js';
import type { OrgIndex } from '../../domain/org-index.js';
import { zhManual } from './texts.js';
import type { SendItem } from '../../queue/job-queues.js';
import { deliveryKey } from '../../store/keys.js';
import type { Delivery, LedgerRepo, PlannedDelivery } from '../../store/ledger-repo.js';

type Route = { accountId: string; platform: Platform; target: string };

export interface ManualDeskDeps {
  readonly org: () => OrgIndex;
  readonly ledger: LedgerRepo;
  readonly clock: Clock;
  readonly timeZone: string;
  /** Plans private messages (the outbox's `plan`, inside the caller's transaction). */
  readonly plan: (planned: readonly PlannedDelivery[]) => SendItem[];
  /** Whether an account can send right now (connected, not paused). */
  readonly usable: (accountId: string) => boolean;
}


function reasonText(reason: string): string {
  if (/not_in_group|not in group/iu.test(reason)) return zhManual.reasons.removed;
  if (/muted/iu.test(reason)) return zhManual.reasons.muted;
  if (/paused|breaker|risk|rate/iu.test(reason)) return zhManual.reasons.paused;
  return zhManual.reasons.offline;
}

export class ManualDesk {
  constructor(private readonly deps: ManualDeskDeps) {}

  /**
   * Makes a group delivery a manual task for the group's responsible person and plans the private
   * message asking them to post it. Null when nobody can be told (the delivery keeps waiting).
   */
  task(d: Delivery, reason: string): SendItem[] | null {
    const found = this.responsibleWithRoute(d);
    if (!found) return null;
    const { group, person, route } = found;
    // No longer planned (claimed by another run meanwhile): not for a person.
    if (!this.deps.ledger.markManual(d.id, person.id, this.deps.clock.now(), reason)) return null;
    return this.deps.plan([
      {
        key: deliveryKey.manualTask(d.id, person.id),
        purpose: 'private',
        directiveId: d.directiveId,
        groupId: group.id,
        ...route,
        chatType: 'private',
        text: zhManual.task({ id: d.id, group: group.name, reason: reasonText(reason), text: d.text }),
        mentions: [],
        quoteId: null,
      },
    ]);
  }

  /**
   * A bot may have posted a group delivery and the platform cannot tell: the group's responsible
   * person is asked to look and answer `/已转发` (it is there) or `/重发` (it is not). Null when the
   * group has nobody who can be told.
   */
  check(d: Delivery, reason: string): SendItem[] | null {
    const found = this.responsibleWithRoute(d);
    if (!found) return null;
    const { group, person, route } = found;
    if (!this.deps.ledger.markCheck(d.id, person.id, this.deps.clock.now(), reason)) return null;
    return this.deps.plan([
      {
        key: deliveryKey.manualCheck(d.id, person.id),
        purpose: 'private',
        directiveId: d.directiveId,
        groupId: group.id,
        ...route,
        chatType: 'private',
        text: zhManual.check({ id: d.id, directive: d.directiveId, group: group.name, text: d.text }),
        mentions: [],
        quoteId: null,
      },
    ]);
  }

  /**
   * The group of a delivery, and the first of its responsible people who can be messaged privately:
   * through an account that works now if any does, else through one that does not yet (the message
   * waits for it) — a task exists even while no bot can send.
   */
  private responsibleWithRoute(d: Delivery): { group: Group; person: Person; route: Route } | null {
    const org = this.deps.org();
    const pg = org.platformGroup(d.platform, d.target);
    const group = pg ? org.group(pg.groupId) : undefined;
    if (!group) return null;
    const people = responsibleForGroup(org, group);
    for (const anyAccount of [false, true]) {
      for (const person of people) {
        const route = this.privateRoute(org, person, anyAccount);
        if (route) return { group, person, route };
      }
    }
    return null;
  }

  /** `/重发 12`: open checks the person may settle are sent again by a bot. */
  resend(person: Person, ids: readonly number[]): { text: string; sends: SendItem[] } {
    const org = this.deps.org();
    const open = new Map(this.deps.ledger.manualTasks().map((t) => [t.id, t]));
    const done: number[] = [];
    const refused: number[] = [];
    const sends: SendItem[] = [];
    for (const id of ids) {
      const t = open.get(id);
      const group = t?.groupId === null || t === undefined ? undefined : org.group(t.groupId);
      const mine = t !== undefined && t.kind === 'check' && (t.personId === person.id || (group !== undefined && isResponsibleFor(org, person, group)));
      const d = mine ? this.deps.ledger.get(id) : undefined;
      if (d && this.deps.ledger.resend(id)) {
        done.push(id);
        sends.push({ id, accountId: d.accountId, lane: d.lane });
      } else refused.push(id);
    }
    const lines: string[] = [];
    if (done.length > 0) lines.push(zhManual.resent(done));
    if (refused.length > 0) lines.push(zhManual.notResendable(refused));
    return { text: lines.join('\n'), sends };
  }

  /** `/已转发 12 13`: the tasks the person may settle are counted as posted by hand. */
  posted(person: Person, ids: readonly number[]): string {
    const org = this.deps.org();
    const open = new Map(this.deps.ledger.manualTasks().map((t) => [t.id, t]));
    const done: number[] = [];
    const refused: number[] = [];
    for (const id of ids) {
      const t = open.get(id);
      const group = t?.groupId === null || t === undefined ? undefined : org.group(t.groupId);
      const mine = t !== undefined && (t.personId === person.id || (group !== undefined && isResponsibleFor(org, person, group)));
      if (mine && this.deps.ledger.markPostedByHand(id, person.id, this.deps.clock.now())) done.push(id);
      else refused.push(id);
    }
    const lines: string[] = [];
    if (done.length > 0) lines.push(zhManual.posted(done));
    if (refused.length > 0) lines.push(zhManual.notYours(refused));
    return lines.join('\n');
  }

  /**
   * `/待转发`: the open tasks given to the person, with their texts; tasks of the groups they are
   * responsible for but given to someone else are listed by who has them, without the text, so two
   * people do not both post the same message.
   */
  tasks(person: Person): string[] {
    const org = this.deps.org();
    const open = this.deps.ledger.manualTasks();
    const mine = open.filter((t) => t.personId === person.id);
    const others = open.filter((t) => {
      const group = t.groupId === null ? undefined : org.group(t.groupId);
      return t.personId !== person.id && group !== undefined && isResponsibleFor(org, person, group);
    });
    if (mine.length === 0 && others.length === 0) return [zhManual.none];
    const now = this.deps.clock.now();
    const name = (groupId: number | null): string => (groupId === null ? '' : (org.group(groupId)?.name ?? ''));
    const since = (at: number): string => formatTime(at, this.deps.timeZone, { now });
    const out = [
      zhManual.list(
        mine.map((t) => ({ id: t.id, group: name(t.groupId), since: since(t.since) })),
        others.map((t) => ({ id: t.id, group: name(t.groupId), since: since(t.since), who: org.person(t.personId ?? -1)?.name ?? '' })),
      ),
    ];
    for (const t of mine) {
      out.push(
        t.kind === 'check'
          ? zhManual.check({ id: t.id, directive: t.directiveId, group: name(t.groupId), text: t.text })
          : zhManual.task({ id: t.id, group: name(t.groupId), reason: reasonText(t.reason ?? ''), text: t.text }),
      );
    }
    return out;
  }

  /** A private message to each of the people, through any account that works now (operators' alerts). */
  tell(people: readonly Person[], text: string, key: string): SendItem[] {
    const org = this.deps.org();
    const planned: PlannedDelivery[] = [];
    for (const person of people) {
      // Through an account that works now; else one that does not yet: the alert waits for it rather than being dropped.
      const route = this.privateRoute(org, person) ?? this.privateRoute(org, person, true);
      if (route) planned.push({ key: deliveryKey.alert(key, person.id), purpose: 'private', directiveId: null, groupId: null, ...route, chatType: 'private', text, mentions: [], quoteId: null });
    }
    return planned.length > 0 ? this.deps.plan(planned) : [];
  }

  /** An account that can message the person privately now (or, `anyAccount`, once it can), and their id there. */
  private privateRoute(org: OrgIndex, person: Person, anyAccount = false): Route | null {
    // An account in one of the person's own groups first: QQ reaches non-friends only through a shared group.
    for (const groups of [homeGroups(org, person), org.groups]) {
      for (const platform of ['qq', 'wechat'] as const) {
        const target = org.accountOn(person.id, platform);
        if (!target) continue;
        for (const g of groups) {
        for (const pg of org.platformGroupsOf(g.id)) {
          if (pg.platform !== platform) continue;
          const accountId = pg.accounts.find((a) => anyAccount || this.deps.usable(a));
          if (accountId) return { accountId, platform, target };
        }
        }
      }
    }
    return null;
  }
}
