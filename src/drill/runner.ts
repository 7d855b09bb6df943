/**
 * Plays a drill scenario on the simulator with a virtual clock, in its own temporary store and Redis
 * namespace, and reports what happened.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { SimFile, SimMessage } from '../../adapters/simulator/index.js';
import { VirtualClock } from '../clock.js';
import { chasingSchema, configSchema, type CascadeConfig } from '../config/schema.js';
import { directiveLevels, owedBy, type Directive } from '../domain/directive.js';
import type { Person, PlatformGroup } from '../domain/org.js';
import type { OrgIndex } from '../domain/org-index.js';
import { emptyTally, type Tally } from '../domain/progress.js';
import { startRuntime, type Runtime } from '../runtime.js';
import { defaultCard, type Findings } from '../domain/membership.js';
import type { Scenario, Step } from './scenario.js';
import { passTime } from './time.js';
import { isDirectivePostKey } from '../store/keys.js';
import { AUDITOR } from '../features/membership/index.js';
import { QUERIES } from '../features/queries/index.js';
import { contactLogEntries } from '../features/contacts/log-export.js';
import { SIMULATED_SMS, SMS } from '../features/sms/index.js';
import { RELAY } from '../features/directives/index.js';
import { directiveState } from '../features/directives/revise.js';

/** A level's tally, as `/进度` counts it. */
export type DrillLevelReport = Tally;

export interface DrillReport {
  scenario: string;
  ok: boolean;
  failures: string[];
  startedAt: string;
  endedAt: string;
  directives: {
    id: number;
    text: string;
    mode: string;
    depth: number;
    deadline: string | null;
    levels: Record<string, DrillLevelReport>;
    /** `open` (takes replies), `closed` (its reply window is over), `withdrawn` (`/撤回`). */
    status: 'open' | 'closed' | 'withdrawn';
    /** `withdrawn`: groups where the post was recalled or a withdrawal notice posted. */
    deliveries: { planned: number; sent: number; failed: number; uncertain: number; withdrawn: number };
  }[];
  /** `files`: the names of the files and pictures the message carried (issue #15); empty for a text. */
  messages: { account: string; to: string; chatId: string; text: string; mentions: string[]; files: string[]; at: string }[];
  /** Chase rounds run: automatic, `/催办`, and deadline summaries. */
  chases: { directive: number; kind: string; at: string; reminded: number; messages: number }[];
  /** Every group's membership audited at the end of the drill (issue #5), with what is wrong. */
  audits: DrillAudit[];
  /** Every SMS planned (issue #13); `to` is the phone number: the report stays with the operator. */
  sms: { to: string; kind: string; text: string; status: string; at: string }[];
  /** The home–school contact log at the end of the drill. */
  contactLog: { at: string; by: string; student: string; contact: string; channel: string; text: string }[];
}

/** One group's audit: roster people by 学号/工号 (`ref`), others by account and card. */
export interface DrillAudit extends Findings {
  group: string;
}

export interface DrillOptions {
  readonly config: CascadeConfig;
  readonly logger: Logger;
  /** Use this Redis (with a fresh key prefix) instead of starting a throwaway redis-server. */
  readonly redisUrl?: string;
  /** Called after each step, for progress output. */
  readonly onStep?: (index: number, step: Step) => void;
}

export class DrillStepError extends Error {
  override readonly name = 'DrillStepError';
}

export async function runDrill(scenario: Scenario, options: DrillOptions): Promise<DrillReport> {
  const scratch = mkdtempSync(join(tmpdir(), 'cascade-drill-'));
  const clock = new VirtualClock(Date.parse(scenario.start));
  const prefix = `drill-${randomBytes(4).toString('hex')}`;
  // Drills run unpaced: the virtual clock would otherwise be moved by every paced send.
  const over = scenario.chasing ?? {};
  const chasing = chasingSchema.parse({
    ...options.config.chasing,
    ...over,
    levels: { ...options.config.chasing.levels, ...((over['levels'] as Record<string, unknown> | undefined) ?? {}) },
  });
  const config: CascadeConfig = {
    ...options.config,
    chasing,
    dataDir: scratch,
    org: scenario.org,
    sending: { ...options.config.sending, minGapMs: 0, jitterMs: 0, retryBackoffMs: 10 },
    accounts: options.config.accounts.map((a) => ({ ...a, minGapMs: 0, jitterMs: 0 })),
    // The simulator does not rate-limit remark writes either.
    membership: { ...options.config.membership, remarkGap: 0 },
    // SMS on the simulated provider, unpaced like the rest.
    sms: configSchema.shape.sms.parse({ ...options.config.sms, ...(scenario.sms ?? {}), provider: 'simulated', aliyun: undefined, tencent: undefined, minGapMs: 0 }),
  };
  const runtime = await startRuntime({
    config,
    logger: options.logger,
    clock,
    dbFile: join(scratch, 'drill.db'),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    persistentRedis: false,
    prefix,
  });
  const failures: string[] = [];
  try {
    // expectBot looks at what the bots posted since the last action step began.
    let mark = 0;
    for (const [index, step] of scenario.steps.entries()) {
      if (isAction(step)) mark = runtime.school.world.transcript().length;
      try {
        await playStep(runtime, clock, step, mark);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(`step ${index + 1}: ${message}`);
        if (!(error instanceof ExpectationFailed)) break;
      }
      await runtime.app.settle();
      options.onStep?.(index, step);
    }
    const audits: DrillAudit[] = [];
    for (const g of runtime.app.org().groups) {
      try {
        const { missing, strangers, unmatched, badCard, duplicates, left } = await runtime.app.get(AUDITOR).audit(g, null);
        audits.push({ group: g.key, missing, strangers, unmatched, badCard, duplicates, left });
      } catch (error) {
        failures.push(`audit of ${g.key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return report(runtime, scenario, failures, clock, audits);
  } finally {
    await runtime.app.queues.obliterate().catch(() => undefined);
    await runtime.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

class ExpectationFailed extends Error {}

function isAction(step: Step): boolean {
  return 'say' in step || 'replyAll' in step || 'wait' in step || 'restart' in step || 'join' in step || 'leave' in step || 'card' in step || 'relogin' in step || 'sms' in step;
}

function resolvePerson(org: OrgIndex, as: string): Person {
  const person = org.personByRef(as);
  if (!person) throw new DrillStepError(`no person "${as}" in the roster (use 学号, 工号, 家长:<学号> or 家长:<学号>:<姓名>)`);
  return person;
}

function latestDirective(runtime: Runtime, id?: number): Directive {
  const d = id === undefined ? runtime.app.directives.latest() : runtime.app.directives.get(id);
  if (!d) throw new DrillStepError(id === undefined ? 'no directive has been issued yet' : `no directive ${id}`);
  return d;
}

async function playStep(runtime: Runtime, clock: VirtualClock, step: Step, since: number): Promise<void> {
  const org = runtime.app.org();
  const { world } = runtime.school;
  if ('note' in step) return;
  if ('wait' in step) {
    await passTime(runtime.app, clock, step.wait);
    return;
  }
  if ('restart' in step) {
    await runtime.app.settle();
    await runtime.restart(!step.restart.graceful);
    return;
  }
  if ('join' in step || 'leave' in step || 'card' in step) {
    membershipStep(runtime, org, step);
    return;
  }
  if ('relogin' in step) {
    const { account, loseRemarks } = step.relogin;
    if (!world.account(account)) throw new DrillStepError(`no bot account ${account}`);
    await runtime.app.settle();
    world.relogin(account, { loseRemarks });
    await world.flush();
    // The new session's ids are resolved before the drill goes on (remarks included).
    await runtime.app.sessions.get(account)?.settled();
    return;
  }
  if ('sms' in step) {
    const person = resolvePerson(org, step.sms.from);
    // 家长:学号 is the family: the guardian the bots texted (the first with a number).
    const candidates = person.kind === 'guardian' ? [person.id, ...org.wardsOf(person.id).flatMap((w) => org.guardiansOf(w.studentId).map((g) => g.guardianId))] : [person.id];
    const phones = runtime.app.get(SMS).phones(candidates);
    const phone = candidates.map((id) => phones.get(id)).find((p) => p);
    if (!phone) throw new DrillStepError(`${step.sms.from} has no phone number in the address book`);
    runtime.app.get(SIMULATED_SMS).reply(phone, step.sms.text);
    await runtime.app.get(SMS).pull();
    return;
  }
  if ('say' in step) {
    const say = step.say.codeOf === undefined ? step.say : { ...step.say, text: step.say.text.replaceAll('{code}', codeTextedTo(runtime, org, step.say.codeOf)) };
    const stranger = parseAccountRef(say.as);
    if (stranger) {
      strangerSays(runtime, org, stranger, say);
      return;
    }
    const person = resolvePerson(org, say.as);
    if (say.in === '私聊' || say.in === 'private') {
      const platform = org.accountOn(person.id, 'qq') ? 'qq' : 'wechat';
      const userId = org.accountOn(person.id, platform);
      const account = say.via ?? runtime.school.accountsOn(platform)[0];
      if (!userId || !account) throw new DrillStepError(`${say.as} cannot reach a bot privately`);
      world.sayPrivate(userId, account, say.text, filesOf(say.file));
      return;
    }
    const seat = runtime.school.seatOf(person.id, say.in);
    if (!seat) throw new DrillStepError(`${say.as} is not in ${say.in}`);
    const quoteId = say.quote === 'directive' ? lastDirectivePost(world.transcript(), seat.chatId) : undefined;
    world.say(seat.userId, seat.chatId, say.text, { ...(quoteId ? { quoteId } : {}), ...filesOf(say.file) });
    return;
  }
  if ('replyAll' in step) {
    const { in: key, text, except, count } = step.replyAll;
    const group = org.groupByKeyText(key);
    if (!group) throw new DrillStepError(`no group ${key}`);
    const d = latestDirective(runtime, step.replyAll.directive);
    const skip = new Set(except);
    const covered = new Set<number>();
    let n = 0;
    for (const person of seatedIn(runtime, org, key)) {
      if (count !== undefined && n >= count) break;
      const owed = owedBy(org, d, person, group);
      if (owed.length === 0 || skip.has(person.extId)) continue;
      if (owed.every((o) => covered.has(o.subjectId))) continue;
      const wards = owed.map((o) => org.person(o.subjectId)?.extId ?? '');
      if (wards.some((w) => skip.has(w))) continue;
      for (const o of owed) covered.add(o.subjectId);
      const seat = runtime.school.seatOf(person.id, key);
      if (!seat) continue;
      world.say(seat.userId, seat.chatId, text);
      n++;
    }
    return;
  }
  if ('expect' in step) {
    const e = step.expect;
    const d = latestDirective(runtime, e.directive);
    const t = runtime.app.get(QUERIES).totals(d).get(e.level);
    const got = t ?? { required: 0, acknowledged: 0, late: 0, done: 0 };
    const problems: string[] = [];
    for (const field of ['required', 'acknowledged', 'late', 'done'] as const) {
      const want = e[field];
      if (want !== undefined && got[field] !== want) problems.push(`${field} ${got[field]} ≠ expected ${want}`);
    }
    if (problems.length > 0) throw new ExpectationFailed(`directive ${d.id} level ${e.level}: ${problems.join(', ')}`);
    return;
  }
  if ('expectDeliveries' in step) {
    const e = step.expectDeliveries;
    const d = latestDirective(runtime, e.directive);
    const c = runtime.app.ledger.counts(d.id);
    const problems: string[] = [];
    if (e.planned !== undefined && c.planned !== e.planned) problems.push(`planned ${c.planned} ≠ expected ${e.planned}`);
    if (e.sent !== undefined && c.sent !== e.sent) problems.push(`sent ${c.sent} ≠ expected ${e.sent}`);
    if (problems.length > 0) throw new ExpectationFailed(`directive ${d.id} deliveries: ${problems.join(', ')}`);
    return;
  }
  const e = step.expectBot;
  await runtime.app.settle();
  const messages = world
    .transcript()
    .slice(since)
    .filter((m) => world.account(m.from) !== undefined)
    .filter((m) => !e.to || destinationOf(org, m) === e.to)
    .filter((m) => !e.contains || m.text.includes(e.contains))
    .filter((m) => !e.notContains || !m.text.includes(e.notContains))
    .filter((m) => e.file === undefined || (m.files ?? []).some((f) => f.name.includes(e.file ?? '')));
  const ok = e.count === undefined ? messages.length > 0 : messages.length === e.count;
  if (!ok) {
    throw new ExpectationFailed(
      `expected ${e.count ?? 'at least 1'} bot message(s)${e.to ? ` to ${e.to}` : ''}${e.contains ? ` containing "${e.contains}"` : ''}${e.notContains ? ` without "${e.notContains}"` : ''}${e.file ? ` carrying a file "${e.file}"` : ''}, saw ${messages.length}`,
    );
  }
}

/** `qq:999000001`, `wechat:wxid_x`: an account the drill names by its platform id, maybe not on the roster. */
function parseAccountRef(as: string): { platform: 'qq' | 'wechat'; userId: string } | null {
  const m = /^(qq|wechat):(.+)$/u.exec(as.trim());
  return m?.[1] && m[2] ? { platform: m[1] as 'qq' | 'wechat', userId: m[2] } : null;
}

/**
 * A `say` step by an account named `<platform>:<id>`: privately to a bot (as someone who added it as a
 * friend), or in a group the account is in (a `join` step puts a stranger there).
 */
/** The newest verification code the simulated provider texted to a person's number. */
function codeTextedTo(runtime: Runtime, org: OrgIndex, ref: string): string {
  const person = resolvePerson(org, ref);
  const phone = runtime.app.get(SMS).phones([person.id]).get(person.id);
  const sent = runtime.app.get(SIMULATED_SMS).sent.filter((m) => m.phone === phone && m.templateId === runtime.app.config.sms.templates.code.id);
  const code = /\d{6}/u.exec(sent.at(-1)?.text ?? '')?.[0];
  if (!code) throw new DrillStepError(`no verification code was texted to ${ref}`);
  return code;
}

/** A `say` step's file as the simulated platform carries it: pictures by extension. */
function filesOf(path: string | undefined): { files?: SimFile[] } {
  if (path === undefined) return {};
  const name = basename(path);
  return { files: [{ kind: /\.(png|jpe?g|gif|webp)$/iu.test(name) ? 'image' : 'file', name, data: readFileSync(path) }] };
}

function strangerSays(runtime: Runtime, org: OrgIndex, who: { platform: 'qq' | 'wechat'; userId: string }, say: { as: string; in: string; text: string; via?: string | undefined; file?: string | undefined }): void {
  const { world } = runtime.school;
  if (!world.user(who.userId)) world.addUser({ userId: who.userId, nickname: who.userId, platform: who.platform });
  if (say.in === '私聊' || say.in === 'private') {
    const account = say.via ?? runtime.school.accountsOn(who.platform)[0];
    if (!account) throw new DrillStepError(`no ${who.platform} bot to write to privately`);
    world.befriend(account, who.userId);
    world.sayPrivate(who.userId, account, say.text, filesOf(say.file));
    return;
  }
  const group = org.groupByKeyText(say.in);
  if (!group) throw new DrillStepError(`no group ${say.in}`);
  const pg = org.platformGroupsOf(group.id).find((g) => g.platform === who.platform && world.isMember(g.chatId, who.userId));
  if (!pg) throw new DrillStepError(`${say.as} is not in ${say.in} (add a join step: { join: { account: ${who.userId}, card: …, in: ${say.in} } })`);
  world.say(who.userId, pg.chatId, say.text, filesOf(say.file));
}

/** The first platform group behind a logical group (where a drill's joins and leaves happen). */
function platformGroupOf(org: OrgIndex, key: string): PlatformGroup {
  const g = org.groupByKeyText(key);
  const pg = g ? org.platformGroupsOf(g.id)[0] : undefined;
  if (!pg) throw new DrillStepError(`no group ${key}`);
  return pg;
}

/** join / leave / card: membership changes, as the platform reports them (events, member lists). */
function membershipStep(runtime: Runtime, org: OrgIndex, step: Step): void {
  const { world } = runtime.school;
  /** Where a roster person sits in the group: their seat, else their account on its platform. */
  const where = (as: string, key: string): { chatId: string; userId: string; person: Person } => {
    const person = resolvePerson(org, as);
    const seat = runtime.school.seatOf(person.id, key);
    if (seat && world.isMember(seat.chatId, seat.userId)) return { chatId: seat.chatId, userId: seat.userId, person };
    const pg = platformGroupOf(org, key);
    const userId = org.accountOn(person.id, pg.platform);
    if (!userId) throw new DrillStepError(`${as} has no ${pg.platform} account`);
    return { chatId: pg.chatId, userId, person };
  };
  if ('join' in step) {
    const j = step.join;
    if ('account' in j) {
      const pg = platformGroupOf(org, j.in);
      if (!world.user(j.account)) world.addUser({ userId: j.account, nickname: j.card, platform: pg.platform });
      world.join(pg.chatId, j.account, { card: j.card });
      return;
    }
    const w = where(j.as, j.in);
    if (!world.user(w.userId)) world.addUser({ userId: w.userId, nickname: w.person.name, platform: platformGroupOf(org, j.in).platform });
    if (!world.isMember(w.chatId, w.userId)) world.join(w.chatId, w.userId, { card: j.card ?? defaultCard(org, w.person) });
    return;
  }
  if ('leave' in step) {
    const l = step.leave;
    if (l.account !== undefined) {
      world.leave(platformGroupOf(org, l.in).chatId, l.account);
      return;
    }
    const w = where(l.as ?? '', l.in);
    if (!world.isMember(w.chatId, w.userId)) throw new DrillStepError(`${l.as ?? ''} is not in ${l.in}`);
    world.leave(w.chatId, w.userId);
    return;
  }
  if ('card' in step) {
    const w = where(step.card.as, step.card.in);
    if (!world.isMember(w.chatId, w.userId)) throw new DrillStepError(`${step.card.as} is not in ${step.card.in}`);
    world.setCard(w.chatId, w.userId, step.card.card);
  }
}

function seatedIn(runtime: Runtime, org: OrgIndex, key: string): Person[] {
  const group = org.groupByKeyText(key);
  if (!group) return [];
  const out: Person[] = [];
  for (const pg of org.platformGroupsOf(group.id)) {
    for (const m of runtime.school.world.members(pg.chatId)) {
      const p = org.personByPlatformAccount(pg.platform, m.userId);
      if (p && !out.includes(p)) out.push(p);
    }
  }
  return out;
}

function lastDirectivePost(transcript: readonly SimMessage[], chatId: string): string | undefined {
  for (let i = transcript.length - 1; i >= 0; i--) {
    const m = transcript[i];
    if (m && m.chatType === 'group' && m.chatId === chatId && m.deliveryKey !== undefined && isDirectivePostKey(m.deliveryKey)) return m.id;
  }
  return undefined;
}

/** Where a bot message went, as drills name it: a group key, or 私聊:<学号/工号>. */
export function destinationOf(org: OrgIndex, m: SimMessage): string {
  if (m.chatType === 'group') {
    const pg = org.platformGroup(m.platform, m.chatId);
    const g = pg ? org.group(pg.groupId) : undefined;
    return g?.key ?? `群:${m.chatId}`;
  }
  const p = org.personByPlatformAccount(m.platform, m.toUserId);
  return `私聊:${p?.extId ?? m.toUserId}`;
}

/** Every SMS planned in the drill, with the text the simulated provider gave it (sent) or its template. */
function smsReport(runtime: Runtime): DrillReport['sms'] {
  const texts = new Map(runtime.app.get(SIMULATED_SMS).sent.map((m) => [m.outId, m.text]));
  return runtime.app.repos.sms.since(0).map((r) => ({
    to: r.phone,
    kind: r.kind,
    text: texts.get(r.key) ?? `${r.templateId} ${r.params.map(([k, v]) => `${k}=${v}`).join(' ')}`,
    status: r.status,
    at: new Date(r.sentAt ?? r.plannedAt).toISOString(),
  }));
}

function report(runtime: Runtime, scenario: Scenario, failures: string[], clock: VirtualClock, audits: DrillAudit[]): DrillReport {
  const org = runtime.app.org();
  const { world } = runtime.school;
  return {
    scenario: scenario.name,
    ok: failures.length === 0,
    failures,
    startedAt: new Date(Date.parse(scenario.start)).toISOString(),
    endedAt: new Date(clock.now()).toISOString(),
    directives: runtime.app.directives.all().map((d) => {
      const totals = runtime.app.get(QUERIES).totals(d);
      const levels: Record<string, DrillLevelReport> = {};
      for (const l of directiveLevels(d)) {
        levels[String(l)] = { ...(totals.get(l) ?? emptyTally()) };
      }
      const c = { ...runtime.app.ledger.counts(d.id), withdrawn: runtime.app.repos.ledger.withdrawnCount(d.id) };
      return {
        id: d.id,
        text: d.text,
        status: directiveState(d, (x) => runtime.app.get(RELAY).accepts(x)),
        mode: d.mode,
        depth: d.depth,
        deadline: d.deadlineAt === null ? null : new Date(d.deadlineAt).toISOString(),
        levels,
        deliveries: c,
      };
    }),
    audits,
    chases: runtime.app.directives
      .all()
      .flatMap((d) => runtime.app.repos.chase.rounds(d.id))
      .map((r) => ({ directive: r.directiveId, kind: r.kind, at: new Date(r.at).toISOString(), reminded: r.reminded, messages: r.messages })),
    messages: world
      .transcript()
      .filter((m) => world.account(m.from) !== undefined)
      .map((m) => ({
        account: m.from,
        to: destinationOf(org, m),
        chatId: m.chatType === 'group' ? m.chatId : m.toUserId,
        text: m.text,
        mentions: [...m.mentions],
        files: (m.files ?? []).map((f) => f.name),
        at: new Date(m.at).toISOString(),
      })),
    sms: smsReport(runtime),
    contactLog: contactLogEntries(org, runtime.app.repos.contactLog.list()).map((e) => ({
      at: e.at,
      by: e.by,
      student: e.student,
      contact: e.contact,
      channel: e.channel,
      text: e.outcome ? `${e.text}；结果：${e.outcome}` : e.text,
    })),
  };
}
