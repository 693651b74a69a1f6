/**
 * The secretariat's actions on a stuck item of its dashboard, each audited with the actor:
 *  - remind: one more reminder to the unit now (`remindNow` update; the step sends it with its own
 *    business key, so a second request sends a second reminder and a retried activity never doubles it);
 *  - escalate: the reviewer and the cluster head are told now (`escalateNow` update);
 *  - terminate: Temporal's terminate on the workflow, with a reason (a unit or cluster workflow of a
 *    cycle the read model knows);
 *  - retry: an activity waiting for its next attempt runs now (Temporal's ResetActivity, server ≥ 1.27:
 *    attempts back to 1 and, being in backoff, scheduled immediately) — for after the fault is fixed
 *    (the SMTP server back), instead of waiting out a backoff of up to five minutes. Only an activity
 *    that has failed at least once (attempt ≥ 2) is retried; the activities are idempotent, so an
 *    attempt already running when the reset arrives does no harm.
 * The workflow is found in the read model (`step_states` for a unit, `cluster_plans` for a cluster),
 * which also gives its cluster for the caller's scope. A refusal by the workflow's validator is a 409
 * with its reason, an unknown workflow 404, a Temporal that does not answer 503.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { isStepName, STEP_NAMES, type StepName } from '../../rules/steps';
import {
  awaitingUnit,
  clusterFinishedSignal,
  clusterWorkflowId,
  cycleWorkflowId,
  escalateNowUpdate,
  remindNowUpdate,
  type ManualStepActionResult,
  type StepStatus,
} from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError, invalidRequest, isUnavailable } from '../errors';

export const DASHBOARD_ACTIONS = ['remind', 'escalate', 'terminate', 'retry'] as const;
export type DashboardAction = (typeof DASHBOARD_ACTIONS)[number];
export const isDashboardAction = (v: string): v is DashboardAction => (DASHBOARD_ACTIONS as readonly string[]).includes(v);

export const dashboardActionSchema = z.object({
  workflowId: z.string().trim().min(1, 'is required').max(300),
  step: z.string().trim().max(100).optional(),
  reason: z.string().trim().max(500).optional(),
  /** retry: the one activity to retry (its Temporal activity id); else every retrying one. */
  activityId: z.string().trim().min(1).max(100).optional(),
});

export interface DashboardActionResult {
  action: DashboardAction;
  workflowId: string;
  cycleId: string;
  clusterId: string;
  unitId?: string;
  unitName?: string;
  step?: StepName;
  /** remind/escalate: the n-th manual reminder (escalation) of this step. */
  n?: number;
  /** terminate: the workflow's status afterwards. */
  status?: string;
  /** retry: the activities reset, with the attempt each was on. */
  retried?: { activityId: string; activityType: string; attempt: number }[];
}

/** Where a workflow belongs, from the read model. */
interface Located {
  kind: 'unit' | 'cluster';
  cycleId: string;
  clusterId: string;
  unitId?: string;
  unitName?: string;
  steps: { step: string; status: string }[];
}


async function locate(deps: AppDeps, workflowId: string): Promise<Located> {
  const { models } = deps.db;
  const rows = (await models.StepState.find({ workflowId }, { cycleId: 1, clusterId: 1, unitId: 1, unitName: 1, step: 1, status: 1 }).lean()) as {
    cycleId: string;
    clusterId: string;
    unitId: string;
    unitName: string;
    step: string;
    status: string;
  }[];
  let found: Located | undefined;
  if (rows.length > 0) {
    const r = rows[0];
    found = { kind: 'unit', cycleId: r.cycleId, clusterId: r.clusterId, unitId: r.unitId, unitName: r.unitName, steps: rows.map((x) => ({ step: x.step, status: x.status })) };
  } else {
    // A cluster workflow: `<cycleId>:cluster:<clusterId>`.
    const m = /^(.+):cluster:([^:]+)$/.exec(workflowId);
    const plan = m ? await models.ClusterPlan.findOne({ cycleId: m[1], clusterId: m[2] }, { cycleId: 1, clusterId: 1 }).lean() : null;
    if (plan && clusterWorkflowId(plan.cycleId, plan.clusterId) === workflowId) found = { kind: 'cluster', cycleId: plan.cycleId, clusterId: plan.clusterId, steps: [] };
  }
  if (!found || !(await models.Cycle.exists({ _id: found.cycleId }))) throw new HttpError(404, 'not_found', `no workflow ${workflowId} in any known cycle`);
  return found;
}

/** The step to act on: the one named, else the first (plan order) that waits for the unit. */
function stepOf(w: Located, step: string | undefined, workflowId: string): StepName {
  if (w.kind !== 'unit') throw new HttpError(409, 'refused', `${workflowId} is not a unit workflow; only a unit's step can be reminded or escalated`);
  if (step) {
    // A step not opened yet has no row in the read model: the workflow's validator decides.
    if (!isStepName(step)) throw new HttpError(404, 'not_found', `no step ${step}`);
    return step;
  }
  const waiting = STEP_NAMES.find((n) => w.steps.some((s) => s.step === n && awaitingUnit(s.status as StepStatus)));
  if (!waiting) throw new HttpError(409, 'refused', 'no step of this unit waits for the unit; name the step');
  return waiting;
}

/**
 * A terminated cluster cannot report its own end: the cycle (which no longer awaits its clusters as
 * children once it may continue as new) is told instead, as the cluster would have told it, so it
 * still closes when its other clusters have. The read model shows the cluster as terminated.
 */
async function tellCycleClusterTerminated(deps: AppDeps, w: Located): Promise<void> {
  await deps.db.models.ClusterPlan.updateOne({ cycleId: w.cycleId, clusterId: w.clusterId }, { $set: { status: 'terminated' } });
  try {
    await deps.temporal.workflow.getHandle(cycleWorkflowId(w.cycleId)).signal(clusterFinishedSignal, { clusterId: w.clusterId, status: 'terminated' });
  } catch (err) {
    // A cycle that has closed already (an older cycle fails when a child is terminated) needs nothing.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** Runs one call to Temporal under the api's deadline; Temporal's answers become HTTP errors. */
async function withTemporal<R>(deps: AppDeps, workflowId: string, call: () => Promise<R>, onNotFound: () => Promise<HttpError>): Promise<R> {
  try {
    return await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, call);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw await onNotFound();
    if (isUnavailable(err)) throw new HttpError(503, 'unavailable', `Temporal did not answer about ${workflowId}; nothing was done. Try again shortly.`);
    throw err;
  }
}

/**
 * One action of the dashboard. `checkCluster` applies the caller's cluster scope (it throws 403);
 * the audit names `actor`.
 */
export async function dashboardAction(
  deps: AppDeps,
  action: DashboardAction,
  input: unknown,
  actor: string,
  checkCluster: (clusterId: string) => void,
): Promise<DashboardActionResult> {
  const parsed = dashboardActionSchema.safeParse(input ?? {});
  if (!parsed.success) throw invalidRequest(parsed.error);
  const { workflowId, reason } = parsed.data;
  if (action === 'terminate' && !reason) {
    throw new HttpError(400, 'invalid_request', 'a reason is required to terminate a workflow', { problems: [{ path: 'reason', message: 'a reason is required' }] });
  }
  const w = await locate(deps, workflowId);
  checkCluster(w.clusterId);
  const base = { action, workflowId, cycleId: w.cycleId, clusterId: w.clusterId, ...(w.unitId ? { unitId: w.unitId, unitName: w.unitName } : {}) };
  const handle = deps.temporal.workflow.getHandle(workflowId);

  if (action === 'terminate') {
    const status = await withTemporal(
      deps,
      workflowId,
      async () => {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') {
          // A cluster terminated before, whose cycle was not told (the api stopped in between): tell it now.
          if (w.kind === 'cluster' && d.status.name === 'TERMINATED') await tellCycleClusterTerminated(deps, w);
          throw new HttpError(409, 'refused', `the workflow is already ${d.status.name.toLowerCase()}`);
        }
        await handle.terminate(`${reason} (${actor}, from the dashboard)`);
        if (w.kind === 'cluster') await tellCycleClusterTerminated(deps, w);
        return 'TERMINATED';
      },
      async () => new HttpError(404, 'not_found', `Temporal has no workflow ${workflowId}`),
    );
    await deps.db.models.Audit.create({ at: deps.now(), actor, action: 'dashboard.terminate', target: workflowId, details: { reason, cycleId: w.cycleId, clusterId: w.clusterId } });
    return { ...base, status };
  }

  if (action === 'retry') {
    const retried = await withTemporal(
      deps,
      workflowId,
      async () => {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') throw new HttpError(409, 'refused', `the workflow is ${d.status.name.toLowerCase()}; it has no activity to retry`);
        const pending = (d.raw.pendingActivities ?? []).map((a) => ({ activityId: a.activityId ?? '', activityType: a.activityType?.name ?? '?', attempt: a.attempt ?? 0 }));
        const wanted = parsed.data.activityId;
        const chosen = pending.filter((a) => (wanted ? a.activityId === wanted : true) && a.attempt >= 2);
        if (chosen.length === 0) {
          throw new HttpError(
            409,
            'refused',
            wanted && !pending.some((a) => a.activityId === wanted)
              ? `the workflow has no pending activity ${wanted} (it may have completed)`
              : 'no activity of this workflow is retrying',
          );
        }
        for (const a of chosen) {
          await deps.temporal.workflowService.resetActivity({
            namespace: deps.config.TEMPORAL_NAMESPACE,
            execution: { workflowId, runId: d.runId },
            identity: `${actor} (dashboard)`,
            id: a.activityId,
          });
        }
        return chosen;
      },
      async () => new HttpError(404, 'not_found', `Temporal has no workflow ${workflowId}`),
    ).catch((err: unknown) => {
      // The server refuses the call (an older server, or activity APIs disabled): say so, nothing done.
      const code = (err as { code?: number }).code;
      if (code === 12 /* UNIMPLEMENTED */ || code === 7 /* PERMISSION_DENIED */) {
        throw new HttpError(501, 'unsupported', `this Temporal server does not let an activity be retried now: ${(err as Error).message}`);
      }
      if (code === 5 /* NOT_FOUND: it completed between describe and reset */) throw new HttpError(409, 'refused', 'the activity is no longer pending (it completed)');
      throw err;
    });
    await deps.db.models.Audit.create({
      at: deps.now(),
      actor,
      action: 'dashboard.retry',
      target: workflowId,
      details: { activities: retried, cycleId: w.cycleId, clusterId: w.clusterId, ...(reason ? { reason } : {}) },
    });
    return { ...base, retried };
  }

  const step = stepOf(w, parsed.data.step, workflowId);
  const update = action === 'remind' ? remindNowUpdate : escalateNowUpdate;
  const result: ManualStepActionResult = await withTemporal(
    deps,
    workflowId,
    // No update id: each click is its own request (the client's own retries reuse the one it generates).
    () => handle.executeUpdate(update, { args: [{ step, by: actor }] }),
    async () => {
      // A unit whose every step is closed has finished its year: say so as its validator would have.
      const row = await deps.db.models.StepState.findById(`${workflowId}:${step}`, { status: 1 }).lean();
      return row && !awaitingUnit(row.status as StepStatus)
        ? new HttpError(409, 'refused', `step ${step} is ${row.status}, not waiting for the unit`)
        : new HttpError(404, 'not_found', `Temporal has no workflow ${workflowId}`);
    },
  );
  await deps.db.models.Audit.create({
    at: deps.now(),
    actor,
    action: `dashboard.${action}`,
    target: `${workflowId}:${step}`,
    details: { n: result.n, cycleId: w.cycleId, clusterId: w.clusterId, ...(reason ? { reason } : {}) },
  });
  return { ...base, step, n: result.n };
}
