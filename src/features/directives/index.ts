/**
 * Directives and their relay: `/通知` in the school group creates a directive, and the relay posts it
 * into every group it reaches (at once, or step by step as each level acknowledges).
 */
import { ANSWERED_DIRECTIVE, defineCommand, serviceKey, type AppContext, type Feature, type MessageContext } from '../../app/feature.js';
import type { InboundMessage } from '../../platform/port.js';
import { scopeIssuers } from '../../app/guards.js';
import { parseNotifyArgs, type CommandError, type NotifyArgs, type ParseEnv } from '../../domain/commands.js';
import { canIssueDirective, initialReleases, targetGroups, type ExtraTarget } from '../../domain/directive.js';
import { groupKey, type Group, type GroupKind } from '../../domain/org.js';
import { lookupName } from '../../domain/names.js';
import { formatTime } from '../../domain/duration.js';
import { Relay } from './relay.js';
import { postsLine } from './posts.js';
import { POSTS_LINE } from '../queries/sections.js';
import { zhDirective } from './texts.js';
import { revisionCommands } from './revise.js';
import { DirectiveFiles, sourceOf, withoutFilePlaceholders } from './attachments.js';
import { MANUAL } from '../manual/index.js';
import type { InboundFile } from '../../platform/port.js';

export const RELAY = serviceKey<Relay>('relay');
/** A directive's files and pictures (issue #15). */
export const DIRECTIVE_FILES = serviceKey<DirectiveFiles>('directive-files');

/**
 * Who may issue: the student-work team (school-wide, in L1), and within their own scope a deputy
 * secretary (their college's class and parents groups) and a counselor or 班主任 (their classes) — issue #15.
 */
const issuers = scopeIssuers;

/** What `/通知` and `/收集` share: who may issue, where, and how the options are read. */
const issuing = {
  longText: true,
  where: ['L1', 'L2', 'L3', 'L4', 'private'] as const,
  wrongPlace: zhDirective.issueWhere,
  guard: issuers,
  refusal: zhDirective.notAllowedToIssue,
  explain: (e: CommandError) => zhDirective.error(e.code, e.detail),
  parse: (rest: string, env: ParseEnv) => parseNotifyArgs(rest, env),
};

const notify = defineCommand<NotifyArgs>({
  ...issuing,
  name: 'notify',
  words: ['通知', '发布', '下发'],
  usage: (v) =>
    v.person && canIssueDirective(v.org, v.person)
      ? '/通知 [选项] 正文 —— 在一级群发布通知并逐级下发\n  选项：截止=18:00 | 层级=2/3/4 | 学院=A,B | 至=干部群/宿舍群/党员群 | 逐级 | 落实 | 回复=1 | 紧急（夜间也提醒）| 正文后“家长版：……”\n  附件：与通知一起发，或 3 分钟内接着发文件、图片'
      : '/通知 [选项] 正文 —— 向您负责的班级群（层级=4 时含家长群）发布通知（在您负责的群或私聊发送）\n  选项：截止=18:00 | 层级=4 | 至=干部群/宿舍群/党员群 | 落实 | 回复=1 | 紧急 | 正文后“家长版：……”\n  附件：与通知一起发，或 3 分钟内接着发文件、图片',
  handle: (ctx, cmd) => issue(ctx, cmd, false),
});

/**
 * `/收集 <说明> [截止=…] [字段=体温,所在地]` (信息收集, issue #15): a directive whose reply is information.
 * Every reply of someone who owes one is their answer (the latest kept), with the named fields read out.
 */
const collect = defineCommand<NotifyArgs>({
  ...issuing,
  name: 'collect',
  words: ['收集', '信息收集', '摸排'],
  usage: () => '/收集 [选项] 说明 —— 收集信息（如体温、所在地），每人的最新回复即其答案\n  选项：字段=体温,所在地 | 截止=18:00 | 层级=4 | 学院=A,B',
  handle: (ctx, cmd) => issue(ctx, cmd, true),
});

/** What a directive reaches besides the school-wide default: colleges, classes, and whose it is. */
interface Reach {
  readonly collegeIds: number[] | null;
  readonly classIds: number[] | null;
  readonly fromLevel: 1 | 3;
  readonly originGroupId: number;
  /** For the header and the confirmation: 学生工作组, the college, or 辅导员. */
  readonly from: string;
}

/** The reach of `/通知` from this person here, or the answer explaining why they cannot issue here. */
function reachOf(ctx: MessageContext, cmd: NotifyArgs, collegeIds: number[] | null): Reach | string {
  const { org, person, group } = ctx;
  if (!person) return zhDirective.notAllowedToIssue;
  if (canIssueDirective(org, person)) {
    if (ctx.place === 'L1' && group) return { collegeIds, classIds: null, fromLevel: 1, originGroupId: group.id, from: '学生工作组' };
    // A member of the team who is also a counselor may still issue for their classes elsewhere.
    if (person.counselorOf.length === 0 && !person.roles.some((r) => r.role === 'deputy_secretary')) return zhDirective.issueOnlyInSchoolGroup;
  }
  const deputyOf = person.roles.filter((r) => r.role === 'deputy_secretary' && r.collegeId !== null).map((r) => r.collegeId as number);
  const inOwnCollegeGroup = ctx.place === 'L2' && group?.collegeId != null && deputyOf.includes(group.collegeId);
  if (deputyOf.length > 0 && (inOwnCollegeGroup || ctx.place === 'private')) {
    const wanted = collegeIds ?? (inOwnCollegeGroup && group?.collegeId != null ? [group.collegeId] : deputyOf);
    if (wanted.some((c) => !deputyOf.includes(c))) return zhDirective.notYourCollege;
    const l2 = wanted.map((c) => org.college(c)).map((c) => (c ? org.groupByKeyName(groupKey.college(c.name)) : undefined)).find((g) => g !== undefined);
    const origin = inOwnCollegeGroup && group ? group : (l2 ?? targetGroups(org, { collegeIds: wanted, depth: 3, fromLevel: 3 })[0]);
    if (!origin) return zhDirective.noGroupToReach;
    return { collegeIds: wanted, classIds: null, fromLevel: 3, originGroupId: origin.id, from: wanted.map((c) => org.college(c)?.name ?? '').join('、') };
  }
  const mine = person.counselorOf;
  if (mine.length > 0) {
    if (cmd.colleges) return zhDirective.notYourCollege;
    const here = ctx.place === 'L3' && group?.classId != null && mine.includes(group.classId) ? [group.classId] : null;
    const inTheirGroup = here !== null || ((ctx.place === 'L2' || ctx.place === 'L4') && group?.collegeId != null && mine.some((k) => org.classUnit(k)?.collegeId === group.collegeId));
    if (!inTheirGroup && ctx.place !== 'private') return zhDirective.issueWhere;
    const classIds = here ?? [...mine];
    const colleges = [...new Set(classIds.map((k) => org.classUnit(k)?.collegeId).filter((c): c is number => c !== undefined))];
    const first = org.classUnit(classIds[0] ?? -1);
    const origin = group ?? (first ? org.groupByKeyName(groupKey.class(first.name)) : undefined);
    if (!origin) return zhDirective.noGroupToReach;
    return { collegeIds: colleges, classIds, fromLevel: 3, originGroupId: origin.id, from: '辅导员' };
  }
  return zhDirective.issueOnlyInSchoolGroup;
}

/** The kinds of extra group `至=` names by a word (else a group's own name). */
const EXTRA_KINDS: ReadonlyMap<string, GroupKind> = new Map([
  ['宿舍', 'dorm'],
  ['学生宿舍', 'dorm'],
  ['干部', 'cadre'],
  ['学生干部', 'cadre'],
  ['班委', 'cadre'],
  ['党员', 'party'],
  ['学生党员', 'party'],
]);

/**
 * `/通知 至=干部群 …` (issue #15): the extra groups of the issuer's scope that the words name (a kind,
 * or a group's name; a unique prefix is enough). Each group's members are read from the platform after
 * the commit (the last member list kept, when the platform cannot be asked); the roster students among
 * them — within the issuer's colleges or classes — owe a reply in that group.
 */
function issueToExtraGroups(ctx: MessageContext, cmd: NotifyArgs, reach: Reach, collecting: boolean): void {
  const { org, person, app } = ctx;
  if (!person) return;
  const mine = org.groups.filter((g) => g.level === 0 && g.collegeId !== null && (reach.collegeIds === null || reach.collegeIds.includes(g.collegeId)));
  const chosen = new Map<number, Group>();
  for (const word of cmd.extra ?? []) {
    const kind = EXTRA_KINDS.get(word.normalize('NFKC').replace(/群$/u, ''));
    if (kind) {
      const ofKind = mine.filter((g) => g.kind === kind);
      if (ofKind.length === 0) return ctx.reply(zhDirective.noExtraGroup(word));
      for (const g of ofKind) chosen.set(g.id, g);
      continue;
    }
    const found = lookupName(word, mine, (g) => g.name);
    if (!found.match) return ctx.reply(zhDirective.unknownExtraGroup(word, found.suggestions.map((g) => g.name)));
    chosen.set(found.match.id, found.match);
  }
  const groups = [...chosen.values()];
  const classes = reach.classIds === null ? null : new Set(reach.classIds);
  const carried = ctx.ev.files && ctx.ev.files.length > 0 ? { files: ctx.ev.files, from: sourceOf(ctx) } : quotedFiles(ctx);
  ctx.later(async (next) => {
    // Who is in each group now: the platform's member list, else the last one kept.
    const extraGroups: ExtraTarget[] = [];
    for (const g of groups) {
      const members = new Set<number>();
      for (const pg of org.platformGroupsOf(g.id)) {
        let list: readonly { userId: string }[] | undefined;
        for (const accountId of pg.accounts) {
          const adapter = app.adapters.get(accountId);
          if (!adapter || !app.usable(accountId)) continue;
          try {
            list = await adapter.listMembers(pg.chatId);
            break;
          } catch {
            // Another account, or the list kept.
          }
        }
        list ??= app.repos.members.get(pg.platform, pg.chatId)?.members;
        for (const m of list ?? []) {
          const p = org.personByPlatformAccount(pg.platform, m.userId);
          if (p?.kind === 'student' && p.collegeId !== null && (classes === null || (p.classId !== null && classes.has(p.classId)))) members.add(p.id);
        }
      }
      extraGroups.push({ groupId: g.id, memberIds: [...members].sort((a, b) => a - b) });
    }
    await next.transaction((c) => {
      const collegeIdsOf = [...new Set(groups.map((g) => g.collegeId).filter((id): id is number => id !== null))];
      const input = {
        issuerId: person.id,
        originGroupId: reach.originGroupId,
        originInboundId: ctx.inboundId,
        text: carried ? withoutFilePlaceholders(cmd.body) || zhDirective.seeAttachment : cmd.body,
        deadlineAt: cmd.deadlineAt,
        depth: 3 as const,
        parentsText: null,
        collegeIds: collegeIdsOf,
        classIds: null,
        fromLevel: 3 as const,
        collect: collecting,
        fields: cmd.fields,
        requireCompletion: cmd.requireCompletion,
        mode: 'immediate' as const,
        replyHint: cmd.replyHint,
        urgent: cmd.urgent,
        sms: false,
        createdAt: c.now,
        extraGroups,
      };
      const { directive: d, sends } = app.get(RELAY).create(input, initialReleases(org, input));
      if (carried) app.get(DIRECTIVE_FILES).attach(c, d, carried.files, carried.from);
      const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, app.timeZone, { now: c.now });
      c.reply(zhDirective.extraIssued({ id: d.id, groups: groups.map((g) => g.name), members: extraGroups.reduce((n, x) => n + x.memberIds.length, 0), deadline }));
      c.work.queue(sends);
    });
  });
}

/** `/通知 家长版 …`: the body of a second message that gives a directive its parents' version. */
const PARENTS_FOLLOW_UP = /^[【\[]?家长版[】\]]?\s*[:：]?\s*/u;

/**
 * `/通知 家长版 …` quoting a directive (its post, or the issuer's `/通知`): the parents groups get this text
 * (issue #15). Only the issuer or the team, and only while it has not reached the parents already.
 */
function addParentsVersion(ctx: MessageContext, body: string): void {
  const { org, person } = ctx;
  const relay = ctx.app.get(RELAY);
  const id = quotedDirectiveId(ctx.app, ctx.ev);
  const d = id === null ? undefined : relay.directive(id);
  if (!person || !d) return ctx.reply(zhDirective.parentsFollowUpNeedsQuote);
  if (d.issuerId !== person.id && !canIssueDirective(org, person)) return ctx.reply(zhDirective.notAllowedToIssue);
  if (d.status === 'withdrawn' || !relay.accepts(d)) return ctx.reply(zhDirective.parentsFollowUpClosed(d.id));
  if (d.depth === 4) return ctx.reply(zhDirective.parentsFollowUpAlready(d.id));
  if (d.depth < 3 || d.collect) return ctx.reply(zhDirective.parentsFollowUpClosed(d.id));
  const text = body.replace(PARENTS_FOLLOW_UP, '').trim();
  if (text === '') return ctx.reply(zhDirective.error('empty_parents_text', ''));
  const { groups, sends } = relay.addParentsVersion(d, text, person.id);
  ctx.reply(zhDirective.parentsFollowUpDone(d.id, groups));
  ctx.work.queue(sends);
}

function issue(ctx: MessageContext, cmd: NotifyArgs, collecting: boolean): void {
  const { org, person } = ctx;
  if (!person) return;
  if (!collecting && cmd.parentsText === null && PARENTS_FOLLOW_UP.test(cmd.body) && ctx.ev.quoteId !== undefined) return addParentsVersion(ctx, cmd.body);
  let collegeIds: number[] | null = null;
  if (cmd.colleges) {
    // A unique prefix is the college (`学院=计算机`); otherwise the closest names are offered, nothing is guessed.
    const found = cmd.colleges.map((n) => ({ n, r: org.findCollege(n) }));
    const unknown = found.filter((f) => f.r.match === undefined);
    if (unknown.length > 0) {
      const suggestions = [...new Set(unknown.flatMap((u) => u.r.suggestions.map((c) => c.name)))];
      return ctx.reply(zhDirective.unknownColleges(unknown.map((u) => u.n), suggestions));
    }
    collegeIds = [...new Set(found.map((f) => f.r.match?.id ?? 0))];
  }
  const reach = reachOf(ctx, cmd, collegeIds);
  if (typeof reach === 'string') return ctx.reply(reach);
  if (cmd.extra) return issueToExtraGroups(ctx, cmd, reach, collecting);
  // Not given: 4 with a parents' version, else the configured default (3: parents only when asked).
  const depth = cmd.depth ?? (cmd.parentsText !== null ? 4 : ctx.app.config.directives.defaultDepth);
  if (reach.fromLevel === 3 && depth < 3) return ctx.reply(zhDirective.ownScopeDepth);
  // Files with the command, or in the message it quotes, go with the directive; their placeholders leave its text.
  const carried = ctx.ev.files && ctx.ev.files.length > 0 ? { files: ctx.ev.files, from: sourceOf(ctx) } : quotedFiles(ctx);
  const body = carried ? withoutFilePlaceholders(cmd.body) || zhDirective.seeAttachment : cmd.body;
  const input = {
    issuerId: person.id,
    originGroupId: reach.originGroupId,
    originInboundId: ctx.inboundId,
    text: body,
    deadlineAt: cmd.deadlineAt,
    depth,
    parentsText: cmd.parentsText,
    collegeIds: reach.collegeIds,
    classIds: reach.classIds,
    fromLevel: reach.fromLevel,
    collect: collecting,
    fields: cmd.fields,
    requireCompletion: cmd.requireCompletion,
    // Nobody stands between an own-scope directive and its groups: it goes at once.
    mode: reach.fromLevel === 1 ? cmd.mode : ('immediate' as const),
    replyHint: cmd.replyHint,
    urgent: cmd.urgent,
    sms: cmd.sms,
    createdAt: ctx.now,
  };
  const { directive: d, sends } = ctx.app.get(RELAY).create(input, initialReleases(org, input));
  if (carried) ctx.app.get(DIRECTIVE_FILES).attach(ctx, d, carried.files, carried.from);
  const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, ctx.app.timeZone, { now: ctx.now });
  // The confirmation goes first; the fan-out is queued behind answers to people.
  ctx.reply(
    zhDirective.directiveIssued({
      id: d.id,
      groups: targetGroups(org, d).length,
      step: d.mode === 'step',
      deadline,
      hint: d.replyHint,
      depth: d.depth,
      parentsVersion: d.parentsText !== null,
      parentsVersionIgnored: cmd.parentsText !== null && d.depth < 4,
      ownScope: reach.fromLevel === 3 ? (reach.classIds ? reach.classIds.map((k) => org.classUnit(k)?.name ?? '').join('、') : reach.from) : undefined,
    }),
  );
  ctx.work.queue(sends);
}

/** The files of the message a `/通知` quotes (a file someone posted, forwarded as the directive's), with where they were seen. */
function quotedFiles(ctx: MessageContext): { files: readonly InboundFile[]; from: ReturnType<typeof sourceOf> } | null {
  const { ev, app } = ctx;
  if (ev.chat.type !== 'group' || ev.quoteId === undefined) return null;
  const perAccount = app.adapters.get(ev.accountId)?.capabilities.crossAccountMessageIds === false ? ev.accountId : undefined;
  const found = app.repos.inbound.filesOfPlatformMessage(ev.platform, ev.chat.chatId, ev.quoteId, perAccount);
  if (!found || found.files.length === 0) return null;
  return { files: found.files, from: { platform: ev.platform, accountId: found.accountId, chatType: 'group', chatId: ev.chat.chatId } };
}

/**
 * Files the issuer sends in the chat of their `/通知` within `directives.attachWithin` after it: the
 * directive's attachments. True when the message was taken so.
 */
function followUpFiles(ctx: MessageContext): boolean {
  const { ev, person, app } = ctx;
  if (!ev.files || ev.files.length === 0 || !person) return false;
  const d = app.repos.directives.latestBy(person.id, ctx.now - app.config.directives.attachWithin);
  if (!d || d.originInboundId === null || d.originInboundId === ctx.inboundId) return false;
  const origin = app.repos.inbound.get(d.originInboundId);
  const here = sourceOf(ctx);
  if (!origin || origin.platform !== here.platform || origin.chatType !== here.chatType || origin.chatId !== here.chatId) return false;
  const relay = app.get(RELAY);
  const current = relay.directive(d.id) ?? d;
  if (current.status === 'withdrawn') {
    ctx.reply(zhDirective.fileAfterWithdrawal(d.id));
    return true;
  }
  app.get(DIRECTIVE_FILES).attach(ctx, current, ev.files, here);
  return true;
}

/**
 * The directive whose post a group message quotes: a bot's post by its platform id, or the issuer's
 * command. Where each account numbers messages itself, only what that account sent or saw can be meant.
 */
export function quotedDirectiveId(app: AppContext, ev: InboundMessage): number | null {
  if (ev.chat.type !== 'group' || ev.quoteId === undefined) return null;
  const perAccount = app.adapters.get(ev.accountId)?.capabilities.crossAccountMessageIds === false ? ev.accountId : undefined;
  const { ledger, inbound } = app.repos;
  return ledger.directiveOfMessage(ev.platform, ev.chat.chatId, ev.quoteId, perAccount) ?? inbound.directiveOfPlatformMessage(ev.platform, ev.chat.chatId, ev.quoteId, perAccount);
}

/**
 * The directive a message answers: the one whose post it quotes (a bot's post by its platform id, or
 * the issuer's command), else the newest its group has open.
 */
function answered(ctx: MessageContext) {
  const relay = ctx.app.get(RELAY);
  const { ev } = ctx;
  const id = quotedDirectiveId(ctx.app, ev);
  const quoted = id === null ? undefined : relay.directive(id);
  if (quoted) return quoted;
  return ctx.group ? relay.openIn(ctx.group.id).next().value ?? undefined : undefined;
}

export const directives: Feature = {
  name: 'directives',
  needs: [MANUAL],
  provides: [RELAY, ANSWERED_DIRECTIVE, POSTS_LINE, DIRECTIVE_FILES],
  setup(app) {
    app.provide(ANSWERED_DIRECTIVE, answered);
    const files = new DirectiveFiles(app, () => app.get(RELAY));
    app.provide(DIRECTIVE_FILES, files);
    // A file a chat could not take: its line went instead, and whoever attached it is told (once per file and platform).
    app.outbox.use({
      onFileFallback: async (delivery) => {
        if (delivery.purpose !== 'attachment' || delivery.attachmentId === null || delivery.directiveId === null) return;
        const a = app.repos.attachments.get(delivery.attachmentId);
        const d = app.get(RELAY).directive(delivery.directiveId);
        if (!a || !d) return;
        const group = delivery.groupId === null ? undefined : app.org().group(delivery.groupId);
        await app.store.transaction((work) => work.queue(files.fellBack(d, a, delivery.platform, group?.name ?? delivery.target)));
      },
    });
    app.provide(
      RELAY,
      new Relay({
        org: () => app.org(),
        directives: app.repos.directives,
        outbox: app.outbox,
        clock: app.clock,
        timeZone: app.timeZone,
        replyWindowMs: app.config.replies.windowMs,
        canSend: (accountId) => app.adapters.has(accountId),
        uow: app.store,
        attachments: (id) => app.repos.attachments.ofDirective(id).filter((a) => a.status === 'stored'),
        postedGroups: (id) => [...new Set(app.repos.ledger.directivePosts(id).map((p) => p.groupId))],
      }),
    );
    app.provide(POSTS_LINE, (d, scope) => postsLine(app.org(), d, scope, app.repos.ledger.postStates(d.id), app.clock.now()));
  },
  commands: [notify, collect, ...revisionCommands],
  inbound: {
    groupMessage(ctx) {
      followUpFiles(ctx);
    },
    privateMessage(ctx) {
      return followUpFiles(ctx);
    },
  },
  async onStart(app) {
    app.get(RELAY).load();
  },
  async onConnected(app) {
    const n = await app.get(DIRECTIVE_FILES).recover();
    if (n > 0) app.logger.info({ attachments: n }, 'attachments left unfetched by the last run were fetched');
  },
};
