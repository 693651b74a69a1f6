/**
 * What a click on an emailed link may do. The update id is derived from (token, round, action), so a
 * double click, a retried POST and a delivery from the inbox are the same update to Temporal; the
 * workflow's validator is the final judge of whether the step is still open for that person.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { isDuplicateKey } from '../../lib/db';
import type { LinkClaims } from '../../lib/links';
import { reviewStepUpdate, submitStepUpdate, type ReviewStepInput, type StepName, type SubmitStepInput } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { isUnavailable } from '../errors';

export type LinkAction = 'submit' | 'approve' | 'return';

export type ActionOutcome =
  | { kind: 'done'; status: string; round: number }
  | { kind: 'queued' }
  | { kind: 'rejected'; reason: string }
  | { kind: 'gone'; reason: string };

export interface ActionRequest {
  claims: LinkClaims;
  tokenId: string;
  action: LinkAction;
  round: number;
  fields?: Record<string, string>;
  comment?: string;
}

export const updateIdOf = (tokenId: string, round: number, action: LinkAction) => `${tokenId}:${round}:${action}`;

function updateOf(req: ActionRequest): { name: 'submitStep'; args: SubmitStepInput } | { name: 'reviewStep'; args: ReviewStepInput } {
  const step = req.claims.s as StepName;
  if (req.action === 'submit') {
    return { name: 'submitStep', args: { step, round: req.round, by: req.claims.p, fields: req.fields ?? {} } };
  }
  return { name: 'reviewStep', args: { step, round: req.round, by: req.claims.p, decision: req.action, comment: req.comment } };
}

async function sendUpdate(deps: AppDeps, workflowId: string, updateId: string, u: ReturnType<typeof updateOf>) {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  return deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
    u.name === 'submitStep'
      ? handle.executeUpdate(submitStepUpdate, { args: [u.args], updateId })
      : handle.executeUpdate(reviewStepUpdate, { args: [u.args], updateId }),
  );
}

async function recordUse(deps: AppDeps, req: ActionRequest, updateId: string, via: 'link' | 'inbox') {
  const { LinkUse, Audit } = deps.db.models;
  const at = deps.now();
  try {
    await LinkUse.create({ _id: updateId, workflowId: req.claims.w, step: req.claims.s, action: req.action, by: req.claims.p, usedAt: at });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  await Audit.create({
    at,
    actor: req.claims.p,
    action: `step.${req.action}`,
    target: `${req.claims.w}:${req.claims.s}`,
    details: { round: req.round, via, ...(req.comment ? { comment: req.comment } : {}) },
  });
}

export async function performLinkAction(deps: AppDeps, req: ActionRequest): Promise<ActionOutcome> {
  const updateId = updateIdOf(req.tokenId, req.round, req.action);
  const used = await deps.db.models.LinkUse.findById(updateId).lean();
  if (used) return { kind: 'gone', reason: `already used on ${new Date(used.usedAt).toISOString()}` };
  const u = updateOf(req);
  try {
    const state = await sendUpdate(deps, req.claims.w, updateId, u);
    await recordUse(deps, req, updateId, 'link');
    return { kind: 'done', status: state.status, round: state.round };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { kind: 'rejected', reason: causeMessage(err) };
    if (err instanceof WorkflowNotFoundError) return { kind: 'gone', reason: 'this step no longer exists' };
    if (!isUnavailable(err)) throw err;
    // No worker (or no Temporal) answered in time: keep the click so it is never lost.
    try {
      await deps.db.models.ActionInbox.create({
        _id: updateId,
        workflowId: req.claims.w,
        update: u.name,
        args: u.args,
        step: req.claims.s,
        action: req.action,
        by: req.claims.p,
        status: 'queued',
        createdAt: deps.now(),
      });
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
    }
    return { kind: 'queued' };
  }
}

/** Delivers queued clicks; called periodically by the api process. Returns how many were settled. */
export async function deliverInbox(deps: AppDeps, limit = 50): Promise<number> {
  const { ActionInbox } = deps.db.models;
  const rows = await ActionInbox.find({ status: 'queued' }).sort({ createdAt: 1 }).limit(limit).lean();
  let settled = 0;
  for (const row of rows) {
    const u = { name: row.update, args: row.args } as ReturnType<typeof updateOf>;
    const req: ActionRequest = {
      claims: { v: 1, w: row.workflowId, s: row.step, r: row.action === 'submit' ? 'unit' : 'reviewer', p: row.by, x: 0 },
      tokenId: row._id.split(':')[0],
      action: row.action as LinkAction,
      round: (row.args as { round: number }).round,
      comment: (row.args as { comment?: string }).comment,
    };
    try {
      await sendUpdate(deps, row.workflowId, row._id, u);
      await recordUse(deps, req, row._id, 'inbox');
      await ActionInbox.updateOne({ _id: row._id }, { $set: { status: 'delivered', doneAt: deps.now() }, $inc: { attempts: 1 } });
      settled++;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) {
        const reason = err instanceof WorkflowUpdateFailedError ? causeMessage(err) : 'workflow not found';
        await ActionInbox.updateOne({ _id: row._id }, { $set: { status: 'rejected', lastError: reason, doneAt: deps.now() }, $inc: { attempts: 1 } });
        settled++;
      } else {
        await ActionInbox.updateOne({ _id: row._id }, { $set: { lastError: (err as Error).message }, $inc: { attempts: 1 } });
        if (isUnavailable(err)) break; // still down: try again next round
      }
    }
  }
  return settled;
}

function causeMessage(err: WorkflowUpdateFailedError): string {
  return (err.cause as Error | undefined)?.message ?? err.message;
}
