/**
 * One conformance suite every ChatAdapter passes (simulator, OneBot v11, oicq/icqq, wechaty).
 * A harness gives the adapter, not yet started, and a peer that plays the platform's other side:
 * the SimWorld for the simulator, a fake OneBot server, wechaty-puppet-mock.
 * Differences between platforms are read from `adapter.capabilities`, never from the adapter's name.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PlatformRefusedError,
  type ChatAdapter,
  type InboundEvent,
  type InboundMessage,
  type MemberEvent,
  type RecallEvent,
} from '../../src/platform/port.js';
import { inboundDedupeKey } from '../../src/app/inbound.js';
import { redisUrl } from '../../tests/setup/helpers.js';
import { startConformanceOutbox } from './relay.js';
import { waitFor } from './wait.js';

export interface PeerSentMessage {
  readonly text: string;
  /** Mention ids as the platform kept them (empty where only `@名字` text goes through). */
  readonly mentions: readonly string[];
}

/** A file or picture as the platform holds it (issue #15). */
export interface PeerFile {
  readonly kind: 'image' | 'file';
  readonly name: string;
  readonly data: Uint8Array;
}

export interface ConformancePeer {
  /** A group the bot is in, together with every one of `memberIds`. */
  readonly groupChatId: string;
  /** People in the group besides the bot; at least two. The bot can message each privately. */
  readonly memberIds: readonly string[];
  /** A person posts in a group; resolves with the platform's message id when it has one. */
  userSays(
    userId: string,
    chatId: string,
    text: string,
    options?: { mentions?: readonly string[]; quoteId?: string },
  ): Promise<string | undefined>;
  userSaysPrivate(userId: string, text: string): Promise<void>;
  userJoins(chatId: string, userId: string): Promise<void>;
  userLeaves(chatId: string, userId: string): Promise<void>;
  userRecalls(messageId: string): Promise<void>;
  /** What the bot has posted in a group so far, as the platform shows it. */
  sentToGroup(chatId: string): readonly PeerSentMessage[];
  sentPrivate(userId: string): readonly { readonly text: string }[];
  /** The name a group shows for a member (card, else nickname): what `@名字` renders. */
  displayName(chatId: string, userId: string): string;
  /** The platform delivers the same message event again (a replay after a reconnect, a second connection). */
  redeliver?(messageId: string): Promise<void>;
  /**
   * A person posts a file or picture in a group (`chatId`) or privately to the bot (`'private'`); resolves
   * with the platform's message id when it has one. Absent where the peer cannot play it (issue #15).
   */
  userSendsFile?(userId: string, chatId: string | 'private', file: PeerFile): Promise<string | undefined>;
  /** The files and pictures the bot has posted in a group / to a person, with their bytes where the peer keeps them. */
  filesSentToGroup?(chatId: string): readonly PeerFile[];
  filesSentPrivate?(userId: string): readonly PeerFile[];
  /** Whether the bot's own message with this id was recalled (`/撤回`, issue #15); absent where it cannot tell. */
  recalledByBot?(messageId: string): boolean;
  /**
   * The transport dies (socket closed, peer gone). The adapter must notice on its own and, once
   * `restoreConnection` is called, reconnect on its own.
   */
  dropConnection?(): Promise<void>;
  restoreConnection?(): Promise<void>;
}

export interface ConformanceHarness {
  /** Not started yet; the suite starts and stops it. */
  readonly adapter: ChatAdapter;
  /** The bot account's user id on the platform. */
  readonly botUserId: string;
  readonly peer: ConformancePeer;
  cleanup(): Promise<void>;
}

const ROLES = ['owner', 'admin', 'member'];

export function runAdapterConformance(name: string, makeHarness: () => Promise<ConformanceHarness>): void {
  describe(`ChatAdapter conformance: ${name}`, () => {
    let harness: ConformanceHarness;
    let adapter: ChatAdapter;
    let peer: ConformancePeer;
    let events: InboundEvent[];
    let keys = 0;
    const deliveryKey = (): string => `conformance-${name}-${++keys}`;

    function member(index: number): string {
      const id = peer.memberIds[index];
      if (id === undefined) throw new Error(`harness ${name} gives fewer than ${index + 1} members`);
      return id;
    }

    function messages(): InboundMessage[] {
      return events.filter((event): event is InboundMessage => event.kind === 'message');
    }

    function nextMessage(what: string, match: (message: InboundMessage) => boolean): Promise<InboundMessage> {
      return waitFor(() => messages().find(match), undefined, what);
    }

    function nextMemberEvent(kind: MemberEvent['kind'], userId: string): Promise<MemberEvent> {
      const find = (): MemberEvent | undefined =>
        events.find((event): event is MemberEvent => event.kind === kind && event.userId === userId);
      return waitFor(find, undefined, `${kind} of ${userId}`);
    }

    beforeEach(async () => {
      harness = await makeHarness();
      adapter = harness.adapter;
      peer = harness.peer;
      events = [];
      await adapter.start((event) => {
        events.push(event);
      });
    });

    afterEach(async () => {
      await adapter.stop();
      await harness.cleanup();
    });

    it('tags every event with its platform and account', async () => {
      await peer.userSays(member(0), peer.groupChatId, '收到');
      const message = await nextMessage('收到', (m) => m.text.includes('收到'));
      expect(message.platform).toBe(adapter.platform);
      expect(message.accountId).toBe(adapter.accountId);
      expect(adapter.capabilities.maxMessageChars).toBeGreaterThan(0);
      expect(adapter.capabilities.maxMentions).toBeGreaterThan(0);
    });

    it('receives a group text with its sender, chat and message id', async () => {
      const id = await peer.userSays(member(0), peer.groupChatId, '张三收到');
      const message = await nextMessage('张三收到', (m) => m.text.includes('张三收到'));
      expect(message.chat).toEqual({ type: 'group', chatId: peer.groupChatId });
      expect(message.sender.userId).toBe(member(0));
      expect(message.sender.nickname.length).toBeGreaterThan(0);
      expect(message.text).toBe('张三收到');
      expect(message.mentionsBot).toBe(false);
      expect(message.at).toBeGreaterThan(0);
      if (id !== undefined) expect(message.messageId).toBe(id);
    });

    it('delivers a group’s messages in the order they were said', async () => {
      for (const text of ['一号', '二号', '三号']) await peer.userSays(member(0), peer.groupChatId, text);
      await nextMessage('三号', (m) => m.text === '三号');
      expect(messages().map((m) => m.text)).toEqual(['一号', '二号', '三号']);
    });

    it('marks a message that mentions the bot', async () => {
      await peer.userSays(member(1), peer.groupChatId, '请查收', { mentions: [harness.botUserId] });
      const message = await nextMessage('mention', (m) => m.text.includes('请查收'));
      expect(message.mentionsBot).toBe(true);
      expect(message.sender.userId).toBe(member(1));
    });

    it('does not mark a message that mentions someone else', async () => {
      await peer.userSays(member(1), peer.groupChatId, '看群公告', { mentions: [member(0)] });
      const message = await nextMessage('mention of a member', (m) => m.text.includes('看群公告'));
      expect(message.mentionsBot).toBe(false);
    });

    it('reports the quoted message of a quote-reply', async (context) => {
      context.skip(!adapter.capabilities.quoteReply, 'platform has no quote-replies');
      const noticeId = await peer.userSays(member(0), peer.groupChatId, '请各班于今晚前上报');
      context.skip(noticeId === undefined, 'peer gives no message ids to quote');
      await peer.userSays(member(1), peer.groupChatId, '收到', { quoteId: noticeId });
      const reply = await nextMessage('quote-reply', (m) => m.sender.userId === member(1) && m.text.includes('收到'));
      expect(reply.quoteId).toBe(noticeId);
    });

    it('receives a private message', async () => {
      await peer.userSaysPrivate(member(0), '老师好，我已上报');
      const message = await nextMessage('private message', (m) => m.text.includes('老师好'));
      expect(message.chat).toEqual({ type: 'private' });
      expect(message.sender.userId).toBe(member(0));
      expect(message.mentionsBot).toBe(false);
    });

    it('does not echo the bot’s own messages back', async () => {
      await adapter.sendGroup(peer.groupChatId, { text: '机器人通知', deliveryKey: deliveryKey() });
      await waitFor(() => peer.sentToGroup(peer.groupChatId).some((m) => m.text.includes('机器人通知')), undefined, 'bot post');
      await peer.userSays(member(0), peer.groupChatId, '之后的消息');
      await nextMessage('marker', (m) => m.text.includes('之后的消息'));
      expect(messages().filter((m) => m.sender.userId === harness.botUserId)).toEqual([]);
    });

    it('sends a group text with mentions as the platform renders them', async () => {
      const mentioned = [member(0), member(1)];
      await adapter.sendGroup(peer.groupChatId, { text: '请回复收到', mentions: mentioned, deliveryKey: deliveryKey() });
      const seen = await waitFor(
        () => peer.sentToGroup(peer.groupChatId).find((m) => m.text.includes('请回复收到')),
        undefined,
        'bot post with mentions',
      );
      if (adapter.capabilities.mentionEntities) {
        expect([...seen.mentions].sort()).toEqual([...mentioned].sort());
      } else {
        expect(seen.mentions).toEqual([]);
        for (const userId of mentioned) expect(seen.text).toContain(`@${peer.displayName(peer.groupChatId, userId)}`);
      }
    });

    it('sends a private text', async () => {
      await adapter.sendPrivate(member(0), { text: '请督促本院辅导员回复', deliveryKey: deliveryKey() });
      const seen = await waitFor(
        () => peer.sentPrivate(member(0)).find((m) => m.text.includes('请督促本院辅导员回复')),
        undefined,
        'private post',
      );
      expect(seen.text).toBe('请督促本院辅导员回复');
    });

    it('returns a receipt with a message id exactly when the platform gives one', async () => {
      const receipt = await adapter.sendGroup(peer.groupChatId, { text: '回执', deliveryKey: deliveryKey() });
      expect(receipt.at).toBeGreaterThan(0);
      if (adapter.capabilities.sentMessageIds) {
        expect(typeof receipt.messageId).toBe('string');
        expect(receipt.messageId?.length).toBeGreaterThan(0);
      } else {
        expect(receipt.messageId).toBeUndefined();
      }
    });

    it('recalls its own post where the platform allows it (issue #15)', async (context) => {
      context.skip(adapter.recall === undefined || !adapter.capabilities.sentMessageIds || peer.recalledByBot === undefined, 'adapter cannot recall its posts');
      const receipt = await adapter.sendGroup(peer.groupChatId, { text: '将被撤回', deliveryKey: deliveryKey() });
      const id = receipt.messageId ?? '';
      await adapter.recall?.(peer.groupChatId, id);
      expect(peer.recalledByBot?.(id)).toBe(true);
      // Twice is refused: the platform says the message is gone.
      await expect(adapter.recall?.(peer.groupChatId, id)).rejects.toThrow();
    });

    const PDF: PeerFile = { kind: 'file', name: '通知.pdf', data: new TextEncoder().encode('%PDF-1.4 conformance') };
    // A real 1×1 PNG: QQ clients read a picture's header before sending it.
    const PNG: PeerFile = { kind: 'image', name: 'poster.png', data: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x05, 0x02, 0x00, 0x5f, 0xc8, 0xf1, 0xd2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]) };

    it('receives a file and a picture a person posts, and fetches their bytes (issue #15)', async (context) => {
      context.skip(peer.userSendsFile === undefined || adapter.fetchFile === undefined, 'peer cannot post files or adapter cannot fetch them');
      for (const file of [PDF, PNG]) {
        await peer.userSendsFile?.(member(0), peer.groupChatId, file);
        const got = await nextMessage(`a ${file.kind} message`, (m) => m.files?.some((f) => f.kind === file.kind) === true);
        const ref = got.files?.find((f) => f.kind === file.kind);
        if (!ref) throw new Error('no file');
        expect(got.chat).toEqual({ type: 'group', chatId: peer.groupChatId });
        expect(got.sender.userId).toBe(member(0));
        if (file.kind === 'file') expect(ref.name).toBe(file.name);
        const bytes = await adapter.fetchFile?.(ref, { chatType: 'group', chatId: peer.groupChatId });
        expect(Buffer.from(bytes ?? []).equals(Buffer.from(file.data))).toBe(true);
        events.length = 0;
      }
    });

    it('posts a picture and a file into a group and privately, where its capabilities say it can (issue #15)', async (context) => {
      context.skip(peer.filesSentToGroup === undefined, 'peer cannot see the files the bot posts');
      const dir = mkdtempSync(join(tmpdir(), 'conformance-files-'));
      try {
        for (const file of [PNG, PDF]) {
          const path = join(dir, file.name);
          writeFileSync(path, file.data);
          const out = { kind: file.kind, name: file.name, path, size: file.data.byteLength };
          const caps = adapter.capabilities.files;
          if (file.kind === 'image' ? caps.groupImages : caps.groupFiles) {
            await adapter.sendGroup(peer.groupChatId, { text: '', deliveryKey: deliveryKey(), file: out });
            const seen = await waitFor(() => peer.filesSentToGroup?.(peer.groupChatId).find((f) => f.kind === file.kind), undefined, `group ${file.kind}`);
            expect(Buffer.from(seen.data).equals(Buffer.from(file.data))).toBe(true);
            if (file.kind === 'file') expect(seen.name).toBe(file.name);
          }
          if (peer.filesSentPrivate && (file.kind === 'image' ? caps.privateImages : caps.privateFiles)) {
            await adapter.sendPrivate(member(0), { text: '', deliveryKey: deliveryKey(), file: out });
            const seen = await waitFor(() => peer.filesSentPrivate?.(member(0)).find((f) => f.kind === file.kind), undefined, `private ${file.kind}`);
            expect(Buffer.from(seen.data).equals(Buffer.from(file.data))).toBe(true);
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('never claims an unsent delivery was sent', async (context) => {
      context.skip(adapter.confirmSent === undefined, 'adapter cannot confirm sends');
      const key = deliveryKey();
      const target = { chatType: 'group' as const, id: peer.groupChatId };
      expect(await adapter.confirmSent?.(target, key)).not.toBe('sent');
      await adapter.sendGroup(peer.groupChatId, { text: '确认', deliveryKey: key });
      expect(await adapter.confirmSent?.(target, key)).not.toBe('not_sent');
    });

    it('reads back a group: people’s messages as their events, and its own posts, oldest first', async (context) => {
      context.skip(adapter.history === undefined, 'platform gives no history');
      // Second resolution: the platforms keep times in seconds.
      const since = Date.now() - 2_000;
      const none = await adapter.history?.(peer.groupChatId, since).then(
        () => false,
        (error: unknown) => error instanceof PlatformRefusedError,
      );
      context.skip(none === true, 'this platform (flavour) keeps no history the bot can read');
      await peer.userSays(member(0), peer.groupChatId, '历史一');
      await adapter.sendGroup(peer.groupChatId, { text: '历史二', deliveryKey: deliveryKey() });
      await peer.userSays(member(1), peer.groupChatId, '历史三');
      const page = await adapter.history?.(peer.groupChatId, since);
      const texts = page?.messages.map((m) => (m.self ? `bot:${m.text}` : `${m.event.sender.userId}:${m.event.text}`)) ?? [];
      expect(texts.filter((t) => t.includes('历史'))).toEqual([`${member(0)}:历史一`, 'bot:历史二', `${member(1)}:历史三`]);
      for (const m of page?.messages ?? []) if (!m.self) expect(m.event).toMatchObject({ kind: 'message', accountId: adapter.accountId, chat: { type: 'group', chatId: peer.groupChatId } });
      expect(page?.complete).toBe(true);
    });

    it('lists its groups and their members', async () => {
      const groups = await adapter.listGroups();
      expect(groups.map((g) => g.chatId)).toContain(peer.groupChatId);
      const members = await adapter.listMembers(peer.groupChatId);
      const ids = members.map((m) => m.userId);
      for (const userId of peer.memberIds) expect(ids).toContain(userId);
      for (const m of members) {
        expect(typeof m.nickname).toBe('string');
        expect(ROLES).toContain(m.role);
      }
    });

    it('reports members leaving and joining', async () => {
      const userId = member(peer.memberIds.length - 1);
      await peer.userLeaves(peer.groupChatId, userId);
      const left = await nextMemberEvent('member_leave', userId);
      expect(left.chatId).toBe(peer.groupChatId);
      await peer.userJoins(peer.groupChatId, userId);
      const joined = await nextMemberEvent('member_join', userId);
      expect(joined.chatId).toBe(peer.groupChatId);
      expect(joined.accountId).toBe(adapter.accountId);
    });

    it('reports a recalled message', async (context) => {
      const id = await peer.userSays(member(0), peer.groupChatId, '发错了');
      context.skip(id === undefined, 'peer gives no message ids to recall');
      await nextMessage('message to recall', (m) => m.text.includes('发错了'));
      await peer.userRecalls(id ?? '');
      const recall = await waitFor(
        () => events.find((event): event is RecallEvent => event.kind === 'recall' && event.messageId === id),
        undefined,
        'recall event',
      );
      expect(recall.chatId).toBe(peer.groupChatId);
      expect(recall.userId).toBe(member(0));
    });

    it('counts a duplicate inbound event once', async (context) => {
      context.skip(peer.redeliver === undefined, 'peer cannot replay an event');
      const id = await peer.userSays(member(0), peer.groupChatId, '重复投递');
      context.skip(id === undefined, 'peer gives no message ids');
      await nextMessage('first copy', (m) => m.text === '重复投递');
      await peer.redeliver?.(id ?? '');
      await waitFor(() => messages().filter((m) => m.text === '重复投递').length >= 2 || undefined, undefined, 'second copy');
      const [a, b] = messages().filter((m) => m.text === '重复投递');
      // The app stores one inbound row per key: both copies must give the same key.
      const cross = adapter.capabilities.crossAccountMessageIds;
      expect(a && inboundDedupeKey(a, cross)).toBe(b && inboundDedupeKey(b, cross));
    });

    it('delivers every send queued while the transport is down exactly once after it comes back', async (context) => {
      context.skip(peer.dropConnection === undefined, 'peer cannot drop the transport');
      const outbox = await startConformanceOutbox(adapter, redisUrl());
      try {
        const texts = ['一号通知', '二号通知', '三号通知', '四号通知', '五号通知'];
        const sent = (text: string): number => peer.sentToGroup(peer.groupChatId).filter((m) => m.text.includes(text)).length;
        for (const [i, text] of texts.slice(0, 2).entries()) await outbox.send('group', peer.groupChatId, text, `${deliveryKey()}-${i}`);
        await waitFor(() => sent('二号通知') === 1, 5_000, 'sends before the drop');
        await peer.dropConnection?.();
        for (const [i, text] of texts.slice(2).entries()) await outbox.send('group', peer.groupChatId, text, `${deliveryKey()}-d${i}`);
        await new Promise((r) => setTimeout(r, 300));
        await peer.restoreConnection?.();
        await waitFor(() => outbox.deliveries().every((d) => d.status === 'sent'), 15_000, 'every delivery sent after the transport came back');
        for (const text of texts) expect(sent(text)).toBe(1);
        // Events flow again.
        await peer.userSays(member(0), peer.groupChatId, '恢复之后');
        await nextMessage('after the reconnect', (m) => m.text === '恢复之后');
      } finally {
        await outbox.close();
      }
    });

    it('refuses a message longer than the platform delivers', async () => {
      const text = '长'.repeat(adapter.capabilities.maxMessageChars + 1);
      await expect(adapter.sendGroup(peer.groupChatId, { text, deliveryKey: deliveryKey() })).rejects.toBeInstanceOf(
        PlatformRefusedError,
      );
      expect(peer.sentToGroup(peer.groupChatId).filter((m) => m.text.length > adapter.capabilities.maxMessageChars)).toEqual(
        [],
      );
    });
  });
}
