/**
 * The demo school (示例学校): 3 colleges, 9 classes of ~25 students, their parents, the student-work team and
 * the four levels of groups. Deterministic: the same CSV text on every run. config/demo holds its output
 * (scripts/make-demo-school.ts writes it; a test checks the committed files still match).
 * Everything is made up; phone numbers and accounts only look real.
 */
import { fullName, pick, seededRandom, SURNAMES } from './names.js';
import type { SheetName } from './types.js';

const SEED = 20200401;
const STUDENTS_PER_CLASS = { min: 23, max: 27 };
/** Share of students whose only contact is a 监护人 (grandparent, relative); of the rest, share with both parents. */
const GUARDIAN_ONLY = 0.05;
const BOTH_PARENTS = 0.55;

interface CollegePlan {
  name: string;
  /** Digits 5–6 of the 学号. */
  code: string;
  classes: string[];
  /** The QQ bot account serving the college's L2 and L3 groups. */
  qqBot: string;
  deputies: number;
  leaders: number;
  /** Indexes into `classes`, per counselor. */
  counselors: number[][];
}

const COLLEGES: readonly CollegePlan[] = [
  {
    name: '计算机学院',
    code: '01',
    classes: ['计算机2301', '计算机2302', '计算机2303'],
    qqBot: 'qq-bot-1',
    deputies: 2,
    leaders: 2,
    counselors: [[0, 1], [2]],
  },
  {
    name: '外国语学院',
    code: '02',
    classes: ['英语2301', '英语2302', '日语2301'],
    qqBot: 'qq-bot-2',
    deputies: 1,
    leaders: 1,
    counselors: [[0, 1], [2]],
  },
  {
    name: '机械工程学院',
    code: '03',
    classes: ['机械2301', '机械2302', '机械2303'],
    qqBot: 'qq-bot-2',
    deputies: 1,
    leaders: 2,
    counselors: [[0], [1, 2]],
  },
];

const HEADERS: Record<SheetName, readonly string[]> = {
  学生: ['学号', '姓名', '学院', '班级', '手机', 'QQ', '微信'],
  家长: ['学生学号', '姓名', '关系', '手机', 'QQ', '微信'],
  教职工: ['工号', '姓名', '角色', '学院', '负责班级', '手机', 'QQ', '微信'],
  群: ['级别', '名称', '学院', '班级', '平台', '群号', '账号'],
};

type Row = Record<string, string>;
const WXID_CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

/** Made-up ids and names, each used once. */
class Inventor {
  private readonly random = seededRandom(SEED);
  private readonly used = new Set<string>();

  chance(): number {
    return this.random();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return pick(this.random, list);
  }
  private unique(make: () => string): string {
    for (;;) {
      const v = make();
      if (!this.used.has(v)) {
        this.used.add(v);
        return v;
      }
    }
  }
  private digits(n: number): string {
    return Array.from({ length: n }, () => String(this.int(0, 9))).join('');
  }
  phone(prefixes: readonly string[]): string {
    return this.unique(() => this.pick(prefixes) + String(this.int(0, 9)) + this.digits(8));
  }
  /** QQ numbers are 32-bit: 9 digits, or 10 starting with 1–3. */
  qq(): string {
    return this.unique(() =>
      this.random() < 0.5 ? String(this.int(1, 9)) + this.digits(8) : String(this.int(1, 3)) + this.digits(9),
    );
  }
  wxid(): string {
    return this.unique(() => 'wxid_' + Array.from({ length: 14 }, () => this.pick(WXID_CHARS)).join(''));
  }
  name(surname?: string): string {
    return this.unique(() => fullName(this.random, surname));
  }
  qqGroup(): string {
    return this.unique(() => String(this.int(6, 9)) + this.digits(8));
  }
  wechatRoom(): string {
    return this.unique(() => `${this.int(17, 49)}${this.digits(9)}@chatroom`);
  }
}

/** The demo school's four CSV files, by sheet name. */
export function demoSchoolCsv(): Record<SheetName, string> {
  const make = new Inventor();
  const students: Row[] = [];
  const guardians: Row[] = [];

  const guardian = (studentNo: string, name: string, relation: string): Row => ({
    学生学号: studentNo,
    姓名: name,
    关系: relation,
    手机: make.phone(['13', '15', '18']),
    微信: make.wxid(),
  });
  const guardiansOf = (studentNo: string, surname: string): Row[] => {
    const r = make.chance();
    if (r < GUARDIAN_ONLY) return [guardian(studentNo, make.name(), '监护人')];
    if (r < BOTH_PARENTS) {
      return [guardian(studentNo, make.name(), '母亲'), guardian(studentNo, make.name(surname), '父亲')];
    }
    return r < 0.85 ? [guardian(studentNo, make.name(), '母亲')] : [guardian(studentNo, make.name(surname), '父亲')];
  };

  for (const college of COLLEGES) {
    college.classes.forEach((className, k) => {
      const count = make.int(STUDENTS_PER_CLASS.min, STUDENTS_PER_CLASS.max);
      for (let s = 1; s <= count; s++) {
        const surname = make.pick(SURNAMES);
        const studentNo = `2023${college.code}${String(k + 1).padStart(2, '0')}${String(s).padStart(2, '0')}`;
        students.push({
          学号: studentNo,
          姓名: make.name(surname),
          学院: college.name,
          班级: className,
          手机: make.phone(['13', '15', '18']),
          QQ: make.qq(),
        });
        guardians.push(...guardiansOf(studentNo, surname));
      }
    });
  }
  shareParents(make, students, guardians);

  return {
    学生: csv('学生', students),
    家长: csv('家长', guardians),
    教职工: csv('教职工', staffRows(make)),
    群: csv('群', groupRows(make)),
  };
}

/** Siblings in two colleges share their parents: the same people (name and 微信) under both 学号. */
function shareParents(make: Inventor, students: Row[], guardians: Row[]): void {
  const older = students[3];
  const younger = students.find((s) => s['班级'] === '机械2302');
  if (!older || !younger) throw new Error('demo school too small for siblings');
  const olderNo = older['学号'] ?? '';
  const youngerNo = younger['学号'] ?? '';
  younger['姓名'] = make.name((older['姓名'] ?? '王').slice(0, 1));
  const shared = guardians.filter((g) => g['学生学号'] === olderNo).map((g) => ({ ...g, 学生学号: youngerNo }));
  for (let i = guardians.length - 1; i >= 0; i--) if (guardians[i]?.['学生学号'] === youngerNo) guardians.splice(i, 1);
  const at = guardians.findIndex((g) => (g['学生学号'] ?? '') > youngerNo);
  guardians.splice(at === -1 ? guardians.length : at, 0, ...shared);
}

function staffRows(make: Inventor): Row[] {
  const person = (staffNo: string, roles: string, college: string, classes: string[]): Row => ({
    工号: staffNo,
    姓名: make.name(),
    角色: roles,
    学院: college,
    负责班级: classes.join('、'),
    手机: make.phone(['13', '18']),
    QQ: make.qq(),
    微信: make.wxid(),
  });
  const staff = [
    person('T001', '学生工作组组长', '', []),
    person('T002', '工作组成员', '', []),
    person('T003', '学生工作组成员', '', []),
  ];
  COLLEGES.forEach((college, c) => {
    const base = (c + 1) * 100;
    for (let i = 1; i <= college.deputies; i++) {
      // A deputy secretary usually also sits on the college's leadership (党政班子).
      const roles = i === 1 && c === 1 ? '党总支副书记、党政班子成员' : '党总支副书记';
      staff.push(person(`S${base + i}`, roles, college.name, []));
    }
    for (let i = 1; i <= college.leaders; i++) staff.push(person(`S${base + 2 + i}`, '学院领导', college.name, []));
    college.counselors.forEach((classIndexes, i) => {
      const classes = classIndexes.map((k) => college.classes[k] ?? '');
      staff.push(person(`S${base + 11 + i}`, '辅导员', college.name, classes));
    });
  });
  return staff;
}

function groupRows(make: Inventor): Row[] {
  const group = (
    级别: string,
    名称: string,
    学院: string,
    班级: string,
    平台: string,
    群号: string,
    账号: string,
  ): Row => ({ 级别, 名称, 学院, 班级, 平台, 群号, 账号 });
  const groups = [group('一级', '学生疫情防控管理一级群', '', '', 'QQ', make.qqGroup(), 'qq-bot-1')];
  for (const college of COLLEGES) {
    groups.push(group('二级', `${college.name}疫情防控二级群`, college.name, '', 'QQ', make.qqGroup(), college.qqBot));
    for (const className of college.classes) {
      groups.push(group('三级', `${className}班疫情防控三级群`, college.name, className, 'QQ', make.qqGroup(), college.qqBot));
    }
  }
  COLLEGES.forEach((college, c) => {
    // One college's parents do not fit in one WeChat group (500 members): two rooms back its L4 group.
    const rooms = c === 0 ? ['（一）', '（二）'] : [''];
    for (const suffix of rooms) {
      const name = `${college.name}家长疫情防控四级群${suffix}`;
      groups.push(group('四级', name, college.name, '', '微信', make.wechatRoom(), 'wx-bot-1'));
    }
  });
  groups.push(group('干部群', '计算机学院学生干部群', '计算机学院', '', 'QQ', make.qqGroup(), 'qq-bot-1'));
  return groups;
}

function csv(sheet: SheetName, rows: readonly Row[]): string {
  const header = HEADERS[sheet];
  const cell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [header.join(','), ...rows.map((r) => header.map((h) => cell(r[h] ?? '')).join(','))];
  return `${lines.join('\n')}\n`;
}
