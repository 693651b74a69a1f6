/**
 * The secretariat's view, staff only: GET /dashboard (page), GET /api/dashboard (JSON, same data),
 * GET /api/dashboard.xlsx (the units × steps matrix). Query: cycleId, slaDays, idleDays, lang.
 */
import { Router, type Request } from 'express';
import { requireRole, requireRolePage, staffView } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { langOf, type Lang } from '../pages';
import { DEFAULT_IDLE_DAYS, DEFAULT_SLA_DAYS, loadDashboard, type DashboardQuery } from '../services/dashboard';
import { dashboardXlsx } from '../services/dashboard-xlsx';

function days(v: unknown, name: string, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = typeof v === 'string' && /^\d{1,3}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 365)) throw new HttpError(400, 'invalid_request', `${name} must be a whole number of days from 1 to 365`);
  return n;
}

function queryOf(req: Request, lang: Lang): DashboardQuery {
  const q = req.query as Record<string, unknown>;
  const cycleId = typeof q.cycleId === 'string' && q.cycleId.trim() ? q.cycleId.trim() : undefined;
  return { cycleId, slaDays: days(q.slaDays, 'slaDays', DEFAULT_SLA_DAYS), idleDays: days(q.idleDays, 'idleDays', DEFAULT_IDLE_DAYS), lang };
}

export function dashboardRouter(deps: AppDeps): Router {
  const r = Router();

  // Every role reads the dashboard (a cluster scope does not filter it yet).
  const requireStaffPage = requireRolePage(deps, 'secretariat', 'coordinator', 'council', 'viewer');
  const requireStaffApi = requireRole(deps, 'secretariat', 'coordinator', 'council', 'viewer');
  const notFound = (cycleId: string | undefined) => new HttpError(404, 'not_found', `no cycle ${cycleId}`);

  r.get('/dashboard', requireStaffPage, async (req, res) => {
    const lang = langOf(req.query);
    let q: DashboardQuery;
    try {
      q = queryOf(req, lang);
    } catch (err) {
      return res.status(400).type('html').send(deps.pages.render('message', lang, { status: 400, title: (err as Error).message }));
    }
    const data = await loadDashboard(deps, q);
    if (!data) {
      return res.status(404).type('html').send(deps.pages.render('message', lang, { status: 404, title: notFound(q.cycleId).message }));
    }
    const all = q.cycleId ? (await deps.db.models.Cycle.find({}, { _id: 1, bodyName: 1, year: 1 }).sort({ year: -1 }).limit(100).lean()) : data.cycles;
    const cycleOptions = all.map((c) => {
      const id = 'cycleId' in c ? c.cycleId : c._id;
      return { id, label: `${c.bodyName} – ${c.year}`, selected: id === q.cycleId };
    });
    const xlsxQuery = new URLSearchParams(q.cycleId ? { cycleId: q.cycleId } : {}).toString();
    res.type('html').send(
      deps.pages.render('dashboard', lang, {
        title: lang === 'en' ? 'Secretariat dashboard' : 'Bảng theo dõi của văn phòng',
        ...data,
        cycleId: q.cycleId ?? '',
        cycleOptions,
        xlsxHref: `/api/dashboard.xlsx${xlsxQuery ? `?${xlsxQuery}` : ''}`,
        staff: staffView(res),
      }),
    );
  });

  r.get('/api/dashboard', requireStaffApi, async (req, res) => {
    const q = queryOf(req, langOf(req.query));
    const data = await loadDashboard(deps, q);
    if (!data) throw notFound(q.cycleId);
    res.json(data);
  });

  r.get('/api/dashboard.xlsx', requireStaffApi, async (req, res) => {
    const q = { ...queryOf(req, 'vi'), skipTemporal: true };
    const data = await loadDashboard(deps, q);
    if (!data) throw notFound(q.cycleId);
    const body = await dashboardXlsx(data.cycles, new Date(data.generatedAt));
    const stamp = data.generatedAt.slice(0, 10);
    const name = q.cycleId ? `theo-doi-${q.cycleId.replace(/[^A-Za-z0-9_-]+/g, '-')}-${stamp}.xlsx` : `theo-doi-${stamp}.xlsx`;
    res
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .set('Content-Disposition', `attachment; filename="${name}"`)
      .set('Cache-Control', 'no-store')
      .send(body);
  });

  return r;
}
