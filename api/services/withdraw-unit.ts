/**
 * A coordinator withdraws a unit from a running cycle (communes merged, a unit dissolved or moved):
 * its cluster workflow drops it from the year-end (inspection, ballots) and tells the unit workflow,
 * which closes its open steps and tells the unit. Refused once the cluster's ballots are open, and
 * for the cluster's head (name another head first).
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import type { Plan } from '../../rules/plan';
import { clusterWorkflowId, withdrawUnitUpdate } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';

export const schema = z.object({ reason: z.string().trim().min(1, 'is required').max(500, 'is longer than 500 characters') });

/** `authorize` is called with the unit's cluster before anything changes (a staff account's cluster scope). */
export async function withdrawUnit(deps: AppDeps, cycleId: string, unitId: string, input: unknown, actor: string, authorize: (clusterId: string) => void = () => {}) {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    throw new HttpError(400, 'invalid_request', problems.map((p) => `${p.path}: ${p.message}`).join('; '), { problems });
  }
  const cycle = await deps.db.models.Cycle.findById(cycleId).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  const cluster = (cycle.plan as Plan).clusters.find((c) => c.members.includes(unitId));
  if (!cluster) throw new HttpError(404, 'not_found', `no unit ${unitId} in a cluster of ${cycleId}`);
  authorize(cluster.id);
  const args = { unitId, by: actor, reason: parsed.data.reason };
  let result;
  try {
    result = await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(clusterWorkflowId(cycleId, cluster.id)).executeUpdate(withdrawUnitUpdate, { args: [args], updateId: `withdraw:${unitId}` }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `the workflow of cluster ${cluster.id} is not running`);
    throw err; // unavailable → 503
  }
  // The same request again returns the first withdrawal (one update id per unit): audit it once.
  const target = `${cycleId}:${unitId}`;
  const repeated = (await deps.db.models.Audit.countDocuments({ action: 'unit.withdraw', target })) > 0;
  if (!repeated) await deps.db.models.Audit.create({ at: deps.now(), actor, action: 'unit.withdraw', target, details: { clusterId: cluster.id, reason: result.withdrawn?.reason ?? args.reason } });
  return { unitId, clusterId: cluster.id, withdrawn: result.withdrawn, repeated };
}
