import { describe, expect, it } from 'vitest';
import { MAX_CLASSIFIED_CHARS, understandReply, normalizeReply, weChatQuote, type ReplyLabel } from './understanding.js';
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
  // a question mark anywhere in the closing punctuation or emoji
  ['收到？！', 'question', 0.9],
  ['收到?。', 'question', 0.9],
  ['收到❓', 'question', 0.9],
  ['收到❔', 'question', 0.9],
  // dialect: 收到 asked back
  ['收到未', 'question', 0.9],
  ['收到了未', 'question', 0.9],
  ['收到咩', 'question', 0.9],
  ['收到了伐', 'question', 0.9],
  ['收到木有', 'question', 0.9],
  ['有收到冇', 'question', 0.9],
  ['收到没啊', 'question', 0.9],
  ['收到否', 'question', 0.9],
  // `X了没`: asks whether it is done
  ['填了没有', 'question', 0.75],
  ['都交了没', 'question', 0.75],
  ['转发了没', 'question', 0.75],
  ['传达了没有', 'question', 0.75],
  ['做完了没', 'question', 0.75],
  ['收到，有个问题', 'question', 0.75],
  // not received, however it is put
  ['木有收到', 'negative', 0.9],
  ['冇收到', 'negative', 0.9],
  ['没能收到', 'negative', 0.9],
  ['未能收到', 'negative', 0.9],
  ['没法收到', 'negative', 0.9],
  ['没有及时收到', 'negative', 0.9],
  // invisible characters typed or pasted inside 没收到
  ['没\u200b收到', 'negative', 0.9],
  ['没\u2060收到', 'negative', 0.9],
  ['没\u00ad收到', 'negative', 0.9],
  ['未\u200c收到', 'negative', 0.9],
  // received, but something is wrong
  ['收到，附件有问题', 'negative', 0.9],
  ['收到，附件损坏', 'negative', 0.9],
  ['收到，文件下不来', 'negative', 0.9],
  ['收到，但是去不成', 'negative', 0.9],
  // 没 before a word that is not about receiving
  ['没问题收到', 'ack', 0.85],
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
  // not done: a negated report, or nothing done
  ['没传达到', 'other', 0.5],
  ['应到42实到0', 'other', 0.5],
  ['已报备0人', 'other', 0.5],
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

describe('understandReply: retractions', () => {
  it.each([
    // the sender takes back an earlier reply
    ['刚才回错了', true, 'other'],
    ['发错群了哈哈哈', true, 'other'],
    ['请忽略上一条', true, 'other'],
    ['撤回，发错了', true, 'other'],
    ['上面那个收到不算', true, 'other'],
    ['刚才的收到是回另一个群的', true, 'other'],
    // not a retraction: a receipt beside an error of someone else's, or the teacher's 撤回
    ['收到，周五是回家的', false, 'ack'],
    ['收到了 老师发错了', false, 'ack'],
    ['老师撤回了，重新发一下', false, 'other'],
    ['上一版表格作废，收到', false, 'ack'],
    ['收到，老师上一条请忽略', false, 'ack'],
    ['收到，表格发错了吧', false, 'ack|question'],
  ] as const)('%j → retract %s, %s', (text, retract, labels) => {
    const r = understandReply(text, RECEIVED);
    expect(r.retract).toBe(retract);
    expect(labels.split('|')).toContain(r.label);
  });
});

describe('understandReply: a 没 never makes a done', () => {
  it.each(['没传达到', '还没提交了', '没转发到', '未上报'])('%j', (text) => {
    expect(understandReply(text, RECEIVED).label).not.toBe('done');
  });
});

describe('understandReply: long adversarial messages', () => {
  const n = 20_000;
  const shapes: readonly (readonly [string, string])[] = [
    [`收到?${'\n'.repeat(n)}x`, '收到'],
    [`收到?${' '.repeat(n)}x`, '收到'],
    [`张三${'!'.repeat(n)}x`, '1'],
    [`1${'好'.repeat(n)}x`, '1'],
    [`1${'谢谢老师辛苦了好的老师'.repeat(n / 11)}x`, '1'],
    [`收到${'谢谢老师辛苦了好的老师'.repeat(n / 11)}x`, '收到'],
    [`好${'谢谢老师辛苦了好的老师'.repeat(n / 11)}x`, '收到'],
    [` 张三${' '.repeat(n)}x`, '收到'],
    [`2 张三${' '.repeat(n)}x`, '收到'],
    [`${'1'.repeat(n)}x`, '收到'],
    [`${'1'.repeat(n)} /`, '收到'],
    [`「${'\n'.repeat(n)}x`, '收到'],
    [`+1${'\n'.repeat(n)}x`, '收到'],
    [`应到1${' '.repeat(n)}x`, '收到'],
    [`还有${' '.repeat(n)}x`, '收到'],
    [`${'[CQ:a,'.repeat(n / 6)}`, '收到'],
    [`#接龙\n1. a${' '.repeat(n)}b`, '收到'],
    [`#接龙\n1 a${' '.repeat(n)}b`, '收到'],
    [`${' '.repeat(n)}#${' '.repeat(n)}x接龙`, '收到'],
  ];

  it('classifies every shape, reading only the first MAX_CLASSIFIED_CHARS (a quadratic rule would time out)', () => {
    for (const [text, replyHint] of shapes) {
      const r = understandReply(text, { replyHint });
      expect(r.label).toBeTypeOf('string');
    }
    for (const [text] of shapes) expect(normalizeReply(text)).toBeTypeOf('string');
    for (const [text] of shapes) expect(parseChain(`#接龙\n${text}`)).not.toBeNull();
    expect(MAX_CLASSIFIED_CHARS).toBe(2000);
  });

  it('still reads the last line of a 接龙 longer than MAX_CLASSIFIED_CHARS', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${i + 1}. 学生${i + 1} 收到`);
    const text = `#接龙\n请回复收到\n${lines.join('\n')}\n201. 王五 没收到附件`;
    expect(text.length).toBeGreaterThan(MAX_CLASSIFIED_CHARS);
    expect(understandReply(text, RECEIVED).label).toBe('negative');
  });
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
    ['「王老师：请回复收到」\n\n- - - - - - - - - - - - - - -\r\n收到啦', '收到啦'],
    ['没\u200b收到', '没收到'],
    ['收到❓', '收到'],
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

  it('trims each entry and reads at most MAX_LINE_CHARS of a line', () => {
    const parsed = parseChain(`#接龙\n1.  张三 收到   \n2 李四 收到\t\n3. ${'很'.repeat(5000)}`);
    expect(parsed?.entries.slice(0, 2)).toEqual([
      { index: 1, text: '张三 收到' },
      { index: 2, text: '李四 收到' },
    ]);
    expect(parsed?.entries[2]?.text.length).toBeLessThanOrEqual(2000);
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

describe('a long 接龙 read with a bound', () => {
  const lines = Array.from({ length: 1200 }, (_, i) => `${i + 1}. 家长${i + 1} 收到`);
  const text = `#接龙 请家长回复\n请写学生姓名+收到\n${lines.join('\n')}\n`;

  it('keeps its header from the top and reads entries from its last lines only', () => {
    const parsed = parseChain(text, 500);
    expect(parsed?.header).toBe('请家长回复\n请写学生姓名+收到');
    expect(parsed?.entries).toHaveLength(500);
    expect(parsed?.entries[0]).toEqual({ index: 701, text: '家长701 收到' });
    expect(parsed?.entries.at(-1)).toEqual({ index: 1200, text: '家长1200 收到' });
    // The same header whatever the window: the list is still the same chain.
    expect(parseChain(text)?.header).toBe(parsed?.header);
    expect(parseChain(text)?.entries).toHaveLength(1200);
  });

  it('understands a long list by its last entry', () => {
    expect(understandReply(`${text}\n1201. 张三妈妈 没收到附件`, { replyHint: '收到' }).label).toBe('negative');
  });
});

describe('a WeChat quote-reply', () => {
  it('splits the quoted post from the reply', () => {
    expect(weChatQuote('「徐雨：【通知 第3号】请回复」\n- - - - - - - - - - - - - - -\n收到')).toEqual({ quoted: '徐雨：【通知 第3号】请回复', reply: '收到' });
    expect(weChatQuote('  「张三：原文」 \n-----\n好的')).toEqual({ quoted: '张三：原文', reply: '好的' });
  });

  it('is not one without the opening bracket, the closing one, or the dashes', () => {
    expect(weChatQuote('收到\n-----\n好的')).toBeNull();
    expect(weChatQuote('「张三：原文\n-----\n好的')).toBeNull();
    expect(weChatQuote('「张三：原文」\n好的')).toBeNull();
    expect(weChatQuote('「张三：原文」多余\n-----\n好的')).toBeNull();
  });

  it('reads a hostile message in one pass: a bracket and 64 K newlines', () => {
    // The pattern this replaced took 8 s on this input (a newline run was rescanned from each newline).
    expect(weChatQuote(`「」${'\n'.repeat(65_536)}x`)).toBeNull();
    expect(understandReply(`「」${'\n'.repeat(65_536)}x`, { replyHint: '收到' }).label).toBe('other');
  });
});
