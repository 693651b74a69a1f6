/**
 * Under /api/cycles: a closed year's export (GET /:cycleId/export.zip) and archive (POST /:cycleId/archive),
 * the coordinator's (or the API token's); and, before every other router there, the refusal (409) of
 * any change to an archived cycle.
 */
import express, { Router } from 'express';
import { actorOf, principalOf, requireRole, requireWholeScope, STAFF_ROLES } from '../auth';
import type { AppDeps } from '../deps';
import { archiveCycle, buildCycleExport, refuseArchived } from '../services/cycle-archive';

export function cycleArchiveRouter(deps: AppDeps): Router {
  const r = Router();
  const coordinator = requireRole(deps, 'coordinator');
  r.get('/:cycleId/export.zip', coordinator, async (req, res) => {
    requireWholeScope(principalOf(res), 'exporting a cycle');
    const cycleId = String(req.params.cycleId);
    const { zip } = await buildCycleExport(deps, cycleId);
    res
      .type('application/zip')
      .set('Content-Disposition', `attachment; filename="${cycleId.replace(/[^A-Za-z0-9_-]+/g, '-')}.zip"`)
      .set('Cache-Control', 'no-store')
      .send(zip);
  });
  r.post('/:cycleId/archive', coordinator, express.json({ limit: '10kb' }), async (req, res) => {
    requireWholeScope(principalOf(res), 'archiving a cycle');
    res.json(await archiveCycle(deps, String(req.params.cycleId), req.body, actorOf(principalOf(res))));
  });
  // Any other change to an archived cycle: 409 (credentials are checked first, so no answer leaks to a stranger).
  r.post('/:cycleId/*rest', requireRole(deps, ...STAFF_ROLES), refuseArchived(deps));
  return r;
}
