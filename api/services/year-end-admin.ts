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
import { clusterWorkflowId, moveMeetingUpdate, recordAttendanceUpdate, type MeetingSchedule, type YearEndState } from '../../workflows/cycle/definitions';
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

const unitId = z.string().trim().min(1).max(100);
export const attendanceSchema = z.object({
  /** The member units whose delegate attends. */
  present: z.array(unitId).max(500),
  /** Absent units voting through a present unit's delegate, with the written proxy's reference. */
  proxies: z.array(z.object({ absent: unitId, holder: unitId, document: z.string().trim().max(300).optional() })).max(500).default([]),
});

/**
 * The chair's record of the meeting's attendance (entered by the secretariat or a coordinator): who is
 * present and which absent units vote by written proxy. The cluster workflow's validator checks it
 * against the plan's quorum rule (proxies allowed or not, one proxy per holder…); it may be corrected
 * while the ballots are open, never taking the vote from a unit that has voted.
 */
export async function recordAttendance(
  deps: AppDeps,
  cycleId: string,
  clusterId: string,
  input: unknown,
  actor: string,
): Promise<NonNullable<YearEndState['attendance']>> {
  const parsed = attendanceSchema.safeParse(input);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', 'the request is not valid', {
      problems: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
    });
  }
  const { models } = deps.db;
  const cycle = await models.Cycle.findById(cycleId).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  const plan = cycle.plan as Plan;
  if (!plan.clusters.some((c) => c.id === clusterId)) throw new HttpError(404, 'not_found', `no cluster ${clusterId} in ${cycleId}`);
  if (!plan.stages.meeting?.quorum) throw new HttpError(409, 'refused', `the plan of ${cycleId} sets no quorum for the meeting: attendance is not recorded`);
  const args = { ...parsed.data, by: actor };
  const updateId = `attendance:${createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16)}`;
  let result: NonNullable<YearEndState['attendance']>;
  try {
    result = await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(clusterWorkflowId(cycleId, clusterId)).executeUpdate(recordAttendanceUpdate, { args: [args], updateId }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `the cluster workflow of ${clusterId} is not running`);
    throw err;
  }
  await models.Audit.create({ at: deps.now(), actor, action: 'meeting.attendance', target: `${cycleId}:${clusterId}`, details: { present: parsed.data.present, proxies: parsed.data.proxies } });
  return result;
}
