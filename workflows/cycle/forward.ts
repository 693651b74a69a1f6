/**
 * Forwarding a council's decision to the level above: a signal to the parent body's cycle workflow
 * (`thidua:<parent>:<year>:cycle`). A parent whose cycle has not started yet (or is not running) cannot
 * be signalled: the forward is then recorded as pending in the read model, and the parent's cycle
 * takes every pending forward addressed to it when it starts (cycle-workflow.ts). The parent takes each
 * forward once, by its id, so a forward that arrives both ways is counted once.
 */
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';
import { cycleWorkflowId, forwardSignal, type ForwardInput } from './definitions';
import { deliverForward } from './forward-delivery';

const acts = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);

async function trySignal(f: ForwardInput): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(cycleWorkflowId(f.toCycleId)).signal(forwardSignal, f);
    return true;
  } catch (err) {
    log.info('the parent cycle cannot be signalled (not started?)', { toCycleId: f.toCycleId, error: String(err) });
    return false;
  }
}

/** Returns whether the parent's cycle has it now (false: pending until that cycle starts). */
export function forwardToParent(f: ForwardInput): Promise<boolean> {
  return deliverForward(f, { record: (event) => acts.recordForward({ forward: f, event }), signal: trySignal });
}
