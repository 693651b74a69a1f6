/**
 * The scoring sheet: validation of the sheet and of entered scores, totals in exact hundredths, and
 * the reconciliation of self scores with the inspection (changes need a reason).
 */
import {
  assertSheet,
  reconcile,
  ScoreError,
  totalScore,
  validateEntry,
  validateScores,
  type ScoreEntry,
  type ScoreProblem,
  type Scores,
  type Sheet,
  type SheetInput,
} from '../../rules/scoring';

/** A small sheet: 45 points of criteria in two groups, two bonuses, two deductions. */
const SHEET: Sheet = {
  groups: [
    {
      id: 'I',
      name: 'Công tác tuyên truyền',
      criteria: [
        { id: '1.1', name: 'Tuyên truyền chủ trương', max: 10 },
        { id: '1.2', name: 'Cuộc vận động', max: 15 },
      ],
    },
    { id: 'II', name: 'Giám sát và phản biện', criteria: [{ id: '2.1', name: 'Giám sát', max: 20 }] },
  ],
  bonuses: [
    { id: 'b-initiative', name: 'Sáng kiến', max: 3 },
    { id: 'b-award', name: 'Khen thưởng cấp trên', max: 2 },
  ],
  deductions: [
    { id: 'd-late', name: 'Nộp báo cáo chậm', max: 5 },
    { id: 'd-missing', name: 'Thiếu báo cáo', max: 10 },
  ],
};
const FULL: Scores = { '1.1': 10, '1.2': 15, '2.1': 20 };

const codes = (ps: ScoreProblem[]) => ps.map((p) => `${p.part}:${p.id}:${p.code}`);

describe('assertSheet', () => {
  test('a valid sheet passes and bonuses/deductions default to []', () => {
    expect(assertSheet(SHEET)).toEqual(SHEET);
    const bare: SheetInput = { groups: SHEET.groups };
    expect(assertSheet(bare)).toEqual({ groups: SHEET.groups, bonuses: [], deductions: [] });
  });

  const item = (id: string, max = 5) => ({ id, name: `Item ${id}`, max });
  test.each<[string, SheetInput, string]>([
    ['no group', { groups: [] }, 'groups: a sheet needs at least one group'],
    ['group without criteria', { groups: [{ id: 'g', name: 'G', criteria: [] }] }, 'groups[0].criteria: a group needs at least one criterion'],
    ['max 0', { groups: [{ id: 'g', name: 'G', criteria: [item('a', 0)] }] }, 'groups[0].criteria[0].max: must be greater than 0'],
    ['max negative', { groups: [{ id: 'g', name: 'G', criteria: [item('a', -2)] }] }, 'groups[0].criteria[0].max: must be greater than 0'],
    ['max with 3 decimals', { groups: [{ id: 'g', name: 'G', criteria: [item('a', 1.125)] }] }, 'groups[0].criteria[0].max: must have at most 2 decimals'],
    ['id with a space', { groups: [{ id: 'g', name: 'G', criteria: [item('a b')] }] }, 'groups[0].criteria[0].id: must be letters'],
    ['empty name', { groups: [{ id: 'g', name: ' ', criteria: [item('a')] }] }, 'groups[0].name'],
    [
      'duplicate criterion across groups',
      { groups: [{ id: 'g', name: 'G', criteria: [item('a')] }, { id: 'h', name: 'H', criteria: [item('a')] }] },
      'groups[1].criteria[0].id: duplicate item id "a"',
    ],
    ['bonus reusing a criterion id', { groups: [{ id: 'g', name: 'G', criteria: [item('a')] }], bonuses: [item('a')] }, 'bonuses[0].id: duplicate item id "a"'],
    ['deduction reusing a bonus id', { groups: [{ id: 'g', name: 'G', criteria: [item('a')] }], bonuses: [item('x')], deductions: [item('x')] }, 'deductions[0].id: duplicate item id "x"'],
    ['duplicate group id', { groups: [{ id: 'g', name: 'G', criteria: [item('a')] }, { id: 'g', name: 'H', criteria: [item('b')] }] }, 'groups[1].id: duplicate group id "g"'],
    ['bonusCap 0', { groups: [{ id: 'g', name: 'G', criteria: [item('a')] }], bonusCap: 0 }, 'bonusCap: must be greater than 0'],
  ])('%s is refused', (_label, sheet, message) => {
    expect(() => assertSheet(sheet)).toThrow(message);
  });
});

describe('validateScores (criteria)', () => {
  test.each<[string, Scores, number | undefined, string[]]>([
    ['all at max', FULL, undefined, []],
    ['zeros and quarters', { '1.1': 0, '1.2': 7.25, '2.1': 19.75 }, undefined, []],
    ['a missing criterion', { '1.1': 10, '2.1': 20 }, undefined, ['criteria:1.2:missing']],
    ['an unknown id', { ...FULL, '9.9': 1 }, undefined, ['criteria:9.9:unknown']],
    ['a bonus id is not a criterion', { ...FULL, 'b-award': 1 }, undefined, ['criteria:b-award:unknown']],
    ['negative', { ...FULL, '1.1': -0.25 }, undefined, ['criteria:1.1:negative']],
    ['over max', { ...FULL, '1.2': 15.25 }, undefined, ['criteria:1.2:over-max']],
    ['over max and off the hundredth grid', { ...FULL, '1.1': 10.001 }, undefined, ['criteria:1.1:over-max']],
    ['not a quarter', { ...FULL, '1.1': 7.1 }, undefined, ['criteria:1.1:off-step']],
    ['off the hundredth grid', { ...FULL, '1.1': 7.125 }, undefined, ['criteria:1.1:off-step']],
    ['half-point step refuses a quarter', { ...FULL, '1.1': 7.25 }, 0.5, ['criteria:1.1:off-step']],
    ['tenth step accepts 7.3 (float noise)', { ...FULL, '1.1': 7.3, '1.2': 0.1 + 0.2 }, 0.1, []],
    ['whole-point step', { ...FULL, '2.1': 19.5 }, 1, ['criteria:2.1:off-step']],
    ['NaN', { ...FULL, '2.1': NaN }, undefined, ['criteria:2.1:not-a-number']],
    ['Infinity', { ...FULL, '2.1': Infinity }, undefined, ['criteria:2.1:not-a-number']],
    ['a string', { ...FULL, '2.1': '20' as unknown as number }, undefined, ['criteria:2.1:not-a-number']],
    [
      'several problems, sheet order then unknown ids',
      { 'x': 1, '2.1': 21, '1.1': -1 },
      undefined,
      ['criteria:1.1:negative', 'criteria:1.2:missing', 'criteria:2.1:over-max', 'criteria:x:unknown'],
    ],
  ])('%s', (_label, scores, step, expected) => {
    expect(codes(validateScores(SHEET, scores, step === undefined ? {} : { step }))).toEqual(expected);
  });

  test('messages name the bad value', () => {
    expect(validateScores(SHEET, { ...FULL, '1.2': 16 })[0].message).toBe('criterion "1.2": 16 is over its maximum 15');
    expect(validateScores(SHEET, { ...FULL, '1.1': 7.1 })[0].message).toBe('criterion "1.1": 7.1 is not a multiple of 0.25');
    expect(validateScores(SHEET, { '1.1': 1, '2.1': 1 })[0].message).toBe('criterion "1.2" has no score');
  });

  test.each([0, -0.25, 0.001, NaN])('step %p is refused', (step) => {
    expect(() => validateScores(SHEET, FULL, { step })).toThrow(`Invalid score step ${JSON.stringify(step)}`);
  });
});

describe('validateEntry (bonuses and deductions)', () => {
  test.each<[string, ScoreEntry, string[]]>([
    ['no bonus or deduction entered: nothing missing', { criteria: FULL }, []],
    ['bonus within max', { criteria: FULL, bonuses: { 'b-initiative': 3 } }, []],
    ['bonus over max', { criteria: FULL, bonuses: { 'b-award': 2.5 } }, ['bonuses:b-award:over-max']],
    ['unknown bonus', { criteria: FULL, bonuses: { 'b-x': 1 } }, ['bonuses:b-x:unknown']],
    ['criterion entered as a deduction', { criteria: FULL, deductions: { '1.1': 1 } }, ['deductions:1.1:unknown']],
    ['negative deduction', { criteria: FULL, deductions: { 'd-late': -1 } }, ['deductions:d-late:negative']],
    [
      'problems in every part, in part order',
      { criteria: { '1.1': 10, '1.2': 15 }, bonuses: { 'b-award': 0.3 }, deductions: { 'd-late': 6 } },
      ['criteria:2.1:missing', 'bonuses:b-award:off-step', 'deductions:d-late:over-max'],
    ],
  ])('%s', (_label, entry, expected) => {
    expect(codes(validateEntry(SHEET, entry))).toEqual(expected);
  });
});

describe('totalScore', () => {
  test.each<[string, Sheet, ScoreEntry, number | undefined, { base: number; bonus: number; deduction: number; total: number; byGroup: Record<string, number> }]>([
    ['full marks', SHEET, { criteria: FULL }, undefined, { base: 45, bonus: 0, deduction: 0, total: 45, byGroup: { I: 25, II: 20 } }],
    [
      'quarters, bonus and deduction',
      SHEET,
      { criteria: { '1.1': 8.25, '1.2': 12.75, '2.1': 17.5 }, bonuses: { 'b-initiative': 2.5, 'b-award': 1 }, deductions: { 'd-late': 0.75 } },
      undefined,
      { base: 38.5, bonus: 3.5, deduction: 0.75, total: 41.25, byGroup: { I: 21, II: 17.5 } },
    ],
    [
      'no floating noise: 0.1 + 0.2 = 0.3',
      SHEET,
      { criteria: { '1.1': 0.1, '1.2': 0.2, '2.1': 0 }, bonuses: { 'b-award': 0.01 } },
      0.01,
      { base: 0.3, bonus: 0.01, deduction: 0, total: 0.31, byGroup: { I: 0.3, II: 0 } },
    ],
    [
      'deductions beyond the score clamp the total at 0',
      SHEET,
      { criteria: { '1.1': 1, '1.2': 2, '2.1': 3 }, deductions: { 'd-late': 5, 'd-missing': 10 } },
      undefined,
      { base: 6, bonus: 0, deduction: 15, total: 0, byGroup: { I: 3, II: 3 } },
    ],
    [
      'bonus cap counts at most the cap',
      { ...SHEET, bonusCap: 4 },
      { criteria: FULL, bonuses: { 'b-initiative': 3, 'b-award': 2 } },
      undefined,
      { base: 45, bonus: 4, deduction: 0, total: 49, byGroup: { I: 25, II: 20 } },
    ],
    [
      'bonus under the cap is counted whole',
      { ...SHEET, bonusCap: 4 },
      { criteria: FULL, bonuses: { 'b-initiative': 1.5 }, deductions: { 'd-late': 0.25 } },
      undefined,
      { base: 45, bonus: 1.5, deduction: 0.25, total: 46.25, byGroup: { I: 25, II: 20 } },
    ],
  ])('%s', (_label, sheet, entry, step, expected) => {
    expect(totalScore(sheet, entry, step === undefined ? {} : { step })).toEqual({ ...expected, maxBase: 45 });
  });

  test('maxBase is the sum of the criteria maxima (the sheet\'s "out of")', () => {
    const sheet: SheetInput = {
      groups: [
        { id: 'a', name: 'A', criteria: [{ id: 'a1', name: 'A1', max: 30.5 }, { id: 'a2', name: 'A2', max: 29.25 }] },
        { id: 'b', name: 'B', criteria: [{ id: 'b1', name: 'B1', max: 30.25 }] },
      ],
    };
    expect(totalScore(sheet, { criteria: { a1: 0, a2: 0, b1: 0 } }).maxBase).toBe(90);
  });

  test('an entry with problems throws ScoreError listing them', () => {
    const call = () => totalScore(SHEET, { criteria: { '1.1': 11, '1.2': 1 }, bonuses: { nope: 1 } });
    expect(call).toThrow(ScoreError);
    try {
      call();
    } catch (e) {
      expect(codes((e as ScoreError).problems)).toEqual(['criteria:1.1:over-max', 'criteria:2.1:missing', 'bonuses:nope:unknown']);
      expect((e as Error).message).toBe('Invalid scores: criterion "1.1": 11 is over its maximum 10; criterion "2.1" has no score; unknown bonus id "nope"');
    }
  });
});

describe('reconcile', () => {
  const SELF: Scores = { '1.1': 9, '1.2': 14.5, '2.1': 18 };

  test.each<[string, Scores, Record<string, string>, { final: Scores; changes: unknown[]; problems: string[] }]>([
    ['inspector agrees on everything', { ...SELF }, {}, { final: SELF, changes: [], problems: [] }],
    ['nothing inspected: self scores stand', {}, {}, { final: SELF, changes: [], problems: [] }],
    [
      'a change with a reason is applied and audited',
      { '1.2': 12 },
      { '1.2': '  Thiếu minh chứng hội nghị  ' },
      { final: { ...SELF, '1.2': 12 }, changes: [{ criterionId: '1.2', from: 14.5, to: 12, reason: 'Thiếu minh chứng hội nghị' }], problems: [] },
    ],
    [
      'a change without a reason is refused and not applied',
      { '1.2': 12, '2.1': 19 },
      { '2.1': 'Bổ sung minh chứng' },
      {
        final: { ...SELF, '2.1': 19 },
        changes: [{ criterionId: '2.1', from: 18, to: 19, reason: 'Bổ sung minh chứng' }],
        problems: ['1.2:reason-required'],
      },
    ],
    ['a blank reason is no reason', { '1.1': 8 }, { '1.1': '   ' }, { final: SELF, changes: [], problems: ['1.1:reason-required'] }],
    ['equal up to float noise is no change', { '1.2': 14.5000000001 }, {}, { final: SELF, changes: [], problems: [] }],
    ['a reason for an unchanged score is harmless', { '1.1': 9 }, { '1.1': 'Đúng' }, { final: SELF, changes: [], problems: [] }],
    [
      'a score the unit did not enter, with a reason',
      { '3.1': 5 },
      { '3.1': 'Đơn vị bỏ sót' },
      { final: { ...SELF, '3.1': 5 }, changes: [{ criterionId: '3.1', from: null, to: 5, reason: 'Đơn vị bỏ sót' }], problems: [] },
    ],
    ['an inspected value that is not a number', { '1.1': NaN }, { '1.1': 'x' }, { final: SELF, changes: [], problems: ['1.1:not-a-number'] }],
  ])('%s', (_label, inspected, reasons, expected) => {
    const r = reconcile(SELF, inspected, reasons);
    expect(r.final).toEqual(expected.final);
    expect(r.changes).toEqual(expected.changes);
    expect(r.problems.map((p) => `${p.criterionId}:${p.code}`)).toEqual(expected.problems);
    expect(r.ok).toBe(expected.problems.length === 0);
  });

  test('the problem message names the change', () => {
    expect(reconcile({ '1.1': 9 }, { '1.1': 7.5 }).problems[0].message).toBe('inspected score for "1.1" changes 9 → 7.5 without a reason');
  });

  test('the inputs are not mutated', () => {
    const self = { ...SELF };
    reconcile(self, { '1.1': 1 }, { '1.1': 'r' });
    expect(self).toEqual(SELF);
  });
});
