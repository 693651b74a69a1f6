/** The evidence checklist: which submissions are complete, and what the refusal names. */
import { checkChecklist, checklistFromForm, checklistRefusal, type ChecklistAnswers, type ChecklistItem } from '../../rules/checklist';

const items: ChecklistItem[] = [
  { id: 'bao-cao', label: { vi: 'Báo cáo có chữ ký, đóng dấu', en: 'Signed report' }, required: true },
  { id: 'bien-ban', label: { vi: 'Biên bản hội nghị', en: 'Minutes' }, required: true },
  { id: 'hinh-anh', label: { vi: 'Hình ảnh hoạt động', en: 'Photos' }, required: false },
];

describe('checkChecklist / checklistRefusal', () => {
  test.each<[string, ChecklistAnswers | undefined, string | undefined]>([
    ['every required item ticked', { 'bao-cao': { checked: true }, 'bien-ban': { checked: true, note: 'Số 12/BB' } }, undefined],
    ['the optional one too', { 'bao-cao': { checked: true }, 'bien-ban': { checked: true }, 'hinh-anh': { checked: true } }, undefined],
    ['nothing sent', undefined, 'the evidence checklist is incomplete: missing "Báo cáo có chữ ký, đóng dấu" (bao-cao), "Biên bản hội nghị" (bien-ban)'],
    ['one required missing', { 'bao-cao': { checked: true }, 'hinh-anh': { checked: true } }, 'the evidence checklist is incomplete: missing "Biên bản hội nghị" (bien-ban)'],
    ['a note without the tick does not count', { 'bao-cao': { checked: true }, 'bien-ban': { checked: false, note: 'sẽ gửi sau' } }, 'the evidence checklist is incomplete: missing "Biên bản hội nghị" (bien-ban)'],
    ['an item the checklist does not have', { 'bao-cao': { checked: true }, 'bien-ban': { checked: true }, khac: { checked: true } }, 'the checklist has no item "khac"'],
    ['a note too long', { 'bao-cao': { checked: true, note: 'x'.repeat(1001) }, 'bien-ban': { checked: true } }, 'the note of "bao-cao" is longer than 1000 characters'],
  ])('%s', (_name, answers, refusal) => {
    expect(checklistRefusal(items, answers)).toBe(refusal);
  });

  test('an empty checklist is always complete', () => {
    expect(checkChecklist([], undefined)).toEqual({ missing: [], unknown: [], tooLong: [] });
  });

  test('several problems are named together', () => {
    expect(checklistRefusal(items, { x: { checked: true } })).toBe(
      'the evidence checklist is incomplete: missing "Báo cáo có chữ ký, đóng dấu" (bao-cao), "Biên bản hội nghị" (bien-ban); the checklist has no item "x"',
    );
  });
});

describe('checklistFromForm', () => {
  test.each<[string, Record<string, unknown>, ChecklistAnswers]>([
    ['ticked boxes and notes', { 'check-bao-cao': 'on', 'ref-bao-cao': ' Số 5/BC ', 'check-bien-ban': 'on' }, { 'bao-cao': { checked: true, note: 'Số 5/BC' } , 'bien-ban': { checked: true } }],
    ['a note alone is kept, unticked', { 'ref-hinh-anh': 'đường dẫn' }, { 'hinh-anh': { checked: false, note: 'đường dẫn' } }],
    ['fields of other items are ignored', { 'check-khac': 'on', report: 'x' }, {}],
    ['an empty note is dropped', { 'check-bao-cao': 'on', 'ref-bao-cao': '   ' }, { 'bao-cao': { checked: true } }],
  ])('%s', (_name, body, expected) => {
    expect(checklistFromForm(items, body)).toEqual(expected);
  });
});
