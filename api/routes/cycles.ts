import { WorkflowNotFoundError } from '@temporalio/client';
import express, { Router, type Request, type Response } from 'express';
import { parse as parseYaml } from 'yaml';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actorOf, isScoped, principalOf, requireCluster, requireRole, requireWholeScope, STAFF_ROLES } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { contentTypeOf, latestDocument, listDocuments, readDocument } from '../../lib/documents/store';
import { cancelCycle, delegate, MOVABLE_STAGES, moveDeadline, replacePerson, submitOnBehalf, type MovableStage } from '../services/coordinate';
import { listClusterDocuments, readClusterDocument } from '../services/documents';
import { startCycle } from '../services/start-cycle';
import { delegateRole } from '../services/role-delegation';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];

/** A plan arrives as JSON or YAML; YAML errors are reported with their line, like schema errors. */
function planFromBody(req: Request): unknown {
  if (typeof req.body === 'string') {
    try {
      return parseYaml(req.body, { maxAliasCount: 50 });
    } catch (err) {
      // The parser recurses: a document nested thousands deep exhausts the stack before any check can run.
      if (err instanceof RangeError || /call stack/i.test((err as Error).message)) throw new HttpError(400, 'bad_yaml', 'body is not valid YAML: it is nested too deeply to read');
      throw new HttpError(400, 'bad_yaml', `body is not valid YAML: ${(err as Error).message}`);
    }
  }
  if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
    throw new HttpError(400, 'invalid_plan', 'send the plan as JSON (application/json) or YAML (application/yaml)');
  }
  return req.body;
}

/** For an account limited to some clusters: the unit's cluster must be one of them (the plan says which). */
async function requireUnitInScope(deps: AppDeps, res: Response, cycleId: string, unitId: string): Promise<void> {
  const p = principalOf(res);
  if (!isScoped(p)) return;
  const cycle = await deps.db.models.Cycle.findById(cycleId, { plan: 1 }).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  const cluster = (cycle.plan as { clusters?: { id: string; members: string[] }[] }).clusters?.find((c) => c.members.includes(unitId));
  if (!cluster) throw new HttpError(404, 'not_found', `no unit ${unitId} in ${cycleId}`);
  requireCluster(p, cluster.id);
}

const FORMATS = ['docx', 'html', 'xlsx', 'pdf'] as const;
type DocumentFormat = (typeof FORMATS)[number];

/**
 * A document's name in the url: '<kind>.<format>' (minutes.pdf), or '<kind>' with ?format=pdf (the
 * form pages and emails link with). A bad format is a 400 naming `format`; a bad name a 404.
 */
function documentName(req: Request, kindPattern: RegExp): { kind: string; format: DocumentFormat } {
  const name = String(req.params.name);
  const query = req.query.format;
  if (query !== undefined) {
    if (typeof query !== 'string' || !(FORMATS as readonly string[]).includes(query)) {
      throw new HttpError(400, 'invalid_request', `format must be one of ${FORMATS.join(', ')}`, { problems: [{ path: 'format', message: `expected one of ${FORMATS.join(', ')}` }] });
    }
    if (!kindPattern.test(name)) throw new HttpError(404, 'not_found', 'expected <kind>?format=<docx|html|xlsx|pdf>');
    return { kind: name, format: query as DocumentFormat };
  }
  const m = new RegExp(`^(${kindPattern.source.slice(1, -1)})\\.(docx|html|xlsx|pdf)$`).exec(name);
  if (!m) throw new HttpError(404, 'not_found', 'expected <kind>.<docx|html|xlsx|pdf>');
  return { kind: m[1], format: m[2] as DocumentFormat };
}

export function cyclesRouter(deps: AppDeps): Router {
  const r = Router();
  // Every role reads; changes are the coordinator's (and the API token's), checked per route.
  r.use(requireRole(deps, ...STAFF_ROLES));
  const coordinator = requireRole(deps, 'coordinator');
  r.use(express.json({ limit: '5mb' }), express.text({ type: YAML_TYPES, limit: '5mb' }));

  r.post('/', coordinator, async (req, res) => {
    requireWholeScope(principalOf(res), 'starting a cycle');
    const { cycle } = await startCycle(deps, planFromBody(req), actorOf(principalOf(res)));
    res.status(201).location(`/api/cycles/${encodeURIComponent(cycle.cycleId)}`).json({ cycle });
  });

  r.get('/:cycleId', async (req, res) => {
    const { models } = deps.db;
    const cycle = await models.Cycle.findById(String(req.params.cycleId)).lean();
    if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${String(req.params.cycleId)}`);
    const p = principalOf(res);
    const all = await models.StepState.find({ cycleId: cycle._id }).sort({ clusterId: 1, unitId: 1 }).lean();
    const steps = isScoped(p) ? all.filter((s) => p.scope.clusters.includes(s.clusterId)) : all;
    res.json({
      cycle: { cycleId: cycle._id, workflowId: cycle.workflowId, bodyId: cycle.bodyId, year: cycle.year, status: cycle.status, ...(cycle.archivedAt ? { archivedAt: cycle.archivedAt } : {}) },
      steps: steps.map((s) => ({
        clusterId: s.clusterId,
        unitId: s.unitId,
        unitName: s.unitName,
        workflowId: s.workflowId,
        step: s.step,
        status: s.status,
        round: s.round,
        dueAt: s.dueAt,
        lastProgressAt: s.lastProgressAt,
      })),
    });
  });

  /** Move a stage's deadline (all clusters, or one with `clusterId`); pending reminders are re-planned. */
  r.post('/:cycleId/stages/:stage/deadline', coordinator, async (req, res) => {
    const stage = String(req.params.stage);
    if (!(MOVABLE_STAGES as readonly string[]).includes(stage)) throw new HttpError(404, 'not_found', `no stage ${stage}`);
    const p = principalOf(res);
    const clusterId = (req.body as { clusterId?: unknown } | undefined)?.clusterId;
    if (typeof clusterId === 'string') requireCluster(p, clusterId);
    else requireWholeScope(p, 'moving the deadline of every cluster');
    res.json(await moveDeadline(deps, String(req.params.cycleId), stage as MovableStage, req.body, actorOf(p)));
  });

  /** A submission received on paper, recorded by staff for the unit. */
  r.post('/:cycleId/units/:unitId/steps/:step/submission', coordinator, async (req, res) => {
    await requireUnitInScope(deps, res, String(req.params.cycleId), String(req.params.unitId));
    res.json(await submitOnBehalf(deps, String(req.params.cycleId), String(req.params.unitId), String(req.params.step), req.body, actorOf(principalOf(res))));
  });

  /** An acting substitute for a unit's contact or reviewer, for a period (delegation). */
  r.post('/:cycleId/units/:unitId/delegations', coordinator, async (req, res) => {
    await requireUnitInScope(deps, res, String(req.params.cycleId), String(req.params.unitId));
    res.json(await delegate(deps, String(req.params.cycleId), String(req.params.unitId), req.body, actorOf(principalOf(res))));
  });

  /** An acting substitute for a cluster head, leader, council member or inspector, for a period (delegation). */
  r.post('/:cycleId/delegations', coordinator, async (req, res) => {
    const p = principalOf(res);
    const inScope = (clusterId: string) => !isScoped(p) || p.scope.clusters.includes(clusterId);
    res.json(await delegateRole(deps, String(req.params.cycleId), req.body, actorOf(p), { inScope, whole: !isScoped(p) }));
  });

  r.post('/:cycleId/units/:unitId/people', coordinator, async (req, res) => {
    await requireUnitInScope(deps, res, String(req.params.cycleId), String(req.params.unitId));
    res.json(await replacePerson(deps, String(req.params.cycleId), String(req.params.unitId), req.body, actorOf(principalOf(res))));
  });

  r.post('/:cycleId/cancel', coordinator, async (req, res) => {
    requireWholeScope(principalOf(res), 'cancelling a cycle');
    res.status(202).json(await cancelCycle(deps, String(req.params.cycleId), req.body, actorOf(principalOf(res))));
  });

  r.get('/:cycleId/documents', async (req, res) => {
    res.json({ documents: await listDocuments(deps.db, String(req.params.cycleId)) });
  });

  /** The latest version of a document, e.g. /documents/plan.docx (Kế hoạch) for Word, /documents/plan?format=pdf. */
  r.get('/:cycleId/documents/:name', async (req, res) => {
    const { kind, format } = documentName(req, /^[a-z-]+$/);
    const doc = await latestDocument(deps.db, String(req.params.cycleId), kind, format);
    if (!doc) throw new HttpError(404, 'not_found', `no ${kind}.${format} for ${String(req.params.cycleId)}`);
    res
      .type(contentTypeOf(format))
      .set('Content-Disposition', `${format === 'html' ? 'inline' : 'attachment'}; filename="${doc.filename}"`)
      .set('X-Document-Version', String(doc.version))
      .send(await readDocument(deps.db, doc.fileId));
  });

  /** A cluster's year-end documents (every version); generated by the worker as its year-end goes on. */
  r.get('/:cycleId/clusters/:clusterId/documents', async (req, res) => {
    requireCluster(principalOf(res), String(req.params.clusterId));
    res.json({ documents: await listClusterDocuments(deps, String(req.params.cycleId), String(req.params.clusterId)) });
  });

  /** The latest version, e.g. /clusters/cum-1/documents/minutes.docx, score-table.xlsx, ballot-co-thi-dua.html. */
  r.get('/:cycleId/clusters/:clusterId/documents/:name', async (req, res) => {
    const { kind, format } = documentName(req, /^[a-z0-9][a-z0-9-]*$/);
    requireCluster(principalOf(res), String(req.params.clusterId));
    const { doc, content } = await readClusterDocument(deps, String(req.params.cycleId), String(req.params.clusterId), kind, format);
    res
      .type(contentTypeOf(format))
      .set('Content-Disposition', `${format === 'html' ? 'inline' : 'attachment'}; filename="${doc.filename}"`)
      .set('X-Document-Version', String(doc.version))
      .send(content);
  });

  /** Live state straight from the unit workflow (a Temporal query), not from the read model. */
  r.get('/:cycleId/units/:unitId', async (req, res) => {
    await requireUnitInScope(deps, res, String(req.params.cycleId), String(req.params.unitId));
    const workflowId = unitWorkflowId(String(req.params.cycleId), String(req.params.unitId));
    try {
      const state = await deps.temporal.withDeadline(Date.now() + deps.config.UPDATE_TIMEOUT_MS, () =>
        deps.temporal.workflow.getHandle(workflowId).query(unitStateQuery),
      );
      res.json({ workflowId, state });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `no unit workflow ${workflowId}`);
      throw err;
    }
  });
  return r;
}
