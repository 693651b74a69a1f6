/**
 * Stage dates written relative to another stage or to the meeting: "báo cáo gửi trước hội nghị 5 ngày
 * làm việc" is `reports.deadline: { before: meeting, days: 5 }`, "đề nghị khen thưởng 1 ngày sau hội
 * nghị" is `proposal.deadline: { after: meeting, days: 1 }`. The plan schema (rules/plan.ts) resolves
 * them while it validates, so every consumer of a parsed plan only ever sees absolute dates.
 *
 * Pure: no I/O, no clock; the calendar is a parameter.
 *
 * Rule decisions (each one is covered by test/rules/relative-dates.test.ts):
 * - A reference (REF) is `<stage>.deadline` or `<stage>.opensOn` for registration, pact, heads,
 *   midYear, reports, inspection, proposal and nominations, or `meeting`: the plan-level
 *   `stages.meeting.date` here; a cluster's own meeting day (`stages.meeting.clusters`, or a day the
 *   coordinator moved it to) is applied by `stagesForMeetingDay`, which resolves the same rules again for that day.
 * - Offsets are working days unless `unit: calendar`.
 * - The date counted from is the referenced date as people have it: a referenced **deadline** on a
 *   day off counts from the previous working day (where the schedule puts it, rules/schedule.ts);
 *   an opening day and the meeting day are taken as written.
 * - Working days: `before` lands on a working day (n ≥ 1 working days back always does; 0 days before
 *   a day off is the previous working day), `after` too (0 days after a day off is the next working
 *   day). Calendar days: the plain shifted day, as written (a deadline there is then moved to the
 *   previous working day by the schedule, like any deadline on a day off).
 * - Dates are resolved in dependency order, so chains work (inspection after reports after meeting).
 * - Problems, each with its path: an unknown REF (`stages.proposal.deadline.after: unknown date
 *   "meetng"`), a REF to a stage (or an opening day) the plan does not have, a loop (reported once, at
 *   the loop's first date: `stages.reports.deadline: relative dates loop: reports.deadline →
 *   inspection.deadline → reports.deadline`), and a calendar error while counting. A date that
 *   depends on a date that failed is not resolved either, without a message of its own (the cause is
 *   already reported). Malformed input (a bad absolute date, a negative offset) is left to the
 *   schema: such a date is not resolved and not reported here.
 */
import { assertDate, nextWorkingDay, previousWorkingDay, shiftDate, type CalendarConfig } from './calendar';

/** The stages whose `deadline` and `opensOn` may be relative, in plan order. */
export const DATED_STAGES = ['registration', 'pact', 'heads', 'midYear', 'reports', 'inspection', 'proposal', 'nominations'] as const;
export type DatedStage = (typeof DATED_STAGES)[number];
export type DateField = 'deadline' | 'opensOn';
export type DateRef = `${DatedStage}.${DateField}` | 'meeting';

/** Every REF a relative date may name. */
export const DATE_REFS: readonly DateRef[] = [...DATED_STAGES.flatMap((s) => [`${s}.deadline` as const, `${s}.opensOn` as const]), 'meeting'];

export type DayUnit = 'working' | 'calendar';
/** `days` before or after a REF; working days unless `unit` is 'calendar'. */
export type RelativeDate = { before: string; days: number; unit?: DayUnit } | { after: string; days: number; unit?: DayUnit };
/** A stage date as written in the plan: 'YYYY-MM-DD' or a relative date. */
export type StageDate = string | RelativeDate;

export type RawDatedStage = { deadline: StageDate; opensOn?: StageDate };
export type RawStages = { [K in DatedStage]?: RawDatedStage } & { meeting?: { date: string } };

/** A stage with absolute dates; the rule each relative date came from is kept beside it. */
export type ResolvedStage<T extends RawDatedStage> = Omit<T, 'deadline' | 'opensOn'> & {
  deadline: string;
  opensOn?: string;
  /** The relative rule `deadline` was resolved from, when it was written relative. */
  deadlineRule?: RelativeDate;
  /** The relative rule `opensOn` was resolved from, when it was written relative. */
  opensOnRule?: RelativeDate;
};
type ResolveStage<T> = T extends RawDatedStage ? ResolvedStage<T> : T;
export type ResolvedStages<S extends RawStages> = { [K in keyof S]: K extends DatedStage ? ResolveStage<S[K]> : S[K] };

export interface DateProblem {
  /** e.g. `stages.proposal.deadline.after` */
  path: string;
  message: string;
}

export function isRelativeDate(d: unknown): d is RelativeDate {
  return typeof d === 'object' && d !== null && ('before' in d || 'after' in d);
}

/** `{ before: meeting, days: 5 }` → '5 working days before meeting'. */
export function describeRelativeDate(rule: RelativeDate): string {
  const unit = rule.unit === 'calendar' ? 'calendar day' : 'working day';
  const [dir, ref] = 'before' in rule ? ['before', rule.before] : ['after', rule.after];
  return `${rule.days} ${unit}${rule.days === 1 ? '' : 's'} ${dir} ${ref}`;
}

const isRef = (ref: string): ref is DateRef => (DATE_REFS as readonly string[]).includes(ref);

/**
 * Resolves every relative `deadline` / `opensOn` of the stages to a 'YYYY-MM-DD' date. Returns the
 * stages with absolute dates (and `deadlineRule` / `opensOnRule` beside each resolved relative date)
 * and the problems. When there are problems, a date that could not be resolved is left out of its
 * stage: use `stages` as a plan's stages only when `problems` is empty.
 */
export function resolveRelativeDates<S extends RawStages>(rawStages: S, calendar: CalendarConfig): { stages: ResolvedStages<S>; problems: DateProblem[] } {
  const problems: DateProblem[] = [];
  // undefined: resolving failed (or the date is malformed); absent: not visited yet.
  const done = new Map<DateRef, string | undefined>();
  const stageOf = (s: DatedStage): RawDatedStage | undefined => rawStages[s];
  const written = (ref: DateRef): StageDate | undefined => {
    if (ref === 'meeting') return rawStages.meeting?.date;
    const [stage, field] = ref.split('.') as [DatedStage, DateField];
    return stageOf(stage)?.[field];
  };
  const pathOf = (ref: DateRef) => (ref === 'meeting' ? 'stages.meeting.date' : `stages.${ref}`);

  /** What a REF to `ref` lacks in this plan, or undefined when the plan has that date. */
  const missing = (ref: DateRef): string | undefined => {
    if (ref === 'meeting') return rawStages.meeting ? undefined : 'the plan has no stages.meeting';
    const [stage, field] = ref.split('.') as [DatedStage, DateField];
    const s = stageOf(stage);
    if (!s) return `the plan has no stages.${stage}`;
    return s[field] === undefined ? `stages.${stage} has no ${field}` : undefined;
  };

  const resolve = (ref: DateRef, trail: DateRef[]): string | undefined => {
    if (done.has(ref)) return done.get(ref);
    const loopAt = trail.indexOf(ref);
    if (loopAt >= 0) {
      const loop = [...trail.slice(loopAt), ref];
      problems.push({ path: pathOf(loop[0]), message: `relative dates loop: ${loop.join(' → ')}` });
      return undefined;
    }
    const value = written(ref);
    let result: string | undefined;
    if (typeof value === 'string') {
      result = realDate(value);
    } else if (isRelativeDate(value)) {
      result = resolveRule(ref, value, [...trail, ref]);
    }
    done.set(ref, result);
    return result;
  };

  const resolveRule = (ref: DateRef, rule: RelativeDate, trail: DateRef[]): string | undefined => {
    const [dir, target] = 'before' in rule ? (['before', rule.before] as const) : (['after', rule.after] as const);
    const at = `${pathOf(ref)}.${dir}`;
    if (typeof target !== 'string' || !Number.isInteger(rule.days) || rule.days < 0) return undefined; // the schema reports it
    if (!isRef(target)) {
      problems.push({ path: at, message: `unknown date "${target}"` });
      return undefined;
    }
    const lacks = missing(target);
    if (lacks !== undefined) {
      problems.push({ path: at, message: `"${target}": ${lacks}` });
      return undefined;
    }
    const base = resolve(target, trail);
    if (base === undefined) return undefined;
    try {
      return shiftFrom(target.endsWith('.deadline') ? previousWorkingDay(base, calendar) : base, dir, rule, calendar);
    } catch (err) {
      problems.push({ path: pathOf(ref), message: (err as Error).message });
      return undefined;
    }
  };

  for (const stage of DATED_STAGES) {
    if (!stageOf(stage)) continue;
    for (const field of ['deadline', 'opensOn'] as const) resolve(`${stage}.${field}`, []);
  }

  const stages = { ...rawStages } as Record<string, unknown>;
  for (const stage of DATED_STAGES) {
    const s = stageOf(stage);
    if (!s) continue;
    // The plan's key order is kept: deadline and opensOn stay where they were written.
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(s)) {
      if (key !== 'deadline' && key !== 'opensOn') out[key] = value;
      else if (done.get(`${stage}.${key}`) !== undefined) out[key] = done.get(`${stage}.${key}`);
    }
    for (const field of ['deadline', 'opensOn'] as const) {
      const value = s[field];
      if (isRelativeDate(value)) out[`${field}Rule`] = { ...value };
    }
    stages[stage] = out;
  }
  return { stages: stages as ResolvedStages<S>, problems };
}

/** The date itself when it is a real 'YYYY-MM-DD' date, else undefined (the schema reports it). */
function realDate(date: string): string | undefined {
  try {
    return assertDate(date);
  } catch {
    return undefined;
  }
}

/** `base` moved by the rule: working days land on a working day; calendar days as they fall. */
function shiftFrom(base: string, dir: 'before' | 'after', rule: RelativeDate, cal: CalendarConfig): string {
  const days = dir === 'before' ? -rule.days : rule.days;
  if (rule.unit === 'calendar') return shiftDate(base, { days, unit: 'calendar' }, cal);
  const shifted = shiftDate(base, { days, unit: 'working' }, cal);
  return dir === 'before' ? previousWorkingDay(shifted, cal) : nextWorkingDay(shifted, cal);
}

/**
 * The stages again, with every relative date resolved as if the meeting were on `meetingDay` (a
 * cluster's own meeting day, or the day a coordinator moved it to): the rules kept beside the dates
 * (`deadlineRule` / `opensOnRule`) are resolved afresh, absolute dates stay. Chains follow (a stage
 * relative to one relative to the meeting moves too).
 */
export function stagesForMeetingDay<S extends { [K in DatedStage]?: ResolvedStage<RawDatedStage> } & { meeting?: { date: string } }>(
  stages: S,
  calendar: CalendarConfig,
  meetingDay: string,
): { stages: S; problems: DateProblem[] } {
  const raw: Record<string, unknown> = { ...stages, ...(stages.meeting ? { meeting: { ...stages.meeting, date: meetingDay } } : {}) };
  for (const name of DATED_STAGES) {
    const s = stages[name];
    if (!s) continue;
    const { deadlineRule, opensOnRule, ...rest } = s;
    raw[name] = { ...rest, deadline: deadlineRule ?? s.deadline, ...(opensOnRule ? { opensOn: opensOnRule } : {}) };
  }
  const { stages: out, problems } = resolveRelativeDates(raw as RawStages, calendar);
  // The meeting stage keeps the plan's own date (a cluster's day lives in meeting.clusters).
  return { stages: { ...(out as unknown as S), ...(stages.meeting ? { meeting: stages.meeting } : {}) }, problems };
}
