import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PlatformRefusedError, PlatformUnavailableError, type InboundEvent, type InboundMessage, type OutboundFile } from '../../src/platform/port.js';
import { waitFor } from '../conformance/wait.js';
import { BOT_UIN, DEVICE_URL, GROUP_ID, PEOPLE, PICTURE_PNG, SLIDER_URL, oicqHarness, type LoginPlay, type OicqHarness, type OicqHarnessOptions } from './harness.js';
import type { QqPackage } from './client.js';

const GROUP = String(GROUP_ID);
const ZHANG = String(PEOPLE[0].uin);
/** Pending timers: a retry, a reconnect or a poll is one. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

const NOTICE_PDF = Buffer.from('%PDF-1.4 返校通知');
/** Starts like a PNG but holds no picture: neither library can read its kind or size. */
const NOT_A_PICTURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

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

  describe('files and pictures (issue #15), through the libraries’ real upload and download paths', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'oicq-files-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function onDisk(kind: OutboundFile['kind'], name: string, data: Buffer): OutboundFile {
      const path = join(dir, `${keys}-${name}`);
      writeFileSync(path, data);
      return { kind, name, path, size: data.byteLength };
    }

    const messageWithFiles = (): Promise<InboundMessage> =>
      waitFor(() => events.find((e): e is InboundMessage => e.kind === 'message' && (e.files?.length ?? 0) > 0), 1_000, 'a message with files');

    it('a picture in a group: [图片], an image reference with its size, and its bytes over HTTP', async () => {
      await started();
      h.server.userSendsFile(PEOPLE[0].uin, GROUP_ID, { kind: 'image', name: 'poster.png', data: PICTURE_PNG });
      const message = await messageWithFiles();
      expect(message.text).toBe('[图片]');
      expect(message.files).toEqual([{ kind: 'image', name: expect.stringMatching(/\.png$/), size: PICTURE_PNG.byteLength, ref: expect.stringMatching(/^http:/) }]);
      const bytes = await h.adapter.fetchFile(message.files?.[0] ?? { kind: 'image', name: '', ref: '' }, { chatType: 'group', chatId: GROUP });
      expect(Buffer.from(bytes).equals(PICTURE_PNG)).toBe(true);
    });

    it('a private offline file: [文件], and its bytes through the address QQ gives for its id', async () => {
      await started();
      h.server.userSendsFile(PEOPLE[0].uin, 'private', { kind: 'file', name: '回执.pdf', data: NOTICE_PDF });
      const message = await messageWithFiles();
      expect(message).toMatchObject({ chat: { type: 'private' }, text: '[文件]', files: [{ kind: 'file', name: '回执.pdf', size: NOTICE_PDF.byteLength }] });
      const file = message.files?.[0] ?? { kind: 'file', name: '', ref: '' };
      expect(Buffer.from(await h.adapter.fetchFile(file, { chatType: 'private', chatId: ZHANG })).equals(NOTICE_PDF)).toBe(true);
    });

    it('a group file QQ no longer has is a bad_request; so is a reference to a local path', async () => {
      await started();
      const where = { chatType: 'group', chatId: GROUP } as const;
      await expect(h.adapter.fetchFile({ kind: 'file', name: 'gone.pdf', ref: JSON.stringify({ fid: 'deadbeef' }) }, where)).rejects.toMatchObject({ name: 'PlatformRefusedError', code: 'bad_request' });
      await expect(h.adapter.fetchFile({ kind: 'image', name: 'passwd', ref: '/etc/passwd' }, where)).rejects.toMatchObject({ code: 'bad_request' });
      await expect(h.adapter.fetchFile({ kind: 'image', name: 'x', ref: 'file:///etc/passwd' }, where)).rejects.toMatchObject({ code: 'bad_request' });
      // The inline forms some sources use.
      const inline = PICTURE_PNG.toString('base64');
      expect(Buffer.from(await h.adapter.fetchFile({ kind: 'image', name: 'a.png', ref: `base64://${inline}` }, where)).equals(PICTURE_PNG)).toBe(true);
      expect(Buffer.from(await h.adapter.fetchFile({ kind: 'image', name: 'a.png', ref: `data:image/png;base64,${inline}` }, where)).equals(PICTURE_PNG)).toBe(true);
    });

    it('posts a picture into a group as an image message, uploaded once, with a message id', async () => {
      await started();
      const receipt = await h.adapter.sendGroup(GROUP, { text: '', deliveryKey: key(), file: onDisk('image', 'poster.png', PICTURE_PNG) });
      expect(receipt.messageId).toEqual(expect.any(String));
      const posted = h.server.filesPosted('group', GROUP_ID);
      expect(posted.map((f) => f.kind)).toEqual(['image']);
      expect(Buffer.from(posted[0]?.data ?? []).equals(PICTURE_PNG)).toBe(true);
      // Uploaded ahead of the send; the send's own upload request found it on the server.
      expect(h.server.files.uploadsCompleted).toBe(1);
      // The text of a file message is left out.
      expect(h.server.groupPosts.map((p) => p.text)).toEqual(['']);
    });

    it('posts a file into the group file system: QQ shows it with its name; no message id', async () => {
      await started();
      const k = key();
      const receipt = await h.adapter.sendGroup(GROUP, { text: '附件', deliveryKey: k, file: onDisk('file', '返校通知.pdf', NOTICE_PDF) });
      expect(receipt.messageId).toBeUndefined();
      expect(h.server.filesPosted('group', GROUP_ID)).toEqual([{ chat: 'group', id: GROUP_ID, kind: 'file', name: '返校通知.pdf', data: NOTICE_PDF }]);
      expect(h.server.groupPosts).toEqual([]);
      expect(await h.adapter.confirmSent({ chatType: 'group', id: GROUP }, k)).toBe('sent');
    });

    it('privately: a picture and an offline file to a friend; a picture to a non-friend by temporary session', async () => {
      await started();
      await h.adapter.sendPrivate(ZHANG, { text: '', deliveryKey: key(), file: onDisk('image', 'poster.png', PICTURE_PNG) });
      await h.adapter.sendPrivate(ZHANG, { text: '', deliveryKey: key(), file: onDisk('file', '回执.pdf', NOTICE_PDF) });
      expect(h.server.filesPosted('private', PEOPLE[0].uin).map((f) => [f.kind, Buffer.from(f.data).equals(f.kind === 'image' ? PICTURE_PNG : NOTICE_PDF)])).toEqual([
        ['image', true],
        ['file', true],
      ]);
      expect(h.server.filesPosted('private', PEOPLE[0].uin)[1]?.name).toBe('回执.pdf');
      const stranger = PEOPLE[1].uin;
      (h.client.fl as Map<number, unknown>).delete(stranger);
      await h.adapter.sendPrivate(String(stranger), { text: '', deliveryKey: key(), file: onDisk('image', 'poster.png', PICTURE_PNG) });
      expect(h.server.filesPosted('private', stranger).map((f) => f.kind)).toEqual(['image']);
    });

    it('a file for a non-friend is refused (QQ takes offline files for friends only), nothing uploaded', async () => {
      await started();
      (h.client.fl as Map<number, unknown>).delete(PEOPLE[1].uin);
      await expect(h.adapter.sendPrivate(String(PEOPLE[1].uin), { text: '', deliveryKey: key(), file: onDisk('file', '回执.pdf', NOTICE_PDF) })).rejects.toMatchObject({ code: 'file_refused' });
      expect(h.server.files.posted).toEqual([]);
    });

    it('a picture the library cannot read is refused, not posted broken', async () => {
      await started();
      const sent = h.adapter.sendGroup(GROUP, { text: '', deliveryKey: key(), file: onDisk('image', 'broken.png', NOT_A_PICTURE) });
      await expect(sent).rejects.toMatchObject({ name: 'PlatformRefusedError', code: 'file_refused', message: expect.stringMatching(/bad image file/) });
      expect(h.server.groupPosts).toEqual([]);
      expect(h.server.files.posted).toEqual([]);
    });

    it.each(['image', 'file'] as const)('the server refusing the %s upload → file_refused, nothing posted', async (kind) => {
      await started();
      h.server.files.refuseNextUpload = { code: -403, message: '没有上传权限' };
      const file = kind === 'image' ? onDisk('image', 'poster.png', PICTURE_PNG) : onDisk('file', '返校通知.pdf', NOTICE_PDF);
      await expect(h.adapter.sendGroup(GROUP, { text: '', deliveryKey: key(), file })).rejects.toMatchObject({ name: 'PlatformRefusedError', code: 'file_refused' });
      expect(h.server.groupPosts).toEqual([]);
      expect(h.server.files.posted).toEqual([]);
    });

    it('offline: a picture is definitely not sent; a file larger than QQ takes or missing on disk is refused', async () => {
      await started();
      h.server.dropConnection();
      await expect(h.adapter.sendGroup(GROUP, { text: '', deliveryKey: key(), file: onDisk('image', 'poster.png', PICTURE_PNG) })).rejects.toMatchObject({
        name: 'PlatformUnavailableError',
        definitelyNotSent: true,
      });
      const huge = { ...onDisk('file', 'big.zip', NOTICE_PDF), size: h.adapter.capabilities.files.maxBytes + 1 };
      await expect(h.adapter.sendGroup(GROUP, { text: '', deliveryKey: key(), file: huge })).rejects.toMatchObject({ code: 'file_refused' });
      const missing: OutboundFile = { kind: 'file', name: 'gone.pdf', path: join(dir, 'no-such-file.pdf'), size: 1 };
      await expect(h.adapter.sendGroup(GROUP, { text: '', deliveryKey: key(), file: missing })).rejects.toMatchObject({ code: 'file_refused' });
    });
  });
});
