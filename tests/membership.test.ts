/**
 * The membership audit's pure core on the demo school's real roster: who should be in a group, who
 * a member is, and what is wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Group, Person } from '../src/domain/org.js';
import { OrgIndex } from '../src/domain/org-index.js';
import { auditGroup, DEFAULT_CARD_PATTERNS, expectedMembers, normaliseCard, readCard, type GroupMember } from '../src/domain/membership.js';
import { readRoster } from '../src/roster/index.js';
import { openDb } from '../src/store/db.js';
import { applyRoster, loadOrgSnapshot } from '../src/store/org-repo.js';

let org: OrgIndex;
const BOTS = new Set(['bot']);
const options = { patterns: DEFAULT_CARD_PATTERNS, botIds: BOTS };

beforeAll(async () => {
  const db = openDb(':memory:');
  applyRoster(db, await readRoster('config/demo'), { source: 'config/demo', now: 0 });
  org = new OrgIndex(loadOrgSnapshot(db, '示范大学'));
});

function group(key: string): Group {
  const g = org.groupByKeyText(key);
  if (!g) throw new Error(`no group ${key}`);
  return g;
}

function person(ref: string): Person {
  const p = org.personByRef(ref);
  if (!p) throw new Error(`no person ${ref}`);
  return p;
}

/** A member by their roster QQ account, with a card in the configured format. */
function seat(p: Person, card?: string): GroupMember {
  const userId = org.accountOn(p.id, 'qq') ?? org.accountOn(p.id, 'wechat') ?? `?${p.id}`;
  const platform = org.accountOn(p.id, 'qq') ? 'qq' : 'wechat';
  const ward = p.kind === 'guardian' ? org.person(org.wardsOf(p.id)[0]?.studentId ?? -1) : undefined;
  const relation = org.wardsOf(p.id)[0]?.relation === '母亲' ? '妈妈' : org.wardsOf(p.id)[0]?.relation === '父亲' ? '爸爸' : '家长';
  const fallback = p.kind === 'student' ? `${p.name}-${p.extId}` : p.kind === 'guardian' ? `${ward?.name ?? ''}${relation}` : p.name;
  return { platform, userId, nickname: p.name, card: card ?? fallback };
}

/** Everyone expected in the class group, seated correctly. */
function classMembers(key: string): GroupMember[] {
  const e = expectedMembers(org, group(key));
  return [...e.people].map((id) => seat(org.person(id) as Person));
}

describe('who should be where', () => {
  it('follows the seed document per level', () => {
    const l1 = expectedMembers(org, group('L1'));
    expect([...l1.people].map((id) => org.person(id)?.extId).sort()).toEqual(expect.arrayContaining(['T001', 'S101', 'S102', 'S201', 'S301']));
    const l2 = expectedMembers(org, group('L2:计算机学院'));
    expect([...l2.people].map((id) => org.person(id)?.extId).sort()).toEqual(expect.arrayContaining(['S101', 'S102', 'S111', 'S112']));
    const l3 = expectedMembers(org, group('L3:计算机2301'));
    expect(l3.people.size).toBe(25 + 1); // the students and their counselor
    expect(l3.families.size).toBe(0);
    const l4 = expectedMembers(org, group('L4:计算机学院'));
    expect(l4.families.size).toBe(75); // a guardian of every student of the college
    expect([...l4.people].every((id) => org.person(id)?.kind === 'staff')).toBe(true);
  });
});

describe('cards', () => {
  it('reads the configured formats, tolerant of full-width characters, spaces and separators', () => {
    expect(readCard('张三-2023010101', DEFAULT_CARD_PATTERNS.student)).toMatchObject({ name: '张三', number: '2023010101' });
    expect(readCard('２０２３０１０１０１ 张三', DEFAULT_CARD_PATTERNS.student)).toMatchObject({ name: '张三', number: '2023010101' });
    expect(readCard('张三＿2023010101', DEFAULT_CARD_PATTERNS.student)).toMatchObject({ name: '张三', number: '2023010101' });
    expect(readCard('张三妈妈', DEFAULT_CARD_PATTERNS.guardian)).toMatchObject({ student: '张三', relation: '母亲' });
    expect(readCard('张三 - 家长', DEFAULT_CARD_PATTERNS.guardian)).toMatchObject({ student: '张三', relation: null });
    expect(readCard('欧阳娜娜爸爸', DEFAULT_CARD_PATTERNS.guardian)).toMatchObject({ student: '欧阳娜娜', relation: '父亲' });
    expect(readCard('小明', DEFAULT_CARD_PATTERNS.student)).toBeNull();
    expect(normaliseCard(' Ａ－B｜C ')).toBe('A-B-C');
  });
});

describe('auditing a group', () => {
  it('finds nothing wrong when exactly the expected people sit there with proper cards', () => {
    const a = auditGroup(org, group('L3:计算机2301'), classMembers('L3:计算机2301'), options);
    expect({ ...a, present: a.present.length }).toEqual({ group: 'L3:计算机2301', missing: [], strangers: [], unmatched: [], badCard: [], duplicates: [], left: [], present: 26, confirmed: 26 });
  });

  it('reports missing students, strangers, a parent in a class group, a second account and wrong cards', () => {
    const members = classMembers('L3:计算机2301');
    const absent = person('2023010103');
    const kept = members.filter((m) => m.userId !== org.accountOn(absent.id, 'qq'));
    const wrongCard = person('2023010104');
    const other = person('2023010105');
    const list: GroupMember[] = [
      ...kept.map((m) => (m.userId === org.accountOn(wrongCard.id, 'qq') ? { ...m, card: '小明' } : m.userId === org.accountOn(other.id, 'qq') ? { ...m, card: `${person('2023010106').name}-2023010106` } : m)),
      { platform: 'qq', userId: '99999001', nickname: '广告', card: '代写论文' },
      // A parent of a student of another class, by card.
      { platform: 'qq', userId: '99999002', nickname: 'x', card: `${person('2023010201').name}妈妈` },
      // A second account claiming a student who is already there.
      { platform: 'qq', userId: '99999003', nickname: 'y', card: `${person('2023010107').name}-2023010107` },
      { platform: 'qq', userId: 'bot', nickname: '联络机器人' },
    ];
    const a = auditGroup(org, group('L3:计算机2301'), list, options);
    expect(a.missing.map((e) => e.ref)).toEqual(['2023010103']);
    expect(a.strangers.map((e) => e.account ?? e.ref)).toEqual(['qq:99999001', expect.any(String)]);
    expect(a.strangers[1]?.detail).toBe('自称家长');
    expect(a.duplicates.map((e) => e.ref)).toEqual(['2023010107']);
    expect(a.badCard.map((e) => [e.ref, e.detail])).toEqual([
      ['2023010104', '群名片格式不符'],
      ['2023010105', '群名片与本人不符'],
    ]);
    expect(a.unmatched).toEqual([]);
  });

  it('calls an unknown account whose card names an expected student in the wrong format unmatched, with the likely person', () => {
    const s = person('2023010108');
    const members = classMembers('L3:计算机2301').filter((m) => m.userId !== org.accountOn(s.id, 'qq'));
    const a = auditGroup(org, group('L3:计算机2301'), [...members, { platform: 'qq', userId: '99999004', nickname: s.name, card: `${s.name}同学` }], options);
    expect(a.unmatched).toEqual([{ ref: null, name: null, account: 'qq:99999004', card: `${s.name}同学`, detail: `可能是${s.name}（2023010108），群名片格式不符` }]);
    expect(a.missing.map((e) => e.ref)).toEqual(['2023010108']);
  });

  it('reports who left since the last audit', () => {
    const first = auditGroup(org, group('L3:计算机2301'), classMembers('L3:计算机2301'), options);
    const gone = person('2023010110');
    const now = classMembers('L3:计算机2301').filter((m) => m.userId !== org.accountOn(gone.id, 'qq'));
    const a = auditGroup(org, group('L3:计算机2301'), now, { ...options, previous: new Set(first.present) });
    expect(a.left.map((e) => e.ref)).toEqual(['2023010110']);
    expect(a.missing.map((e) => e.ref)).toEqual(['2023010110']);
  });

  it('counts a parents group by families: one guardian per student is enough, a card can speak for the family', () => {
    const g = group('L4:外国语学院');
    const e = expectedMembers(org, g);
    const students = [...e.families].map((id) => org.person(id) as Person);
    const staff = [...e.people].map((id) => seat(org.person(id) as Person));
    // Every family but the first two by a bound guardian; the second by a card naming the child only.
    const guardians = students.slice(2).map((s) => seat(org.person(org.guardiansOf(s.id)[0]?.guardianId ?? -1) as Person));
    const second = students[1] as Person;
    const byCard: GroupMember = { platform: 'wechat', userId: 'wxid_new', nickname: '家长', card: `${second.name}家长` };
    const stranger: GroupMember = { platform: 'wechat', userId: 'wxid_other', nickname: '?', card: `${person('2023010101').name}妈妈` };
    const a = auditGroup(org, g, [...staff, ...guardians, byCard, stranger], options);
    expect(a.missing.map((x) => [x.ref, x.detail])).toEqual([[students[0]?.extId, '家长未入群']]);
    // 计算机学院's student's mother does not belong in 外国语学院's parents group.
    expect(a.strangers.map((x) => x.card)).toEqual([`${person('2023010101').name}妈妈`]);
    // Two guardians fit "家长": the family is covered, but which guardian it is stays open, unless only one does.
    const fits = org.guardiansOf(second.id).length;
    expect(a.unmatched.length).toBe(fits > 1 ? 1 : 0);
  });

  it('keeps the account-bound member when a card claims the same person, whatever the list order', () => {
    const s = person('2023010107');
    const impostor: GroupMember = { platform: 'qq', userId: '99999010', nickname: 'x', card: `${s.name}-2023010107` };
    const a = auditGroup(org, group('L3:计算机2301'), [impostor, ...classMembers('L3:计算机2301')], options);
    expect(a.duplicates).toEqual([{ ref: '2023010107', name: s.name, account: 'qq:99999010', card: `${s.name}-2023010107`, detail: expect.stringContaining('同属一人') }]);
  });

  it('does not take a card whose 学号 is nobody’s (or someone else’s) as proof', () => {
    const s = person('2023010109');
    const members = classMembers('L3:计算机2301').filter((m) => m.userId !== org.accountOn(s.id, 'qq'));
    const a = auditGroup(org, group('L3:计算机2301'), [...members, { platform: 'qq', userId: '99999011', nickname: 'y', card: `${s.name}-1111111` }], options);
    expect(a.missing.map((e) => e.ref)).toEqual(['2023010109']);
    expect(a.unmatched.map((e) => e.account)).toEqual(['qq:99999011']);
    expect(a.confirmed).toBe(25);
  });

  it('lets the college’s deputy secretary sit in a class group without being a stranger', () => {
    const a = auditGroup(org, group('L3:计算机2301'), [...classMembers('L3:计算机2301'), seat(person('S101')), seat(person('S201'))], options);
    expect(a.strangers.map((e) => e.ref)).toEqual(['S201']); // another college's
  });
});

