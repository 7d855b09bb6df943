import { describe, expect, it } from 'vitest';
import { contactState, type PhoneCheck } from './address-book.js';
import { parseAddressQuery, parseCorrectArgs, parseRecordArgs, parseVerifyArgs, readMobile } from './contact-commands.js';

const A = '13800000001';
const B = '13900000002';
const C = '13700000003';
const check = (method: PhoneCheck['method'], phone: string | null, at: number, replacedPhone: string | null = null): PhoneCheck => ({ method, phone, replacedPhone, at });

describe('contactState', () => {
  it.each([
    { name: 'the roster alone', roster: A, checks: [], bound: false, want: { phone: A, verified: 'roster', verifiedAt: null } },
    { name: 'a binding the person made', roster: A, checks: [], bound: true, want: { phone: A, verified: 'bound', verifiedAt: null } },
    { name: 'a call confirming the number', roster: A, checks: [check('call', A, 5)], bound: true, want: { phone: A, verified: 'call', verifiedAt: 5 } },
    { name: 'a correction', roster: A, checks: [check('call', B, 5, A)], bound: false, want: { phone: B, verified: 'call', verifiedAt: 5 } },
    { name: 'two corrections in a row', roster: A, checks: [check('call', B, 5, A), check('call', C, 6, B)], bound: false, want: { phone: C, verified: 'call', verifiedAt: 6 } },
    { name: 'a newer roster number wins over an old correction', roster: C, checks: [check('call', B, 5, A)], bound: false, want: { phone: C, verified: 'roster', verifiedAt: null } },
    { name: 'the roster adopting the correction keeps its check', roster: B, checks: [check('call', B, 5, A)], bound: false, want: { phone: B, verified: 'call', verifiedAt: 5 } },
    { name: 'a check of another number does not count', roster: A, checks: [check('sms', C, 5)], bound: false, want: { phone: A, verified: 'roster', verifiedAt: null } },
    { name: 'unreachable after a call', roster: A, checks: [check('call', A, 5), check('unreachable', A, 9)], bound: false, want: { phone: A, verified: 'unreachable', verifiedAt: 9 } },
    { name: 'a number given where the roster had none', roster: null, checks: [check('call', B, 5, '')], bound: false, want: { phone: B, verified: 'call', verifiedAt: 5 } },
  ])('$name', ({ roster, checks, bound, want }) => {
    expect(contactState(roster, checks, bound)).toEqual(want);
  });
});

describe('/核实 and /通讯录 arguments', () => {
  it.each([
    ['2023010101 父亲', { studentNo: '2023010101', who: '父亲', outcome: { kind: 'confirmed' } }],
    ['2023010101 本人 电话已核实', { studentNo: '2023010101', who: '本人', outcome: { kind: 'confirmed' } }],
    ['2023010101 母亲 号码错误 +86 139-0000-0000', { studentNo: '2023010101', who: '母亲', outcome: { kind: 'wrong', phone: '13900000000' } }],
    ['２０２３０１０１０１ 母亲 13900000000', { studentNo: '2023010101', who: '母亲', outcome: { kind: 'wrong', phone: '13900000000' } }],
    ['2023010101 家长 联系不上', { studentNo: '2023010101', who: '家长', outcome: { kind: 'unreachable' } }],
  ])('reads %s', (text, want) => {
    expect(parseVerifyArgs(text)).toEqual(want);
  });

  it.each(['', '2023010101', '2023010101 父亲 号码错误', '2023010101 父亲 号码错误 123', '2023010101 父亲 好的 谢谢', `2023010101 父亲 ${'1'.repeat(100)}`, '学号 父亲'])(
    'refuses %j',
    (text) => {
      expect(parseVerifyArgs(text)).toMatchObject({ type: 'error', code: 'bad_verify' });
    },
  );

  it('reads one lookup term, and refuses a long or spaced one', () => {
    expect(parseAddressQuery(' 计算机2301 ')).toEqual({ term: '计算机2301' });
    expect(parseAddressQuery('')).toEqual({ term: '' });
    expect(parseAddressQuery('a b')).toMatchObject({ code: 'bad_contact_query' });
    expect(parseAddressQuery('x'.repeat(41))).toMatchObject({ code: 'bad_contact_query' });
    expect(readMobile('1390000000')).toBeUndefined();
  });
});

describe('/记录 and /更正记录 arguments', () => {
  it.each([
    ['', { kind: 'list' }],
    ['2023010101 电话 告知返校', { kind: 'add', student: '2023010101', who: null, channel: 'phone', text: '告知返校', outcome: null }],
    ['宋辉瑶 母亲 面谈 谈学习情况 结果：下周再联系', { kind: 'add', student: '宋辉瑶', who: '母亲', channel: 'meeting', text: '谈学习情况', outcome: '下周再联系' }],
    ['2023010101 QQ 发了返校须知\n请查收', { kind: 'add', student: '2023010101', who: null, channel: 'qq', text: '发了返校须知 请查收', outcome: null }],
    ['２０２３０１０１０１ ＱＱ 告知返校，谢谢', { kind: 'add', student: '2023010101', who: null, channel: 'qq', text: '告知返校，谢谢', outcome: null }],
    ['2023010101 本人 家访 了解情况 后续:周五复查', { kind: 'add', student: '2023010101', who: '本人', channel: 'meeting', text: '了解情况', outcome: '周五复查' }],
  ])('reads %j', (text, want) => {
    expect(parseRecordArgs(text)).toEqual(want);
  });

  it.each(['2023010101', '2023010101 电话', '2023010101 飞鸽 问候', '2023010101 舅舅 飞鸽 问候', `2023010101 电话 ${'长'.repeat(400)}`, '2023010101 电话 结果：只有结果'])('refuses %j', (text) => {
    expect(parseRecordArgs(text)).toMatchObject({ type: 'error', code: 'bad_record' });
  });

  it('reads a correction', () => {
    expect(parseCorrectArgs('12 改为周六 结果：已知晓')).toEqual({ id: 12, text: '改为周六', outcome: '已知晓' });
    expect(parseCorrectArgs('#12 改为周六')).toEqual({ id: 12, text: '改为周六', outcome: null });
    expect(parseCorrectArgs('十二 改')).toMatchObject({ code: 'bad_correction' });
    expect(parseCorrectArgs('12')).toMatchObject({ code: 'bad_correction' });
  });
});
