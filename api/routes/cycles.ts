import { WorkflowNotFoundError } from '@temporalio/client';
import express, { Router, type Request } from 'express';
import { parse as parseYaml } from 'yaml';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { requireStaffApi } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { contentTypeOf, latestDocument, listDocuments, readDocument } from '../../lib/documents/store';
import { cancelCycle, moveDeadline, replacePerson, submitOnBehalf } from '../services/coordinate';
import { startCycle } from '../services/start-cycle';
import type { StageName } from '../../rules/steps';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];

/** A plan arrives as JSON or YAML; YAML errors are reported with their line, like schema errors. */
function planFromBody(req: Request): unknown {
  if (typeof req.body === 'string') {
    try {
      return parseYaml(req.body, { maxAliasCount: 50 });
    } catch (err) {
      throw new HttpError(400, 'bad_yaml', `body is not valid YAML: ${(err as Error).message}`);
    }
  }
  if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
    throw new HttpError(400, 'invalid_plan', 'send the plan as JSON (application/json) or YAML (application/yaml)');
  }
  return req.body;
}

export function cyclesRouter(deps: AppDeps): Router {
  const r = Router();
  r.use(requireStaffApi(deps));
  r.use(express.json({ limit: '5mb' }), express.text({ type: YAML_TYPES, limit: '5mb' }));

  r.post('/', async (req, res) => {
    const { cycle } = await startCycle(deps, planFromBody(req), 'api-token');
    res.status(201).location(`/api/cycles/${encodeURIComponent(cycle.cycleId)}`).json({ cycle });
  });

  r.get('/:cycleId', async (req, res) => {
    const { models } = deps.db;
    const cycle = await models.Cycle.findById(req.params.cycleId).lean();
    if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${req.params.cycleId}`);
    const steps = await models.StepState.find({ cycleId: cycle._id }).sort({ clusterId: 1, unitId: 1 }).lean();
    res.json({
      cycle: { cycleId: cycle._id, workflowId: cycle.workflowId, bodyId: cycle.bodyId, year: cycle.year, status: cycle.status },
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
  r.post('/:cycleId/stages/:stage/deadline', async (req, res) => {
    const stage = req.params.stage;
    if (!['registration', 'midYear', 'reports'].includes(stage)) throw new HttpError(404, 'not_found', `no stage ${stage}`);
    res.json(await moveDeadline(deps, req.params.cycleId, stage as StageName, req.body, 'api-token'));
  });

  /** A submission received on paper, recorded by staff for the unit. */
  r.post('/:cycleId/units/:unitId/steps/:step/submission', async (req, res) => {
    res.json(await submitOnBehalf(deps, req.params.cycleId, req.params.unitId, req.params.step, req.body, 'api-token'));
  });

  r.post('/:cycleId/units/:unitId/people', async (req, res) => {
    res.json(await replacePerson(deps, req.params.cycleId, req.params.unitId, req.body, 'api-token'));
  });

  r.post('/:cycleId/cancel', async (req, res) => {
    res.status(202).json(await cancelCycle(deps, req.params.cycleId, req.body, 'api-token'));
  });

  r.get('/:cycleId/documents', async (req, res) => {
    res.json({ documents: await listDocuments(deps.db, req.params.cycleId) });
  });

  /** The latest version of a document, e.g. /documents/plan.docx (Kế hoạch) for Word. */
  r.get('/:cycleId/documents/:name', async (req, res) => {
    const m = /^([a-z-]+)\.(docx|html|xlsx|pdf)$/.exec(req.params.name);
    if (!m) throw new HttpError(404, 'not_found', 'expected <kind>.<docx|html|xlsx|pdf>');
    const format = m[2] as 'docx' | 'html' | 'xlsx' | 'pdf';
    const doc = await latestDocument(deps.db, req.params.cycleId, m[1], format);
    if (!doc) throw new HttpError(404, 'not_found', `no ${req.params.name} for ${req.params.cycleId}`);
    res
      .type(contentTypeOf(format))
      .set('Content-Disposition', `${format === 'html' ? 'inline' : 'attachment'}; filename="${doc.filename}"`)
      .set('X-Document-Version', String(doc.version))
      .send(await readDocument(deps.db, doc.fileId));
  });

  /** Live state straight from the unit workflow (a Temporal query), not from the read model. */
  r.get('/:cycleId/units/:unitId', async (req, res) => {
    const workflowId = unitWorkflowId(req.params.cycleId, req.params.unitId);
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
