/**
 * Membership: `/核对` audits a group's members against the roster now (counts in the group, names
 * privately); a daily audit reports what changed to the people responsible; join and leave events keep
 * the kept member lists current, and a student leaving their class group alerts their counselor.
 */
import { ANYWHERE, defineCommand, defineJob, serviceKey, type Feature, type MessageContext } from '../../app/feature.js';
import { responsible } from '../../app/guards.js';
import { clip } from '../../app/texts.js';
import { parseAuditArgs, type AuditArgs } from '../../domain/commands.js';
import type { Group } from '../../domain/org.js';
import { groupsNamed, isResponsibleFor } from '../../domain/responsibility.js';
import { Auditor } from './auditor.js';
import { zhAudit } from './texts.js';

export const AUDITOR = serviceKey<Auditor>('auditor');

/** The daily audit of every group, on a BullMQ job scheduler. */
export const AUDIT_JOB = 'audit';
export const DAILY_AUDIT = 'daily-audit';
const AUDIT_ATTEMPTS = 3;
const AUDIT_BACKOFF_MS = 60_000;

const auditJob = defineJob<object>({
  name: AUDIT_JOB,
  concurrency: 1,
  accepts: (d): d is object => typeof d === 'object' && d !== null,
  async handle(_data, { app }) {
    await app.get(AUDITOR).daily();
  },
});

/** `/核对 [群]`: checks who may, then audits after the commit (reading member lists is a platform call). */
function auditNow(ctx: MessageContext, args: AuditArgs): void {
  const { org, person } = ctx;
  let groups: Group[];
  if (args.target !== null) groups = groupsNamed(org, args.target);
  else if (ctx.group) groups = [ctx.group];
  else return ctx.reply(zhAudit.needGroup);
  if (groups.length === 0) {
    const target = args.target ?? '';
    const near = [...org.findCollege(target).suggestions.map((c) => c.name), ...org.findClass(target).suggestions.map((k) => k.name)].slice(0, 3);
    return ctx.reply(zhAudit.unknownGroup(clip(target), near));
  }
  if (!person || !groups.every((g) => isResponsibleFor(org, person, g))) return ctx.reply(zhAudit.notAllowed);
  ctx.later(async ({ ctx: asked, transaction }) => {
    const auditor = ctx.app.get(AUDITOR);
    const parts: { summary: string; details: string }[] = [];
    for (const g of groups) {
      try {
        const result = await auditor.audit(g, person.id);
        // A counselor auditing the parents group sees their own classes' families.
        parts.push(auditor.texts(g, auditor.scopedFor(person, g, result)));
      } catch (error) {
        ctx.app.logger.warn({ err: error, group: g.key }, 'membership audit failed');
        parts.push({ summary: zhAudit.failed(g.name), details: '' });
      }
    }
    const summary = parts.map((p) => p.summary).join('\n');
    const details = parts.map((p) => p.details).filter((d) => d !== '').join('\n\n');
    await transaction((c) => {
      if (asked.ev.chat.type === 'private') return c.replyPrivately(details === '' ? summary : `${summary}\n\n${details}`);
      c.replyInGroup(details === '' ? summary : `${summary}\n${zhAudit.detailsSent}`);
      if (details !== '') c.replyPrivately(details);
    });
  });
}

const audit = defineCommand<AuditArgs>({
  name: 'audit',
  words: ['核对', '核对成员', '查群'],
  where: ANYWHERE,
  guard: responsible,
  refusal: zhAudit.notAllowed,
  usage: () => '/核对 [班级或学院] —— 核对群成员是否与名单一致（明细私信发送）',
  parse: (rest) => parseAuditArgs(rest),
  handle: auditNow,
});

export const membership: Feature = {
  name: 'membership',
  provides: [AUDITOR],
  setup(app) {
    app.provide(
      AUDITOR,
      new Auditor({
        org: () => app.org(),
        adapters: app.adapters,
        audits: app.repos.audits,
        members: app.repos.members,
        store: app.store,
        clock: app.clock,
        patterns: app.config.membership.cardPatterns,
        botIds: app.botIds,
        timeZone: app.timeZone,
        logger: app.logger,
      }),
    );
  },
  commands: [audit],
  jobs: [auditJob],
  inbound: {
    memberJoin(ev, { app }) {
      // The kept member list gains them; who they are is for the next audit.
      app.get(AUDITOR).onMemberJoin(ev);
    },
    memberLeave(ev, { app, work }) {
      app.get(AUDITOR).onMemberLeave(ev, work);
    },
  },
  async onReady(app) {
    await app.queues.daily(AUDIT_JOB, DAILY_AUDIT, app.config.membership.dailyAuditAt, app.timeZone, { attempts: AUDIT_ATTEMPTS, backoffMs: AUDIT_BACKOFF_MS });
  },
  async onResume(app) {
    // The schedule lives in Redis: made again (an upsert) should the outage have lost it.
    await app.queues.daily(AUDIT_JOB, DAILY_AUDIT, app.config.membership.dailyAuditAt, app.timeZone, { attempts: AUDIT_ATTEMPTS, backoffMs: AUDIT_BACKOFF_MS });
  },
};
