/** Coordinator routes for a cluster's year-end, under /api/cycles (the coordinator role or the API token; a cluster scope applies). */
import express, { Router } from 'express';
import { actorOf, principalOf, requireCluster, requireRole } from '../auth';
import type { AppDeps } from '../deps';
import { moveMeeting, recordAttendance } from '../services/year-end-admin';

export function yearEndAdminRouter(deps: AppDeps): Router {
  const r = Router();
  // Per route, not r.use(): this router shares /api/cycles with others (a plan upload has its own body limit).
  const staffJson = [requireRole(deps, 'coordinator'), express.json({ limit: '100kb' })];
  /** Move a cluster's meeting day (and ballot hours) before its ballots open: `{ date, ballotOpens?, ballotCloses?, reason? }`. */
  r.post('/:cycleId/clusters/:clusterId/meeting', ...staffJson, async (req, res) => {
    const p = principalOf(res);
    requireCluster(p, String(req.params.clusterId));
    res.json(await moveMeeting(deps, String(req.params.cycleId), String(req.params.clusterId), req.body, actorOf(p)));
  });
  /**
   * The meeting's attendance, as the chair records it (entered by the secretariat or a coordinator):
   * `{ present: [unitId], proxies?: [{ absent, holder, document? }] }`.
   */
  r.post('/:cycleId/clusters/:clusterId/attendance', requireRole(deps, 'coordinator', 'secretariat'), express.json({ limit: '100kb' }), async (req, res) => {
    const p = principalOf(res);
    requireCluster(p, String(req.params.clusterId));
    res.json(await recordAttendance(deps, String(req.params.cycleId), String(req.params.clusterId), req.body, actorOf(p)));
  });
  return r;
}
