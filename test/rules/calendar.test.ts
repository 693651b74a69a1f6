import {
  addWorkingDays,
  deadlineInstant,
  formatDocumentDate,
  formatViDate,
  formatViDateTime,
  isWorkingDay,
  localDate,
  localInstant,
  nextWorkingDay,
  previousWorkingDay,
  shiftDate,
  workingDaysBetween,
  type CalendarConfig,
  type Offset,
} from '../../rules/calendar';
import { BERLIN, VN_2024 } from './fixtures';

describe('isWorkingDay', () => {
  test.each([
    ['2024-02-07', true], // Wed before Tết
    ['2024-02-08', false], // Tết
    ['2024-02-14', false], // last day of Tết (Wed)
    ['2024-02-15', true],
    ['2024-04-29', false], // make-up day off (Mon)
    ['2024-05-01', false],
    ['2024-05-04', true], // Saturday made a working day
    ['2024-05-05', false], // Sunday
    ['2024-09-03', false],
    ['2024-09-04', true],
    ['2024-11-15', true], // Friday
    ['2024-11-16', false], // Saturday
  ])('%s → %s', (date, expected) => {
    expect(isWorkingDay(date, VN_2024)).toBe(expected);
  });

  test('custom working weekdays (Mon–Sat)', () => {
    expect(isWorkingDay('2024-11-16', { ...VN_2024, workingWeekdays: [1, 2, 3, 4, 5, 6] })).toBe(true);
  });
});

describe('previousWorkingDay / nextWorkingDay', () => {
  test.each([
    ['2024-11-16', '2024-11-15'], // Sat → Fri
    ['2024-11-15', '2024-11-15'], // working day → itself
    ['2024-02-14', '2024-02-07'], // end of Tết → before Tết
    ['2024-05-01', '2024-04-26'], // 1/5 → Fri before the long weekend
    ['2024-09-03', '2024-08-30'],
  ])('previous(%s) = %s', (date, expected) => {
    expect(previousWorkingDay(date, VN_2024)).toBe(expected);
  });

  test.each([
    ['2024-02-08', '2024-02-15'],
    ['2024-04-27', '2024-05-02'],
    ['2024-05-04', '2024-05-04'], // make-up Saturday is itself
    ['2024-08-31', '2024-09-04'],
  ])('next(%s) = %s', (date, expected) => {
    expect(nextWorkingDay(date, VN_2024)).toBe(expected);
  });
});

describe('addWorkingDays', () => {
  test.each([
    ['2024-11-15', 0, '2024-11-15'],
    ['2024-11-16', 0, '2024-11-16'], // 0 is the date itself even on a Saturday
    ['2024-11-15', 1, '2024-11-18'], // over the weekend
    ['2024-11-18', -1, '2024-11-15'],
    ['2024-11-16', 1, '2024-11-18'],
    ['2024-11-16', -1, '2024-11-15'],
    ['2024-02-07', 1, '2024-02-15'], // over Tết
    ['2024-02-15', -1, '2024-02-07'],
    ['2024-02-19', -5, '2024-02-05'],
    ['2024-04-26', 2, '2024-05-03'],
    ['2024-04-26', 3, '2024-05-04'], // make-up Saturday counts
    ['2024-04-26', 4, '2024-05-06'],
    ['2024-09-06', -3, '2024-08-30'], // over 2/9 + 3/9
  ])('%s %+d → %s', (date, n, expected) => {
    expect(addWorkingDays(date, n, VN_2024)).toBe(expected);
  });
});

describe('shiftDate', () => {
  test.each<[string, Offset, string]>([
    ['2024-11-15', { days: 3 }, '2024-11-20'], // working by default
    ['2024-11-15', { days: 3, unit: 'working' }, '2024-11-20'],
    ['2024-11-15', { days: 3, unit: 'calendar' }, '2024-11-18'],
    ['2024-02-16', { days: -7 }, '2024-01-31'], // 7 working days back across Tết
    ['2024-02-16', { days: -7, unit: 'calendar' }, '2024-02-09'], // calendar days ignore holidays
    ['2024-12-31', { days: 1, unit: 'calendar' }, '2025-01-01'],
    ['2024-02-28', { days: 1, unit: 'calendar' }, '2024-02-29'], // leap year
  ])('%s by %j → %s', (date, offset, expected) => {
    expect(shiftDate(date, offset, VN_2024)).toBe(expected);
  });
});

describe('workingDaysBetween', () => {
  test.each([
    ['2024-11-06', '2024-11-15', 7],
    ['2024-11-15', '2024-11-15', 0],
    ['2024-11-08', '2024-11-15', 5],
    ['2024-02-07', '2024-02-15', 1], // Tết days do not count
    ['2024-11-15', '2024-11-08', -5],
  ])('(%s, %s] = %d', (from, to, expected) => {
    expect(workingDaysBetween(from, to, VN_2024)).toBe(expected);
  });
});

describe('deadlineInstant', () => {
  test.each<[string, CalendarConfig, Parameters<typeof deadlineInstant>[2], string]>([
    ['2023-11-10', VN_2024, undefined, '2023-11-10T10:00:00.000Z'], // Friday, 17:00 UTC+7
    ['2024-11-16', VN_2024, undefined, '2024-11-15T10:00:00.000Z'], // Saturday → Friday 17:00
    ['2024-11-16', VN_2024, { onNonWorkingDay: 'next' }, '2024-11-18T10:00:00.000Z'],
    ['2024-11-16', VN_2024, { onNonWorkingDay: 'keep' }, '2024-11-16T10:00:00.000Z'],
    ['2024-02-10', VN_2024, undefined, '2024-02-07T10:00:00.000Z'], // Tết → before Tết
    ['2024-09-02', VN_2024, { onNonWorkingDay: 'next' }, '2024-09-04T10:00:00.000Z'],
    ['2024-05-04', VN_2024, undefined, '2024-05-04T10:00:00.000Z'], // make-up Saturday stays
    ['2024-11-08', VN_2024, { endOfDay: '16:30' }, '2024-11-08T09:30:00.000Z'],
    // Europe/Berlin around the 31/3/2024 switch: 17:00 is 16:00Z in CET, 15:00Z in CEST.
    ['2024-03-29', BERLIN, undefined, '2024-03-29T16:00:00.000Z'],
    ['2024-04-02', BERLIN, undefined, '2024-04-02T15:00:00.000Z'],
    ['2024-03-31', BERLIN, undefined, '2024-03-29T16:00:00.000Z'], // Sunday of the switch → Friday
    ['2024-10-25', BERLIN, undefined, '2024-10-25T15:00:00.000Z'],
    ['2024-10-28', BERLIN, undefined, '2024-10-28T16:00:00.000Z'],
  ])('%s → %s', (date, cal, opts, expected) => {
    expect(deadlineInstant(date, cal, opts)).toBe(expected);
  });
});

describe('localInstant', () => {
  test.each([
    ['2024-11-08', '08:00', 'Asia/Ho_Chi_Minh', '2024-11-08T01:00:00.000Z'],
    ['2024-01-01', '00:00', 'Asia/Ho_Chi_Minh', '2023-12-31T17:00:00.000Z'],
    ['2024-03-31', '01:30', 'Europe/Berlin', '2024-03-31T00:30:00.000Z'], // still CET
    ['2024-03-31', '02:30', 'Europe/Berlin', '2024-03-31T01:30:00.000Z'], // in the gap → 03:30 CEST
    ['2024-03-31', '08:00', 'Europe/Berlin', '2024-03-31T06:00:00.000Z'], // CEST
  ])('%s %s %s → %s', (date, time, tz, expected) => {
    expect(localInstant(date, time, tz)).toBe(expected);
  });
});

describe('localDate / formatViDate / formatViDateTime', () => {
  test.each([
    ['2024-11-08T17:30:00.000Z', 'Asia/Ho_Chi_Minh', '2024-11-09'], // 00:30 next day locally
    ['2024-11-08T16:59:59.999Z', 'Asia/Ho_Chi_Minh', '2024-11-08'],
    ['2024-03-30T23:30:00.000Z', 'Europe/Berlin', '2024-03-31'],
    ['2024-11-09T05:00:00+07:00', 'UTC', '2024-11-08'],
  ])('localDate(%s, %s) = %s', (instant, tz, expected) => {
    expect(localDate(instant, tz)).toBe(expected);
  });

  test.each([
    ['2024-11-08T10:00:00.000Z', 'Asia/Ho_Chi_Minh', '08/11/2024'],
    ['2024-02-29T17:00:00.000Z', 'Asia/Ho_Chi_Minh', '01/03/2024'],
  ])('formatViDate(%s, %s) = %s', (instant, tz, expected) => {
    expect(formatViDate(instant, tz)).toBe(expected);
  });

  test.each([
    ['2024-11-08T10:00:00.000Z', 'Asia/Ho_Chi_Minh', '17:00 08/11/2024'],
    ['2024-01-04T18:05:00.000Z', 'Asia/Ho_Chi_Minh', '01:05 05/01/2024'],
    ['2024-03-31T00:30:00.000Z', 'Europe/Berlin', '01:30 31/03/2024'],
    ['2024-03-31T01:30:00.000Z', 'Europe/Berlin', '03:30 31/03/2024'],
  ])('formatViDateTime(%s, %s) = %s', (instant, tz, expected) => {
    expect(formatViDateTime(instant, tz)).toBe(expected);
  });
});

describe('formatDocumentDate', () => {
  test.each([
    ['2024-01-05', 'ngày 05 tháng 01 năm 2024'],
    ['2024-01-25', 'ngày 25 tháng 01 năm 2024'],
    ['2024-02-09', 'ngày 09 tháng 02 năm 2024'],
    ['2024-03-05', 'ngày 05 tháng 3 năm 2024'],
    ['2024-10-01', 'ngày 01 tháng 10 năm 2024'],
    ['2024-11-15', 'ngày 15 tháng 11 năm 2024'],
    ['2024-12-31', 'ngày 31 tháng 12 năm 2024'],
  ])('%s → %s', (date, expected) => {
    expect(formatDocumentDate(date)).toBe(expected);
  });
});

describe('bad input', () => {
  test.each<[string, () => unknown, string]>([
    ['month 13', () => isWorkingDay('2024-13-01', VN_2024), '2024-13-01'],
    ['30 February', () => previousWorkingDay('2024-02-30', VN_2024), '2024-02-30'],
    ['dd/MM/yyyy', () => deadlineInstant('10/11/2023', VN_2024), '10/11/2023'],
    ['no zero padding', () => shiftDate('2024-1-5', { days: 1 }, VN_2024), '2024-1-5'],
    ['empty date', () => formatDocumentDate(''), '""'],
    ['unknown zone', () => deadlineInstant('2024-11-08', { ...VN_2024, timeZone: 'Asia/Hanoi' }), 'Asia/Hanoi'],
    ['unknown zone (localDate)', () => localDate('2024-11-08T10:00:00.000Z', 'Mars/Olympus'), 'Mars/Olympus'],
    ['bad holiday', () => isWorkingDay('2024-11-08', { ...VN_2024, holidays: ['2024-2-8'] }), '2024-2-8'],
    ['bad extra working day', () => isWorkingDay('2024-11-08', { ...VN_2024, extraWorkingDays: ['4/5/2024'] }), '4/5/2024'],
    ['bad weekday', () => isWorkingDay('2024-11-08', { ...VN_2024, workingWeekdays: [0] }), 'weekday 0'],
    ['bad end of day', () => deadlineInstant('2024-11-08', VN_2024, { endOfDay: '25:00' }), '25:00'],
    ['bad policy', () => deadlineInstant('2024-11-16', VN_2024, { onNonWorkingDay: 'later' as never }), 'later'],
    ['instant without offset', () => localDate('2024-11-08T10:00:00', 'Asia/Ho_Chi_Minh'), '2024-11-08T10:00:00'],
    ['fractional working days', () => addWorkingDays('2024-11-08', 1.5, VN_2024), '1.5'],
    ['bad unit', () => shiftDate('2024-11-08', { days: 1, unit: 'week' as never }, VN_2024), 'week'],
    ['no working weekdays', () => nextWorkingDay('2024-11-08', { ...VN_2024, workingWeekdays: [] }), 'No working day'],
  ])('%s throws naming %s', (_name, run, named) => {
    expect(run).toThrow(Error);
    expect(run).toThrow(named);
  });
});
