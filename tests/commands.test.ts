/**
 * What people type, read through the real command registry (every feature's words and parsers):
 * ordinary chat is not a command, each word finds its command, and arguments are read as documented.
 */
import { describe, expect, it } from 'vitest';
import { CommandRegistry } from '../src/app/commands.js';
import type { NotifyArgs } from '../src/domain/commands.js';
import { FEATURES } from '../src/features/index.js';

interface CommandContext {
  readonly mentionsBot: boolean;
  readonly now: number;
  readonly timeZone: string;
}

const registry = new CommandRegistry(
  FEATURES.flatMap((f) => f.commands ?? []),
  { maxChars: 1000, noticeMaxChars: 10_000, maxIds: 200 },
);

/** The registry's reading in the shape `{ type: <command>, ...args }` (or unknown / error), null for chat. */
function parseCommand(text: string, c: CommandContext): unknown {
  const read = registry.read(text, c.mentionsBot, { now: c.now, timeZone: c.timeZone, maxIds: 200 });
  if (read === null) return null;
  if (read.kind === 'unknown') return { type: 'unknown', word: read.word };
  if (read.kind === 'error') return read.error;
  return read.args === null ? { type: read.name } : { type: read.name, ...(read.args as object) };
}

type NotifyCommand = NotifyArgs & { readonly type: 'notify' };

const TZ = 'Asia/Shanghai';
/** Friday 2026-11-20 10:00 in Shanghai. */
const NOW = Date.parse('2026-11-20T10:00:00+08:00');
const ctx: CommandContext = { mentionsBot: false, now: NOW, timeZone: TZ };
const mentioned: CommandContext = { ...ctx, mentionsBot: true };

/** A Shanghai wall-clock time as epoch ms. */
function sh(local: string): number {
  return Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
}

function notify(partial: Partial<NotifyCommand>): NotifyCommand {
  return {
    type: 'notify',
    body: '',
    deadlineAt: null,
    depth: null,
    parentsText: null,
    fields: null,
    extra: null,
    colleges: null,
    requireCompletion: false,
    mode: 'immediate',
    replyHint: '收到',
    urgent: false,
    sms: false,
    ...partial,
  };
}

describe('parseCommand: ordinary chat is not a command', () => {
  it.each([
    '',
    '   ',
    '收到',
    '张三妈妈收到',
    '老师好，请问明天几点到校？',
    'http://x/y',
    'https://example.com/通知',
    '/ 哈哈',
    '／ 哈哈',
    '/',
    '//注释',
    '/12',
    '/😀',
    '/usr/bin/env node',
    '/a.txt',
    '#接龙\n请回复收到\n1. 张三 收到',
    '#话题# 今天天气不错',
    '#通知# 明天开会',
    '#进度# 本周工作',
    '#未回复#12',
    '#12',
    '/微笑',
    '/呲牙',
    '/这是一段很长的斜杠开头的闲聊',
    '@张三 收到',
    '@张三 未回复',
    '通知：明天下午三点开会',
    '未回复的同学请抓紧',
  ])('%j → null', (text) => {
    expect(parseCommand(text, ctx)).toBeNull();
  });

  // 确认 and 忽略 only after `/`: `@机器人 确认` is a parent acknowledging, not a review command.
  it.each(['你好', '在吗', '通知一下大家', '进度怎么样了', '', '帮助我一下', '确认', '确认 3', '忽略'])(
    'mentioning the bot without a command word: %j → null',
    (text) => {
      expect(parseCommand(`@机器人 ${text}`, mentioned)).toBeNull();
    },
  );
});

describe('parseCommand: command words', () => {
  it.each([
    ['/帮助', { type: 'help' }],
    ['/help', { type: 'help' }],
    ['/HELP', { type: 'help' }],
    ['/Help me', { type: 'help' }],
    ['/菜单', { type: 'help' }],
    ['/?', { type: 'help' }],
    ['/？', { type: 'help' }],
    ['＃帮助', { type: 'help' }],
    ['#help', { type: 'help' }],
    ['  /帮助  ', { type: 'help' }],
    ['/hello', { type: 'unknown', word: 'hello' }],
    ['/helpme', { type: 'unknown', word: 'helpme' }],
    ['/查询 12', { type: 'unknown', word: '查询' }],
    ['／撤销', { type: 'unknown', word: '撤销' }],
    ['/哈哈', { type: 'unknown', word: '哈哈' }],
    ['@张三 /帮助', { type: 'help' }],
  ] as const)('%j', (text, expected) => {
    expect(parseCommand(text, ctx)).toEqual(expected);
  });

  it.each([
    ['@机器人 帮助', { type: 'help' }],
    ['@机器人 /确认 3', { type: 'confirm', ids: [3], all: false, directiveId: null }],
    ['@机器人\u2005帮助', { type: 'help' }],
    ['@机器人 /帮助', { type: 'help' }],
    ['@机器人 ?', { type: 'help' }],
    ['@机器人 菜单', { type: 'help' }],
    ['@Cascade 未回复', { type: 'pending', directiveId: null, filter: null }],
    ['@机器人 谁没回复？', { type: 'pending', directiveId: null, filter: null }],
    ['@机器人 谁没回', { type: 'pending', directiveId: null, filter: null }],
    ['@机器人 进度 12', { type: 'progress', directiveId: 12, filter: null }],
    ['@机器人 统计：12', { type: 'progress', directiveId: 12, filter: null }],
    ['@机器人 @张三 没回复', { type: 'pending', directiveId: null, filter: null }],
    ['@机器人 /哈哈', { type: 'unknown', word: '哈哈' }],
  ] as const)('mentioning the bot: %j', (text, expected) => {
    expect(parseCommand(text, mentioned)).toEqual(expected);
  });
});

describe('parseCommand: /未回复 and /进度', () => {
  it.each([
    ['/未回复', 'pending', null, null],
    ['/未回复 12', 'pending', 12, null],
    ['/未回复 #12', 'pending', 12, null],
    ['/未回复 ＃12', 'pending', 12, null],
    ['/未回复 No.12', 'pending', 12, null],
    ['/未回复 no12', 'pending', 12, null],
    ['/未回复 第12号', 'pending', 12, null],
    ['/未回复 12号', 'pending', 12, null],
    ['/未回复 １２', 'pending', 12, null],
    ['/未回复12', 'pending', 12, null],
    ['/未回复#12', 'pending', 12, null],
    ['/未回复 12 计算机学院', 'pending', 12, '计算机学院'],
    ['/未回复 计算机学院', 'pending', null, '计算机学院'],
    ['/未回复 计算机学院 12', 'pending', 12, '计算机学院'],
    ['/未回复 计算机2101班', 'pending', null, '计算机2101班'],
    ['/未回复 外国语学院 英语2102班', 'pending', null, '外国语学院 英语2102班'],
    ['/未回 3', 'pending', 3, null],
    ['/没回复', 'pending', null, null],
    ['/谁没回 计算机学院', 'pending', null, '计算机学院'],
    ['#未回复 12', 'pending', 12, null],
    ['#未回复12', 'pending', 12, null],
    ['/未回复 0', 'pending', null, '0'],
    ['/未回复 @机器人', 'pending', null, null],
    ['/进度', 'progress', null, null],
    ['/进度 5', 'progress', 5, null],
    ['/进度 第5号 计算机学院', 'progress', 5, '计算机学院'],
    ['/统计 5', 'progress', 5, null],
    ['/进度：5', 'progress', 5, null],
  ] as const)('%j', (text, type, directiveId, filter) => {
    expect(parseCommand(text, ctx)).toEqual({ type, directiveId, filter });
  });
});

describe('parseCommand: /催办, /核对, /绑定', () => {
  it.each([
    ['/催办', { type: 'chase', directiveId: null, filter: null }],
    ['/催办 12', { type: 'chase', directiveId: 12, filter: null }],
    ['/催办 第3号 计算机2301', { type: 'chase', directiveId: 3, filter: '计算机2301' }],
    ['/催促', { type: 'chase', directiveId: null, filter: null }],
    ['/核对', { type: 'audit', target: null }],
    ['/核对 计算机2301', { type: 'audit', target: '计算机2301' }],
    ['/查群 L4:计算机学院', { type: 'audit', target: 'L4:计算机学院' }],
    ['/绑定 2023010101 张三', { type: 'bind', studentNo: '2023010101', name: '张三', relation: null, account: null }],
    ['/绑定 ２０２３０１０１０１　张三　妈妈', { type: 'bind', studentNo: '2023010101', name: '张三', relation: '妈妈', account: null }],
    ['/绑定 2023010101 张三 qq:12345', { type: 'bind', studentNo: '2023010101', name: '张三', relation: null, account: { platform: 'qq', userId: '12345' } }],
    ['/绑定 2023010101 张三 妈妈 微信：wxid_ab', { type: 'bind', studentNo: '2023010101', name: '张三', relation: '妈妈', account: { platform: 'wechat', userId: 'wxid_ab' } }],
    ['/解绑 qq:12345', { type: 'unbind', account: { platform: 'qq', userId: '12345' } }],
    ['/解绑 12345', { type: 'error', command: 'unbind', code: 'bad_unbind', detail: '12345' }],
    ['/绑定 2023010101', { type: 'error', command: 'bind', code: 'bad_bind', detail: '' }],
    ['/绑定 张三 2023010101', { type: 'error', command: 'bind', code: 'bad_bind', detail: '' }],
    ['/绑定 2023010101 张三 妈妈 多余', { type: 'error', command: 'bind', code: 'bad_bind', detail: '' }],
    // Only a relation word is a relation: anything else is not read (and never echoed).
    ['/绑定 2023010101 张三 13800138000', { type: 'error', command: 'bind', code: 'bad_bind', detail: '' }],
  ] as const)('%j', (text, expected) => {
    expect(parseCommand(text, ctx)).toEqual(expected);
  });
});

describe('parseCommand: /通知', () => {
  it.each([
    ['/通知 明天上午9点召开视频会议', notify({ body: '明天上午9点召开视频会议' })],
    ['/发布 请各学院统计返校人数', notify({ body: '请各学院统计返校人数' })],
    ['/下发 请各学院统计返校人数', notify({ body: '请各学院统计返校人数' })],
    ['＃通知 全体注意', notify({ body: '全体注意' })],
    ['/通知：明天开会', notify({ body: '明天开会' })],
    ['/通知明天开会', notify({ body: '明天开会' })],
    ['/通知\n第一行\n  第二行缩进\n\n第四行', notify({ body: '第一行\n  第二行缩进\n\n第四行' })],
    ['/通知   正文  中间  有空格   ', notify({ body: '正文  中间  有空格' })],
    ['/通知 截止=18:00 各学院报送名单', notify({ body: '各学院报送名单', deadlineAt: sh('2026-11-20 18:00') })],
    ['/通知 截止＝18:00 正文', notify({ body: '正文', deadlineAt: sh('2026-11-20 18:00') })],
    ['/通知 截止：明天12:00 正文', notify({ body: '正文', deadlineAt: sh('2026-11-21 12:00') })],
    ['/通知 截止:2h 正文', notify({ body: '正文', deadlineAt: NOW + 2 * 3_600_000 })],
    ['/通知 截至=今晚8点 正文', notify({ body: '正文', deadlineAt: sh('2026-11-20 20:00') })],
    ['/通知 截止=11-30 18:00 正文', notify({ body: '正文', deadlineAt: sh('2026-11-30 18:00') })],
    ['/通知 截止=2026-11-30 18:00 正文', notify({ body: '正文', deadlineAt: sh('2026-11-30 18:00') })],
    ['/通知 截止=明天 下午3点 正文', notify({ body: '正文', deadlineAt: sh('2026-11-21 15:00') })],
    ['/通知 层级=2 正文', notify({ body: '正文', depth: 2 })],
    ['/通知 层级=3 正文', notify({ body: '正文', depth: 3 })],
    ['/通知 层级=４ 正文', notify({ body: '正文', depth: 4 })],
    ['/通知 层级=二级 正文', notify({ body: '正文', depth: 2 })],
    ['/通知 至=学院 正文', notify({ body: '正文', depth: 2 })],
    ['/通知 至=班级 正文', notify({ body: '正文', depth: 3 })],
    // Any other 至= names extra groups (issue #15): the app finds them in the issuer's scope.
    ['/通知 至=干部群 正文', notify({ body: '正文', extra: ['干部群'] })],
    ['/通知 至=宿舍群，党员群 正文', notify({ body: '正文', extra: ['宿舍群', '党员群'] })],
    ['/通知 到=家长 正文', notify({ body: '正文', depth: 4 })],
    ['/通知 到=班级群 正文', notify({ body: '正文', depth: 3 })],
    ['/通知 学院=计算机学院 正文', notify({ body: '正文', colleges: ['计算机学院'] })],
    [
      '/通知 学院=计算机学院,外国语学院，医学院、法学院 正文',
      notify({ body: '正文', colleges: ['计算机学院', '外国语学院', '医学院', '法学院'] }),
    ],
    ['/通知 学院=计算机学院,计算机学院 正文', notify({ body: '正文', colleges: ['计算机学院'] })],
    ['/通知 落实 正文', notify({ body: '正文', requireCompletion: true })],
    ['/通知 需落实 正文', notify({ body: '正文', requireCompletion: true })],
    ['/通知 落实=是 正文', notify({ body: '正文', requireCompletion: true })],
    ['/通知 落实=否 正文', notify({ body: '正文', requireCompletion: false })],
    ['/通知 逐级 正文', notify({ body: '正文', mode: 'step' })],
    ['/通知 模式=逐级 正文', notify({ body: '正文', mode: 'step' })],
    ['/通知 模式=立即 正文', notify({ body: '正文', mode: 'immediate' })],
    ['/通知 逐级 立即 正文', notify({ body: '正文', mode: 'immediate' })],
    ['/通知 回复=1 正文', notify({ body: '正文', replyHint: '1' })],
    ['/通知 回复=已阅 正文', notify({ body: '正文', replyHint: '已阅' })],
    ['/通知 紧急 正文', notify({ body: '正文', urgent: true })],
    ['/通知 加急 正文', notify({ body: '正文', urgent: true })],
    [
      '/通知 截止=18:00　层级=3　学院=计算机学院 落实 逐级 回复=1 紧急\n请各学院于今天18:00前\n报送名单。',
      notify({
        body: '请各学院于今天18:00前\n报送名单。',
        deadlineAt: sh('2026-11-20 18:00'),
        depth: 3,
        colleges: ['计算机学院'],
        requireCompletion: true,
        mode: 'step',
        replyHint: '1',
        urgent: true,
      }),
    ],
    ['/通知 短信 请家长提醒孩子返校', notify({ body: '请家长提醒孩子返校', sms: true })],
    ['/通知 短信=否 请家长提醒孩子返校', notify({ body: '请家长提醒孩子返校', sms: false })],
    ['/通知 注意：明天8点前到校', notify({ body: '注意：明天8点前到校' })],
    ['/通知 落实疫情防控要求', notify({ body: '落实疫情防控要求' })],
    ['/通知 紧急通知：明天停课', notify({ body: '紧急通知：明天停课' })],
    ['/通知 详情见 https://example.com/a', notify({ body: '详情见 https://example.com/a' })],
    ['/通知 https://example.com/a', notify({ body: 'https://example.com/a' })],
    ['@机器人 通知 截止=18:00 正文', notify({ body: '正文', deadlineAt: sh('2026-11-20 18:00') })],
  ] as const)('%j', (text, expected) => {
    expect(parseCommand(text, text.startsWith('@机器人') ? mentioned : ctx)).toEqual(expected);
  });

  it.each([
    ['/通知', 'empty_body', ''],
    ['/通知   ', 'empty_body', ''],
    ['/通知 截止=18:00', 'empty_body', ''],
    ['/通知 紧急 落实', 'empty_body', ''],
    ['/通知 截止=下周吧 正文', 'bad_deadline', '下周吧'],
    ['/通知 截止= 正文', 'bad_deadline', ''],
    ['/通知 截止=25:00 正文', 'bad_deadline', '25:00'],
    ['/通知 截止=2月30日 正文', 'bad_deadline', '2月30日'],
    ['/通知 截止=0分钟 正文', 'bad_deadline', '0分钟'],
    ['/通知 截止=2026-11-19 18:00 正文', 'deadline_past', '2026-11-19 18:00'],
    ['/通知 截止=今天9:00 正文', 'deadline_past', '今天9:00'],
    // Issue #14: an impossible deadline gets an answer, never silence (99999999 days was a RangeError).
    ['/通知 截止=99999999天 正文', 'deadline_too_far', '99999999天'],
    ['/通知 截止=2028-01-01 正文', 'deadline_too_far', '2028-01-01'],
    ['/通知 截止=400天 正文', 'deadline_too_far', '400天'],
    ['/通知 层级=5 正文', 'bad_depth', '5'],
    ['/通知 层级=全部 正文', 'bad_depth', '全部'],
    ['/通知 层级=宿舍 正文', 'bad_depth', '宿舍'],
    ['/通知 学院= 正文', 'bad_option', '学院='],
    ['/通知 模式=慢慢 正文', 'bad_option', '模式=慢慢'],
    ['/通知 落实=也许 正文', 'bad_option', '落实=也许'],
    ['/通知 回复= 正文', 'bad_option', '回复='],
    ['/通知 优先级=高 正文', 'bad_option', '优先级=高'],
  ] as const)('%j → %s', (text, code, detail) => {
    expect(parseCommand(text, ctx)).toEqual({ type: 'error', command: 'notify', code, detail });
  });
});

