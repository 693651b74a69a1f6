/**
 * A forward the parent council returned (some items, with comments) sent up again once the body below
 * has amended them: POST /api/cycles/:cycleId/forwards/:forwardId/resend. The new forward has a
 * derived id (`<id>:r2`, then `:r3` for a re-sent one's returns), names the forward it re-sends
 * (`resendOf`) and reaches the parent's cycle exactly as a first forward does (deliverForward:
 * signalled, or pending until that cycle starts), from the api — so it works whether or not the
 * cycle below still runs. The parent's council then decides it through its usual links.
 *
 * Idempotent: the derived id is the business key, so the same request twice is one forward (the
 * second answers it, and delivers it again, which the parent takes once). Refused (409, with the
 * reason): a forward not decided yet, an item that was not returned, a forward already re-sent
 * with other items or another comment.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Types } from 'mongoose';
import { z } from 'zod';
import { isDuplicateKey } from '../../lib/db';
import { recordForwardRow } from '../../lib/forward-rows';
import { cycleWorkflowId, forwardSignal, type ForwardDecisionState, type ForwardInput } from '../../workflows/cycle/definitions';
import { deliverForward } from '../../workflows/cycle/forward-delivery';
import type { AppDeps } from '../deps';
import { HttpError, invalidRequest } from '../errors';
import { forwardView, type ForwardRow, type ForwardView } from './forward-view';

export const resendSchema = z.object({
  /** The returned items to send again, by their `n` in the forward (its `decision.returns`). */
  items: z
    .array(z.number({ error: 'must be an item number' }).int('must be an item number').min(0, 'must be an item number'), { error: 'list the returned items to send again' })
    .min(1, 'name at least one returned item')
    .max(1000)
    .refine((ns) => new Set(ns).size === ns.length, 'an item is named twice'),
  /** What was amended, for the parent's council. */
  comment: z.string().trim().max(2000, 'is longer than 2000 characters').optional(),
});

/** `<id>:r2` for a first forward, `<id>:r<k+1>` for its k-th sending. */
export function resendIdOf(forwardId: string): string {
  const m = /^(.*):r(\d+)$/.exec(forwardId);
  return m ? `${m[1]}:r${Number(m[2]) + 1}` : `${forwardId}:r2`;
}

/** One audit row per re-sent forward, whatever the retries. */
const auditIdOf = (forwardId: string) => new Types.ObjectId(createHash('sha256').update(`forward.resend\u0000${forwardId}`).digest('hex').slice(0, 24));

const sameRequest = (f: ForwardInput, items: number[], comment: string | undefined) =>
  JSON.stringify(f.resendOf?.items) === JSON.stringify(items) && (f.comment ?? '') === (comment ?? '');

export interface ResendResult {
  forward: ForwardView;
  /** False: this request repeated one already made (the same forward). */
  created: boolean;
  /** The parent's cycle has it now (false: pending until that cycle starts). */
  delivered: boolean;
}

export async function resendForward(
  deps: AppDeps,
  cycleId: string,
  forwardId: string,
  input: unknown,
  actor: string,
  inScope: (clusterId: string) => boolean,
): Promise<ResendResult> {
  const parsed = resendSchema.safeParse(input ?? {});
  if (!parsed.success) throw invalidRequest(parsed.error);
  const { items, comment } = parsed.data;
  const { Forward, Audit } = deps.db.models;
  const row = await Forward.findById(forwardId).lean<ForwardRow>();
  if (!row || row.fromCycleId !== cycleId) throw new HttpError(404, 'not_found', `no forward ${forwardId} from ${cycleId}`);
  if (!inScope(row.fromClusterId)) throw new HttpError(403, 'out_of_scope', `forward ${forwardId} is from cluster ${row.fromClusterId}, outside your scope`);
  const decision = row.decision ? (JSON.parse(row.decision) as ForwardDecisionState) : undefined;
  if (decision?.status !== 'decided') throw new HttpError(409, 'not_decided', `forward ${forwardId} is not decided yet by the parent council: only returned items can be sent again`);
  const notReturned = items.filter((n) => decision.items.find((i) => i.n === n)?.decision !== 'return');
  if (notReturned.length > 0) {
    const returned = decision.items.filter((i) => i.decision === 'return').map((i) => i.n);
    throw new HttpError(409, 'not_returned', `item(s) ${notReturned.join(', ')} of forward ${forwardId} were not returned by the parent council (returned: ${returned.join(', ') || 'none'})`);
  }

  const original = JSON.parse(row.forward) as ForwardInput;
  const resendId = resendIdOf(forwardId);
  const candidate: ForwardInput = {
    forwardId: resendId,
    kind: original.kind,
    fromCycleId: original.fromCycleId,
    fromBodyId: original.fromBodyId,
    fromBodyName: original.fromBodyName,
    fromClusterId: original.fromClusterId,
    fromClusterName: original.fromClusterName,
    toCycleId: original.toCycleId,
    items: items.map((n) => original.items[n]),
    decidedBy: actor,
    decidedAt: deps.now().toISOString(),
    ...(comment ? { comment } : {}),
    resendOf: { forwardId, items },
  };
  // The first request creates the row; a repeated or concurrent one finds it and compares.
  let created = false;
  try {
    created = await recordForwardRow(deps.db.models, candidate, 'sent');
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const stored = (await Forward.findById(resendId).lean<ForwardRow>())!;
  const f = JSON.parse(stored.forward) as ForwardInput;
  if (!sameRequest(f, items, comment)) {
    throw new HttpError(409, 'already_resent', `forward ${forwardId} was already sent again as ${resendId} by ${f.decidedBy} on ${f.decidedAt} (items ${f.resendOf?.items.join(', ')})`);
  }
  try {
    await Audit.create({
      _id: auditIdOf(resendId),
      at: deps.now(),
      actor,
      action: 'forward.resend',
      target: cycleId,
      details: { forwardId: resendId, resendOf: forwardId, items, toCycleId: f.toCycleId, ...(comment ? { comment } : {}) },
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // recorded by the first request
  }

  const delivered = await deliverForward(f, {
    record: async (event) => void (await recordForwardRow(deps.db.models, f, event)),
    signal: async (x) => {
      try {
        await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () => deps.temporal.workflow.getHandle(cycleWorkflowId(x.toCycleId)).signal(forwardSignal, x));
        return true;
      } catch (err) {
        // Not started, or ended: the parent's cycle takes it from the read model when it starts.
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  });
  return { forward: forwardView((await Forward.findById(resendId).lean<ForwardRow>())!), created, delivered };
}
