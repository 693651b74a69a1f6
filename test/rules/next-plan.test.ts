/**
 * Next year's draft of a plan: dates a year later (29 Feb → 28 Feb, weekend deadlines left to the
 * calendar rules), solar holidays kept and lunar ones dropped, heads rotated, the document number
 * cleared, everything else copied; the draft validates, and an invalid input or draft throws.
 */
import { draftNextPlan, nextYearDate, NextPlanError, type NextPlanOptions } from '../../rules/next-plan';
import { validatePlan, type Plan, type PlanInput } from '../../rules/plan';
import { smallPlan, yearEndPlan } from '../helpers/plans';
import { VN_2024 } from './fixtures';

function valid(input: unknown): Plan {
  const r = validatePlan(input);
  if (!r.ok) throw new Error(`expected a valid plan, got ${JSON.stringify(r.problems)}`);
  return r.plan;
}

/** Draft of a plan input, parsed back as a Plan so defaults and types are the schema's. */
function draft(input: PlanInput, opts?: NextPlanOptions): { plan: Plan; notes: string[] } {
  const d = draftNextPlan(valid(input), opts);
  return { plan: valid(d.plan), notes: d.notes };
}

const noteWith = (notes: string[], text: string) => notes.find((n) => n.includes(text));

describe('nextYearDate', () => {
  test.each([
    ['2024-03-01', '2025-03-01'],
    ['2027-12-31', '2028-12-31'],
    ['2024-02-29', '2025-02-28'],
    ['2027-02-28', '2028-02-28'],
    ['2099-01-01', '2100-01-01'],
  ])('%s → %s', (from, to) => expect(nextYearDate(from)).toBe(to));

  test('a malformed date is refused', () => expect(() => nextYearDate('1/3/2024')).toThrow('Invalid date "1/3/2024"'));
});

describe('draftNextPlan: dates', () => {
  const input: PlanInput = {
    ...yearEndPlan(2024),
    calendar: { holidays: [], extraWorkingDays: ['2024-05-04'] },
  };
  input.stages = { ...input.stages, meeting: { date: '2024-12-03', clusters: { 'cum-2': '2024-12-05' }, place: 'Hội trường' } };
  const { plan, notes } = draft(input);

  test.each<[string, (p: Plan) => unknown, unknown]>([
    ['year', (p) => p.year, 2025],
    ['registration opensOn', (p) => p.stages.registration.opensOn, '2025-02-01'],
    ['registration deadline', (p) => p.stages.registration.deadline, '2025-02-26'],
    ['reports opensOn', (p) => p.stages.reports?.opensOn, '2025-10-01'],
    ['reports deadline', (p) => p.stages.reports?.deadline, '2025-11-10'],
    ['inspection deadline', (p) => p.stages.inspection?.deadline, '2025-11-26'],
    ['inspection visits', (p) => p.stages.inspection?.timetable?.map((v) => v.date), ['2025-11-18', '2025-11-18']],
    ['meeting date', (p) => p.stages.meeting?.date, '2025-12-03'],
    ['a cluster\'s own meeting day', (p) => p.stages.meeting?.clusters, { 'cum-2': '2025-12-05' }],
    ['proposal deadline', (p) => p.stages.proposal?.deadline, '2025-12-15'],
    ['extra working days', (p) => p.calendar.extraWorkingDays, ['2025-05-04']],
  ])('%s', (_name, get, expected) => expect(get(plan)).toEqual(expected));

  test('the note counts the moved dates', () => {
    // registration, reports, inspection, proposal ×2 each, 2 inspection visits, meeting + 1 cluster day, 1 extra working day
    expect(notes[0]).toBe('year 2024 → 2025; 13 date(s) moved by one year, same day and month.');
  });

  test('a date in the next calendar year (a January proposal) moves by one year too', () => {
    const p = yearEndPlan(2024);
    p.stages.proposal = { deadline: '2025-01-10' };
    expect(draft(p).plan.stages.proposal?.deadline).toBe('2026-01-10');
  });

  test('29 February becomes 28 February, with a note', () => {
    const d = draft(smallPlan({ year: 2028, calendar: { holidays: [] }, stages: { registration: { opensOn: '2028-02-01', deadline: '2028-02-29' } } }));
    expect(d.plan.stages.registration).toMatchObject({ opensOn: '2029-02-01', deadline: '2029-02-28' });
    expect(noteWith(d.notes, '29 February')).toBe('29 February does not exist in 2029: stages.registration.deadline 2028-02-29 → 2029-02-28.');
  });

  test.each<[string, string, string]>([
    // Friday 01/03/2024 → Saturday 01/03/2025: the calendar rules take it back to Friday 28/02.
    ['a Saturday', '2024-03-01', 'stages.registration.deadline 2025-03-01 is a Saturday (→ 2025-02-28)'],
    // 02/09/2024 is a Monday → Tuesday 02/09/2025, a kept holiday: back to Monday 01/09.
    ['a kept solar holiday', '2024-09-02', 'stages.registration.deadline 2025-09-02 is a public holiday (→ 2025-09-01)'],
  ])('a deadline that lands on %s is left as it is, with a note', (_name, deadline, text) => {
    const d = draft(smallPlan({ calendar: { holidays: ['2024-09-02'] }, stages: { registration: { deadline } } }));
    expect(d.plan.stages.registration.deadline).toBe(nextYearDate(deadline));
    const note = noteWith(d.notes, 'left as they are');
    expect(note).toContain(text);
    expect(note).toContain('The calendar rules move a deadline on a non-working day to the previous working day');
  });

  test('a deadline on a working day has no such note; a meeting on a weekend gets its own', () => {
    const p = yearEndPlan(2024);
    p.stages.meeting = { date: '2024-12-06' }; // Friday → Saturday 06/12/2025
    const d = draft(p);
    expect(noteWith(d.notes, 'left as they are')).toBeUndefined();
    expect(noteWith(d.notes, 'meeting days are not moved')).toContain('stages.meeting.date 2025-12-06 is a Saturday');
  });
});

describe('draftNextPlan: public holidays', () => {
  test.each<[string, string[], string[], string | undefined]>([
    [
      'VN 2024: 1/1, 30/4, 1/5, 2/9, 3/9 kept; Tết, Giỗ Tổ and the 29/4 bridge day dropped',
      VN_2024.holidays,
      ['2025-01-01', '2025-04-30', '2025-05-01', '2025-09-02', '2025-09-03'],
      '2024-02-08, 2024-02-09, 2024-02-10, 2024-02-11, 2024-02-12, 2024-02-13, 2024-02-14, 2024-04-18, 2024-04-29',
    ],
    ['2/9 alone: the day after is not added', ['2024-09-02'], ['2025-09-02'], undefined],
    ['Tết only: nothing kept', ['2024-02-09', '2024-02-12'], [], '2024-02-09, 2024-02-12'],
    ['no holidays', [], [], undefined],
  ])('%s', (_name, holidays, kept, dropped) => {
    const d = draft(smallPlan({ calendar: { holidays }, stages: { registration: { deadline: '2024-03-01' } } }));
    expect(d.plan.calendar.holidays).toEqual(kept);
    const note = noteWith(d.notes, 'calendar.holidays: dropped');
    if (dropped === undefined) expect(note).toBeUndefined();
    else {
      expect(note).toContain(dropped);
      expect(note).toContain('Tết, Giỗ Tổ Hùng Vương 10/3 âm lịch');
      expect(note).toContain("Add next year's dates to calendar.holidays.");
    }
    if (kept.length) expect(noteWith(d.notes, 'calendar.holidays: kept')).toContain(kept.join(', '));
  });

  test('a kept holiday that falls on a weekend is pointed out (substitute day off)', () => {
    // 30/4/2025 is a Wednesday; 30/4/2028 a Sunday.
    const d = draft(smallPlan({ year: 2027, calendar: { holidays: ['2027-04-30'] }, stages: { registration: { deadline: '2027-03-05' } } }));
    expect(noteWith(d.notes, 'calendar.holidays: kept')).toContain('On a weekend: 2028-04-30 (Sunday)');
  });
});

describe('draftNextPlan: cluster heads', () => {
  const withDeputies = (): PlanInput => {
    const p = smallPlan();
    p.clusters[0].deputy = 'xa-phu-loi';
    p.clusters[1].deputy = 'xa-ngoc-dinh';
    return p;
  };
  test.each<[string, PlanInput, NextPlanOptions | undefined, { head: string; deputy?: string }[], string]>([
    [
      'rotate by default: the next member heads, the one after is deputy',
      smallPlan(),
      undefined,
      [
        { head: 'xa-phu-vinh', deputy: 'xa-phu-loi' },
        { head: 'xa-gia-canh', deputy: 'xa-ngoc-dinh' },
      ],
      'cum-1 head xa-phu-tan → xa-phu-vinh, deputy (none) → xa-phu-loi; cum-2 head tt-dinh-quan → xa-gia-canh, deputy (none) → xa-ngoc-dinh',
    ],
    [
      'deputy-becomes-head: the deputy is promoted',
      withDeputies(),
      { rotation: { mode: 'deputy-becomes-head' } },
      [
        { head: 'xa-phu-loi', deputy: 'xa-phu-vinh' },
        { head: 'xa-ngoc-dinh', deputy: 'xa-gia-canh' },
      ],
      'cum-1 head xa-phu-tan → xa-phu-loi, deputy xa-phu-loi → xa-phu-vinh',
    ],
    [
      'rotate, avoiding the last 2 years: 2023\'s head is skipped',
      smallPlan(),
      { rotation: { mode: 'rotate', avoidRecent: 2 }, history: { 'cum-1': [{ year: 2023, head: 'xa-phu-vinh' }] } },
      [
        { head: 'xa-phu-loi', deputy: 'xa-phu-vinh' },
        { head: 'xa-gia-canh', deputy: 'xa-ngoc-dinh' },
      ],
      'cum-1 head xa-phu-tan → xa-phu-loi, deputy (none) → xa-phu-vinh (skipped as recent heads: xa-phu-vinh)',
    ],
    [
      "history for the plan's own year (or later) and for unknown clusters is ignored: the plan's head is that year's",
      smallPlan(),
      { rotation: { mode: 'rotate', avoidRecent: 1 }, history: { 'cum-1': [{ year: 2024, head: 'xa-phu-loi' }, { year: 2026, head: 'xa-phu-vinh' }], 'cum-9': [{ year: 2023, head: 'x' }] } },
      [
        { head: 'xa-phu-vinh', deputy: 'xa-phu-loi' },
        { head: 'xa-gia-canh', deputy: 'xa-ngoc-dinh' },
      ],
      'cum-1 head xa-phu-tan → xa-phu-vinh',
    ],
  ])('%s', (_name, input, opts, expected, noteText) => {
    const d = draft(input, opts);
    expect(d.plan.clusters.map((c) => ({ head: c.head, deputy: c.deputy }))).toEqual(expected);
    expect(noteWith(d.notes, "clusters: next year's heads and deputies")).toContain(noteText);
  });

  test('a one-member cluster keeps its head and has no deputy', () => {
    const p = smallPlan();
    p.clusters = [
      { id: 'cum-1', name: 'Cụm 1', members: ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi', 'xa-gia-canh', 'xa-ngoc-dinh'], head: 'xa-phu-tan' },
      { id: 'cum-2', name: 'Cụm 2', members: ['tt-dinh-quan'], head: 'tt-dinh-quan' },
    ];
    const c = draft(p).plan.clusters[1];
    expect(c.head).toBe('tt-dinh-quan');
    expect(c).not.toHaveProperty('deputy');
  });

  test('deputy-becomes-head on a cluster without a deputy names the cluster', () => {
    expect(() => draftNextPlan(valid(smallPlan()), { rotation: { mode: 'deputy-becomes-head' } })).toThrow(
      'clusters[0] (cum-1): Mode "deputy-becomes-head" needs the current deputy',
    );
  });
});

describe('draftNextPlan: the rest of the plan', () => {
  const input = (): PlanInput => ({
    ...yearEndPlan(2027),
    calendar: { holidays: ['2027-01-01', '2027-02-08', '2027-09-02'] },
    document: { number: '109', symbol: 'KH-MTTQ-BTT', signer: { onBehalf: 'TM.', title: 'PHÓ CHỦ TỊCH', name: 'Nguyễn Văn A' }, recipients: ['BTT tỉnh'] },
  });

  test('document.number is removed, with a note; the rest of the document is kept', () => {
    const d = draft(input());
    expect(d.plan.document).not.toHaveProperty('number');
    expect(d.plan.document).toMatchObject({ symbol: 'KH-MTTQ-BTT', signer: { name: 'Nguyễn Văn A' }, recipients: ['BTT tỉnh'] });
    expect(noteWith(d.notes, 'document.number')).toBe('document.number "109" removed: a new number is issued each year.');
  });

  test('no number, no note', () => {
    const p = input();
    delete p.document!.number;
    expect(noteWith(draft(p).notes, 'document.number')).toBeUndefined();
  });

  test('everything else is copied, and the input is left as it was', () => {
    const plan = valid(input());
    const before = JSON.parse(JSON.stringify(plan));
    const d = valid(draftNextPlan(plan).plan);
    expect(plan).toEqual(before);
    for (const key of ['apiVersion', 'body', 'timeZone', 'staff', 'units', 'scoring', 'awards', 'council'] as const) expect(d[key]).toEqual(plan[key]);
    expect(d.calendar.workingWeekdays).toEqual(plan.calendar.workingWeekdays);
    expect(d.clusters.map(({ head: _h, deputy: _d, ...rest }) => rest)).toEqual(plan.clusters.map(({ head: _h, deputy: _d, ...rest }) => rest));
    expect(d.stages.registration).toEqual({ ...plan.stages.registration, opensOn: '2028-02-01', deadline: '2028-02-26' });
    expect(d.stages.meeting).toEqual({ ...plan.stages.meeting, date: '2028-12-03' });
  });

  test.each<[string, PlanInput]>([
    ['the small plan', smallPlan()],
    ['the year-end plan', yearEndPlan(2024)],
    ['the year-end plan with holidays and a document', input()],
    ['VN 2024 holidays', smallPlan({ calendar: { holidays: VN_2024.holidays, extraWorkingDays: VN_2024.extraWorkingDays } })],
  ])('the draft of %s validates, and so does the draft of the draft', (_name, p) => {
    const once = draftNextPlan(valid(p));
    const r = validatePlan(once.plan);
    expect(r.ok).toBe(true);
    const twice = draftNextPlan(valid(once.plan));
    expect(twice.plan.year).toBe((p.year as number) + 2);
    expect(validatePlan(twice.plan).ok).toBe(true);
  });
});

describe('draftNextPlan: invalid plans throw', () => {
  const leapEnd = (): PlanInput => {
    // Inspection ends 28/2, meeting 29/2 (leap year): next year both are 28/2, the meeting is no longer after it.
    const p = yearEndPlan(2028);
    p.stages = {
      registration: { deadline: '2028-01-20' },
      reports: { deadline: '2028-02-10' },
      inspection: { deadline: '2028-02-28' },
      meeting: { date: '2028-02-29' },
      proposal: { deadline: '2028-03-10' },
    };
    return p;
  };
  const headOutside = (): Plan => {
    const p = valid(smallPlan());
    return { ...p, clusters: [{ ...p.clusters[0], head: 'tt-dinh-quan' }, p.clusters[1]] };
  };

  test.each<[string, () => Plan, string[]]>([
    ['an input that does not validate', headOutside, ['The plan is not valid, so no draft was made:', 'clusters[0].head: head "tt-dinh-quan" is not a member of the cluster']],
    ['a draft beyond the last year the schema allows', () => valid(smallPlan({ year: 2100 })), ['The 2101 draft is not a valid plan:', 'year:']],
    ['a draft where 29 Feb collapses onto 28 Feb', () => valid(leapEnd()), ['stages.meeting.date: a meeting on 2029-02-28 is not after the inspection deadline (2029-02-28)']],
  ])('%s', (_name, make, texts) => {
    let err: unknown;
    try {
      draftNextPlan(make());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NextPlanError);
    for (const t of texts) expect((err as Error).message).toContain(t);
    expect((err as NextPlanError).problems.length).toBeGreaterThan(0);
  });
});
