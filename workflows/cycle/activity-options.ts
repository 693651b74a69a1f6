/**
 * Activity options of the workflows, and the proxy they call activities through.
 */
import { ActivityCancellationType, patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';

/** The human-paced workflows (unit steps, the cluster's year-end): a minute per attempt, retried with backoff up to every five minutes, for as long as the step lasts. */
export const STEP_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};

/** The cycle and cluster workflows' projections: quick, retried up to every minute. */
export const PROJECTION_ACTIVITIES: ActivityOptions = { startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } };

export const ABANDON_ON_CANCEL_PATCH = 'activities-abandoned-on-cancel';

/**
 * proxyActivities, except that an activity under way when its scope is cancelled (the cycle
 * cancelled) is abandoned rather than asked to cancel. None of our activities heartbeats, so a cancel
 * request never reached one anyway: the request only added a command. And that command breaks the
 * Java time-skipping test server: when the activity completes while the workflow task is in flight,
 * the server refuses the task's completion (ACTIVITY_UNKNOWN) and never hands the task out again,
 * so the workflow stays open forever (seen in cancellation tests under load; the same race as
 * temporalio/sdk-java#2606 for timers). The choice is made per call, after the patch: histories
 * recorded with cancel requests replay with them.
 */
export function proxyWorkflowActivities<A extends object>(options: ActivityOptions): A {
  const asking = proxyActivities<A>(options);
  const abandoning = proxyActivities<A>({ ...options, cancellationType: ActivityCancellationType.ABANDON });
  return new Proxy({} as A, {
    // A function decides at call time: modules destructure the proxy when they load, outside any workflow.
    get: (_target, name) =>
      (...args: unknown[]) =>
        ((patched(ABANDON_ON_CANCEL_PATCH) ? abandoning : asking) as Record<string | symbol, (...a: unknown[]) => unknown>)[name](...args),
  });
}
