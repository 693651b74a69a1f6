/**
 * A coordinator's changes to a cluster's year-end: moving the meeting (before its ballots open).
 * The new instants come from the plan's calendar (rules/compile.ts); the cluster workflow's
 * validator decides whether the move still applies, and re-invites everyone with an updated
 * calendar entry.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { meetingScheduleOf } from '../../rules/compile';
import type { Plan } from '../../rules/plan';
import { clusterWorkflowId, moveMeetingUpdate, type MeetingSchedule } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { refreshInvitation } from './documents';

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');
export const moveMeetingSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  ballotOpens: localTime.optional(),
  ballotCloses: localTime.optional(),
  reason: z.string().trim().max(500).optional(),
});

export async function moveMeeting(deps: AppDeps, cycleId: string, clusterId: string, input: unknown, actor: string): Promise<{ meeting: MeetingSchedule; version: number }> {
  const parsed = moveMeetingSchema.safeParse(input);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', 'the request is not valid', {
      problems: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
    });
  }
  const req = parsed.data;
  const { models } = deps.db;
  const cycle = await models.Cycle.findById(cycleId).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  const plan = cycle.plan as Plan;
  if (!plan.clusters.some((c) => c.id === clusterId)) throw new HttpError(404, 'not_found', `no cluster ${clusterId} in ${cycleId}`);
  if (!plan.stages.meeting) throw new HttpError(404, 'not_found', `the plan of ${cycleId} has no meeting stage`);
  const problem = (path: string, message: string) => new HttpError(400, 'invalid_request', `${path}: ${message}`, { problems: [{ path, message }] });
  if (plan.stages.inspection && req.date <= plan.stages.inspection.deadline) throw problem('date', `must be after the inspection deadline (${plan.stages.inspection.deadline})`);
  if (plan.stages.proposal && req.date >= plan.stages.proposal.deadline) throw problem('date', `must be before the proposal deadline (${plan.stages.proposal.deadline})`);
  let schedule: MeetingSchedule;
  try {
    schedule = meetingScheduleOf(plan, clusterId, req);
  } catch (err) {
    throw problem('date', (err as Error).message);
  }
  if (Date.parse(schedule.opensAt) >= Date.parse(schedule.closesAt)) throw problem('ballotCloses', 'must be after ballotOpens');

  const updateId = `move-meeting:${createHash('sha256').update(JSON.stringify(schedule)).digest('hex').slice(0, 16)}`;
  let result: { meeting: MeetingSchedule; version: number };
  try {
    result = await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
      deps.temporal.workflow
        .getHandle(clusterWorkflowId(cycleId, clusterId))
        .executeUpdate(moveMeetingUpdate, { args: [{ schedule, by: actor, reason: req.reason }], updateId }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `the cluster workflow of ${clusterId} is not running`);
    throw err; // unavailable → 503 by the error handler
  }
  // Keep the stored plans in step, so documents and the next `plan next` see the date in force.
  await models.Cycle.updateOne({ _id: cycleId }, { $set: { [`plan.stages.meeting.clusters.${clusterId}`]: req.date, updatedAt: deps.now() } });
  await models.ClusterPlan.updateOne({ _id: `${cycleId}:${clusterId}` }, { $set: { 'yearEnd.meeting': schedule } });
  await models.Audit.create({ at: deps.now(), actor, action: 'meeting.move', target: `${cycleId}:${clusterId}`, details: { ...req, version: result.version } });
  // The Giấy mời with the new time (in the background: the workflow projects the move shortly).
  void refreshInvitation(deps, cycleId, clusterId, result.version);
  return result;
}
