/**
 * Read routes for individual nominations and forwards, under /api/cycles (every staff role reads; a
 * cluster scope applies). From the read model only: GET never changes anything.
 *
 * - GET /api/cycles/:cycleId/nominations — each cluster's list with the council's decision on each.
 * - GET /api/cycles/:cycleId/forwards — what this cycle's councils forwarded up (`outgoing`, with the
 *   parent cycle's id) and what the bodies below forwarded to it (`incoming`), so the link between the
 *   two cycles reads both ways. `status`: delivered (the parent's cycle has it), pending (the parent's
 *   cycle is not running: it takes the forward when it starts) or sent; `decision`: the parent
 *   council's decision on each item once it is asked (workflows/cycle/forward-decision.ts).
 */
import { Router } from 'express';
import type { ForwardDecisionState, ForwardInput, NominationListState } from '../../workflows/cycle/definitions';
import { isScoped, principalOf, requireRole, STAFF_ROLES } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';

interface ForwardRow {
  _id: string;
  fromCycleId: string;
  fromClusterId: string;
  toCycleId: string;
  kind: string;
  forward: string;
  createdAt: Date;
  sentAt?: Date;
  pendingSince?: Date;
  deliveredAt?: Date;
  decisionDueAt?: Date;
  decision?: string;
  outcomeAnnouncedAt?: Date;
}

/** The parent council's decision on each item (approve, or return with a comment), once it is asked. */
const decisionView = (r: ForwardRow) => {
  if (!r.decision) return undefined;
  const d = JSON.parse(r.decision) as ForwardDecisionState;
  return {
    status: d.status,
    dueAt: d.dueAt,
    council: d.council.map((c) => c.email),
    items: d.items,
    decidedBy: d.decidedBy,
    actingFor: d.actingFor,
    decidedAt: d.decidedAt,
    reported: d.reported,
    announcedAt: r.outcomeAnnouncedAt,
  };
};

const forwardView = (r: ForwardRow) => {
  const f = JSON.parse(r.forward) as ForwardInput;
  return {
    forwardId: r._id,
    kind: r.kind,
    fromCycleId: r.fromCycleId,
    fromClusterId: r.fromClusterId,
    fromBodyName: f.fromBodyName,
    toCycleId: r.toCycleId,
    status: r.deliveredAt ? 'delivered' : r.pendingSince ? 'pending' : 'sent',
    createdAt: r.createdAt,
    pendingSince: r.pendingSince,
    deliveredAt: r.deliveredAt,
    decidedBy: f.decidedBy,
    decidedAt: f.decidedAt,
    items: f.items,
    decision: decisionView(r),
  };
};

export function awardsReadRouter(deps: AppDeps): Router {
  const r = Router();
  const staff = requireRole(deps, ...STAFF_ROLES);

  r.get('/:cycleId/nominations', staff, async (req, res) => {
    const cycleId = String(req.params.cycleId);
    if (!(await deps.db.models.Cycle.exists({ _id: cycleId }))) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
    const p = principalOf(res);
    const rows = await deps.db.models.ClusterNominations.find({ cycleId }).sort({ clusterId: 1 }).lean();
    res.json({
      cycleId,
      clusters: rows
        .filter((x) => !isScoped(p) || p.scope.clusters.includes(x.clusterId))
        .map((x) => {
          const state = JSON.parse(x.state) as NominationListState;
          return { clusterId: x.clusterId, phase: state.phase, sentAt: state.sentAt, received: state.received, nominations: state.items, forwarded: JSON.parse(x.forwarded ?? '[]') };
        }),
    });
  });

  r.get('/:cycleId/forwards', staff, async (req, res) => {
    const cycleId = String(req.params.cycleId);
    const { Forward, Cycle } = deps.db.models;
    const [outgoing, incoming] = await Promise.all([
      Forward.find({ fromCycleId: cycleId }).sort({ createdAt: 1, _id: 1 }).lean<ForwardRow[]>(),
      Forward.find({ toCycleId: cycleId }).sort({ createdAt: 1, _id: 1 }).lean<ForwardRow[]>(),
    ]);
    // A parent whose cycle has not started has no cycle row yet: its forwards are still listed, as incoming.
    if (outgoing.length === 0 && incoming.length === 0 && !(await Cycle.exists({ _id: cycleId }))) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
    const p = principalOf(res);
    res.json({
      cycleId,
      outgoing: outgoing.filter((x) => !isScoped(p) || p.scope.clusters.includes(x.fromClusterId)).map(forwardView),
      incoming: incoming.map(forwardView),
    });
  });
  return r;
}
