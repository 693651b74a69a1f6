/** What a simulated person does: the same updates a click on an emailed link sends. */
import type { Client } from '@temporalio/client';
import { STEP_KINDS } from '../rules/steps';
import { reviewStepUpdate, submitStepUpdate, unitStateQuery, type StepName } from '../workflows/cycle/definitions';

export function createSimulationActivities(client: Client) {
  const people = async (workflowId: string) => (await client.workflow.getHandle(workflowId).query(unitStateQuery)).people;
  return {
    async simSubmit(input: { workflowId: string; step: StepName; round: number }): Promise<void> {
      const { contacts } = await people(input.workflowId);
      const fields = Object.fromEntries(STEP_KINDS[input.step].fields.map((f) => [f.id, `(mô phỏng) ${f.label.vi}, lần ${input.round}`]));
      await client.workflow.getHandle(input.workflowId).executeUpdate(submitStepUpdate, {
        args: [{ step: input.step, round: input.round, by: contacts[0], fields }],
        updateId: `sim:${input.step}:${input.round}:submit`,
      });
    },
    async simReview(input: { workflowId: string; step: StepName; round: number; decision: 'approve' | 'return' }): Promise<void> {
      const { reviewer } = await people(input.workflowId);
      await client.workflow.getHandle(input.workflowId).executeUpdate(reviewStepUpdate, {
        args: [{ step: input.step, round: input.round, by: reviewer, decision: input.decision, comment: input.decision === 'return' ? '(mô phỏng) Đề nghị bổ sung' : undefined }],
        updateId: `sim:${input.step}:${input.round}:${input.decision}`,
      });
    },
  };
}

export type SimulationActivities = ReturnType<typeof createSimulationActivities>;
