/**
 * What a click on an emailed link may do. The update id is derived from (token, round, action), so a
 * double click, a retried POST and a delivery from the inbox are the same update to Temporal; the
 * workflow's validator is the final judge of whether the step is still open for that person.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { isDuplicateKey } from '../../lib/db';
import type { LinkClaims } from '../../lib/links';
import type { ChecklistAnswers } from '../../rules/checklist';
import type { ActingNow, ReviewStepInput, StepName, StepState, SubmitStepInput } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { isUnavailable } from '../errors';
import { cycleIdOfWorkflow, isArchived } from './cycle-archive';
import { roleStandIn } from './role-delegation';

export type LinkAction = 'submit' | 'approve' | 'return' | 'forward';

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
  /** The ticked items of the step's evidence checklist, when it has one. */
  checklist?: ChecklistAnswers;
  comment?: string;
}

/** One workflow update on behalf of a link's holder, with what the audit log says of it. */
export interface LinkUpdate {
  claims: LinkClaims;
  /** Makes a double click, a retried POST and an inbox delivery the same update to Temporal. */
  updateId: string;
  name: string;
  args: unknown;
  /** e.g. 'step.submit'; the audit's details never hold a ballot's marks. */
  audit: { action: string; details: Record<string, unknown> };
  /** false for the ballot: a vote must never wait in the inbox (see lib/ballot-box.ts). */
  queueIfUnavailable?: boolean;
}

export type UpdateOutcome<T> = { kind: 'done'; result: T } | { kind: 'queued' } | { kind: 'unavailable' } | { kind: 'rejected'; reason: string } | { kind: 'gone'; reason: string };

export const updateIdOf = (tokenId: string, round: number, action: LinkAction) => `${tokenId}:${round}:${action}`;

function stepUpdateOf(req: ActionRequest): { name: 'submitStep'; args: SubmitStepInput } | { name: 'reviewStep'; args: ReviewStepInput } {
  const step = req.claims.s as StepName;
  if (req.action === 'submit') {
    return { name: 'submitStep', args: { step, round: req.round, by: req.claims.p, fields: req.fields ?? {}, ...(req.checklist ? { checklist: req.checklist } : {}) } };
  }
  if (req.action === 'forward') return { name: 'reviewStep', args: { step, round: req.round, by: req.claims.p, decision: 'approve', comment: req.comment, forward: true } };
  return { name: 'reviewStep', args: { step, round: req.round, by: req.claims.p, decision: req.action, comment: req.comment } };
}

async function sendUpdate<T>(deps: AppDeps, workflowId: string, updateId: string, name: string, args: unknown): Promise<T> {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  return deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () => handle.executeUpdate<T, [unknown]>(name, { args: [args], updateId }));
}

async function recordUse(deps: AppDeps, u: Pick<LinkUpdate, 'claims' | 'updateId' | 'audit'>, via: 'link' | 'inbox') {
  const { LinkUse, Audit } = deps.db.models;
  const at = deps.now();
  const used = LinkUse.create({ _id: u.updateId, workflowId: u.claims.w, step: u.claims.s, action: u.audit.action, by: u.claims.p, usedAt: at }).then(
    () => undefined,
    (err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    },
  );
  // A substitute acting under a delegation: the audit says whom for ("X on behalf of Y"). Read while
  // the use is recorded (independent writes and reads: one round trip less for the click's answer).
  const [row] = await Promise.all([deps.db.models.StepState.findById(`${u.claims.w}:${u.claims.s}`, { people: 1 }).lean(), used]);
  const role = u.claims.r === 'unit' ? 'contact' : u.claims.r === 'reviewer' ? 'reviewer' : undefined;
  // A unit's substitute is projected with its steps; a head's, leader's, council member's or inspector's is in the audit.
  const standsFor = (row?.people as { acting?: ActingNow[] } | undefined)?.acting?.find((a) => a.email === u.claims.p && a.role === role)?.for ?? (await roleStandIn(deps, u.claims));
  const onBehalf = standsFor ? { onBehalfOf: standsFor, summary: `${u.claims.p} on behalf of ${standsFor}` } : {};
  await Audit.create({ at, actor: u.claims.p, action: u.audit.action, target: `${u.claims.w}:${u.claims.s}`, details: { ...u.audit.details, ...onBehalf, via } });
}

/** Sends one update for a link; an unanswered one is kept in the inbox (unless the caller forbids it). */
export async function performUpdate<T>(deps: AppDeps, u: LinkUpdate): Promise<UpdateOutcome<T>> {
  // Both checks at once (two reads, one round trip of waiting).
  const [used, archived] = await Promise.all([deps.db.models.LinkUse.findById(u.updateId).lean(), isArchived(deps, cycleIdOfWorkflow(u.claims.w))]);
  if (used) return { kind: 'gone', reason: `already used on ${new Date(used.usedAt).toISOString()}` };
  if (archived) return { kind: 'rejected', reason: 'the cycle is archived; it is read-only' };
  try {
    const result = await sendUpdate<T>(deps, u.claims.w, u.updateId, u.name, u.args);
    await recordUse(deps, u, 'link');
    return { kind: 'done', result };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { kind: 'rejected', reason: causeMessage(err) };
    if (err instanceof WorkflowNotFoundError) return { kind: 'gone', reason: 'this step no longer exists' };
    if (!isUnavailable(err)) throw err;
    if (u.queueIfUnavailable === false) return { kind: 'unavailable' };
    // No worker (or no Temporal) answered in time: keep the click so it is never lost.
    try {
      await deps.db.models.ActionInbox.create({
        _id: u.updateId,
        workflowId: u.claims.w,
        update: u.name,
        argsJson: JSON.stringify(u.args),
        step: u.claims.s,
        action: u.audit.action,
        by: u.claims.p,
        audit: u.audit.details,
        role: u.claims.r,
        status: 'queued',
        createdAt: deps.now(),
      });
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
    }
    return { kind: 'queued' };
  }
}

export async function performLinkAction(deps: AppDeps, req: ActionRequest): Promise<ActionOutcome> {
  const u = stepUpdateOf(req);
  const outcome = await performUpdate<StepState>(deps, {
    claims: req.claims,
    updateId: updateIdOf(req.tokenId, req.round, req.action),
    name: u.name,
    args: u.args,
    audit: { action: `step.${req.action}`, details: { round: req.round, ...(req.comment ? { comment: req.comment } : {}) } },
  });
  if (outcome.kind === 'done') return { kind: 'done', status: outcome.result.status, round: outcome.result.round };
  if (outcome.kind === 'unavailable') return { kind: 'queued' }; // not reached: step actions are always queued
  return outcome;
}

/** Delivers queued clicks; called periodically by the api process. Returns how many were settled. */
export async function deliverInbox(deps: AppDeps, limit = 50): Promise<number> {
  const { ActionInbox } = deps.db.models;
  const rows = await ActionInbox.find({ status: 'queued' }).sort({ createdAt: 1 }).limit(limit).lean();
  let settled = 0;
  for (const row of rows) {
    // Rows queued before year-end actions existed hold the bare link action ('submit'…) and no role.
    const legacy = !row.action.includes('.');
    const claims: LinkClaims = {
      v: 1,
      w: row.workflowId,
      s: row.step,
      r: (row.role as LinkClaims['r'] | undefined) ?? (row.action === 'submit' || row.action === 'step.submit' ? 'unit' : 'reviewer'),
      p: row.by,
      x: 0,
    };
    const updateArgs: unknown = row.argsJson ? JSON.parse(row.argsJson) : row.args;
    const args = updateArgs as { round?: number; comment?: string };
    const audit = {
      action: legacy ? `step.${row.action}` : row.action,
      details: (row.audit as Record<string, unknown> | undefined) ?? { round: args.round, ...(args.comment ? { comment: args.comment } : {}) },
    };
    try {
      await sendUpdate(deps, row.workflowId, row._id, row.update, updateArgs);
      await recordUse(deps, { claims, updateId: row._id, audit }, 'inbox');
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
