import {
  ballotDocument,
  clusterReportDocument,
  count2,
  invitationDocument,
  minutesDocument,
  percentVi,
  planDocument,
  proposalDocument,
  shortDate,
  stageWhen,
  timeVi,
  weekdayVi,
} from '../../lib/documents/builders';
import { parseOfficialDocument, type Block } from '../../lib/documents/model';
import { BALLOT, CLUSTER_REPORT, INVITATION, MINUTES, PLAN, PROPOSAL } from './fixtures';

const tables = (body: Block[]) => body.filter((b): b is Extract<Block, { kind: 'table' }> => b.kind === 'table');

describe('formatting helpers', () => {
  test('dates, weekdays, times, counts, percentages', () => {
    expect(shortDate('2024-01-05')).toBe('05/01/2024');
    expect(weekdayVi('2024-12-05')).toBe('thứ Năm');
    expect(weekdayVi('2024-12-08')).toBe('Chủ nhật');
    expect(timeVi('07:30')).toBe('07 giờ 30');
    expect(count2(5)).toBe('05');
    expect(count2(12)).toBe('12');
    expect(percentVi(2, 3)).toBe('66,67%');
    expect(percentVi(0, 0)).toBe('0%');
    expect(stageWhen({ from: '2024-02-01', to: '2024-03-15' })).toBe('từ ngày 01/02/2024 đến ngày 15/03/2024');
    expect(stageWhen({ deadline: '2024-11-10' })).toBe('trước ngày 10/11/2024');
  });
});

describe('builders make valid documents', () => {
  test.each([
    ['plan', () => planDocument(PLAN), 'KẾ HOẠCH', 'KH-MTTQ-BTT'],
    ['invitation', () => invitationDocument(INVITATION), 'GIẤY MỜI', 'GM-MTTQ-BTT'],
    ['ballot', () => ballotDocument(BALLOT), 'PHIẾU SUY TÔN', ''],
    ['minutes', () => minutesDocument(MINUTES), 'BIÊN BẢN', 'BB-CTĐ1'],
    ['cluster report', () => clusterReportDocument(CLUSTER_REPORT), 'BÁO CÁO', 'BC-CTĐ1'],
    ['proposal', () => proposalDocument(PROPOSAL), 'TỜ TRÌNH', 'TTr-MTTQ-BTT'],
  ])('%s', (_name, build, type, symbol) => {
    const doc = build();
    expect(parseOfficialDocument(doc)).toEqual(doc);
    expect(doc.type).toBe(type);
    expect(doc.symbol).toBe(symbol);
    if (doc.recipients.length) expect(doc.recipients[doc.recipients.length - 1]).toMatch(/^- Lưu: VT/);
  });
});

describe('planDocument', () => {
  const doc = planDocument(PLAN);
  test('stage table and cluster table with roles', () => {
    const [stages, members] = tables(doc.body);
    expect(stages.rows).toEqual([
      [1, 'Đăng ký nội dung thi đua, ký kết giao ước thi đua', 'từ ngày 01/02/2024 đến ngày 15/03/2024', 'Các cụm thi đua'],
      [2, 'Sơ kết 6 tháng', 'trước ngày 15/06/2024', 'Các đơn vị'],
      [3, 'Gửi báo cáo tổng kết, tự chấm điểm', 'trước ngày 10/11/2024', 'Các đơn vị'],
      [4, 'Hội nghị tổng kết cụm', 'ngày 05/12/2024', 'Cụm trưởng'],
    ]);
    expect(members.rows.map((r) => r[2])).toEqual(['', 'Cụm trưởng', '', 'Cụm phó', '']);
    expect(doc.subject).toBe('Thực hiện công tác thi đua, khen thưởng\ntrong hệ thống Mặt trận huyện năm 2024');
  });
  test('roman sections are numbered in sequence, skipping absent parts', () => {
    const d = planDocument({ ...PLAN, purposes: [], requirements: [], clusters: [] });
    const h1 = d.body.filter((b) => b.kind === 'heading' && b.level === 1).map((b) => (b as { text: string }).text);
    expect(h1).toEqual(['I. NỘI DUNG, THỜI GIAN THỰC HIỆN', 'II. TỔ CHỨC THỰC HIỆN']);
  });
});

describe('minutesDocument', () => {
  test('votes sorted, percentages of valid ballots, result marked', () => {
    const doc = minutesDocument(MINUTES);
    const votes = tables(doc.body)[1];
    expect(votes.rows).toEqual([
      [1, 'Xã Phú Lợi', 3, '75%', 'Đề nghị'],
      [2, 'Xã La Ngà', 1, '25%', ''],
      [3, 'Thị trấn Định Quán', 0, '0%', ''],
    ]);
    expect(doc.leftSignature).toEqual({ title: 'THƯ KÝ', name: 'Lê Thị Hoa' });
    expect(doc.signature).toEqual({ title: 'CHỦ TRÌ', name: 'Dương Thị Kim Phú' });
  });
  test('ballot counts must add up', () => {
    const award = MINUTES.awards[0];
    const withBallots = (ballots: typeof award.ballots) => ({ ...MINUTES, awards: [{ ...award, ballots }] });
    expect(() => minutesDocument(withBallots({ issued: 4, returned: 4, valid: 3, invalid: 0 }))).toThrow(/valid 3 \+ invalid 0 ≠ returned 4/);
    expect(() => minutesDocument(withBallots({ issued: 3, returned: 4, valid: 4, invalid: 0 }))).toThrow(/4 ballots returned but only 3 issued/);
    expect(() => minutesDocument({ ...MINUTES, awards: [{ ...award, elected: ['Xã Gia Canh'] }] })).toThrow(/not on the ballot/);
    expect(() => minutesDocument({ ...MINUTES, awards: [{ ...award, votes: [{ unit: 'Xã Phú Lợi', votes: 5 }] }] })).toThrow(/5 votes of 4 valid/);
  });
  test('no unit elected', () => {
    const doc = minutesDocument({ ...MINUTES, awards: [{ ...MINUTES.awards[0], elected: [] }] });
    const texts = doc.body.filter((b) => b.kind === 'paragraph').map((b) => String((b as { text: unknown }).text));
    expect(texts).toContain('Kết quả: không có đơn vị nào đủ điều kiện đề nghị tặng Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh (yêu cầu trên 50% tổng số phiếu hợp lệ).');
  });
});

describe('ballot, report, proposal', () => {
  test('ballot quota and eligibility are checked', () => {
    expect(() => ballotDocument({ ...BALLOT, awards: [{ ...BALLOT.awards[0], quota: 0 }] })).toThrow(/positive integer/);
    expect(() => ballotDocument({ ...BALLOT, awards: [{ ...BALLOT.awards[0], units: [] }] })).toThrow(/No eligible units/);
    const t = tables(ballotDocument(BALLOT).body);
    expect(t).toHaveLength(2);
    expect(t[0].rows[0]).toEqual([1, 'Thị trấn Định Quán', '']);
  });
  test('cluster report ranks by score and counts classes', () => {
    const doc = clusterReportDocument(CLUSTER_REPORT);
    expect(tables(doc.body)[0].rows).toEqual([
      [1, 'Xã Phú Lợi', 97, 96, 'Hoàn thành xuất sắc nhiệm vụ'],
      [2, 'Xã La Ngà', 94, 92.25, 'Hoàn thành xuất sắc nhiệm vụ'],
      [3, 'Xã Phú Vinh', 90, 85.5, 'Hoàn thành tốt nhiệm vụ'],
    ]);
    expect(() => clusterReportDocument({ ...CLUSTER_REPORT, maxScore: 90 })).toThrow(/outside 0–90/);
  });
  test('proposal tables and totals', () => {
    const doc = proposalDocument(PROPOSAL);
    const t = tables(doc.body);
    expect(t.map((x) => x.header[1])).toEqual(['Tập thể', 'Tập thể', 'Họ và tên']);
    expect(t[2].rows).toEqual([[1, 'Trần Thị Bích', 'Chủ tịch Ủy ban MTTQ Việt Nam, xã Phú Lợi', '']]);
    expect(() => proposalDocument({ ...PROPOSAL, proposals: [{ award: 'Giấy khen' }] })).toThrow(/has nobody/);
  });
});
