import { describe, expect, it } from 'vitest';
import { understandReply, normalizeReply, type ReplyLabel } from './understanding.js';
import { addedEntries, chainKey, parseChain } from './chain.js';

const RECEIVED = { replyHint: '收到' };
const ONE = { replyHint: '1' };

/** [reply, meaning, minimum confidence, maximum confidence] with hint 收到. */
const ROWS: readonly (readonly [string, ReplyLabel, number, number?])[] = [
  // students
  ['收到', 'ack', 0.95],
  ['谁收到了', 'question', 0.8],
  ['不会收到', 'negative', 0.8],
  ['收到！', 'ack', 0.95],
  ['收到。', 'ack', 0.95],
  ['收到~', 'ack', 0.95],
  ['收到收到', 'ack', 0.95],
  ['收到收到收到', 'ack', 0.95],
  ['已收到', 'ack', 0.95],
  ['收到了', 'ack', 0.95],
  ['收到啦', 'ack', 0.95],
  ['好的收到', 'ack', 0.95],
  ['ok收到', 'ack', 0.95],
  ['OK 收到', 'ack', 0.95],
  ['ＯＫ收到', 'ack', 0.95],
  ['收到[OK]', 'ack', 0.95],
  ['收到👌', 'ack', 0.95],
  ['收到😊😊', 'ack', 0.95],
  ['收到[抱拳][抱拳]', 'ack', 0.95],
  ['【收到】', 'ack', 0.95],
  ['收到，谢谢老师', 'ack', 0.95],
  ['收到，谢谢老师！', 'ack', 0.95],
  ['收到，老师辛苦了', 'ack', 0.95],
  ['@王老师 收到', 'ack', 0.95],
  ['@王老师\u2005收到', 'ack', 0.95],
  ['計算機2101張三收到', 'ack', 0.9],
  ['2101班张三收到', 'ack', 0.9],
  ['张三 收到', 'ack', 0.9],
  ['收到。计算机2101班张三', 'ack', 0.9],
  ['收到，马上填', 'ack', 0.9],
  ['收到,马上转发', 'ack', 0.9],
  ['收', 'ack', 0.85],
  ['已阅', 'ack', 0.85],
  ['已阅，谢谢', 'ack', 0.85],
  ['明白', 'ack', 0.85],
  ['明白了', 'ack', 0.85],
  ['知道了', 'ack', 0.85],
  ['了解', 'ack', 0.85],
  ['好的', 'ack', 0.55, 0.7],
  ['好的老师', 'ack', 0.55, 0.7],
  ['好的，谢谢老师', 'ack', 0.55, 0.7],
  ['好', 'ack', 0.55, 0.7],
  ['嗯嗯', 'ack', 0.55, 0.7],
  ['ok', 'ack', 0.55, 0.7],
  ['好滴', 'ack', 0.55, 0.7],
  ['👌', 'ack', 0.5, 0.5],
  ['👍', 'ack', 0.5, 0.5],
  ['👍🏻👍🏻', 'ack', 0.5, 0.5],
  ['[强]', 'ack', 0.5, 0.5],
  ['🙏', 'other', 0.5],
  ['谢谢老师', 'other', 0.5],
  ['老师辛苦了', 'other', 0.5],
  // parents
  ['张三妈妈收到', 'ack', 0.9],
  ['张三爸爸：收到，谢谢老师', 'ack', 0.9],
  ['李四家长收到，谢谢老师提醒', 'ack', 0.9],
  ['收到，谢谢老师，孩子这几天在家一直按时测体温，身体状况良好，请老师放心，我们会全力配合学校的工作', 'ack', 0.75],
  ['「王老师：请各位家长回复收到」\n- - - - - - - - - - - - - - -\n收到', 'ack', 0.95],
  ['之前没收到，现在收到了', 'ack', 0.7, 0.8],
  ['没收到', 'negative', 0.9],
  ['还没收到', 'negative', 0.9],
  ['我没有收到通知', 'negative', 0.9],
  ['我家孩子说没收到', 'negative', 0.9],
  ['未收到', 'negative', 0.9],
  ['收不到消息', 'negative', 0.9],
  ['收到，但是表格打不开', 'negative', 0.9],
  ['链接打不开', 'negative', 0.9],
  ['看不到图片', 'negative', 0.9],
  ['沒收到', 'negative', 0.9],
  [
    '老师您好，我家孩子手机坏了，一直没收到班级群里的消息，麻烦您单独发给我一下，真的非常感谢您的帮助',
    'negative',
    0.9,
  ],
  ['收到了吗？', 'question', 0.9],
  ['收到？', 'question', 0.9],
  ['大家收到了吗', 'question', 0.75],
  ['有没有收到？', 'question', 0.9],
  ['有没有收到', 'question', 0.9],
  ['收到没', 'question', 0.9],
  ['收到了没有', 'question', 0.9],
  ['请问截止时间是什么时候？', 'question', 0.9],
  ['收到，请问表格在哪里下载？', 'question', 0.9],
  ['收到，需要家长签字吗', 'question', 0.75],
  ['怎么填', 'question', 0.75],
  ['不太明白', 'question', 0.75],
  ['收到了嘛', 'question', 0.75],
  // counselors and deputy secretaries
  ['已传达', 'done', 0.9],
  ['已转发', 'done', 0.9],
  ['已落实', 'done', 0.9],
  ['已完成', 'done', 0.9],
  ['已转发班级群 3/3', 'done', 0.9],
  ['计算机学院已传达至全体辅导员', 'done', 0.9],
  ['收到，已转发至各班级群和家长群', 'done', 0.9],
  ['已全部完成，共128人', 'done', 0.9],
  ['已转发，还有3人没回复', 'done', 0.9],
  ['传达完毕', 'done', 0.9],
  ['已填报', 'done', 0.9],
  ['收到，还没转发', 'ack', 0.9],
  ['还没有全部完成', 'other', 0.5],
  ['孩子已经发烧三天了', 'other', 0.5],
  ['请各位同学回复收到', 'other', 0.85],
  ['請各位同學回復收到', 'other', 0.85],
  ['不用回复收到', 'other', 0.85],
  ['没收到的同学请私聊我', 'other', 0.5],
  ['各位同学请回复收到，没有回复的同学辅导员会逐一电话联系，请大家务必重视此事，谢谢配合！', 'other', 0.85],
  [
    '@全体成员 各位家长好，学校要求每位家长都要回复，大家看到通知后收到的请在群里说一声，谢谢大家的配合和支持',
    'other',
    0.5,
  ],
  // A 接龙 version reads as its last line, the one the sender added.
  ['#接龙\n请回复收到\n1. 张三 收到\n2. 李四 收到', 'ack', 0.85],
  ['#接龙\n请回复收到\n1. 张三 收到\n2. 李四 没收到附件', 'negative', 0.85],
  // chat
  ['哈哈哈', 'other', 0.5],
  ['老师好', 'other', 0.5],
  ['我想了解一下考试安排', 'other', 0.5],
  ['1', 'ack', 0.5, 0.5],
  ['😂', 'other', 0.5],
  ['', 'other', 0.5],
];

describe('understandReply (hint 收到)', () => {
  it('has at least 60 realistic rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
  });

  for (const [text, meaning, min, max = 1] of ROWS) {
    it(`${JSON.stringify(text)} → ${meaning}`, () => {
      const r = understandReply(text, RECEIVED);
      expect(r.label).toBe(meaning);
      expect(r.confidence).toBeGreaterThanOrEqual(min);
      expect(r.confidence).toBeLessThanOrEqual(max);
    });
  }
});

describe('understandReply (hint 1)', () => {
  it.each([
    ['1', 'ack', 0.95],
    ['１', 'ack', 0.95],
    ['+1', 'ack', 0.95],
    ['1️⃣', 'ack', 0.95],
    ['1。', 'ack', 0.95],
    ['张三妈妈 1', 'ack', 0.8],
    ['张三+1', 'ack', 0.8],
    ['收到', 'ack', 0.95],
    ['11', 'other', 0.5],
    ['2', 'other', 0.5],
    ['2101', 'other', 0.5],
    ['1？', 'question', 0.9],
    ['没收到', 'negative', 0.9],
  ] as const)('%j → %s', (text, meaning, min) => {
    const r = understandReply(text, ONE);
    expect(r.label).toBe(meaning);
    expect(r.confidence).toBeGreaterThanOrEqual(min);
  });
});

describe('understandReply (a word hint)', () => {
  it.each([
    ['已阅', '已阅', 'ack'],
    ['张三已阅', '已阅', 'ack'],
    ['到', '到', 'ack'],
    ['张三 到', '到', 'ack'],
    ['同意', '同意', 'ack'],
    ['不同意？', '同意', 'question'],
  ] as const)('%j with hint %j → %s', (text, replyHint, meaning) => {
    expect(understandReply(text, { replyHint }).label).toBe(meaning);
  });
});

describe('understandReply: 没收到 is never an acknowledgement', () => {
  it.each(['没收到', '没收到。', '没收到👌', '收到？没收到', '没收到收到', '收到了，但是打不开', '@老师 没收到[捂脸]'])(
    '%j',
    (text) => {
      expect(understandReply(text, RECEIVED).label).not.toBe('ack');
    },
  );
});

describe('normalizeReply', () => {
  it.each([
    ['  收到！！ ', '收到'],
    ['ＯＫ收到', 'ok收到'],
    ['@张三 @李四 收到', '收到'],
    ['收到收到收到', '收到'],
    ['哈哈哈哈', '哈'],
    ['谢谢老师', '谢谢老师'],
    ['张三妈妈收到', '张三妈妈收到'],
    ['收到[OK][OK]', '收到'],
    ['👍👍', ''],
    ['請回復', '请回复'],
    ['「王老师：请回复收到」\n- - - - - - - - - - - - - - -\n收到啦', '收到啦'],
  ])('%j → %j', (text, expected) => {
    expect(normalizeReply(text)).toBe(expected);
  });
});

describe('parseChain (WeChat 接龙)', () => {
  it('reads the header and the numbered entries', () => {
    const text = '#接龙\n请各位家长回复收到\n例：张三妈妈 收到\n\n1. 张三妈妈 收到\n2、李四爸爸 收到\n3) 王五 收到';
    expect(parseChain(text)).toEqual({
      header: '请各位家长回复收到\n例:张三妈妈 收到',
      entries: [
        { index: 1, text: '张三妈妈 收到' },
        { index: 2, text: '李四爸爸 收到' },
        { index: 3, text: '王五 收到' },
      ],
    });
  });

  it('is null for anything else', () => {
    expect(parseChain('收到')).toBeNull();
    expect(parseChain('1. 张三 收到')).toBeNull();
  });
});

describe('parseChain: the forms a 接龙 takes', () => {
  it('reads WeChat’s own layout, with #接龙 after the title and a tail after a blank line', () => {
    const text = '关于周五消防演练的通知#接龙\n请各班班长收到后回复\n例 张三 收到\n\n1. 王小明 收到👍\n2. 李华 收到，已转达\n\n请于今晚8点前完成';
    expect(parseChain(text)).toEqual({
      header: '关于周五消防演练的通知\n请各班班长收到后回复\n例 张三 收到',
      entries: [
        { index: 1, text: '王小明 收到👍' },
        { index: 2, text: '李华 收到,已转达' }, // normalised: full-width punctuation to half-width
      ],
    });
  });

  it('knows what a new version adds, however it is renumbered or spaced', () => {
    const before = ['张三妈妈 收到', '李四爸爸 收到'];
    const next = [
      { index: 1, text: '张三妈妈  收到' },
      { index: 2, text: '李四爸爸 收到' },
      { index: 3, text: '王五妈妈 收到' },
    ];
    expect(addedEntries(before, next)).toEqual([{ index: 3, text: '王五妈妈 收到' }]);
    expect(addedEntries(null, next)).toHaveLength(3);
    // The same line twice in the new version: one of them is new.
    expect(addedEntries(['张三 收到'], [{ index: 1, text: '张三 收到' }, { index: 2, text: '张三 收到' }])).toHaveLength(1);
  });

  it('keys a chain by its header, ignoring spacing and punctuation', () => {
    expect(chainKey('请各位家长 回复收到！')).toBe(chainKey('请各位家长回复收到'));
    expect(chainKey('请各位家长回复收到')).not.toBe(chainKey('请各位同学回复收到'));
  });
});
