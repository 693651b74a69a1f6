import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import {
  reviewStepUpdate,
  submitStepUpdate,
  unitStateQuery,
  type StepSchedule,
  type StepState,
  type UnitState,
  type UnitWorkflowInput,
} from './definitions';
import { assertCanReview, assertCanSubmit, ReviewedStep } from './reviewed-step';

const newStep = (schedule: StepSchedule): StepState => ({
  step: 'registration',
  status: 'pending',
  round: 1,
  schedule,
  history: [],
});

/** One unit's year. Today: the registration step; later stages are added here behind patched(). */
export async function unitWorkflow(input: UnitWorkflowInput): Promise<UnitState> {
  const registration = new ReviewedStep(newStep(input.steps.registration), input);
  const state: UnitState = {
    cycleId: input.cycle.cycleId,
    clusterId: input.clusterId,
    unitId: input.unitId,
    unitName: input.unitName,
    stage: 'registration',
    steps: { registration: registration.state },
  };
  const stepOf = (name: string) => {
    if (name !== 'registration') throw new Error(`unknown step ${name}`);
    return registration;
  };

  setHandler(unitStateQuery, () => state);
  setHandler(submitStepUpdate, (req) => stepOf(req.step).submit(req), {
    validator: (req) => assertCanSubmit(stepOf(req.step).state, req, input.contacts),
  });
  setHandler(reviewStepUpdate, (req) => stepOf(req.step).review(req), {
    validator: (req) => assertCanReview(stepOf(req.step).state, req, input.reviewer),
  });

  await registration.run();
  await condition(allHandlersFinished);
  return state;
}
