/**
 * The plan file (`apiVersion: thidua/v1`): the public contract a coordinator writes for one year of one
 * level. This is its first part — body, calendar, staff, units, clusters and the registration stage —
 * validated with zod so that every error names its path, e.g. `units[2].contacts[0].email`.
 *
 * A stage's `deadline` / `opensOn` may be written relative to another stage or the meeting
 * (`{ before: meeting, days: 5 }`); validation resolves it on the plan's calendar
 * (rules/relative-dates.ts), so the parsed Plan always has dates ('YYYY-MM-DD') there, with the rule
 * kept beside them as `deadlineRule` / `opensOnRule`.
 */
import { z } from 'zod';
import { thresholdSchema } from './ballot';
import { DEFAULT_TIME_ZONE, type CalendarConfig } from './calendar';
import { DEFAULT_DIGEST_TIME, SECRETARIAT_TIME } from './daily-mail';
import { bandsSchema } from './classification';
import { individualAwardSchema } from './nominations';
import { resolveRelativeDates, stagesForMeetingDay } from './relative-dates';
import { sheetSchema } from './scoring';
import { STEP_KINDS, STEP_NAMES } from './steps';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (max 63)');
const realDate = (d: string) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(realDate, 'is not a real calendar date');
const lang = z.enum(['vi', 'en']).default('vi');

/** A number means working days; `{ days, unit: 'calendar' }` says calendar days. */
export const offsetSchema = z.union([
  z.number().int().min(0).max(366).transform((days) => ({ days, unit: 'working' as const })),
  z.object({ days: z.number().int().min(0).max(366), unit: z.enum(['working', 'calendar']).default('working') }),
]);

/**
 * A stage's deadline or opening day: a date, or `days` before / after another stage's date or the
 * meeting (rules/relative-dates.ts), e.g. `{ before: meeting, days: 5 }`; working days unless
 * `unit: calendar`. The reference is checked when the plan is resolved, so an unknown one is named.
 */
const relativeDays = { days: z.number().int().min(0).max(366), unit: z.enum(['working', 'calendar']).default('working') };
export const relativeDateSchema = z.union([z.strictObject({ before: z.string(), ...relativeDays }), z.strictObject({ after: z.string(), ...relativeDays })]);
const stageDate = z.union([isoDate, ...relativeDateSchema.options], {
  error: 'must be a date YYYY-MM-DD, or { before: <date>, days: N } or { after: <date>, days: N } with an optional unit (working or calendar)',
});

export const personSchema = z.object({
  name: z.string().trim().min(1),
  email: z.email(),
  role: z.string().trim().optional(),
  lang,
});

export const staffSchema = personSchema.extend({ id: slug });

export const unitSchema = z.object({
  id: slug,
  name: z.string().trim().min(1),
  /** Units form a tree (the levels differ by province and changed in 2025): the tree is data. */
  parent: slug.optional(),
  contacts: z.array(personSchema).min(1, 'a unit needs at least one contact'),
  /** The staff member who follows the unit and verifies its reports (ban/cán bộ theo dõi địa bàn). */
  reviewer: slug,
});

export const clusterSchema = z.object({
  id: slug,
  name: z.string().trim().min(1),
  members: z.array(slug).min(1, 'a cluster needs at least one member unit'),
  head: slug,
  deputy: slug.optional(),
  /** The staff member (leader in charge) who chairs the cluster meeting and decides a 'chair' tie. */
  leader: slug.optional(),
});

/**
 * A step's dates and notices. In the parsed Plan, `opensOn` and `deadline` are always dates; a date
 * written relative also has its rule as `opensOnRule` / `deadlineRule` (for tools to show it; nothing
 * schedules from it).
 */
/**
 * An evidence checklist (danh mục minh chứng): items the unit ticks (with an optional note or
 * reference) before its step may be sent; `required: false` items may be left unticked. `steps`
 * limits an item to some of the stage's steps (e.g. only `self-scoring` in reports); all by default.
 */
export const checklistItemSchema = z.object({
  id: slug,
  label: z.string().trim().min(1).max(300),
  labelEn: z.string().trim().min(1).max(300).optional(),
  required: z.boolean().default(true),
  steps: z.array(z.string()).min(1).optional(),
});

export const stepScheduleSchema = z.object({
  opensOn: stageDate.optional(),
  deadline: stageDate,
  reminders: z.array(offsetSchema).default([7, 3, 1].map((days) => ({ days, unit: 'working' as const }))),
  grace: offsetSchema.default({ days: 0, unit: 'working' }),
  escalations: z.array(offsetSchema).default([{ days: 0, unit: 'working' }]),
  checklist: z.array(checklistItemSchema).optional(),
});

/**
 * A cluster's own registration step (the pact, the year's head and deputy): the head sends it, the
 * approver — the council (HĐTĐKT / standing committee, `council`) or the cluster's leader in charge —
 * accepts or returns it.
 */
export const clusterStepSchema = stepScheduleSchema.extend({
  approver: z.enum(['council', 'leader']).default('council'),
});

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');

/** The scoring sheet units score themselves on and inspectors correct, and the bands it classifies into. */
export const scoringSchema = z.object({
  sheet: sheetSchema,
  bands: bandsSchema,
  /** Scores are multiples of this (default 0.25). */
  step: z.number().positive().multipleOf(0.01).optional(),
});

/** An award title voted on at the cluster meeting (phiếu suy tôn): quota, threshold and tie rule are the year's. */
export const awardSchema = z.object({
  id: slug,
  name: z.string().trim().min(1),
  /** Most units a ballot may mark, and most units proposed per cluster. */
  quota: z.number().int().min(1),
  /** Bands (scoring.bands ids) whose units may be voted for. */
  eligibleBands: z.array(slug).min(1, 'name at least one band'),
  threshold: thresholdSchema.default({ of: 'valid-ballots', share: 0.5, strict: true }),
  selfVoteAllowed: z.boolean().default(false),
  tie: z.enum(['second-round', 'chair']).default('second-round'),
});

/**
 * The inspection (kiểm tra): when inspectors enter scores (the step schedule), and optionally the
 * visits (which units on which day, morning or afternoon), the team, and cross-checking between units.
 */
export const inspectionSchema = stepScheduleSchema.extend({
  timetable: z
    .array(
      z.object({
        date: isoDate,
        slot: z.enum(['morning', 'afternoon']),
        units: z.array(slug).min(1),
        place: z.string().trim().optional(),
      }),
    )
    .default([]),
  /** Staff ids of the inspection team: they receive the whole timetable. */
  team: z.array(slug).default([]),
  /** Units check each other's files (kiểm tra chéo): each checks this many others, never itself. */
  crossCheck: z.object({ checksPerUnit: z.number().int().min(1).default(1) }).optional(),
});

/** The cluster meeting (hội nghị tổng kết cụm): one day per cluster, ballots open during it. */
export const meetingSchema = z.object({
  date: isoDate,
  /** A cluster's own meeting day, overriding `date`. */
  clusters: z.record(z.string(), isoDate).default({}),
  place: z.string().trim().optional(),
  /** Invitations go out this long before the meeting day (working days unless marked). */
  inviteBefore: offsetSchema.default({ days: 5, unit: 'working' }),
  ballotOpens: localTime.default('08:00'),
  ballotCloses: localTime.default('17:00'),
  /** How long a second round (for a tie) stays open. */
  secondRoundMinutes: z.number().int().min(5).max(24 * 60).default(60),
  /**
   * The meeting's quorum: at least this share of the cluster's member units present (in person or,
   * where `proxies` allows, by a written proxy), recorded by the chair. Without it, no quorum applies.
   * When it is not met, a ballot's result is void (not decided) and the minutes say so.
   */
  quorum: z
    .object({
      share: z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1'),
      /** Whether a delegate of another unit holding a written proxy may vote for an absent unit. */
      proxies: z.boolean().default(false),
    })
    .optional(),
});

/** Security settings of the year's links. */
export const securitySchema = z.object({
  /**
   * The decisions whose link asks for a 6-digit code emailed to the person before acting:
   * 'council-decision' (the council approving or returning a cluster's award proposal), 'ballot'.
   */
  oneTimeCode: z.array(z.enum(['council-decision', 'ballot'])).default([]),
});

/** How the year's official documents are headed and signed (Nghị định 30 layout). */
export const documentSettingsSchema = z.object({
  number: z.string().trim().optional(),
  symbol: z.string().trim().default('KH-MTTQ-BTT'),
  /** The issuing department under the body, in capitals. */
  issuingDepartment: z.string().trim().default('BAN THƯỜNG TRỰC'),
  signer: z
    .object({
      onBehalf: z.enum(['TM.', 'KT.']).optional(),
      onBehalfOf: z.string().trim().optional(),
      title: z.string().trim().min(1),
      name: z.string().trim().min(1),
    })
    .optional(),
  recipients: z.array(z.string().trim().min(1)).default([]),
});

/**
 * How the year's emails are grouped. `digest`: a person's planned reminders and escalations of one
 * day come as one email at `digestTime` (after the 08:00 notices). `secretariat`: addresses that
 * receive the daily escalation digest besides the staff accounts with the secretariat role.
 */
export const notificationsSchema = z.object({
  digest: z.boolean().default(false),
  digestTime: localTime.default(DEFAULT_DIGEST_TIME).refine((t) => t > SECRETARIAT_TIME, `must be after ${SECRETARIAT_TIME}, when the day's notices go out`),
  secretariat: z.array(z.string().trim().email()).default([]),
});

/**
 * How this body's council decides what the councils of the bodies below forward to it (their plans
 * name this body as body.parent): who decides (staff ids; default the plan's `council`), and by when
 * after a forward arrives (`decideWithin`, working days unless marked), with reminders before that.
 * Without `decideWithin` there is no deadline and no reminder.
 */
export const forwardDecisionsSchema = z.object({
  council: z.array(slug).min(1).optional(),
  decideWithin: offsetSchema.optional(),
  reminders: z.array(offsetSchema).default([3, 1].map((days) => ({ days, unit: 'working' as const }))),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const planBase = z.object({
  apiVersion: z.literal('thidua/v1'),
  body: z.object({
    id: slug,
    name: z.string().trim().min(1),
    parentName: z.string().trim().optional(),
    /** The parent body's id: the council forwards proposals to its cycle of the same year (thidua:<parent>:<year>). */
    parent: slug.optional(),
    place: z.string().trim().optional(),
  }),
  year: z.number().int().min(2000).max(2100),
  timeZone: z.string().default('Asia/Ho_Chi_Minh').refine(isTimeZone, 'is not a known IANA time zone'),
  calendar: z
    .object({
      // Far more than a year (or ten) has: a longer list is a mistake, or an attack on the space it takes.
      holidays: z.array(isoDate).max(5000).default([]),
      workingWeekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
      extraWorkingDays: z.array(isoDate).max(5000).default([]),
    })
    .default({ holidays: [], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] }),
  staff: z.array(staffSchema).min(1),
  units: z.array(unitSchema).min(1),
  clusters: z.array(clusterSchema).min(1),
  /** Each stage schedules its unit steps (rules/steps.ts); only registration is required. */
  document: documentSettingsSchema.optional(),
  scoring: scoringSchema.optional(),
  awards: z.array(awardSchema).default([]),
  /** The staff member who receives award proposals for the council (HĐTĐKT) and decides them. */
  council: slug.optional(),
  /** Award titles for individuals, nominated by the units (stages.nominations) and decided by the council. */
  individualAwards: z.array(individualAwardSchema).default([]),
  notifications: notificationsSchema.optional(),
  security: securitySchema.optional(),
  /** The council's decision on what the bodies below forward to this body. */
  forwards: forwardDecisionsSchema.optional(),
  stages: z.object({
    registration: stepScheduleSchema,
    /** The cluster's units sign the emulation pact (giao ước thi đua); the head sends it for approval. */
    pact: clusterStepSchema.optional(),
    /** The year's cluster head and deputy are confirmed (xác nhận cụm trưởng, cụm phó). */
    heads: clusterStepSchema.optional(),
    midYear: stepScheduleSchema.optional(),
    /** Year-end reports; with `scoring`, the unit's self-scoring too. */
    reports: stepScheduleSchema.optional(),
    /** Inspectors (each unit's reviewer) enter the final scores; classes are published when it closes. */
    inspection: inspectionSchema.optional(),
    meeting: meetingSchema.optional(),
    /** The cluster head sends the award proposal; the council approves or returns it. */
    proposal: stepScheduleSchema.optional(),
    /** Each unit nominates persons for the individual awards; its follower verifies; the council decides each. */
    nominations: stepScheduleSchema.optional(),
  }),
});

type RawPlan = z.infer<typeof planBase>;

/**
 * The plan's calendar for counting relative dates. The checks below run even when some field failed
 * (so that every problem is listed at once): a bad entry is left out here, it is reported by its field.
 */
function countingCalendar(plan: RawPlan): CalendarConfig {
  const weekdays = plan.calendar.workingWeekdays.filter((w) => Number.isInteger(w) && w >= 1 && w <= 7);
  return {
    timeZone: isTimeZone(plan.timeZone) ? plan.timeZone : DEFAULT_TIME_ZONE,
    holidays: plan.calendar.holidays.filter(realDate),
    workingWeekdays: weekdays.length > 0 ? weekdays : [1, 2, 3, 4, 5],
    extraWorkingDays: plan.calendar.extraWorkingDays.filter(realDate),
  };
}

/** The plan with every relative stage date resolved (a date that could not be is left out; see the problems). */
function resolvePlan(plan: RawPlan) {
  const { stages, problems } = resolveRelativeDates(plan.stages, countingCalendar(plan));
  return { plan: { ...plan, stages }, problems };
}

type CheckedPlan = ReturnType<typeof resolvePlan>['plan'];

/**
 * The structure is parsed by planBase; relative dates are resolved first, so every check below (and
 * every consumer of the parsed plan) sees absolute dates. The checks run in a refinement rather than
 * after a transform because zod skips a transform once any field failed, and a plan is refused with
 * every problem at once; the transform at the end resolves again (pure, cheap) for the output type.
 */
export const planSchema = planBase
  .superRefine((raw, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const { plan, problems } = resolvePlan(raw);
    for (const p of problems) issue(p.path.split('.'), p.message);
    checkPlan(plan, issue);
  })
  .transform((raw) => resolvePlan(raw).plan);

type Issue = (path: (string | number)[], message: string) => void;

function checkPlan(plan: CheckedPlan, issue: Issue): void {
  const dupes = (ids: string[], at: string) =>
    ids.forEach((id, i) => ids.indexOf(id) !== i && issue([at, i, 'id'], `duplicate id "${id}"`));
  dupes(plan.staff.map((s) => s.id), 'staff');
  dupes(plan.units.map((u) => u.id), 'units');
  dupes(plan.clusters.map((c) => c.id), 'clusters');

  const staff = new Set(plan.staff.map((s) => s.id));
  const units = new Set(plan.units.map((u) => u.id));
  plan.units.forEach((u, i) => {
    if (!staff.has(u.reviewer)) issue(['units', i, 'reviewer'], `unknown staff id "${u.reviewer}"`);
    if (u.parent !== undefined && !units.has(u.parent)) issue(['units', i, 'parent'], `unknown unit id "${u.parent}"`);
  });
  const clusterOf = new Map<string, string>();
  plan.clusters.forEach((c, i) => {
    c.members.forEach((m, j) => {
      if (!units.has(m)) issue(['clusters', i, 'members', j], `unknown unit id "${m}"`);
      const other = clusterOf.get(m);
      if (other !== undefined && other !== c.id) issue(['clusters', i, 'members', j], `unit "${m}" is already in cluster "${other}"`);
      else if (other === c.id) issue(['clusters', i, 'members', j], `unit "${m}" is listed twice`);
      clusterOf.set(m, c.id);
    });
    if (!c.members.includes(c.head)) issue(['clusters', i, 'head'], `head "${c.head}" is not a member of the cluster`);
    if (c.deputy !== undefined && !c.members.includes(c.deputy))
      issue(['clusters', i, 'deputy'], `deputy "${c.deputy}" is not a member of the cluster`);
  });
  for (const [name, stage] of Object.entries(plan.stages)) {
    if (stage && 'opensOn' in stage && stage.opensOn !== undefined && stage.deadline !== undefined && stage.opensOn > stage.deadline)
      issue(['stages', name, 'opensOn'], `opens after its deadline (${stage.deadline})`);
  }
  checkYearEnd(plan, issue);
  checkIndividualAwards(plan, issue);
  checkClusterSteps(plan, issue);
  checkChecklists(plan, issue);
}

/** Checklist item ids are unique per stage, and name only the stage's own steps; the inspection has none. */
function checkChecklists(plan: CheckedPlan, issue: Issue): void {
  for (const [name, stage] of Object.entries(plan.stages)) {
    const list = stage && 'checklist' in stage ? stage.checklist : undefined;
    if (!list) continue;
    if (name === 'inspection') {
      issue(['stages', name, 'checklist'], 'the inspection has no submission to check: put the checklist on the stage units send (e.g. reports)');
      continue;
    }
    const own = STEP_NAMES.filter((s) => STEP_KINDS[s].stage === name);
    list.forEach((item, i) => {
      if (list.findIndex((x) => x.id === item.id) !== i) issue(['stages', name, 'checklist', i, 'id'], `duplicate id "${item.id}"`);
      item.steps?.forEach((s, j) => {
        if (!(own as string[]).includes(s)) issue(['stages', name, 'checklist', i, 'steps', j], `"${s}" is not a step of ${name} (${own.join(', ')})`);
      });
    });
  }
}

/** The pact and the heads' confirmation need someone to approve them: the council, or every cluster's leader. */
function checkClusterSteps(plan: CheckedPlan, issue: Issue): void {
  for (const name of ['pact', 'heads'] as const) {
    const stage = plan.stages[name];
    if (!stage) continue;
    if (stage.approver === 'council' && plan.council === undefined)
      issue(['stages', name, 'approver'], 'is "council": the plan needs a council (staff id), or write approver: leader');
    if (stage.approver === 'leader')
      plan.clusters.forEach((c, k) => c.leader === undefined && issue(['clusters', k, 'leader'], `stages.${name} is approved by the leader: the cluster needs a leader (staff id)`));
  }
}

/** Individual awards need their stage, a council to decide them, and a parent body when it decides them. */
function checkIndividualAwards(plan: CheckedPlan, issue: Issue): void {
  const titles = plan.individualAwards;
  if (titles.length > 0 && !plan.stages.nominations) issue(['stages', 'nominations'], 'is required with individualAwards (when units nominate persons)');
  if (plan.stages.nominations && titles.length === 0) issue(['individualAwards'], 'name at least one title: stages.nominations asks units to nominate persons for them');
  if (titles.length > 0 && plan.council === undefined) issue(['council'], 'is required with individualAwards (who decides the nominations)');
  const ids = new Set<string>();
  titles.forEach((t, i) => {
    if (ids.has(t.id)) issue(['individualAwards', i, 'id'], `duplicate id "${t.id}"`);
    ids.add(t.id);
    const { perUnit, perCluster } = t.quota;
    if (perUnit !== undefined && perCluster !== undefined && perUnit > perCluster)
      issue(['individualAwards', i, 'quota', 'perUnit'], `${perUnit} is more than the cluster's quota (${perCluster})`);
    if (t.decidedBy === 'parent' && plan.body.parent === undefined)
      issue(['individualAwards', i, 'decidedBy'], 'the parent body decides this title: name it in body.parent');
  });
  if (plan.body.parent !== undefined && plan.body.parent === plan.body.id) issue(['body', 'parent'], 'is the body itself');
}

/**
 * The year-end stages need what they build on: scores before inspection, classes before ballots, a
 * council for proposals. A stage date that could not be resolved is undefined here (its problem is
 * already listed), so the date comparisons skip it.
 */
function checkYearEnd(plan: CheckedPlan, issue: Issue): void {
  const { stages, scoring, awards } = plan;
  const staff = new Set(plan.staff.map((s) => s.id));
  const bands = new Set((scoring?.bands ?? []).map((b) => b.id));
  if (stages.inspection && !scoring) issue(['stages', 'inspection'], 'needs a scoring sheet (scoring)');
  if (stages.inspection && !stages.reports) issue(['stages', 'inspection'], 'needs the reports stage (units self-score there)');
  if (stages.meeting && !stages.inspection) issue(['stages', 'meeting'], 'needs the inspection stage (ballots list units by class)');
  if (stages.proposal && !stages.meeting) issue(['stages', 'proposal'], 'needs the meeting stage (the proposal carries its results)');
  if (stages.proposal && plan.council === undefined) issue(['council'], 'is required with the proposal stage (who decides the proposals)');
  if (plan.council !== undefined && !staff.has(plan.council)) issue(['council'], `unknown staff id "${plan.council}"`);
  plan.forwards?.council?.forEach((id, i) => !staff.has(id) && issue(['forwards', 'council', i], `unknown staff id "${id}"`));
  if (plan.forwards && !plan.forwards.council && plan.council === undefined) issue(['forwards', 'council'], 'name who decides forwarded proposals (staff ids), or the plan\'s council');
  if (awards.length > 0 && !stages.meeting) issue(['awards'], 'awards are voted on at the meeting: add stages.meeting');
  (plan.security?.oneTimeCode ?? []).forEach((d, i, all) => {
    const at = ['security', 'oneTimeCode', i];
    if (all.indexOf(d) !== i) issue(at, `"${d}" is listed twice`);
    else if (d === 'council-decision' && !stages.proposal) issue(at, 'council-decision needs the proposal stage (where the council decides)');
    else if (d === 'ballot' && awards.length === 0) issue(at, 'ballot needs awards to vote on');
  });
  const awardIds = new Set<string>();
  awards.forEach((a, i) => {
    if (awardIds.has(a.id)) issue(['awards', i, 'id'], `duplicate id "${a.id}"`);
    awardIds.add(a.id);
    a.eligibleBands.forEach((b, j) => !bands.has(b) && issue(['awards', i, 'eligibleBands', j], `unknown band "${b}"`));
    plan.clusters.forEach((c) => {
      if (a.quota > c.members.length) issue(['awards', i, 'quota'], `${a.quota} is more than the ${c.members.length} members of cluster "${c.id}"`);
    });
    if (a.tie === 'chair')
      plan.clusters.forEach((c, k) => c.leader === undefined && issue(['clusters', k, 'leader'], `award "${a.id}" has a chair tie rule: the cluster needs a leader (staff id)`));
  });
  plan.clusters.forEach((c, k) => c.leader !== undefined && !staff.has(c.leader) && issue(['clusters', k, 'leader'], `unknown staff id "${c.leader}"`));
  const m = stages.meeting;
  if (m) {
    const clusterIds = new Set(plan.clusters.map((c) => c.id));
    for (const id of Object.keys(m.clusters)) if (!clusterIds.has(id)) issue(['stages', 'meeting', 'clusters', id], `unknown cluster id "${id}"`);
    if (m.ballotOpens >= m.ballotCloses) issue(['stages', 'meeting', 'ballotCloses'], `must be after ballotOpens (${m.ballotOpens})`);
    // Each meeting day with the stage dates as they fall for it: dates relative to the meeting follow a
    // cluster's own day (rules/relative-dates.ts stagesForMeetingDay), so each day is checked with its own.
    const days = [...new Set([m.date, ...Object.values(m.clusters)])].sort();
    const said = new Set<string>();
    const once = (path: (string | number)[], message: string) => {
      if (!said.has(message)) issue(path, message);
      said.add(message);
    };
    for (const day of days) {
      let at: CheckedPlan['stages'] = stages;
      if (day !== m.date) {
        const r = stagesForMeetingDay(stages, { timeZone: plan.timeZone, ...plan.calendar }, day);
        const owners = Object.entries(m.clusters).filter(([, d]) => d === day).map(([id]) => id);
        for (const p of r.problems) once(['stages', 'meeting', 'clusters', owners[0]], `with its meeting on ${day}: ${p.path}: ${p.message}`);
        if (r.problems.length > 0) continue;
        at = r.stages;
        for (const [name, st] of Object.entries(at)) {
          if (st && 'opensOn' in st && st.opensOn !== undefined && st.deadline !== undefined && st.opensOn > st.deadline)
            once(['stages', name, 'opensOn'], `opens after its deadline (${st.deadline}) for the meeting of ${owners.join(', ')} on ${day}`);
        }
        if (at.inspection?.deadline !== undefined && at.reports?.deadline !== undefined && at.inspection.deadline < at.reports.deadline)
          once(['stages', 'inspection', 'deadline'], `is before the reports deadline (${at.reports.deadline}) for the meeting of ${owners.join(', ')} on ${day}`);
      }
      if (at.inspection?.deadline !== undefined && day <= at.inspection.deadline)
        once(['stages', 'meeting', 'date'], `a meeting on ${day} is not after the inspection deadline (${at.inspection.deadline})`);
      if (at.proposal?.deadline !== undefined && at.proposal.deadline <= day) once(['stages', 'proposal', 'deadline'], `is not after the last cluster meeting (${day})`);
    }
  }
  const insp = stages.inspection;
  if (insp) {
    const unitIds = new Set(plan.units.map((u) => u.id));
    const clustered = new Set(plan.clusters.flatMap((c) => c.members));
    const seen = new Map<string, string>();
    insp.timetable.forEach((v, i) => {
      if (insp.opensOn !== undefined && v.date < insp.opensOn) issue(['stages', 'inspection', 'timetable', i, 'date'], `is before the inspection opens (${insp.opensOn})`);
      if (insp.deadline !== undefined && v.date > insp.deadline) issue(['stages', 'inspection', 'timetable', i, 'date'], `is after the inspection deadline (${insp.deadline})`);
      v.units.forEach((u, j) => {
        const at = ['stages', 'inspection', 'timetable', i, 'units', j];
        if (!unitIds.has(u)) issue(at, `unknown unit id "${u}"`);
        else if (!clustered.has(u)) issue(at, `unit "${u}" is in no cluster`);
        const other = seen.get(u);
        if (other !== undefined) issue(at, `unit "${u}" is already visited on ${other}`);
        seen.set(u, `${v.date} ${v.slot}`);
      });
    });
    insp.team.forEach((t, i) => !staff.has(t) && issue(['stages', 'inspection', 'team', i], `unknown staff id "${t}"`));
    if (insp.crossCheck) {
      const k = insp.crossCheck.checksPerUnit;
      plan.clusters.forEach((c, i) => {
        if (c.members.length < k + 1) issue(['clusters', i, 'members'], `cross-checking ${k} unit(s) each needs at least ${k + 1} members`);
      });
    }
  }
  if (stages.inspection?.deadline !== undefined && stages.reports?.deadline !== undefined && stages.inspection.deadline < stages.reports.deadline)
    issue(['stages', 'inspection', 'deadline'], `is before the reports deadline (${stages.reports.deadline})`);
}

export type Plan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type Person = z.infer<typeof personSchema>;

export interface PlanProblem {
  path: string;
  message: string;
}

/** `['clusters', 2, 'units', 0]` → `clusters[2].units[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; problems: PlanProblem[] };

/** Bounds on any plan's shape, checked before the schema: no real plan comes near them. */
export const PLAN_LIMITS = { depth: 32, text: 10_000, items: 50_000 } as const;

/**
 * Strings too long, lists too long and nesting too deep, each named by its path (at most 10), found
 * without recursion (a hostile document may nest a hundred thousand levels).
 */
export function planShapeProblems(input: unknown): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const stack: { v: unknown; path: PropertyKey[] }[] = [{ v: input, path: [] }];
  while (stack.length && problems.length < 10) {
    const { v, path } = stack.pop()!;
    const at = () => formatPath(path) || '(root)';
    if (typeof v === 'string') {
      if (v.length > PLAN_LIMITS.text) problems.push({ path: at(), message: `is longer than ${PLAN_LIMITS.text} characters (${v.length})` });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= PLAN_LIMITS.depth) {
      problems.push({ path: formatPath(path.slice(0, 8)) + '…', message: `is nested deeper than ${PLAN_LIMITS.depth} levels` });
      continue;
    }
    if (Array.isArray(v)) {
      if (v.length > PLAN_LIMITS.items) problems.push({ path: at(), message: `has more than ${PLAN_LIMITS.items} items (${v.length})` });
      else for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    for (const [k, x] of Object.entries(v).reverse()) stack.push({ v: x, path: [...path, k] });
  }
  return problems;
}

export function validatePlan(input: unknown): PlanResult {
  const shape = planShapeProblems(input);
  if (shape.length) return { ok: false, problems: shape };
  const r = planSchema.safeParse(input);
  if (r.success) return { ok: true, plan: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({ path: formatPath(i.path) || '(root)', message: i.message })),
  };
}
