/**
 * A directive after it went out (issue #15): `/撤回 <编号>` recalls every post where the platform still can
 * (about two minutes) and posts a short withdrawal notice elsewhere, stops counting and chasing;
 * `/更正 <编号> <新文本>` posts a correction to every group that got it, quoting the original where the
 * platform can (replies to the original still count); `/通知列表` lists recent directives with their state.
 * Every recall, notice and correction is a delivery: paced, once per group through the sent-ledger.
 */
import { defineCommand, type Guard, type MessageContext } from '../../app/feature.js';
import { responsible, scopeIssuers } from '../../app/guards.js';
import type { CommandError } from '../../domain/commands.js';
import { canIssueDirective, targetsCollege, type Directive } from '../../domain/directive.js';
import { formatTime } from '../../domain/duration.js';
import type { AttachmentPost, PlannedDelivery } from '../../store/ledger-repo.js';
import { deliveryKey } from '../../store/keys.js';
import { RELAY } from './index.js';
import { zhRevise } from './texts.js';

/** How long after sending a bot may recall its post (QQ and WeChat: about two minutes; a little margin). */
export const RECALL_WITHIN_MS = 110_000;
/** How many directives `/通知列表` shows. */
const LIST_LIMIT = 10;
const MAX_CORRECTION_CHARS = 2_000;

interface IdArgs {
  readonly id: number;
}
interface CorrectArgs {
  readonly id: number;
  readonly text: string;
}

function revisionError(command: string, code: 'bad_revision', detail: string): CommandError {
  return { type: 'error', command, code, detail };
}

/** `12` or `第12号`; bounded. */
function readId(token: string | undefined): number | null {
  const m = /^第?(\d{1,9})号?$/u.exec((token ?? '').normalize('NFKC'));
  return m?.[1] === undefined ? null : Number(m[1]);
}

function parseIdArgs(command: string) {
  return (rest: string): IdArgs | CommandError => {
    const id = readId(rest.trim().split(/\s+/u)[0]);
    return id === null ? revisionError(command, 'bad_revision', '') : { id };
  };
}

function parseCorrectArgs(rest: string): CorrectArgs | CommandError {
  const trimmed = rest.trim();
  const space = trimmed.search(/\s/u);
  const id = readId(space < 0 ? trimmed : trimmed.slice(0, space));
  const text = space < 0 ? '' : trimmed.slice(space).trim();
  if (id === null || text === '' || [...text].length > MAX_CORRECTION_CHARS) return revisionError('correct', 'bad_revision', '');
  return { id, text };
}

/** The platform chats where the directive's post went out or may have: one per chat, with its first part. */
function reachedChats(ctx: MessageContext, d: Directive) {
  const seen = new Map<string, ReturnType<MessageContext['app']['repos']['ledger']['directivePosts']>>();
  for (const p of ctx.app.repos.ledger.directivePosts(d.id)) {
    if (p.status === 'planned' || p.status === 'failed') continue;
    const k = `${p.platform}:${p.target}`;
    seen.set(k, [...(seen.get(k) ?? []), p]);
  }
  return [...seen.values()];
}

type ReachedPost = ReturnType<MessageContext['app']['repos']['ledger']['directivePosts']>[number];

/** A message about a directive into a chat its post reached, quoting that post (a recall, a notice, a correction). */
function followUp(d: Directive, post: ReachedPost, key: string, purpose: 'withdrawal' | 'correction', text: string, recallOf: string | null = null): PlannedDelivery {
  return {
    key,
    purpose,
    directiveId: d.id,
    groupId: post.groupId,
    accountId: post.accountId,
    platform: post.platform,
    chatType: 'group',
    target: post.target,
    text,
    mentions: [],
    quoteId: post.platformMessageId,
    recallOf,
  };
}

/** The directive the command names, when the asker may change it; else the answer saying why not. */
function ownDirective(ctx: MessageContext, id: number, mustOwn = true): Directive | string {
  const d = ctx.app.get(RELAY).directive(id);
  if (!d) return zhRevise.notFound(id);
  // The issuer or the team (issue #15): a deputy secretary or counselor changes only their own directives.
  if (mustOwn && ctx.person && d.issuerId !== ctx.person.id && !canIssueDirective(ctx.org, ctx.person)) return zhRevise.notYours(id);
  if (d.status === 'withdrawn') return zhRevise.alreadyWithdrawn(id);
  return d;
}

const withdraw = defineCommand<IdArgs>({
  name: 'withdraw',
  words: ['撤回', '撤销通知', '撤回通知'],
  where: ['L1', 'L2', 'L3', 'L4', 'private'],
  wrongPlace: zhRevise.onlyInSchoolGroup,
  guard: scopeIssuers,
  refusal: zhRevise.notAllowed,
  usage: () => '/撤回 编号 —— 撤回已发布的通知（能撤回的群直接撤回，其余群发撤回说明），不再计数和催办',
  explain: () => zhRevise.withdrawUsage,
  parse: parseIdArgs('withdraw'),
  handle(ctx, args) {
    if (!ctx.person) return;
    const found = ownDirective(ctx, args.id);
    if (typeof found === 'string') return ctx.reply(found);
    const relay = ctx.app.get(RELAY);
    const d = relay.withdraw(found.id, ctx.person.id);
    if (!d) return ctx.reply(zhRevise.alreadyWithdrawn(found.id));
    const { ledger } = ctx.app.repos;
    const cancelled = ledger.cancelPlanned(d.id, 'withdrawn before it was sent');
    const now = ctx.now;
    const planned: PlannedDelivery[] = [];
    let recalls = 0;
    const recallable = (p: { status: string; platformMessageId: string | null; sentAt: number | null }): boolean =>
      p.status === 'sent' && p.platformMessageId !== null && p.sentAt !== null && now - p.sentAt <= RECALL_WITHIN_MS;
    // Its files in each chat (those that went as files): recalled with the post, or the notice covers them.
    const files = new Map<string, AttachmentPost[]>();
    for (const f of ledger.attachmentPosts(d.id)) {
      if (f.fileFallback !== null || f.status === 'failed' || f.status === 'planned') continue;
      files.set(`${f.platform}:${f.target}`, [...(files.get(`${f.platform}:${f.target}`) ?? []), f]);
    }
    for (const parts of reachedChats(ctx, d)) {
      const first = parts[0];
      if (!first) continue;
      const itsFiles = files.get(`${first.platform}:${first.target}`) ?? [];
      // One post in one message and each of its files, sent within the platform's recall time: recalled; anything else gets the notice.
      const recall = parts.length === 1 && recallable(first) && itsFiles.every(recallable);
      if (recall) recalls++;
      const key = deliveryKey.withdrawal(d.id, first.platform, first.target);
      planned.push(followUp(d, first, key, 'withdrawal', zhRevise.withdrawalNotice(d.id), recall ? first.platformMessageId : null));
      // Recall only: nothing is posted should the platform refuse (the post's own withdrawal says it).
      if (recall) for (const f of itsFiles) planned.push({ ...followUp(d, first, deliveryKey.withdrawalFile(d.id, first.platform, first.target, f.attachmentId), 'withdrawal', '', f.platformMessageId), quoteId: null });
    }
    ctx.reply(zhRevise.withdrawn(d.id, planned.length, recalls, cancelled));
    ctx.work.queue(ctx.app.outbox.plan(planned));
  },
});

const correct = defineCommand<CorrectArgs>({
  name: 'correct',
  words: ['更正', '更正通知', '修改通知'],
  longText: true,
  where: ['L1', 'L2', 'L3', 'L4', 'private'],
  wrongPlace: zhRevise.onlyInSchoolGroup,
  guard: scopeIssuers,
  refusal: zhRevise.notAllowed,
  usage: () => '/更正 编号 新文本 —— 向收到该通知的每个群发更正（原通知的回复仍有效）',
  explain: () => zhRevise.correctUsage,
  parse: parseCorrectArgs,
  handle(ctx, args) {
    if (!ctx.person) return;
    const d = ownDirective(ctx, args.id);
    if (typeof d === 'string') return ctx.reply(d);
    const n = ctx.app.repos.directives.addCorrection(d.id, args.text, ctx.person.id, ctx.now);
    const planned: PlannedDelivery[] = [];
    for (const parts of reachedChats(ctx, d)) {
      const first = parts[0];
      if (!first) continue;
      planned.push(followUp(d, first, deliveryKey.correction(d.id, n, first.platform, first.target), 'correction', zhRevise.correctionPost(d.id, args.text)));
    }
    ctx.reply(zhRevise.corrected(d.id, planned.length));
    ctx.work.queue(ctx.app.outbox.plan(planned));
  },
});

const list = defineCommand<Record<string, never>>({
  name: 'list-directives',
  words: ['通知列表', '通知记录', '历史通知'],
  where: ['L1', 'L2', 'L3', 'L4', 'extra', 'private', 'unlisted'],
  guard: responsible,
  usage: () => '/通知列表 —— 最近的通知及其状态（进行中、已截止、已撤回）',
  parse: () => ({}),
  handle(ctx) {
    const relay = ctx.app.get(RELAY);
    const scope = ctx.viewer.scope;
    const org = ctx.org;
    const visible = ctx.app.repos.directives
      .recent(LIST_LIMIT * 3)
      .filter((d) => scope.kind === 'school' || (scope.kind !== 'none' && scope.collegeIds.some((c) => targetsCollege(org, d, c))))
      .slice(0, LIST_LIMIT);
    if (visible.length === 0) return ctx.reply(zhRevise.listEmpty);
    const lines = visible.map((d) => {
      const state = d.status === 'withdrawn' ? 'withdrawn' : relay.accepts(d) ? 'open' : 'closed';
      return zhRevise.listLine({
        id: d.id,
        state,
        at: formatTime(d.createdAt, ctx.app.timeZone, { now: ctx.now }),
        issuer: org.person(d.issuerId)?.name ?? '?',
        text: d.text,
        corrections: ctx.app.repos.directives.corrections(d.id),
      });
    });
    ctx.reply(zhRevise.list(lines));
  },
});

/**
 * `/补充 <编号> <文本>` (issue #15): a deputy secretary adds the college's own lines to a directive that
 * reached their college; they are posted to the college's groups that got it, quoting the post.
 */
/** Deputy secretaries (of any college): `/补充`. */
const deputies: Guard = {
  name: 'deputies',
  allows: (v) => v.person?.roles.some((r) => r.role === 'deputy_secretary') === true,
  refusal: zhRevise.supplementNotAllowed,
};

const supplement = defineCommand<CorrectArgs>({
  name: 'supplement',
  words: ['补充', '补充说明'],
  longText: true,
  where: ['L2', 'private'],
  wrongPlace: zhRevise.supplementWhere,
  guard: deputies,
  refusal: zhRevise.supplementNotAllowed,
  usage: () => '/补充 编号 文本 —— 在本学院收到该通知的群里补充本学院的要求',
  explain: () => zhRevise.supplementUsage,
  parse: parseCorrectArgs,
  handle(ctx, args) {
    const person = ctx.person;
    if (!person) return;
    const d = ownDirective(ctx, args.id, false);
    if (typeof d === 'string') return ctx.reply(d);
    const org = ctx.org;
    const mine = person.roles.filter((r) => r.role === 'deputy_secretary' && r.collegeId !== null).map((r) => r.collegeId as number);
    // In the college group: that college; privately: each of theirs the directive reached.
    const colleges = (ctx.place === 'L2' && ctx.group?.collegeId != null ? [ctx.group.collegeId] : mine).filter((c) => mine.includes(c) && targetsCollege(org, d, c));
    if (colleges.length === 0) return ctx.reply(zhRevise.supplementNotHere(d.id));
    const planned: PlannedDelivery[] = [];
    for (const collegeId of colleges) {
      const college = org.college(collegeId);
      const n = ctx.app.repos.directives.addCorrection(d.id, `[${college?.name ?? ''}] ${args.text}`, person.id, ctx.now);
      for (const parts of reachedChats(ctx, d)) {
        const first = parts[0];
        if (!first || org.group(first.groupId)?.collegeId !== collegeId) continue;
        planned.push(followUp(d, first, deliveryKey.supplement(d.id, collegeId, n, first.platform, first.target), 'correction', zhRevise.supplementPost(d.id, college?.name ?? '', args.text)));
      }
    }
    ctx.reply(zhRevise.supplemented(d.id, planned.length));
    ctx.work.queue(ctx.app.outbox.plan(planned));
  },
});

/**
 * `/导出 <编号>`: the asker's scope of a directive as a workbook. No adapter sends files yet (issue #15's
 * attachments part), so the answer gives the exact `cascade export` command(s) for the asker's scope,
 * to be run at the server; the access log records exports when they are made.
 */
const exportDirective = defineCommand<IdArgs>({
  name: 'export',
  words: ['导出', '导出通知', '导出回复'],
  where: ['L1', 'L2', 'L3', 'L4', 'extra', 'private', 'unlisted'],
  guard: responsible,
  usage: () => '/导出 编号 —— 导出您范围内该通知的回复情况表（xlsx）',
  explain: () => zhRevise.exportUsage,
  parse: parseIdArgs('export'),
  handle(ctx, args) {
    const d = ctx.app.get(RELAY).directive(args.id);
    if (!d) return ctx.reply(zhRevise.notFound(args.id));
    const scope = ctx.viewer.scope;
    const org = ctx.org;
    const flags: string[] =
      scope.kind === 'school'
        ? ['']
        : scope.kind === 'colleges'
          ? scope.collegeIds.map((c) => ` --college ${org.college(c)?.name ?? ''}`)
          : scope.kind === 'classes'
            ? scope.classIds.map((k) => ` --class ${org.classUnit(k)?.name ?? ''}`)
            : [];
    const howTo = zhRevise.exportHowTo(d.id, flags.map((f) => `cascade export ${d.id} --format xlsx${f}`));
    const scopeName =
      scope.kind === 'school'
        ? '全校'
        : scope.kind === 'colleges'
          ? scope.collegeIds.map((c) => org.college(c)?.name ?? '').join('、')
          : scope.kind === 'classes'
            ? scope.classIds.map((k) => org.classUnit(k)?.name ?? '').join('、')
            : '';
    const status = directiveState(d, (x) => ctx.app.get(RELAY).accepts(x));
    const byPersonId = ctx.person?.id ?? null;
    // The workbook is made after the commit (ExcelJS is asynchronous), kept a day under the data
    // directory, and sent privately through the ledger; where the chat takes no file, the CLI line goes.
    ctx.later(async (next) => {
      const { directiveExport, directiveWorkbook } = await import('./export.js');
      const { directives } = ctx.app.repos;
      const exp = directiveExport(org, d, scope, scopeName, directives.ackDetails(d.id), status, directives.answers(d.id));
      const put = ctx.app.files.put(await directiveWorkbook(exp, ctx.app.timeZone));
      await next.transaction((c) => {
        const now = c.now;
        const a = ctx.app.repos.attachments.addExport({ directiveId: d.id, kind: 'file', name: zhRevise.exportFileName(d.id, scopeName), size: put.size, sha256: put.sha256, personId: byPersonId, at: now });
        ctx.app.repos.access.add({ at: now, byPersonId, by: ctx.person ? `${ctx.person.extId} ${ctx.person.name}` : '', what: 'export_directive', scope: `第${d.id}号通知 ${scopeName}（聊天）` });
        if (c.ev.chat.type === 'group') c.replyInGroup(zhRevise.exportInGroup(d.id));
        c.replyPrivately(zhRevise.exportSending(d.id, scopeName, exp.rows.length));
        c.sendFilePrivately(a.id, howTo);
      });
    });
  },
});

export const revisionCommands = [withdraw, correct, supplement, list, exportDirective];

/** A directive's state in reports: open (takes replies), closed (its window is over), withdrawn. */
export function directiveState(d: Directive, accepts: (d: Directive) => boolean): 'open' | 'closed' | 'withdrawn' {
  return d.status === 'withdrawn' ? 'withdrawn' : accepts(d) ? 'open' : 'closed';
}
