/**
 * A simulated unit and its reviewer, acting inside Temporal time on the same (time-skipping) server
 * as the real workflows, so every timer fires exactly as it would in a real year.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { StepName, StepSchedule } from '../workflows/cycle/definitions';
import type { SimulationActivities } from './activities';
import type { Policy } from './policies';

const { simSubmit, simReview } = proxyActivities<SimulationActivities>({ startToCloseTimeout: '1 minute' });

const DAY = 24 * 3600 * 1000;

export interface ParticipantInput {
  unitWorkflowId: string;
  policy: Policy;
  steps: { step: StepName; schedule: StepSchedule }[];
}

async function sleepUntil(ms: number): Promise<void> {
  if (ms > Date.now()) await sleep(ms - Date.now());
}

export async function participantWorkflow(input: ParticipantInput): Promise<void> {
  if (input.policy === 'never') return;
  // Steps in date order, one after the other, as a unit's staff would work through them.
  const steps = [...input.steps].sort((a, b) => Date.parse(a.schedule.opensAt) - Date.parse(b.schedule.opensAt));
  for (const { step, schedule } of steps) {
    const opens = Date.parse(schedule.opensAt);
    const due = Date.parse(schedule.dueAt);
    await sleepUntil(input.policy === 'late' ? Date.parse(schedule.graceEndsAt) + 2 * DAY : opens + Math.min(3 * DAY, (due - opens) / 2));
    await simSubmit({ workflowId: input.unitWorkflowId, step, round: 1 });
    await sleep(DAY);
    if (input.policy === 'returned-once') {
      await simReview({ workflowId: input.unitWorkflowId, step, round: 1, decision: 'return' });
      await sleep(DAY);
      await simSubmit({ workflowId: input.unitWorkflowId, step, round: 2 });
      await sleep(DAY);
      await simReview({ workflowId: input.unitWorkflowId, step, round: 2, decision: 'approve' });
    } else {
      await simReview({ workflowId: input.unitWorkflowId, step, round: 1, decision: 'approve' });
    }
  }
}
