/**
 * A directive's state read for one scope (the console's pages and live reads on the largest campus read only
 * the viewer's colleges): the same answers as a read of the whole school, and a narrow read is never used
 * for a wider scope.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scopeOf } from '../src/domain/directive.js';
import { QUERIES } from '../src/features/queries/index.js';
import { issue, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

describe('a directive read for one scope', () => {
  it('answers as the whole-school read does, for the team, a deputy secretary and a counselor', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 层级=4 请各位同学和家长回复收到');
    // Some replies in a few places, so that tallies and names differ by scope.
    school.say('S101', 'L1', '收到');
    school.say('S111', 'L2:计算机学院', '收到');
    school.say('2023010101', 'L3:计算机2301', '收到');
    school.say('2023010102', 'L3:计算机2301', '收到');
    school.say('家长:2023010101', 'L4:计算机学院', '收到');
    await school.settle();
    const app = school.runtime.app;
    const org = app.org();
    const queries = app.get(QUERIES);
    const d = app.directives.latest();
    if (!d || d.id !== id) throw new Error('no directive');
    const whole = queries.snapshot(d);
    const people = ['T001', 'S101', 'S111'].map((ref) => org.personByRef(ref));
    const at = (v: { at: number }): object => ({ ...v, at: 0 });
    for (const person of people) {
      if (!person) throw new Error('no such person in the demo roster');
      const scope = scopeOf(org, person);
      const narrow = queries.snapshot(d, undefined, scope);
      expect(at(queries.pending(d, scope, person, narrow)), person.extId).toEqual(at(queries.pending(d, scope, person, whole)));
      expect(at(queries.pending(d, scope, person, narrow)), person.extId).toEqual(at(queries.pending(d, scope, person)));
      expect(queries.progress(d, scope, person, narrow), person.extId).toEqual(queries.progress(d, scope, person, whole));
      if (scope.kind !== 'school') expect(narrow.byCollege.size).toBeLessThan(whole.byCollege.size);
    }
    // A counselor's narrow read handed to the team's view is not used: the team still sees the whole school.
    const team = people[0];
    const counselor = people[2];
    if (!team || !counselor) throw new Error('no such person');
    const counselorsRead = queries.snapshot(d, undefined, scopeOf(org, counselor));
    expect(queries.progress(d, { kind: 'school' }, team, counselorsRead)).toEqual(queries.progress(d, { kind: 'school' }, team, whole));
  });
});
