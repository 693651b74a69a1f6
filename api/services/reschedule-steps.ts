/**
 * Rescheduling steps that already run, shared by a moved deadline (coordinate.ts) and a moved meeting
 * (year-end-admin.ts). Each step gets its workflow's `rescheduleStep` update: the step re-plans its
 * reminders and escalations and, once open, tells its people with the calendar entry updated (higher
 * SEQUENCE). The update id fingerprints the schedule the step leaves and the one it gets: a retry
 * after a lost answer is the same update, the same request again finds the step already on its new
 * schedule and sends nothing, and moving back and forth is never mistaken for an earlier move.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { calendarOf, UNIT_STAGES, type UnitStage } from '../../rules/compile';
import type { Plan } from '../../rules/plan';
import { computeStepSchedule } from '../../rules/schedule';
import { stepsOfStage, type StepName } from '../../rules/steps';
import { rescheduleStepUpdate, unitWorkflowId, type StepSchedule, type UnitWorkflowInput } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { isUnavailable } from '../errors';

export type RescheduleOutcome = { status: 'updated' } | { status: 'refused'; reason: string } | { status: 'unavailable' };

/** A step's schedule as computed from a stage; `opensAt` null when the stage has no opening date. */
type Computed = ReturnType<typeof computeStepSchedule>;

/** The schedule a step runs on after a move: a step without an opening date keeps the instant it opened at. */
export const withOpening = (next: Computed, old: StepSchedule): StepSchedule => ({ ...next, opensAt: next.opensAt ?? old.opensAt });

/** Compared field by field (stored schedules need not keep the key order they were computed in). */
export function sameSchedule(a: StepSchedule | Computed, b: StepSchedule | Computed): boolean {
  const canon = (s: StepSchedule | Computed) => JSON.stringify([s.opensAt, s.dueAt, s.graceEndsAt, s.reminders.map((r) => [r.n, r.at, r.daysLeft]), s.escalations.map((e) => [e.level, e.at])]);
  return canon(a) === canon(b);
}

/**
 * Sends one step its new schedule. `gone`: what to say when the workflow has ended (a unit whose every
 * step is approved has finished its year: its read model then says why, as the workflow would have).
 */
export async function sendReschedule(
  deps: AppDeps,
  workflowId: string,
  step: StepName,
  old: StepSchedule,
  schedule: StepSchedule,
  by: string,
  reason: string | undefined,
  gone: string,
): Promise<RescheduleOutcome> {
  const fingerprint = createHash('sha256').update(JSON.stringify({ from: old, to: schedule })).digest('hex').slice(0, 16);
  try {
    await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(workflowId).executeUpdate(rescheduleStepUpdate, { args: [{ step, schedule, by, reason }], updateId: `reschedule:${step}:${fingerprint}` }),
    );
    return { status: 'updated' };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { status: 'refused', reason: (err.cause as Error | undefined)?.message ?? err.message };
    if (err instanceof WorkflowNotFoundError) {
      const row = await deps.db.models.StepState.findById(`${workflowId}:${step}`, { status: 1 }).lean();
      return { status: 'refused', reason: row && (row.status === 'approved' || row.status === 'cancelled') ? `step ${step} is ${row.status}; its dates can no longer move` : gone };
    }
    if (isUnavailable(err)) return { status: 'unavailable' };
    throw err;
  }
}

/**
 * The unit stages whose schedule differs between two resolutions of the same plan (before and after a
 * stage or the meeting moved, for one meeting day): the stages written relative to what moved. Only
 * these follow, so a date a coordinator set for one cluster alone is never put back by another move.
 */
export function unitStagesMoved(before: Plan, after: Plan): UnitStage[] {
  const cal = calendarOf(after);
  return UNIT_STAGES.filter((s) => {
    const [a, b] = [before.stages[s], after.stages[s]];
    return a && b && !sameSchedule(computeStepSchedule(a, calendarOf(before)), computeStepSchedule(b, cal));
  });
}

export interface UnitStepMove {
  unitId: string;
  workflowId: string;
  step: StepName;
  schedule: StepSchedule;
  outcome: RescheduleOutcome;
}

/**
 * Moves the units' steps of `stages` to their schedules in `plan` (resolved for the units' cluster and
 * its meeting day). A step already on its new schedule is left alone. Each unit's stored steps are
 * updated in place where the workflow took the new schedule; returns one row per step sent.
 */
export async function rescheduleUnitSteps(
  deps: AppDeps,
  cycleId: string,
  units: UnitWorkflowInput[],
  plan: Plan,
  stages: readonly UnitStage[],
  by: string,
  reason: string | undefined,
): Promise<UnitStepMove[]> {
  const cal = calendarOf(plan);
  const next = stages.flatMap((stage) => {
    const input = plan.stages[stage];
    if (!input) return [];
    const computed = computeStepSchedule(input, cal);
    return stepsOfStage(stage, { scoring: true }).map((step) => ({ step, computed }));
  });
  const moves: UnitStepMove[] = [];
  for (const unit of units) {
    const workflowId = unitWorkflowId(cycleId, unit.unitId);
    for (const { step, computed } of next) {
      const old = unit.steps[step];
      if (!old) continue;
      const schedule = withOpening(computed, old);
      if (sameSchedule(schedule, old)) continue;
      const outcome = await sendReschedule(deps, workflowId, step, old, schedule, by, reason, 'the unit workflow does not exist');
      if (outcome.status === 'updated') unit.steps[step] = schedule;
      moves.push({ unitId: unit.unitId, workflowId, step, schedule, outcome });
    }
  }
  return moves;
}
