/**
 * `cascade template <file.xlsx>`: an empty roster workbook in the accepted layouts, with a sheet of
 * instructions (说明). Id and phone columns are formatted as text, so that Excel keeps 学号 and 手机 as
 * typed (no 2.02E+09), and each header carries the accepted spellings as a note.
 */
import ExcelJS from 'exceljs';
import { ROLE_LABELS } from './normalize.js';
import { SHEET_SPECS, type SheetSpec } from './sheets.js';

/** The guardian columns of the student sheet in the template: two guardians per row. */
const GUARDIAN_COLUMNS = ['家长1姓名', '家长1关系', '家长1电话', '家长2姓名', '家长2关系', '家长2电话'] as const;
const TEXT_COLUMNS = new Set(['学号', '学生学号', '工号', '手机', 'QQ', '微信', '群号', '账号', '家长1电话', '家长2电话']);

const INSTRUCTIONS: readonly string[] = [
  'Cascade 花名册模板',
  '',
  '一、可以直接导入学工系统导出的表',
  '  · 一张学生表即可：每行一名学生，家长写在同一行的列里（家长姓名/家长电话/关系，或 父亲姓名/父亲电话/母亲姓名/母亲电话，或 监护人/监护人电话；多位家长用 家长2姓名、家长2电话……）。',
  '  · 工作表叫什么都可以（如 Sheet1）：按表头识别。表头上方的标题行（如“计算机学院2023级学生信息汇总表”）会自动跳过，导入结果会说明表头在第几行。',
  '  · 不认识的列（如 序号、性别）不会导入，导入结果会逐一列出，不会悄悄丢弃。',
  '  · CSV 可以是 UTF-8 或 GBK（Excel 默认保存的编码）；也可以把多个文件打成 .zip 一起导入。',
  '',
  '二、本模板的四张表',
  '  · 学生：必填 学号、姓名、学院、班级；可填 手机、QQ、微信，以及家长列。',
  '  · 家长（可选）：学生的家长也可以单独列在这张表里，每行一位：学生学号、姓名、关系、手机、QQ、微信。',
  '  · 教职工：必填 工号、姓名、角色；学院角色须填学院，辅导员和班主任须填负责班级（多个用顿号分隔）。',
  `    可用的角色：${Object.values(ROLE_LABELS).join('、')}（一人多个角色用顿号分隔）。`,
  '  · 群：级别（1/2/3/4，或 宿舍群、干部群、党员群、其他）、名称、学院、班级、平台（QQ/微信）、群号、账号（服务该群的机器人账号，多个用逗号分隔）。',
  '  · 教职工和群也可以放在另外的文件里，导入时一起给出：cascade import 学生.xlsx 教职工.csv 群.csv',
  '',
  '三、注意',
  '  · 学号、手机号、群号请保持为文本格式（本模板已设置），否则 Excel 可能显示成 2.02E+09，原值会丢失。',
  '  · 导入是“全部或全不”：任何一行有问题都不会导入，并会指出工作表、行号和列名。',
  '  · 家长和学生的电话只用于通讯录和短信，不会发到任何群里。',
  '',
  '导入前检查：cascade import 本文件.xlsx --dry-run',
];

function columnsOf(spec: SheetSpec): { header: string; note: string; required: boolean }[] {
  const cols = spec.columns.map((c) => ({ header: c.name, note: `${c.required ? '必填' : '选填'}。也可写作：${c.aliases.join('、')}`, required: c.required }));
  if (spec.name === '学生') {
    for (const g of GUARDIAN_COLUMNS) cols.push({ header: g, note: '选填：学生的家长（更多家长可继续加 家长3姓名 等列，或写在「家长」表中）', required: false });
  }
  return cols;
}

export function rosterTemplate(): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Cascade';
  const help = wb.addWorksheet('说明');
  help.getColumn(1).width = 120;
  INSTRUCTIONS.forEach((line, i) => {
    const cell = help.getCell(i + 1, 1);
    cell.value = line;
    cell.alignment = { wrapText: true, vertical: 'top' };
    if (i === 0) cell.font = { bold: true, size: 14 };
  });
  for (const spec of SHEET_SPECS) {
    const ws = wb.addWorksheet(spec.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    columnsOf(spec).forEach((c, i) => {
      const column = ws.getColumn(i + 1);
      column.width = Math.max(10, c.header.length * 2 + 4);
      if (TEXT_COLUMNS.has(c.header)) column.numFmt = '@';
      const cell = ws.getCell(1, i + 1);
      cell.value = c.header;
      cell.font = { bold: true, ...(c.required ? { color: { argb: 'FFC00000' } } : {}) };
      cell.note = c.note;
    });
  }
  return wb;
}

export async function writeRosterTemplate(file: string): Promise<void> {
  await rosterTemplate().xlsx.writeFile(file);
}
