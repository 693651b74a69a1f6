/** Coordinator routes on a cycle's membership, under /api/cycles (the coordinator role or the API token; a cluster scope applies). */
import express, { Router } from 'express';
import { actorOf, principalOf, requireCluster, requireRole } from '../auth';
import type { AppDeps } from '../deps';
import { addUnit } from '../services/add-unit';
import { withdrawUnit } from '../services/withdraw-unit';

export function unitsAdminRouter(deps: AppDeps): Router {
  const r = Router();
  // Per route, not r.use(): this router shares /api/cycles with others.
  const staffJson = [requireRole(deps, 'coordinator'), express.json({ limit: '100kb' })];
  /** Withdraw a unit from the cycle: `{ reason }`. */
  r.post('/:cycleId/units/:unitId/withdraw', ...staffJson, async (req, res) => {
    const p = principalOf(res);
    res.json(await withdrawUnit(deps, String(req.params.cycleId), String(req.params.unitId), req.body, actorOf(p), (clusterId) => requireCluster(p, clusterId)));
  });
  /** Add a unit to a cluster: `{ unit: { id, name, contacts, reviewer, parent? }, reason }`. */
  r.post('/:cycleId/clusters/:clusterId/units', ...staffJson, async (req, res) => {
    const p = principalOf(res);
    requireCluster(p, String(req.params.clusterId));
    res.status(201).json(await addUnit(deps, String(req.params.cycleId), String(req.params.clusterId), req.body, actorOf(p)));
  });
  return r;
}
