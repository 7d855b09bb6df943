import { ApiRejection as IcqqRejection } from 'icqq';
import { ApiRejection as OicqRejection } from 'oicq';
import { genDmMessageId, genGroupMessageId } from 'oicq/lib/message/message.js';
import { describe, expect, it } from 'vitest';
import { PlatformRefusedError, PlatformUnavailableError } from '../../src/platform/port.js';
import {
  checkOutbound,
  decodeGroupMessage,
  decodeMemberNotice,
  decodePrivateMessage,
  decodeRecall,
  encodeOutbound,
  fileRef,
  parseFileRef,
  qqNumber,
  quoteSource,
  toFetchError,
  toFileError,
  toImageUploadError,
  toPortError,
  type DecodeContext,
} from './codec.js';
import type { WireGroupMessageEvent } from './wire.js';

const BOT = 10001;
const GID = 700001;
const ZHANG = 20001;
const NOW = 1_700_000_000_000;
const ctx: DecodeContext = { accountId: 'qq-bot', selfUin: BOT, now: () => NOW };
const T = 1_700_000_100;

function groupEvent(over: Partial<WireGroupMessageEvent> = {}): WireGroupMessageEvent {
  return {
    group_id: GID,
    user_id: ZHANG,
    time: T,
    message_id: genGroupMessageId(GID, ZHANG, 501, 7, T),
    message: [{ type: 'text', text: '收到' }],
    raw_message: '收到',
    sender: { user_id: ZHANG, nickname: '张三', card: '20计科1班 张三' },
    ...over,
  };
}

describe('decodeGroupMessage: a group message as the app sees it', () => {
  const cases: { name: string; event: WireGroupMessageEvent; expect: Record<string, unknown> }[] = [
    {
      name: '张三 says 收到',
      event: groupEvent(),
      expect: { text: '收到', mentions: [], mentionsBot: false, chat: { type: 'group', chatId: String(GID) }, at: T * 1000 },
    },
    {
      name: '张三 @s the bot (atme)',
      event: groupEvent({
        atme: true,
        message: [{ type: 'at', qq: BOT, text: '@联络机器人' }, { type: 'text', text: ' 收到' }],
        raw_message: '@联络机器人 收到',
      }),
      expect: { text: '@联络机器人 收到', mentions: [String(BOT)], mentionsBot: true },
    },
    {
      name: 'a mention of the bot without the atme flag still counts',
      event: groupEvent({ message: [{ type: 'at', qq: BOT }, { type: 'text', text: ' 在吗' }], raw_message: '@联络机器人 在吗' }),
      expect: { mentions: [String(BOT)], mentionsBot: true },
    },
    {
      name: '@全体成员 is "all" and is not a mention of the bot',
      event: groupEvent({ message: [{ type: 'at', qq: 'all', text: '@全体成员' }, { type: 'text', text: ' 开会' }], raw_message: '@全体成员 开会' }),
      expect: { mentions: ['all'], mentionsBot: false },
    },
    {
      name: 'a repeated mention is listed once',
      event: groupEvent({ message: [{ type: 'at', qq: 20002 }, { type: 'at', qq: 20002 }], raw_message: '@李四@李四' }),
      expect: { mentions: ['20002'] },
    },
    {
      name: 'without raw_message the elements are rendered, mentions as @名字',
      event: groupEvent({
        raw_message: undefined,
        message: [{ type: 'at', qq: 20002, text: '@李四' }, { type: 'at', qq: 20003 }, { type: 'text', text: ' 好' }, { type: 'face', text: '[微笑]' }, { type: 'image' }],
      }),
      expect: { text: '@李四@20003 好[微笑]' },
    },
    {
      name: 'no card: nickname only',
      event: groupEvent({ sender: { user_id: ZHANG, nickname: '张三', card: '' } }),
      expect: { sender: { userId: String(ZHANG), nickname: '张三' } },
    },
    {
      name: 'no nickname: the QQ number stands in',
      event: groupEvent({ sender: { user_id: ZHANG } }),
      expect: { sender: { userId: String(ZHANG), nickname: String(ZHANG) } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(decodeGroupMessage(c.event, ctx)).toMatchObject({ kind: 'message', platform: 'qq', accountId: 'qq-bot', ...c.expect });
    });
  }

  it('keeps the card and the library message id', () => {
    const e = groupEvent();
    expect(decodeGroupMessage(e, ctx)).toMatchObject({ messageId: e.message_id, sender: { card: '20计科1班 张三', nickname: '张三' } });
  });

  it('rebuilds the quoted message’s own id from source', () => {
    const noticeId = genGroupMessageId(GID, 20002, 480, 99, T - 60);
    const reply = decodeGroupMessage(groupEvent({ source: { user_id: 20002, seq: 480, rand: 99, time: T - 60 } }), ctx);
    expect(reply?.quoteId).toBe(noticeId);
    expect(decodeGroupMessage(groupEvent(), ctx)).not.toHaveProperty('quoteId');
  });

  it('drops the bot’s own messages', () => {
    expect(decodeGroupMessage(groupEvent({ user_id: BOT }), ctx)).toBeUndefined();
  });
});

describe('decodePrivateMessage', () => {
  it('李四 writes privately: sender from from_id, no mentions, time in ms', () => {
    const m = decodePrivateMessage({ from_id: 20002, user_id: 20002, time: T, message_id: 'dm1', raw_message: '老师好', sender: { user_id: 20002, nickname: '李四' } }, ctx);
    expect(m).toMatchObject({ chat: { type: 'private' }, sender: { userId: '20002', nickname: '李四' }, text: '老师好', mentions: [], mentionsBot: false, messageId: 'dm1', at: T * 1000 });
  });

  it('without a time it is stamped now', () => {
    expect(decodePrivateMessage({ user_id: 20002, raw_message: 'x' }, ctx)?.at).toBe(NOW);
  });

  it.each([
    ['sub_type self (the bot on another device)', { sub_type: 'self', from_id: 20002, user_id: 20002 }],
    ['sent by the bot', { from_id: BOT, user_id: 20002 }],
  ])('drops %s', (_name, e) => {
    expect(decodePrivateMessage({ ...e, raw_message: 'x' }, ctx)).toBeUndefined();
  });
});

describe('notices', () => {
  it.each([
    ['member_join', ZHANG],
    ['member_leave', ZHANG],
    ['member_leave', BOT], // the bot was removed: still reported, the app must know
  ] as const)('%s of %s', (kind, uin) => {
    expect(decodeMemberNotice(kind, { group_id: GID, user_id: uin }, ctx)).toEqual({ kind, platform: 'qq', accountId: 'qq-bot', chatId: String(GID), userId: String(uin), at: NOW });
  });

  it('a recall carries the recalled message id and its author', () => {
    const id = genGroupMessageId(GID, ZHANG, 501, 7, T);
    expect(decodeRecall({ group_id: GID, user_id: ZHANG, message_id: id, time: T }, ctx)).toEqual({
      kind: 'recall', platform: 'qq', accountId: 'qq-bot', chatId: String(GID), messageId: id, userId: String(ZHANG), at: T * 1000,
    });
  });
});

describe('outbound', () => {
  it('plain text stays a string', () => {
    expect(encodeOutbound({ text: '请回复收到' })).toBe('请回复收到');
  });

  it('mentions become at elements before the text', () => {
    expect(encodeOutbound({ text: '请回复收到', mentions: ['20001', 'all'] })).toEqual([
      { type: 'at', qq: 20001 }, ' ', { type: 'at', qq: 'all' }, ' ', '请回复收到',
    ]);
  });

  it.each(['wxid_abc', '', '0123', '1e5', '99999999999999999'])('refuses the mention id %j', (id) => {
    expect(() => encodeOutbound({ text: 'x', mentions: [id] })).toThrow(PlatformRefusedError);
  });

  it.each([
    ['700001', 700001],
    ['abc', undefined],
    ['-5', undefined],
  ])('qqNumber(%j)', (id, n) => {
    if (n === undefined) expect(() => qqNumber(id, 'group')).toThrow(expect.objectContaining({ code: 'not_in_group' }));
    else expect(qqNumber(id, 'group')).toBe(n);
  });

  it('a group quote id gives the source fields it was built from', () => {
    expect(quoteSource(genGroupMessageId(GID, ZHANG, 501, 7, T))).toEqual({ user_id: ZHANG, seq: 501, rand: 7, time: T, message: expect.any(String) });
    expect(quoteSource(genGroupMessageId(GID, ZHANG, 501, 7, T))?.message.length).toBeGreaterThan(0);
  });

  it('a private quote id too; anything else gives no quote', () => {
    expect(quoteSource(genDmMessageId(ZHANG, 33, 8, T))).toMatchObject({ user_id: ZHANG, seq: 33, rand: 8, time: T });
    expect(quoteSource('not-an-id')).toBeUndefined();
    expect(quoteSource('')).toBeUndefined();
  });

  const limits = { maxMessageChars: 10, maxMentions: 2 };
  it.each([
    [{ text: '长'.repeat(10) }, undefined],
    [{ text: '长'.repeat(11) }, 'too_long'],
    [{ text: 'x', mentions: ['1', '2'] }, undefined],
    [{ text: 'x', mentions: ['1', '2', '3'] }, 'too_many_mentions'],
  ])('checkOutbound(%j) → %s', (message, code) => {
    if (code === undefined) expect(() => checkOutbound(message, limits)).not.toThrow();
    else expect(() => checkOutbound(message, limits)).toThrow(expect.objectContaining({ name: 'PlatformRefusedError', code }));
  });
});

describe('toPortError: library rejections as the port’s errors', () => {
  const refusals: [number, string][] = [
    [-70, 'risk_control'],
    [-80, 'risk_control'],
    [120, 'muted'],
    [121, 'at_all_quota'],
    [10, 'too_long'],
    [34, 'too_long'],
    [-20, 'not_in_group'],
    [-60, 'bad_request'],
    [-10, 'unknown_user'],
    [299, 'refused'], // any other answer of the server
  ];
  for (const [Rejection, lib] of [[OicqRejection, 'oicq'], [IcqqRejection, 'icqq']] as const) {
    it.each(refusals)(`${lib} %i → PlatformRefusedError(%s)`, (code, refusal) => {
      const error = toPortError(new Rejection(code, 'x'));
      expect(error).toBeInstanceOf(PlatformRefusedError);
      expect((error as PlatformRefusedError).code).toBe(refusal);
    });

    it.each([
      [-1, true], // not online: nothing left the process
      [-2, false], // packet timeout: the server may have it
      [-110, false], // upload timeout
    ])(`${lib} %i → PlatformUnavailableError(definitelyNotSent %s)`, (code, notSent) => {
      const error = toPortError(new Rejection(code, 'x'));
      expect(error).toBeInstanceOf(PlatformUnavailableError);
      expect((error as PlatformUnavailableError).definitelyNotSent).toBe(notSent);
    });
  }

  it('-70 says the message may have been posted', () => {
    expect(toPortError(new OicqRejection(-70, 'risk')).message).toMatch(/may have been posted/);
  });

  it('an unexpected exception is an unknown outcome; port errors pass through', () => {
    const thrown = toPortError(new TypeError('boom'));
    expect(thrown).toBeInstanceOf(PlatformUnavailableError);
    expect((thrown as PlatformUnavailableError).definitelyNotSent).toBe(false);
    const refused = new PlatformRefusedError('muted', 'x');
    expect(toPortError(refused)).toBe(refused);
  });
});

describe('files: the pictures and files a message carried (issue #15)', () => {
  const MD5 = '0123456789abcdef0123456789abcdef';
  const URL = `https://gchat.qpic.cn/gchatpic_new/0/0-0-${MD5.toUpperCase()}/0`;

  it('a picture: its file parameter as the name, the size inside it, its address as the reference', () => {
    const m = decodeGroupMessage(groupEvent({ message: [{ type: 'image', file: `${MD5}5120-640-480.png`, url: URL }], raw_message: '[图片]' }), ctx);
    expect(m).toMatchObject({ text: '[图片]', files: [{ kind: 'image', name: `${MD5}5120-640-480.png`, size: 5120, ref: URL }] });
  });

  it('icqq’s own size wins; a picture without an address is left out (it cannot be fetched), its [图片] stays', () => {
    const sized = decodeGroupMessage(groupEvent({ message: [{ type: 'image', file: `${MD5}0-0-0.jpg`, url: URL, size: 77 }], raw_message: '[图片]' }), ctx);
    expect(sized?.files?.[0]?.size).toBe(77);
    const noUrl = decodeGroupMessage(groupEvent({ message: [{ type: 'image', file: `${MD5}0-0-0.jpg`, url: '' }], raw_message: '[图片]' }), ctx);
    expect(noUrl).toMatchObject({ text: '[图片]' });
    expect(noUrl).not.toHaveProperty('files');
  });

  it('a group file: [文件] (not the library’s [群文件]), its name and size, its id as the reference', () => {
    const m = decodeGroupMessage(groupEvent({ message: [{ type: 'file', name: '返校通知.pdf', fid: 'abc123', md5: MD5, size: 2048 }], raw_message: '[群文件]' }), ctx);
    expect(m).toMatchObject({ text: '[文件]', files: [{ kind: 'file', name: '返校通知.pdf', size: 2048, ref: fileRef('abc123') }] });
    expect(parseFileRef(m?.files?.[0]?.ref ?? '')).toEqual({ fid: 'abc123' });
  });

  it('a private offline file: [文件] instead of [离线文件]', () => {
    const m = decodePrivateMessage({ from_id: ZHANG, user_id: ZHANG, raw_message: '[离线文件]', message: [{ type: 'file', name: '回执.docx', fid: '/f1', size: 10 }] }, ctx);
    expect(m).toMatchObject({ text: '[文件]', files: [{ kind: 'file', name: '回执.docx', size: 10, ref: fileRef('/f1') }] });
  });

  it('without raw_message, pictures and files render as their placeholders', () => {
    const m = decodeGroupMessage(groupEvent({ raw_message: undefined, message: [{ type: 'text', text: '看图' }, { type: 'image', file: `${MD5}1-1-1.png`, url: URL }] }), ctx);
    expect(m?.text).toBe('看图[图片]');
  });

  it('a text message carries no files', () => {
    expect(decodeGroupMessage(groupEvent(), ctx)).not.toHaveProperty('files');
  });

  it('a reference is an address, or a file id; anything else in braces is refused', () => {
    expect(parseFileRef(URL)).toEqual({ url: URL });
    expect(() => parseFileRef('{"fid":3}')).toThrow(PlatformRefusedError);
    expect(() => parseFileRef('{broken')).toThrow(PlatformRefusedError);
  });

  for (const [Rejection, lib] of [[OicqRejection, 'oicq'], [IcqqRejection, 'icqq']] as const) {
    it.each([
      [-150, 'file_refused'], // unsafe file
      [-403, 'file_refused'], // any code of the group file system: no upload right, no space
      [-60, 'file_refused'], // the library could not build the message
      [299, 'file_refused'],
      [-70, 'risk_control'], // risk signals keep their codes: the circuit breaker reads them
      [120, 'muted'],
      [-20, 'not_in_group'],
    ])(`${lib} file send %i → PlatformRefusedError(%s)`, (code, refusal) => {
      expect(toFileError(new Rejection(code, 'x'))).toMatchObject({ name: 'PlatformRefusedError', code: refusal });
    });

    it.each([-1, -2, -110, -120, -130])(`${lib} file send %i → unavailable (transport)`, (code) => {
      expect(toFileError(new Rejection(code, 'x'))).toBeInstanceOf(PlatformUnavailableError);
    });

    it(`${lib}: a picture that did not upload was not posted; a gone file cannot be fetched`, () => {
      expect(toImageUploadError(new Rejection(-120, 'network'))).toMatchObject({ name: 'PlatformUnavailableError', definitelyNotSent: true });
      expect(toImageUploadError(new Rejection(-150, 'unsafe'))).toMatchObject({ code: 'file_refused' });
      expect(toFetchError(new Rejection(-160, '离线文件不存在'))).toMatchObject({ name: 'PlatformRefusedError', code: 'bad_request' });
      expect(toFetchError(new Rejection(-2, 'timeout'))).toBeInstanceOf(PlatformUnavailableError);
    });
  }

  it('the library’s own verdict on a picture (a plain Error) is a refusal', () => {
    expect(toImageUploadError(new Error('bad image file'))).toMatchObject({ code: 'file_refused', message: expect.stringContaining('bad image file') });
  });
});
