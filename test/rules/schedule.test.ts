import { computeStepSchedule, nextAfter, type StepScheduleInput } from '../../rules/schedule';
import { BERLIN, VN_2024 } from './fixtures';

const W = (days: number) => ({ days }); // working days
const C = (days: number) => ({ days, unit: 'calendar' as const });

describe('computeStepSchedule: full schedules (Asia/Ho_Chi_Minh, 08:00 = 01:00Z, 17:00 = 10:00Z)', () => {
  test.each<[string, StepScheduleInput, ReturnType<typeof computeStepSchedule>]>([
    [
      'Fri 15/11/2024, reminders 7/3/1 working days, escalations 0/2/5 across weekends',
      { deadline: '2024-11-15', reminders: [W(7), W(3), W(1)], escalations: [W(0), W(2), W(5)] },
      {
        opensAt: null,
        dueAt: '2024-11-15T10:00:00.000Z',
        graceEndsAt: '2024-11-15T10:00:00.000Z',
        reminders: [
          { n: 1, at: '2024-11-06T01:00:00.000Z', daysLeft: 7 },
          { n: 2, at: '2024-11-12T01:00:00.000Z', daysLeft: 3 },
          { n: 3, at: '2024-11-14T01:00:00.000Z', daysLeft: 1 },
        ],
        escalations: [
          { level: 1, at: '2024-11-18T01:00:00.000Z' }, // Mon after the Friday deadline
          { level: 2, at: '2024-11-20T01:00:00.000Z' },
          { level: 3, at: '2024-11-25T01:00:00.000Z' },
        ],
      },
    ],
    [
      'Fri 16/02/2024 right after Tết: reminders skip Tết',
      { deadline: '2024-02-16', reminders: [W(7), W(3), W(1)], escalations: [W(0)] },
      {
        opensAt: null,
        dueAt: '2024-02-16T10:00:00.000Z',
        graceEndsAt: '2024-02-16T10:00:00.000Z',
        reminders: [
          { n: 1, at: '2024-01-31T01:00:00.000Z', daysLeft: 7 },
          { n: 2, at: '2024-02-06T01:00:00.000Z', daysLeft: 3 },
          { n: 3, at: '2024-02-15T01:00:00.000Z', daysLeft: 1 },
        ],
        escalations: [{ level: 1, at: '2024-02-19T01:00:00.000Z' }],
      },
    ],
    [
      'Sat 16/11/2024 deadline moves to Fri; calendar-day reminders 7/3/1',
      { deadline: '2024-11-16', reminders: [C(7), C(3), C(1)], escalations: [] },
      {
        opensAt: null,
        dueAt: '2024-11-15T10:00:00.000Z',
        graceEndsAt: '2024-11-15T10:00:00.000Z',
        reminders: [
          { n: 1, at: '2024-11-08T01:00:00.000Z', daysLeft: 5 }, // 7 calendar days = 5 working days
          { n: 2, at: '2024-11-12T01:00:00.000Z', daysLeft: 3 },
          { n: 3, at: '2024-11-14T01:00:00.000Z', daysLeft: 1 },
        ],
        escalations: [],
      },
    ],
    [
      'Mon 06/05/2024: make-up Saturday 04/05 is a working day for reminders',
      { deadline: '2024-05-06', reminders: [W(3), W(1)], escalations: [] },
      {
        opensAt: null,
        dueAt: '2024-05-06T10:00:00.000Z',
        graceEndsAt: '2024-05-06T10:00:00.000Z',
        reminders: [
          { n: 1, at: '2024-05-02T01:00:00.000Z', daysLeft: 3 },
          { n: 2, at: '2024-05-04T01:00:00.000Z', daysLeft: 1 },
        ],
        escalations: [],
      },
    ],
  ])('%s', (_name, input, expected) => {
    expect(computeStepSchedule(input, VN_2024)).toEqual(expected);
  });
});

describe('computeStepSchedule: reminders', () => {
  test('a reminder on a weekend moves to the previous working day and duplicates collapse', () => {
    // Deadline Mon 18/11: 1 cal day = Sun, 2 = Sat, 3 = Fri → all Friday 08:00.
    const s = computeStepSchedule({ deadline: '2024-11-18', reminders: [C(1), C(2), C(3)], escalations: [] }, VN_2024);
    expect(s.reminders).toEqual([{ n: 1, at: '2024-11-15T01:00:00.000Z', daysLeft: 1 }]);
  });

  test('a reminder that falls on Tết moves before Tết', () => {
    // Deadline Fri 16/02: 5 calendar days back = Sun 11/02 (Tết) → Wed 07/02.
    const s = computeStepSchedule({ deadline: '2024-02-16', reminders: [C(5)], escalations: [] }, VN_2024);
    expect(s.reminders).toEqual([{ n: 1, at: '2024-02-07T01:00:00.000Z', daysLeft: 2 }]);
  });

  test.each([
    ['08:00', [{ n: 1, at: '2024-11-15T01:00:00.000Z', daysLeft: 0 }]], // deadline morning is kept
    ['17:00', []], // at dueAt → dropped
    ['18:00', []], // after dueAt → dropped
  ])('same-day reminder at %s', (reminderTime, expected) => {
    const s = computeStepSchedule({ deadline: '2024-11-15', reminders: [W(0)], escalations: [], reminderTime }, VN_2024);
    expect(s.reminders).toEqual(expected);
  });

  test.each([
    // opensAt = 00:00 local on opensOn; earlier reminders are dropped (not moved) and n is renumbered.
    ['2024-11-11', '2024-11-10T17:00:00.000Z', ['2024-11-12T01:00:00.000Z', '2024-11-14T01:00:00.000Z']],
    ['2024-11-12', '2024-11-11T17:00:00.000Z', ['2024-11-12T01:00:00.000Z', '2024-11-14T01:00:00.000Z']],
    ['2024-11-13', '2024-11-12T17:00:00.000Z', ['2024-11-14T01:00:00.000Z']],
    ['2024-11-01', '2024-10-31T17:00:00.000Z', ['2024-11-06T01:00:00.000Z', '2024-11-12T01:00:00.000Z', '2024-11-14T01:00:00.000Z']],
  ])('opensOn %s: opensAt %s, reminders %j', (opensOn, opensAt, ats) => {
    const s = computeStepSchedule(
      { opensOn, deadline: '2024-11-15', reminders: [W(7), W(3), W(1)], escalations: [] },
      VN_2024,
    );
    expect(s.opensAt).toBe(opensAt);
    expect(s.reminders.map((r) => r.at)).toEqual(ats);
    expect(s.reminders.map((r) => r.n)).toEqual(ats.map((_, i) => i + 1));
  });

  test("plan says a Saturday deadline moves to Monday ('next')", () => {
    const s = computeStepSchedule(
      { deadline: '2024-11-16', onNonWorkingDay: 'next', reminders: [W(1)], escalations: [W(0)] },
      VN_2024,
    );
    expect(s.dueAt).toBe('2024-11-18T10:00:00.000Z');
    expect(s.reminders).toEqual([{ n: 1, at: '2024-11-15T01:00:00.000Z', daysLeft: 1 }]);
    expect(s.escalations).toEqual([{ level: 1, at: '2024-11-19T01:00:00.000Z' }]);
  });

  test('custom reminder time', () => {
    const s = computeStepSchedule(
      { deadline: '2024-11-15', reminders: [W(1)], escalations: [W(0)], reminderTime: '09:30' },
      VN_2024,
    );
    expect(s.reminders[0].at).toBe('2024-11-14T02:30:00.000Z');
    expect(s.escalations[0].at).toBe('2024-11-18T02:30:00.000Z');
  });
});

describe('computeStepSchedule: grace and escalations', () => {
  test.each<[string, Partial<StepScheduleInput>, string, string[]]>([
    // Thu 14/11 + 2 working days grace = Mon 18/11 17:00; escalations start Tue 19/11.
    ['2 working days grace', { deadline: '2024-11-14', grace: W(2), escalations: [W(0), W(1)] }, '2024-11-18T10:00:00.000Z', ['2024-11-19T01:00:00.000Z', '2024-11-20T01:00:00.000Z']],
    // Thu 14/11 + 2 calendar days = Sat 16/11 17:00 (not moved); first escalation Mon 18/11.
    ['2 calendar days grace ending on Saturday', { deadline: '2024-11-14', grace: C(2), escalations: [W(0)] }, '2024-11-16T10:00:00.000Z', ['2024-11-18T01:00:00.000Z']],
    // Fri 30/08: next working day is Wed 04/09 (2/9 and 3/9 off); +3 calendar = Sat 07/09 → Mon 09/09.
    ['escalations across 2/9', { deadline: '2024-08-30', escalations: [W(0), C(3)] }, '2024-08-30T10:00:00.000Z', ['2024-09-04T01:00:00.000Z', '2024-09-09T01:00:00.000Z']],
    // Fri 26/04: next working day Thu 02/05; +2 working = make-up Sat 04/05.
    ['escalations across 30/4–1/5', { deadline: '2024-04-26', escalations: [W(0), W(2)] }, '2024-04-26T10:00:00.000Z', ['2024-05-02T01:00:00.000Z', '2024-05-04T01:00:00.000Z']],
    // Equal offsets are allowed and keep level order.
    ['equal offsets', { deadline: '2024-11-15', escalations: [W(1), W(1)] }, '2024-11-15T10:00:00.000Z', ['2024-11-19T01:00:00.000Z', '2024-11-19T01:00:00.000Z']],
  ])('%s', (_name, partial, graceEndsAt, escalationAts) => {
    const s = computeStepSchedule({ deadline: '', reminders: [], escalations: [], ...partial }, VN_2024);
    expect(s.graceEndsAt).toBe(graceEndsAt);
    expect(s.escalations).toEqual(escalationAts.map((at, i) => ({ level: i + 1, at })));
  });
});

describe('computeStepSchedule: Europe/Berlin across DST switches', () => {
  test('spring forward 31/03/2024: 08:00 is 07:00Z before, 06:00Z after', () => {
    expect(computeStepSchedule({ deadline: '2024-04-02', reminders: [W(3), W(1)], escalations: [W(0)] }, BERLIN)).toEqual({
      opensAt: null,
      dueAt: '2024-04-02T15:00:00.000Z',
      graceEndsAt: '2024-04-02T15:00:00.000Z',
      reminders: [
        { n: 1, at: '2024-03-28T07:00:00.000Z', daysLeft: 3 },
        { n: 2, at: '2024-04-01T06:00:00.000Z', daysLeft: 1 },
      ],
      escalations: [{ level: 1, at: '2024-04-03T06:00:00.000Z' }],
    });
  });

  test('fall back 27/10/2024', () => {
    const s = computeStepSchedule({ deadline: '2024-10-28', reminders: [W(1)], escalations: [W(0)] }, BERLIN);
    expect(s.reminders).toEqual([{ n: 1, at: '2024-10-25T06:00:00.000Z', daysLeft: 1 }]);
    expect(s.dueAt).toBe('2024-10-28T16:00:00.000Z');
    expect(s.escalations).toEqual([{ level: 1, at: '2024-10-29T07:00:00.000Z' }]);
  });
});

describe('computeStepSchedule: determinism', () => {
  test('reminder order in the input does not matter', () => {
    const a = computeStepSchedule({ deadline: '2024-11-15', reminders: [W(1), W(7), W(3)], escalations: [W(0)] }, VN_2024);
    const b = computeStepSchedule({ deadline: '2024-11-15', reminders: [W(7), W(3), W(1)], escalations: [W(0)] }, VN_2024);
    expect(a).toEqual(b);
    expect(a.reminders.map((r) => r.daysLeft)).toEqual([7, 3, 1]);
  });
});

describe('computeStepSchedule: bad input', () => {
  const base: StepScheduleInput = { deadline: '2024-11-15', reminders: [], escalations: [] };
  test.each<[string, StepScheduleInput, string]>([
    ['malformed deadline', { ...base, deadline: '15/11/2024' }, '15/11/2024'],
    ['malformed opensOn', { ...base, opensOn: '2024-11-31' }, '2024-11-31'],
    ['opensOn after deadline', { ...base, opensOn: '2024-11-18' }, 'opensOn 2024-11-18 is after the deadline 2024-11-15'],
    ['negative reminder', { ...base, reminders: [W(-1)] }, 'reminder offset'],
    ['negative grace', { ...base, grace: W(-1) }, 'grace'],
    ['fractional escalation', { ...base, escalations: [W(0.5)] }, 'escalation offset'],
    ['decreasing escalations', { ...base, escalations: [W(5), W(2)] }, 'Escalation level 2'],
    ['bad reminder time', { ...base, reminderTime: '8h' }, '8h'],
    ['bad end of day', { ...base, endOfDay: '17h' }, '17h'],
  ])('%s', (_name, input, named) => {
    expect(() => computeStepSchedule(input, VN_2024)).toThrow(named);
  });

  test('unknown time zone', () => {
    expect(() => computeStepSchedule(base, { ...VN_2024, timeZone: 'Asia/Hanoi' })).toThrow('Asia/Hanoi');
  });
});

describe('nextAfter', () => {
  const ats = ['2024-11-06T01:00:00.000Z', '2024-11-12T01:00:00.000Z', '2024-11-14T01:00:00.000Z'];
  test.each<[string, string[], string, string | null]>([
    ['before all', ats, '2024-11-01T00:00:00.000Z', '2024-11-06T01:00:00.000Z'],
    ['equal is not pending', ats, '2024-11-06T01:00:00.000Z', '2024-11-12T01:00:00.000Z'],
    ['in between', ats, '2024-11-13T00:00:00.000Z', '2024-11-14T01:00:00.000Z'],
    ['after all', ats, '2024-11-14T01:00:00.001Z', null],
    ['empty', [], '2024-11-01T00:00:00.000Z', null],
    ['unsorted input', [...ats].reverse(), '2024-11-01T00:00:00.000Z', '2024-11-06T01:00:00.000Z'],
    // 16:00+07:00 = 09:00Z comes before 09:30Z even though it sorts after it as a string.
    ['compares by time, not text', ['2024-11-15T09:30:00.000Z', '2024-11-15T16:00:00+07:00'], '2024-11-15T08:00:00.000Z', '2024-11-15T16:00:00+07:00'],
  ])('%s', (_name, instants, now, expected) => {
    expect(nextAfter(instants, now)).toBe(expected);
  });

  test('bad instant throws naming it', () => {
    expect(() => nextAfter(ats, '2024-11-15 08:00')).toThrow('2024-11-15 08:00');
    expect(() => nextAfter(['soon'], '2024-11-15T08:00:00Z')).toThrow('soon');
  });
});
