import {
  ballotDocument,
  clusterReportDocument,
  invitationDocument,
  minutesDocument,
  planDocument,
  proposalDocument,
} from '../../lib/documents/builders';
import { renderDocx } from '../../lib/documents/docx';
import type { OfficialDocument } from '../../lib/documents/model';
import { BALLOT, CLUSTER_REPORT, INVITATION, MINUTES, PLAN, PROPOSAL, docxParagraphs, expectInOrder, unzipDocx } from './fixtures';

const HEAD = ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc'];

async function render(doc: OfficialDocument) {
  const buf = await renderDocx(doc);
  expect(buf.subarray(0, 2).toString('latin1')).toBe('PK');
  const { document, styles } = await unzipDocx(buf);
  return { document, styles, paragraphs: docxParagraphs(document) };
}

describe('renderDocx: the plan (Kế hoạch số 109)', () => {
  let out: Awaited<ReturnType<typeof render>>;
  beforeAll(async () => {
    out = await render(planDocument(PLAN));
  });

  test('the ND30 parts come in order', () => {
    const idx = expectInOrder(out.paragraphs, [
      'ỦY BAN MTTQ VIỆT NAM',
      'HUYỆN ĐỊNH QUÁN',
      'BAN THƯỜNG TRỰC',
      'Số: 109/KH-MTTQ-BTT',
      ...HEAD,
      'Định Quán, ngày 25 tháng 01 năm 2024',
      'KẾ HOẠCH',
      'Thực hiện công tác thi đua, khen thưởng',
      'trong hệ thống Mặt trận huyện năm 2024',
      'Căn cứ Kế hoạch số 09/KH-UBND',
      'I. MỤC ĐÍCH, YÊU CẦU',
      'II. NỘI DUNG, THỜI GIAN THỰC HIỆN',
      'từ ngày 01/02/2024 đến ngày 15/03/2024',
      'trước ngày 10/11/2024',
      'III. CỤM THI ĐUA',
      'Cụm thi đua số 1 (05 đơn vị)',
      'IV. TỔ CHỨC THỰC HIỆN',
      'Trên đây là kế hoạch thực hiện công tác thi đua, khen thưởng trong hệ thống Mặt trận huyện năm 2024',
      'Nơi nhận:',
      '- Ban TC-TG UBMTTQVN tỉnh;',
      '- Lưu: VT.',
      'TM. BAN THƯỜNG TRỰC',
      'PHÓ CHỦ TỊCH',
      'Dương Thị Kim Phú',
    ]);
    // The type is its own paragraph, exactly.
    expect(out.paragraphs[idx[7]]).toBe('KẾ HOẠCH');
    expect(out.paragraphs[idx[3]]).toBe('Số: 109/KH-MTTQ-BTT');
  });

  test('the header and the footer are borderless 2-column tables; body tables have borders', () => {
    const tables = [...out.document.matchAll(/<w:tbl>[\s\S]*?<\/w:tbl>/g)].map((m) => m[0]);
    // header, stages, cluster members, footer
    expect(tables).toHaveLength(4);
    for (const t of [tables[0], tables[3]]) {
      expect(t.match(/<w:gridCol /g)).toHaveLength(2);
      expect(t).toMatch(/<w:tblBorders><w:top w:val="none"/);
    }
    expect(tables[1]).toMatch(/<w:tblBorders><w:top w:val="single"/);
    expect(tables[1]).toContain('<w:tblHeader/>');
  });

  test('A4 page, ND30 margins, Times New Roman', () => {
    expect(out.document).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
    const mar = /<w:pgMar w:top="(\d+)" w:right="(\d+)" w:bottom="(\d+)" w:left="(\d+)"/.exec(out.document)!;
    const mm = (tw: string) => Number(tw) / 56.6929;
    const [top, right, bottom, left] = mar.slice(1).map(mm);
    expect(top).toBeGreaterThanOrEqual(19.9);
    expect(top).toBeLessThanOrEqual(25);
    expect(bottom).toBeGreaterThanOrEqual(19.9);
    expect(bottom).toBeLessThanOrEqual(25);
    expect(left).toBeGreaterThanOrEqual(29.9);
    expect(left).toBeLessThanOrEqual(35);
    expect(right).toBeGreaterThanOrEqual(14.9);
    expect(right).toBeLessThanOrEqual(20);
    // Every run names the font, and the default style does too.
    const runs = out.document.match(/<w:r>[\s\S]*?<\/w:r>/g)!;
    const fonts = new Set(runs.map((r) => /<w:rFonts w:ascii="([^"]+)"/.exec(r)?.[1]));
    expect([...fonts]).toEqual(['Times New Roman']);
    expect(out.styles).toMatch(/<w:rFonts w:ascii="Times New Roman"/);
    // Line spacing always says its rule (LibreOffice reads a bare w:line as exact, clipping diacritics).
    const spacings = out.document.match(/<w:spacing [^>]*w:line="[^>]*>/g)!;
    expect(spacings.length).toBeGreaterThan(10);
    for (const sp of spacings) expect(sp).toMatch(/w:lineRule="(auto|exact)"/);
    expect(out.document).toContain('<w:spacing w:after="0" w:before="120" w:line="276" w:lineRule="auto"/>');
    // Body text 14 pt (28 half-points); 'Nơi nhận:' 12 pt.
    expect(out.styles).toMatch(/<w:sz w:val="28"\/>/);
    const recipientsRun = runs.find((r) => r.includes('>Nơi nhận:<'))!;
    expect(recipientsRun).toMatch(/<w:b\/>/);
    expect(recipientsRun).toMatch(/<w:i\/>/);
    expect(recipientsRun).toMatch(/<w:sz w:val="24"\/>/);
  });

  test('emphasis: body bold, motto bold and underlined, date line italic, body paragraphs justified', () => {
    const runs = out.document.match(/<w:r>[\s\S]*?<\/w:r>/g)!;
    const runOf = (text: string) => runs.find((r) => r.includes(`>${text}<`))!;
    expect(runOf('BAN THƯỜNG TRỰC')).toContain('<w:b/>');
    expect(runOf('HUYỆN ĐỊNH QUÁN')).not.toContain('<w:b/>');
    expect(runOf('Độc lập - Tự do - Hạnh phúc')).toMatch(/<w:b\/>[\s\S]*<w:u w:val="single"\/>/);
    expect(runOf('Định Quán, ngày 25 tháng 01 năm 2024')).toContain('<w:i/>');
    expect(runOf('Dương Thị Kim Phú')).toContain('<w:b/>');
    const para = out.document.match(/<w:p>(?:(?!<\/w:p>)[\s\S])*xây dựng kế hoạch thực hiện[\s\S]*?<\/w:p>/)![0];
    expect(para).toContain('<w:jc w:val="both"/>');
    // First-line indent 10 mm (566 twips).
    expect(Number(/<w:ind w:firstLine="(\d+)"\/>/.exec(para)![1])).toBeCloseTo(567, -1);
  });
});

describe('renderDocx: the other documents of the cycle', () => {
  test('invitation (Giấy mời)', async () => {
    const { paragraphs } = await render(invitationDocument(INVITATION));
    expectInOrder(paragraphs, [
      'Số: 15/GM-MTTQ-BTT',
      ...HEAD,
      'Định Quán, ngày 25 tháng 11 năm 2024',
      'GIẤY MỜI',
      'Hội nghị tổng kết phong trào thi đua Cụm thi đua số 1 năm 2024',
      'Trân trọng kính mời: Ban Thường trực Ủy ban MTTQ Việt Nam các xã, thị trấn trong Cụm thi đua số 1',
      'Thời gian: 08 giờ 00 đến 11 giờ 30, thứ Năm, ngày 05/12/2024',
      'Địa điểm: Hội trường Ủy ban MTTQ Việt Nam xã Phú Lợi',
      '- Bỏ phiếu suy tôn',
      'Nơi nhận:',
      '- Như thành phần mời;',
      '- Lưu: VT.',
      'Dương Thị Kim Phú',
    ]);
  });

  test('ballot (Phiếu suy tôn): no number, no signature, a table to mark per award', async () => {
    const { paragraphs, document } = await render(ballotDocument(BALLOT));
    expect(paragraphs.some((p) => p.startsWith('Số:'))).toBe(false);
    expect(paragraphs).not.toContain('Nơi nhận:');
    expectInOrder(paragraphs, [
      'CỤM THI ĐUA SỐ 1',
      ...HEAD,
      'Định Quán, ngày 05 tháng 12 năm 2024',
      'PHIẾU SUY TÔN',
      'Đề nghị khen thưởng năm 2024',
      '1. Suy tôn đề nghị tặng Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh',
      'tối đa 01 đơn vị',
      'Đồng ý (X)',
      'Thị trấn Định Quán',
      'Xã Gia Canh',
      '2. Suy tôn đề nghị tặng Bằng khen của Ủy ban MTTQ Việt Nam tỉnh',
      'tối đa 02 đơn vị',
      'Xã Gia Canh',
    ]);
    // header table + 2 ballot tables, no footer table
    expect(document.match(/<w:tbl>/g)).toHaveLength(3);
  });

  test('minutes (Biên bản): secretary left, chair right, votes table', async () => {
    const { paragraphs } = await render(minutesDocument(MINUTES));
    expectInOrder(paragraphs, [
      'Số: 03/BB-CTĐ1',
      'BIÊN BẢN',
      'Vào lúc 08 giờ 00, thứ Năm, ngày 05/12/2024',
      'Có mặt: 04/05 thành viên; vắng: 01.',
      'Trần Thị Bích',
      'Võ Thị Em (đi công tác)',
      'III. KẾT QUẢ BỎ PHIẾU SUY TÔN',
      'Số phiếu phát ra: 04 phiếu.',
      'Số phiếu hợp lệ: 04 phiếu; số phiếu không hợp lệ: 00 phiếu.',
      'Xã Phú Lợi',
      '75%',
      'Đề nghị',
      'Kết quả: đề nghị tặng Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh cho Xã Phú Lợi (đạt trên 50% tổng số phiếu hợp lệ).',
      'Hội nghị kết thúc vào lúc 11 giờ 30 cùng ngày.',
      'THƯ KÝ',
      'Lê Thị Hoa',
      'CHỦ TRÌ',
      'Dương Thị Kim Phú',
    ]);
  });

  test('cluster report (Báo cáo): ranked table with classes', async () => {
    const { paragraphs } = await render(clusterReportDocument(CLUSTER_REPORT));
    expectInOrder(paragraphs, [
      'Số: 12/BC-CTĐ1',
      'Định Quán, ngày 06 tháng 12 năm 2024',
      'BÁO CÁO',
      'Tổng hợp kết quả chấm điểm, xếp loại thi đua năm 2024',
      'Điểm thẩm định',
      'Xã Phú Lợi',
      '96',
      'Xã La Ngà',
      '92,25',
      'Xã Phú Vinh',
      '85,5',
      'Hoàn thành xuất sắc nhiệm vụ: 02 đơn vị.',
      'Hoàn thành tốt nhiệm vụ: 01 đơn vị.',
      'Nơi nhận:',
      'Dương Thị Kim Phú',
    ]);
  });

  test('proposal (Tờ trình)', async () => {
    const { paragraphs } = await render(proposalDocument(PROPOSAL));
    expectInOrder(paragraphs, [
      'Số: 45/TTr-MTTQ-BTT',
      'Định Quán, ngày 15 tháng 12 năm 2024',
      'TỜ TRÌNH',
      'Về việc đề nghị khen thưởng thành tích năm 2024',
      'Kính gửi: Hội đồng Thi đua - Khen thưởng Ủy ban MTTQ Việt Nam tỉnh.',
      '1. Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh: 01 tập thể',
      'Ban Thường trực Ủy ban MTTQ Việt Nam xã Phú Lợi',
      '2. Bằng khen của Ủy ban MTTQ Việt Nam tỉnh: 01 tập thể, 01 cá nhân',
      'Chủ tịch Ủy ban MTTQ Việt Nam, xã Phú Lợi',
      'Tổng cộng: 02 tập thể và 01 cá nhân.',
      'Kính trình Hội đồng Thi đua - Khen thưởng Ủy ban MTTQ Việt Nam tỉnh xem xét, quyết định./.',
      '- Như trên;',
      '- Lưu: VT.',
      'TM. BAN THƯỜNG TRỰC',
    ]);
  });

  test('a draft without a number, a KT. signature, escaping of XML characters', async () => {
    const doc = planDocument({
      ...PLAN,
      letterhead: { ...PLAN.letterhead, number: undefined, signature: { onBehalf: 'KT.', onBehalfOf: 'CHỦ TỊCH', title: 'PHÓ CHỦ TỊCH', name: 'Nguyễn Thị Lan' } },
      subject: 'Thi đua "Vì người nghèo" & <an sinh xã hội>',
    });
    const { paragraphs, document } = await render(doc);
    expectInOrder(paragraphs, ['Số:   /KH-MTTQ-BTT', 'KẾ HOẠCH', 'Thi đua "Vì người nghèo" & <an sinh xã hội>', 'KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH', 'Nguyễn Thị Lan']);
    expect(document).toContain('xml:space="preserve">Số:   /KH-MTTQ-BTT<');
  });

  test('an invalid document is refused before rendering', async () => {
    await expect(renderDocx({ ...planDocument(PLAN), date: '2024-13-01' })).rejects.toThrow(/YYYY-MM-DD/);
  });
});
