import ExcelJS from 'exceljs';
import { SCORE_TABLE_LAYOUT, renderScoreTableXlsx, type ScoreTableInput } from '../../lib/documents/xlsx';

const INPUT: ScoreTableInput = {
  title: 'BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM 2024',
  subtitle: 'Cụm thi đua số 1 - huyện Định Quán',
  criteria: [
    { id: 'c1', name: 'Công tác tuyên truyền', max: 20, group: 'I' },
    { id: 'c2', name: 'Cuộc vận động "Vì người nghèo"', max: 30, group: 'I' },
    { id: 'c3', name: 'Giám sát, phản biện xã hội', max: 50, group: 'II' },
  ],
  units: [
    { id: 'phu-loi', name: 'Xã Phú Lợi', cluster: 'Cụm 1', self: { c1: 19.5, c2: 29, c3: 48.5 }, final: { c1: 19, c2: 28.5, c3: 48.5 }, total: 96, class: 'Hoàn thành xuất sắc nhiệm vụ' },
    { id: 'la-nga', name: 'Xã La Ngà', cluster: 'Cụm 1', self: { c1: 18, c2: 27, c3: 49 }, final: { c1: 17.25, c2: 27, c3: 48 }, total: 92.25, class: 'Hoàn thành xuất sắc nhiệm vụ' },
    { id: 'phu-vinh', name: 'Xã Phú Vinh', cluster: 'Cụm 1', self: { c1: 17, c2: 25 }, final: { c1: 16, c2: 24 }, total: 40, class: 'Không hoàn thành nhiệm vụ' },
  ],
};

async function readBack(buf: Buffer): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  expect(wb.worksheets).toHaveLength(1);
  return wb.worksheets[0];
}

describe('renderScoreTableXlsx', () => {
  let ws: ExcelJS.Worksheet;
  const [h1, h2] = SCORE_TABLE_LAYOUT.headerRows;
  const r0 = SCORE_TABLE_LAYOUT.firstDataRow;

  beforeAll(async () => {
    const buf = await renderScoreTableXlsx(INPUT);
    expect(buf.subarray(0, 2).toString('latin1')).toBe('PK');
    ws = await readBack(buf);
  });

  test('title and two header rows: criterion name merged over Tự chấm / Chấm lại', () => {
    expect(ws.getCell('A1').value).toBe('BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM 2024');
    expect(ws.getCell('A2').value).toBe('Cụm thi đua số 1 - huyện Định Quán');
    const row1 = (c: string) => ws.getCell(`${c}${h1}`).value;
    const row2 = (c: string) => ws.getCell(`${c}${h2}`).value;
    expect([row1('A'), row1('B'), row1('C')]).toEqual(['STT', 'Đơn vị', 'Cụm']);
    expect([row1('D'), row1('F'), row1('H'), row1('J'), row1('L')]).toEqual([
      'Công tác tuyên truyền (20 đ)',
      'Cuộc vận động "Vì người nghèo" (30 đ)',
      'Giám sát, phản biện xã hội (50 đ)',
      'Tổng điểm',
      'Xếp loại',
    ]);
    expect(['D', 'E', 'F', 'G', 'H', 'I', 'J', 'K'].map(row2)).toEqual(['Tự chấm', 'Chấm lại', 'Tự chấm', 'Chấm lại', 'Tự chấm', 'Chấm lại', 'Tự chấm', 'Chấm lại']);
    // Merged: the criterion spans its two columns; STT spans both header rows.
    expect(ws.getCell(`E${h1}`).isMerged).toBe(true);
    expect(ws.getCell(`E${h1}`).master.address).toBe(`D${h1}`);
    expect(ws.getCell(`A${h2}`).master.address).toBe(`A${h1}`);
    expect(ws.getCell(`D${h2}`).isMerged).toBe(false);
  });

  test('one row per unit with self and final side by side', () => {
    const row = (r: number) => ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'L'].map((c) => ws.getCell(`${c}${r}`).value);
    expect(row(r0)).toEqual([1, 'Xã Phú Lợi', 'Cụm 1', 19.5, 19, 29, 28.5, 48.5, 48.5, 'Hoàn thành xuất sắc nhiệm vụ']);
    expect(row(r0 + 1)).toEqual([2, 'Xã La Ngà', 'Cụm 1', 18, 17.25, 27, 27, 49, 48, 'Hoàn thành xuất sắc nhiệm vụ']);
    // A criterion not scored stays empty.
    expect(ws.getCell(`H${r0 + 2}`).value).toBeNull();
    expect(ws.getCell(`A${r0 + 3}`).value).toBeNull();
  });

  test('totals are SUM formulas with cached results', () => {
    expect(ws.getCell(`J${r0}`).value).toEqual({ formula: `SUM(D${r0},F${r0},H${r0})`, result: 97 });
    expect(ws.getCell(`K${r0}`).value).toEqual({ formula: `SUM(E${r0},G${r0},I${r0})`, result: 96 });
    expect(ws.getCell(`K${r0 + 1}`).value).toEqual({ formula: `SUM(E${r0 + 1},G${r0 + 1},I${r0 + 1})`, result: 92.25 });
    expect(ws.getCell(`K${r0 + 2}`).value).toEqual({ formula: `SUM(E${r0 + 2},G${r0 + 2},I${r0 + 2})`, result: 40 });
    expect(ws.getCell(`K${r0}`).type).toBe(ExcelJS.ValueType.Formula);
  });

  test('frozen header and first columns, Times New Roman everywhere, landscape A4', () => {
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 3, ySplit: h2 });
    const fonts = new Set<string | undefined>();
    ws.eachRow((row) => row.eachCell((cell) => fonts.add(cell.font?.name)));
    expect([...fonts]).toEqual(['Times New Roman']);
    expect(ws.getCell(`D${h1}`).font.bold).toBe(true);
    expect(ws.pageSetup.orientation).toBe('landscape');
    expect(ws.pageSetup.paperSize).toBe(9);
  });

  test('refuses a total that is not the sum of the final scores, and unknown criteria', async () => {
    const bad = { ...INPUT, units: [{ ...INPUT.units[0], total: 95 }] };
    await expect(renderScoreTableXlsx(bad)).rejects.toThrow(/total 95 of Xã Phú Lợi is not the sum of its final scores \(96\)/);
    const unknown = { ...INPUT, units: [{ ...INPUT.units[0], self: { c9: 1 } }] };
    await expect(renderScoreTableXlsx(unknown)).rejects.toThrow(/unknown criterion "c9"/);
  });
});
