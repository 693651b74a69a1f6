/**
 * Compiles a validated plan into what the workflows run on: absolute instants (from the plan's
 * calendar) and one self-contained input per unit, grouped by cluster. Pure; `now` is a parameter.
 */
import type {
  ClusterNominationsInput,
  ClusterStepInput,
  ClusterYearEndInput,
  CycleRef,
  ForwardTarget,
  InspectionVisit,
  MeetingSchedule,
  Person,
  StepSchedule,
  UnitWorkflowInput,
} from '../workflows/cycle/definitions';
import { cycleIdOf } from '../workflows/cycle/definitions';
import { addWorkingDays, localDate, localInstant, previousWorkingDay, shiftDate, workingDaysBetween, type CalendarConfig } from './calendar';
import type { ChecklistItem } from './checklist';
import type { Plan } from './plan';
import { stagesForMeetingDay } from './relative-dates';
import { computeStepSchedule } from './schedule';
import { stepsOfStage, type ClusterRegistrationStep, type StepName } from './steps';

export interface CompiledCluster {
  clusterId: string;
  name: string;
  units: UnitWorkflowInput[];
  /** The cluster's own stages after the reports (inspection, meeting, proposal), when the plan has them. */
  yearEnd?: ClusterYearEndInput;
  /** The cluster's individual nominations and the council deciding them, when the plan has individual awards. */
  nominations?: ClusterNominationsInput;
  /** The cluster's own registration steps (pact, head and deputy), when the plan has them. */
  clusterSteps?: Partial<Record<ClusterRegistrationStep, ClusterStepInput>>;
}

/** The plan stages that schedule unit steps, in plan order. */
export const UNIT_STAGES = ['registration', 'midYear', 'reports', 'nominations'] as const;
export type UnitStage = (typeof UNIT_STAGES)[number];

export interface CompiledPlan {
  cycle: CycleRef;
  clusters: CompiledCluster[];
}

export class PlanCompileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export function calendarOf(plan: Plan): CalendarConfig {
  return { timeZone: plan.timeZone, ...plan.calendar };
}

export function compilePlan(plan: Plan, now: Date): CompiledPlan {
  const cycle: CycleRef = {
    cycleId: cycleIdOf(plan.body.id, plan.year),
    bodyId: plan.body.id,
    bodyName: plan.body.name,
    year: plan.year,
    timeZone: plan.timeZone,
  };
  // Stage dates relative to the meeting follow each cluster's own meeting day: one set of schedules per day.
  const byMeetingDay = new Map<string, ReturnType<typeof schedulesOf>>();
  const schedulesFor = (clusterId: string) => {
    const day = plan.stages.meeting?.clusters[clusterId] ?? plan.stages.meeting?.date ?? '';
    if (!byMeetingDay.has(day)) byMeetingDay.set(day, schedulesOf(day ? planForMeetingDay(plan, day) : plan, now));
    return byMeetingDay.get(day)!;
  };
  const staff = new Map(plan.staff.map((s) => [s.id, s]));
  const units = new Map(plan.units.map((u) => [u.id, u]));
  const person = (p: Person): Person => ({ name: p.name, email: p.email, lang: p.lang, role: p.role });
  // The parent body's cycle of the same year: where the council forwards what it sends up.
  const forwardTo: ForwardTarget | undefined = plan.body.parent
    ? { cycleId: cycleIdOf(plan.body.parent, plan.year), bodyId: plan.body.parent, ...(plan.body.parentName ? { bodyName: plan.body.parentName } : {}) }
    : undefined;
  const titles = plan.individualAwards.map((a) => ({ id: a.id, name: a.name, criteria: a.criteria, documents: [...a.documents], quota: { ...a.quota }, decidedBy: a.decidedBy }));

  return {
    cycle,
    clusters: plan.clusters.map((c) => {
      const { steps, checklists, inspection, pact, heads, proposal } = schedulesFor(c.id);
      const nominationsSchedule = steps.nominations;
      // The cluster head is a unit; its first contact is the person who is written to.
      const head = person(units.get(c.head)!.contacts[0]);
      const yearEnd: ClusterYearEndInput | undefined =
        plan.scoring && inspection
          ? {
              clusterName: c.name,
              visits: visitsOf(plan, c.members),
              team: plan.stages.inspection!.team.map((id) => person(staff.get(id)!)),
              ...(plan.stages.inspection!.crossCheck
                ? { crossCheck: { checksPerUnit: plan.stages.inspection!.crossCheck.checksPerUnit, seed: seedOf(`${plan.body.id}:${plan.year}:${c.id}`) } }
                : {}),
              members: c.members.map((id) => {
                const u = units.get(id)!;
                // The unit's first contact is its delegate: it casts the unit's one ballot.
                return { unitId: id, unitName: u.name, delegate: person(u.contacts[0]), contacts: u.contacts.map(person), inspector: person(staff.get(u.reviewer)!) };
              }),
              headUnitId: c.head,
              deputyUnitId: c.deputy,
              chair: c.leader ? person(staff.get(c.leader)!) : undefined,
              scoring: { sheet: plan.scoring.sheet, bands: plan.scoring.bands, step: plan.scoring.step },
              inspection,
              meeting: plan.stages.meeting && meetingScheduleOf(plan, c.id),
              // Only when the plan sets one: the inputs (and histories) of plans without it stay as they were.
              ...(plan.stages.meeting?.quorum ? { quorum: { share: plan.stages.meeting.quorum.share, proxies: plan.stages.meeting.quorum.proxies } } : {}),
              awards: plan.awards.map((a) => ({ ...a })),
              proposal:
                proposal && plan.council
                  ? { schedule: proposal, council: person(staff.get(plan.council)!), ...withChecklist(checklistOf(plan.stages.proposal!.checklist, 'award-proposal')) }
                  : undefined,
              ...(forwardTo ? { forwardTo } : {}),
            }
          : undefined;
      const nominations: ClusterNominationsInput | undefined =
        nominationsSchedule && titles.length > 0 && plan.council
          ? {
              clusterName: c.name,
              titles,
              schedule: nominationsSchedule,
              council: person(staff.get(plan.council)!),
              members: c.members.map((id) => ({ unitId: id, unitName: units.get(id)!.name, contacts: units.get(id)!.contacts.map(person) })),
              ...(forwardTo ? { forwardTo } : {}),
            }
          : undefined;
      // The approver of a cluster step: the council, or the cluster's leader in charge (the plan checked both exist).
      const approverOf = (a: 'council' | 'leader') => person(staff.get(a === 'council' ? plan.council! : c.leader!)!);
      const contactOf = (unitId: string) => units.get(unitId)!.contacts[0];
      const pair = (unitId: string) => `${units.get(unitId)!.name} – ${contactOf(unitId).name}`;
      const clusterSteps: CompiledCluster['clusterSteps'] = {
        ...(pact
          ? {
              'pact-signing': {
                schedule: pact,
                submitter: head,
                approver: approverOf(plan.stages.pact!.approver),
                ...withChecklist(checklistOf(plan.stages.pact!.checklist, 'pact-signing')),
              },
            }
          : {}),
        ...(heads
          ? {
              'heads-confirmation': {
                schedule: heads,
                submitter: head,
                approver: approverOf(plan.stages.heads!.approver),
                prefill: { head: pair(c.head), ...(c.deputy ? { deputy: pair(c.deputy) } : {}) },
                ...withChecklist(checklistOf(plan.stages.heads!.checklist, 'heads-confirmation')),
              },
            }
          : {}),
      };
      return {
        clusterId: c.id,
        name: c.name,
        yearEnd,
        ...(nominations ? { nominations } : {}),
        ...(Object.keys(clusterSteps).length > 0 ? { clusterSteps } : {}),
        units: c.members.map((id) => {
          const u = units.get(id)!;
          return {
            cycle,
            clusterId: c.id,
            clusterName: c.name,
            unitId: u.id,
            unitName: u.name,
            contacts: u.contacts.map(person),
            reviewer: person(staff.get(u.reviewer)!),
            clusterHead: head,
            steps,
            ...(titles.length > 0 ? { individualAwards: titles } : {}),
            // Only when some step has a checklist: inputs of plans without one stay as they were.
            ...(Object.keys(checklists).length > 0 ? { checklists } : {}),
          };
        }),
      };
    }),
  };
}

/** Inspection half-days, local time. */
const SLOTS = { morning: ['07:30', '11:30'], afternoon: ['13:30', '17:00'] } as const;

/** The timetable's visits to these units, in timetable order. */
function visitsOf(plan: Plan, members: string[]): InspectionVisit[] {
  return (plan.stages.inspection?.timetable ?? []).flatMap((v) =>
    v.units
      .filter((u) => members.includes(u))
      .map((unitId) => ({
        unitId,
        date: v.date,
        slot: v.slot,
        startsAt: localInstant(v.date, SLOTS[v.slot][0], plan.timeZone),
        endsAt: localInstant(v.date, SLOTS[v.slot][1], plan.timeZone),
        ...(v.place ? { place: v.place } : {}),
      })),
  );
}

/** Dated rows (visits, timetable rows) moved by a number of working days, each keeping its other fields. */
function datesMovedBy<T extends { date: string }>(rows: T[], workingDays: number, cal: CalendarConfig): T[] {
  return rows.map((r) => ({ ...r, date: addWorkingDays(r.date, workingDays, cal) }));
}

/**
 * The visits moved by as many working days as the inspection's deadline moved (a timetable written
 * for an inspection relative to the meeting follows the meeting), each in its own half-day slot.
 */
export function visitsMovedBy(visits: InspectionVisit[], workingDays: number, plan: Pick<Plan, 'timeZone' | 'calendar'>): InspectionVisit[] {
  if (workingDays === 0) return visits;
  return datesMovedBy(visits, workingDays, calendarOf(plan as Plan)).map((v) => ({
    ...v,
    startsAt: localInstant(v.date, SLOTS[v.slot][0], plan.timeZone),
    endsAt: localInstant(v.date, SLOTS[v.slot][1], plan.timeZone),
  }));
}

/**
 * The plan's inspection after a move of its own deadline or of a stage it is written relative to, with
 * the timetable moved by as many working days as the deadline moved (as each cluster's visits are), so
 * the stored plan, its documents and next year's copy keep the dates the workflows run on. Undefined
 * when the move leaves the inspection as it was.
 */
export function inspectionAfterMove(before: Plan, after: Plan): NonNullable<Plan['stages']['inspection']> | undefined {
  const [was, now] = [before.stages.inspection, after.stages.inspection];
  if (!was || !now) return undefined;
  const cal = calendarOf(after);
  const due = (i: typeof was) => localDate(computeStepSchedule(i, cal).dueAt, cal.timeZone);
  const shift = workingDaysBetween(due(was), due(now), cal);
  const moved = shift === 0 ? now : { ...now, timetable: datesMovedBy(now.timetable, shift, cal) };
  return JSON.stringify(moved) === JSON.stringify(was) ? undefined : moved;
}

/** A stable 31-bit seed from a business key (FNV-1a), so a cluster's cross-check assignment is repeatable. */
function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

/**
 * A cluster's meeting day (its own, or the plan's), with the invitation and ballot instants; a
 * coordinator moving the meeting passes the new day (and times) as overrides.
 */
export function meetingScheduleOf(plan: Plan, clusterId: string, overrides: { date?: string; ballotOpens?: string; ballotCloses?: string } = {}): MeetingSchedule {
  const cal = calendarOf(plan);
  const m = { ...plan.stages.meeting!, ...(overrides.ballotOpens ? { ballotOpens: overrides.ballotOpens } : {}), ...(overrides.ballotCloses ? { ballotCloses: overrides.ballotCloses } : {}) };
  const date = overrides.date ?? m.clusters[clusterId] ?? m.date;
  const inviteDay = previousWorkingDay(shiftDate(date, { ...m.inviteBefore, days: -m.inviteBefore.days }, cal), cal);
  return {
    date,
    place: m.place,
    inviteAt: localInstant(inviteDay, '08:00', cal.timeZone),
    opensAt: localInstant(date, m.ballotOpens, cal.timeZone),
    closesAt: localInstant(date, m.ballotCloses, cal.timeZone),
    secondRoundMinutes: m.secondRoundMinutes,
  };
}

/** Every stage's schedule on the plan's calendar (from a plan whose relative dates are resolved for one meeting day). */
function schedulesOf(plan: Plan, now: Date) {
  const cal = calendarOf(plan);
  const steps: Partial<Record<StepName, StepSchedule>> = {};
  const checklists: Partial<Record<StepName, ChecklistItem[]>> = {};
  for (const stage of UNIT_STAGES) {
    const input = plan.stages[stage];
    if (!input) continue;
    const s = schedule(`stages.${stage}`, () => computeStepSchedule(input, cal), now);
    for (const step of stepsOfStage(stage, { scoring: plan.scoring !== undefined })) {
      steps[step] = s;
      const list = checklistOf(input.checklist, step);
      if (list) checklists[step] = list;
    }
  }
  const inspection = plan.stages.inspection && schedule('stages.inspection', () => computeStepSchedule(plan.stages.inspection!, cal), now);
  const pact = plan.stages.pact && schedule('stages.pact', () => computeStepSchedule(plan.stages.pact!, cal), now);
  const heads = plan.stages.heads && schedule('stages.heads', () => computeStepSchedule(plan.stages.heads!, cal), now);
  const proposal = plan.stages.proposal && schedule('stages.proposal', () => computeStepSchedule(plan.stages.proposal!, cal), now);
  return { steps, checklists, inspection, pact, heads, proposal };
}

/**
 * The plan with its relative stage dates resolved again for a cluster's own meeting day (its rules
 * are kept beside the dates, rules/relative-dates.ts); the plan itself when nothing changes.
 */
export function planForMeetingDay(plan: Plan, meetingDay: string): Plan {
  if (!plan.stages.meeting || meetingDay === plan.stages.meeting.date) return plan;
  const { stages, problems } = stagesForMeetingDay(plan.stages, calendarOf(plan), meetingDay);
  if (problems.length > 0) throw new PlanCompileError(problems[0].path, problems[0].message);
  return { ...plan, stages };
}

/** The items of a stage's checklist that apply to one of its steps (all, unless an item names its steps). */
function checklistOf(list: Plan['stages']['registration']['checklist'], step: StepName): ChecklistItem[] | undefined {
  const items = (list ?? [])
    .filter((i) => !i.steps || i.steps.includes(step))
    .map((i) => ({ id: i.id, label: { vi: i.label, en: i.labelEn ?? i.label }, required: i.required }));
  return items.length > 0 ? items : undefined;
}

const withChecklist = (checklist: ChecklistItem[] | undefined) => (checklist ? { checklist } : {});

/** A step without an opening date opens when the cycle starts. */
function schedule(path: string, compute: () => ReturnType<typeof computeStepSchedule>, now: Date): StepSchedule {
  let s: ReturnType<typeof computeStepSchedule>;
  try {
    s = compute();
  } catch (err) {
    throw new PlanCompileError(path, (err as Error).message);
  }
  return { ...s, opensAt: s.opensAt ?? now.toISOString() };
}
