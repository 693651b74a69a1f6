/**
 * Relative stage dates ("5 working days before the cluster meeting", "1 day after"): resolved on the
 * plan's calendar in dependency order, with every unknown reference, missing stage and loop named by
 * its path. Expected days are worked out by hand on the Vietnamese 2024 calendar (test/rules/fixtures).
 */
import type { CalendarConfig } from '../../rules/calendar';
import { draftNextPlan } from '../../rules/next-plan';
import { validatePlan, type Plan, type PlanInput } from '../../rules/plan';
import { describeRelativeDate, resolveRelativeDates, stagesForMeetingDay, type DateProblem, type RawStages, type RelativeDate } from '../../rules/relative-dates';
import { yearEndPlan } from '../helpers/plans';
import { VN_2024 } from './fixtures';

const before = (ref: string, days: number, unit?: 'working' | 'calendar'): RelativeDate => ({ before: ref, days, ...(unit ? { unit } : {}) });
const after = (ref: string, days: number, unit?: 'working' | 'calendar'): RelativeDate => ({ after: ref, days, ...(unit ? { unit } : {}) });

/** Stages with a registration deadline written `deadline` (relative to a meeting on `meeting`). */
const withMeeting = (meeting: string, deadline: RelativeDate): RawStages => ({ registration: { deadline }, meeting: { date: meeting } });

describe('resolveRelativeDates: one date', () => {
  test.each<[string, RawStages, string]>([
    // Thu 05/12 → back 4/12, 3/12, 2/12 (Mon), 29/11 (Fri), 28/11 (Thu).
    ['5 working days before a Thursday meeting', withMeeting('2024-12-05', before('meeting', 5)), '2024-11-28'],
    ['working is the default unit, and can be said', withMeeting('2024-12-05', before('meeting', 5, 'working')), '2024-11-28'],
    ['7 calendar days before', withMeeting('2024-12-05', before('meeting', 7, 'calendar')), '2024-11-28'],
    // Friday meeting: the next working day is Monday.
    ['1 working day after a Friday meeting: over the weekend', withMeeting('2024-12-06', after('meeting', 1)), '2024-12-09'],
    ['1 calendar day after a Friday meeting: the Saturday, as written', withMeeting('2024-12-06', after('meeting', 1, 'calendar')), '2024-12-07'],
    ['5 calendar days before a Thursday: a Saturday, as written', withMeeting('2024-12-05', before('meeting', 5, 'calendar')), '2024-11-30'],
    // Wed 04/09: 03/09 and 02/09 are Quốc khánh, then the weekend; Fri 30/08 (1), Thu 29/08 (2).
    ['2 working days before, over Quốc khánh and a weekend', withMeeting('2024-09-04', before('meeting', 2)), '2024-08-29'],
    // Wed 07/02: Tết 08–14/02; Thu 15/02 (1), Fri 16/02 (2), Mon 19/02 (3).
    ['3 working days after, over Tết', withMeeting('2024-02-07', after('meeting', 3)), '2024-02-19'],
    // Fri 26/04: weekend, 29/04–01/05 off; Thu 02/05 (1), Fri 03/05 (2), Sat 04/05, a make-up working day (3).
    ['3 working days after, onto a make-up Saturday', withMeeting('2024-04-26', after('meeting', 3)), '2024-05-04'],
    // 0 working days from a day off: "before" lands on the working day before, "after" on the one after.
    ['0 working days before a Sunday', withMeeting('2024-12-08', before('meeting', 0)), '2024-12-06'],
    ['0 working days after a Sunday', withMeeting('2024-12-08', after('meeting', 0)), '2024-12-09'],
    ['0 calendar days after a Sunday: the Sunday', withMeeting('2024-12-08', after('meeting', 0, 'calendar')), '2024-12-08'],
  ])('%s', (_name, raw, expected) => {
    const r = resolveRelativeDates(raw, VN_2024);
    expect(r.problems).toEqual([]);
    expect(r.stages.registration?.deadline).toBe(expected);
  });

  test('the rule is kept beside the date (deadlineRule / opensOnRule); absolute dates and other keys are left as they are', () => {
    const raw = {
      registration: { opensOn: '2024-02-01', deadline: '2024-03-01', reminders: [7, 3] },
      reports: { opensOn: before('reports.deadline', 20, 'calendar'), deadline: before('meeting', 5), grace: 2 },
      meeting: { date: '2024-12-05', place: 'Hội trường' },
    };
    const copy = JSON.parse(JSON.stringify(raw));
    const r = resolveRelativeDates(raw, VN_2024);
    expect(r.problems).toEqual([]);
    expect(r.stages).toEqual({
      registration: { opensOn: '2024-02-01', deadline: '2024-03-01', reminders: [7, 3] },
      reports: {
        opensOn: '2024-11-08', // 28/11 − 20 days
        deadline: '2024-11-28',
        grace: 2,
        opensOnRule: { before: 'reports.deadline', days: 20, unit: 'calendar' },
        deadlineRule: { before: 'meeting', days: 5 },
      },
      meeting: { date: '2024-12-05', place: 'Hội trường' },
    });
    expect(Object.keys(r.stages.reports!).slice(0, 2)).toEqual(['opensOn', 'deadline']);
    expect(raw).toEqual(copy);
  });

  test.each<[string, RawStages, Record<string, string>]>([
    [
      // The reports deadline Sunday 17/11 is Friday 15/11 for the units: counted from there.
      'a referenced deadline on a day off counts from the previous working day (where the schedule puts it)',
      {
        registration: { deadline: '2024-03-01' },
        reports: { opensOn: before('reports.deadline', 5), deadline: '2024-11-17' },
        inspection: { deadline: after('reports.deadline', 5, 'calendar') },
      },
      { 'reports.opensOn': '2024-11-08', 'reports.deadline': '2024-11-17', 'inspection.deadline': '2024-11-20' },
    ],
    [
      'a referenced opening day is taken as written, even on a day off',
      { registration: { opensOn: '2024-03-02', deadline: after('registration.opensOn', 10, 'calendar') } },
      { 'registration.opensOn': '2024-03-02', 'registration.deadline': '2024-03-12' },
    ],
    [
      // Meeting Thu 05/12; inspection 2 working days before it (Tue 03/12); reports 3 working days
      // before that (02/12, 29/11, 28/11); proposal the working day after the meeting (Fri 06/12).
      'a chain, resolved in dependency order whatever the stage order',
      {
        registration: { deadline: '2024-03-01' },
        reports: { deadline: before('inspection.deadline', 3) },
        inspection: { opensOn: after('reports.deadline', 1), deadline: before('meeting', 2) },
        meeting: { date: '2024-12-05' },
        proposal: { opensOn: after('meeting', 0), deadline: after('meeting', 1) },
      },
      {
        'reports.deadline': '2024-11-28',
        'inspection.opensOn': '2024-11-29',
        'inspection.deadline': '2024-12-03',
        'proposal.opensOn': '2024-12-05',
        'proposal.deadline': '2024-12-06',
      },
    ],
  ])('%s', (_name, raw, expected) => {
    const r = resolveRelativeDates(raw, VN_2024);
    expect(r.problems).toEqual([]);
    const got: Record<string, string | undefined> = {};
    for (const key of Object.keys(expected)) {
      const [stage, field] = key.split('.') as ['reports', 'deadline'];
      got[key] = r.stages[stage]?.[field];
    }
    expect(got).toEqual(expected);
  });

  test('working days follow the calendar passed in: a six-day week', () => {
    const sixDays: CalendarConfig = { timeZone: 'Asia/Ho_Chi_Minh', holidays: [], workingWeekdays: [1, 2, 3, 4, 5, 6] };
    // Fri 06/12 + 1 working day is Saturday 07/12 in a six-day week.
    expect(resolveRelativeDates(withMeeting('2024-12-06', after('meeting', 1)), sixDays).stages.registration?.deadline).toBe('2024-12-07');
  });
});

describe('resolveRelativeDates: problems, each with its path', () => {
  test.each<[string, RawStages, DateProblem[], string[]]>([
    [
      'an unknown reference',
      { registration: { deadline: '2024-03-01' }, meeting: { date: '2024-12-05' }, proposal: { deadline: after('meetng', 1) } },
      [{ path: 'stages.proposal.deadline.after', message: 'unknown date "meetng"' }],
      ['proposal.deadline'],
    ],
    [
      'a reference that is not a date of a stage',
      { registration: { deadline: before('registration.timetable', 1) } },
      [{ path: 'stages.registration.deadline.before', message: 'unknown date "registration.timetable"' }],
      ['registration.deadline'],
    ],
    [
      'a stage the plan does not have',
      { registration: { deadline: '2024-03-01' }, proposal: { deadline: after('inspection.deadline', 5) } },
      [{ path: 'stages.proposal.deadline.after', message: '"inspection.deadline": the plan has no stages.inspection' }],
      ['proposal.deadline'],
    ],
    [
      'the meeting when the plan has none',
      { registration: { deadline: '2024-03-01' }, reports: { deadline: before('meeting', 5) } },
      [{ path: 'stages.reports.deadline.before', message: '"meeting": the plan has no stages.meeting' }],
      ['reports.deadline'],
    ],
    [
      'an opening day the stage does not have',
      { registration: { deadline: '2024-03-01' }, reports: { deadline: after('registration.opensOn', 30) } },
      [{ path: 'stages.reports.deadline.after', message: '"registration.opensOn": stages.registration has no opensOn' }],
      ['reports.deadline'],
    ],
    [
      'a loop of two, reported once at its first date',
      { registration: { deadline: '2024-03-01' }, reports: { deadline: before('inspection.deadline', 3) }, inspection: { deadline: after('reports.deadline', 3) } },
      [{ path: 'stages.reports.deadline', message: 'relative dates loop: reports.deadline → inspection.deadline → reports.deadline' }],
      ['reports.deadline', 'inspection.deadline'],
    ],
    [
      'a date that refers to itself',
      { registration: { deadline: after('registration.deadline', 1) } },
      [{ path: 'stages.registration.deadline', message: 'relative dates loop: registration.deadline → registration.deadline' }],
      ['registration.deadline'],
    ],
    [
      'a loop through an opening day',
      { registration: { opensOn: before('registration.deadline', 10), deadline: after('registration.opensOn', 10) } },
      [{ path: 'stages.registration.deadline', message: 'relative dates loop: registration.deadline → registration.opensOn → registration.deadline' }],
      ['registration.deadline', 'registration.opensOn'],
    ],
    [
      // registration → reports → inspection → reports: the loop is named, not the date that leads into it.
      'a date leading into a loop is not resolved, without a message of its own',
      {
        registration: { deadline: before('reports.deadline', 1) },
        reports: { deadline: before('inspection.deadline', 3) },
        inspection: { deadline: after('reports.deadline', 3) },
        proposal: { deadline: after('inspection.deadline', 3) },
      },
      [{ path: 'stages.reports.deadline', message: 'relative dates loop: reports.deadline → inspection.deadline → reports.deadline' }],
      ['registration.deadline', 'reports.deadline', 'inspection.deadline', 'proposal.deadline'],
    ],
    [
      'a date depending on an unknown reference is not resolved, without a message of its own',
      { registration: { deadline: '2024-03-01' }, reports: { deadline: before('meetng', 5) }, inspection: { deadline: after('reports.deadline', 5) } },
      [{ path: 'stages.reports.deadline.before', message: 'unknown date "meetng"' }],
      ['reports.deadline', 'inspection.deadline'],
    ],
    [
      'every problem at once, in stage order',
      {
        registration: { deadline: after('registration.deadline', 1) },
        midYear: { deadline: before('meetng', 1) },
        reports: { deadline: before('inspection.deadline', 3) },
        inspection: { deadline: after('reports.deadline', 3) },
        proposal: { deadline: after('meeting', 1) },
      },
      [
        { path: 'stages.registration.deadline', message: 'relative dates loop: registration.deadline → registration.deadline' },
        { path: 'stages.midYear.deadline.before', message: 'unknown date "meetng"' },
        { path: 'stages.reports.deadline', message: 'relative dates loop: reports.deadline → inspection.deadline → reports.deadline' },
        { path: 'stages.proposal.deadline.after', message: '"meeting": the plan has no stages.meeting' },
      ],
      ['registration.deadline', 'midYear.deadline', 'reports.deadline', 'inspection.deadline', 'proposal.deadline'],
    ],
  ])('%s', (_name, raw, problems, unresolved) => {
    const r = resolveRelativeDates(raw, VN_2024);
    expect(r.problems).toEqual(problems);
    for (const key of unresolved) {
      const [stage, field] = key.split('.') as ['reports', 'deadline'];
      expect(r.stages[stage]).not.toHaveProperty(field);
    }
  });

  test('a calendar without working days is reported at the date being counted', () => {
    const none: CalendarConfig = { timeZone: 'Asia/Ho_Chi_Minh', holidays: [], workingWeekdays: [] };
    expect(resolveRelativeDates(withMeeting('2024-12-05', before('meeting', 5)), none).problems).toEqual([
      { path: 'stages.registration.deadline', message: 'No working day within 3660 days of 2024-12-04: check the calendar' },
    ]);
  });

  test('malformed input is left to the schema: not resolved, not reported', () => {
    const r = resolveRelativeDates({ registration: { deadline: before('meeting', -1) }, meeting: { date: '2024-02-30' }, proposal: { deadline: after('meeting', 1) } }, VN_2024);
    expect(r.problems).toEqual([]);
    expect(r.stages.registration).not.toHaveProperty('deadline');
    expect(r.stages.proposal).not.toHaveProperty('deadline');
  });
});

test.each<[RelativeDate, string]>([
  [before('meeting', 5), '5 working days before meeting'],
  [after('meeting', 1, 'calendar'), '1 calendar day after meeting'],
  [after('reports.deadline', 1, 'working'), '1 working day after reports.deadline'],
])('describeRelativeDate(%j) = %s', (rule, text) => expect(describeRelativeDate(rule)).toBe(text));

describe('draftNextPlan keeps relative dates relative', () => {
  const valid = (input: unknown): Plan => {
    const r = validatePlan(input);
    if (!r.ok) throw new Error(`expected a valid plan, got ${JSON.stringify(r.problems)}`);
    return r.plan;
  };
  // 2027: meeting Fri 03/12; reports 15 working days before it (Fri 12/11); proposal 1 working day after (Mon 06/12).
  const input = (): PlanInput => {
    const p = yearEndPlan(2027);
    p.stages = {
      ...p.stages,
      reports: { opensOn: '2027-10-01', deadline: before('meeting', 15) },
      proposal: { opensOn: '2027-12-03', deadline: after('meeting', 1) },
    };
    return p;
  };

  test('the rule is written back, resolved again on next year\'s dates, with a note', () => {
    const plan = valid(input());
    expect(plan.stages.reports?.deadline).toBe('2027-11-12');
    const d = draftNextPlan(plan);
    expect(d.plan.stages.reports?.deadline).toEqual({ before: 'meeting', days: 15, unit: 'working' });
    expect(d.plan.stages.proposal?.deadline).toEqual({ after: 'meeting', days: 1, unit: 'working' });
    expect(d.plan.stages.reports).not.toHaveProperty('deadlineRule');
    // The absolute dates moved a year: the meeting is Sun 03/12/2028 (left as written, with its own note).
    expect(d.plan.stages.meeting?.date).toBe('2028-12-03');
    expect(d.plan.stages.reports?.opensOn).toBe('2028-10-01');
    const next = valid(d.plan);
    // 15 working days before Sunday 03/12/2028: Fri 01/12 (1), 30/11 … 27/11 (5), 24/11 … 20/11 (10), 17/11 … 13/11 (15).
    expect(next.stages.reports?.deadline).toBe('2028-11-13');
    expect(next.stages.proposal?.deadline).toBe('2028-12-04');
    expect(d.notes.find((n) => n.startsWith('kept relative'))).toBe(
      "kept relative, so they follow next year's dates and calendar: stages.reports.deadline (15 working days before meeting) → 2028-11-13; stages.proposal.deadline (1 working day after meeting) → 2028-12-04 on the drafted calendar (before next year's lunar holidays are added; they move again when those are).",
    );
    // Relative dates are not counted as moved (registration ×2, reports opensOn, inspection ×2 + 2 visits, meeting, proposal opensOn).
    expect(d.notes[0]).toBe('year 2027 → 2028; 9 date(s) moved by one year, same day and month.');
  });
});

describe("stagesForMeetingDay: a cluster's own meeting day", () => {
  // Resolved for a meeting on Thu 05/12/2024: reports 5 working days before (28/11), proposal 1 after (06/12),
  // the inspection 2 working days after the reports (02/12); the registration is absolute.
  const raw: RawStages = {
    registration: { deadline: '2024-03-01' },
    reports: { deadline: before('meeting', 5) },
    inspection: { deadline: after('reports.deadline', 2) },
    proposal: { deadline: after('meeting', 1) },
    meeting: { date: '2024-12-05' },
  };
  const planned = resolveRelativeDates(raw, VN_2024).stages;
  test.each<[string, string, Record<string, string>]>([
    ['the same day: the same dates', '2024-12-05', { registration: '2024-03-01', reports: '2024-11-28', inspection: '2024-12-02', proposal: '2024-12-06' }],
    // Tue 10/12: back 9/12 (Mon), 6, 5, 4, 3/12; inspection 2 after Tue 3/12 → Thu 5/12; proposal Wed 11/12.
    ['a later day moves every date relative to it, chains too', '2024-12-10', { registration: '2024-03-01', reports: '2024-12-03', inspection: '2024-12-05', proposal: '2024-12-11' }],
    // Fri 29/11: reports Fri 22/11, inspection Tue 26/11, proposal Mon 02/12.
    ['an earlier day too', '2024-11-29', { registration: '2024-03-01', reports: '2024-11-22', inspection: '2024-11-26', proposal: '2024-12-02' }],
  ])('%s', (_name, day, expected) => {
    const { stages, problems } = stagesForMeetingDay(planned, VN_2024, day);
    expect(problems).toEqual([]);
    expect(Object.fromEntries(Object.entries(expected).map(([k]) => [k, (stages as Record<string, { deadline: string }>)[k].deadline]))).toEqual(expected);
    // The rules stay beside the dates, and the meeting keeps the plan's own day.
    expect(stages.reports).toMatchObject({ deadlineRule: before('meeting', 5) });
    expect(stages.meeting).toEqual({ date: '2024-12-05' });
  });
});
