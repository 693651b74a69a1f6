/**
 * The coordinator console, server-rendered under /console (the coordinator role or the API-token
 * session): upload a plan as YAML, see its problems by path or its computed timeline (the lines of
 * `thidua plan check`), launch it; then, while a cycle runs, move a stage's deadline or a cluster's
 * meeting, replace a contact or a reviewer, withdraw a unit, or cancel. Every change calls the same
 * service as the JSON route, with the signed-in account as the actor and the same cluster scope.
 * Adding a unit mid-year does not exist in the backend yet: the cycle page says so.
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { parse as parseYaml } from 'yaml';
import { planTimelineLines } from '../../cli/plan-check';
import type { Plan } from '../../rules/plan';
import { STEP_KINDS, STEP_NAMES, stepsOfStage, type StageName, type StepName } from '../../rules/steps';
import type { UnitWorkflowInput } from '../../workflows/cycle/definitions';
import { actorOf, isScoped, principalOf, requireCluster, requireRolePage, requireWholeScope, staffView, type Principal } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError, isUnavailable } from '../errors';
import { langOf, type Lang } from '../pages';
import { cancelCycle, delegate, MOVABLE_STAGES, moveDeadline, replacePerson, type MovableStage } from '../services/coordinate';
import { launchCycle, preparePlan } from '../services/start-cycle';
import { addUnit } from '../services/add-unit';
import { withdrawUnit } from '../services/withdraw-unit';
import { moveMeeting } from '../services/year-end-admin';

const STAGE_TITLES: Record<string, { vi: string; en: string }> = {
  registration: { vi: 'Đăng ký thi đua', en: 'Registration' },
  pact: { vi: 'Ký kết giao ước thi đua của cụm', en: "The cluster's emulation pact" },
  heads: { vi: 'Xác nhận cụm trưởng, cụm phó năm', en: "The year's cluster head and deputy" },
  midYear: { vi: 'Sơ kết 6 tháng', en: 'Six-month review' },
  reports: { vi: 'Báo cáo tổng kết, tự chấm điểm', en: 'Year-end reports and self-scoring' },
  inspection: { vi: 'Kiểm tra, chấm điểm, xếp loại', en: 'Inspection, scores and classes' },
  meeting: { vi: 'Hội nghị tổng kết cụm', en: 'Cluster meeting' },
  proposal: { vi: 'Tờ trình đề nghị khen thưởng', en: 'Award proposal' },
};
const STATUS_TITLES: Record<string, { vi: string; en: string }> = {
  starting: { vi: 'Đang khởi động', en: 'Starting' },
  running: { vi: 'Đang diễn ra', en: 'Running' },
  completed: { vi: 'Đã hoàn thành', en: 'Completed' },
  cancelled: { vi: 'Đã hủy', en: 'Cancelled' },
  failed: { vi: 'Lỗi', en: 'Failed' },
};
const CLOSED = new Set(['cancelled', 'completed', 'failed']);
const MAX_PLAN = 2 * 1024 * 1024;

const str = (v: unknown, max = 500): string => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const optional = (v: unknown, max = 500): string | undefined => str(v, max) || undefined;
/** A language chosen in a form: English only when asked for, Vietnamese first. */
const formLang = (v: unknown): Lang => (str(v, 2) === 'en' ? 'en' : 'vi');
const tr = (lang: Lang, t: { vi: string; en: string } | undefined, fallback: string) => (t ? t[lang] : fallback);
const langQuery = (lang: Lang) => (lang === 'en' ? '?lang=en' : '');
const cyclePath = (cycleId: string, lang: Lang) => `/console/cycles/${encodeURIComponent(cycleId)}${langQuery(lang)}`;
const backToCycle = (cycleId: string, lang: Lang) => ({ href: cyclePath(cycleId, lang), label: lang === 'en' ? 'Back to the cycle' : 'Quay lại đợt thi đua' });

interface Problem {
  path: string;
  message: string;
}
const problemsOf = (err: HttpError): Problem[] => {
  const list = (err.details as { problems?: unknown } | undefined)?.problems;
  return Array.isArray(list) ? list.filter((p): p is Problem => typeof (p as Problem)?.path === 'string') : [];
};

/** The plan text of a form: YAML (JSON is YAML too); a YAML error is reported like a problem. */
function planOf(text: string): unknown {
  if (!text.trim()) throw new HttpError(400, 'invalid_plan', 'the plan is empty', { problems: [{ path: '(root)', message: 'paste the plan file (YAML) or choose it' }] });
  try {
    return parseYaml(text, { maxAliasCount: 50 });
  } catch (err) {
    const message = (err as Error).message;
    throw new HttpError(400, 'bad_yaml', `not valid YAML: ${message}`, { problems: [{ path: '(yaml)', message }] });
  }
}

export function consoleRouter(deps: AppDeps): Router {
  const r = Router();
  const { models } = deps.db;
  // The form body is read before the role check: the CSRF token travels in its `_csrf` field.
  r.use(express.urlencoded({ extended: false, limit: MAX_PLAN * 2 }));
  r.use(requireRolePage(deps, 'coordinator'));

  const render = (res: Response, status: number, name: string, lang: Lang, data: Record<string, unknown>) =>
    res.status(status).type('html').set('Cache-Control', 'no-store').send(deps.pages.render(name, lang, { ...data, staff: staffView(res), csrf: staffView(res)?.csrf ?? '' }));

  /** An action's failure as a page: its status and message (never a stack), the problems by path. */
  const failure = (req: Request, res: Response, err: unknown, back?: { href: string; label: string }) => {
    const lang = langOf(req.query);
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (isUnavailable(err)) e = new HttpError(503, 'unavailable', lang === 'en' ? 'a backing service (Temporal or MongoDB) is unavailable; try again shortly' : 'một dịch vụ (Temporal hoặc MongoDB) đang gián đoạn; vui lòng thử lại sau');
    else {
      deps.log.error({ err }, 'console: unhandled error');
      e = new HttpError(500, 'internal', lang === 'en' ? 'internal error' : 'lỗi hệ thống');
    }
    return render(res, e.status, 'console-result', lang, {
      title: lang === 'en' ? 'The action was not carried out' : 'Thao tác không thực hiện được',
      failed: true,
      status: e.status,
      code: e.code,
      message: e.message,
      problems: problemsOf(e),
      back,
    });
  };

  /** Express 5 forwards a rejected promise to the JSON error handler; pages show their own. */
  const page =
    (fn: (req: Request, res: Response, lang: Lang) => Promise<unknown>): RequestHandler =>
    async (req, res) => {
      const lang = langOf(req.query);
      try {
        await fn(req, res, lang);
      } catch (err) {
        const cycleId = req.params.cycleId ? String(req.params.cycleId) : undefined;
        failure(req, res, err, cycleId ? backToCycle(cycleId, lang) : undefined);
      }
    };

  r.get(
    '/',
    page(async (_req, res, lang) => {
      const cycles = await models.Cycle.find({}, { plan: 0 }).sort({ year: -1, createdAt: -1 }).limit(200).lean();
      render(res, 200, 'console', lang, {
        title: lang === 'en' ? 'Coordinator console' : 'Bảng điều hành của điều phối viên',
        cycles: cycles.map((c) => ({
          cycleId: c._id,
          href: cyclePath(c._id, lang),
          bodyName: c.bodyName,
          year: c.year,
          status: c.status,
          statusLabel: tr(lang, STATUS_TITLES[c.status], c.status),
          createdAt: c.createdAt,
        })),
      });
    }),
  );

  r.get(
    '/plans/new',
    page(async (_req, res, lang) => {
      render(res, 200, 'console-plan-new', lang, { title: lang === 'en' ? 'Upload a plan' : 'Tải lên kế hoạch', planText: '' });
    }),
  );

  const planTextOf = (req: Request): string => (typeof req.body?.plan === 'string' ? req.body.plan : '');
  const checkTitle = (lang: Lang) => (lang === 'en' ? 'Check the plan' : 'Kiểm tra kế hoạch');
  /** The form's plan validated and compiled; or, when it has problems, undefined once they are shown by path with the plan text again (400). */
  const preparedOrProblems = (res: Response, lang: Lang, planText: string) => {
    try {
      return preparePlan(planOf(planText), deps.now());
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 400) throw err;
      render(res, 400, 'console-plan-new', lang, { title: checkTitle(lang), planText, problems: problemsOf(err), message: err.message });
      return undefined;
    }
  };

  /** Validation only, nothing stored: every problem by path (400), or the timeline and the launch form. */
  r.post(
    '/plans/check',
    page(async (req, res, lang) => {
      const planText = planTextOf(req);
      const prepared = preparedOrProblems(res, lang, planText);
      if (!prepared) return;
      const { plan, compiled } = prepared;
      const exists = await models.Cycle.findById(compiled.cycle.cycleId, { _id: 1, status: 1 }).lean();
      render(res, 200, 'console-plan-check', lang, {
        title: checkTitle(lang),
        planText,
        cycleId: compiled.cycle.cycleId,
        bodyName: plan.body.name,
        year: plan.year,
        clusters: compiled.clusters.length,
        units: compiled.clusters.reduce((n, c) => n + c.units.length, 0),
        timeline: planTimelineLines(plan, compiled).join('\n'),
        exists: exists ? { href: cyclePath(exists._id, lang), status: tr(lang, STATUS_TITLES[exists.status], exists.status) } : undefined,
        scoped: isScoped(principalOf(res)),
      });
    }),
  );

  r.post(
    '/plans/launch',
    page(async (req, res, lang) => {
      const planText = planTextOf(req);
      const p = principalOf(res);
      requireWholeScope(p, 'starting a cycle');
      const prepared = preparedOrProblems(res, lang, planText);
      if (!prepared) return;
      try {
        const { cycle } = await launchCycle(deps, prepared.plan, prepared.compiled, actorOf(p));
        res.redirect(303, cyclePath(cycle.cycleId, lang));
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 409) throw err;
        const cycleId = prepared.compiled.cycle.cycleId;
        render(res, 409, 'console-result', lang, {
          title: lang === 'en' ? 'This cycle already exists' : 'Đợt thi đua này đã tồn tại',
          failed: true,
          status: 409,
          code: err.code,
          message: err.message,
          back: { href: cyclePath(cycleId, lang), label: lang === 'en' ? `Open ${cycleId}` : `Mở ${cycleId}` },
        });
      }
    }),
  );

  async function loadCycle(cycleId: string) {
    const cycle = await models.Cycle.findById(cycleId).lean();
    if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
    return { cycle, plan: cycle.plan as Plan };
  }

  /** For an account limited to some clusters: the unit's cluster must be one of them. */
  function requireUnitInScope(p: Principal, plan: Plan, cycleId: string, unitId: string): void {
    const cluster = plan.clusters.find((c) => c.members.includes(unitId));
    if (!cluster) throw new HttpError(404, 'not_found', `no unit ${unitId} in ${cycleId}`);
    requireCluster(p, cluster.id);
  }

  r.get(
    '/cycles/:cycleId',
    page(async (req, res, lang) => {
      const cycleId = String(req.params.cycleId);
      const { cycle, plan } = await loadCycle(cycleId);
      const p = principalOf(res);
      const visible = (clusterId: string) => !isScoped(p) || p.scope.clusters.includes(clusterId);
      const [clusterPlans, steps] = await Promise.all([
        models.ClusterPlan.find({ cycleId }).lean(),
        models.StepState.find({ cycleId }, { state: 0 }).lean(),
      ]);
      const unitsById = new Map(plan.units.map((u) => [u.id, u]));
      const staffById = new Map(plan.staff.map((s) => [s.id, s]));
      const stages = (Object.keys(STAGE_TITLES) as (keyof Plan['stages'])[]).filter((s) => plan.stages[s]);
      const stageSteps = (stage: string): StepName[] =>
        stage === 'proposal' || stage === 'inspection' || stage === 'meeting' ? [] : stepsOfStage(stage as StageName, { scoring: !!plan.scoring });
      const tz = plan.timeZone;

      const clusters = plan.clusters.filter((c) => visible(c.id)).map((c) => {
        const compiled = clusterPlans.find((cp) => cp.clusterId === c.id);
        const compiledUnits = (compiled?.units ?? []) as UnitWorkflowInput[];
        const yearEnd = compiled?.yearEnd as { meeting?: { date: string; opensAt: string; closesAt: string }; inspection?: { dueAt: string }; proposal?: { schedule: { dueAt: string } } } | undefined;
        const deadlines = stages.map((stage) => {
          let dueAt: string | undefined;
          let date: string | undefined;
          if (stage === 'meeting') date = yearEnd?.meeting?.date ?? plan.stages.meeting?.clusters[c.id] ?? plan.stages.meeting?.date;
          else if (stage === 'inspection') dueAt = yearEnd?.inspection?.dueAt;
          else if (stage === 'proposal') dueAt = yearEnd?.proposal?.schedule.dueAt;
          else {
            const first = stageSteps(stage)[0];
            dueAt = compiledUnits.find((u) => first && u.steps[first])?.steps[first!]?.dueAt;
          }
          return { stage, title: tr(lang, STAGE_TITLES[stage], stage), dueAt, date, planDate: stage === 'meeting' ? undefined : (plan.stages[stage] as { deadline?: string } | undefined)?.deadline };
        });
        const units = c.members.map((id) => {
          const u = unitsById.get(id);
          const rows = steps.filter((s) => s.unitId === id).sort((a, b) => STEP_NAMES.indexOf(a.step as StepName) - STEP_NAMES.indexOf(b.step as StepName));
          const reviewer = u ? staffById.get(u.reviewer) : undefined;
          return {
            unitId: id,
            name: u?.name ?? id,
            head: c.head === id,
            contacts: (u?.contacts ?? []).map((x) => `${x.name} <${x.email}>`),
            reviewer: reviewer ? `${reviewer.name} <${reviewer.email}>` : (u?.reviewer ?? ''),
            people: rows[0]?.people,
            steps: rows.map((s) => ({ title: STEP_KINDS[s.step as StepName]?.title[lang] ?? s.step, status: s.status, round: s.round, dueAt: s.dueAt })),
          };
        });
        return { clusterId: c.id, name: c.name, deadlines, units };
      });
      const unitOptions = clusters.flatMap((c) => c.units.map((u) => ({ unitId: u.unitId, label: `${u.name} (${c.name})` })));
      render(res, 200, 'console-cycle', lang, {
        title: `${cycle.bodyName} – ${cycle.year}`,
        timeZone: tz,
        cycleId,
        base: `/console/cycles/${encodeURIComponent(cycleId)}`,
        bodyName: cycle.bodyName,
        year: cycle.year,
        status: cycle.status,
        statusLabel: tr(lang, STATUS_TITLES[cycle.status], cycle.status),
        closed: CLOSED.has(cycle.status),
        scoped: isScoped(p),
        scopeClusters: isScoped(p) ? p.scope.clusters.join(', ') : '',
        clusters,
        clusterOptions: clusters.map((c) => ({ clusterId: c.clusterId, name: c.name })),
        unitOptions,
        staffOptions: plan.staff.map((x) => ({ id: x.id, label: `${x.name} <${x.email}>` })),
        movableStages: MOVABLE_STAGES.filter((s) => plan.stages[s]).map((s) => ({ stage: s, title: tr(lang, STAGE_TITLES[s], s), deadline: plan.stages[s]!.deadline })),
        meeting: !!plan.stages.meeting,
        apiHref: `/api/cycles/${encodeURIComponent(cycleId)}`,
      });
    }),
  );

  const done = (res: Response, lang: Lang, cycleId: string, data: Record<string, unknown>) =>
    render(res, 200, 'console-result', lang, { back: backToCycle(cycleId, lang), status: 200, ...data });

  const unitName = (plan: Plan, unitId: string) => plan.units.find((u) => u.id === unitId)?.name ?? unitId;
  const clusterName = (plan: Plan, clusterId: string) => plan.clusters.find((c) => c.id === clusterId)?.name ?? clusterId;
  const stepTitle = (step: string, lang: Lang) => STEP_KINDS[step as StepName]?.title[lang] ?? step;

  r.post(
    '/cycles/:cycleId/deadline',
    page(async (req, res, lang) => {
      const cycleId = String(req.params.cycleId);
      const stage = str(req.body?.stage, 40);
      if (!(MOVABLE_STAGES as readonly string[]).includes(stage)) throw new HttpError(400, 'invalid_request', `no stage ${stage || '(none)'} whose deadline can move`, { problems: [{ path: 'stage', message: `must be one of ${MOVABLE_STAGES.join(', ')}` }] });
      const p = principalOf(res);
      const clusterId = optional(req.body?.clusterId, 100);
      if (clusterId) requireCluster(p, clusterId);
      else requireWholeScope(p, 'moving the deadline of every cluster');
      const { plan } = await loadCycle(cycleId);
      const result = await moveDeadline(deps, cycleId, stage as MovableStage, { deadline: str(req.body?.deadline, 20), clusterId, reason: optional(req.body?.reason) }, actorOf(p));
      const row = (x: { unitId: string; step: string }) => ({ unit: unitName(plan, x.unitId), step: stepTitle(x.step, lang) });
      done(res, lang, cycleId, {
        title: lang === 'en' ? `Deadline moved: ${tr(lang, STAGE_TITLES[stage], stage)}` : `Đã dời hạn: ${tr(lang, STAGE_TITLES[stage], stage)}`,
        timeZone: plan.timeZone,
        deadlineMoved: true,
        dueAt: result.schedule?.dueAt,
        updated: result.updated.map(row),
        refused: result.refused.map((x) => ({ ...row(x), reason: x.reason })),
        unavailable: result.unavailable.map(row),
      });
    }),
  );

  r.post(
    '/cycles/:cycleId/meeting',
    page(async (req, res, lang) => {
      const cycleId = String(req.params.cycleId);
      const clusterId = str(req.body?.clusterId, 100);
      if (!clusterId) throw new HttpError(400, 'invalid_request', 'choose a cluster', { problems: [{ path: 'clusterId', message: 'is required' }] });
      const p = principalOf(res);
      requireCluster(p, clusterId);
      const { plan } = await loadCycle(cycleId);
      const result = await moveMeeting(deps, cycleId, clusterId, { date: str(req.body?.date, 20), reason: optional(req.body?.reason) }, actorOf(p));
      done(res, lang, cycleId, {
        title: lang === 'en' ? 'Meeting moved' : 'Đã dời hội nghị',
        timeZone: plan.timeZone,
        meeting: { cluster: clusterName(plan, clusterId), ...result.meeting, version: result.version },
      });
    }),
  );

  /** A form about one person of a unit (a contact or the reviewer, by role and email): the unit must be in the account's scope. */
  async function unitPersonForm(req: Request, res: Response) {
    const cycleId = String(req.params.cycleId);
    const unitId = str(req.body?.unitId, 100);
    const p = principalOf(res);
    const { plan } = await loadCycle(cycleId);
    requireUnitInScope(p, plan, cycleId, unitId);
    return { cycleId, unitId, p, plan, role: str(req.body?.role, 20), email: str(req.body?.email, 254) };
  }
  /** The person a form names: name, email (from the field given) and language. */
  const personOf = (req: Request, emailField: string) => ({ name: str(req.body?.name, 200), email: str(req.body?.[emailField], 254), lang: formLang(req.body?.personLang) });

  r.post(
    '/cycles/:cycleId/people',
    page(async (req, res, lang) => {
      const { cycleId, unitId, p, plan, role, email } = await unitPersonForm(req, res);
      const input = { role, email, person: personOf(req, 'newEmail') };
      const result = await replacePerson(deps, cycleId, unitId, input, actorOf(p));
      done(res, lang, cycleId, {
        title: lang === 'en' ? 'Person replaced' : 'Đã thay người',
        replaced: { unit: unitName(plan, unitId), role: input.role, from: input.email, to: `${input.person.name} <${input.person.email}>`, contacts: result.people.contacts, reviewer: result.people.reviewer },
      });
    }),
  );

  /** An acting substitute for a contact or the reviewer, for a period (delegation). */
  r.post(
    '/cycles/:cycleId/delegations',
    page(async (req, res, lang) => {
      const { cycleId, unitId, p, plan, role, email } = await unitPersonForm(req, res);
      const input = {
        role,
        email,
        substitute: personOf(req, 'substituteEmail'),
        from: str(req.body?.from, 10),
        to: str(req.body?.to, 10),
        ...(str(req.body?.reason, 500) ? { reason: str(req.body?.reason, 500) } : {}),
      };
      await delegate(deps, cycleId, unitId, input, actorOf(p));
      done(res, lang, cycleId, {
        title: lang === 'en' ? 'Substitute named' : 'Đã cử người thay thế',
        delegated: { unit: unitName(plan, unitId), role: input.role, for: input.email, substitute: `${input.substitute.name} <${input.substitute.email}>`, from: input.from, to: input.to },
      });
    }),
  );

  r.post(
    '/cycles/:cycleId/withdraw',
    page(async (req, res, lang) => {
      const cycleId = String(req.params.cycleId);
      const unitId = str(req.body?.unitId, 100);
      const p = principalOf(res);
      const { plan } = await loadCycle(cycleId);
      const result = await withdrawUnit(deps, cycleId, unitId, { reason: str(req.body?.reason) }, actorOf(p), (clusterId) => requireCluster(p, clusterId));
      done(res, lang, cycleId, {
        title: lang === 'en' ? 'Unit withdrawn' : 'Đã rút đơn vị khỏi đợt thi đua',
        withdrawn: { unit: unitName(plan, unitId), cluster: clusterName(plan, result.clusterId), reason: result.withdrawn?.reason, repeated: result.repeated },
      });
    }),
  );

  /** A unit joins a running cycle: one contact from the form (more through the API), its reviewer from the plan's staff. */
  r.post(
    '/cycles/:cycleId/add-unit',
    page(async (req, res, lang) => {
      const cycleId = String(req.params.cycleId);
      const clusterId = str(req.body?.clusterId, 100);
      const p = principalOf(res);
      requireCluster(p, clusterId);
      const contactLang = formLang(req.body?.contactLang);
      const input = {
        unit: {
          id: str(req.body?.unitId, 100),
          name: str(req.body?.unitName),
          contacts: [{ name: str(req.body?.contactName), email: str(req.body?.contactEmail, 320), lang: contactLang }],
          reviewer: str(req.body?.reviewer, 100),
        },
        reason: str(req.body?.reason),
      };
      const { plan } = await loadCycle(cycleId);
      await addUnit(deps, cycleId, clusterId, input, actorOf(p));
      done(res, lang, cycleId, {
        title: lang === 'en' ? 'Unit added' : 'Đã thêm đơn vị vào đợt thi đua',
        added: { unit: input.unit.name, cluster: clusterName(plan, clusterId), reason: input.reason },
      });
    }),
  );

  r.post(
    '/cycles/:cycleId/cancel',
    page(async (req, res, lang) => {
      const cycleId = String(req.params.cycleId);
      const p = principalOf(res);
      requireWholeScope(p, 'cancelling a cycle');
      if (req.body?.confirm !== 'yes') {
        throw new HttpError(400, 'invalid_request', lang === 'en' ? 'tick the confirmation box to cancel the cycle' : 'hãy đánh dấu ô xác nhận để hủy đợt thi đua', { problems: [{ path: 'confirm', message: 'is required' }] });
      }
      const result = await cancelCycle(deps, cycleId, { reason: str(req.body?.reason) }, actorOf(p));
      done(res, lang, cycleId, { title: lang === 'en' ? 'The cycle is being cancelled' : 'Đợt thi đua đang được hủy', cancelled: result });
    }),
  );

  // The language switch on a page answered to a POST asks for the same address by GET: lead it back.
  r.get(['/plans/check', '/plans/launch'], (req, res) => res.redirect(303, `/console/plans/new${langQuery(langOf(req.query))}`));
  r.get('/cycles/:cycleId/:action', (req, res) => res.redirect(303, cyclePath(String(req.params.cycleId), langOf(req.query))));
  r.use((req, res) => failure(req, res, new HttpError(404, 'not_found', `no page ${req.path}`)));

  return r;
}
