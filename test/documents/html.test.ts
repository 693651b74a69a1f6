import { ballotDocument, minutesDocument, planDocument } from '../../lib/documents/builders';
import { renderHtml } from '../../lib/documents/html';
import { BALLOT, MINUTES, PLAN } from './fixtures';

/** Visible text of each <p>, <th>, <td> in document order (tags stripped, entities decoded). */
function textBlocks(html: string): string[] {
  const body = html.slice(html.indexOf('<body>'));
  return [...body.matchAll(/<(p|th|td)\b[^>]*>([\s\S]*?)<\/\1>/g)]
    .map((m) => m[2].replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').trim())
    .filter((t) => t.length > 0);
}

function expectInOrder(text: string, needles: string[]): void {
  let from = 0;
  for (const n of needles) {
    const i = text.indexOf(n, from);
    if (i < 0) throw new Error(`${JSON.stringify(n)} not found after offset ${from}`);
    from = i + n.length;
  }
}

describe('renderHtml', () => {
  const html = renderHtml(planDocument(PLAN));
  const text = textBlocks(html).join('\n');

  test('a complete page with A4 print CSS in Times New Roman', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('@page { size: A4 portrait; margin: 20mm 15mm 20mm 30mm; }');
    expect(html).toMatch(/font-family: "Times New Roman"/);
    expect(html).toMatch(/font-size: 14pt/);
    expect(html).toContain('<title>KẾ HOẠCH Thực hiện công tác thi đua, khen thưởng trong hệ thống Mặt trận huyện năm 2024</title>');
  });

  test('the ND30 parts come in order', () => {
    expectInOrder(text, [
      'ỦY BAN MTTQ VIỆT NAM',
      'HUYỆN ĐỊNH QUÁN',
      'BAN THƯỜNG TRỰC',
      'Số: 109/KH-MTTQ-BTT',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'Định Quán, ngày 25 tháng 01 năm 2024',
      'KẾ HOẠCH',
      'Thực hiện công tác thi đua, khen thưởng',
      'I. MỤC ĐÍCH, YÊU CẦU',
      'STT\nNội dung\nThời gian\nĐơn vị thực hiện',
      '3\nGửi báo cáo tổng kết, tự chấm điểm\ntrước ngày 10/11/2024\nCác đơn vị',
      'Nơi nhận:',
      '- Lưu: VT.',
      'TM. BAN THƯỜNG TRỰC',
      'PHÓ CHỦ TỊCH',
      'Dương Thị Kim Phú',
    ]);
  });

  test('emphasis classes: bold body, underlined motto, italic date, justified indented paragraphs', () => {
    expect(html).toContain('<p class="b">BAN THƯỜNG TRỰC</p>');
    expect(html).toContain('<p class="motto u">Độc lập - Tự do - Hạnh phúc</p>');
    expect(html).toContain('<p class="date">Định Quán, ngày 25 tháng 01 năm 2024</p>');
    expect(html).toMatch(/<p class="align-justify indent"><span class="">Ban Thường trực Ủy ban MTTQ Việt Nam huyện xây dựng/);
    expect(html).toContain('<p class="h1">I. MỤC ĐÍCH, YÊU CẦU</p>');
  });

  test('escapes text', () => {
    const doc = planDocument({ ...PLAN, subject: 'Thi đua <script>alert(1)</script> & "Vì người nghèo"' });
    const out = renderHtml(doc);
    expect(out).not.toContain('<script>');
    expect(out).toContain('Thi đua &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Vì người nghèo&quot;');
  });

  test('a ballot has no number line and no footer; minutes have two signatures', () => {
    const ballot = renderHtml(ballotDocument(BALLOT));
    expect(ballot).not.toContain('class="number"');
    expect(ballot).not.toContain('Nơi nhận:');
    expect(ballot).toContain('<th>Đồng ý (X)</th>');
    const minutes = textBlocks(renderHtml(minutesDocument(MINUTES))).join('\n');
    expectInOrder(minutes, ['BIÊN BẢN', 'Số phiếu phát ra: 04 phiếu.', 'Xã Phú Lợi\n3\n75%\nĐề nghị', 'THƯ KÝ', 'Lê Thị Hoa', 'CHỦ TRÌ', 'Dương Thị Kim Phú']);
  });

  test('13 pt option', () => {
    expect(renderHtml(planDocument(PLAN), { fontSize: 13 })).toMatch(/font-size: 13pt; line-height/);
  });
});
