import { continueAsNew, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DailyMailResult } from './definitions';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';

const { dailyMail } = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);

/**
 * One per cycle, started with it: wakes when the activity says something is due (the day's personal
 * digests, the secretariat's 08:00 digest), sends it, sleeps again; ends once the cycle has. All
 * calendar maths is in the activity (rules/daily-mail.ts), whose answers are in the history.
 */
export async function dailyMailWorkflow(input: { cycleId: string }): Promise<DailyMailResult> {
  for (;;) {
    const r = await dailyMail({ cycleId: input.cycleId, at: new Date(Date.now()).toISOString() });
    if (r.done) return r;
    // A year of wake-ups stays small, but a long-lived workflow should not grow without bound.
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof dailyMailWorkflow>(input);
    await sleep(Math.max(Date.parse(r.nextAt) - Date.now(), 1000));
  }
}
