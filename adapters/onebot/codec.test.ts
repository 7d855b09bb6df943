import { describe, expect, it } from 'vitest';
import { PlatformRefusedError, PlatformUnavailableError } from '../../src/platform/port.js';
import {
  decodeEvent,
  decodeMember,
  encodeMessage,
  escapeCqParam,
  escapeCqText,
  parseCqString,
  parseFrame,
  responseError,
  unescapeCq,
  wireId,
  type DecodeContext,
} from './codec.js';
import type { WireEvent, WireResponse } from './wire.js';

const NOW = 1_760_000_000_000;
const NAMES: Record<string, string> = { '20002': '李四', '20003': '王五家长' };
const ctx: DecodeContext = {
  accountId: 'qq-bot',
  selfId: '10001',
  nameOf: (groupId, userId) => (groupId === '700001' ? NAMES[userId] : undefined),
  now: NOW,
};

function groupMessage(message: unknown, extra: Record<string, unknown> = {}): WireEvent {
  return {
    time: 1_760_000_123,
    self_id: 10001,
    post_type: 'message',
    message_type: 'group',
    sub_type: 'normal',
    message_id: 1_234_567,
    group_id: 700001,
    user_id: 20001,
    message,
    raw_message: '',
    font: 14,
    sender: { user_id: 20001, nickname: '张三', card: '20计科1班 张三', role: 'member' },
    ...extra,
  } as unknown as WireEvent;
}

describe('decoding messages', () => {
  const cases: { name: string; event: WireEvent; expected: Record<string, unknown> }[] = [
    {
      name: 'plain group text, array form',
      event: groupMessage([{ type: 'text', data: { text: '收到' } }]),
      expected: { text: '收到', mentions: [], mentionsBot: false, messageId: '1234567', chat: { type: 'group', chatId: '700001' }, at: 1_760_000_123_000 },
    },
    {
      name: 'an @ of the bot without a name renders the id when the name is unknown',
      event: groupMessage([{ type: 'at', data: { qq: '10001' } }, { type: 'text', data: { text: ' 请查收' } }]),
      expected: { text: '@10001 请查收', mentions: ['10001'], mentionsBot: true },
    },
    {
      name: 'an @ uses the name the segment gives (NapCat)',
      event: groupMessage([{ type: 'at', data: { qq: '20003', name: '@王五' } }, { type: 'text', data: { text: ' 看群公告' } }]),
      expected: { text: '@王五 看群公告', mentions: ['20003'], mentionsBot: false },
    },
    {
      name: 'an @ without a name uses the card the adapter knows',
      event: groupMessage([{ type: 'at', data: { qq: 20003 } }, { type: 'text', data: { text: ' 看群公告' } }]),
      expected: { text: '@王五家长 看群公告', mentions: ['20003'] },
    },
    {
      name: '@全体成员',
      event: groupMessage([{ type: 'at', data: { qq: 'all' } }, { type: 'text', data: { text: ' 今晚前上报' } }]),
      expected: { text: '@全体成员 今晚前上报', mentions: ['all'], mentionsBot: false },
    },
    {
      name: 'a quote-reply, NapCat string ids',
      event: groupMessage(
        [{ type: 'reply', data: { id: '-2147473169' } }, { type: 'at', data: { qq: '20002' } }, { type: 'text', data: { text: ' 收到' } }],
        { self_id: '10001', message_id: '88', group_id: '700001', user_id: '20001' },
      ),
      expected: { text: '@李四 收到', quoteId: '-2147473169', messageId: '88', chat: { type: 'group', chatId: '700001' } },
    },
    {
      name: 'CQ string form with escapes',
      event: groupMessage('[CQ:reply,id=42][CQ:at,qq=10001] 收到&#91;1&#93; &amp; A&#44;B'),
      expected: { text: '@10001 收到[1] & A&#44;B', quoteId: '42', mentions: ['10001'], mentionsBot: true },
    },
    {
      name: 'faces and pictures become placeholders; unknown segments are skipped',
      event: groupMessage([{ type: 'face', data: { id: '76' } }, { type: 'image', data: { file: 'a.jpg' } }, { type: 'poke', data: {} }, { type: 'text', data: { text: '好' } }]),
      expected: { text: '[表情][图片]好', mentions: [] },
    },
    {
      name: 'a malformed segment is dropped alone; the good ones stay',
      event: groupMessage([{ type: 'text', data: { text: '张三' } }, { type: 'text' }, null, { type: 'at', data: null }, { data: { text: 'x' } }, { type: 'text', data: { text: '收到' } }]),
      expected: { text: '张三收到', mentions: [] },
    },
    {
      name: 'a time in milliseconds is read as such',
      event: groupMessage([{ type: 'text', data: { text: 'x' } }], { time: 1_760_000_123_456 }),
      expected: { at: 1_760_000_123_456 },
    },
    {
      name: 'a time more than a day from the receipt: the receive time',
      event: groupMessage([{ type: 'text', data: { text: 'x' } }], { time: 1_760_000_000 + 3 * 86_400 }),
      expected: { at: NOW },
    },
    {
      name: 'no time: the receive time',
      event: groupMessage([{ type: 'text', data: { text: 'x' } }], { time: undefined }),
      expected: { at: NOW },
    },
  ];

  it.each(cases)('$name', ({ event, expected }) => {
    const decoded = decodeEvent(event, ctx);
    expect(decoded).toMatchObject({ kind: 'message', platform: 'qq', accountId: 'qq-bot', ...expected });
  });

  it('keeps sender card and nickname apart', () => {
    expect(decodeEvent(groupMessage([{ type: 'text', data: { text: '1' } }]), ctx)).toMatchObject({
      sender: { userId: '20001', nickname: '张三', card: '20计科1班 张三' },
    });
    const noCard = decodeEvent(groupMessage('1', { sender: { user_id: 20002, nickname: '', card: '' }, user_id: 20002 }), ctx);
    expect(noCard).toMatchObject({ sender: { userId: '20002', nickname: '李四' } });
    expect(noCard && 'sender' in noCard ? noCard.sender.card : 'x').toBeUndefined();
  });

  it('decodes a private message', () => {
    const event = { time: 1_760_000_000, self_id: 10001, post_type: 'message', message_type: 'private', sub_type: 'friend', message_id: 9, user_id: 20001, message: '老师好', sender: { user_id: 20001, nickname: '张三' } } as unknown as WireEvent;
    expect(decodeEvent(event, ctx)).toMatchObject({ chat: { type: 'private' }, text: '老师好', sender: { userId: '20001' }, messageId: '9' });
  });

  it.each([
    ['the bot’s own message', groupMessage('hi', { user_id: 10001 })],
    ['the bot’s own message before the adapter knows its id (self_id)', groupMessage('hi', { user_id: '10001' })],
    ['NapCat message_sent', groupMessage('hi', { post_type: 'message_sent', user_id: 10001 })],
    ['a group message without a group', groupMessage('hi', { group_id: null })],
    ['a heartbeat', { time: 1, self_id: 10001, post_type: 'meta_event', meta_event_type: 'heartbeat', interval: 30000, status: { online: true } } as WireEvent],
    ['a friend request', { time: 1, self_id: 10001, post_type: 'request', request_type: 'friend' } as unknown as WireEvent],
  ])('ignores %s', (_name, event) => {
    const selfUnknown = { ...ctx, selfId: undefined };
    expect(decodeEvent(event, selfUnknown)).toBeUndefined();
  });
});

describe('decoding notices', () => {
  const notice = (fields: Record<string, unknown>): WireEvent => ({ time: 1_760_000_001, self_id: '10001', post_type: 'notice', ...fields }) as unknown as WireEvent;
  it.each([
    [{ notice_type: 'group_increase', sub_type: 'approve', group_id: 700001, user_id: 20003, operator_id: 0 }, { kind: 'member_join', chatId: '700001', userId: '20003' }],
    [{ notice_type: 'group_decrease', sub_type: 'leave', group_id: '700001', user_id: '20003', operator_id: 0 }, { kind: 'member_leave', chatId: '700001', userId: '20003' }],
    [{ notice_type: 'group_decrease', sub_type: 'kick', group_id: 700001, user_id: 20003, operator_id: 20002 }, { kind: 'member_leave', chatId: '700001', userId: '20003' }],
    [{ notice_type: 'group_recall', group_id: 700001, user_id: 20001, operator_id: 20002, message_id: -5 }, { kind: 'recall', chatId: '700001', userId: '20001', messageId: '-5' }],
    [{ notice_type: 'friend_recall', user_id: 20001, message_id: 77 }, { kind: 'recall', chatId: '20001', userId: '20001', messageId: '77' }],
  ])('%o', (fields, expected) => {
    expect(decodeEvent(notice(fields), ctx)).toEqual({ platform: 'qq', accountId: 'qq-bot', at: 1_760_000_001_000, ...expected });
  });

  it.each([
    { notice_type: 'group_decrease', sub_type: 'kick_me', group_id: 700001, user_id: 10001 },
    { notice_type: 'group_increase', sub_type: 'invite', group_id: 700001, user_id: 10001 },
    { notice_type: 'group_upload', group_id: 700001, user_id: 20001 },
    { notice_type: 'group_recall', group_id: 700001 },
  ])('ignores %o', (fields) => {
    expect(decodeEvent(notice(fields), ctx)).toBeUndefined();
  });
});

describe('CQ codes', () => {
  it.each([
    ['收到', [{ type: 'text', data: { text: '收到' } }]],
    ['[CQ:at,qq=all] 上报', [{ type: 'at', data: { qq: 'all' } }, { type: 'text', data: { text: ' 上报' } }]],
    ['[CQ:face,id=76]', [{ type: 'face', data: { id: '76' } }]],
    ['[CQ:share,url=https://a.cn/?x=1&#44;2,title=A&#91;B&#93;]', [{ type: 'share', data: { url: 'https://a.cn/?x=1,2', title: 'A[B]' } }]],
    ['a&amp;#91;b', [{ type: 'text', data: { text: 'a&#91;b' } }]],
    ['x[CQ:reply,id=1]y', [{ type: 'text', data: { text: 'x' } }, { type: 'reply', data: { id: '1' } }, { type: 'text', data: { text: 'y' } }]],
    ['[CQ:image,file=a.jpg,url=http://x/?a=b=c]', [{ type: 'image', data: { file: 'a.jpg', url: 'http://x/?a=b=c' } }]],
    ['', []],
  ])('parses %j', (input, segments) => {
    expect(parseCqString(input)).toEqual(segments);
  });

  it('escapes and unescapes both ways', () => {
    const text = 'A&B [1], &#91;';
    expect(escapeCqText(text)).toBe('A&amp;B &#91;1&#93;, &amp;#91;');
    expect(escapeCqParam(text)).toBe('A&amp;B &#91;1&#93;&#44; &amp;#91;');
    expect(unescapeCq(escapeCqText(text))).toBe(text);
    expect(unescapeCq(escapeCqParam(text), true)).toBe(text);
    expect(unescapeCq('a&#44;b')).toBe('a&#44;b');
  });
});

describe('encoding', () => {
  it('puts the quote first, each mention with a space, then the text', () => {
    expect(encodeMessage({ text: '请回复收到', mentions: ['20001', 'all', '20001'], quoteId: '42' })).toEqual([
      { type: 'reply', data: { id: '42' } },
      { type: 'at', data: { qq: '20001' } },
      { type: 'text', data: { text: ' ' } },
      { type: 'at', data: { qq: 'all' } },
      { type: 'text', data: { text: ' ' } },
      { type: 'text', data: { text: '请回复收到' } },
    ]);
    expect(encodeMessage({ text: '[CQ:at,qq=all]' })).toEqual([{ type: 'text', data: { text: '[CQ:at,qq=all]' } }]);
  });

  it.each([
    ['700001', 700001],
    ['123456789012345', 123456789012345],
    ['1234567890123456', '1234567890123456'],
    ['u_abc', 'u_abc'],
    ['-5', '-5'],
  ])('sends id %s as %j', (id, expected) => {
    expect(wireId(id)).toBe(expected);
  });

  it('maps member roles and cards', () => {
    expect(decodeMember({ user_id: '20001', nickname: '张三', card: ' 20计科1班 张三 ', role: 'owner' })).toEqual({ userId: '20001', nickname: '张三', card: '20计科1班 张三', role: 'owner' });
    expect(decodeMember({ user_id: 20002, nickname: '', card: '', role: 'unknown' })).toEqual({ userId: '20002', nickname: '20002', role: 'member' });
    expect(decodeMember({ user_id: null as unknown as number })).toBeUndefined();
  });
});

describe('frames', () => {
  it('tells events from answers and drops the rest', () => {
    expect(parseFrame('{"post_type":"notice","notice_type":"x"}')?.kind).toBe('event');
    expect(parseFrame('{"status":"ok","retcode":0,"data":{"message_id":1},"echo":"c1"}')).toMatchObject({ kind: 'response', response: { status: 'ok', echo: 'c1' } });
    // NapCat's auth refusal has no echo.
    expect(parseFrame('{"status":"failed","retcode":1403,"data":null,"message":"token验证失败"}')).toMatchObject({ kind: 'response', response: { retcode: 1403 } });
    expect(parseFrame('{"retcode":0,"data":null}')).toMatchObject({ response: { status: 'ok' } });
    for (const junk of ['not json', '[1,2]', '{"hello":1}', 'null']) expect(parseFrame(junk)).toBeUndefined();
  });
});

describe('failed answers', () => {
  const failed = (retcode: number, message = '', extra: Partial<WireResponse> = {}): WireResponse => ({ status: 'failed', retcode, data: null, message, wording: message, ...extra });
  const cases: [string, WireResponse, { refused?: string; unknown?: boolean; notSent?: boolean }][] = [
    ['1400 bad params', failed(1400, '参数错误'), { refused: 'bad_request' }],
    ['1404 unknown action', failed(1404, '不支持的API send_group_msg'), { refused: 'bad_request' }],
    ['muted (NapCat 1200)', failed(1200, '发送消息失败: 你已被禁言'), { refused: 'muted' }],
    ['muted (English)', failed(1200, 'Error: bot is muted in this group'), { refused: 'muted' }],
    ['risk control', failed(1200, '消息被风控拦截'), { refused: 'risk_control' }],
    ['sending too often (maybe shown: a risk signal, never resent)', failed(1200, '发送消息过于频繁'), { refused: 'risk_control' }],
    ['not in the group', failed(1200, '机器人不在该群中'), { refused: 'not_in_group' }],
    ['group missing', failed(1200, '群不存在'), { refused: 'not_in_group' }],
    ['too long', failed(1200, '消息过长'), { refused: 'too_long' }],
    ['@all quota', failed(1200, '@全体成员 次数已用完'), { refused: 'at_all_quota' }],
    ['go-cqhttp msg field', { status: 'failed', retcode: 100, data: null, msg: 'SEND_MSG_API_ERROR', wording: '请参考 go-cqhttp 端输出' }, { unknown: true }],
    ['1200 timeout', failed(1200, 'Timeout: NTEvent serviceAndMethod:NodeIKernelMsgService/sendMsg'), { unknown: true }],
    ['async', { status: 'async', retcode: 1, data: null }, { unknown: true }],
    ['1403 token', failed(1403, 'token验证失败'), { unknown: true, notSent: true }],
  ];

  it.each(cases)('%s', (_name, response, expected) => {
    const error = responseError('send_group_msg', response);
    if (expected.refused) {
      expect(error).toBeInstanceOf(PlatformRefusedError);
      expect((error as PlatformRefusedError).code).toBe(expected.refused);
    } else {
      expect(error).toBeInstanceOf(PlatformUnavailableError);
      expect((error as PlatformUnavailableError).definitelyNotSent).toBe(expected.notSent ?? false);
    }
    expect(error.message).toContain('send_group_msg');
  });
});
