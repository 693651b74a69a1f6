/**
 * Next year's plan drafted from this year's (`thidua plan next`): the coordinator starts from it
 * instead of from a blank file, and reviews the notes.
 *
 * Pure: no I/O, no clock.
 *
 * Rule decisions (each one is covered by test/rules/next-plan.test.ts):
 * - `year` moves by one, and so does every date in the plan (stage opensOn/deadline, the meeting day
 *   and each cluster's own meeting day, calendar.extraWorkingDays), keeping day and month; 29 February
 *   becomes 28 February. A deadline that lands on a non-working day is left as it is: the calendar
 *   rules already move it to the previous working day (a note says so). A meeting day on a
 *   non-working day is left too, with a note (meeting days are not moved by the calendar).
 * - Public holidays: the fixed solar ones (month-day 01-01, 04-30, 05-01, 09-02, 09-03) are kept,
 *   moved by a year; every other holiday date is taken as lunar (Tết, Giỗ Tổ Hùng Vương 10/3 âm lịch)
 *   or a substitute day off, and dropped with a note asking for next year's dates.
 * - Each cluster's head and deputy come from rules/rotation.ts `nextHead` ('rotate' unless the
 *   options say otherwise), with the plan's head as the history of the plan's year. A cluster may
 *   gain a deputy it did not have (rotation always names one when the cluster has 2+ members).
 * - document.number is removed: a new number is issued each year.
 * - A stage date written relative (`deadline: { before: meeting, days: 5 }`, rules/relative-dates.ts)
 *   stays relative in the draft: the rule is written back instead of the date (taken from the
 *   `deadlineRule` / `opensOnRule` of the parsed plan), so it is resolved again on next year's
 *   calendar, and a note gives the day it comes to on the drafted calendar.
 * - Everything else is copied. The input must validate, and so must the draft; otherwise an Error
 *   (NextPlanError) names every problem.
 */
import { isWorkingDay, previousWorkingDay, type CalendarConfig } from './calendar';
import { validatePlan, type Plan, type PlanInput, type PlanProblem } from './plan';
import { describeRelativeDate, type RelativeDate, type StageDate } from './relative-dates';
import { nextHead, type NextLeadership, type RotationRule } from './rotation';

/** Month-days of the fixed solar public holidays (the day after 2/9 only where the plan has it). */
export const SOLAR_HOLIDAYS: readonly string[] = ['01-01', '04-30', '05-01', '09-02', '09-03'];

/** Earlier heads by cluster id, e.g. `{ 'cum-1': [{ year: 2025, head: 'xa-phu-loi' }] }`. */
export type HeadHistory = Readonly<Record<string, readonly { year: number; head: string }[]>>;

export type NextPlanOptions = {
  /**
   * Heads of the years before the plan's, by cluster id (used by `rotation.avoidRecent`). The plan's
   * own head is always the history of the plan's year; entries for that year or later are ignored,
   * and so are clusters the plan does not have.
   */
  history?: HeadHistory;
  /** Default `{ mode: 'rotate' }`. */
  rotation?: RotationRule;
};

export type NextPlanDraft = { plan: PlanInput; notes: string[] };

export class NextPlanError extends Error {
  constructor(
    message: string,
    readonly problems: PlanProblem[],
  ) {
    super(`${message}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'NextPlanError';
  }
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The same day and month a year later; 29 February becomes 28 February. */
export function nextYearDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`Invalid date ${JSON.stringify(date)}: expected 'YYYY-MM-DD'`);
  const year = Number(m[1]) + 1;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = m[2] === '02' && m[3] === '29' && !leap ? '28' : m[3];
  return `${String(year).padStart(4, '0')}-${m[2]}-${day}`;
}

/** ISO weekday 1 = Monday … 7 = Sunday. */
const isoWeekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
const weekdayName = (date: string) => WEEKDAYS[isoWeekday(date) % 7];

/** Next year's draft of a valid plan, and the notes the coordinator should review. */
export function draftNextPlan(plan: Plan, opts: NextPlanOptions = {}): NextPlanDraft {
  const input = validatePlan(plan);
  if (!input.ok) throw new NextPlanError('The plan is not valid, so no draft was made:', input.problems);
  const cur = input.plan;
  const year = cur.year + 1;
  const draft = JSON.parse(JSON.stringify(cur)) as Plan;
  const notes: string[] = [];
  let moved = 0;
  const leapDays: string[] = [];
  const move = (path: string, date: string): string => {
    const next = nextYearDate(date);
    moved++;
    if (date.endsWith('-02-29')) leapDays.push(`${path} ${date} → ${next}`);
    return next;
  };

  draft.year = year;

  // Calendar first: the weekend/holiday notes below are about the drafted calendar.
  const solar = cur.calendar.holidays.filter((d) => SOLAR_HOLIDAYS.includes(d.slice(5)));
  const lunar = cur.calendar.holidays.filter((d) => !SOLAR_HOLIDAYS.includes(d.slice(5)));
  draft.calendar.holidays = solar.map((d) => move('calendar.holidays', d));
  draft.calendar.extraWorkingDays = cur.calendar.extraWorkingDays.map((d) => move('calendar.extraWorkingDays', d));
  const cal: CalendarConfig = { timeZone: draft.timeZone, ...draft.calendar };
  const restDay = (d: string) => !draft.calendar.workingWeekdays.includes(isoWeekday(d));
  const whyOff = (d: string) => (draft.calendar.holidays.includes(d) ? 'a public holiday' : `a ${weekdayName(d)}`);

  const offDeadlines: string[] = [];
  const offMeetings: string[] = [];
  // The relative rules are on the plan passed in (validating it again resolved them to dates).
  const rulesOf = (name: string) => (plan.stages as Record<string, { deadlineRule?: RelativeDate; opensOnRule?: RelativeDate } | undefined>)[name];
  const relative: { path: string; rule: RelativeDate; get: (p: Plan) => string | undefined }[] = [];
  for (const [name, stage] of Object.entries(draft.stages)) {
    if (!stage) continue;
    if (name === 'meeting') {
      const m = stage as NonNullable<Plan['stages']['meeting']>;
      m.date = move('stages.meeting.date', m.date);
      if (!isWorkingDay(m.date, cal)) offMeetings.push(`stages.meeting.date ${m.date} is ${whyOff(m.date)}`);
      for (const [id, d] of Object.entries(m.clusters)) {
        m.clusters[id] = move(`stages.meeting.clusters.${id}`, d);
        if (!isWorkingDay(m.clusters[id], cal)) offMeetings.push(`stages.meeting.clusters.${id} ${m.clusters[id]} is ${whyOff(m.clusters[id])}`);
      }
      continue;
    }
    const s = stage as NonNullable<Plan['stages']['registration']>;
    const written = s as unknown as { opensOn?: StageDate; deadline: StageDate };
    const rules = rulesOf(name);
    const get = (field: 'opensOn' | 'deadline') => (p: Plan) => (p.stages as Record<string, { opensOn?: string; deadline?: string } | undefined>)[name]?.[field];
    if (rules?.opensOnRule && s.opensOn !== undefined) {
      written.opensOn = { ...rules.opensOnRule };
      relative.push({ path: `stages.${name}.opensOn`, rule: rules.opensOnRule, get: get('opensOn') });
    } else if (s.opensOn !== undefined) s.opensOn = move(`stages.${name}.opensOn`, s.opensOn);
    if (rules?.deadlineRule) {
      written.deadline = { ...rules.deadlineRule };
      relative.push({ path: `stages.${name}.deadline`, rule: rules.deadlineRule, get: get('deadline') });
    } else {
      s.deadline = move(`stages.${name}.deadline`, s.deadline);
      if (!isWorkingDay(s.deadline, cal))
        offDeadlines.push(`stages.${name}.deadline ${s.deadline} is ${whyOff(s.deadline)} (→ ${previousWorkingDay(s.deadline, cal)})`);
    }
    if (name === 'inspection') {
      const insp = stage as NonNullable<Plan['stages']['inspection']>;
      insp.timetable = insp.timetable.map((v, i) => ({ ...v, date: move(`stages.inspection.timetable[${i}].date`, v.date) }));
    }
  }

  notes.push(`year ${cur.year} → ${year}; ${moved} date(s) moved by one year, same day and month.`);
  if (leapDays.length) notes.push(`29 February does not exist in ${year}: ${leapDays.join('; ')}.`);
  if (offDeadlines.length)
    notes.push(
      `left as they are: ${offDeadlines.join('; ')}. The calendar rules move a deadline on a non-working day to the previous working day (shown on the drafted calendar, before next year's lunar holidays are added).`,
    );
  if (offMeetings.length) notes.push(`meeting days are not moved by the calendar, check them: ${offMeetings.join('; ')}.`);

  if (solar.length) {
    const onRestDay = draft.calendar.holidays.filter(restDay);
    notes.push(
      `calendar.holidays: kept the fixed solar holidays, moved to ${year}: ${draft.calendar.holidays.join(', ')}.` +
        (onRestDay.length ? ` On a weekend: ${onRestDay.map((d) => `${d} (${weekdayName(d)})`).join(', ')}; add the substitute day off (nghỉ bù) once it is announced.` : ''),
    );
  }
  if (lunar.length)
    notes.push(
      `calendar.holidays: dropped ${lunar.length} date(s) that are not fixed solar holidays (Tết, Giỗ Tổ Hùng Vương 10/3 âm lịch, substitute days off): ${lunar.join(', ')}. Add next year's dates to calendar.holidays.`,
    );
  if (draft.calendar.extraWorkingDays.length)
    notes.push(`calendar.extraWorkingDays moved by one year (${draft.calendar.extraWorkingDays.join(', ')}): make-up working days change every year, check them against ${year}'s official calendar.`);

  const rule: RotationRule = opts.rotation ?? { mode: 'rotate' };
  const rotated = cur.clusters.map((c, i) => {
    const earlier = (opts.history?.[c.id] ?? []).filter((h) => h.year < cur.year);
    let next: NextLeadership;
    try {
      next = nextHead(
        { members: c.members, head: c.head, ...(c.deputy !== undefined ? { deputy: c.deputy } : {}), history: [...earlier, { year: cur.year, head: c.head }] },
        rule.mode,
        { ...(rule.avoidRecent !== undefined ? { avoidRecent: rule.avoidRecent } : {}), forYear: year },
      );
    } catch (err) {
      throw new Error(`clusters[${i}] (${c.id}): ${(err as Error).message}`, { cause: err });
    }
    return { cluster: c, next };
  });
  draft.clusters.forEach((c, i) => {
    const { next } = rotated[i];
    c.head = next.head;
    if (next.deputy !== undefined) c.deputy = next.deputy;
    else delete c.deputy;
  });
  notes.push(
    `clusters: next year's heads and deputies (${rule.mode}${rule.avoidRecent ? `, avoiding heads of the last ${rule.avoidRecent} year(s)` : ''}): ` +
      rotated
        .map(({ cluster: c, next }) => {
          const extra = [
            next.skipped.length ? `skipped as recent heads: ${next.skipped.join(', ')}` : '',
            next.relaxed ? 'everyone was head recently, the least recent was taken' : '',
          ].filter(Boolean);
          return `${c.id} head ${c.head} → ${next.head}, deputy ${c.deputy ?? '(none)'} → ${next.deputy ?? '(none)'}${extra.length ? ` (${extra.join('; ')})` : ''}`;
        })
        .join('; ') +
      '.',
  );

  if (draft.document?.number !== undefined) {
    notes.push(`document.number "${draft.document.number}" removed: a new number is issued each year.`);
    delete draft.document.number;
  }

  const out = validatePlan(draft);
  if (!out.ok) throw new NextPlanError(`The ${year} draft is not a valid plan:`, out.problems);
  if (relative.length)
    notes.push(
      `kept relative, so they follow next year's dates and calendar: ${relative
        .map(({ path, rule, get }) => {
          const d = get(out.plan);
          return `${path} (${describeRelativeDate(rule)}) → ${d}${d !== undefined && !isWorkingDay(d, cal) ? `, ${whyOff(d)}` : ''}`;
        })
        .join('; ')} on the drafted calendar (before next year's lunar holidays are added; they move again when those are).`,
    );
  return { plan: draft, notes };
}
