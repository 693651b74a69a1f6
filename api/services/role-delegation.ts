/**
 * Acting substitutes for the people of a cycle beyond a unit's contacts and reviewer: a cluster's
 * head or leader in charge, a council member, an inspector (POST /api/cycles/:cycleId/delegations).
 * The api finds the workflows where the person holds the role (from the compiled cluster plans, and
 * the cycle's own workflow for a council member who decides forwards from below), sends each the
 * `delegateRole` update (its validator is the final judge), and records the delegation in the audit.
 * Each workflow projects who stands in now (the role_acting collection): the link pages and the audit
 * of link actions read it from there ("X on behalf of Y"), with the workflow's clock, not the api's.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { forwardCouncilOf } from '../../activities/forward-decisions';
import type { LinkClaims } from '../../lib/links';
import type { Plan } from '../../rules/plan';
import { clusterWorkflowId, cycleWorkflowId, delegateRoleUpdate, type RoleDelegationRole } from '../../workflows/cycle/definitions';
import { clusterRoleHolders } from '../../workflows/cycle/role-delegation';
import type { AppDeps } from '../deps';
import { HttpError, isUnavailable } from '../errors';
import { delegationPeriod, personSchema } from './coordinate';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

export const ROLE_DELEGATION_ROLES = ['head', 'leader', 'council', 'inspector'] as const;

/** An acting substitute for a cluster head, leader, council member or inspector, for local days from–to (inclusive). */
export const roleDelegateSchema = z
  .object({
    role: z.enum(ROLE_DELEGATION_ROLES),
    email: z.email(),
    substitute: personSchema,
    from: isoDate,
    to: isoDate,
    /** Only this cluster (a person may hold the role in several); every cluster where they hold it when absent. */
    clusterId: z.string().min(1).max(100).optional(),
    reason: z.string().trim().max(500).optional(),
  })
  .refine((r) => r.to >= r.from, { path: ['to'], message: 'must not be before from' })
  .refine((r) => r.substitute.email.toLowerCase() !== r.email.toLowerCase(), { path: ['substitute', 'email'], message: 'a person cannot be their own substitute' });

export interface RoleDelegationResult {
  delegation: { role: RoleDelegationRole; email: string; substitute: z.infer<typeof personSchema>; fromAt: string; untilAt: string; reason?: string };
  updated: string[];
  refused: { workflowId: string; reason: string }[];
  unavailable: string[];
}

export async function delegateRole(
  deps: AppDeps,
  cycleId: string,
  input: unknown,
  actor: string,
  scope: { inScope: (clusterId: string) => boolean; whole: boolean },
): Promise<RoleDelegationResult> {
  const { inScope } = scope;
  const parsed = roleDelegateSchema.safeParse(input);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', 'the request is not valid', { problems: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })) });
  }
  const req = parsed.data;
  const cycle = await deps.db.models.Cycle.findById(cycleId).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  if (cycle.status === 'cancelled' || cycle.status === 'completed') throw new HttpError(409, 'cycle_closed', `the cycle is ${cycle.status}`);
  const plan = cycle.plan as Plan;
  if (req.clusterId && !inScope(req.clusterId)) throw new HttpError(403, 'forbidden', `cluster ${req.clusterId} is outside your scope`);
  const clusters = await deps.db.models.ClusterPlan.find({ cycleId, ...(req.clusterId ? { clusterId: req.clusterId } : {}) }).lean();
  if (req.clusterId && clusters.length === 0) throw new HttpError(404, 'not_found', `no cluster ${req.clusterId} in ${cycleId}`);
  const targets = clusters
    .filter((c) => inScope(c.clusterId) && clusterRoleHolders(c as Parameters<typeof clusterRoleHolders>[0])[req.role].includes(req.email))
    .map((c) => clusterWorkflowId(cycleId, c.clusterId));
  // A council member also decides what the bodies below forward to this cycle.
  if (req.role === 'council' && !req.clusterId && scope.whole && forwardCouncilOf(plan).some((p) => p.email === req.email)) targets.push(cycleWorkflowId(cycleId));
  if (targets.length === 0) throw new HttpError(409, 'refused', `${req.email} is not the ${req.role} of any cluster of this cycle${req.clusterId ? ` (cluster ${req.clusterId})` : ''}`);

  const { fromAt, untilAt } = delegationPeriod(plan, req.from, req.to);
  const delegation = { role: req.role, email: req.email, substitute: req.substitute, fromAt, untilAt, ...(req.reason ? { reason: req.reason } : {}) };
  // The same request twice is one delegation.
  const updateId = `delegate-role:${createHash('sha256').update(JSON.stringify(delegation)).digest('hex').slice(0, 16)}`;
  const result: RoleDelegationResult = { delegation, updated: [], refused: [], unavailable: [] };
  for (const workflowId of targets) {
    try {
      await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
        deps.temporal.workflow.getHandle(workflowId).executeUpdate(delegateRoleUpdate, { args: [{ ...delegation, by: actor }], updateId }),
      );
      result.updated.push(workflowId);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) result.refused.push({ workflowId, reason: (err.cause as Error | undefined)?.message ?? err.message });
      else if (err instanceof WorkflowNotFoundError) result.refused.push({ workflowId, reason: 'the workflow has ended' });
      else if (isUnavailable(err)) result.unavailable.push(workflowId);
      else throw err;
    }
  }
  if (result.updated.length > 0) {
    await deps.db.models.Audit.create({
      at: deps.now(),
      actor,
      action: `cycle.delegate-${req.role}`,
      target: cycleId,
      details: { role: req.role, for: req.email, substitute: req.substitute.email, fromAt, untilAt, workflows: result.updated, ...(req.reason ? { reason: req.reason } : {}) },
    });
    return result;
  }
  if (result.unavailable.length > 0) throw new HttpError(503, 'unavailable', 'Temporal or the worker did not answer; nothing was delegated. Send the same request again.');
  throw new HttpError(409, 'refused', result.refused.map((r) => `${r.workflowId}: ${r.reason}`).join('; '));
}

/** Which delegated roles a link's role acts in (a cluster step's submitter is its head, its approver the council or leader). */
const ROLES_OF_LINK: Partial<Record<LinkClaims['r'], RoleDelegationRole[]>> = {
  council: ['council'],
  inspector: ['inspector'],
  chair: ['leader'],
  unit: ['head'],
  reviewer: ['council', 'leader'],
};

/** Whom the link's holder stands in for now under a role delegation of the link's workflow (as the workflow projected it), if anyone. */
export async function roleStandIn(deps: AppDeps, claims: Pick<LinkClaims, 'w' | 'r' | 'p'>): Promise<string | undefined> {
  const roles: string[] | undefined = ROLES_OF_LINK[claims.r];
  if (!roles) return undefined;
  const row = await deps.db.models.RoleActing.findById(claims.w, { acting: 1 }).lean();
  const acting = (row?.acting ?? []) as { role: string; email: string; for: string }[];
  return acting.find((a) => a.email === claims.p && roles.includes(a.role))?.for;
}
