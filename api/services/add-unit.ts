/**
 * A coordinator adds a unit to a running cycle (a new member, a split commune): the plan is amended
 * and validated whole (every problem by path), compiled as at cycle start — its steps keep the plan's
 * dates, a step already open opens for it at once — and its cluster workflow starts its workflow and
 * takes it into the year-end. Refused once the cluster's inspection has opened.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { compilePlan, PlanCompileError } from '../../rules/compile';
import { unitSchema, validatePlan, type Plan } from '../../rules/plan';
import { addUnitUpdate, clusterWorkflowId } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { regeneratePlanDocuments } from './documents';

export const schema = z.object({ unit: unitSchema, reason: z.string().trim().min(1, 'is required').max(500, 'is longer than 500 characters') });

const problemsOf = (issues: { path: PropertyKey[]; message: string }[]) => issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));

export async function addUnit(deps: AppDeps, cycleId: string, clusterId: string, input: unknown, actor: string) {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error.issues);
    throw new HttpError(400, 'invalid_request', problems.map((p) => `${p.path}: ${p.message}`).join('; '), { problems });
  }
  const { unit, reason } = parsed.data;
  const { models } = deps.db;
  const cycle = await models.Cycle.findById(cycleId).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  const plan = cycle.plan as Plan;
  const ci = plan.clusters.findIndex((c) => c.id === clusterId);
  if (ci < 0) throw new HttpError(404, 'not_found', `no cluster ${clusterId} in ${cycleId}`);

  // The amended plan must be as valid as a new one: an id already used, an unknown reviewer… all named.
  const amended = {
    ...plan,
    units: [...plan.units, unit],
    clusters: plan.clusters.map((c, i) => (i === ci ? { ...c, members: [...c.members, unit.id] } : c)),
  };
  const v = validatePlan(amended);
  if (!v.ok) {
    const mine = v.problems.filter((p) => p.path.startsWith(`units[${plan.units.length}]`) || p.path.startsWith(`clusters[${ci}]`));
    const problems = (mine.length ? mine : v.problems).map((p) => ({ ...p, path: p.path.replace(`units[${plan.units.length}]`, 'unit') }));
    throw new HttpError(400, 'invalid_request', problems.map((p) => `${p.path}: ${p.message}`).join('; '), { problems });
  }
  let compiled;
  try {
    compiled = compilePlan(v.plan, deps.now());
  } catch (err) {
    if (err instanceof PlanCompileError) throw new HttpError(400, 'invalid_request', err.message, { problems: [{ path: err.path, message: err.message }] });
    throw err;
  }
  const cluster = compiled.clusters.find((c) => c.clusterId === clusterId)!;
  const unitInput = cluster.units.find((u) => u.unitId === unit.id)!;
  // The steps keep the dates the running units have (a step without an opening date opened at cycle start).
  const running = await models.ClusterPlan.findById(`${cycleId}:${clusterId}`).lean();
  const sample = (running?.units as { steps: typeof unitInput.steps }[] | undefined)?.[0];
  if (sample) unitInput.steps = Object.fromEntries(Object.keys(unitInput.steps).map((k) => [k, sample.steps[k as keyof typeof sample.steps] ?? unitInput.steps[k as keyof typeof unitInput.steps]]));
  const member = cluster.yearEnd?.members.find((m) => m.unitId === unit.id);

  let entry;
  try {
    entry = await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
      deps.temporal.workflow
        .getHandle(clusterWorkflowId(cycleId, clusterId))
        .executeUpdate(addUnitUpdate, { args: [{ unit: unitInput, member, by: actor, reason }], updateId: `add-unit:${unit.id}` }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `the workflow of cluster ${clusterId} is not running`);
    throw err; // unavailable → 503
  }
  // Keep the stored plans in step with what the workflows now run on.
  await models.Cycle.updateOne({ _id: cycleId }, { $set: { plan: v.plan, updatedAt: deps.now() } });
  // The Kế hoạch lists every cluster's members: a new version with the unit.
  await regeneratePlanDocuments(deps, cycleId);
  await models.ClusterPlan.updateOne(
    { _id: `${cycleId}:${clusterId}`, 'units.unitId': { $ne: unit.id } },
    { $push: { units: unitInput, ...(member ? { 'yearEnd.members': member } : {}) } },
  );
  if ((await models.Audit.countDocuments({ action: 'unit.add', target: `${cycleId}:${unit.id}` })) === 0) {
    await models.Audit.create({ at: deps.now(), actor, action: 'unit.add', target: `${cycleId}:${unit.id}`, details: { clusterId, reason } });
  }
  return { unitId: unit.id, clusterId, workflowId: entry.workflowId };
}
