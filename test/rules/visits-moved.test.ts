/** Visits follow a moved inspection by working days, each in its own half-day slot (rules/compile.ts visitsMovedBy). */
import { visitsMovedBy } from '../../rules/compile';
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
