/**
 * The secretariat's paperwork for one cycle, as pages (the same services as the API):
 * - GET  /dashboard/cycles/<cycle>/paperwork: the forms below, for the clusters in the account's scope;
 * - POST /dashboard/cycles/<cycle>/attendance: the meeting's attendance and written proxies as the chair
 *   records them (clusters whose plan sets a quorum), through the cluster workflow's validated update;
 * - POST /dashboard/cycles/<cycle>/scans: the signed scan of an issued document (multipart; the CSRF
 *   token is a field of the form, so it is checked once the fields are read, before anything is stored).
 * Secretariat or coordinator; every change audited by the service it calls.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { clusterDocumentsOwner } from '../../activities/documents';
import { listDocuments } from '../../lib/documents/store';
import type { Plan } from '../../rules/plan';
import { actorOf, authenticate, csrfOk, hasRole, isScoped, principalOf, requireCluster, requireRolePage, staffView } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { langOf, type Lang } from '../pages';
import { recordAttendance } from '../services/year-end-admin';
import { receiveSignedScan } from './scans';

const ROLES = ['secretariat', 'coordinator'] as const;
const PROXY_ROWS = 3;
const text = (v: unknown, max = 300): string => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => text(x, 100)).filter(Boolean);

export function paperworkRouter(deps: AppDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '20kb' });
  const page = (res: Response, status: number, lang: Lang, name: string, data: Record<string, unknown>) =>
    res.status(status).type('html').send(deps.pages.render(name, lang, { staff: staffView(res), ...data }));
  const base = (cycleId: string) => `/dashboard/cycles/${encodeURIComponent(cycleId)}`;
  const outcome = (res: Response, lang: Lang, cycleId: string, status: number, vi: string, en: string, problems?: string[]) =>
    page(res, status, lang, 'message', { status, success: status < 400, title: lang === 'en' ? en : vi, problems, backHref: `${base(cycleId)}/paperwork?lang=${lang}` });
  const failed = (res: Response, lang: Lang, cycleId: string, err: unknown) => {
    if (!(err instanceof HttpError)) throw err;
    const problems = (err.details as { problems?: { path: string; message: string }[] } | undefined)?.problems?.map((p) => `${p.path}: ${p.message}`);
    return outcome(res, lang, cycleId, err.status, err.message, err.message, problems);
  };
  const loadPlan = async (cycleId: string): Promise<Plan> => {
    const cycle = await deps.db.models.Cycle.findById(cycleId, { plan: 1 }).lean();
    if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
    return cycle.plan as Plan;
  };

  r.get('/dashboard/cycles/:cycleId/paperwork', requireRolePage(deps, ...ROLES), async (req, res) => {
    const lang = langOf(req.query);
    const cycleId = String(req.params.cycleId);
    let plan: Plan;
    try {
      plan = await loadPlan(cycleId);
    } catch (err) {
      return failed(res, lang, cycleId, err);
    }
    const p = principalOf(res);
    const clusters = plan.clusters.filter((c) => !isScoped(p) || p.scope.clusters.includes(c.id));
    const unitName = (id: string) => plan.units.find((u) => u.id === id)?.name ?? id;
    const quorum = plan.stages.meeting?.quorum;
    // Each issued document, latest version: the cycle's own (whole scope only) and each cluster's.
    const documents: { value: string; label: string }[] = [];
    const kinds = async (owner: string) => {
      const latest = new Map<string, number>();
      for (const d of await listDocuments(deps.db, owner)) latest.set(d.kind, Math.max(latest.get(d.kind) ?? 0, d.version));
      return [...latest];
    };
    if (!isScoped(p)) for (const [kind, version] of await kinds(cycleId)) documents.push({ value: `|${kind}`, label: `${kind} (v${version})` });
    for (const c of clusters) for (const [kind, version] of await kinds(clusterDocumentsOwner(cycleId, c.id))) documents.push({ value: `${c.id}|${kind}`, label: `${c.name}: ${kind} (v${version})` });
    page(res, 200, lang, 'paperwork', {
      title: lang === 'en' ? 'Paperwork' : 'Hồ sơ giấy tờ',
      cycleId,
      base: base(cycleId),
      csrf: staffView(res)?.csrf ?? '',
      quorum: quorum ? { share: Math.round(quorum.share * 100), proxies: quorum.proxies } : undefined,
      clusters: quorum
        ? clusters.map((c) => ({
            clusterId: c.id,
            name: c.name,
            members: c.members.map((id) => ({ unitId: id, name: unitName(id) })),
            proxyRows: quorum.proxies ? Array.from({ length: PROXY_ROWS }, (_, i) => ({ i })) : [],
          }))
        : [],
      documents,
    });
  });

  r.post('/dashboard/cycles/:cycleId/attendance', form, requireRolePage(deps, ...ROLES), async (req, res) => {
    const lang = langOf(req.query);
    const cycleId = String(req.params.cycleId);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const clusterId = text(body.clusterId, 100);
    const proxies = Array.from({ length: PROXY_ROWS }, (_, i) => ({ absent: text(body[`proxy.${i}.absent`], 100), holder: text(body[`proxy.${i}.holder`], 100), document: text(body[`proxy.${i}.document`]) }))
      .filter((x) => x.absent || x.holder)
      .map((x) => ({ absent: x.absent, holder: x.holder, ...(x.document ? { document: x.document } : {}) }));
    try {
      const p = principalOf(res);
      requireCluster(p, clusterId);
      const result = await recordAttendance(deps, cycleId, clusterId, { present: list(body.present), proxies }, actorOf(p));
      const present = (result as { present?: string[] }).present?.length ?? list(body.present).length;
      return outcome(res, lang, cycleId, 200, `Đã ghi điểm danh: ${present} đơn vị có mặt, ${proxies.length} ủy quyền.`, `Attendance recorded: ${present} units present, ${proxies.length} proxies.`);
    } catch (err) {
      return failed(res, lang, cycleId, err);
    }
  });

  // The role is checked before the body is read; the CSRF token, a field of the multipart form, after.
  const roleOnly = async (req: Request, res: Response, next: NextFunction) => {
    const auth = await authenticate(req, deps);
    if (!auth) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    if (!hasRole(auth.principal, [...ROLES])) return page(res, 403, langOf(req.query), 'message', { status: 403, title: langOf(req.query) === 'en' ? 'This page needs the role secretariat or coordinator.' : 'Trang này dành cho vai trò văn phòng hoặc điều phối.' });
    res.locals.principal = auth.principal;
    res.locals.auth = auth;
    next();
  };
  r.post('/dashboard/cycles/:cycleId/scans', roleOnly, async (req, res) => {
    const lang = langOf(req.query);
    const cycleId = String(req.params.cycleId);
    try {
      const [clusterPart, kind] = text(req.query.document, 200).split('|');
      const clusterId = clusterPart || undefined;
      const p = principalOf(res);
      if (clusterId) requireCluster(p, clusterId);
      else if (isScoped(p)) throw new HttpError(403, 'forbidden', 'the cycle-wide documents need an account for every cluster');
      const stored = await receiveSignedScan(deps, req, res, { cycleId, clusterId, kind: kind ?? '' }, () => {
        if (!csrfOk(req, res.locals.auth)) throw new HttpError(403, 'forbidden', lang === 'en' ? 'The form has expired: reload the page and try again.' : 'Biểu mẫu đã hết hiệu lực: vui lòng tải lại trang và thử lại.');
      });
      return outcome(res, lang, cycleId, 201, `Đã lưu bản quét đã ký: ${stored.filename} (${kind}, phiên bản ${stored.documentVersion}).`, `Signed scan stored: ${stored.filename} (${kind}, version ${stored.documentVersion}).`);
    } catch (err) {
      return failed(res, lang, cycleId, err);
    }
  });
  return r;
}
