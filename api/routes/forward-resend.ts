/**
 * Under /api/cycles: POST /:cycleId/forwards/:forwardId/resend — the coordinator (or the API token)
 * sends the items the parent council returned up again, once amended (api/services/resend-forward.ts).
 * 201 with the new forward; 200 when the same request was already made (the same forward).
 */
import express, { Router } from 'express';
import { actorOf, isScoped, principalOf, requireRole } from '../auth';
import type { AppDeps } from '../deps';
import { resendForward } from '../services/resend-forward';

export function forwardResendRouter(deps: AppDeps): Router {
  const r = Router();
  r.post('/:cycleId/forwards/:forwardId/resend', requireRole(deps, 'coordinator'), express.json({ limit: '100kb' }), async (req, res) => {
    const p = principalOf(res);
    const inScope = (clusterId: string) => !isScoped(p) || p.scope.clusters.includes(clusterId);
    const result = await resendForward(deps, String(req.params.cycleId), String(req.params.forwardId), req.body, actorOf(p), inScope);
    res
      .status(result.created ? 201 : 200)
      .location(`/api/cycles/${encodeURIComponent(String(req.params.cycleId))}/forwards`)
      .json(result);
  });
  return r;
}
