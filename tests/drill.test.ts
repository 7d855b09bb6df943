import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/app/logger.js';
import { DEMO_SCENARIO } from '../src/cli.js';
import { parseConfig } from '../src/config/load.js';
import { runDrill } from '../src/drill/runner.js';
import { loadScenario, parseScenario, ScenarioError } from '../src/drill/scenario.js';
import { redisUrl } from './setup/helpers.js';

const config = parseConfig({});

describe('drills', () => {
  it('plays the built-in demo drill and reports the contract fields', async () => {
    const report = await runDrill(loadScenario(DEMO_SCENARIO), { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    const d = report.directives[0];
    expect(d).toBeDefined();
    expect(d?.levels['1']).toMatchObject({ required: 4, acknowledged: 4, late: 1 });
    expect(d?.levels['3']).toMatchObject({ required: 224, acknowledged: 92 });
    expect(d?.deliveries).toMatchObject({ planned: 16, sent: 16 });
    expect(report.messages.length).toBeGreaterThan(16);
    for (const m of report.messages) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['account', 'to', 'text', 'mentions']));
      if (!m.to.startsWith('私聊')) expect(m.text).not.toMatch(/1[3-9]\d{9}/);
    }
  });

  it('plays the chasing drill: every level, quiet hours, /催办, a crash and the deadline summary', async () => {
    const report = await runDrill(loadScenario('config/drills/chasing.yaml'), { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    expect(report.chases.map((c) => c.kind)).toEqual(expect.arrayContaining(['auto', 'manual', 'summary']));
    // Nothing but the deadline summary and answers went out in the quiet hours (22:30–07:00 in Shanghai = 14:30–23:00 UTC).
    const night = report.messages.filter((m) => m.at > '2026-03-02T14:30:00.000Z' && m.at < '2026-03-02T23:00:00.000Z');
    expect(night).toEqual([]);
    // Parents are never named in their groups.
    for (const m of report.messages.filter((x) => x.to.startsWith('L4:'))) expect(m.mentions).toEqual([]);
  });

  it('lets a drill override the chasing policy, and names a bad override', async () => {
    const scenario = parseScenario(
      {
        chasing: { levels: { L1: [{ after: '5m', action: 'mention' }] } },
        steps: [{ say: { as: 'T001', in: 'L1', text: '/通知 层级=2 测试' } }, { wait: '6m' }, { expectBot: { to: 'L1', contains: '【催办】', count: 1 } }],
      },
      'inline',
    );
    const report = await runDrill(scenario, { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    expect(() => parseScenario({ chasing: { levels: { L4: [{ after: '1h', action: 'mention' }] } }, steps: [{ note: 'x' }] }, 'bad.yaml')).toThrow(
      /chasing\.levels\.L4: parents are never named in a group/,
    );
  });

  it('plays the membership drill: joins, a leave, a card change, a WeChat re-login, /核对, and audits[] for every group', async () => {
    const report = await runDrill(loadScenario('config/drills/membership.yaml'), { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    expect(report.audits).toHaveLength(17);
    const flagged = report.audits.filter((a) => [a.missing, a.strangers, a.unmatched, a.badCard, a.duplicates, a.left].some((l) => l.length > 0));
    expect(flagged.map((a) => a.group)).toEqual(['L3:计算机2301', 'L4:计算机学院']);
    // After the WeChat bot's re-login, only the stranger who joined is a finding in the parents group.
    const l4 = report.audits.find((x) => x.group === 'L4:计算机学院');
    expect(l4?.strangers.map((e) => e.card)).toEqual(['招生咨询']);
    expect([l4?.missing, l4?.unmatched, l4?.badCard, l4?.duplicates, l4?.left].every((l) => l?.length === 0)).toBe(true);
    const a = report.audits.find((x) => x.group === 'L3:计算机2301');
    expect(a?.missing.map((e) => e.ref)).toEqual(['2023010103']);
    // Every finding about a member names their account, so a counselor can /解绑 or find them.
    expect(a?.strangers.map((e) => [e.account, e.card])).toEqual([
      ['qq:77770001', '代写论文'],
      ['qq:77770002', '韩平玉妈妈'],
    ]);
    expect(a?.duplicates.map((e) => e.account)).toEqual(['qq:77770003']);
    expect(a?.duplicates.map((e) => e.ref)).toEqual(['2023010102']);
    expect(a?.badCard.map((e) => e.ref)).toEqual(['2023010104']);
    expect(Object.keys(a ?? {})).toEqual(['group', 'missing', 'strangers', 'unmatched', 'badCard', 'duplicates', 'left']);
  });

  it('plays strangers: an account not on the roster speaks in a group it joined and privately', async () => {
    const report = await runDrill(loadScenario('config/drills/strangers.yaml'), { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    const toStranger = report.messages.filter((m) => m.to === '私聊:999000001');
    expect(toStranger).toHaveLength(1);
    expect(report.messages.some((m) => m.text.includes('evil'))).toBe(false);
  });

  it('refuses a stranger who speaks in a group they did not join', async () => {
    const scenario = parseScenario({ steps: [{ say: { as: 'qq:999000002', in: 'L3:计算机2301', text: '收到' } }] }, 'inline');
    const report = await runDrill(scenario, { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([expect.stringContaining('qq:999000002 is not in L3:计算机2301 (add a join step')]);
  });

  it('reports a failed expectation and carries on with the next steps', async () => {
    const scenario = parseScenario(
      {
        steps: [
          { say: { as: 'T001', in: 'L1', text: '/通知 测试' } },
          { expect: { level: 1, acknowledged: 3 } },
          { say: { as: 'S101', in: 'L1', text: '收到' } },
          { expect: { level: 1, acknowledged: 1 } },
        ],
      },
      'inline',
    );
    const report = await runDrill(scenario, { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.ok).toBe(false);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toContain('step 2');
    expect(report.directives[0]?.levels['1']?.acknowledged).toBe(1);
  });

  it('rejects a malformed scenario naming the bad step', () => {
    expect(() => parseScenario({ steps: [{ wait: 'soon' }] }, 'bad.yaml')).toThrow(ScenarioError);
    expect(() => parseScenario({ steps: [{ shout: {} }] }, 'bad.yaml')).toThrow(/steps\.0/);
  });
});

describe('the SMS drill', () => {
  it('texts the three families outside the parents group, counts one SMS reply and one phoned family, and reports both', async () => {
    const config = parseConfig({});
    const report = await runDrill(loadScenario('config/drills/sms-night.yaml'), { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    expect(report.sms.map((m) => [m.to, m.kind, m.status])).toEqual([
      ['15752869676', 'directive', 'delivered'],
      ['13127906661', 'directive', 'delivered'],
      ['18029589113', 'directive', 'delivered'],
    ]);
    expect(report.sms[0]?.text).toContain('第1号通知：请各位家长提醒孩子周日晚上九点前返校');
    const d = report.directives[0];
    // Everyone in the group replied; one family by SMS, one by the counselor's call: one family still owes.
    expect(d?.levels['4']).toMatchObject({ required: (d?.levels['4']?.acknowledged ?? 0) + 1 });
    const channels = report.contactLog.map((e) => e.channel);
    expect(channels.filter((c) => c === 'phone_task')).toHaveLength(3);
    expect(channels.filter((c) => c === 'bot_sms')).toHaveLength(3);
    expect(report.contactLog).toContainEqual(expect.objectContaining({ by: 'cascade', student: '2023010103', channel: 'sms', text: '短信回复（第1号通知）：收到，谢谢老师；结果：计为已回复' }));
    expect(report.contactLog).toContainEqual(expect.objectContaining({ by: 'S111', student: '2023010105', channel: 'phone', text: '电话联系：第1号通知未回复；结果：家长已收到，周日晚上返校' }));
  });
});

describe('the identity drill (issue #14)', () => {
  it('counts no claimed student or family, binds by SMS code and by the counselor, and stops a guesser', async () => {
    const config = parseConfig({});
    const report = await runDrill(loadScenario('config/drills/trust.yaml'), { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    const d = report.directives[0];
    expect(d?.levels['3']?.acknowledged).toBe(0);
    expect(d?.levels['4']?.acknowledged).toBe(0);
    // Four codes in all: one answered, three to one number (its limit), none to the guesser.
    expect(report.sms.map((m) => m.kind)).toEqual(['code', 'code', 'code', 'code']);
    // No number in any bot message.
    expect(report.messages.filter((m) => /1[3-9]\d{9}/u.test(m.text))).toEqual([]);
  });
});

describe('the directives drill (issue #15)', () => {
  it('a PDF, parents’ version, withdrawal, correction, own-scope directives, /补充, /答复, a collection, /导出 and the cadre group', async () => {
    const config = parseConfig({});
    const report = await runDrill(loadScenario('config/drills/directives.yaml'), { config, logger: silentLogger, redisUrl: redisUrl() });
    expect(report.failures).toEqual([]);
    expect(report.directives.map((d) => d.status)).toEqual(['open', 'withdrawn', 'open', 'open', 'open', 'open', 'open']);
    const withdrawn = report.directives[1];
    // Withdrawn a minute after: every group got either the recall or the notice, once.
    expect(withdrawn?.deliveries.withdrawn).toBe(withdrawn?.deliveries.sent);
    expect(report.directives[5]?.levels['3']?.acknowledged).toBe(2);
    // The PDF followed the first directive's text into each of its groups, once; the workbook went privately to S111.
    const pdfs = report.messages.filter((m) => m.files.includes('宿舍安全检查通知.pdf'));
    expect(pdfs.length).toBe(report.directives[0]?.deliveries.sent);
    expect(new Set(pdfs.map((m) => m.chatId)).size).toBe(pdfs.length);
    expect(report.messages.filter((m) => m.to === '私聊:S111' && m.files.some((f) => f.endsWith('.xlsx')))).toHaveLength(1);
    // The cadre group's directive: six cadres owe, one answered.
    expect(report.directives[6]?.levels['3']).toMatchObject({ required: 6, acknowledged: 1 });
  });
});
