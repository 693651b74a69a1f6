/**
 * The launch notice (thông báo phát động): when a unit's year starts, each of its contacts gets one
 * message with the year's plan in short (its steps, when each opens and is due), a link to the
 * stored plan (Kế hoạch, activities/mail-documents.ts), every deadline as a calendar entry (the UIDs
 * its requests will carry, so they update the same entries) and the unit's calendar feed.
 *
 * Business key `<cycleId>:launch:<unitId>` (+ `:<email>` per recipient): one per cycle, unit and
 * person, whatever retries or replays happen.
 */
import { log, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DeadlineItem } from '../../activities/notify';
import { STEP_NAMES } from '../../rules/steps';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';
import type { UnitState, UnitWorkflowInput } from './definitions';
import { uniqueByEmail } from './reviewed-step';

const { notify } = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);

export const launchNoticeKey = (cycleId: string, unitId: string): string => `${cycleId}:launch:${unitId}`;

/**
 * The notice of one unit: what it records in the unit's state (who is written to, under which key:
 * known before it is sent, like a step's events) and the sending, which runs beside the steps so that
 * a slow or refused mail never delays the year's own dates. A permanent refusal of every recipient is
 * logged (the outbox shows it); the year goes on.
 */
export function launchNotice(input: UnitWorkflowInput): { record: NonNullable<UnitState['launchNotice']>; send: () => Promise<void> } {
  const { workflowId } = workflowInfo();
  const deadlines: DeadlineItem[] = STEP_NAMES.flatMap((step) => {
    const s = input.steps[step];
    return s ? [{ step, opensAt: s.opensAt, dueAt: s.dueAt, uid: `${workflowId}:${step}:due@thidua`, sequence: 0 }] : [];
  });
  const to = uniqueByEmail(input.contacts);
  const key = launchNoticeKey(input.cycle.cycleId, input.unitId);
  const send = async () => {
    try {
      await notify({
        key,
        kind: 'launch',
        template: 'launch.notice',
        cycle: input.cycle,
        to,
        data: { unitName: input.unitName, clusterName: input.clusterName, deadlines },
        feed: { kind: 'unit', id: input.unitId },
      });
    } catch (err) {
      log.error('launch notice failed permanently', { key, error: String(err) });
    }
  };
  return { record: { key, to: to.map((p) => p.email), at: new Date(Date.now()).toISOString() }, send };
}
