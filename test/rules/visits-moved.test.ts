/**
 * Visits follow a moved inspection by working days, each in its own half-day slot (rules/compile.ts
 * visitsMovedBy), and so does the plan's timetable (inspectionAfterMove).
 */
import { inspectionAfterMove, visitsMovedBy } from '../../rules/compile';
import { planSchema, type Plan } from '../../rules/plan';
import { yearEndPlan } from '../helpers/plans';
import type { InspectionVisit } from '../../workflows/cycle/definitions';

const plan = { timeZone: 'Asia/Ho_Chi_Minh', calendar: { holidays: ['2027-11-22'], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] } };
const visit = (date: string, slot: 'morning' | 'afternoon', unitId = 'xa-phu-tan'): InspectionVisit => ({
  unitId,
  date,
  slot,
  startsAt: `${date}T${slot === 'morning' ? '00:30' : '06:30'}:00.000Z`,
  endsAt: `${date}T${slot === 'morning' ? '04:30' : '10:00'}:00.000Z`,
  place: 'Trụ sở',
});

test.each([
  // Thursday + 1 working day: Friday.
  ['2027-11-18', 'morning', 1, '2027-11-19', '2027-11-19T00:30:00.000Z'],
  // Friday + 1 over the weekend and the holiday on Monday 22/11: Tuesday.
  ['2027-11-19', 'afternoon', 1, '2027-11-23', '2027-11-23T06:30:00.000Z'],
  // Backwards: Tuesday − 1 skips the holiday and the weekend: Friday.
  ['2027-11-23', 'morning', -1, '2027-11-19', '2027-11-19T00:30:00.000Z'],
  ['2027-11-18', 'afternoon', 5, '2027-11-26', '2027-11-26T06:30:00.000Z'],
] as const)('%s %s moved by %i working days → %s', (date, slot, days, to, startsAt) => {
  const [moved] = visitsMovedBy([visit(date, slot)], days, plan);
  expect(moved).toEqual({ ...visit(to, slot), startsAt, date: to });
});

test('not moved: the same visits', () => {
  const visits = [visit('2027-11-18', 'morning'), visit('2027-11-18', 'afternoon', 'xa-phu-loi')];
  expect(visitsMovedBy(visits, 0, plan)).toBe(visits);
});

describe("the plan's inspection after a move (inspectionAfterMove): its timetable follows its deadline", () => {
  const plan = planSchema.parse({ ...yearEndPlan(2027), calendar: { holidays: ['2027-11-22'] } }) as Plan;
  const withInspection = (over: Partial<NonNullable<Plan['stages']['inspection']>>): Plan => ({ ...plan, stages: { ...plan.stages, inspection: { ...plan.stages.inspection!, ...over } } });
  const dates = (p: Plan | undefined) => p && p.stages.inspection!.timetable.map((v) => `${v.date} ${v.slot}`);

  test.each([
    // Friday 26/11 → Tuesday 30/11: two working days; the visits of Thursday 18/11 go to Monday 22/11, a holiday, so Tuesday 23/11.
    ['two working days later', '2027-11-30', ['2027-11-23 morning', '2027-11-23 afternoon']],
    // → Wednesday 24/11: two working days earlier; the visits go to Tuesday 16/11.
    ['two working days earlier', '2027-11-24', ['2027-11-16 morning', '2027-11-16 afternoon']],
    // → Saturday 27/11: the deadline stays on Friday 26/11 (the previous working day), the visits do not move.
    ['onto a weekend that resolves to the same day', '2027-11-27', ['2027-11-18 morning', '2027-11-18 afternoon']],
  ] as const)('%s', (_name, deadline, timetable) => {
    const moved = inspectionAfterMove(plan, withInspection({ deadline }));
    expect(moved && { ...moved, timetable: moved.timetable.map((v) => `${v.date} ${v.slot}`) }).toEqual({ ...plan.stages.inspection!, deadline, timetable });
    expect(moved?.timetable.map((v) => v.units)).toEqual(plan.stages.inspection!.timetable.map((v) => v.units));
  });

  test('nothing moved: undefined; no inspection: undefined', () => {
    expect(inspectionAfterMove(plan, plan)).toBeUndefined();
    expect(inspectionAfterMove(plan, withInspection({}))).toBeUndefined();
    const none = { ...plan, stages: { ...plan.stages, inspection: undefined } } as Plan;
    expect(inspectionAfterMove(none, plan)).toBeUndefined();
    expect(dates(plan)).toEqual(['2027-11-18 morning', '2027-11-18 afternoon']);
  });
});
