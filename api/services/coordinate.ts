/**
 * A coordinator's changes to a running cycle. Moving a stage's deadline recomputes its schedule with
 * the plan's calendar and sends each affected unit workflow a `rescheduleStep` update (idempotent by
 * update id, so repeating the same request is safe); the stages written relative to the moved one
 * (the units' steps, the cluster's pact and heads) follow it the same way. Cancelling cancels the cycle workflow, which
 * passes the cancellation down to its clusters and units.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Types } from 'mongoose';
import { z } from 'zod';
import { isDuplicateKey } from '../../lib/db';
import { CHECKLIST_NOTE_MAX } from '../../rules/checklist';
import { calendarOf, compilePlan, inspectionAfterMove, planForMeetingDay, UNIT_STAGES, type UnitStage } from '../../rules/compile';
import { stagesForMeetingDay } from '../../rules/relative-dates';
import { offsetSchema, type Plan } from '../../rules/plan';
import { computeStepSchedule } from '../../rules/schedule';
import { nominationSchema } from '../../rules/nominations';
import { stepsOfStage, type StageName } from '../../rules/steps';
import { CLUSTER_REGISTRATION_STEPS, isStepName, STEP_KINDS, type ClusterRegistrationStep } from '../../rules/steps';
import { localInstant, shiftDate } from '../../rules/calendar';
import {
  clusterWorkflowId,
  delegateUpdate,
  replacePersonUpdate,
  submitStepUpdate,
  unitWorkflowId,
  type ClusterStepInput,
  type ClusterYearEndInput,
  type StepSchedule,
  type UnitWorkflowInput,
} from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError, invalidRequest } from '../errors';
import { regeneratePlanDocuments } from './documents';
import { replanYearEnd, type Replanned } from './year-end-admin';
import { rescheduleUnitSteps, sameSchedule, sendReschedule, unitStagesMoved, withOpening, type RescheduleOutcome } from './reschedule-steps';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

export const moveDeadlineSchema = z.object({
  deadline: isoDate,
  opensOn: isoDate.optional(),
  reminders: z.array(offsetSchema).optional(),
  grace: offsetSchema.optional(),
  escalations: z.array(offsetSchema).optional(),
  /** Only this cluster's units (each cluster's dates may differ); all clusters when absent. */
  clusterId: z.string().min(1).optional(),
  reason: z.string().trim().max(500).optional(),
});

export interface MoveDeadlineResult {
  stage: MovableStage;
  schedule: StepSchedule;
  updated: { unitId: string; step: string }[];
  refused: { unitId: string; step: string; reason: string }[];
  unavailable: { unitId: string; step: string }[];
}

async function loadCycle(deps: AppDeps, cycleId: string) {
  const cycle = await deps.db.models.Cycle.findById(cycleId).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  return cycle;
}

/** The stages a coordinator may move: those with steps, and the inspection (a cluster's own, with its visits). */
export type MovableStage = StageName | 'inspection';
export const MOVABLE_STAGES: readonly MovableStage[] = ['registration', 'pact', 'heads', 'midYear', 'reports', 'proposal', 'inspection'];

export async function moveDeadline(deps: AppDeps, cycleId: string, stage: MovableStage, input: unknown, actor: string): Promise<MoveDeadlineResult> {
  const parsed = moveDeadlineSchema.safeParse(input);
  if (!parsed.success) {
    throw invalidRequest(parsed.error);
  }
  const req = parsed.data;
  const cycle = await loadCycle(deps, cycleId);
  if (cycle.status === 'cancelled' || cycle.status === 'completed') throw new HttpError(409, 'cycle_closed', `the cycle is ${cycle.status}`);
  const plan = cycle.plan as Plan;
  const current = plan.stages[stage];
  if (!current) throw new HttpError(404, 'not_found', `the plan has no stage ${stage}`);

  // The moved dates are the coordinator's, absolute: a rule they were resolved from no longer applies.
  const { deadlineRule: _d, opensOnRule, ...kept } = current as typeof current & { deadlineRule?: unknown; opensOnRule?: unknown };
  const merged = {
    ...kept,
    ...(opensOnRule && !req.opensOn ? { opensOnRule } : {}),
    deadline: req.deadline,
    opensOn: req.opensOn ?? current.opensOn,
    reminders: req.reminders ?? current.reminders,
    grace: req.grace ?? current.grace,
    escalations: req.escalations ?? current.escalations,
  };
  let computed;
  try {
    computed = computeStepSchedule(merged, calendarOf(plan));
  } catch (err) {
    throw new HttpError(400, 'invalid_request', (err as Error).message, { problems: [{ path: 'deadline', message: (err as Error).message }] });
  }
  const clusters = await deps.db.models.ClusterPlan.find({ cycleId, ...(req.clusterId ? { clusterId: req.clusterId } : {}) }).lean();
  if (req.clusterId && clusters.length === 0) throw new HttpError(404, 'not_found', `no cluster ${req.clusterId} in ${cycleId}`);

  // The plan with the moved stage: the stages written relative to it resolved again, for the plan's
  // meeting day and for each cluster's own (a day on which they no longer fit is the request's fault).
  let movedPlan: Plan;
  let days: Map<string, { before: Plan; after: Plan }>;
  try {
    movedPlan = withMovedStage(plan, stage, merged);
    days = new Map(clusters.map((c) => [c.clusterId, forMeetingDayOf(c.clusterId, plan, movedPlan)]));
    for (const { after } of days.values()) assertSchedules(after);
  } catch (err) {
    throw new HttpError(400, 'invalid_request', (err as Error).message, { problems: [{ path: 'deadline', message: (err as Error).message }] });
  }
  const result: MoveDeadlineResult = { stage, schedule: undefined as unknown as StepSchedule, updated: [], refused: [], unavailable: [] };
  const movedSteps = new Set<string>((stage === 'inspection' ? [] : stepsOfStage(stage, { scoring: true })));
  // Compiled once, and only for a plan whose clusters have a year-end (each cluster on its own meeting day).
  let compiled: Map<string, ClusterYearEndInput | undefined> | undefined;
  const compiledYearEnds = () => (compiled ??= new Map(compilePlan(movedPlan, deps.now()).clusters.map((c) => [c.clusterId, c.yearEnd])));
  for (const cluster of clusters) {
    const units = cluster.units as UnitWorkflowInput[];
    const { before, after } = days.get(cluster.clusterId)!;
    // The moved stage itself, and every unit stage whose dates follow it on this cluster's meeting day.
    const stages = [...new Set([...(isUnitStage(stage) ? [stage] : []), ...unitStagesMoved(before, after)])];
    for (const move of await rescheduleUnitSteps(deps, cycleId, units, after, stages, actor, req.reason)) {
      if (movedSteps.has(move.step)) result.schedule ??= move.schedule;
      record(result, move.unitId, move.step, move.outcome);
    }
    // The cluster's own registration steps (pact, head and deputy): the stage moved, or their dates follow it.
    const steps = await moveClusterSteps(deps, cycleId, cluster, before, after, actor, req.reason, result);
    // The cluster's year-end (the inspection with its visits, the award proposal) when written relative to the moved stage.
    const yearEnd = await followingYearEnd(deps, cycleId, cluster, compiledYearEnds, movedPlan, actor, req.reason ?? `the ${stage} stage moved`, result);
    // Keep the stored plan in step with what the workflows now run on.
    await deps.db.models.ClusterPlan.updateOne({ _id: cluster._id }, { $set: { units, ...steps, ...yearEnd } });
  }
  // Nothing had to move (the same request again): the schedule the stage is on.
  result.schedule ??= { ...computed, opensAt: computed.opensAt ?? firstOpening(clusters, movedSteps) ?? deps.now().toISOString() };
  if (!req.clusterId && result.unavailable.length === 0) {
    // The stages that followed keep their rules (they still apply); their dates are the new ones.
    const followed = Object.fromEntries(
      FOLLOWING_STAGES.filter((s) => s !== stage && movedPlan.stages[s] && JSON.stringify(movedPlan.stages[s]) !== JSON.stringify(plan.stages[s])).map((s) => [`plan.stages.${s}`, movedPlan.stages[s]]),
    );
    // The inspection, moved itself or following, with its timetable moved as the clusters' visits were.
    const inspection = inspectionAfterMove(plan, movedPlan);
    await deps.db.models.Cycle.updateOne(
      { _id: cycleId },
      { $set: { [`plan.stages.${stage}`]: merged, ...followed, ...(inspection ? { 'plan.stages.inspection': inspection } : {}), updatedAt: deps.now() } },
    );
    // The Kế hoạch prints each stage's dates: a new version with the moved deadline.
    await regeneratePlanDocuments(deps, cycleId);
  }
  await deps.db.models.Audit.create({
    at: deps.now(),
    actor,
    action: 'stage.move-deadline',
    target: `${cycleId}:${stage}`,
    details: { request: req, updated: result.updated.length, refused: result.refused, unavailable: result.unavailable },
  });
  if (result.updated.length === 0 && result.unavailable.length > 0) {
    throw new HttpError(503, 'unavailable', 'Temporal or the worker did not answer; nothing was moved. Send the same request again.');
  }
  return result;
}

/**
 * The cluster's year-end steps after a moved stage: those whose dates the move changes follow it
 * (replanYearEnd, as after a moved meeting); each answer is listed under the cluster's id.
 */
async function followingYearEnd(
  deps: AppDeps,
  cycleId: string,
  cluster: { clusterId: string; yearEnd?: unknown },
  compiled: () => Map<string, ClusterYearEndInput | undefined>,
  movedPlan: Plan,
  actor: string,
  reason: string,
  result: MoveDeadlineResult,
): Promise<Record<string, unknown>> {
  if (!cluster.yearEnd) return {};
  const out: Replanned = { updated: [], refused: [], unavailable: [] };
  const set = await replanYearEnd(deps, cycleId, cluster.clusterId, movedPlan, compiled().get(cluster.clusterId), cluster.yearEnd as ClusterYearEndInput, actor, reason, out);
  for (const u of out.updated) result.updated.push({ unitId: cluster.clusterId, step: u.step });
  for (const r of out.refused) result.refused.push({ unitId: cluster.clusterId, step: r.step, reason: r.reason });
  for (const u of out.unavailable) result.unavailable.push({ unitId: cluster.clusterId, step: u.step });
  return set;
}

/** The registration stages that schedule a cluster's own step (stages.pact, stages.heads). */
const CLUSTER_REGISTRATION_STAGES = CLUSTER_REGISTRATION_STEPS.map((s) => STEP_KINDS[s].stage as 'pact' | 'heads');
/** The stages whose steps follow a moved stage they are written relative to (the units' and the cluster's registration steps). */
const FOLLOWING_STAGES = [...UNIT_STAGES, ...CLUSTER_REGISTRATION_STAGES];
const isUnitStage = (s: MovableStage): s is UnitStage => (UNIT_STAGES as readonly string[]).includes(s);

function withMovedStage(plan: Plan, stage: MovableStage, merged: unknown): Plan {
  const stages = { ...plan.stages, [stage]: merged } as Plan['stages'];
  const day = plan.stages.meeting?.date ?? '';
  const r = stagesForMeetingDay(stages, calendarOf(plan), day);
  if (r.problems.length > 0) throw new Error(`${r.problems[0].path}: ${r.problems[0].message}`);
  return { ...plan, stages: r.stages };
}

/** The plan before and after the move as a cluster has it: its stages resolved for its own meeting day. */
function forMeetingDayOf(clusterId: string, plan: Plan, movedPlan: Plan): { before: Plan; after: Plan } {
  const day = movedPlan.stages.meeting?.clusters[clusterId];
  return day ? { before: planForMeetingDay(plan, day), after: planForMeetingDay(movedPlan, day) } : { before: plan, after: movedPlan };
}

/** Every stage that follows still makes a schedule (a follower may now open after its own deadline). */
function assertSchedules(p: Plan): void {
  for (const s of FOLLOWING_STAGES) {
    const input = p.stages[s];
    if (!input) continue;
    try {
      computeStepSchedule(input, calendarOf(p));
    } catch (err) {
      throw new Error(`stages.${s}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** When the units' steps of the moved stage opened (a stage without an opening date opened at cycle start). */
function firstOpening(clusters: { units: unknown }[], steps: Set<string>): string | undefined {
  for (const c of clusters) for (const u of c.units as UnitWorkflowInput[]) for (const [step, s] of Object.entries(u.steps)) if (steps.has(step) && s) return s.opensAt;
  return undefined;
}

/** One step's answer, in the result's lists. */
function record(result: MoveDeadlineResult, unitId: string, step: string, outcome: RescheduleOutcome): void {
  if (outcome.status === 'updated') result.updated.push({ unitId, step });
  else if (outcome.status === 'refused') result.refused.push({ unitId, step, reason: outcome.reason });
  else result.unavailable.push({ unitId, step });
}

/**
 * Reschedules a cluster's registration steps whose dates changed in the moved plan (each cluster's
 * dates as they fall for its own meeting day): the same update a unit's step gets, sent to the
 * cluster workflow; the step re-plans its reminders and escalations and tells the head, with the
 * calendar entry updated (higher SEQUENCE). Returns the stored plan's fields to set.
 */
async function moveClusterSteps(
  deps: AppDeps,
  cycleId: string,
  cluster: { clusterId: string; clusterSteps?: unknown },
  /** The plan as this cluster has it (resolved for its meeting day), before and after the move. */
  before: Plan,
  clusterPlan: Plan,
  actor: string,
  reason: string | undefined,
  result: MoveDeadlineResult,
): Promise<Record<string, StepSchedule>> {
  const stored = (cluster.clusterSteps ?? {}) as Partial<Record<ClusterRegistrationStep, ClusterStepInput>>;
  const set: Record<string, StepSchedule> = {};
  const workflowId = clusterWorkflowId(cycleId, cluster.clusterId);
  for (const step of CLUSTER_REGISTRATION_STEPS) {
    const old = stored[step]?.schedule;
    const stage = STEP_KINDS[step].stage as 'pact' | 'heads';
    const input = clusterPlan.stages[stage];
    if (!old || !input) continue;
    const next = computeStepSchedule(input, calendarOf(clusterPlan));
    // Only the moved stage, or one whose dates follow it: a date set for this cluster alone stays.
    const was = before.stages[stage];
    if (stage !== result.stage && was && sameSchedule(computeStepSchedule(was, calendarOf(before)), next)) continue;
    const schedule = withOpening(next, old);
    if (sameSchedule(schedule, old)) continue;
    const outcome = await sendReschedule(deps, workflowId, step, old, schedule, actor, reason, 'the cluster workflow has ended');
    // The cluster is the "unit" of its own steps (as in the read model).
    record(result, cluster.clusterId, step, outcome);
    if (outcome.status !== 'updated') continue;
    if (stage === result.stage) result.schedule = schedule;
    set[`clusterSteps.${step}.schedule`] = schedule;
  }
  return set;
}

export const cancelSchema = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(500) });

/**
 * The cancellation's audit row has a business key as its id (one per cycle): a second request — a
 * double click, a client retrying a lost answer, two coordinators at once — finds it and is told the
 * cycle is already being cancelled, by whom and when, and writes nothing.
 */
const cancelAuditId = (cycleId: string) => new Types.ObjectId(createHash('sha256').update(`cycle.cancel\u0000${cycleId}`).digest('hex').slice(0, 24));

export interface CancelResult {
  cycleId: string;
  status: string;
  /** Set when the cycle was already being cancelled: the first request, which this one repeats. */
  already?: { at: string; by: string; reason: string };
}

export async function cancelCycle(deps: AppDeps, cycleId: string, input: unknown, actor: string): Promise<CancelResult> {
  const reason = cancelSchema.safeParse(input);
  if (!reason.success) {
    throw invalidRequest(reason.error);
  }
  const cycle = await loadCycle(deps, cycleId);
  if (cycle.status === 'cancelled' || cycle.status === 'completed') throw new HttpError(409, 'cycle_closed', `the cycle is already ${cycle.status}`);
  const _id = cancelAuditId(cycleId);
  const earlier = async () => {
    const row = (await deps.db.models.Audit.findById(_id).lean()) as { at: Date; actor: string; details?: { reason?: string } } | null;
    return row ? { cycleId, status: 'cancelling', already: { at: new Date(row.at).toISOString(), by: row.actor, reason: row.details?.reason ?? '' } } : undefined;
  };
  const first = await earlier();
  if (first) return first;
  // Temporal keeps one cancellation request per run: asking again (a race with another request) is harmless.
  await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () => deps.temporal.workflow.getHandle(cycle.workflowId).cancel());
  try {
    await deps.db.models.Audit.create({ _id, at: deps.now(), actor, action: 'cycle.cancel', target: cycleId, details: { reason: reason.data.reason } });
  } catch (err) {
    // Another request got there first: this one repeats it.
    if (isDuplicateKey(err)) {
      const other = await earlier();
      if (other) return other;
    }
    throw err;
  }
  return { cycleId, status: 'cancelling' };
}


/** Sends one update to a unit workflow; a refusal by its validator is a 409 with the reason. */
async function updateUnit<R>(deps: AppDeps, workflowId: string, send: () => Promise<R>): Promise<R> {
  try {
    return await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, send);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `no unit workflow ${workflowId}`);
    throw err;
  }
}

/** Staff record a submission for a unit (received on paper); marked as such in the step and the audit. */
export async function submitOnBehalf(deps: AppDeps, cycleId: string, unitId: string, step: string, input: unknown, actor: string) {
  if (!isStepName(step)) throw new HttpError(404, 'not_found', `no step ${step}`);
  const schema = z.object({
    round: z.number().int().min(1),
    note: z.string().trim().max(500).optional(),
    fields: z.object(Object.fromEntries(STEP_KINDS[step].fields.map((f) => [f.id, z.string().trim().min(1, 'is required').max(f.maxLength)]))),
    // The nominations step on paper: the persons as a list (the unit workflow checks them against the plan's titles and quotas).
    ...(STEP_KINDS[step].nominated ? { nominations: z.array(nominationSchema).max(200).default([]) } : {}),
    /** The evidence checklist as received on paper: item id → ticked, with an optional note. */
    checklist: z.record(z.string(), z.object({ checked: z.boolean(), note: z.string().trim().max(CHECKLIST_NOTE_MAX).optional() })).optional(),
  });
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidRequest(parsed.error);
  const workflowId = unitWorkflowId(cycleId, unitId);
  const { round, note, checklist } = parsed.data;
  const listed = (parsed.data as { nominations?: unknown[] }).nominations;
  const fields = { ...(parsed.data.fields as Record<string, string>), ...(listed ? { nominations: JSON.stringify(listed) } : {}) };
  const state = await updateUnit(deps, workflowId, () =>
    deps.temporal.workflow.getHandle(workflowId).executeUpdate(submitStepUpdate, {
      args: [{ step, round, by: `staff:${actor}`, fields, ...(checklist ? { checklist } : {}), onBehalf: { note: note ?? 'received on paper' } }],
      updateId: `on-behalf:${step}:${round}`,
    }),
  );
  await deps.db.models.Audit.create({ at: deps.now(), actor, action: 'step.submit.on-behalf', target: `${workflowId}:${step}`, details: { round, note } });
  return { workflowId, step, status: state.status, round: state.round };
}

export const personSchema = z.object({ name: z.string().trim().min(1), email: z.email(), lang: z.enum(['vi', 'en']).default('vi'), role: z.string().optional() });
export const replacePersonSchema = z.object({ role: z.enum(['contact', 'reviewer']), email: z.email(), person: personSchema });

/** Replace a unit's contact or its reviewer: the old person's links stop working, the new one is told. */
export async function replacePerson(deps: AppDeps, cycleId: string, unitId: string, input: unknown, actor: string) {
  const parsed = replacePersonSchema.safeParse(input);
  if (!parsed.success) throw invalidRequest(parsed.error);
  const workflowId = unitWorkflowId(cycleId, unitId);
  const req = parsed.data;
  const people = await updateUnit(deps, workflowId, () =>
    deps.temporal.workflow.getHandle(workflowId).executeUpdate(replacePersonUpdate, {
      args: [{ role: req.role, email: req.email, person: req.person, by: actor }],
    }),
  );
  await deps.db.models.StepState.updateMany({ workflowId }, { $set: { people } });
  await deps.db.models.Audit.create({ at: deps.now(), actor, action: `unit.replace-${req.role}`, target: workflowId, details: { from: req.email, to: req.person.email } });
  return { workflowId, people };
}

/**
 * A coordinator names an acting substitute for a unit's contact or its reviewer, from one local day
 * to another (inclusive): meanwhile their mail and links go to the substitute, who acts on their
 * behalf (the audit says so); afterwards everything goes back to them.
 */
/** An acting substitute for a unit's contact or reviewer, for local days from–to (inclusive). */
export const delegateSchema = z
  .object({
    role: z.enum(['contact', 'reviewer']),
    email: z.email(),
    substitute: personSchema,
    from: isoDate,
    to: isoDate,
    reason: z.string().trim().max(500).optional(),
  })
  .refine((r) => r.to >= r.from, { path: ['to'], message: 'must not be before from' });

export async function delegate(deps: AppDeps, cycleId: string, unitId: string, input: unknown, actor: string) {
  const parsed = delegateSchema.safeParse(input);
  if (!parsed.success) throw invalidRequest(parsed.error);
  const req = parsed.data;
  const cycle = await loadCycle(deps, cycleId);
  if (cycle.status === 'cancelled' || cycle.status === 'completed') throw new HttpError(409, 'cycle_closed', `the cycle is ${cycle.status}`);
  const { fromAt, untilAt } = delegationPeriod(cycle.plan as Plan, req.from, req.to);
  const workflowId = unitWorkflowId(cycleId, unitId);
  const args = { role: req.role, email: req.email, substitute: req.substitute, fromAt, untilAt, by: actor, ...(req.reason ? { reason: req.reason } : {}) };
  const delegations = await updateUnit(deps, workflowId, () =>
    deps.temporal.workflow.getHandle(workflowId).executeUpdate(delegateUpdate, {
      args: [args],
      // The same request twice is one delegation.
      updateId: `delegate:${createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16)}`,
    }),
  );
  await deps.db.models.Audit.create({
    at: deps.now(),
    actor,
    action: `unit.delegate-${req.role}`,
    target: workflowId,
    details: { for: req.email, substitute: req.substitute.email, fromAt, untilAt, ...(req.reason ? { reason: req.reason } : {}) },
  });
  return { workflowId, delegation: { ...args }, delegations };
}

/** A delegation's local days from–to (inclusive) as instants: from 00:00 local of the first day to 00:00 of the day after the last. */
export function delegationPeriod(plan: Plan, from: string, to: string): { fromAt: string; untilAt: string } {
  return {
    fromAt: localInstant(from, '00:00', plan.timeZone),
    untilAt: localInstant(shiftDate(to, { days: 1, unit: 'calendar' }, calendarOf(plan)), '00:00', plan.timeZone),
  };
}
