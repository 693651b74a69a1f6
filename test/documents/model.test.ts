import {
  dateLine,
  normaliseRecipients,
  numberLine,
  onBehalfLine,
  parseOfficialDocument,
  formatViNumber,
  type OfficialDocument,
} from '../../lib/documents/model';

const base: OfficialDocument = {
  issuer: { parent: 'ỦY BAN MTTQ VIỆT NAM TỈNH ĐỒNG NAI', body: 'BAN THƯỜNG TRỰC' },
  number: '109',
  symbol: 'KH-MTTQ-BTT',
  place: 'Định Quán',
  date: '2024-01-25',
  type: 'KẾ HOẠCH',
  subject: 'Thực hiện công tác thi đua, khen thưởng năm 2024',
  body: [],
  recipients: ['- Lưu: VT.'],
  signature: { onBehalf: 'TM.', onBehalfOf: 'BAN THƯỜNG TRỰC', title: 'PHÓ CHỦ TỊCH', name: 'Dương Thị Kim Phú' },
};

describe('dateLine', () => {
  test.each([
    ['Định Quán', '2024-01-25', 'Định Quán, ngày 25 tháng 01 năm 2024'],
    ['Định Quán', '2024-01-05', 'Định Quán, ngày 05 tháng 01 năm 2024'],
    ['Biên Hòa', '2024-02-09', 'Biên Hòa, ngày 09 tháng 02 năm 2024'],
    ['Biên Hòa', '2024-02-29', 'Biên Hòa, ngày 29 tháng 02 năm 2024'],
    ['Hà Nội', '2024-03-01', 'Hà Nội, ngày 01 tháng 3 năm 2024'],
    ['Hà Nội', '2024-10-10', 'Hà Nội, ngày 10 tháng 10 năm 2024'],
    ['Hà Nội', '2024-12-31', 'Hà Nội, ngày 31 tháng 12 năm 2024'],
    ['  Long Khánh ', '2025-11-08', 'Long Khánh, ngày 08 tháng 11 năm 2025'],
  ])('%s %s → %s', (place, date, expected) => {
    expect(dateLine({ place, date })).toBe(expected);
  });

  test('rejects a date that is not YYYY-MM-DD', () => {
    expect(() => dateLine({ place: 'Định Quán', date: '25/01/2024' })).toThrow(/YYYY-MM-DD/);
  });
});

describe('numberLine', () => {
  test('number and symbol', () => {
    expect(numberLine({ number: '109', symbol: 'KH-MTTQ-BTT' })).toBe('Số: 109/KH-MTTQ-BTT');
    expect(numberLine({ number: ' 7 ', symbol: 'GM-MTTQ-BTT' })).toBe('Số: 7/GM-MTTQ-BTT');
  });
  test('a draft keeps the blank for the number', () => {
    expect(numberLine({ symbol: 'KH-MTTQ-BTT' })).toBe('Số:   /KH-MTTQ-BTT');
    expect(numberLine({ number: '', symbol: 'TTr-MTTQ-BTT' })).toBe('Số:   /TTr-MTTQ-BTT');
  });
  test('no number line without number and symbol', () => {
    expect(numberLine({ symbol: '' })).toBe('');
  });
});

describe('signature and recipients', () => {
  test('TM. and KT. lines', () => {
    expect(onBehalfLine({ onBehalf: 'TM.', onBehalfOf: 'Ban Thường trực', title: 'PHÓ CHỦ TỊCH', name: 'A' })).toBe('TM. BAN THƯỜNG TRỰC');
    expect(onBehalfLine({ onBehalf: 'KT.', onBehalfOf: 'CHỦ TỊCH', title: 'PHÓ CHỦ TỊCH', name: 'A' })).toBe('KT. CHỦ TỊCH');
    expect(onBehalfLine({ title: 'CHỦ TRÌ', name: 'A' })).toBe('');
  });

  test('recipients get dashes, semicolons, a final full stop and an archive line', () => {
    expect(normaliseRecipients(['Ban TC-TG UBMTTQVN tỉnh;', '- BTT UBMTTQVN các xã, TT'])).toEqual([
      '- Ban TC-TG UBMTTQVN tỉnh;',
      '- BTT UBMTTQVN các xã, TT;',
      '- Lưu: VT.',
    ]);
    expect(normaliseRecipients(['Như trên', 'Lưu: VT, TC-TG.'])).toEqual(['- Như trên;', '- Lưu: VT, TC-TG.']);
  });

  test('Vietnamese numbers', () => {
    expect(formatViNumber(18.5)).toBe('18,5');
    expect(formatViNumber(1234)).toBe('1.234');
  });
});

describe('officialDocumentSchema', () => {
  test('accepts a valid document', () => {
    expect(parseOfficialDocument(base)).toEqual(base);
  });
  test('rejects a bad date, an empty type and a ragged table', () => {
    expect(() => parseOfficialDocument({ ...base, date: '2024-02-30' })).toThrow(/YYYY-MM-DD/);
    expect(() => parseOfficialDocument({ ...base, type: ' ' })).toThrow();
    expect(() =>
      parseOfficialDocument({ ...base, body: [{ kind: 'table', header: ['STT', 'Đơn vị'], rows: [[1, 'Xã Phú Lợi', 'x']] }] }),
    ).toThrow(/row 1 has 3 cells, header has 2/);
  });
  test('recipients and a left signature exclude each other', () => {
    expect(() => parseOfficialDocument({ ...base, leftSignature: { title: 'THƯ KÝ', name: 'Lê Thị Hoa' } })).toThrow(/either/);
  });
});
