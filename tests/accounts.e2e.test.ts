/**
 * Several bot accounts on the simulator with real Redis and SQLite: a group served by two accounts,
 * the circuit breaker moving an account's deliveries to the other, and deliveries no bot can make
 * becoming manual tasks that a person posts and confirms with /已转发.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformRefusedError } from '../src/platform/port.js';
import { demoRosterCopy, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
let roster: { dir: string; remove: () => void } | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
  roster?.remove();
  roster = undefined;
});

/** 计算机2301's class group is served by qq-bot-2 first, qq-bot-1 second. */
function twoAccounts(): { dir: string; remove: () => void } {
  return demoRosterCopy(({ groups }) => ({ groups: groups.replace(/(707564071,)qq-bot-1/u, '$1qq-bot-2 qq-bot-1') }));
}

function chatOf(s: TestSchool, key: string): string {
  const org = s.runtime.app.org();
  const g = org.groupByKeyText(key);
  return (g ? org.platformGroupsOf(g.id)[0]?.chatId : undefined) ?? '';
}

function posts(s: TestSchool, key: string, text: string): { from: string }[] {
  const chat = chatOf(s, key);
  return s.runtime.school.world.transcript().filter((m) => m.chatType === 'group' && m.chatId === chat && m.text.includes(text));
}

describe('several accounts', () => {
  it('posts once into a group two accounts serve, by the first', async () => {
    roster = twoAccounts();
    school = await startTestSchool({ org: roster.dir });
    school.say('T001', 'L1', '/通知 学院=计算机学院 层级=3 请各班统计返校人数');
    await school.settle();
    expect(posts(school, 'L3:计算机2301', '统计返校人数').map((m) => m.from)).toEqual(['qq-bot-2']);
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
  });

  it('pauses an account at a risk signal, moves its delivery to the other account in the group, and tells the team leader', async () => {
    roster = twoAccounts();
    school = await startTestSchool({ org: roster.dir });
    const { world } = school.runtime.school;
    world.failNextSends('qq-bot-2', 1, new PlatformRefusedError('rate_limited', '发送消息过于频繁'));
    const mark = school.mark();
    school.say('T001', 'L1', '/通知 学院=计算机学院 层级=3 请各班统计返校人数');
    await school.settle();
    expect(posts(school, 'L3:计算机2301', '统计返校人数').map((m) => m.from)).toEqual(['qq-bot-1']);
    expect(school.runtime.app.guard.pause('qq-bot-2', school.clock.now())).toMatchObject({ reason: 'rate_limited' });
    const alert = school.botMessages('私聊:T001', mark).map((m) => m.text).join('\n');
    expect(alert).toContain('【机器人账号暂停】账号 qq-bot-2');
    // While paused, its other groups wait (nothing is lost, nothing sent by it).
    expect(school.botMessages(undefined, mark).filter((m) => m.from === 'qq-bot-2')).toHaveLength(0);
    // A restart does not lift the pause.
    await school.runtime.restart(false);
    expect(school.runtime.app.guard.pause('qq-bot-2', school.clock.now())).toMatchObject({ reason: 'rate_limited' });
  });

  it('does not bounce a delivery between two accounts that both left the group: it becomes a manual task', async () => {
    roster = twoAccounts();
    school = await startTestSchool({ org: roster.dir });
    const { world } = school.runtime.school;
    world.leave(chatOf(school, 'L3:计算机2301'), 'qq-bot-2');
    world.leave(chatOf(school, 'L3:计算机2301'), 'qq-bot-1');
    const mark = school.mark();
    school.say('T001', 'L1', '/通知 学院=计算机学院 层级=3 请各班今晚开班会');
    await school.settle();
    const d = school.runtime.app.directives.latest();
    expect(d && school.runtime.app.ledger.counts(d.id)).toMatchObject({ manual: 1, failed: 0, uncertain: 0 });
    const task = school.runtime.app.ledger.all().find((x) => x.status === 'manual');
    // Each account tried once, then a person was asked.
    expect(task?.attempts).toBe(2);
    expect(school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n')).toContain('【需人工转发');
  });

  it('makes a directive no bot can post a manual task, and counts it sent when the counselor confirms /已转发', async () => {
    school = await startTestSchool();
    const { world } = school.runtime.school;
    // The bot was removed from the class group.
    world.leave(chatOf(school, 'L3:计算机2302'), 'qq-bot-1');
    const mark = school.mark();
    school.say('T001', 'L1', '/通知 学院=计算机学院 层级=3 请各班今晚开班会');
    await school.settle();
    expect(posts(school, 'L3:计算机2302', '今晚开班会')).toHaveLength(0);
    // The class's counselor (S111) is sent the exact text, with its number.
    const ask = school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n');
    const no = /【需人工转发 第(\d+)号】/u.exec(ask)?.[1];
    expect(no).toBeDefined();
    expect(ask).toContain('机器人不在群里');
    expect(ask).toContain('请各班今晚开班会');
    const d = school.runtime.app.directives.latest();
    expect(d && school.runtime.app.ledger.counts(d.id)).toMatchObject({ manual: 1, failed: 0 });

    // Someone else cannot settle it; the counselor can.
    school.say('S112', '私聊', `/已转发 ${no ?? ''}`);
    school.say('S111', '私聊', '/待转发');
    await school.settle();
    expect(school.botMessages('私聊:S112', mark).map((m) => m.text).join('\n')).toContain('不是待您转发的任务');
    expect(school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n')).toContain(`【${no ?? ''}】计算机2302班`);
    school.say('S111', '私聊', `/已转发 ${no ?? ''}`);
    await school.settle();
    expect(school.botMessages('私聊:S111', mark).map((m) => m.text).join('\n')).toContain(`已记录：第${no ?? ''}号转发任务已由您人工发出`);
    expect(d && school.runtime.app.ledger.counts(d.id)).toMatchObject({ manual: 0, failed: 0 });
    const row = school.runtime.app.ledger.all().find((x) => String(x.id) === no);
    expect(row).toMatchObject({ status: 'sent', manualDoneBy: school.runtime.app.org().personByRef('S111')?.id });
  });

  it('asks a person to post by hand when an account stays paused longer than sending.manualAfter', async () => {
    school = await startTestSchool({
      config: {
        sending: { minGapMs: 0, jitterMs: 0, retryBackoffMs: 10, maxAttempts: 5, offlineRetryMs: 300, manualAfter: 0 },
        // Paced (one send at a time), so the refusal comes before its other sends.
        accounts: [{ id: 'qq-bot-2', platform: 'qq', minGapMs: 1 }],
      },
    });
    const { world } = school.runtime.school;
    // 外国语学院's groups are served by qq-bot-2 alone; it is refused at once for sending too fast.
    world.failNextSends('qq-bot-2', 1, new PlatformRefusedError('rate_limited', '发送消息过于频繁'));
    const mark = school.mark();
    school.say('T001', 'L1', '/通知 学院=外国语学院 层级=3 请各班落实防溺水教育');
    await school.settle();
    expect(school.botMessages(undefined, mark).filter((m) => m.from === 'qq-bot-2' && m.text.includes('防溺水'))).toHaveLength(0);
    const d = school.runtime.app.directives.latest();
    // L2 and three class groups: all with a person now.
    expect(d && school.runtime.app.ledger.counts(d.id)).toMatchObject({ manual: 4, sent: 0 });
    expect(school.botMessages('私聊:S201', mark).map((m) => m.text).join('\n')).toContain('【需人工转发');
  });

  it('lists the accounts with their state, breaker pause and sends today (cascade accounts)', async () => {
    school = await startTestSchool({ realClock: true });
    const { world } = school.runtime.school;
    world.failNextSends('qq-bot-2', 1, new PlatformRefusedError('risk_control', '-70 风控'));
    school.say('T001', 'L1', '/通知 学院=外国语学院 层级=2 请上报本周值班表');
    // qq-bot-2's post was refused (not posted, the platform says): it waits for the pause to end, or a person.
    const app = school.runtime.app;
    while (app.guard.pause('qq-bot-2', Date.now()) === null || app.ledger.sentSince(0).get('qq-bot-1') === undefined) await new Promise((r) => setTimeout(r, 20));
    await school.runtime.app.stop();
    const bin = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'accounts', '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CASCADE_DATA_DIR: school.runtime.app.deps.config.dataDir },
    });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { accounts: { id: string; state: string; pausedUntil: string | null; pauseReason: string | null; sendsToday: number; groups: number }[] };
    const byId = new Map(out.accounts.map((a) => [a.id, a]));
    expect([...byId.keys()]).toEqual(['qq-bot-1', 'qq-bot-2', 'wx-bot-1']);
    expect(byId.get('qq-bot-2')).toMatchObject({ state: 'online', pauseReason: 'risk_control', sendsToday: 0, groups: 8 });
    expect(byId.get('qq-bot-2')?.pausedUntil).not.toBeNull();
    expect(byId.get('qq-bot-1')?.sendsToday).toBeGreaterThan(0);
    expect(byId.get('qq-bot-1')?.pausedUntil).toBeNull();
  });

  it('hands a login step from the command line to the running service (cascade login)', async () => {
    school = await startTestSchool({ realClock: true });
    const bin = fileURLToPath(new URL('../bin/cascade.mjs', import.meta.url));
    // Not spawnSync: the service in this process must keep running to carry the step out.
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, 'login', 'qq-bot-1', '--resume'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CASCADE_DATA_DIR: school?.runtime.app.deps.config.dataDir } }, (error, stdout) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout });
      });
    });
    // A simulated account has no login steps: the service says so, the command fails.
    expect(r.stdout).toContain('qq-bot-1: unsupported');
    expect(r.code).toBe(1);
    const row = school.runtime.db.$client.prepare('SELECT kind, payload, result FROM account_actions').get();
    expect(row).toMatchObject({ kind: 'resume', payload: null });
  }, 60_000);
});
