import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import '../../adapters/index.js';
import type { Feature } from '../../src/app/feature.js';
import { silentLogger } from '../../src/app/logger.js';
import { systemClock, VirtualClock, type Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { SimFile, SimMessage } from '../../adapters/simulator/index.js';
import type { ChatAdapter } from '../../src/platform/port.js';
import { destinationOf } from '../../src/drill/runner.js';
import { passTime as passTimeOn } from '../../src/drill/time.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { redisUrl, tempDir, uniquePrefix } from './helpers.js';
import { QUERIES } from '../../src/features/queries/index.js';

/** What the bots posted in answer to something said, once everything has settled. */
export interface Said {
  /** Every bot message since, anywhere. */
  readonly all: readonly SimMessage[];
  /** The texts posted to one destination: a group key, or 私聊:<学号/工号/account>. */
  to(destination: string): string[];
  /** All texts since, joined (for `toContain` / `not.toContain`). */
  readonly text: string;
}

export interface TestSchool {
  readonly runtime: Runtime;
  readonly clock: Clock;
  /**
   * Someone says something in a group (key) or privately ('私聊'): a roster person (学号, 工号,
   * 家长:<学号>) or an account the roster does not know, `qq:<id>` / `wechat:<id>` (they join the
   * group first if they are not in it).
   */
  say(who: string, where: string, text: string, opts?: { quoteId?: string; appXml?: string; files?: readonly SimFile[] }): SimMessage;
  /** The conversation step: `who` says `text` in `where`; resolves with what the bots posted since, once settled. */
  ask(who: string, where: string, text: string, opts?: { quoteId?: string; appXml?: string; files?: readonly SimFile[] }): Promise<Said>;
  /** Waits until every queue is drained. */
  settle(): Promise<void>;
  /** Bot messages to a destination (group key or 私聊:<id>), optionally only those after a transcript index. */
  botMessages(to?: string, since?: number): SimMessage[];
  mark(): number;
  close(): Promise<void>;
}

export const START = Date.parse('2026-03-02T08:00:00+08:00');

/** Copies the demo roster to a temp dir, letting a test edit its CSVs. */
export function demoRosterCopy(edit?: (files: { groups: string }) => { groups: string }): { dir: string; remove: () => void } {
  const tmp = tempDir('roster');
  cpSync('config/demo', tmp.path, { recursive: true });
  if (edit) {
    const file = join(tmp.path, '群.csv');
    const next = edit({ groups: readFileSync(file, 'utf8') });
    writeFileSync(file, next.groups);
  }
  return { dir: tmp.path, remove: tmp.remove };
}

export async function startTestSchool(
  options: {
    org?: string;
    realClock?: boolean;
    minGapMs?: number;
    config?: Record<string, unknown>;
    features?: readonly Feature[];
    /** Adapters besides the simulated school's (a wechaty account on the puppet mock). */
    adapters?: readonly ChatAdapter[];
    logger?: Logger;
    /** Use this Redis (e.g. one the test kills), or `embedded`: a supervised redis-server with AOF in the data dir, as `npm start` runs. */
    redis?: string | 'embedded';
  } = {},
): Promise<TestSchool> {
  const data = tempDir('cascade-e2e');
  const clock: Clock = options.realClock ? systemClock : new VirtualClock(START);
  const config = parseConfig({
    dataDir: data.path,
    org: options.org ?? 'config/demo',
    // A send paused while its account is offline (e.g. an app killed mid-send) retries soon in tests.
    sending: { minGapMs: options.minGapMs ?? 0, jitterMs: 0, retryBackoffMs: 10, maxAttempts: 5, offlineRetryMs: 300 },
    queue: { lockDurationMs: 1000, stalledIntervalMs: 1000 },
    // The simulator does not rate-limit remark writes.
    membership: { remarkGap: 0 },
    // Most scenarios follow a directive down to the parents with a plain /通知: a school configured so.
    // The product's default (3: parents only with 层级=4 or a 家长版) is tested in directives.e2e.test.ts.
    directives: { defaultDepth: 4 },
    ...options.config,
  });
  const runtime = await startRuntime({
    config,
    logger: options.logger ?? silentLogger,
    ...(options.features ? { features: options.features } : {}),
    ...(options.adapters ? { adapters: options.adapters } : {}),
    clock,
    ...(options.redis === 'embedded' ? {} : { redisUrl: options.redis ?? redisUrl() }),
    prefix: uniquePrefix('e2e'),
    persistentRedis: options.redis === 'embedded',
  });
  const { world } = runtime.school;
  const stranger = (platform: 'qq' | 'wechat', userId: string, where: string, text: string, opts: { quoteId?: string; appXml?: string; files?: readonly SimFile[] }): SimMessage => {
    if (!world.user(userId)) world.addUser({ userId, nickname: userId, platform });
    const account = runtime.school.accountsOn(platform)[0];
    if (!account) throw new Error(`no ${platform} bot`);
    if (where === '私聊') {
      // They added the bot as a friend: a bot reaches a stranger in no shared group only so.
      world.befriend(account, userId);
      return world.sayPrivate(userId, account, text, opts.files ? { files: opts.files } : {});
    }
    const org = runtime.app.org();
    const group = org.groupByKeyText(where);
    const pg = group ? org.platformGroupsOf(group.id).find((g) => g.platform === platform) : undefined;
    if (!pg) throw new Error(`${where} has no ${platform} group`);
    if (!world.isMember(pg.chatId, userId)) world.join(pg.chatId, userId, { card: userId });
    return world.say(userId, pg.chatId, text, opts);
  };
  const school: TestSchool = {
    runtime,
    clock,
    say(who, where, text, opts = {}) {
      const account = /^(qq|wechat):(.+)$/u.exec(who);
      if (account?.[1] && account[2]) return stranger(account[1] as 'qq' | 'wechat', account[2], where, text, opts);
      const org = runtime.app.org();
      const person = org.personByRef(who);
      if (!person) throw new Error(`no person ${who}`);
      if (where === '私聊') {
        const platform = org.accountOn(person.id, 'qq') ? 'qq' : 'wechat';
        const userId = org.accountOn(person.id, platform);
        const account = runtime.school.accountsOn(platform)[0];
        if (!userId || !account) throw new Error(`${who} cannot reach a bot`);
        // Staff add the bots as friends (docs/chasing.md); so may anyone who writes to one privately.
        world.befriend(account, userId);
        return world.sayPrivate(userId, account, text, opts.files ? { files: opts.files } : {});
      }
      const seat = runtime.school.seatOf(person.id, where);
      if (!seat) throw new Error(`${who} is not in ${where}`);
      return world.say(seat.userId, seat.chatId, text, opts);
    },
    async ask(who, where, text, opts = {}) {
      const mark = school.mark();
      school.say(who, where, text, opts);
      await school.settle();
      const all = school.botMessages(undefined, mark);
      const org = runtime.app.org();
      return {
        all,
        to: (destination) => all.filter((m) => destinationOf(org, m) === destination).map((m) => m.text),
        text: all.map((m) => m.text).join('\n'),
      };
    },
    settle: () => runtime.app.settle(),
    botMessages(to, since = 0) {
      const org = runtime.app.org();
      return world
        .transcript()
        .slice(since)
        .filter((m) => world.account(m.from) !== undefined && (!to || destinationOf(org, m) === to));
    },
    mark: () => world.transcript().length,
    async close() {
      await runtime.app.queues.obliterate().catch(() => undefined);
      await runtime.stop();
      data.remove();
    },
  };
  return school;
}

/** The team leader (T001) issues a directive in L1; returns its number once everything has settled. */
export async function issue(s: TestSchool, text: string, by: { as: string; in: string } = { as: 'T001', in: 'L1' }): Promise<number> {
  s.say(by.as, by.in, text);
  await s.settle();
  const d = s.runtime.app.directives.latest();
  if (!d) throw new Error('no directive was created');
  return d.id;
}

/** Moves the test school's virtual clock forward. */
export function advanceClock(s: TestSchool, ms: number): void {
  if (!(s.clock instanceof VirtualClock)) throw new Error('expected the virtual clock');
  s.clock.advance(ms);
}

/** Lets virtual time pass, running every chase round due on the way (see src/drill/time.ts). */
export async function passTime(s: TestSchool, ms: number): Promise<void> {
  if (!(s.clock instanceof VirtualClock)) throw new Error('expected the virtual clock');
  await passTimeOn(s.runtime.app, s.clock, ms);
}

/** A directive's tally at one level (acknowledged, required, …), as /进度 computes it. */
export function level(s: TestSchool, id: number, l: 1 | 2 | 3 | 4) {
  const d = s.runtime.app.directives.get(id);
  if (!d) throw new Error(`no directive ${id}`);
  return s.runtime.app.get(QUERIES).totals(d).get(l);
}
