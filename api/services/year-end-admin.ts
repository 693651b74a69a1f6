/**
 * A coordinator's changes to a cluster's year-end: moving the meeting (before its ballots open).
 * The new instants come from the plan's calendar (rules/compile.ts); the cluster workflow's
 * validator decides whether the move still applies, and re-invites everyone with an updated
 * calendar entry.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { calendarOf, compilePlan, meetingScheduleOf, planForMeetingDay, visitsMovedBy } from '../../rules/compile';
import { localDate, workingDaysBetween } from '../../rules/calendar';
import type { Plan } from '../../rules/plan';
import {
  clusterWorkflowId,
  moveMeetingUpdate,
  recordAttendanceUpdate,
  rescheduleInspectionUpdate,
  type ClusterYearEndInput,
  type InspectionVisit,
  type MeetingSchedule,
  type StepSchedule,
  type UnitWorkflowInput,
  type YearEndState,
} from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { refreshInvitation } from './documents';
import { rescheduleUnitSteps, sameSchedule, sendReschedule, unitStagesMoved, type RescheduleOutcome } from './reschedule-steps';

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');
export const moveMeetingSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  ballotOpens: localTime.optional(),
  ballotCloses: localTime.optional(),
  reason: z.string().trim().max(500).optional(),
});

export async function moveMeeting(
  deps: AppDeps,
  cycleId: string,
  clusterId: string,
  input: unknown,
  actor: string,
): Promise<{ meeting: MeetingSchedule; version: number; replanned: Replanned }> {
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
  // The stage dates as they fall for the new day: dates relative to the meeting move with it.
  const moved: Plan = { ...plan, stages: { ...plan.stages, meeting: { ...plan.stages.meeting, clusters: { ...plan.stages.meeting.clusters, [clusterId]: req.date } } } };
  let stages: Plan['stages'];
  try {
    stages = planForMeetingDay(moved, req.date).stages;
  } catch (err) {
    throw problem('date', (err as Error).message);
  }
  if (stages.inspection && req.date <= stages.inspection.deadline) throw problem('date', `must be after the inspection deadline (${stages.inspection.deadline})`);
  if (stages.proposal && req.date >= stages.proposal.deadline) throw problem('date', `must be before the proposal deadline (${stages.proposal.deadline})`);
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
  await models.ClusterPlan.updateOne({ _id: `${cycleId}:${clusterId}` }, { $set: { 'yearEnd.meeting': schedule } });
  // The steps written relative to the meeting follow it, counted from the day the stored plan still has.
  const before = planForMeetingDay(plan, plan.stages.meeting.clusters[clusterId] ?? plan.stages.meeting.date);
  const replanned = await replanRelativeDeadlines(deps, cycleId, clusterId, moved, before, { ...moved, stages }, actor, req.reason);
  if (replanned.unavailable.length > 0) {
    // The old day is kept in the stored plan, so the same request again sends what did not go.
    throw new HttpError(503, 'unavailable', 'Temporal or the worker did not answer for some steps that follow the meeting. Send the same request again.');
  }
  // Keep the stored plans in step, so documents and the next `plan next` see the date in force.
  await models.Cycle.updateOne({ _id: cycleId }, { $set: { [`plan.stages.meeting.clusters.${clusterId}`]: req.date, updatedAt: deps.now() } });
  await models.Audit.create({ at: deps.now(), actor, action: 'meeting.move', target: `${cycleId}:${clusterId}`, details: { ...req, version: result.version, replanned } });
  // The Giấy mời with the new time (in the background: the workflow projects the move shortly).
  void refreshInvitation(deps, cycleId, clusterId, result.version);
  return { ...result, replanned };
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

export interface Replanned {
  updated: { workflowId: string; step: string; dueAt: string }[];
  refused: { workflowId: string; step: string; reason: string }[];
  /** Steps whose workflow did not answer (Temporal or the worker down): the same request again sends them. */
  unavailable: { workflowId: string; step: string }[];
}

/**
 * After a meeting moved: every step of the cluster whose dates were written relative to the meeting
 * (directly or through another stage) is rescheduled like a moved deadline — its reminders and
 * escalations re-planned, its people told. Only the unit stages whose dates differ between the old
 * day (`before`) and the new (`after`) follow; steps that had no opening date keep the instant they opened at.
 */
async function replanRelativeDeadlines(deps: AppDeps, cycleId: string, clusterId: string, moved: Plan, before: Plan, after: Plan, actor: string, reason?: string): Promise<Replanned> {
  const { models } = deps.db;
  const out: Replanned = { updated: [], refused: [], unavailable: [] };
  const compiled = compilePlan(moved, deps.now()).clusters.find((c) => c.clusterId === clusterId);
  const stored = await models.ClusterPlan.findById(`${cycleId}:${clusterId}`).lean();
  if (!compiled || !stored) return out;
  reason ??= 'the meeting moved';
  const units = stored.units as UnitWorkflowInput[];
  for (const m of await rescheduleUnitSteps(deps, cycleId, units, after, unitStagesMoved(before, after), actor, reason)) noteOutcome(out, m.workflowId, m.step, m.schedule, m.outcome);
  const set = await replanYearEnd(deps, cycleId, clusterId, moved, compiled.yearEnd, stored.yearEnd as ClusterYearEndInput | undefined, actor, reason, out);
  await models.ClusterPlan.updateOne({ _id: `${cycleId}:${clusterId}` }, { $set: { units, ...set } });
  return out;
}

/** One step's answer, in the lists of what was replanned. */
function noteOutcome(out: Replanned, workflowId: string, step: string, schedule: StepSchedule, outcome: RescheduleOutcome): void {
  if (outcome.status === 'updated') out.updated.push({ workflowId, step, dueAt: schedule.dueAt });
  else if (outcome.status === 'refused') out.refused.push({ workflowId, step, reason: outcome.reason });
  else out.unavailable.push({ workflowId, step });
}

/**
 * The cluster's own year-end steps whose dates follow a move (of the meeting, or of a stage they are
 * written relative to): the award proposal is rescheduled like a unit's step, the inspection with its
 * visits. Returns the stored plan's fields to set (only what the workflow took).
 */
export async function replanYearEnd(
  deps: AppDeps,
  cycleId: string,
  clusterId: string,
  moved: Plan,
  compiled: ClusterYearEndInput | undefined,
  yearEnd: ClusterYearEndInput | undefined,
  actor: string,
  reason: string,
  out: Replanned,
): Promise<Record<string, unknown>> {
  if (!yearEnd || !compiled) return {};
  const set: Record<string, unknown> = {};
  const oldProposal = yearEnd.proposal?.schedule;
  const newProposal = compiled.proposal?.schedule;
  if (oldProposal && newProposal) {
    const schedule: StepSchedule = { ...newProposal, opensAt: moved.stages.proposal?.opensOn !== undefined ? newProposal.opensAt : oldProposal.opensAt };
    if (!sameSchedule(schedule, oldProposal)) {
      const workflowId = clusterWorkflowId(cycleId, clusterId);
      const outcome = await sendReschedule(deps, workflowId, 'award-proposal', oldProposal, schedule, actor, reason, 'the workflow has ended');
      noteOutcome(out, workflowId, 'award-proposal', schedule, outcome);
      if (outcome.status === 'updated') set['yearEnd.proposal.schedule'] = schedule;
    }
  }
  const inspection = await moveInspection(deps, cycleId, clusterId, moved, yearEnd, compiled.inspection, actor, reason, out);
  if (inspection) Object.assign(set, { 'yearEnd.inspection': inspection.inspection, 'yearEnd.visits': inspection.visits });
  return set;
}

/**
 * An inspection whose dates the plan writes relative to the meeting moves with it: its window, its
 * reminders and escalations, and the visits (by as many working days as its deadline moved). The
 * cluster workflow tells whoever was already told; a closed inspection refuses (listed as refused).
 */
async function moveInspection(
  deps: AppDeps,
  cycleId: string,
  clusterId: string,
  moved: Plan,
  stored: ClusterYearEndInput,
  next: StepSchedule,
  actor: string,
  reason: string | undefined,
  out: Replanned,
): Promise<{ inspection: StepSchedule; visits: InspectionVisit[] } | undefined> {
  const old = stored.inspection;
  const inspection: StepSchedule = { ...next, opensAt: moved.stages.inspection?.opensOn !== undefined ? next.opensAt : old.opensAt };
  if (inspection.dueAt === old.dueAt && inspection.opensAt === old.opensAt) return undefined;
  const cal = calendarOf(moved);
  const shift = workingDaysBetween(localDate(old.dueAt, moved.timeZone), localDate(inspection.dueAt, moved.timeZone), cal);
  const visits = visitsMovedBy(stored.visits ?? [], shift, moved);
  const workflowId = clusterWorkflowId(cycleId, clusterId);
  const fingerprint = createHash('sha256').update(JSON.stringify({ inspection, visits })).digest('hex').slice(0, 16);
  try {
    await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
      deps.temporal.workflow
        .getHandle(workflowId)
        .executeUpdate(rescheduleInspectionUpdate, { args: [{ inspection, visits, by: actor, reason: reason ?? 'the meeting moved' }], updateId: `reschedule-inspection:${fingerprint}` }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) out.refused.push({ workflowId, step: 'inspection', reason: (err.cause as Error | undefined)?.message ?? err.message });
    else if (err instanceof WorkflowNotFoundError) out.refused.push({ workflowId, step: 'inspection', reason: 'the workflow has ended' });
    else throw err;
    return undefined;
  }
  out.updated.push({ workflowId, step: 'inspection', dueAt: inspection.dueAt });
  return { inspection, visits };
}
