import { describe, expect, it } from 'vitest';
import { attribute, NameIndex, nameIndexFor, obligationsOf, studentObligations } from './attribution.js';
import type { Directive } from './directive.js';
import type { Group, GroupKey, OrgSnapshot, Person } from './org.js';
import { OrgIndex } from './org-index.js';

function person(id: number, p: Partial<Person>): Person {
  return { id, kind: 'student', extId: `P${id}`, name: `人${id}`, collegeId: 1, classId: 11, roles: [], counselorOf: [], ...p };
}

function group(id: number, key: GroupKey, level: Group['level'], collegeId: number | null, classId: number | null): Group {
  return { id, key, level, kind: 'other', name: key, collegeId, classId };
}

const students = {
  zhangsan: person(1, { name: '张三' }),
  lisi: person(2, { name: '李四' }),
  wangwu: person(3, { name: '王五', classId: 12 }),
  zhangsanfeng: person(4, { name: '张三丰', classId: 12 }),
  twinA: person(5, { name: '刘洋' }),
  twinB: person(6, { name: '刘洋', classId: 12 }),
  other: person(7, { name: '赵六', collegeId: 2, classId: 21 }),
};
const mother = person(20, { kind: 'guardian', name: '张母', classId: null });
const father = person(21, { kind: 'guardian', name: '王父', classId: null });
const counselor = person(30, { kind: 'staff', name: '王老师', classId: null, counselorOf: [11, 12], roles: [{ role: 'counselor', collegeId: 1 }] });

const snapshot: OrgSnapshot = {
  schoolName: '测试',
  colleges: [
    { id: 1, name: '甲' },
    { id: 2, name: '乙' },
  ],
  classes: [
    { id: 11, name: '甲1', collegeId: 1 },
    { id: 12, name: '甲2', collegeId: 1 },
    { id: 21, name: '乙1', collegeId: 2 },
  ],
  people: [...Object.values(students), mother, father, counselor],
  guardianships: [
    // 张母 has two children in college 甲: 张三 and 李四.
    { guardianId: 20, studentId: 1, relation: '母亲' },
    { guardianId: 20, studentId: 2, relation: '母亲' },
    { guardianId: 21, studentId: 3, relation: '父亲' },
  ],
  groups: [group(100, 'L1', 1, null, null), group(111, 'L3:甲1', 3, 1, 11), group(140, 'L4:甲', 4, 1, null), group(200, 'L2:甲', 2, 1, null)],
  platformGroups: [],
  bindings: [],
};
const org = new OrgIndex(snapshot);
const L3 = org.group(111) as Group;
const L4 = org.group(140) as Group;
const L2 = org.group(200) as Group;

const directive: Directive = {
  id: 1,
  issuerId: 30,
  originGroupId: 100,
  originInboundId: null,
  text: '通知',
  deadlineAt: null,
  depth: 4,
  collegeIds: null,
  requireCompletion: false,
  mode: 'immediate',
  replyHint: '收到',
  urgent: false,
  sms: false,
  parentsText: null,
  status: 'open',
  createdAt: 0,
};

describe('NameIndex', () => {
  const index = new NameIndex(Object.values(students));

  it('finds roster names whatever surrounds them', () => {
    for (const text of ['张三妈妈收到', '1234张三', '张三1234 收到', '张三-计算机2001', '收到，张三']) {
      expect(index.find(text).map((f) => f.name)).toEqual(['张三']);
    }
  });

  it('takes the longest name at a position: 张三丰 is not also 张三', () => {
    expect(index.find('张三丰爸爸收到').map((f) => f.name)).toEqual(['张三丰']);
  });

  it('returns every student who has the name', () => {
    expect(index.find('刘洋妈妈收到')[0]?.students.map((s) => s.id)).toEqual([5, 6]);
  });

  it('finds nothing in a plain reply', () => {
    expect(index.find('收到，谢谢老师')).toEqual([]);
  });
});

describe('nameIndexFor', () => {
  it('holds the class in a class group and the college in a parents group', () => {
    expect(nameIndexFor(org, L3).find('王五收到')).toEqual([]); // 王五 is in 甲2, not 甲1
    expect(nameIndexFor(org, L4).find('王五爸爸收到').map((f) => f.name)).toEqual(['王五']);
    expect(nameIndexFor(org, L4).find('赵六妈妈收到')).toEqual([]); // another college
  });
});

describe('attribute', () => {
  it('counts a plain reply for the sender', () => {
    expect(attribute(org, L4, mother, '收到')).toEqual({ kind: 'self' });
    expect(attribute(org, L2, counselor, '收到，张三的事我来处理')).toEqual({ kind: 'self' });
  });

  it('counts a guardian naming their child for that child only', () => {
    const who = attribute(org, L4, mother, '张三妈妈收到');
    expect(who).toEqual({ kind: 'students', students: [students.zhangsan] });
    expect(obligationsOf(org, directive, L4, mother, who).map((o) => o.subjectId)).toEqual([1]);
    // Without a name the same guardian answers for both children.
    expect(obligationsOf(org, directive, L4, mother, attribute(org, L4, mother, '收到')).map((o) => o.subjectId).sort()).toEqual([1, 2]);
  });

  it('sends a guardian naming someone else’s child to review', () => {
    expect(attribute(org, L4, father, '张三爸爸收到')).toEqual({ kind: 'review', students: [students.zhangsan], reason: 'not_ward' });
  });

  it('suggests a binding for an unknown account naming exactly one student', () => {
    expect(attribute(org, L4, undefined, '王五爸爸收到')).toEqual({ kind: 'suggest', student: students.wangwu });
    expect(attribute(org, L4, undefined, '刘洋妈妈收到')).toMatchObject({ kind: 'review', reason: 'several' });
    expect(attribute(org, L4, undefined, '收到')).toEqual({ kind: 'none' });
  });

  it('lets a student in a class group answer only for themselves', () => {
    expect(attribute(org, L3, students.lisi, '张三收到')).toEqual({ kind: 'self' });
    expect(attribute(org, L3, undefined, '张三收到')).toEqual({ kind: 'suggest', student: students.zhangsan });
  });
});

describe('studentObligations', () => {
  it('owes an L4 reply per student of the group’s college, only when the directive goes that deep', () => {
    expect(studentObligations(org, directive, L4, [students.zhangsan, students.other]).map((o) => o.subjectId)).toEqual([1]);
    expect(studentObligations(org, { ...directive, depth: 3 }, L4, [students.zhangsan])).toEqual([]);
    expect(studentObligations(org, directive, L3, [students.wangwu])).toEqual([]); // not this class
  });
});
