/**
 * When the cycle's daily mail goes out (pure; the instant `at` is a parameter):
 * - the personal digests of a day at `digestTime` local (default 08:30, after the 08:00 notices
 *   they gather), every day — a moved deadline or a manual action may fall on any day;
 * - the secretariat's escalation digest at `secretariatTime` local (08:00) on working days.
 * The daily-mail workflow asks at each wake-up what is due now and when to wake next; the
 * answer is an activity result in its history, so the workflow itself does no calendar maths.
 */
import { isWorkingDay, localDate, localInstant, shiftDate, type CalendarConfig } from './calendar';

export const DEFAULT_DIGEST_TIME = '08:30';
export const SECRETARIAT_TIME = '08:00';

export interface DailyMailTimes {
  /** Personal digests of this local day and every earlier one are due (undefined: none yet today or before). */
  digestThrough?: string;
  /** The secretariat's digest of this working day is due (undefined: not a working day, or before its time). */
  secretariatDay?: string;
  /** The next instant anything above becomes due (ISO UTC). */
  nextAt: string;
}

export function dailyMailTimes(at: string, cal: CalendarConfig, opts: { digest: boolean; digestTime?: string }): DailyMailTimes {
  const now = Date.parse(at);
  const today = localDate(at, cal.timeZone);
  const yesterday = shiftDate(today, { days: -1, unit: 'calendar' }, cal);
  const digestTime = opts.digestTime ?? DEFAULT_DIGEST_TIME;
  const candidates: number[] = [];

  let digestThrough: string | undefined;
  if (opts.digest) {
    const todays = Date.parse(localInstant(today, digestTime, cal.timeZone));
    digestThrough = now >= todays ? today : yesterday;
    candidates.push(now >= todays ? Date.parse(localInstant(shiftDate(today, { days: 1, unit: 'calendar' }, cal), digestTime, cal.timeZone)) : todays);
  }

  const todaysSecretariat = Date.parse(localInstant(today, SECRETARIAT_TIME, cal.timeZone));
  const secretariatDay = isWorkingDay(today, cal) && now >= todaysSecretariat ? today : undefined;
  let day = isWorkingDay(today, cal) && now < todaysSecretariat ? today : shiftDate(today, { days: 1, unit: 'calendar' }, cal);
  for (let i = 0; i < 400 && !isWorkingDay(day, cal); i++) day = shiftDate(day, { days: 1, unit: 'calendar' }, cal);
  candidates.push(Date.parse(localInstant(day, SECRETARIAT_TIME, cal.timeZone)));

  return { ...(digestThrough ? { digestThrough } : {}), ...(secretariatDay ? { secretariatDay } : {}), nextAt: new Date(Math.min(...candidates)).toISOString() };
}
