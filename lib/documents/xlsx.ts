/**
 * The score table (bảng tổng hợp điểm) as XLSX with exceljs: one row per unit, one pair of columns
 * per criterion (self score 'Tự chấm' and final score 'Chấm lại' side by side under the criterion's
 * name), totals as real SUM formulas with cached results (so readers that do not recalculate still see
 * them), the class, a frozen header, Times New Roman, A4 landscape.
 */
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { parseWith } from './model';

export const scoreTableSchema = z
  .object({
    title: z.string().trim().min(1),
    /** An optional second title line (e.g. 'Cụm thi đua số 2 – năm 2024'). */
    subtitle: z.string().optional(),
    criteria: z
      .array(
        z.object({
          id: z.string().min(1),
          name: z.string().min(1),
          max: z.number(),
          group: z.string().optional(),
        }),
      )
      .min(1),
    units: z.array(
      z.object({
        id: z.string().min(1),
        name: z.string().min(1),
        cluster: z.string().optional(),
        self: z.record(z.string(), z.number()),
        final: z.record(z.string(), z.number()),
        /** The final total; must equal the sum of the final scores. */
        total: z.number(),
        class: z.string().optional(),
      }),
    ),
  })
  .superRefine((t, ctx) => {
    const ids = new Set<string>();
    t.criteria.forEach((c, i) => {
      if (ids.has(c.id)) ctx.addIssue({ code: 'custom', message: `duplicate criterion id ${JSON.stringify(c.id)}`, path: ['criteria', i, 'id'] });
      ids.add(c.id);
    });
    t.units.forEach((u, i) => {
      for (const key of ['self', 'final'] as const) {
        for (const id of Object.keys(u[key])) {
          if (!ids.has(id)) ctx.addIssue({ code: 'custom', message: `unknown criterion ${JSON.stringify(id)}`, path: ['units', i, key, id] });
        }
      }
      const sum = roundScore(t.criteria.reduce((acc, c) => acc + (u.final[c.id] ?? 0), 0));
      if (Math.abs(sum - u.total) > 1e-6) {
        ctx.addIssue({ code: 'custom', message: `total ${u.total} of ${u.name} is not the sum of its final scores (${sum})`, path: ['units', i, 'total'] });
      }
    });
  });
export type ScoreTableInput = z.infer<typeof scoreTableSchema>;

const FONT = 'Times New Roman';
const thin: Partial<ExcelJS.Border> = { style: 'thin', color: { argb: 'FF000000' } };
const BORDER: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };

/** Layout of the sheet, exposed so callers and tests can address cells. */
export const SCORE_TABLE_LAYOUT = {
  titleRow: 1,
  subtitleRow: 2,
  headerRows: [4, 5] as const,
  firstDataRow: 6,
  /** STT, Đơn vị, Cụm, then two columns per criterion from column 4. */
  firstCriterionColumn: 4,
} as const;

function roundScore(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function colLetter(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Builds the workbook (exposed for callers that add sheets or write it themselves). */
export function buildScoreWorkbook(input: ScoreTableInput): ExcelJS.Workbook {
  const t = parseWith(scoreTableSchema, input, 'score table');
  const L = SCORE_TABLE_LAYOUT;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'thidua';
  const ws = wb.addWorksheet('Bảng điểm', {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${L.headerRows[0]}:${L.headerRows[1]}` },
    views: [{ state: 'frozen', xSplit: 3, ySplit: L.headerRows[1], topLeftCell: `D${L.firstDataRow}`, activeCell: `D${L.firstDataRow}` }],
    properties: { defaultRowHeight: 18 },
  });

  const c0 = L.firstCriterionColumn;
  const selfCol = (i: number) => c0 + 2 * i;
  const finalCol = (i: number) => c0 + 2 * i + 1;
  const selfTotalCol = c0 + 2 * t.criteria.length;
  const finalTotalCol = selfTotalCol + 1;
  const classCol = finalTotalCol + 1;
  const lastCol = classCol;

  ws.columns = [
    { width: 6 },
    { width: 34 },
    { width: 14 },
    ...t.criteria.flatMap(() => [{ width: 10 }, { width: 10 }]),
    { width: 11 },
    { width: 11 },
    { width: 26 },
  ];

  const [h1, h2] = L.headerRows;
  ws.mergeCells(L.titleRow, 1, L.titleRow, lastCol);
  ws.getCell(L.titleRow, 1).value = t.title;
  ws.getCell(L.titleRow, 1).font = { name: FONT, size: 14, bold: true };
  ws.getCell(L.titleRow, 1).alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(L.titleRow).height = 24;
  if (t.subtitle) {
    ws.mergeCells(L.subtitleRow, 1, L.subtitleRow, lastCol);
    ws.getCell(L.subtitleRow, 1).value = t.subtitle;
    ws.getCell(L.subtitleRow, 1).font = { name: FONT, size: 13, italic: true };
    ws.getCell(L.subtitleRow, 1).alignment = { horizontal: 'center' };
  }

  const spanned = (col: number, text: string) => {
    ws.mergeCells(h1, col, h2, col);
    ws.getCell(h1, col).value = text;
  };
  spanned(1, 'STT');
  spanned(2, 'Đơn vị');
  spanned(3, 'Cụm');
  t.criteria.forEach((c, i) => {
    ws.mergeCells(h1, selfCol(i), h1, finalCol(i));
    ws.getCell(h1, selfCol(i)).value = `${c.name} (${c.max} đ)`;
    ws.getCell(h2, selfCol(i)).value = 'Tự chấm';
    ws.getCell(h2, finalCol(i)).value = 'Chấm lại';
  });
  ws.mergeCells(h1, selfTotalCol, h1, finalTotalCol);
  ws.getCell(h1, selfTotalCol).value = 'Tổng điểm';
  ws.getCell(h2, selfTotalCol).value = 'Tự chấm';
  ws.getCell(h2, finalTotalCol).value = 'Chấm lại';
  spanned(classCol, 'Xếp loại');
  for (const r of [h1, h2]) {
    ws.getRow(r).height = r === h1 ? 48 : 20;
    for (let c = 1; c <= lastCol; c++) {
      const cell = ws.getCell(r, c);
      cell.font = { name: FONT, size: 12, bold: true };
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
      cell.border = BORDER;
      cell.fill = HEADER_FILL;
    }
  }

  t.units.forEach((u, k) => {
    const r = L.firstDataRow + k;
    const row = ws.getRow(r);
    row.getCell(1).value = k + 1;
    row.getCell(2).value = u.name;
    row.getCell(3).value = u.cluster ?? '';
    t.criteria.forEach((c, i) => {
      const s = u.self[c.id];
      const f = u.final[c.id];
      row.getCell(selfCol(i)).value = s ?? null;
      row.getCell(finalCol(i)).value = f ?? null;
    });
    const selfRefs = t.criteria.map((_, i) => `${colLetter(selfCol(i))}${r}`).join(',');
    const finalRefs = t.criteria.map((_, i) => `${colLetter(finalCol(i))}${r}`).join(',');
    const selfSum = roundScore(t.criteria.reduce((acc, c) => acc + (u.self[c.id] ?? 0), 0));
    row.getCell(selfTotalCol).value = { formula: `SUM(${selfRefs})`, result: selfSum };
    row.getCell(finalTotalCol).value = { formula: `SUM(${finalRefs})`, result: roundScore(u.total) };
    row.getCell(classCol).value = u.class ?? '';
    for (let c = 1; c <= lastCol; c++) {
      const cell = row.getCell(c);
      cell.font = { name: FONT, size: 12, bold: c === finalTotalCol };
      cell.border = BORDER;
      cell.alignment = { vertical: 'middle', horizontal: c === 2 || c === classCol ? 'left' : 'center', wrapText: c === 2 || c === classCol };
    }
  });
  return wb;
}

/** Renders the score table to an .xlsx file. */
export async function renderScoreTableXlsx(input: ScoreTableInput): Promise<Buffer> {
  const data = await buildScoreWorkbook(input).xlsx.writeBuffer();
  return Buffer.from(data as ArrayBuffer);
}
