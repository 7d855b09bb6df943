import { describe, expect, it } from 'vitest';
import { initialReleases, obligations, owedBy, releasesAfterAck, type Directive } from './directive.js';
import type { Group, GroupKey, OrgSnapshot, Person } from './org.js';
import { OrgIndex } from './org-index.js';

function person(id: number, p: Partial<Person>): Person {
  return { id, kind: 'staff', extId: `P${id}`, name: `人${id}`, collegeId: null, classId: null, roles: [], counselorOf: [], ...p };
}

function group(id: number, key: GroupKey, level: Group['level'], collegeId: number | null, classId: number | null): Group {
  return { id, key, level, kind: 'other', name: key, collegeId, classId };
}

/** College 1 (甲) is complete; college 2 (乙) has no L2 group and a class without a counselor. */
function org(): OrgIndex {
  const snapshot: OrgSnapshot = {
    schoolName: '测试',
    colleges: [
      { id: 1, name: '甲' },
      { id: 2, name: '乙' },
    ],
    classes: [
      { id: 11, name: '甲1', collegeId: 1 },
      { id: 21, name: '乙1', collegeId: 2 },
      { id: 22, name: '乙2', collegeId: 2 },
    ],
    people: [
      person(1, { roles: [{ role: 'team_leader', collegeId: null }] }),
      person(2, { roles: [{ role: 'deputy_secretary', collegeId: 1 }, { role: 'deputy_secretary', collegeId: 2 }] }),
      person(3, { roles: [{ role: 'counselor', collegeId: 1 }], counselorOf: [11] }),
      person(4, { roles: [{ role: 'counselor', collegeId: 2 }], counselorOf: [21] }),
      person(5, { kind: 'student', collegeId: 1, classId: 11 }),
      person(6, { kind: 'student', collegeId: 2, classId: 22 }),
    ],
    guardianships: [],
    groups: [
      group(100, 'L1', 1, null, null),
      group(101, 'L2:甲', 2, 1, null),
      group(111, 'L3:甲1', 3, 1, 11),
      group(121, 'L3:乙1', 3, 2, 21),
      group(122, 'L3:乙2', 3, 2, 22),
      group(104, 'L4:甲', 4, 1, null),
      group(204, 'L4:乙', 4, 2, null),
    ],
    platformGroups: [],
    bindings: [],
  };
  return new OrgIndex(snapshot);
}

const directive = (mode: Directive['mode']): Directive => ({
  id: 1,
  issuerId: 1,
  originGroupId: 100,
  originInboundId: null,
  text: '测试',
  deadlineAt: null,
  depth: 4,
  collegeIds: null,
  requireCompletion: false,
  mode,
  replyHint: '收到',
  urgent: false,
  sms: false,
  parentsText: null,
  status: 'open',
  createdAt: 0,
});

const keys = (groups: readonly Group[]) => groups.map((g) => g.key).sort();

describe('step-by-step relay', () => {
  it('opens nothing below L1 at first when every college has a deputy secretary', () => {
    expect(initialReleases(org(), directive('step'))).toEqual([]);
    expect(keys(initialReleases(org(), directive('immediate')))).toEqual(['L2:甲', 'L3:乙1', 'L3:乙2', 'L3:甲1', 'L4:乙', 'L4:甲']);
  });

  it('opens the college group on the deputy secretary’s reply, and the classes on the counselor’s', () => {
    const o = org();
    const ds = o.person(2) as Person;
    // 甲 opens L2; 乙 has no L2 group, so its classes and parents group open at once.
    expect(keys(releasesAfterAck(o, directive('step'), ds, 1))).toEqual(['L2:甲', 'L3:乙1', 'L3:乙2', 'L4:乙']);
    expect(keys(releasesAfterAck(o, directive('step'), o.person(3) as Person, 2))).toEqual(['L3:甲1', 'L4:甲']);
    expect(releasesAfterAck(o, directive('immediate'), ds, 1)).toEqual([]);
  });
});

describe('obligations', () => {
  it('a deputy secretary of two colleges owes one reply per college, and one message answers both', () => {
    const o = org();
    const d = directive('immediate');
    expect(obligations(o, d).filter((x) => x.level === 1)).toHaveLength(2);
    const l1 = o.group(100) as Group;
    expect(owedBy(o, d, o.person(2) as Person, l1).map((x) => x.collegeId).sort()).toEqual([1, 2]);
  });

  it('a student owes only in their own class group', () => {
    const o = org();
    const d = directive('immediate');
    expect(owedBy(o, d, o.person(5) as Person, o.group(111) as Group)).toHaveLength(1);
    expect(owedBy(o, d, o.person(5) as Person, o.group(121) as Group)).toHaveLength(0);
  });
});
