import { describe, expect, it } from 'vitest';
import type { OrgSnapshot, Person } from './org.js';
import { OrgIndex } from './org-index.js';

const person = (id: number): Person => ({ id, kind: 'student', extId: String(id), name: `学生${id}`, collegeId: null, classId: null, roles: [], counselorOf: [] });

function org(bindings: OrgSnapshot['bindings']): OrgIndex {
  return new OrgIndex({ schoolName: '测试', colleges: [], classes: [], people: [person(1), person(2), person(3)], guardianships: [], groups: [], platformGroups: [], bindings });
}

describe('OrgIndex accounts', () => {
  it('lists every account of a person on a platform, the first binding first, one account or none alike', () => {
    const o = org([
      { platform: 'qq', platformUserId: '1001', personId: 1 },
      { platform: 'qq', platformUserId: '1002', personId: 1 },
      { platform: 'wechat', platformUserId: 'wxid_a', personId: 1 },
      { platform: 'qq', platformUserId: '2001', personId: 2 },
      { platform: 'qq', platformUserId: '1003', personId: 1 },
    ]);
    expect(o.accountsOn(1, 'qq')).toEqual(['1001', '1002', '1003']);
    expect(o.accountOn(1, 'qq')).toBe('1001');
    expect(o.accountsOn(1, 'wechat')).toEqual(['wxid_a']);
    expect(o.accountsOn(2, 'qq')).toEqual(['2001']);
    expect(o.accountsOn(2, 'wechat')).toEqual([]);
    expect(o.accountsOn(3, 'qq')).toEqual([]);
    expect(o.personByPlatformAccount('qq', '1002')?.id).toBe(1);
  });
});
