/**
 * The SMS providers' adapters with the real SDKs (`tencentcloud-sdk-nodejs-sms`, `@alicloud/dysmsapi20170525`)
 * against local servers answering as the providers' APIs do: success, a template error, a rate limit, an
 * outage; receipts and replies; and, through the SMS desk and its ledger, exactly once across an outage
 * (retried, one message) and a call with no answer (uncertain, never sent again).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/app/logger.js';
import { VirtualClock } from '../src/clock.js';
import { parseConfig } from '../src/config/load.js';
import { OrgIndex } from '../src/domain/org-index.js';
import { SmsDesk } from '../src/features/sms/desk.js';
import { readRoster } from '../src/roster/index.js';
import { AliyunSmsProvider } from '../src/sms/aliyun.js';
import { SmsRefusedError, SmsUnavailableError, type SmsProvider, type SmsRequest } from '../src/sms/port.js';
import { TencentSmsProvider } from '../src/sms/tencent.js';
import { closeDb, openDb, type Db } from '../src/store/db.js';
import { applyRoster, loadOrgSnapshot } from '../src/store/org-repo.js';
import { openRepos } from '../src/store/repos.js';
import { fakeAliyun, fakeTencent, type FakeSmsServer } from './setup/sms-servers.js';

const REQUEST: SmsRequest = { phone: '13800000001', signName: '示范大学', templateId: '1234567', params: [['school', '示范大学'], ['no', '3'], ['text', '明天停水']], outId: 'sms-d3-s1-release' };

let server: FakeSmsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function tencent(s: FakeSmsServer, timeoutSec = 5): TencentSmsProvider {
  return new TencentSmsProvider({ secretId: 'id', secretKey: 'key', sdkAppId: '1400000000', region: 'ap-guangzhou', endpoint: s.endpoint, protocol: 'http', timeoutSec });
}

function aliyun(s: FakeSmsServer, timeoutMs = 5000): AliyunSmsProvider {
  return new AliyunSmsProvider({ accessKeyId: 'id', accessKeySecret: 'secret', endpoint: s.endpoint, protocol: 'http', timeoutMs, timeZone: 'Asia/Shanghai' });
}

/** A loopback port nothing listens on (a provider that is down). */
async function deadEndpoint(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `127.0.0.1:${port}`;
}

async function refusedWith(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    // Nothing of the request (URL, number, text) in what is kept.
    expect(String((e as Error).message)).not.toContain('13800000001');
    return `${e instanceof SmsRefusedError ? 'refused' : e instanceof SmsUnavailableError ? 'unavailable' : 'other'}:${(e as { code?: string }).code ?? ''}`;
  }
  return 'sent';
}

describe('Tencent Cloud SMS', () => {
  it('sends one message with the template parameters in order and Cascade\'s key as SessionContext', async () => {
    server = await fakeTencent();
    expect(await tencent(server).send(REQUEST)).toEqual({ providerId: 'serial-1' });
    expect(server.requests[0]).toEqual({
      action: 'SendSms',
      params: { PhoneNumberSet: ['+8613800000001'], SmsSdkAppId: '1400000000', SignName: '示范大学', TemplateId: '1234567', TemplateParamSet: ['示范大学', '3', '明天停水'], SessionContext: 'sms-d3-s1-release' },
    });
  });

  it('tells a refusal (template) from "not now" (rate limit, outage)', async () => {
    server = await fakeTencent();
    server.plays.push(
      { kind: 'error', code: 'FailedOperation.TemplateIncorrectOrUnapproved' },
      { kind: 'code', code: 'LimitExceeded.PhoneNumberThirtySecondLimit' },
      { kind: 'code', code: 'InvalidParameterValue.IncorrectPhoneNumber' },
      { kind: 'code', code: 'InternalError.Timeout' },
      { kind: 'http', status: 502 },
    );
    const p = tencent(server);
    expect(await refusedWith(p.send(REQUEST))).toBe('refused:FailedOperation.TemplateIncorrectOrUnapproved');
    expect(await refusedWith(p.send(REQUEST))).toBe('unavailable:LimitExceeded.PhoneNumberThirtySecondLimit');
    expect(await refusedWith(p.send(REQUEST))).toBe('refused:InvalidParameterValue.IncorrectPhoneNumber');
    expect(await refusedWith(p.send(REQUEST))).toBe('other:InternalError.Timeout');
    // A 502 may follow an accepted request: not "certainly not sent".
    expect(await refusedWith(p.send(REQUEST))).toBe('other:HTTP502');
    // Nothing listening: certainly not sent.
    expect(await refusedWith(tencent({ ...server, endpoint: await deadEndpoint() }).send(REQUEST))).toBe('unavailable:NotConnected');
  });

  it('pulls receipts and replies', async () => {
    server = await fakeTencent();
    server.receipts.push({ serial: 'serial-1', phone: '13800000001', ok: true, at: 1_772_409_600_000 }, { serial: 'serial-2', phone: '13800000002', ok: false, at: 1_772_409_600_000 });
    server.replies.push({ phone: '13800000001', text: '收到', at: 1_772_409_660_000 });
    expect(await tencent(server).pull()).toEqual({
      receipts: [
        { providerId: 'serial-1', phone: '13800000001', delivered: true, at: 1_772_409_600_000 },
        { providerId: 'serial-2', phone: '13800000002', delivered: false, at: 1_772_409_600_000, error: 'UNDELIV' },
      ],
      replies: [{ phone: '13800000001', text: '收到', at: 1_772_409_660_000 }],
    });
  });
});

describe('Alibaba Cloud SMS', () => {
  it('sends one message with the template parameters as JSON and Cascade\'s key as OutId', async () => {
    server = await fakeAliyun();
    expect(await aliyun(server).send(REQUEST)).toEqual({ providerId: 'biz-1' });
    expect(server.requests[0]?.action).toBe('SendSms');
    expect(server.requests[0]?.params).toMatchObject({
      PhoneNumbers: '13800000001',
      SignName: '示范大学',
      TemplateCode: '1234567',
      TemplateParam: JSON.stringify({ school: '示范大学', no: '3', text: '明天停水' }),
      OutId: 'sms-d3-s1-release',
    });
  });

  it('tells a refusal from "not now"', async () => {
    server = await fakeAliyun();
    server.plays.push({ kind: 'code', code: 'isv.SMS_TEMPLATE_ILLEGAL' }, { kind: 'code', code: 'isv.BUSINESS_LIMIT_CONTROL' }, { kind: 'http', status: 503 });
    const p = aliyun(server);
    expect(await refusedWith(p.send(REQUEST))).toBe('refused:isv.SMS_TEMPLATE_ILLEGAL');
    expect(await refusedWith(p.send(REQUEST))).toBe('unavailable:isv.BUSINESS_LIMIT_CONTROL');
    expect(await refusedWith(p.send(REQUEST))).toBe('other:ServiceUnavailable');
    expect(await refusedWith(aliyun({ ...server, endpoint: await deadEndpoint() }).send(REQUEST))).toBe('unavailable:NotConnected');
  });

  it('reads receipts per message (QuerySendDetails); replies need a callback it does not have', async () => {
    server = await fakeAliyun();
    server.receipts.push({ serial: 'biz-7', phone: '13800000001', ok: true, at: 0 });
    const got = await aliyun(server).pull([{ providerId: 'biz-7', phone: '13800000001', sentAt: Date.parse('2026-03-02T00:00:00Z') }]);
    expect(got).toEqual({ receipts: [{ providerId: 'biz-7', phone: '13800000001', delivered: true, at: Date.parse('2026-03-02T08:00:05+08:00') }], replies: [] });
    expect(server.requests[0]?.action).toBe('QuerySendDetails');
    expect(server.requests[0]?.params).toMatchObject({ PhoneNumber: '13800000001', SendDate: '20260302', BizId: 'biz-7' });
  });
});

describe('exactly once through the ledger', () => {
  let db: Db | undefined;
  afterEach(() => {
    if (db) closeDb(db);
    db = undefined;
  });

  async function desk(provider: SmsProvider): Promise<{ desk: SmsDesk; repos: ReturnType<typeof openRepos> }> {
    db = openDb(':memory:');
    applyRoster(db, await readRoster('config/demo'), { source: 'test', now: 0 });
    const org = new OrgIndex(loadOrgSnapshot(db, '示范大学'));
    const repos = openRepos(db);
    const config = parseConfig({ sms: { enabled: true, minGapMs: 0 } });
    return {
      repos,
      desk: new SmsDesk({
        org: () => org,
        sms: repos.sms,
        contacts: repos.contacts,
        members: repos.members,
        log: repos.contactLog,
        directives: repos.directives,
        provider,
        config: config.sms,
        quietHours: null,
        timeZone: 'Asia/Shanghai',
        schoolName: '示范大学',
        countAtOrAbove: 0.7,
        accepts: () => true,
        enqueue: async () => undefined,
        clock: new VirtualClock(Date.parse('2026-03-02T08:00:00+08:00')),
        logger: silentLogger,
        atomically: (body) => body(),
      }),
    };
  }

  const plan = (repos: ReturnType<typeof openRepos>, key: string): number =>
    repos.sms.plan([{ key, kind: 'directive', phone: '13800000001', personId: null, studentId: null, directiveId: null, templateId: '1234567', params: [['text', '停水']], urgent: false }], 0)[0] ?? -1;

  it('a rate limit is retried and the message goes once', async () => {
    server = await fakeTencent();
    server.plays.push({ kind: 'code', code: 'LimitExceeded.PhoneNumberThirtySecondLimit' });
    const { desk: d, repos } = await desk(tencent(server));
    const id = plan(repos, 'k1');
    expect((await d.send(id))?.pauseMs).toBeGreaterThan(0);
    expect(repos.sms.get(id)?.status).toBe('planned');
    expect(await d.send(id)).toBeUndefined();
    expect(await d.send(id)).toBeUndefined();
    expect(repos.sms.get(id)).toMatchObject({ status: 'sent', providerId: 'serial-1', attempts: 2 });
    expect(server.sends()).toBe(2);
    // The same key planned again (a second round, a restart) is not a second message.
    expect(repos.sms.plan([{ key: 'k1', kind: 'directive', phone: '13800000001', personId: null, studentId: null, directiveId: null, templateId: '1234567', params: [], urgent: false }], 0)).toEqual([]);
  });

  it('a call with no answer is uncertain and never sent again; a template error is failed', async () => {
    server = await fakeTencent();
    server.plays.push({ kind: 'hang' }, { kind: 'error', code: 'FailedOperation.TemplateIncorrectOrUnapproved' });
    const { desk: d, repos } = await desk(tencent(server, 1));
    const hung = plan(repos, 'k2');
    expect(await d.send(hung)).toBeUndefined();
    expect(repos.sms.get(hung)?.status).toBe('uncertain');
    expect(await d.send(hung)).toBeUndefined();
    expect(server.sends()).toBe(1);
    const bad = plan(repos, 'k3');
    await d.send(bad);
    expect(repos.sms.get(bad)).toMatchObject({ status: 'failed', reason: 'FailedOperation.TemplateIncorrectOrUnapproved' });
  });
});
