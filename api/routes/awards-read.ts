/**
 * Read routes for individual nominations and forwards, under /api/cycles (every staff role reads; a
 * cluster scope applies). From the read model only: GET never changes anything.
 *
 * - GET /api/cycles/:cycleId/nominations — each cluster's list with the council's decision on each.
 * - GET /api/cycles/:cycleId/forwards — what this cycle's councils forwarded up (`outgoing`, with the
 *   parent cycle's id) and what the bodies below forwarded to it (`incoming`), so the link between the
 *   two cycles reads both ways. `status`: decided (the parent council decided every item, even after
 *   this cycle closed), delivered (the parent's cycle has it), pending (the parent's cycle is not
 *   running: it takes the forward when it starts) or sent; `decision`: the parent council's decision
 *   on each item once it is asked, with the approved and returned counts and each return's comment
 *   (workflows/cycle/forward-decision.ts, api/services/forward-view.ts).
 */
import { Router } from 'express';
import type { ForwardInput, NominationListState } from '../../workflows/cycle/definitions';
import { isScoped, principalOf, requireRole, STAFF_ROLES } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { cycleForwardRows, forwardViews, type ForwardRow } from '../services/forward-view';

export function awardsReadRouter(deps: AppDeps): Router {
  const r = Router();
  const staff = requireRole(deps, ...STAFF_ROLES);

  r.get('/:cycleId/nominations', staff, async (req, res) => {
    const cycleId = String(req.params.cycleId);
    if (!(await deps.db.models.Cycle.exists({ _id: cycleId }))) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
    const p = principalOf(res);
    const [rows, resent] = await Promise.all([
      deps.db.models.ClusterNominations.find({ cycleId }).sort({ clusterId: 1 }).lean(),
      deps.db.models.Forward.find({ fromCycleId: cycleId, kind: 'nominations', resendOf: { $exists: true } }).sort({ createdAt: 1, _id: 1 }).lean<ForwardRow[]>(),
    ]);
    // The cluster's workflow knows the forwards it sent; the api re-sends (resend-forward.ts): each
    // forward and each nomination sent again names the forward that carries it now (`resentAs`).
    const resentAs = new Map(resent.map((r) => [r.resendOf!, r._id]));
    const carriedBy = new Map<string, string>();
    for (const r of resent) for (const item of (JSON.parse(r.forward) as ForwardInput).items) if (item.nominationId) carriedBy.set(item.nominationId, r._id);
    res.json({
      cycleId,
      clusters: rows
        .filter((x) => !isScoped(p) || p.scope.clusters.includes(x.clusterId))
        .map((x) => {
          const state = JSON.parse(x.state) as NominationListState;
          const forwarded = (JSON.parse(x.forwarded ?? '[]') as { forwardId: string }[]).map((f) => (resentAs.has(f.forwardId) ? { ...f, resentAs: resentAs.get(f.forwardId) } : f));
          const nominations = state.items.map((i) => (i.forwardId && carriedBy.has(i.id) ? { ...i, resentAs: carriedBy.get(i.id) } : i));
          return { clusterId: x.clusterId, phase: state.phase, sentAt: state.sentAt, received: state.received, nominations, forwarded };
        }),
    });
  });

  r.get('/:cycleId/forwards', staff, async (req, res) => {
    const cycleId = String(req.params.cycleId);
    const { outgoing, incoming } = await cycleForwardRows(deps, cycleId);
    // A parent whose cycle has not started has no cycle row yet: its forwards are still listed, as incoming.
    if (outgoing.length === 0 && incoming.length === 0 && !(await deps.db.models.Cycle.exists({ _id: cycleId }))) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
    const p = principalOf(res);
    res.json({
      cycleId,
      outgoing: forwardViews(outgoing.filter((x) => !isScoped(p) || p.scope.clusters.includes(x.fromClusterId))),
      incoming: forwardViews(incoming),
    });
  });
  return r;
}
