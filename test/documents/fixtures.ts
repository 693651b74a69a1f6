/** Small realistic examples (a district's cluster in Đồng Nai) shared by the document tests. */
import JSZip from 'jszip';
import type { BallotInput, ClusterReportInput, InvitationInput, Letterhead, MinutesInput, PlanInput, ProposalInput } from '../../lib/documents/builders';

export const BTT_HUYEN: Letterhead = {
  issuer: { parent: 'ỦY BAN MTTQ VIỆT NAM\nHUYỆN ĐỊNH QUÁN', body: 'BAN THƯỜNG TRỰC' },
  number: '109',
  symbol: 'KH-MTTQ-BTT',
  place: 'Định Quán',
  date: '2024-01-25',
  signature: { onBehalf: 'TM.', onBehalfOf: 'BAN THƯỜNG TRỰC', title: 'PHÓ CHỦ TỊCH', name: 'Dương Thị Kim Phú' },
  recipients: ['Ban TC-TG UBMTTQVN tỉnh', 'Hội đồng Thi đua - Khen thưởng huyện (PVN)', 'BTT UBMTTQVN các xã, TT', 'Lưu: VT.'],
};

export const CLUSTER_UNITS = ['Thị trấn Định Quán', 'Xã Phú Lợi', 'Xã Phú Vinh', 'Xã La Ngà', 'Xã Gia Canh'];

/** Text of each paragraph of word/document.xml, in order (runs joined, entities decoded). */
export function docxParagraphs(xml: string): string[] {
  const decode = (s: string) =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const out: string[] = [];
  for (const m of xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)) {
    const text = [...m[0].matchAll(/<w:t(?:\s[^>]*)?>([\s\S]*?)<\/w:t>/g)].map((t) => decode(t[1])).join('');
    out.push(text);
  }
  return out;
}

export async function unzipDocx(buf: Buffer): Promise<{ document: string; styles: string; zip: JSZip }> {
  const zip = await JSZip.loadAsync(buf);
  const document = await zip.file('word/document.xml')!.async('string');
  const styles = await zip.file('word/styles.xml')!.async('string');
  return { document, styles, zip };
}

/** Asserts that each needle occurs in `lines` (each within one paragraph), in this order; returns their indexes. */
export function expectInOrder(lines: string[], needles: string[]): number[] {
  const found: number[] = [];
  let from = 0;
  for (const n of needles) {
    const i = lines.findIndex((l, k) => k >= from && l.includes(n));
    if (i < 0) throw new Error(`${JSON.stringify(n)} not found at or after paragraph ${from}:\n${lines.slice(from).join('\n')}`);
    found.push(i);
    from = i + 1;
  }
  return found;
}

const CUM_LH = { ...BTT_HUYEN, issuer: { parent: 'ỦY BAN MTTQ VIỆT NAM HUYỆN ĐỊNH QUÁN', body: 'CỤM THI ĐUA SỐ 1' } };

export const PLAN: PlanInput = {
  letterhead: BTT_HUYEN,
  year: 2024,
  issuerName: 'Ban Thường trực Ủy ban MTTQ Việt Nam huyện',
  scope: 'trong hệ thống Mặt trận huyện',
  bases: ['Căn cứ Kế hoạch số 09/KH-UBND, ngày 12/01/2024 của Ủy ban nhân dân huyện về công tác thi đua, khen thưởng năm 2024;'],
  purposes: ['Phát huy sức mạnh đại đoàn kết toàn dân tộc, đẩy mạnh phong trào thi đua yêu nước.'],
  requirements: ['Công tác thi đua, khen thưởng bảo đảm chính xác, kịp thời, công khai, minh bạch.'],
  stages: [
    { name: 'Đăng ký nội dung thi đua, ký kết giao ước thi đua', from: '2024-02-01', to: '2024-03-15', owner: 'Các cụm thi đua', tasks: ['Gửi bản đăng ký về Hội đồng Thi đua - Khen thưởng huyện.'] },
    { name: 'Sơ kết 6 tháng', deadline: '2024-06-15', owner: 'Các đơn vị' },
    { name: 'Gửi báo cáo tổng kết, tự chấm điểm', deadline: '2024-11-10', owner: 'Các đơn vị' },
    { name: 'Hội nghị tổng kết cụm', from: '2024-12-05', owner: 'Cụm trưởng' },
  ],
  clusters: [{ name: 'Cụm thi đua số 1', members: CLUSTER_UNITS, head: 'Xã Phú Lợi', deputy: 'Xã La Ngà', overseer: 'đồng chí Dương Thị Kim Phú, Phó Chủ tịch' }],
  implementation: ['Văn phòng Ủy ban MTTQ Việt Nam huyện tham mưu Ban Thường trực triển khai thực hiện kế hoạch.'],
};

export const INVITATION: InvitationInput = {
  letterhead: { ...BTT_HUYEN, number: '15', symbol: 'GM-MTTQ-BTT', date: '2024-11-25', recipients: ['Như thành phần mời'] },
  invitee: 'Ban Thường trực Ủy ban MTTQ Việt Nam các xã, thị trấn trong Cụm thi đua số 1',
  meeting: {
    title: 'Hội nghị tổng kết phong trào thi đua Cụm thi đua số 1 năm 2024',
    chair: 'đồng chí Dương Thị Kim Phú, Phó Chủ tịch Ủy ban MTTQ Việt Nam huyện',
    date: '2024-12-05',
    start: '08:00',
    end: '11:30',
    place: 'Hội trường Ủy ban MTTQ Việt Nam xã Phú Lợi',
    agenda: ['Thông qua báo cáo tổng kết của Cụm', 'Các đơn vị phát biểu (không quá 10 phút)', 'Bỏ phiếu suy tôn', 'Giới thiệu Cụm trưởng năm 2025'],
  },
  notes: ['Mang theo báo cáo tổng kết năm 2024 của đơn vị.'],
  contact: 'bà Lê Thị Hoa, Văn phòng, ĐT: 0251 3853 123',
};

export const BALLOT: BallotInput = {
  letterhead: { ...CUM_LH, number: undefined, symbol: '', date: '2024-12-05', signature: undefined, recipients: [] },
  cluster: 'Cụm thi đua số 1',
  year: 2024,
  awards: [
    { title: 'Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh', quota: 1, units: CLUSTER_UNITS },
    { title: 'Bằng khen của Ủy ban MTTQ Việt Nam tỉnh', quota: 2, units: CLUSTER_UNITS },
  ],
};

export const MINUTES: MinutesInput = {
  letterhead: { ...CUM_LH, number: '03', symbol: 'BB-CTĐ1', date: '2024-12-05', recipients: [] },
  meeting: { title: 'Hội nghị tổng kết phong trào thi đua Cụm thi đua số 1 năm 2024', date: '2024-12-05', start: '08:00', end: '11:30', place: 'Hội trường Ủy ban MTTQ Việt Nam xã Phú Lợi' },
  chair: { name: 'Dương Thị Kim Phú', title: 'Phó Chủ tịch Ủy ban MTTQ Việt Nam huyện' },
  secretary: { name: 'Lê Thị Hoa', title: 'chuyên viên Văn phòng' },
  attendance: {
    expected: 5,
    present: [
      { name: 'Nguyễn Văn An', title: 'Chủ tịch', unit: 'Thị trấn Định Quán' },
      { name: 'Trần Thị Bích', title: 'Chủ tịch', unit: 'Xã Phú Lợi' },
      { name: 'Phạm Minh Châu', title: 'Phó Chủ tịch', unit: 'Xã Phú Vinh' },
      { name: 'Hoàng Văn Dũng', title: 'Chủ tịch', unit: 'Xã La Ngà' },
    ],
    absent: [{ name: 'Võ Thị Em', reason: 'đi công tác' }],
  },
  proceedings: ['Cụm trưởng trình bày báo cáo tổng kết.', 'Các đơn vị phát biểu.'],
  awards: [
    {
      title: 'Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh',
      quota: 1,
      ballots: { issued: 4, returned: 4, valid: 4, invalid: 0 },
      votes: [
        { unit: 'Xã Phú Lợi', votes: 3 },
        { unit: 'Xã La Ngà', votes: 1 },
        { unit: 'Thị trấn Định Quán', votes: 0 },
      ],
      rule: 'trên 50% tổng số phiếu hợp lệ',
      elected: ['Xã Phú Lợi'],
    },
  ],
};

export const CLUSTER_REPORT: ClusterReportInput = {
  letterhead: { ...CUM_LH, number: '12', symbol: 'BC-CTĐ1', date: '2024-12-06' },
  cluster: 'Cụm thi đua số 1',
  year: 2024,
  maxScore: 100,
  units: [
    { name: 'Xã Phú Vinh', selfScore: 90, score: 85.5, class: 'Hoàn thành tốt nhiệm vụ' },
    { name: 'Xã Phú Lợi', selfScore: 97, score: 96, class: 'Hoàn thành xuất sắc nhiệm vụ' },
    { name: 'Xã La Ngà', selfScore: 94, score: 92.25, class: 'Hoàn thành xuất sắc nhiệm vụ' },
  ],
  summary: ['Năm 2024, các đơn vị trong Cụm đã tổ chức tốt phong trào thi đua yêu nước.'],
  proposals: ['Đề nghị Ban Thường trực xem xét tặng Cờ thi đua cho Xã Phú Lợi.'],
};

export const PROPOSAL: ProposalInput = {
  letterhead: { ...BTT_HUYEN, number: '45', symbol: 'TTr-MTTQ-BTT', date: '2024-12-15', recipients: ['Như trên'] },
  to: 'Hội đồng Thi đua - Khen thưởng Ủy ban MTTQ Việt Nam tỉnh',
  from: 'Ban Thường trực Ủy ban MTTQ Việt Nam huyện Định Quán',
  year: 2024,
  bases: ['Căn cứ kết quả bình xét thi đua của Cụm thi đua số 1 ngày 05/12/2024;'],
  proposals: [
    { award: 'Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh', collectives: [{ name: 'Ban Thường trực Ủy ban MTTQ Việt Nam xã Phú Lợi', achievement: 'Dẫn đầu Cụm thi đua số 1' }] },
    {
      award: 'Bằng khen của Ủy ban MTTQ Việt Nam tỉnh',
      collectives: [{ name: 'Ban Thường trực Ủy ban MTTQ Việt Nam xã La Ngà' }],
      individuals: [{ name: 'Trần Thị Bích', position: 'Chủ tịch Ủy ban MTTQ Việt Nam', unit: 'xã Phú Lợi' }],
    },
  ],
  attachments: ['Biên bản họp Cụm thi đua số 1', 'Phiếu suy tôn'],
};
