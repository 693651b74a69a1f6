/**
 * Classification bands: inclusive cut-offs whatever the listed order, validation of the bands, and
 * the deduction requirement that drops a unit to a lower band.
 */
import { assertBands, classify, type Bands } from '../../rules/classification';

/** 2024-style bands, deliberately not listed highest first. */
const BANDS: Bands = [
  { id: 'ht', name: 'Hoàn thành nhiệm vụ', minScore: 65 },
  { id: 'htxsnv', name: 'Hoàn thành xuất sắc nhiệm vụ', minScore: 90 },
  { id: 'khong-ht', name: 'Không hoàn thành nhiệm vụ', minScore: 0 },
  { id: 'htt', name: 'Hoàn thành tốt nhiệm vụ', minScore: 80 },
];

/** Older bands on a 100-point sheet. */
const OLD_BANDS: Bands = [
  { id: 'xuat-sac', name: 'Xuất sắc', minScore: 95 },
  { id: 'vung-manh', name: 'Vững mạnh', minScore: 85 },
  { id: 'kha', name: 'Khá', minScore: 70 },
  { id: 'trung-binh', name: 'Trung bình', minScore: 0 },
];

describe('classify by score', () => {
  test.each([
    [100, 'htxsnv'],
    [90, 'htxsnv'], // inclusive
    [89.99999999, 'htxsnv'], // float noise of a 90 total
    [89.99, 'htt'],
    [80, 'htt'],
    [79.75, 'ht'],
    [65, 'ht'],
    [64.75, 'khong-ht'],
    [0, 'khong-ht'],
  ])('%p → %s', (total, expected) => {
    const c = classify(total, BANDS);
    expect(c.band.id).toBe(expected);
    expect(c.scoreBand.id).toBe(expected);
    expect(c.dropped).toEqual([]);
  });

  test.each([
    [96, 'xuat-sac'],
    [95, 'xuat-sac'],
    [94.75, 'vung-manh'],
    [85, 'vung-manh'],
    [70, 'kha'],
    [69.5, 'trung-binh'],
  ])('older bands: %p → %s', (total, expected) => {
    expect(classify(total, OLD_BANDS).band.id).toBe(expected);
  });

  test('a single bottom band takes everything', () => {
    expect(classify(42, [{ id: 'all', name: 'Tất cả', minScore: 0 }]).band.id).toBe('all');
  });

  test.each([-0.25, NaN, Infinity, '90' as unknown as number])('total %p is refused', (total) => {
    expect(() => classify(total, BANDS)).toThrow('Invalid total');
  });
});

describe('classify with a deduction requirement', () => {
  const STRICT: Bands = [
    { id: 'htxsnv', name: 'Hoàn thành xuất sắc nhiệm vụ', minScore: 90, requires: { maxDeduction: 2 } },
    { id: 'htt', name: 'Hoàn thành tốt nhiệm vụ', minScore: 80, requires: { maxDeduction: 5 } },
    { id: 'ht', name: 'Hoàn thành nhiệm vụ', minScore: 65 },
    { id: 'khong-ht', name: 'Không hoàn thành nhiệm vụ', minScore: 0 },
  ];

  test.each<[number, number, string, string, string[]]>([
    [95, 0, 'htxsnv', 'htxsnv', []],
    [95, 2, 'htxsnv', 'htxsnv', []], // at the maximum is allowed
    [95, 2.25, 'htt', 'htxsnv', ['htxsnv']],
    [95, 5, 'htt', 'htxsnv', ['htxsnv']],
    [95, 5.25, 'ht', 'htxsnv', ['htxsnv', 'htt']], // drops two bands
    [85, 3, 'htt', 'htt', []],
    [85, 6, 'ht', 'htt', ['htt']],
    [70, 50, 'ht', 'ht', []], // no requirement below
    [40, 9, 'khong-ht', 'khong-ht', []],
  ])('total %p with deduction %p → %s (by score %s)', (total, deduction, band, scoreBand, dropped) => {
    const c = classify(total, STRICT, { deduction });
    expect(c.band.id).toBe(band);
    expect(c.scoreBand.id).toBe(scoreBand);
    expect(c.dropped.map((d) => d.bandId)).toEqual(dropped);
  });

  test('the drop names the reason', () => {
    expect(classify(92, STRICT, { deduction: 3 }).dropped).toEqual([
      { bandId: 'htxsnv', reason: "deduction 3 is above the band's maximum 2" },
    ]);
  });

  test('a requirement reached without the deduction is an error; not reached, it is not needed', () => {
    expect(() => classify(92, STRICT)).toThrow('Band "htxsnv" requires a deduction of at most 2: pass the unit\'s deduction');
    expect(classify(70, STRICT).band.id).toBe('ht');
  });

  test('a bad deduction is refused', () => {
    expect(() => classify(92, STRICT, { deduction: -1 })).toThrow('Invalid deduction -1');
  });
});

describe('assertBands', () => {
  test('returns the bands highest first', () => {
    expect(assertBands(BANDS).map((b) => b.id)).toEqual(['htxsnv', 'htt', 'ht', 'khong-ht']);
  });

  test.each<[string, Bands, string]>([
    ['no band', [], 'at least one band is required'],
    ['no bottom band at 0', OLD_BANDS.slice(0, 3), 'a bottom band with minScore 0 is required (the lowest is "kha" at 70)'],
    [
      'duplicate id',
      [...OLD_BANDS, { id: 'kha', name: 'Khá 2', minScore: 60 }],
      '4.id: duplicate band id "kha"',
    ],
    [
      'two bands at one cut-off',
      [...OLD_BANDS, { id: 'kha-2', name: 'Khá 2', minScore: 70 }],
      '4.minScore: band "kha-2" has the same minScore 70 as band "kha"',
    ],
    [
      'requirements on the bottom band',
      [{ id: 'top', name: 'Top', minScore: 50 }, { id: 'bottom', name: 'Bottom', minScore: 0, requires: { maxDeduction: 1 } }],
      '1.requires: the bottom band "bottom" may not have requirements',
    ],
    ['negative cut-off', [{ id: 'a', name: 'A', minScore: -5 }, { id: 'b', name: 'B', minScore: 0 }], '0.minScore: must be 0 or more'],
    ['cut-off with 3 decimals', [{ id: 'a', name: 'A', minScore: 80.125 }, { id: 'b', name: 'B', minScore: 0 }], '0.minScore: must have at most 2 decimals'],
    ['id not a slug', [{ id: 'Xuat Sac', name: 'A', minScore: 0 }], '0.id'],
  ])('%s', (_label, bands, message) => {
    expect(() => assertBands(bands)).toThrow(message);
    expect(() => classify(50, bands)).toThrow('Invalid bands');
  });
});
