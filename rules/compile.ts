/**
 * Compiles a validated plan into what the workflows run on: absolute instants (from the plan's
 * calendar) and one self-contained input per unit, grouped by cluster. Pure; `now` is a parameter.
 */
import type { CycleRef, Person, StepSchedule, UnitWorkflowInput } from '../workflows/cycle/definitions';
import { cycleIdOf } from '../workflows/cycle/definitions';
import type { CalendarConfig } from './calendar';
import type { Plan } from './plan';
import { computeStepSchedule } from './schedule';
import { stepsOfStage, type StageName, type StepName } from './steps';

export interface CompiledCluster {
  clusterId: string;
  name: string;
  units: UnitWorkflowInput[];
}

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
  const cal = calendarOf(plan);
  const cycle: CycleRef = {
    cycleId: cycleIdOf(plan.body.id, plan.year),
    bodyId: plan.body.id,
    bodyName: plan.body.name,
    year: plan.year,
    timeZone: plan.timeZone,
  };
  const steps: Partial<Record<StepName, StepSchedule>> = {};
  for (const [stage, input] of Object.entries(plan.stages) as [StageName, Plan['stages']['registration'] | undefined][]) {
    if (!input) continue;
    const s = schedule(`stages.${stage}`, () => computeStepSchedule(input, cal), now);
    for (const step of stepsOfStage(stage)) steps[step] = s;
  }
  const staff = new Map(plan.staff.map((s) => [s.id, s]));
  const units = new Map(plan.units.map((u) => [u.id, u]));
  const person = (p: Person): Person => ({ name: p.name, email: p.email, lang: p.lang, role: p.role });

  return {
    cycle,
    clusters: plan.clusters.map((c) => {
      // The cluster head is a unit; its first contact is the person who is written to.
      const head = person(units.get(c.head)!.contacts[0]);
      return {
        clusterId: c.id,
        name: c.name,
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
          };
        }),
      };
    }),
  };
}

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
