/** The units × steps matrix as a spreadsheet: one sheet per cycle, one row per unit, Vietnamese headers. */
import ExcelJS from 'exceljs';
import type { CycleView } from './dashboard';

export const XLSX_FIXED_HEADERS = ['Cụm thi đua', 'Mã đơn vị', 'Đơn vị'] as const;
export const XLSX_OVERDUE_HEADER = 'Số ngày quá hạn (lớn nhất)';

/** Excel sheet names: at most 31 characters, none of []:*?/\ and unique in the workbook. */
function sheetName(cycle: CycleView, used: Set<string>): string {
  const base = `${cycle.year} ${cycle.bodyId}`.replace(/[[\]:*?/\\]/g, '-').slice(0, 28);
  let name = base;
  for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base.slice(0, 26)} ${n}`;
  used.add(name.toLowerCase());
  return name;
}

/** `cycles` must have been built with lang 'vi': the cells are the matrix's own (Vietnamese) texts. */
export async function dashboardXlsx(cycles: CycleView[], generatedAt: Date): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'thidua';
  wb.created = generatedAt;
  const used = new Set<string>();
  for (const cycle of cycles) {
    const ws = wb.addWorksheet(sheetName(cycle, used), { views: [{ state: 'frozen', xSplit: 3, ySplit: 2 }] });
    ws.addRow([`${cycle.bodyName} – năm ${cycle.year} (${cycle.cycleId})`]);
    const header = ws.addRow([...XLSX_FIXED_HEADERS, ...cycle.steps.map((s) => s.title), XLSX_OVERDUE_HEADER]);
    header.font = { bold: true };
    for (const cluster of cycle.clusters) {
      for (const unit of cluster.units) {
        ws.addRow([cluster.name, unit.unitId, unit.unitName, ...unit.cells.map((c) => c.text), Math.max(0, ...unit.cells.map((c) => c.daysOverdue))]);
      }
    }
    ws.columns.forEach((col, i) => {
      col.width = i < 3 ? 24 : 30;
    });
    ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: header.cellCount } };
  }
  if (cycles.length === 0) wb.addWorksheet('Trống').addRow(['Chưa có đợt thi đua nào.']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
