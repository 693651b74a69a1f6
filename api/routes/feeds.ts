/**
 * Calendar feeds.
 * - `GET /feeds/<token>.ics`: the feed of the unit or staff member the token names (lib/feeds.ts),
 *   built from the read model at each request; never changes anything. Bad or malformed signature →
 *   403, expired → 410, unknown cycle (or subject) → 404, as plain text (calendar clients show it).
 * - `GET /api/cycles/:cycleId/feeds` (staff): the feed URL of every unit and staff member of the plan.
 */
import { Router } from 'express';
import { buildFeed, feedTokenFor, feedUrl, verifyFeedToken } from '../../lib/feeds';
import type { Plan } from '../../rules/plan';
import { requireStaffApi } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';

const REASONS: Record<string, string> = {
  malformed: 'Địa chỉ lịch không hợp lệ. This calendar address is not valid.',
  'bad-signature': 'Địa chỉ lịch không hợp lệ (sai chữ ký). This calendar address is not valid (bad signature).',
  expired: 'Địa chỉ lịch đã hết hạn. This calendar address has expired.',
};

export function feedsRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/feeds/:file', async (req, res) => {
    const plain = (status: number, text: string) => res.status(status).set('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(text);
    const file = String(req.params.file);
    if (!file.endsWith('.ics')) return plain(404, 'Không tìm thấy. Not found.');
    const v = verifyFeedToken(deps.config.LINK_SECRET, file.slice(0, -'.ics'.length), deps.now().getTime());
    if (!v.ok) return plain(v.status, REASONS[v.reason]);
    const feed = await buildFeed(deps.db.models, v.claims, deps.now());
    if (!feed.found) {
      return plain(404, feed.what === 'cycle' ? 'Không có kỳ thi đua này. No such cycle.' : 'Không có lịch này trong kỳ thi đua. No such calendar in this cycle.');
    }
    res
      .status(200)
      .set('Cache-Control', 'no-cache')
      .set('Content-Type', 'text/calendar; charset=utf-8')
      .set('Content-Disposition', 'inline; filename="thidua.ics"')
      .send(feed.ics);
  });

  r.get('/api/cycles/:cycleId/feeds', requireStaffApi(deps), async (req, res) => {
    const cycleId = String(req.params.cycleId);
    const cycle = await deps.db.models.Cycle.findById(cycleId, { plan: 1 }).lean();
    if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
    const plan = cycle.plan as Plan;
    const url = (kind: 'unit' | 'staff', id: string) => feedUrl(deps.config.PUBLIC_BASE_URL, feedTokenFor(deps.config.LINK_SECRET, cycleId, kind, id));
    res.set('Cache-Control', 'no-store').json({
      cycleId,
      units: (plan.units ?? []).map((u) => ({ unitId: u.id, unitName: u.name, url: url('unit', u.id) })),
      staff: (plan.staff ?? []).map((s) => ({ id: s.id, name: s.name, email: s.email, url: url('staff', s.email) })),
    });
  });

  return r;
}
