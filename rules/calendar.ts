/**
 * Working-day calendar rules: turn a plan's local calendar dates ('YYYY-MM-DD' in a time zone)
 * into absolute instants (ISO-8601 UTC strings) for Temporal workflows.
 *
 * Pure: no I/O, no clock, no global state. Every date, instant and calendar is a parameter.
 * Calendar dates are handled as zone-free days (luxon in UTC) so that date arithmetic never
 * meets a DST switch; the time zone is applied only when a date becomes an instant.
 */
import { DateTime, IANAZone } from 'luxon';

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';
export const DEFAULT_END_OF_DAY = '17:00';
const DEFAULT_WORKING_WEEKDAYS = [1, 2, 3, 4, 5];

export type CalendarConfig = {
  timeZone: string;
  /** 'YYYY-MM-DD' days off (public holidays, make-up days off). */
  holidays: string[];
  /** ISO weekdays 1=Mon..7=Sun; default Mon–Fri. */
  workingWeekdays?: number[];
  /** Make-up working days that fall on otherwise non-working weekdays. */
  extraWorkingDays?: string[];
};

/** A shift of `days`; working days unless `unit` is 'calendar'. */
export type Offset = { days: number; unit?: 'working' | 'calendar' };

export type NonWorkingDayPolicy = 'previous' | 'next' | 'keep';

export type DeadlineOptions = {
  /** Where a deadline on a weekend/holiday goes; default 'previous' (never later than the plan said). */
  onNonWorkingDay?: NonWorkingDayPolicy;
  /** Local 'HH:mm' at which a date deadline ends (inclusive); default '17:00'. */
  endOfDay?: string;
};

// A search for a working day that goes further than this means the calendar has none.
const MAX_SEARCH_DAYS = 3660;

// ---------------------------------------------------------------------------------------------
// Validation / parsing

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
// An instant must carry its offset: a bare local time would depend on the machine's zone.
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses a 'YYYY-MM-DD' calendar date as a zone-free day; throws naming the bad value. */
function parseDay(date: string, what = 'date'): DateTime {
  const day = typeof date === 'string' && DATE_RE.test(date) ? DateTime.fromISO(date, { zone: 'utc' }) : null;
  if (!day || !day.isValid) throw new Error(`Invalid ${what} ${JSON.stringify(date)}: expected 'YYYY-MM-DD'`);
  return day;
}

function formatDay(day: DateTime): string {
  return day.toISODate() as string;
}

/** Returns the validated 'YYYY-MM-DD' date (throws otherwise). */
export function assertDate(date: string, what = 'date'): string {
  return formatDay(parseDay(date, what));
}

export function assertTimeZone(timeZone: string): string {
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) {
    throw new Error(`Unknown time zone ${JSON.stringify(timeZone)}`);
  }
  return timeZone;
}

function parseTime(time: string, what: string): { hour: number; minute: number } {
  const m = typeof time === 'string' ? TIME_RE.exec(time) : null;
  if (!m) throw new Error(`Invalid ${what} ${JSON.stringify(time)}: expected 'HH:mm'`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** Returns the validated local 'HH:mm' time (throws otherwise). */
export function assertTime(time: string, what = 'time'): string {
  parseTime(time, what);
  return time;
}

function parseInstant(instant: string): DateTime {
  const dt = typeof instant === 'string' && INSTANT_RE.test(instant) ? DateTime.fromISO(instant) : null;
  if (!dt || !dt.isValid) {
    throw new Error(`Invalid instant ${JSON.stringify(instant)}: expected ISO-8601 with 'Z' or an offset`);
  }
  return dt;
}

/** Milliseconds since the epoch of a validated instant (for comparing instants with different offsets). */
export function instantMillis(instant: string): number {
  return parseInstant(instant).toMillis();
}

/** Checks the whole calendar once so a bad holiday is reported, not silently never matched. */
export function assertCalendar(cal: CalendarConfig): void {
  if (!cal || typeof cal !== 'object') throw new Error('Calendar config is required');
  assertTimeZone(cal.timeZone);
  if (!Array.isArray(cal.holidays)) throw new Error('Calendar holidays must be an array of dates');
  cal.holidays.forEach((d) => parseDay(d, 'holiday'));
  (cal.extraWorkingDays ?? []).forEach((d) => parseDay(d, 'extra working day'));
  for (const w of cal.workingWeekdays ?? []) {
    if (!Number.isInteger(w) || w < 1 || w > 7) throw new Error(`Invalid working weekday ${JSON.stringify(w)}: expected 1..7`);
  }
}

function assertOffset(offset: Offset): void {
  if (!offset || !Number.isInteger(offset.days)) {
    throw new Error(`Invalid offset ${JSON.stringify(offset)}: days must be an integer`);
  }
  if (offset.unit !== undefined && offset.unit !== 'working' && offset.unit !== 'calendar') {
    throw new Error(`Invalid offset unit ${JSON.stringify(offset.unit)}: expected 'working' or 'calendar'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Working days (calendar assumed valid in the internal helpers)

function isWorking(day: DateTime, cal: CalendarConfig): boolean {
  const iso = formatDay(day);
  // A declared make-up working day wins over everything: it is the most specific statement.
  if (cal.extraWorkingDays?.includes(iso)) return true;
  if (cal.holidays.includes(iso)) return false;
  return (cal.workingWeekdays ?? DEFAULT_WORKING_WEEKDAYS).includes(day.weekday);
}

/** Nearest working day from `day` (inclusive) walking in direction `step` (+1 / -1). */
function seekWorking(day: DateTime, step: 1 | -1, cal: CalendarConfig): DateTime {
  let d = day;
  for (let i = 0; i <= MAX_SEARCH_DAYS; i++, d = d.plus({ days: step })) {
    if (isWorking(d, cal)) return d;
  }
  throw new Error(`No working day within ${MAX_SEARCH_DAYS} days of ${formatDay(day)}: check the calendar`);
}

function addWorking(day: DateTime, n: number, cal: CalendarConfig): DateTime {
  const step = n < 0 ? -1 : 1;
  let d = day;
  for (let left = Math.abs(n); left > 0; left--) d = seekWorking(d.plus({ days: step }), step, cal);
  return d;
}

function shift(day: DateTime, offset: Offset, cal: CalendarConfig): DateTime {
  return offset.unit === 'calendar' ? day.plus({ days: offset.days }) : addWorking(day, offset.days, cal);
}

export function isWorkingDay(date: string, cal: CalendarConfig): boolean {
  assertCalendar(cal);
  return isWorking(parseDay(date), cal);
}

/** The date itself if it is a working day, else the closest earlier working day. */
export function previousWorkingDay(date: string, cal: CalendarConfig): string {
  assertCalendar(cal);
  return formatDay(seekWorking(parseDay(date), -1, cal));
}

/** The date itself if it is a working day, else the closest later working day. */
export function nextWorkingDay(date: string, cal: CalendarConfig): string {
  assertCalendar(cal);
  return formatDay(seekWorking(parseDay(date), 1, cal));
}

/**
 * Moves n working days (n < 0: backwards). 0 returns the date itself, even if it is not a working
 * day; otherwise the result is always a working day (from Saturday, +1 is Monday and -1 is Friday).
 */
export function addWorkingDays(date: string, n: number, cal: CalendarConfig): string {
  assertCalendar(cal);
  assertOffset({ days: n });
  return formatDay(addWorking(parseDay(date), n, cal));
}

/** Shifts by an offset: working days by default, plain days when unit is 'calendar'. */
export function shiftDate(date: string, offset: Offset, cal: CalendarConfig): string {
  assertCalendar(cal);
  assertOffset(offset);
  return formatDay(shift(parseDay(date), offset, cal));
}

/** Number of working days d with from < d <= to; when to < from, minus the count the other way. Reminder "days left". */
export function workingDaysBetween(from: string, to: string, cal: CalendarConfig): number {
  assertCalendar(cal);
  const a = parseDay(from, 'from date');
  const b = parseDay(to, 'to date');
  if (b.toMillis() < a.toMillis()) return -workingDaysBetween(to, from, cal);
  let count = 0;
  for (let d = a.plus({ days: 1 }); d.toMillis() <= b.toMillis(); d = d.plus({ days: 1 })) {
    if (isWorking(d, cal)) count++;
  }
  return count;
}

/** Applies the non-working-day policy to a deadline date (default: previous working day). */
export function deadlineDate(date: string, cal: CalendarConfig, onNonWorkingDay: NonWorkingDayPolicy = 'previous'): string {
  assertCalendar(cal);
  const day = parseDay(date, 'deadline');
  switch (onNonWorkingDay) {
    case 'keep':
      return formatDay(day);
    case 'previous':
      return formatDay(seekWorking(day, -1, cal));
    case 'next':
      return formatDay(seekWorking(day, 1, cal));
    default:
      throw new Error(`Invalid onNonWorkingDay ${JSON.stringify(onNonWorkingDay)}: expected previous, next or keep`);
  }
}

// ---------------------------------------------------------------------------------------------
// Dates <-> instants

/**
 * The instant at local wall-clock `time` ('HH:mm') on `date` in `timeZone`, as ISO UTC.
 * A time inside a DST gap is moved forward by luxon (e.g. 02:30 → 03:30 on the spring switch).
 */
export function localInstant(date: string, time: string, timeZone: string): string {
  const day = parseDay(date);
  const { hour, minute } = parseTime(time, 'time');
  const dt = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour, minute },
    { zone: assertTimeZone(timeZone) },
  );
  return dt.toUTC().toISO() as string;
}

/**
 * The instant a date deadline ends: `endOfDay` (default 17:00) local on that day, inclusive
 * (work submitted exactly at that instant is on time). A deadline on a weekend or holiday moves
 * to the previous working day unless the plan says 'next' or 'keep'.
 */
export function deadlineInstant(date: string, cal: CalendarConfig, opts: DeadlineOptions = {}): string {
  const day = deadlineDate(date, cal, opts.onNonWorkingDay ?? 'previous');
  return localInstant(day, opts.endOfDay ?? DEFAULT_END_OF_DAY, cal.timeZone);
}

export function localDate(instant: string, timeZone: string): string {
  return parseInstant(instant).setZone(assertTimeZone(timeZone)).toFormat('yyyy-MM-dd');
}

/** 'dd/MM/yyyy' in the given zone, e.g. '08/11/2024'. */
export function formatViDate(instant: string, timeZone: string): string {
  return parseInstant(instant).setZone(assertTimeZone(timeZone)).toFormat('dd/MM/yyyy');
}

/** 'HH:mm dd/MM/yyyy' in the given zone, e.g. '17:00 08/11/2024'. */
export function formatViDateTime(instant: string, timeZone: string): string {
  return parseInstant(instant).setZone(assertTimeZone(timeZone)).toFormat('HH:mm dd/MM/yyyy');
}

/**
 * Date line of an official document (Nghị định 30/2020/NĐ-CP): day < 10 and months 1 and 2 take a
 * leading zero (so '01'/'02' cannot be misread as 10/11/12 when altered); other months do not.
 * e.g. 'ngày 05 tháng 01 năm 2024', 'ngày 05 tháng 3 năm 2024', 'ngày 15 tháng 11 năm 2024'.
 */
export function formatDocumentDate(date: string): string {
  const day = parseDay(date);
  const dd = String(day.day).padStart(2, '0');
  const mm = day.month <= 2 ? String(day.month).padStart(2, '0') : String(day.month);
  return `ngày ${dd} tháng ${mm} năm ${day.year}`;
}
