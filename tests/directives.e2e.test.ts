/**
 * Directives as staff really send them (issue #15) on the simulator with real Redis and SQLite: the right
 * words for each audience (the product's default depth 3, a parents' version), withdrawing, correcting
 * and listing directives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { issue, level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

/** The product's defaults for directives (the shared test school reaches parents by default). */
const PRODUCT = { directives: { defaultDepth: parseConfig({}).directives.defaultDepth } };

function postsOf(s: TestSchool, id: number): { to: string; text: string }[] {
  return s.botMessages().filter((m) => m.text.includes(`【通知 第${id}号】`)).map((m) => ({ to: m.chatType === 'group' ? m.chatId : '', text: m.text }));
}

describe('the right words for each audience', () => {
  it('by default a directive reaches colleges and classes, not parents, and the confirmation says how to reach them', async () => {
    expect(PRODUCT.directives.defaultDepth).toBe(3);
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 请各学院于今晚前完成宿舍安全检查');
    expect(postsOf(school, id)).toHaveLength(12); // 3 college groups + 9 class groups
    expect(school.botMessages('L4:计算机学院')).toEqual([]);
    expect(level(school, id, 4)).toBeUndefined();
    const confirmation = school.botMessages('L1').map((m) => m.text).join('\n');
    expect(confirmation).toContain('未发到家长群');
    expect(confirmation).toContain('层级=4');
  });

  it('a parents’ version goes to the parents groups (and only there), with the parents’ reply instruction', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 截止=18:00 请各学院于今晚前完成宿舍安全检查\n家长版：请各位家长提醒孩子今晚配合宿舍安全检查。');
    expect(postsOf(school, id)).toHaveLength(16);
    const l4 = school.botMessages('L4:计算机学院')[0]?.text ?? '';
    expect(l4).toContain('请各位家长提醒孩子今晚配合宿舍安全检查。');
    expect(l4).not.toContain('宿舍安全检查\n家长版');
    expect(l4).not.toContain('请各学院于今晚前');
    expect(l4).toContain('请家长回复“学生姓名+收到”');
    const l3 = school.botMessages('L3:计算机2301')[0]?.text ?? '';
    expect(l3).toContain('请各学院于今晚前完成宿舍安全检查');
    expect(l3).not.toContain('家长版');
    expect(school.botMessages('L1').map((m) => m.text).join('\n')).toContain('家长群收到家长版');
    expect(level(school, id, 4)?.required).toBeGreaterThan(0);
  });

  it('层级=4 (or 至=家长) sends the same text to parents; an empty parents’ version is an error', async () => {
    school = await startTestSchool({ config: PRODUCT });
    const id = await issue(school, '/通知 至=家长 请提醒孩子周日返校');
    expect(school.botMessages('L4:计算机学院')[0]?.text).toContain('请提醒孩子周日返校');
    expect(school.botMessages('L1').map((m) => m.text).join('\n')).toContain('家长群收到同一正文');
    expect(level(school, id, 4)?.required).toBeGreaterThan(0);
    expect((await school.ask('T001', 'L1', '/通知 请检查 家长版：')).text).toContain('“家长版：”后面没有内容');
  });
});
