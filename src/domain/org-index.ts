import { lookupName, type NameLookup } from './names.js';
import type {
  ClassUnit,
  College,
  Group,
  GroupKey,
  Guardianship,
  OrgSnapshot,
  Person,
  Platform,
  PlatformGroup,
  StaffRole,
} from './org.js';
import { parseGroupKey } from './org.js';

const EMPTY: readonly never[] = Object.freeze([]);

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Read-only lookups over one org snapshot. Rebuilt whenever the roster changes. */
/** How the org reads roles the config can shape. */
export interface OrgOptions {
  /** Head teachers (班主任) sit in the college group and owe replies there like counselors. Default false. */
  readonly headTeachersInCollegeGroup?: boolean;
}

export class OrgIndex {
  readonly schoolName: string;
  readonly colleges: readonly College[];
  readonly classes: readonly ClassUnit[];
  readonly groups: readonly Group[];
  private readonly peopleById = new Map<number, Person>();
  /** Built on first use: only drills, the sandbox and imports look people up by 学号/工号. */
  private peopleByExtIdCache: Map<string, Person> | undefined;
  private readonly collegeById = new Map<number, College>();
  private readonly collegeByName = new Map<string, College>();
  private readonly classById = new Map<number, ClassUnit>();
  private readonly classByName = new Map<string, ClassUnit>();
  private readonly classesByCollege = new Map<number, ClassUnit[]>();
  private readonly studentsByClass = new Map<number, Person[]>();
  private readonly guardiansByStudent = new Map<number, Guardianship[]>();
  private readonly wardsByGuardian = new Map<number, Guardianship[]>();
  private readonly staffByRole = new Map<string, Person[]>();
  private readonly counselorsByClass = new Map<number, Person[]>();
  private readonly groupById = new Map<number, Group>();
  private readonly groupByKey = new Map<GroupKey, Group>();
  private readonly platformGroupsByGroup = new Map<number, PlatformGroup[]>();
  private readonly platformGroupByChat = new Map<Platform, Map<string, PlatformGroup>>();
  // Per platform, so that lookups need no concatenated key (the hot path of every inbound message).
  private readonly personByAccount = new Map<Platform, Map<string, number>>();
  private readonly accountByPerson = new Map<Platform, Map<number, string>>();
  /** Only people with more than one account on a platform (the rest: `accountByPerson`); at 160,000 people a list each was 50 MB. */
  private readonly moreAccountsByPerson = new Map<Platform, Map<number, string[]>>();

  private readonly headTeachersInCollegeGroup: boolean;

  constructor(snapshot: OrgSnapshot, options: OrgOptions = {}) {
    this.headTeachersInCollegeGroup = options.headTeachersInCollegeGroup ?? false;
    this.schoolName = snapshot.schoolName;
    this.colleges = snapshot.colleges;
    this.classes = snapshot.classes;
    this.groups = snapshot.groups;
    for (const c of snapshot.colleges) {
      this.collegeById.set(c.id, c);
      this.collegeByName.set(c.name, c);
    }
    for (const k of snapshot.classes) {
      this.classById.set(k.id, k);
      this.classByName.set(k.name, k);
      pushTo(this.classesByCollege, k.collegeId, k);
    }
    for (const p of snapshot.people) {
      this.peopleById.set(p.id, p);
      if (p.kind === 'student' && p.classId !== null) pushTo(this.studentsByClass, p.classId, p);
      for (const r of p.roles) pushTo(this.staffByRole, roleKey(r.role, r.collegeId), p);
      for (const classId of p.counselorOf) pushTo(this.counselorsByClass, classId, p);
    }
    for (const g of snapshot.guardianships) {
      pushTo(this.guardiansByStudent, g.studentId, g);
      pushTo(this.wardsByGuardian, g.guardianId, g);
    }
    for (const g of snapshot.groups) {
      this.groupById.set(g.id, g);
      this.groupByKey.set(g.key, g);
    }
    for (const pg of snapshot.platformGroups) {
      pushTo(this.platformGroupsByGroup, pg.groupId, pg);
      let byChat = this.platformGroupByChat.get(pg.platform);
      if (!byChat) {
        byChat = new Map();
        this.platformGroupByChat.set(pg.platform, byChat);
      }
      byChat.set(pg.chatId, pg);
    }
    for (const b of snapshot.bindings) {
      let byUser = this.personByAccount.get(b.platform);
      let byPerson = this.accountByPerson.get(b.platform);
      if (!byUser || !byPerson) {
        byUser = new Map();
        byPerson = new Map();
        this.personByAccount.set(b.platform, byUser);
        this.accountByPerson.set(b.platform, byPerson);
      }
      byUser.set(b.platformUserId, b.personId);
      // The first binding on a platform wins, as the list lookup this replaces did.
      const first = byPerson.get(b.personId);
      if (first === undefined) {
        byPerson.set(b.personId, b.platformUserId);
        continue;
      }
      let more = this.moreAccountsByPerson.get(b.platform);
      if (!more) {
        more = new Map();
        this.moreAccountsByPerson.set(b.platform, more);
      }
      const list = more.get(b.personId);
      if (list) list.push(b.platformUserId);
      else more.set(b.personId, [first, b.platformUserId]);
    }
  }

  person(id: number): Person | undefined {
    return this.peopleById.get(id);
  }
  personByExtId(extId: string): Person | undefined {
    return this.peopleByExtId().get(extId);
  }
  private peopleByExtId(): Map<string, Person> {
    if (!this.peopleByExtIdCache) {
      this.peopleByExtIdCache = new Map();
      for (const p of this.peopleById.values()) this.peopleByExtIdCache.set(p.extId, p);
    }
    return this.peopleByExtIdCache;
  }
  /** A person as drills and the sandbox name them: 学号, 工号, 家长:<学号> (first guardian) or a guardian's full id. */
  personByRef(ref: string): Person | undefined {
    const direct = this.personByExtId(ref);
    if (direct) return direct;
    const m = /^家长[:：](.+)$/.exec(ref);
    const student = m?.[1] ? this.personByExtId(m[1]) : undefined;
    const guardian = student ? this.guardiansOf(student.id)[0] : undefined;
    return guardian ? this.peopleById.get(guardian.guardianId) : undefined;
  }
  college(id: number): College | undefined {
    return this.collegeById.get(id);
  }
  collegeNamed(name: string): College | undefined {
    return this.collegeByName.get(name);
  }
  /** A college by a name as typed: exact, or a unique prefix (`计算机`); else the closest names (issue #15). */
  findCollege(name: string): NameLookup<College> {
    return lookupName(name, this.colleges, (c) => c.name);
  }
  /** A class by a name as typed (see findCollege). */
  findClass(name: string): NameLookup<ClassUnit> {
    return lookupName(name, this.classes, (k) => k.name);
  }
  classUnit(id: number): ClassUnit | undefined {
    return this.classById.get(id);
  }
  classNamed(name: string): ClassUnit | undefined {
    return this.classByName.get(name);
  }
  classesOf(collegeId: number): readonly ClassUnit[] {
    return this.classesByCollege.get(collegeId) ?? EMPTY;
  }
  studentsOf(classId: number): readonly Person[] {
    return this.studentsByClass.get(classId) ?? EMPTY;
  }
  guardiansOf(studentId: number): readonly Guardianship[] {
    return this.guardiansByStudent.get(studentId) ?? EMPTY;
  }
  wardsOf(guardianId: number): readonly Guardianship[] {
    return this.wardsByGuardian.get(guardianId) ?? EMPTY;
  }
  /** Staff holding a role; college roles need the college, school-wide roles take null. */
  withRole(role: StaffRole, collegeId: number | null): readonly Person[] {
    return this.staffByRole.get(roleKey(role, collegeId)) ?? EMPTY;
  }
  counselorsOf(classId: number): readonly Person[] {
    return this.counselorsByClass.get(classId) ?? EMPTY;
  }
  /**
   * Who sits in a college group as its counselors and owes replies there: the counselors, and the head
   * teachers (班主任) when the config puts them there (`roles.headTeacher.collegeGroup`).
   */
  collegeCounselors(collegeId: number): readonly Person[] {
    const counselors = this.withRole('counselor', collegeId);
    if (!this.headTeachersInCollegeGroup) return counselors;
    const heads = this.withRole('head_teacher', collegeId).filter((p) => !counselors.includes(p));
    return heads.length === 0 ? counselors : [...counselors, ...heads];
  }
  /** Is this person one of the college group's counselors (see collegeCounselors)? */
  isCollegeCounselor(person: Person, collegeId: number): boolean {
    return this.hasRole(person, 'counselor', collegeId) || (this.headTeachersInCollegeGroup && this.hasRole(person, 'head_teacher', collegeId));
  }
  group(id: number): Group | undefined {
    return this.groupById.get(id);
  }
  groupByKeyName(key: GroupKey): Group | undefined {
    return this.groupByKey.get(key);
  }
  /** A group by its key as a person or a drill typed it (`L3:计算机2301`). */
  groupByKeyText(text: string): Group | undefined {
    const key = parseGroupKey(text);
    return key === null ? undefined : this.groupByKey.get(key);
  }
  platformGroupsOf(groupId: number): readonly PlatformGroup[] {
    return this.platformGroupsByGroup.get(groupId) ?? EMPTY;
  }
  platformGroup(platform: Platform, chatId: string): PlatformGroup | undefined {
    return this.platformGroupByChat.get(platform)?.get(chatId);
  }
  personByPlatformAccount(platform: Platform, platformUserId: string): Person | undefined {
    const id = this.personByAccount.get(platform)?.get(platformUserId);
    return id === undefined ? undefined : this.peopleById.get(id);
  }
  /** Every account of the person on a platform (the roster's and bindings), first the one `accountOn` gives. */
  accountsOn(personId: number, platform: Platform): readonly string[] {
    const more = this.moreAccountsByPerson.get(platform)?.get(personId);
    if (more) return more;
    const one = this.accountByPerson.get(platform)?.get(personId);
    return one === undefined ? [] : [one];
  }
  /** The person's platform user id on a platform, if known. */
  accountOn(personId: number, platform: Platform): string | undefined {
    return this.accountByPerson.get(platform)?.get(personId);
  }
  hasRole(person: Person, role: StaffRole, collegeId?: number): boolean {
    return person.roles.some((r) => r.role === role && (collegeId === undefined || r.collegeId === collegeId));
  }
  /** How many people of each kind; for logs and the sandbox banner. */
  counts(): { students: number; guardians: number; staff: number; groups: number } {
    let students = 0;
    let guardians = 0;
    let staff = 0;
    for (const p of this.peopleById.values()) {
      if (p.kind === 'student') students++;
      else if (p.kind === 'guardian') guardians++;
      else staff++;
    }
    return { students, guardians, staff, groups: this.groups.length };
  }
}

function roleKey(role: StaffRole, collegeId: number | null): string {
  return `${role}:${collegeId ?? '*'}`;
}
