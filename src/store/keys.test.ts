/**
 * The key formats are stored in SQLite and Redis by earlier versions: a changed format makes a
 * delivery planned before an upgrade look new after it (a duplicate post). These are golden values.
 */
import { describe, expect, it } from 'vitest';
import { deliveryKey, inboundKey, isDirectivePostKey, jobId, roundKey, sendQueueName } from './keys.js';

describe('key formats stay as stored', () => {
  it('delivery keys', () => {
    expect(deliveryKey.directivePost(12, 34)).toBe('d12-pg34');
    expect(deliveryKey.withdrawal(12, 'qq', '700001')).toBe('d12-w-qq:700001');
    expect(deliveryKey.correction(12, 2, 'wechat', '@@room')).toBe('d12-c2-wechat:@@room');
    expect(deliveryKey.answer(56, 2)).toBe('r56-2');
    expect(deliveryKey.part('d12-pg34', 3)).toBe('d12-pg34.p3');
    expect(deliveryKey.manualTask(7, 8)).toBe('manual-7-8');
    expect(deliveryKey.manualCheck(12, 7)).toBe('check-12-7');
    expect(deliveryKey.alert(deliveryKey.breakerAlert('qq-bot-1', 1700000000000), 9)).toBe('breaker-qq-bot-1-1700000000000-9');
    expect(deliveryKey.dailyAudit('2026-3-2', 5, 'abcdef012345')).toBe('daily-audit-2026-3-2-5-abcdef012345');
    expect(deliveryKey.memberLeft('qq', '707564071', '10001', 42, 3)).toBe('leave-qq-707564071-10001-42-3');
    expect(deliveryKey.chaseSummary(12, 4)).toBe('c12-summary-4');
    expect(deliveryKey.apology('in-abc')).toBe('apology-in-abc');
    const round = deliveryKey.chase(12, 5);
    expect(round.notice(34, 'ack')).toBe('c12-r5-pg34-ack-notice');
    expect(round.mention(34, 'done', 2)).toBe('c12-r5-pg34-done-m2');
    expect(round.nag(4, 'ack')).toBe('c12-r5-n4-ack');
    expect(round.guardian(4, 'ack', 99)).toBe('c12-r5-p4-ack-s99');
    expect(round.person(4, 'ack', 3)).toBe('c12-r5-p4-ack-L3');
  });

  it('tells a directive post by its key', () => {
    expect(isDirectivePostKey('d12-pg34')).toBe(true);
    expect(isDirectivePostKey('d12-pg34.p2')).toBe(true);
    expect(isDirectivePostKey('daily-audit-2026-3-2-5-x')).toBe(false);
    expect(isDirectivePostKey('r5-1')).toBe(false);
  });

  it('round keys', () => {
    expect(roundKey.auto(1700000000000)).toBe('auto-1700000000000');
    expect(roundKey.manual(77)).toBe('manual-77');
    expect(roundKey.summary).toBe('summary');
    expect(roundKey.rerun('auto-1', 2)).toBe('auto-1.2');
  });

  it('inbound dedupe keys', () => {
    expect(inboundKey.groupMessage('qq', '707564071', '123')).toBe('m:qq:g:707564071:123');
    expect(inboundKey.privateMessage('qq', 'qq-bot-1', '123')).toBe('m:qq:p:qq-bot-1:123');
    expect(inboundKey.accountMessage('qq', 'qq-bot-1', '707564071', '123')).toBe('m:qq:a:qq-bot-1:g:707564071:123');
    // Unchanged without a quote (keys in flight across an upgrade still match); a quote makes another key.
    expect(inboundKey.fingerprint('wechat', { type: 'group', chatId: 'r@chatroom' }, 'wxid_a', 17, '收到', '88')).toMatch(
      /^f:wechat:g:r@chatroom:wxid_a:17:e37d13e3d717e691:q[0-9a-f]{8}$/u,
    );
    expect(inboundKey.fingerprint('wechat', { type: 'group', chatId: 'r@chatroom' }, 'wxid_a', 17, '收到')).toBe(
      'f:wechat:g:r@chatroom:wxid_a:17:e37d13e3d717e691',
    );
    expect(inboundKey.fingerprint('qq', { type: 'private', accountId: 'qq-bot-1' }, '10001', 17, '收到')).toMatch(/^f:qq:p:qq-bot-1:10001:17:[0-9a-f]{16}$/u);
    expect(inboundKey.event('recall', 'qq', '1', '2', 3, '4')).toBe('recall:qq:1:2:3:4');
    expect(inboundKey.login('wechat', 'wx-bot-1', 5)).toBe('login:wechat:wx-bot-1:5');
  });

  it('job ids and queue names', () => {
    expect(jobId.send(5)).toBe('send-5');
    expect(jobId.send(5, 'abc')).toBe('send-5-mabc');
    expect(jobId.chase(3, 1700000000000)).toBe('chase-3-1700000000000');
    expect(jobId.hashed('in', 'm:qq:g:1:2')).toMatch(/^in-[0-9a-f]{24}$/u);
    expect(jobId.hashed('in', 'm:qq:g:1:2')).not.toContain(':');
    expect(sendQueueName('qq-bot.1')).toBe('send-qq-bot_1');
  });
});
