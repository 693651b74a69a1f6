/**
 * Activity options of the human-paced workflows (unit steps, the cluster's year-end): a minute per
 * attempt, retried with backoff up to every five minutes, for as long as the step lasts.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export const STEP_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};
