/**
 * Turns one plan step (open date, deadline, reminder and escalation offsets) into the absolute
 * instants a Temporal workflow sleeps until. Pure: the calendar and all dates are parameters.
 *
 * Rule decisions (each one is covered by test/rules/schedule.test.ts):
 * - The deadline day is the plan's date after the non-working-day policy (default: previous
 *   working day); dueAt is its end of day (17:00 local, inclusive). Reminders and grace count
 *   from that adjusted day, i.e. from the deadline people actually have.
 * - Notices (reminders and escalations) go out at `reminderTime` (default 08:00 local) on
 *   working days only, never at night or at weekends.
 * - Reminder: deadline day shifted back by the offset; on a non-working day it moves to the
 *   previous working day (a reminder must never come later than promised). Reminders at or after
 *   dueAt are dropped; reminders landing on the same instant collapse into one.
 * - Reminders before opensAt are DROPPED, not moved to the opening day: the opening notice already
 *   tells people about the step, and a late "7 days left" would state a wrong number.
 *   opensAt is 00:00 local on opensOn, so a reminder at 08:00 on the opening day is kept.
 * - graceEndsAt = deadline day shifted by the grace offset, at the same end-of-day time
 *   (no grace → equals dueAt). It is not moved off non-working days: escalations below already
 *   wait for a working day.
 * - Escalation level i+1 goes out at `reminderTime` on the first working day strictly AFTER the
 *   grace-end day, shifted further by escalations[i] (working days by default; a calendar shift
 *   landing on a non-working day moves to the next working day, never before the grace end).
 *   Offsets must not decrease: level 2 may not be sent before level 1.
 * - Output arrays are sorted ascending by instant; equal escalation instants keep level order.
 */
import {
  assertCalendar,
  assertDate,
  assertTime,
  deadlineDate,
  instantMillis,
  localInstant,
  nextWorkingDay,
  previousWorkingDay,
  shiftDate,
  workingDaysBetween,
  DEFAULT_END_OF_DAY,
  type CalendarConfig,
  type NonWorkingDayPolicy,
  type Offset,
} from './calendar';

export const DEFAULT_REMINDER_TIME = '08:00';

export type StepScheduleInput = {
  /** Date the step opens (optional). */
  opensOn?: string;
  /** Deadline date as written in the plan. */
  deadline: string;
  /** Offsets before the deadline, e.g. 7, 3, 1 working days. */
  reminders: Offset[];
  /** Extra time after the deadline before escalating; default 0. */
  grace?: Offset;
  /** Offsets after the first working day following deadline + grace, e.g. [0, 2, 5]. */
  escalations: Offset[];
  /** Local 'HH:mm' at which notices go out; default '08:00'. */
  reminderTime?: string;
  /** Plan override for a deadline on a non-working day; default 'previous'. */
  onNonWorkingDay?: NonWorkingDayPolicy;
  /** Local 'HH:mm' at which the deadline day ends; default '17:00'. */
  endOfDay?: string;
};

export type StepSchedule = {
  opensAt: string | null;
  dueAt: string;
  graceEndsAt: string;
  reminders: { n: number; at: string; daysLeft: number }[];
  escalations: { level: number; at: string }[];
};

function assertNonNegative(offset: Offset, what: string): void {
  if (!offset || !Number.isInteger(offset.days) || offset.days < 0) {
    throw new Error(`Invalid ${what} ${JSON.stringify(offset)}: days must be an integer >= 0`);
  }
}

export function computeStepSchedule(input: StepScheduleInput, cal: CalendarConfig): StepSchedule {
  assertCalendar(cal);
  const tz = cal.timeZone;
  // Times are checked up front so a bad value fails even when no notice would use it.
  const sendTime = assertTime(input.reminderTime ?? DEFAULT_REMINDER_TIME, 'reminderTime');
  const endOfDay = assertTime(input.endOfDay ?? DEFAULT_END_OF_DAY, 'endOfDay');
  const grace = input.grace ?? { days: 0 };
  if (!Array.isArray(input.reminders) || !Array.isArray(input.escalations)) {
    throw new Error('reminders and escalations must be arrays of offsets');
  }
  input.reminders.forEach((r) => assertNonNegative(r, 'reminder offset'));
  input.escalations.forEach((e) => assertNonNegative(e, 'escalation offset'));
  assertNonNegative(grace, 'grace');

  const dueDay = deadlineDate(input.deadline, cal, input.onNonWorkingDay ?? 'previous');
  const dueAt = localInstant(dueDay, endOfDay, tz);
  const dueMs = instantMillis(dueAt);

  let opensAt: string | null = null;
  if (input.opensOn !== undefined) {
    const opensOn = assertDate(input.opensOn, 'opensOn');
    if (opensOn > dueDay) throw new Error(`opensOn ${opensOn} is after the deadline ${dueDay}`);
    opensAt = localInstant(opensOn, '00:00', tz);
  }
  const opensMs = opensAt === null ? -Infinity : instantMillis(opensAt);

  // Reminders: a Map keyed by instant collapses duplicates.
  const reminderDays = new Map<string, string>();
  for (const offset of input.reminders) {
    const day = previousWorkingDay(shiftDate(dueDay, { ...offset, days: -offset.days }, cal), cal);
    const at = localInstant(day, sendTime, tz);
    const ms = instantMillis(at);
    if (ms >= dueMs || ms < opensMs) continue;
    reminderDays.set(at, day);
  }
  const reminders = [...reminderDays.entries()]
    .sort(([a], [b]) => instantMillis(a) - instantMillis(b))
    .map(([at, day], i) => ({ n: i + 1, at, daysLeft: workingDaysBetween(day, dueDay, cal) }));

  const graceDay = shiftDate(dueDay, grace, cal);
  const graceEndsAt = localInstant(graceDay, endOfDay, tz);

  // Escalations start on the first working day strictly after the grace-end day.
  const firstEscalationDay = nextWorkingDay(shiftDate(graceDay, { days: 1, unit: 'calendar' }, cal), cal);
  const escalations = input.escalations.map((offset, i) => ({
    level: i + 1,
    at: localInstant(nextWorkingDay(shiftDate(firstEscalationDay, offset, cal), cal), sendTime, tz),
  }));
  for (let i = 1; i < escalations.length; i++) {
    if (instantMillis(escalations[i].at) < instantMillis(escalations[i - 1].at)) {
      throw new Error(`Escalation level ${i + 1} (${JSON.stringify(input.escalations[i])}) comes before level ${i}`);
    }
  }

  return { opensAt, dueAt, graceEndsAt, reminders, escalations };
}

/**
 * The earliest instant strictly after `now`, or null when none is pending. Strictly: an instant
 * equal to `now` is the one being handled right now. Compares by time, not by string, so
 * instants with different offsets are ordered correctly; returns the input string unchanged.
 */
export function nextAfter(instants: readonly string[], now: string): string | null {
  const nowMs = instantMillis(now);
  let best: string | null = null;
  let bestMs = Infinity;
  for (const instant of instants) {
    const ms = instantMillis(instant);
    if (ms > nowMs && ms < bestMs) {
      best = instant;
      bestMs = ms;
    }
  }
  return best;
}
