/**
 * Starting a cycle from a plan: validate, compile, record the cycle under its business key
 * (body, year), store each cluster's compiled units, start the cycle workflow. Every step is
 * idempotent, so a start interrupted half-way is completed by the next attempt instead of being
 * reported as a duplicate.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { isDuplicateKey } from '../../lib/db';
import { gatheredInsert } from '../../lib/db/gathered-insert';
import { compilePlan, PlanCompileError, type CompiledPlan } from '../../rules/compile';
import { validatePlan, type Plan } from '../../rules/plan';
import { SA } from '../../workflows/search-attributes';
import { cyclesTaskQueue, cycleWorkflowId, dailyMailWorkflowId, type CycleWorkflowInput } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { generatePlanDocuments } from './documents';

export interface CycleSummary {
  cycleId: string;
  workflowId: string;
  bodyId: string;
  year: number;
  status: string;
  clusters: number;
  units: number;
  createdAt: string;
}

export async function startCycle(deps: AppDeps, input: unknown, actor: string): Promise<{ cycle: CycleSummary }> {
  const { plan, compiled } = preparePlan(input, deps.now());
  return launchCycle(deps, plan, compiled, actor);
}

/** Validation and compilation: 400 with every problem, nothing stored. */
export function preparePlan(input: unknown, now: Date): { plan: Plan; compiled: CompiledPlan } {
  const v = validatePlan(input);
  if (!v.ok) throw new HttpError(400, 'invalid_plan', `the plan has ${v.problems.length} problem(s)`, { problems: v.problems });
  try {
    return { plan: v.plan, compiled: compilePlan(v.plan, now) };
  } catch (err) {
    if (err instanceof PlanCompileError) {
      throw new HttpError(400, 'invalid_plan', err.message, { problems: [{ path: err.path, message: err.message }] });
    }
    throw err;
  }
}

/** Records the cycle under its business key and starts its workflow; 409 if it already runs. */
export async function launchCycle(deps: AppDeps, plan: Plan, compiled: CompiledPlan, actor: string): Promise<{ cycle: CycleSummary }> {
  const now = deps.now();
  const { models } = deps.db;
  const { cycleId } = compiled.cycle;
  const workflowId = cycleWorkflowId(cycleId);

  try {
    await models.Cycle.create({
      _id: cycleId,
      bodyId: plan.body.id,
      bodyName: plan.body.name,
      year: plan.year,
      workflowId,
      status: 'starting',
      plan,
      createdAt: now,
      updatedAt: now,
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await models.Cycle.findById(cycleId).lean();
    if (existing && existing.status !== 'starting') {
      throw new HttpError(409, 'cycle_exists', `a cycle for ${plan.body.id} ${plan.year} already exists`, {
        cycle: summarize(existing, compiled),
      });
    }
  }

  // Each cluster's plan is inserted once: a row that exists (a retried launch) is kept as it is. Inserts,
  // not upserts: on FerretDB/SQLite an upsert of a new row scans the collection first, and these rows
  // hold every unit's compiled input (quadratic in the clusters of a 5,000-unit plan; BENCHMARKS.md).
  await Promise.all(
    compiled.clusters.map((c) =>
      gatheredInsert(models.ClusterPlan, {
        _id: `${cycleId}:${c.clusterId}`,
        cycleId,
        clusterId: c.clusterId,
        name: c.name,
        status: 'pending',
        units: c.units,
        ...(c.yearEnd ? { yearEnd: c.yearEnd } : {}),
        ...(c.nominations ? { nominations: c.nominations } : {}),
        ...(c.clusterSteps ? { clusterSteps: c.clusterSteps } : {}),
      }),
    ),
  );

  // The plan's DOCX and HTML exist before the workflows start: each unit's launch notice links them
  // (the PDF, printed below, follows; a failure is logged and the cycle runs without them).
  const issuedAt = (await models.Cycle.findById(cycleId, { createdAt: 1 }).lean())!.createdAt;
  await generatePlanDocuments(deps, cycleId, plan, issuedAt, { print: false }).catch((err) =>
    deps.log.warn({ err: (err as Error).message, cycleId }, 'plan documents not generated'),
  );

  // The cycle and its clusters on their own queue, the units on TASK_QUEUE (worker/queue-workers.ts).
  const args: CycleWorkflowInput = { cycle: compiled.cycle, clusterIds: compiled.clusters.map((c) => c.clusterId), unitTaskQueue: deps.config.TASK_QUEUE };
  try {
    await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
      deps.temporal.workflow.start('cycleWorkflow', {
        workflowId,
        taskQueue: cyclesTaskQueue(deps.config.TASK_QUEUE),
        args: [args],
        typedSearchAttributes: [
          { key: SA.body, value: plan.body.id },
          { key: SA.year, value: plan.year },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // The cycle's daily mail (digests, the secretariat's escalation digest) runs beside it and ends after it,
  // when it has someone to write to: a plan with digests or secretariat addresses, or secretariat
  // accounts at launch (an account added later gets the digests of the cycles launched after it).
  // A cycle without any has no daily wake-ups.
  if (await wantsDailyMail(deps, plan)) {
    try {
      await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
        deps.temporal.workflow.start('dailyMailWorkflow', {
          workflowId: dailyMailWorkflowId(cycleId),
          taskQueue: deps.config.TASK_QUEUE,
          args: [{ cycleId }],
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  await models.Cycle.updateOne({ _id: cycleId, status: 'starting' }, { $set: { status: 'running', updatedAt: now } });
  await models.Audit.create({ at: now, actor, action: 'cycle.start', target: cycleId, details: { workflowId } });
  const doc = await models.Cycle.findById(cycleId).lean();
  // The cycle runs even if its documents cannot be rendered; the failure is logged and they can be regenerated.
  await generatePlanDocuments(deps, cycleId, plan, doc!.createdAt).catch((err) =>
    deps.log.warn({ err: (err as Error).message, cycleId }, 'plan documents not generated'),
  );
  return { cycle: summarize(doc!, compiled) };
}

function summarize(doc: { _id: string; workflowId: string; bodyId: string; year: number; status: string; createdAt: Date; plan: unknown }, compiled: CompiledPlan): CycleSummary {
  const plan = doc.plan as Plan;
  return {
    cycleId: doc._id,
    workflowId: doc.workflowId,
    bodyId: doc.bodyId,
    year: doc.year,
    status: doc.status,
    clusters: plan.clusters?.length ?? compiled.clusters.length,
    units: (plan.clusters ?? []).reduce((n, c) => n + c.members.length, 0),
    createdAt: new Date(doc.createdAt).toISOString(),
  };
}

async function wantsDailyMail(deps: AppDeps, plan: Plan): Promise<boolean> {
  if (plan.notifications?.digest || (plan.notifications?.secretariat.length ?? 0) > 0) return true;
  return (await deps.db.models.StaffAccount.exists({ roles: 'secretariat', disabledAt: { $exists: false } })) !== null;
}
