/**
 * `cascade addressbook`: the address book (通讯录) of a scope for the counselor to carry, as JSON (a
 * contract, docs/contacts.md) or as a workbook with one sheet per class laid out for A4 landscape.
 * The file holds phone numbers: it is written where the operator says and never logged.
 */
import ExcelJS from 'exceljs';
import { VERIFICATION_LABELS, type ClassBook, type ContactEntry } from '../../domain/address-book.js';
import { addPrintSheet, ruleRows, sheetName } from './workbook.js';

export interface AddressBookJson {
  readonly generatedAt: string;
  readonly classes: readonly { readonly college: string; readonly class: string; readonly counselors: readonly string[] }[];
  readonly students: readonly {
    readonly studentNo: string;
    readonly name: string;
    readonly college: string;
    readonly class: string;
    readonly phone: string | null;
    readonly verified: string;
    readonly verifiedAt: string | null;
    readonly inClassGroup: boolean | null;
    readonly lastContact: string | null;
    /** Bound accounts, `qq:123…`, `wechat:wxid_…`. */
    readonly accounts: readonly string[];
    readonly guardians: readonly {
      readonly name: string;
      readonly relation: string;
      readonly phone: string | null;
      readonly inParentsGroup: boolean | null;
      readonly verified: string;
      readonly verifiedAt: string | null;
      readonly lastContact: string | null;
      readonly accounts: readonly string[];
    }[];
  }[];
}

const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

export function addressBookJson(books: readonly ClassBook[], at: Date): AddressBookJson {
  return {
    generatedAt: at.toISOString(),
    classes: books.map((b) => ({ college: b.college, class: b.className, counselors: b.counselors })),
    students: books.flatMap((b) =>
      b.students.map((s) => ({
        studentNo: s.studentNo,
        name: s.name,
        college: b.college,
        class: b.className,
        phone: s.phone,
        verified: s.verified,
        verifiedAt: iso(s.verifiedAt),
        inClassGroup: s.inGroup,
        lastContact: iso(s.lastContactAt),
        accounts: s.accounts.map((a) => `${a.platform}:${a.id}`),
        guardians: s.guardians.map((g) => ({
          name: g.name,
          relation: g.relation,
          phone: g.phone,
          inParentsGroup: g.inGroup,
          verified: g.verified,
          verifiedAt: iso(g.verifiedAt),
          lastContact: iso(g.lastContactAt),
          accounts: g.accounts.map((a) => `${a.platform}:${a.id}`),
        })),
      })),
    ),
  };
}

const COLUMNS = ['学号', '学生姓名', '本人电话', '核实', '班级群', '家长关系', '家长姓名', '家长电话', '核实', '家长群', '最近联系'] as const;
const WIDTHS = [13, 10, 14, 14, 7, 8, 10, 14, 14, 7, 11];

/** Excel forbids some characters in sheet names and caps them at 31. */

export async function addressBookWorkbook(books: readonly ClassBook[], at: Date, timeZone: string): Promise<Buffer> {
  const day = (ms: number | null): string => (ms === null ? '' : new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms));
  const verified = (e: ContactEntry): string => `${VERIFICATION_LABELS[e.verified]}${e.verifiedAt === null ? '' : ` ${day(e.verifiedAt).slice(5)}`}`;
  const yes = (v: boolean | null): string => (v === null ? '未核对' : v ? '在' : '不在');
  const wb = new ExcelJS.Workbook();
  wb.created = at;
  const used = new Set<string>();
  const today = day(at.getTime());
  for (const b of books) {
    const counselors = b.counselors.join('、') || '—';
    const ws = addPrintSheet(wb, {
      name: sheetName(b.className, used, '班级'),
      title: `${b.college} ${b.className} 通讯录（辅导员/班主任：${counselors}；导出日期：${today}）`,
      header: `&L${b.college} ${b.className}&C通讯录&R辅导员/班主任：${counselors}  ${today}`,
      footer: '&C第 &P 页，共 &N 页（含个人信息，请妥善保管）',
      columns: COLUMNS,
      widths: WIDTHS,
    });
    for (const s of b.students) {
      const student = [s.studentNo, s.name, s.phone ?? '', verified(s), yes(s.inGroup)];
      const last = (e: ContactEntry): string => day(e.lastContactAt);
      if (s.guardians.length === 0) ws.addRow([...student, '', '（无家长记录）', '', '', '', last(s)]);
      s.guardians.forEach((g, i) => {
        ws.addRow([...(i === 0 ? student : ['', '', '', '', '']), g.relation, g.name, g.phone ?? '', verified(g), yes(g.inGroup), last(g)]);
      });
    }
    ruleRows(ws);
  }
  if (books.length === 0) wb.addWorksheet('通讯录').addRow(['所选范围内没有班级']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
