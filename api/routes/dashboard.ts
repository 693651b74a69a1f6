/**
 * The secretariat's view, staff only: GET /dashboard (page), GET /api/dashboard (JSON, same data),
 * GET /api/dashboard.xlsx (the units × steps matrix). Query: cycleId, slaDays, idleDays, lang.
 *
 * Its actions on a stuck item (secretariat or coordinator, the API token too; each audited, the
 * caller's cluster scope applied): POST /api/dashboard/actions/{remind,escalate,terminate,retry} (JSON
 * `{ workflowId, step?, reason?, activityId? }`), and the same as page forms under POST /dashboard/actions/…
 * (`_csrf` for a cookie session): 303 back to the dashboard with a notice, or the dashboard again with
 * the refusal and its status.
 */
import express, { Router, type Request, type Response } from 'express';
import { awaitingUnit, type StepStatus } from '../../workflows/cycle/definitions';
import { actorOf, hasRole, principalOf, requireCluster, requireRole, requireRolePage, staffView } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError, isUnavailable } from '../errors';
import { langOf, type Lang } from '../pages';
import { DEFAULT_IDLE_DAYS, DEFAULT_SLA_DAYS, loadDashboard, type DashboardQuery } from '../services/dashboard';
import { DASHBOARD_ACTIONS, dashboardAction, isDashboardAction, type DashboardAction } from '../services/dashboard-actions';
import { dashboardXlsx } from '../services/dashboard-xlsx';

const ACTION_DONE: Record<DashboardAction, { vi: string; en: string }> = {
  remind: { vi: 'Đã gửi thư nhắc lại tới đơn vị', en: 'A reminder is on its way to the unit' },
  escalate: { vi: 'Đã báo cáo vượt cấp tới người thẩm định và cụm trưởng', en: 'The reviewer and the cluster head are being told' },
  terminate: { vi: 'Đã dừng hẳn luồng công việc', en: 'The workflow was terminated' },
  retry: { vi: 'Tác vụ đang thử lại được chạy lại ngay', en: 'The retrying activity runs again now' },
};

/** The dashboard's own query (filters and language), to come back to the same view after an action. */
function viewQuery(q: DashboardQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.cycleId) p.set('cycleId', q.cycleId);
  if (q.slaDays !== DEFAULT_SLA_DAYS) p.set('slaDays', String(q.slaDays));
  if (q.idleDays !== DEFAULT_IDLE_DAYS) p.set('idleDays', String(q.idleDays));
  if (q.lang === 'en') p.set('lang', 'en');
  return p;
}

const formText = (v: unknown, max = 500): string | undefined => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined);

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

  /** The page, with a notice after an action (`done`, `wf`) or the refusal of one (`failure`, its status). */
  const renderPage = async (req: Request, res: Response, failure?: { status: number; message: string }) => {
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
    const principal = principalOf(res);
    const canAct = hasRole(principal, ['secretariat', 'coordinator']);
    const canCoordinate = hasRole(principal, ['coordinator']);
    const actionQuery = viewQuery(q).toString();
    const consoleHref = (cycleId: string) => `/console/cycles/${encodeURIComponent(cycleId)}${lang === 'en' ? '?lang=en' : ''}`;
    const stuck = data.stuck.map((s) => ({
      ...s,
      // Only a unit's step waiting for the unit can be reminded or escalated; any workflow can be terminated.
      canRemind: canAct && !!s.step && !!s.status && awaitingUnit(s.status as StepStatus) && s.workflowId.includes(':unit:'),
      consoleHref: canCoordinate ? consoleHref(s.cycleId) : undefined,
      // "Retry now" for each activity Temporal reports retrying on this workflow.
      retrying: canAct ? s.reasons.filter((x) => x.code === 'activity_retrying' && x.activityId).map((x) => x.activityId) : [],
    }));
    const q2 = req.query as Record<string, unknown>;
    const done = typeof q2.done === 'string' && isDashboardAction(q2.done) ? q2.done : undefined;
    const doneUnit = done && typeof q2.wf === 'string' ? data.stuck.find((s) => s.workflowId === q2.wf)?.unitName : undefined;
    res
      .status(failure?.status ?? 200)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(
        deps.pages.render('dashboard', lang, {
          title: lang === 'en' ? 'Secretariat dashboard' : 'Bảng theo dõi của văn phòng',
          ...data,
          stuck,
          cycleId: q.cycleId ?? '',
          cycleOptions,
          xlsxHref: `/api/dashboard.xlsx${xlsxQuery ? `?${xlsxQuery}` : ''}`,
          staff: staffView(res),
          csrf: staffView(res)?.csrf ?? '',
          canAct,
          canCoordinate,
          actionQuery: actionQuery ? `?${actionQuery}` : '',
          actionDone: done ? `${ACTION_DONE[done][lang]}${doneUnit ? `: ${doneUnit}` : ''}.` : undefined,
          actionFailed: failure ? { status: failure.status, message: failure.message } : undefined,
        }),
      );
  };

  r.get('/dashboard', requireStaffPage, (req, res) => renderPage(req, res));

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

  // ---- Actions on a stuck item: secretariat or coordinator (the API token too).
  const requireActionApi = requireRole(deps, 'secretariat', 'coordinator');
  const requireActionPage = requireRolePage(deps, 'secretariat', 'coordinator');
  // Per route (this router is mounted at the root); the body is read before the role check, which
  // finds the CSRF token in it (`_csrf`) for a cookie session.
  const json = express.json({ limit: '20kb' });
  const form = express.urlencoded({ extended: false, limit: '20kb' });

  r.post('/api/dashboard/actions/:action', json, requireActionApi, async (req, res) => {
    const action = String(req.params.action);
    if (!isDashboardAction(action)) throw new HttpError(404, 'not_found', `no dashboard action ${action}; one of ${DASHBOARD_ACTIONS.join(', ')}`);
    const p = principalOf(res);
    res.json(await dashboardAction(deps, action, req.body, actorOf(p), (clusterId) => requireCluster(p, clusterId)));
  });

  r.post('/dashboard/actions/:action', form, requireActionPage, async (req, res) => {
    const lang = langOf(req.query);
    const action = String(req.params.action);
    if (!isDashboardAction(action)) {
      return res.status(404).type('html').send(deps.pages.render('message', lang, { status: 404, title: lang === 'en' ? 'No such action.' : 'Không có thao tác này.' }));
    }
    const p = principalOf(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = { workflowId: formText(body.workflowId, 300) ?? '', step: formText(body.step, 100), reason: formText(body.reason), activityId: formText(body.activityId, 100) };
    try {
      const result = await dashboardAction(deps, action, input, actorOf(p), (clusterId) => requireCluster(p, clusterId));
      let q: DashboardQuery;
      try {
        q = queryOf(req, lang);
      } catch {
        q = { slaDays: DEFAULT_SLA_DAYS, idleDays: DEFAULT_IDLE_DAYS, lang };
      }
      const back = viewQuery(q);
      back.set('done', action);
      back.set('wf', result.workflowId);
      res.redirect(303, `/dashboard?${back.toString()}#stuck-h`);
    } catch (err) {
      let e: HttpError;
      if (err instanceof HttpError) e = err;
      else if (isUnavailable(err)) e = new HttpError(503, 'unavailable', lang === 'en' ? 'Temporal or MongoDB is unavailable; nothing was done. Try again shortly.' : 'Temporal hoặc MongoDB đang gián đoạn; chưa thực hiện được. Vui lòng thử lại sau.');
      else throw err;
      const problems = (e.details as { problems?: { path: string; message: string }[] } | undefined)?.problems;
      const message = problems?.length ? `${e.message}: ${problems.map((x) => `${x.path} ${x.message}`).join('; ')}` : e.message;
      await renderPage(req, res, { status: e.status, message });
    }
  });

  return r;
}
