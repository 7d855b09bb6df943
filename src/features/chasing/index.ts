/**
 * Chasing along the org tree: reminders on the schedule of `chasing` in the config, `/催办` on demand,
 * a summary at the deadline, and the chasing line of `/进度`.
 */
import { ANYWHERE, defineCommand, defineJob, serviceKey, type AppContext, type Feature, type MessageContext } from '../../app/feature.js';
import { responsible } from '../../app/guards.js';
import { parseQueryArgs, type QueryArgs } from '../../domain/commands.js';
import { RELAY } from '../directives/index.js';
import { SMS } from '../sms/index.js';
import { pickDirective, PROGRESS_LINE, QUERIES } from '../queries/index.js';
import { jobId } from '../../store/keys.js';
import { Chaser, type ChaseTimers } from './chaser.js';
import { zhChase } from './texts.js';

export const CHASER = serviceKey<Chaser>('chaser');

/** A chase round of a directive, due at `at` (epoch ms on the app's clock). */
interface ChaseJobData {
  readonly directiveId: number;
  readonly at: number;
}

export const CHASE_JOB = 'chase';
const CHASE_ATTEMPTS = 5;
const CHASE_BACKOFF_MS = 2000;

const chaseJob = defineJob<ChaseJobData>({
  name: CHASE_JOB,
  // One round at a time: rounds of one directive must not overlap.
  concurrency: 1,
  accepts: (d): d is ChaseJobData => typeof d === 'object' && d !== null && typeof (d as ChaseJobData).directiveId === 'number' && typeof (d as ChaseJobData).at === 'number',
  dueAt: (d) => d.at,
  handle: (d, { app }) => app.get(CHASER).tick(d.directiveId, d.at),
});

/**
 * Chase rounds as delayed jobs with deterministic ids (`chase-<directive>-<due>`): scheduling the same
 * round twice is one job, and it survives restarts in Redis. Gone once run, so the same time can be
 * asked for again (a round re-checks everything anyway).
 */
function chaseTimers(app: AppContext): ChaseTimers {
  return {
    scheduleChase: (directiveId, at, delayMs) =>
      app.queues.add(CHASE_JOB, { directiveId, at }, { jobId: jobId.chase(directiveId, at), delayMs, attempts: CHASE_ATTEMPTS, backoffMs: CHASE_BACKOFF_MS, forgetWhenDone: true }),
    cancelChases: (directiveId) => app.queues.removeDelayed(CHASE_JOB, (d) => (d as Partial<ChaseJobData>).directiveId === directiveId),
  };
}

/** `/催办 [编号] [学院或班级]`: the next reminder round now, within the asker's scope. */
function chaseNow(ctx: MessageContext, args: QueryArgs): void {
  const picked = pickDirective(ctx, args);
  if (typeof picked === 'string') return ctx.reply(picked);
  if (!ctx.person) return;
  if (!ctx.app.get(RELAY).accepts(picked.d)) return ctx.reply(zhChase.chaseClosed(picked.d.id));
  const outcome = ctx.app.get(CHASER).manual(picked.d, ctx.person, picked.scope, ctx.inboundId, picked.focus);
  // The answer goes first; the reminders queue behind it.
  ctx.reply(outcome.text);
  ctx.work.queue(outcome.sends);
}

const chase = defineCommand<QueryArgs>({
  name: 'chase',
  words: ['催办', '催促', '提醒未回复'],
  where: ANYWHERE,
  guard: responsible,
  refusal: zhChase.notAllowedToChase,
  usage: () => '/催办 [编号] [学院或班级] —— 立即提醒您负责范围内还没回复的人（刚提醒过的人不重复提醒）',
  parse: (rest) => parseQueryArgs(rest),
  handle: chaseNow,
});

export const chasing: Feature = {
  name: 'chasing',
  needs: [RELAY, QUERIES, SMS],
  provides: [CHASER, PROGRESS_LINE],
  setup(app) {
    const relay = app.get(RELAY);
    const { ledger, members } = app.repos;
    const chaser = new Chaser({
      org: () => app.org(),
      uow: app.store,
      directives: app.repos.directives,
      chase: app.repos.chase,
      plan: (planned) => app.outbox.plan(planned),
      queries: app.get(QUERIES),
      timers: chaseTimers(app),
      clock: app.clock,
      timeZone: app.timeZone,
      config: app.config.chasing,
      accepts: (d) => relay.accepts(d),
      canSend: (accountId) => app.adapters.has(accountId),
      capabilities: (accountId) => app.adapters.get(accountId)?.capabilities,
      lastNotices: (directiveId) => ledger.lastNotices(directiveId),
      posts: (directiveId) => ledger.postsByGroup(directiveId),
      seatedIn: (platform, chatId) => {
        const list = members.get(platform, chatId);
        return list ? new Set(list.members.map((m) => m.userId)) : undefined;
      },
      logger: app.logger,
      sms: {
        get enabled() {
          return app.config.sms.enabled;
        },
        planFamily: (d, studentId, kind, key, deadline) => app.get(SMS).planFamily(d, studentId, kind, key, deadline),
      },
      contactLog: (entries) => {
        for (const e of entries) app.repos.contactLog.add(e);
      },
      calls: {
        create: (t) => app.repos.callTasks.create(t),
        handedOver: (directiveId, level, kind, subjectId) => app.repos.callTasks.handedOver(directiveId, level, kind, subjectId),
        shown: (recipient, classes, at) =>
          app.repos.access.add({ at, byPersonId: recipient.id, by: `${recipient.extId} ${recipient.name}`, what: 'call_list', scope: classes.join('、') }),
        phones: (ids) => app.repos.contacts.currentPhones(ids),
      },
      failed: (where, ref, error, message) => app.failed(where, ref, error, message),
    });
    // A post that reached its group late (by hand, after an outage): its readers owe from then.
    app.repos.ledger.watch({ posted: (id, groupId, at) => chaser.noteReleased(id, [groupId], at) });
    app.repos.directives.watch({
      released: (id, groupIds, at) => chaser.noteReleased(id, groupIds, at),
      acknowledged: (id, level, kind, at) => chaser.noteAcknowledged(id, level, kind, at),
      withdrawn: (id) => chaser.noteWithdrawn(id),
    });
    app.provide(CHASER, chaser);
    app.provide(PROGRESS_LINE, (d, scope, askerId, pre) => chaser.progressLine(d, scope, askerId, pre));
  },
  commands: [chase],
  jobs: [chaseJob],
  async onReady(app) {
    const chaser = app.get(CHASER);
    // A round for every open directive: none is lost to a crash between rounds.
    await chaser.recover();
    // Wakes Redis refused are tried again.
    chaser.startRetrying(app.config.sending.sweepIntervalMs);
  },
  async onResume(app) {
    // A round Redis lost with its last second is scheduled again (a round re-checks everything).
    await app.get(CHASER).recover();
  },
  async onClose(app) {
    app.get(CHASER).stopRetrying();
  },
};
