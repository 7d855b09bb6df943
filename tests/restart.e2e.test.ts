/**
 * A crash in the middle of a relay: the restarted service finishes it without losing or repeating a delivery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestSchool, type TestSchool } from './setup/runtime.js';
import { QUERIES } from '../src/features/queries/index.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

async function waitUntil(probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function directivePosts(s: TestSchool, id: number): Map<string, number> {
  const perChat = new Map<string, number>();
  for (const m of s.botMessages()) {
    if (m.chatType === 'group' && m.text.includes(`【通知 第${id}号】`)) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
  }
  return perChat;
}

describe('paced sending', () => {
  it('answers a question before the rest of a paced directive fan-out', async () => {
    school = await startTestSchool({ realClock: true, minGapMs: 60 });
    school.say('T001', 'L1', '/通知 请各单位做好安全检查');
    await waitUntil(() => (school ? school.botMessages('L2:外国语学院').length > 0 || directivePosts(school, 1).size > 0 : false));
    school.say('S211', 'L2:外国语学院', '/进度');
    await waitUntil(() => (school ? school.runtime.app.ledger.counts(1).sent === 16 : false));
    await school.settle();
    const account = school.botMessages().filter((m) => m.from === 'qq-bot-2');
    const answer = account.findIndex((m) => m.text.includes('回复进度'));
    const lastPost = account.map((m) => m.text.includes('【通知 第1号】')).lastIndexOf(true);
    expect(answer).toBeGreaterThanOrEqual(0);
    expect(answer).toBeLessThan(lastPost);
    // Pacing held throughout: no two sends of the account closer than the minimum gap.
    const times = account.map((m) => m.at);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(55);
  });
});

describe('restart in the middle of a relay', () => {
  it('finishes after the workers are killed mid-relay, each group getting the directive exactly once', async () => {
    // Real clock and a paced send queue, so the relay is still running when the workers die.
    school = await startTestSchool({ realClock: true, minGapMs: 40 });
    school.say('T001', 'L1', '/通知 请各单位做好安全检查');
    await waitUntil(() => (school ? [...directivePosts(school, 1).values()].length >= 3 : false));
    const before = [...directivePosts(school, 1).values()].length;
    expect(before).toBeLessThan(16);

    await school.runtime.restart(true); // force: running jobs are abandoned as in a crash
    await school.settle();
    await waitUntil(() => (school ? school.runtime.app.ledger.counts(1).sent === 16 : false));

    const perChat = directivePosts(school, 1);
    expect(perChat.size).toBe(16);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
  });

  it('resumes a relay at once after a crash, not when the dead run’s job locks expire', async () => {
    // Locks and stall checks of a minute: only taking over the orphaned jobs at start finishes within the wait below.
    school = await startTestSchool({ realClock: true, minGapMs: 40, config: { queue: { lockDurationMs: 60_000, stalledIntervalMs: 60_000 } } });
    school.say('T001', 'L1', '/通知 请各单位做好消防检查');
    await waitUntil(() => (school ? [...directivePosts(school, 1).values()].length >= 3 : false));
    await school.runtime.restart(true);
    await waitUntil(() => (school ? school.runtime.app.ledger.counts(1).sent === 16 : false));
    const perChat = directivePosts(school, 1);
    expect(perChat.size).toBe(16);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
  });

  it('does not repeat a send whose platform answer was lost when the process died', async () => {
    school = await startTestSchool();
    school.runtime.school.world.postThenFail('qq-bot-2');
    school.say('T001', 'L1', '/通知 测试连接中断');
    await school.settle();
    expect(school.runtime.app.ledger.counts(1)).toMatchObject({ planned: 16, sent: 16, uncertain: 0 });
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
  });

  it('keeps acknowledgements and routing across a restart', async () => {
    school = await startTestSchool();
    school.say('T001', 'L1', '/通知 重启前发布');
    await school.settle();
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    await school.runtime.restart(false);
    school.say('2023010102', 'L3:计算机2301', '收到');
    school.say('2023010101', 'L3:计算机2301', '收到'); // a repeat after restart still counts once
    await school.settle();
    const d = school.runtime.app.directives.get(1);
    expect(d && school.runtime.app.get(QUERIES).totals(d).get(3)?.acknowledged).toBe(2);
  });
});
