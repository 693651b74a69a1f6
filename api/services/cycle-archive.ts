/**
 * A closed year (completed, cancelled or failed) exported as one zip, and archived: marked read-only
 * in the read model, after which every change to it is refused with 409 (`refuseArchived`).
 *
 * The zip holds: every version of every document (GridFS, the cycle's and each cluster's), the
 * scores and classes of each cluster, the ballot results (tallies per round and who took part —
 * never a ballot row nor a receipt: nothing that could link a voter to their marks), the cycle's
 * audit log, the read model (cycle, cluster plans, steps, year-ends), the forwards to and from the
 * level above with the parent's decisions (`forwards.json`) and `manifest.json` with the size and
 * SHA-256 of every other file. The same read model gives the same files, so two exports of an
 * archived year have the same manifest — unless the parent council decided one of its forwards in
 * between (the year does not wait for that decision): the later export has it.
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import JSZip from 'jszip';
import { z } from 'zod';
import { clusterDocumentsOwner } from '../../activities/documents';
import { listDocuments, readDocument, type StoredDocument } from '../../lib/documents/store';
import type { YearEndState } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { cycleForwardRows, forwardViews } from './forward-view';

export const CLOSED_STATUSES = ['completed', 'cancelled', 'failed'] as const;
export const archiveSchema = z.object({ reason: z.string().trim().max(500).optional() });

export interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
}
export interface Manifest {
  format: 'thidua-archive/v1';
  cycleId: string;
  bodyId: string;
  year: number;
  status: string;
  archivedAt?: string;
  files: ManifestEntry[];
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const jsonFile = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function loadClosedCycle(deps: AppDeps, cycleId: string) {
  const cycle = await deps.db.models.Cycle.findById(cycleId).lean();
  if (!cycle) throw new HttpError(404, 'not_found', `no cycle ${cycleId}`);
  if (!(CLOSED_STATUSES as readonly string[]).includes(cycle.status)) {
    throw new HttpError(409, 'cycle_open', `the cycle is ${cycle.status}: only a closed year (${CLOSED_STATUSES.join(', ')}) can be exported or archived`);
  }
  // The cycle says it is closed as soon as its first cluster is; each cluster's own projection is its last write.
  const open = await deps.db.models.ClusterPlan.find({ cycleId, status: { $nin: ['completed', 'cancelled'] } }, { clusterId: 1, status: 1 }).lean();
  if (open.length) throw new HttpError(409, 'cycle_closing', `the cycle is ${cycle.status} but its clusters are still closing (${open.map((c) => `${c.clusterId}: ${c.status}`).join(', ')}); try again shortly`);
  return cycle;
}

/** The ballots as the minutes give them: per award and round, the result and who took part. */
function ballotResults(state: YearEndState) {
  return state.awards.map((a) => ({
    awardId: a.awardId,
    name: a.name,
    status: a.status,
    elected: a.elected,
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt,
    undecided: a.undecided,
    tie: a.tie,
    rounds: a.rounds.map((r) => ({
      round: r.round,
      candidates: r.candidates,
      seats: r.seats,
      opensAt: r.opensAt,
      closesAt: r.closesAt,
      closedAt: r.closedAt,
      participants: r.voted.map((v) => v.unitId).sort(),
      result: r.result,
      unresolved: r.unresolved,
    })),
  }));
}

/** The year-end state without the ballot receipts (participation stays, as unit ids). */
function withoutReceipts(state: YearEndState): YearEndState {
  return { ...state, awards: state.awards.map((a) => ({ ...a, rounds: a.rounds.map((r) => ({ ...r, voted: r.voted.map((v) => ({ unitId: v.unitId, receipt: '' })) })) })) };
}

export async function buildCycleExport(deps: AppDeps, cycleId: string): Promise<{ zip: Buffer; manifest: Manifest }> {
  const { models } = deps.db;
  const cycle = await loadClosedCycle(deps, cycleId);
  const files = new Map<string, Buffer>();

  const addDocs = async (dir: string, docs: StoredDocument[]) => {
    for (const d of docs) files.set(`${dir}/${d.filename}`, await readDocument(deps.db, d.fileId));
  };
  await addDocs('documents', await listDocuments(deps.db, cycleId));

  const clusters = await models.ClusterPlan.find({ cycleId }).sort({ _id: 1 }).lean();
  const yearEnds = await models.ClusterYearEnd.find({ cycleId }).sort({ _id: 1 }).lean();
  for (const c of clusters) await addDocs(`documents/clusters/${c.clusterId}`, await listDocuments(deps.db, clusterDocumentsOwner(cycleId, c.clusterId)));

  const states = yearEnds.map((y) => ({ clusterId: y.clusterId, state: JSON.parse(y.state) as YearEndState }));
  for (const { clusterId, state } of states) {
    files.set(`scores/${clusterId}.json`, jsonFile({ clusterId, phase: state.phase, units: state.inspection.units, crossChecks: state.inspection.crossChecks ?? [] }));
    files.set(`ballots/${clusterId}.json`, jsonFile({ clusterId, awards: ballotResults(state), nextHead: state.nextHead }));
  }

  // Audit targets start with the cycle id (the cycle, a stage, a cluster or a unit workflow).
  const audit = await models.Audit.find({ target: { $regex: `^${escapeRegex(cycleId)}(:|$)` } }).sort({ at: 1, _id: 1 }).lean();
  files.set('audit.json', jsonFile(audit.map(({ _id, ...rest }) => ({ id: String(_id), ...rest }))));

  // The forwards both ways, with the parent's decisions: one taken after this year closed (the cycle
  // no longer waits for it) is only here, so an export made after it holds it.
  const forwards = await cycleForwardRows(deps, cycleId);
  files.set('forwards.json', jsonFile({ outgoing: forwardViews(forwards.outgoing), incoming: forwardViews(forwards.incoming) }));

  const steps = await models.StepState.find({ cycleId }).sort({ _id: 1 }).lean();
  files.set('read-model/cycle.json', jsonFile(cycle));
  files.set('read-model/cluster-plans.json', jsonFile(clusters));
  files.set('read-model/step-states.json', jsonFile(steps));
  files.set('read-model/cluster-year-ends.json', jsonFile(yearEnds.map((y) => ({ ...y, state: withoutReceipts(JSON.parse(y.state) as YearEndState) }))));

  const manifest: Manifest = {
    format: 'thidua-archive/v1',
    cycleId,
    bodyId: cycle.bodyId,
    year: cycle.year,
    status: cycle.status,
    ...(cycle.archivedAt ? { archivedAt: new Date(cycle.archivedAt).toISOString() } : {}),
    files: [...files.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, b]) => ({ path, bytes: b.length, sha256: sha256(b) })),
  };
  const zip = new JSZip();
  // A fixed date: the same files give the same zip entries.
  const date = new Date(Date.UTC(cycle.year, 0, 1));
  for (const [path, b] of files) zip.file(path, b, { date });
  zip.file('manifest.json', jsonFile(manifest), { date });
  return { zip: await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), manifest };
}

/** Marks a closed cycle archived (once); the manifest of its export is kept in the audit. */
export async function archiveCycle(deps: AppDeps, cycleId: string, input: unknown, actor: string): Promise<{ cycleId: string; archivedAt: string; manifest: Manifest }> {
  const parsed = archiveSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', 'the request is not valid', { problems: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })) });
  }
  const cycle = await loadClosedCycle(deps, cycleId);
  if (cycle.archivedAt) throw new HttpError(409, 'archived', `the cycle was archived on ${new Date(cycle.archivedAt).toISOString()}; it is read-only`);
  const at = deps.now();
  // Only the first request marks it: a concurrent second one matches nothing and is refused.
  const marked = await deps.db.models.Cycle.updateOne({ _id: cycleId, archivedAt: { $exists: false } }, { $set: { archivedAt: at, archivedBy: actor } });
  if (marked.modifiedCount === 0) throw new HttpError(409, 'archived', 'the cycle is already archived; it is read-only');
  const { manifest } = await buildCycleExport(deps, cycleId);
  await deps.db.models.Audit.create({ at, actor, action: 'cycle.archive', target: cycleId, details: { reason: parsed.data.reason, files: manifest.files.length, manifestSha256: sha256(JSON.stringify(manifest.files)) } });
  return { cycleId, archivedAt: at.toISOString(), manifest };
}

/** 409 for any change to an archived cycle (mounted before the routers that change a cycle). */
export function refuseArchived(deps: AppDeps) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      const cycleId = String(req.params.cycleId);
      const cycle = await deps.db.models.Cycle.findById(cycleId, { archivedAt: 1 }).lean();
      if (cycle?.archivedAt) return next(new HttpError(409, 'archived', `the cycle ${cycleId} is archived; it is read-only`));
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The cycle a workflow id belongs to (`<cycleId>:unit:…`, `<cycleId>:cluster:…`, `<cycleId>:cycle`). */
export const cycleIdOfWorkflow = (workflowId: string): string => workflowId.replace(/:(unit|cluster|cycle)(:.*)?$/, '');

export async function isArchived(deps: AppDeps, cycleId: string): Promise<boolean> {
  return !!(await deps.db.models.Cycle.findById(cycleId, { archivedAt: 1 }).lean())?.archivedAt;
}
