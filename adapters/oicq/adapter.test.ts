import { afterEach, describe, expect, it } from 'vitest';
import { PlatformRefusedError, PlatformUnavailableError, type InboundEvent } from '../../src/platform/port.js';
import { waitFor } from '../conformance/wait.js';
import { BOT_UIN, DEVICE_URL, GROUP_ID, PEOPLE, SLIDER_URL, oicqHarness, type LoginPlay, type OicqHarness, type OicqHarnessOptions } from './harness.js';
import type { QqPackage } from './client.js';

const GROUP = String(GROUP_ID);
const ZHANG = String(PEOPLE[0].uin);
/** Pending timers: a retry, a reconnect or a poll is one. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** What an ApiRejection-throwing client method looks like, for the API-level patches below. */
type Patchable = { sendGroupMsg: (...args: unknown[]) => Promise<unknown> };

describe.each<QqPackage>(['oicq', 'icqq'])('OicqAdapter on %s', (pkg) => {
  let h: OicqHarness;
  let events: InboundEvent[];
  let keys = 0;
  const key = (): string => `adapter-test-${++keys}`;
  const logins = (): InboundEvent[] => events.filter((e) => e.kind === 'login');

  async function started(extra: OicqHarnessOptions = {}, plays: LoginPlay[] = []): Promise<OicqHarness> {
    h = await oicqHarness(pkg, extra);
    h.server.loginPlays.push(...plays);
    events = [];
    await h.adapter.start((e) => events.push(e));
    return h;
  }

  afterEach(async () => {
    await h.adapter.stop();
    await h.cleanup();
  });

  describe('login', () => {
    it('a password login comes online and emits one login event', async () => {
      await started();
      expect(h.adapter.status()).toMatchObject({ state: 'online' });
      expect(h.adapter.status().lastHeartbeatAt).toBeGreaterThan(0);
      expect(h.server.loginPasswords).toEqual(['test-password']);
      expect(logins()).toEqual([{ kind: 'login', platform: 'qq', accountId: 'qq-bot', at: expect.any(Number) }]);
    });

    it('QR code: start resolves with login_required; once scanned it logs in and emits login', async () => {
      const before = timers();
      await started({ options: { password: undefined } }, ['qrcode']);
      expect(h.adapter.status()).toMatchObject({ state: 'login_required', detail: expect.stringMatching(/QR code/) });
      expect(h.adapter.status().detail).toContain('qrcode.png');
      expect(logins()).toEqual([]);
      await waitFor(() => h.server.qrQueries > 0, 1_000, 'QR polling');
      h.server.qrRetcode = 53;
      await waitFor(() => h.adapter.status().detail?.includes('confirm'), 1_000, 'scanned, not confirmed');
      h.server.qrRetcode = 0;
      await waitFor(() => h.adapter.status().state === 'online', 1_000, 'online after the scan');
      expect(h.server.loginPasswords).toEqual([undefined, undefined]);
      expect(logins()).toHaveLength(1);
      // Polling ended with the login: its timer is gone.
      expect(timers()).toBeLessThanOrEqual(before);
    });

    it('qrcode: true logs in by QR even with a password', async () => {
      await started({ options: { qrcode: true } }, ['qrcode']);
      expect(h.server.loginPasswords).toEqual([undefined]);
      expect(h.adapter.status().state).toBe('login_required');
    });

    it('slider: the URL is in the status; a submitted ticket completes the login', async () => {
      await started({}, ['slider']);
      expect(h.adapter.status()).toMatchObject({ state: 'login_required', detail: expect.stringContaining(SLIDER_URL) });
      // As `cascade login <account> --ticket …` hands it over through the running service.
      await h.adapter.loginStep({ kind: 'ticket', ticket: ' t0k3n ' });
      await waitFor(() => h.adapter.status().state === 'online', 1_000, 'online after the slider');
      expect(h.server.sliderTickets).toEqual(['t0k3n']);
      expect(logins()).toHaveLength(1);
    });

    it('device check: the URL but never the phone number; resumeLogin logs in', async () => {
      await started({}, ['device']);
      const detail = h.adapter.status().detail ?? '';
      expect(h.adapter.status().state).toBe('login_required');
      expect(detail).toContain(DEVICE_URL);
      expect(detail).not.toMatch(/\d{3}\*+\d{4}/);
      await h.adapter.loginStep({ kind: 'resume' });
      await waitFor(() => h.adapter.status().state === 'online', 1_000, 'online after the device check');
    });

    it('a refused login leaves it offline with the code, and no retry', async () => {
      const before = timers();
      await started({}, ['error']);
      expect(h.adapter.status()).toMatchObject({ state: 'offline', detail: expect.stringContaining('code 1') });
      // A retry would be a timer: none is pending.
      expect(timers()).toBeLessThanOrEqual(before);
      expect(h.server.logins).toBe(1);
    });

    it('network down at start: start resolves (connecting), and it comes online once the network is back', async () => {
      h = await oicqHarness(pkg);
      h.server.networkUp = false;
      events = [];
      await h.adapter.start((e) => events.push(e));
      expect(h.adapter.status()).toMatchObject({ state: 'connecting', detail: expect.stringMatching(/connection lost/) });
      await waitFor(() => h.server.logins >= 3, 2_000, 'retries with backoff');
      h.server.restoreConnection();
      await waitFor(() => h.adapter.status().state === 'online', 2_000, 'online');
      expect(logins()).toHaveLength(1);
    });

    it('a dropped connection: connecting, then online again with a second login event', async () => {
      await started();
      const since = h.adapter.status().since;
      h.server.dropConnection();
      expect(h.adapter.status()).toMatchObject({ state: 'connecting' });
      expect(h.adapter.status().since).toBeGreaterThanOrEqual(since);
      await expect(h.adapter.sendGroup(GROUP, { text: '掉线中', deliveryKey: key() })).rejects.toMatchObject({
        name: 'PlatformUnavailableError',
        definitelyNotSent: true,
      });
      h.server.restoreConnection();
      await waitFor(() => h.adapter.status().state === 'online', 2_000, 'back online');
      expect(logins()).toHaveLength(2);
      expect(h.server.loginPasswords.at(-1)).toBe('test-password');
    });

    it('kicked off by another device: login_required and no automatic re-login', async () => {
      const before = timers();
      await started();
      (h.client as unknown as { em(name: string, data: object): void }).em('system.offline.kickoff', { message: '账号在其他设备登录' });
      expect(h.adapter.status()).toMatchObject({ state: 'login_required', detail: expect.stringMatching(/another device/) });
      // A re-login would be a timer: none is pending.
      expect(timers()).toBeLessThanOrEqual(before);
      expect(h.server.logins).toBe(1);
    });
  });

  describe('sending through the library’s real send path', () => {
    it.each([
      [120, 'muted'],
      [121, 'at_all_quota'],
      [10, 'too_long'],
      [34, 'too_long'],
    ])('the server answers %i → PlatformRefusedError(%s)', async (code, refusal) => {
      await started();
      h.server.refuseNextSend = code;
      const sent = h.adapter.sendGroup(GROUP, { text: '请回复收到', mentions: code === 121 ? ['all'] : [], deliveryKey: key() });
      await expect(sent).rejects.toBeInstanceOf(PlatformRefusedError);
      await expect(sent).rejects.toMatchObject({ code: refusal });
      expect(h.server.groupPosts).toEqual([]);
    });

    it('reaches a non-friend through a temporary session in a shared group', async () => {
      await started();
      const temp: { gid: number; uid: number }[] = [];
      (h.client as unknown as { sendTempMsg: (...args: unknown[]) => Promise<unknown> }).sendTempMsg = async (gid, uid) => {
        temp.push({ gid: Number(gid), uid: Number(uid) });
        return { message_id: 'tmp-1', seq: 1, rand: 1, time: 1 };
      };
      (h.client.fl as Map<number, unknown>).delete(Number(ZHANG));
      await h.adapter.sendPrivate(ZHANG, { text: '请提醒孩子按时返校', deliveryKey: key() });
      expect(temp).toEqual([{ gid: Number(GROUP), uid: Number(ZHANG) }]);
      expect(h.server.privatePosts).toEqual([]);
      // Someone in no group of the bot's cannot be reached: refused, nothing sent.
      await expect(h.adapter.sendPrivate('123456789', { text: '你好', deliveryKey: key() })).rejects.toMatchObject({ code: 'unknown_user' });
    });

    it('a private send refused with 120 too', async () => {
      await started();
      h.server.refuseNextSend = 120;
      await expect(h.adapter.sendPrivate(ZHANG, { text: '你好', deliveryKey: key() })).rejects.toMatchObject({ code: 'muted' });
    });

    it('-70 (risk control, maybe posted) → PlatformRefusedError(risk_control)', async () => {
      await started();
      const { ApiRejection } = pkg === 'oicq' ? await import('oicq') : await import('icqq');
      (h.client as unknown as Patchable).sendGroupMsg = async () => {
        throw new ApiRejection(-70, '群消息被风控');
      };
      await expect(h.adapter.sendGroup(GROUP, { text: '通知', deliveryKey: key() })).rejects.toMatchObject({
        name: 'PlatformRefusedError',
        code: 'risk_control',
        message: expect.stringMatching(/may have been posted/),
      });
    });

    it('a text over 4500 chars is refused before anything is sent', async () => {
      await started();
      await expect(h.adapter.sendGroup(GROUP, { text: '长'.repeat(4501), deliveryKey: key() })).rejects.toMatchObject({ code: 'too_long' });
      await expect(h.adapter.sendPrivate(ZHANG, { text: '长'.repeat(4501), deliveryKey: key() })).rejects.toMatchObject({ code: 'too_long' });
      await h.adapter.sendGroup(GROUP, { text: '长'.repeat(4500), deliveryKey: key() });
      expect(h.server.groupPosts.map((p) => p.text.length)).toEqual([4500]);
      expect(h.server.privatePosts).toEqual([]);
    });

    it('a call the library never answers times out as an unknown outcome', async () => {
      await started({ timing: { callTimeoutMs: 30 } });
      (h.client as unknown as Patchable).sendGroupMsg = () => new Promise(() => undefined);
      await expect(h.adapter.sendGroup(GROUP, { text: '通知', deliveryKey: key() })).rejects.toMatchObject({
        name: 'PlatformUnavailableError',
        definitelyNotSent: false,
      });
    });

    it('a quote-reply reaches the server with the library’s @ of the quoted author', async () => {
      await started();
      const noticeId = await h.peer.userSays(ZHANG, GROUP, '请各班上报');
      const receipt = await h.adapter.sendGroup(GROUP, { text: '已收到', quoteId: noticeId, deliveryKey: key() });
      expect(receipt.messageId).toEqual(expect.any(String));
      expect(h.server.groupPosts.at(-1)).toMatchObject({ mentions: [ZHANG], text: expect.stringContaining('已收到') });
    });

    it('an unusable quote id still sends the text, unquoted', async () => {
      await started();
      await h.adapter.sendGroup(GROUP, { text: '通知', quoteId: 'garbage', deliveryKey: key() });
      expect(h.server.groupPosts.at(-1)).toEqual({ gid: GROUP_ID, text: '通知', mentions: [] });
    });

    it('confirmSent knows this process’s sends and guesses nothing else', async () => {
      await started();
      const k = key();
      await h.adapter.sendGroup(GROUP, { text: '确认', deliveryKey: k });
      expect(await h.adapter.confirmSent({ chatType: 'group', id: GROUP }, k)).toBe('sent');
      expect(await h.adapter.confirmSent({ chatType: 'group', id: GROUP }, key())).toBe('unknown');
    });
  });

  describe('lists', () => {
    it('members with card, nickname and role', async () => {
      await started();
      const members = await h.adapter.listMembers(GROUP);
      expect(members).toContainEqual({ userId: String(BOT_UIN), nickname: '联络机器人', role: 'admin' });
      expect(members).toContainEqual({ userId: ZHANG, nickname: '张三', card: '20计科1班 张三', role: 'member' });
      expect(members).toContainEqual({ userId: String(PEOPLE[1].uin), nickname: '李四', role: 'member' });
    });

    it('an empty member map for a group that has members is a failure, not an empty group', async () => {
      await started();
      const gid = 700002;
      (h.client.gl as Map<number, unknown>).set(gid, { group_id: gid, group_name: '新群', member_count: 50 });
      // Not cached: the library fetches, the fake server does not answer that command, the library resolves {}.
      await expect(h.adapter.listMembers(String(gid))).rejects.toBeInstanceOf(PlatformUnavailableError);
    });

    it('a group the bot is not in is refused; lists before the first login are unavailable', async () => {
      await started({}, ['qrcode']);
      await expect(h.adapter.listGroups()).rejects.toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
      await expect(h.adapter.listMembers(GROUP)).rejects.toBeInstanceOf(PlatformUnavailableError);
      h.server.qrRetcode = 0;
      await waitFor(() => h.adapter.status().state === 'online', 1_000, 'online');
      await expect(h.adapter.listMembers('123456')).rejects.toMatchObject({ code: 'not_in_group' });
      expect(await h.adapter.listGroups()).toEqual([{ chatId: GROUP, name: '计算机学院疫情防控二级群', memberCount: PEOPLE.length + 1 }]);
      expect((await h.adapter.listContacts()).map((c) => c.userId).sort()).toEqual(PEOPLE.map((p) => String(p.uin)).sort());
    });
  });

  describe('stop', () => {
    it('disposes every listener: nothing reaches the sink afterwards, sends are unavailable', async () => {
      await started();
      await h.adapter.stop();
      const before = events.length;
      h.server.userSays(PEOPLE[0].uin, GROUP_ID, '停了之后');
      (h.client as unknown as { em(name: string): void }).em('system.online');
      expect(events).toHaveLength(before);
      expect(h.adapter.status()).toMatchObject({ state: 'offline', detail: 'stopped' });
      await expect(h.adapter.sendGroup(GROUP, { text: 'x', deliveryKey: key() })).rejects.toMatchObject({ definitelyNotSent: true });
    });

    it('can start again after a stop, with one listener per event', async () => {
      await started();
      await h.adapter.stop();
      await h.adapter.start((e) => events.push(e));
      await h.peer.userSays(ZHANG, GROUP, '重新开始');
      await waitFor(() => events.some((e) => e.kind === 'message' && e.text === '重新开始'), 1_000, 'message after restart');
      expect(events.filter((e) => e.kind === 'message' && e.text === '重新开始')).toHaveLength(1);
    });

    it('no reconnect, QR poll or call timer survives stop', async () => {
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      await started({ options: { password: undefined }, timing: { reconnectFirstMs: 40, callTimeoutMs: 10_000 } }, ['qrcode']);
      expect(h.adapter.status().state).toBe('login_required');
      (h.client as unknown as Patchable).sendGroupMsg = () => new Promise(() => undefined);
      const pending = h.adapter.sendGroup(GROUP, { text: 'x', deliveryKey: key() }).catch((e: unknown) => e);
      await h.adapter.stop();
      expect(await pending).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: false });
      // QR polls and reconnects are timers: none is left, so none can come.
      expect(timers()).toBeLessThanOrEqual(before);

      // And while waiting to reconnect:
      await h.adapter.start((e) => events.push(e));
      h.server.dropConnection();
      await h.adapter.stop();
      expect(timers()).toBeLessThanOrEqual(before);
    });
  });
});
