/**
 * The address book in chat (issue #13): `/通讯录` privately, scoped (a counselor never sees another
 * college's numbers), never in a group; `/核实` records how a number was checked and corrects it.
 */
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { START, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
afterEach(async () => {
  await school?.close();
  school = undefined;
});

/** The demo roster's numbers of student 2023010101 (宋辉瑶) and her parents. */
const STUDENT_PHONE = '15164469748';
const MOTHER_PHONE = '13764627364';
const FATHER_PHONE = '15294511300';

describe('/通讯录', () => {
  it('shows a counselor their students and parents with numbers and how each was verified, privately', async () => {
    school = await startTestSchool();
    const card = await school.ask('S111', '私聊', '/通讯录 2023010101');
    expect(card.all).toHaveLength(1);
    expect(card.text).toContain(`宋辉瑶 2023010101 计算机2301`);
    expect(card.text).toContain(`本人 ${STUDENT_PHONE}（名单导入）`);
    expect(card.text).toContain(`母亲 曹娜 ${MOTHER_PHONE}（名单导入）`);
    expect(card.text).toContain(`父亲 宋鹏宇 ${FATHER_PHONE}（名单导入）`);
    const byName = await school.ask('S111', '私聊', '/通讯录 宋辉瑶');
    expect(byName.text).toBe(card.text);
    const klass = await school.ask('S111', '私聊', '/通讯录 计算机2302');
    expect(klass.text).toContain('【通讯录】计算机学院 计算机2302');
    expect(klass.text).toContain('辅导员/班主任：杨昊');
    const overview = await school.ask('S111', '私聊', '/通讯录');
    expect(overview.text).toContain('您负责的 2 个班级的通讯录');
    expect(overview.text).toMatch(/计算机2301：学生 \d+，家长 \d+；有号码 \d+，已核实 0/u);
  });

  it('never answers in a group, and never with a number', async () => {
    school = await startTestSchool();
    const said = await school.ask('S111', 'L3:计算机2301', '/通讯录 2023010101');
    expect(said.all.map((m) => m.text).join('\n')).not.toContain(STUDENT_PHONE);
    expect(said.text).toContain('请私聊机器人');
  });

  it('keeps to each person\'s scope', async () => {
    school = await startTestSchool();
    // Another class's counselor, another college's deputy secretary: not found, no number.
    for (const who of ['S112', 'S201']) {
      const other = await school.ask(who, '私聊', '/通讯录 2023010101');
      expect(other.text).toContain('没有找到');
      expect(other.text).not.toContain(STUDENT_PHONE);
    }
    // The college's deputy secretary and the team see it.
    for (const who of ['S101', 'T001']) expect((await school.ask(who, '私聊', '/通讯录 2023010101')).text).toContain(STUDENT_PHONE);
    // A college leader, a student and a stranger are refused before anything is read.
    for (const who of ['S103', '2023010102', 'qq:999000001']) {
      const refused = await school.ask(who, '私聊', '/通讯录 2023010101');
      expect(refused.all.map((m) => m.text).join('\n')).not.toContain(STUDENT_PHONE);
    }
    expect((await school.ask('S103', '私聊', '/通讯录')).text).toContain('通讯录只对辅导员');
  });
});

describe('/核实', () => {
  it('records a confirmed number, a corrected one and an unreachable one; the book shows them', async () => {
    school = await startTestSchool();
    expect((await school.ask('S111', '私聊', '/核实 2023010101 母亲')).text).toBe('已记录：宋辉瑶的母亲 曹娜，电话已核实。');
    expect((await school.ask('S111', '私聊', '/核实 2023010101 父亲 号码错误 139-0000-0000')).text).toBe(
      '已记录：宋辉瑶的父亲 宋鹏宇，号码已更正为 13900000000（电话核实）。',
    );
    expect((await school.ask('S111', '私聊', '/核实 2023010101 本人 联系不上')).text).toBe('已记录：宋辉瑶本人，记为联系不上。');
    const card = (await school.ask('S111', '私聊', '/通讯录 2023010101')).text;
    expect(card).toContain(`母亲 曹娜 ${MOTHER_PHONE}（电话核实 3月2日）`);
    expect(card).toContain('父亲 宋鹏宇 13900000000（电话核实 3月2日）');
    expect(card).not.toContain(FATHER_PHONE);
    expect(card).toContain(`本人 ${STUDENT_PHONE}（联系不上 3月2日）`);
    expect((await school.ask('S111', '私聊', '/通讯录')).text).toMatch(/计算机2301：.*已核实 2，联系不上 1/u);
  });

  it('asks which parent when 家长 is ambiguous, and explains a malformed command', async () => {
    school = await startTestSchool();
    expect((await school.ask('S111', '私聊', '/核实 2023010101 家长')).text).toContain('该学生有 2 位家长（母亲、父亲）');
    expect((await school.ask('S111', '私聊', '/核实 2023010101 父亲 号码错误 123')).text).toContain('用法：/核实');
    expect((await school.ask('S111', '私聊', '/核实 2023020101 本人')).text).toBe('在您负责的范围内没有这个学号。');
    // Another class's counselor cannot record anything for this student.
    expect((await school.ask('S112', '私聊', '/核实 2023010101 母亲')).text).toBe('在您负责的范围内没有这个学号。');
  });
});

describe('the address book export', () => {
  it('writes what the chat shows as the JSON contract and as a workbook of one A4 landscape sheet per class', async () => {
    school = await startTestSchool();
    await school.ask('S111', '私聊', '/核实 2023010101 父亲 号码错误 13900000000');
    const { ADDRESS_BOOK } = await import('../src/features/contacts/index.js');
    const { addressBookJson, addressBookWorkbook } = await import('../src/features/contacts/export.js');
    const desk = school.runtime.app.get(ADDRESS_BOOK);
    const books = desk.classesIn({ kind: 'colleges', collegeIds: [school.runtime.app.org().collegeNamed('计算机学院')?.id ?? -1] }).flatMap((k) => desk.classBook(k.id) ?? []);
    const json = addressBookJson(books, new Date(START));
    expect(json.classes.map((c) => c.class)).toEqual(['计算机2301', '计算机2302', '计算机2303']);
    const student = json.students.find((s) => s.studentNo === '2023010101');
    expect(student).toMatchObject({ name: '宋辉瑶', college: '计算机学院', class: '计算机2301', phone: STUDENT_PHONE, verified: 'roster' });
    expect(Object.keys(student ?? {})).toEqual(expect.arrayContaining(['studentNo', 'name', 'college', 'class', 'phone', 'inClassGroup', 'guardians']));
    expect(student?.guardians).toContainEqual(expect.objectContaining({ name: '宋鹏宇', relation: '父亲', phone: '13900000000', verified: 'call', inParentsGroup: expect.anything() }));
    for (const g of student?.guardians ?? []) expect(Object.keys(g)).toEqual(expect.arrayContaining(['name', 'relation', 'phone', 'inParentsGroup', 'verified']));

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await addressBookWorkbook(books, new Date(START), 'Asia/Shanghai')) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['计算机2301', '计算机2302', '计算机2303']);
    const ws = wb.getWorksheet('计算机2301');
    expect(ws?.pageSetup.orientation).toBe('landscape');
    expect(ws?.pageSetup.paperSize).toBe(9);
    expect(String(ws?.getCell('A1').value)).toContain('计算机学院 计算机2301 通讯录（辅导员/班主任：杨昊；导出日期：2026-03-02）');
    expect(ws?.headerFooter.oddHeader).toContain('杨昊');
    const rows: string[][] = [];
    ws?.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    expect(rows[1]?.slice(0, 5)).toEqual(['学号', '学生姓名', '本人电话', '核实', '班级群']);
    expect(rows).toContainEqual(['', '', '', '', '', '父亲', '宋鹏宇', '13900000000', '电话核实 03-02', expect.any(String), '2026-03-02']);
  });
});
