/**
 * SMS (docs/sms.md): the channel's service, its send job, the pull of receipts and replies, and the
 * sandbox's view of each message. Providers: `simulated` (built in; the demo, the sandbox, drills).
 */
import { defineJob, serviceKey, type AppContext, type Feature } from '../../app/feature.js';
import { maskPhone, type SmsProvider } from '../../sms/port.js';
import { AliyunSmsProvider } from '../../sms/aliyun.js';
import { SimulatedSmsProvider, type SimulatedSms } from '../../sms/simulated.js';
import { TencentSmsProvider } from '../../sms/tencent.js';
import { formatTime } from '../../domain/duration.js';
import { deliveryKey, jobId } from '../../store/keys.js';
import { RELAY } from '../directives/index.js';
import { SMS_SEND_JOB, SmsDesk } from './desk.js';

export const SMS = serviceKey<SmsDesk>('sms');
/** The simulated provider of this app, when the config chose it (tests and the sandbox read it). */
export const SIMULATED_SMS = serviceKey<SimulatedSmsProvider>('simulatedSms');

interface SmsJobData {
  readonly id: number;
  /** When it may go (after quiet hours unless urgent). */
  readonly at: number;
}

const sendJob = defineJob<SmsJobData>({
  name: SMS_SEND_JOB,
  // One provider, paced: one send at a time.
  concurrency: 1,
  accepts: (d): d is SmsJobData => typeof d === 'object' && d !== null && typeof (d as SmsJobData).id === 'number' && typeof (d as SmsJobData).at === 'number',
  dueAt: (d) => d.at,
  handle: (d, { app }) => app.get(SMS).send(d.id),
});

/** Each SMS of the simulated provider, where the app was asked to show them (the sandbox prints them). */
export type SmsWatcher = (m: SimulatedSms) => void;
const watchers = new WeakMap<AppContext, SmsWatcher[]>();
export function watchSms(app: AppContext, w: SmsWatcher): void {
  const list = watchers.get(app) ?? [];
  list.push(w);
  watchers.set(app, list);
}

/** The configured provider (`sms.provider`); the simulated one otherwise. */
function providerOf(app: AppContext, simulated: SimulatedSmsProvider): SmsProvider {
  const c = app.config.sms;
  if (c.provider === 'aliyun' && c.aliyun) return new AliyunSmsProvider({ ...c.aliyun, timeZone: app.timeZone });
  if (c.provider === 'tencent' && c.tencent) return new TencentSmsProvider({ ...c.tencent, timeoutSec: Math.ceil(c.tencent.timeoutMs / 1000) });
  return simulated;
}

export const sms: Feature = {
  name: 'sms',
  provides: [SMS, SIMULATED_SMS],
  needs: [RELAY],
  setup(app) {
    const simulated = new SimulatedSmsProvider(
      () => app.clock.now(),
      (m) => {
        app.logger.info({ to: maskPhone(m.phone), template: m.templateId }, 'simulated sms');
        for (const w of watchers.get(app) ?? []) w(m);
      },
    );
    const provider: SmsProvider = providerOf(app, simulated);
    app.provide(SIMULATED_SMS, simulated);
    const relay = app.get(RELAY);
    app.provide(
      SMS,
      new SmsDesk({
        org: () => app.org(),
        sms: app.repos.sms,
        contacts: app.repos.contacts,
        members: app.repos.members,
        log: app.repos.contactLog,
        directives: app.repos.directives,
        provider,
        config: app.config.sms,
        quietHours: app.config.chasing.quietHours,
        timeZone: app.timeZone,
        schoolName: app.config.school.name,
        countAtOrAbove: app.config.replies.countAtOrAbove,
        accepts: (d) => relay.accepts(d),
        enqueue: (id, at) => app.queues.add(SMS_SEND_JOB, { id, at }, { jobId: jobId.sms(id), delayMs: at - app.clock.now(), attempts: 3, backoffMs: 5_000, forgetWhenDone: true }),
        clock: app.clock,
        logger: app.logger,
        atomically: (body) => app.repos.db.$client.transaction(body)(),
      }),
    );
  },
  jobs: [sendJob],
  async onStart(app) {
    // 短信: at release into a college's parents group, every family of it outside the parents groups is texted.
    const desk = app.get(SMS);
    app.get(RELAY).onReleased((d, groups) => {
      if (!d.sms || !desk.enabled) return;
      const org = app.org();
      const outside = desk.outsideTest();
      const deadline = d.deadlineAt === null ? null : formatTime(d.deadlineAt, app.timeZone, { now: app.clock.now() });
      for (const g of groups) {
        if (g.level !== 4 || g.collegeId === null) continue;
        for (const k of org.classesOf(g.collegeId)) {
          for (const st of org.studentsOf(k.id)) {
            if (outside(st.id, g.collegeId)) desk.planFamily(d, st.id, 'directive', deliveryKey.smsFamily(d.id, st.id, 'release'), deadline);
          }
        }
      }
    });
  },
  async onReady(app) {
    const desk = app.get(SMS);
    const left = desk.recover();
    if (left > 0) app.logger.warn({ count: left }, 'sms left mid-call by a stopped run are uncertain (not sent again)');
    await desk.kick();
    if (app.config.sms.enabled) desk.startPulling(app.config.sms.pullEvery);
  },
  async onResume(app) {
    await app.get(SMS).kick();
  },
  async onClose(app) {
    app.get(SMS).stopPulling();
  },
};
