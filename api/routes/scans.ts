/**
 * Staff routes on uploaded files, under /api/cycles:
 * - `GET /api/cycles/<cycle>/attachments[?unitId=&purpose=&step=&documentKind=&clusterId=]`,
 *   `GET …/attachments/<id>`: every staff role, within its clusters;
 * - `POST /api/cycles/<cycle>[/clusters/<cluster>]/documents/<kind>/scans` (multipart, field `file`,
 *   optional `version`): the secretariat (or a coordinator) uploads the signed scan of an issued
 *   document (PDF or a picture); audited as `document.signed-scan`.
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { clusterDocumentsOwner } from '../../activities/documents';
import { findAttachment, listAttachments, readAttachment, storeAttachment, type StoredAttachment } from '../../lib/attachments';
import { listDocuments } from '../../lib/documents/store';
import { SCAN_TYPES } from '../../rules/attachments';
import { actorOf, isScoped, principalOf, requireCluster, requireRole, STAFF_ROLES } from '../auth';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { checkAll, receive, sendFile } from './attachments';

/** Per route, not r.use(): this router shares /api/cycles with others. */
export function staffAttachmentsRouter(deps: AppDeps): Router {
  const r = Router();
  const read = requireRole(deps, ...STAFF_ROLES);
  // A signed scan of an issued document: the secretariat's job, or a coordinator's. The CSRF token of
  // a session goes in the X-CSRF-Token header (the multipart body is read only after the check).
  const scanner = requireRole(deps, 'secretariat', 'coordinator');

  const inScope = (res: Response, a: StoredAttachment) => {
    const p = principalOf(res);
    return !isScoped(p) || (a.clusterId !== undefined && p.scope.clusters.includes(a.clusterId));
  };

  r.get('/:cycleId/attachments', read, async (req, res) => {
    const filter: Record<string, string> = { cycleId: String(req.params.cycleId) };
    for (const key of ['unitId', 'purpose', 'step', 'documentKind', 'clusterId'] as const) {
      const v = req.query[key];
      if (v === undefined) continue;
      if (typeof v !== 'string' || v.length > 200) throw new HttpError(400, 'invalid_request', `${key} must be a single value`, { problems: [{ path: key, message: 'expected one string' }] });
      if (key === 'purpose' && v !== 'step' && v !== 'scan') throw new HttpError(400, 'invalid_request', 'purpose must be step or scan', { problems: [{ path: 'purpose', message: 'must be step or scan' }] });
      filter[key] = v;
    }
    const all = await listAttachments(deps.db, filter);
    res.json({ attachments: all.filter((a) => inScope(res, a)) });
  });

  r.get('/:cycleId/attachments/:id', read, async (req, res) => {
    const a = await findAttachment(deps.db, String(req.params.id));
    if (!a || a.cycleId !== String(req.params.cycleId) || !inScope(res, a)) throw new HttpError(404, 'not_found', `no attachment ${String(req.params.id)} in ${String(req.params.cycleId)}`);
    sendFile(res, a, await readAttachment(deps.db, a.id));
  });

  const scan = (cluster: boolean): RequestHandler[] => [
    scanner,
    (req: Request, res: Response, next: NextFunction) => {
      if (cluster) {
        try {
          requireCluster(principalOf(res), String(req.params.clusterId));
        } catch (err) {
          return next(err);
        }
      }
      next();
    },
    async (req: Request, res: Response) => {
      const cycleId = String(req.params.cycleId);
      const stored = await receiveSignedScan(deps, req, res, { cycleId, clusterId: cluster ? String(req.params.clusterId) : undefined, kind: String(req.params.kind) });
      res.status(201).location(`/api/cycles/${encodeURIComponent(cycleId)}/attachments/${stored.id}`).json({ scan: stored });
    },
  ];
  r.post('/:cycleId/documents/:kind/scans', ...scan(false));
  r.post('/:cycleId/clusters/:clusterId/documents/:kind/scans', ...scan(true));
  return r;
}

/**
 * Reads one signed scan from a multipart request (field `file`, optional `version`) and stores it
 * against the issued document `kind` of the cycle (or of one of its clusters), audited as
 * `document.signed-scan`. Used by the API route and by the secretariat's page.
 */
export async function receiveSignedScan(
  deps: AppDeps,
  req: Request,
  res: Response,
  where: { cycleId: string; clusterId?: string; kind: string },
  /** Run once the body's fields are read, before anything is stored (a page's CSRF token is a field). */
  afterFields?: () => void,
): Promise<StoredAttachment> {
  const { cycleId, clusterId, kind } = where;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(kind)) throw new HttpError(404, 'not_found', `no document ${kind}`);
  const owner = clusterId ? clusterDocumentsOwner(cycleId, clusterId) : cycleId;
  const versions = (await listDocuments(deps.db, owner)).filter((d) => d.kind === kind);
  if (versions.length === 0) throw new HttpError(404, 'not_found', `no document ${kind} for ${clusterId ? `cluster ${clusterId} of ` : ''}${cycleId}`);
  const got = await receive('file', 1, req, res);
  const problems = (p: readonly string[]) => p.map((m) => ({ path: m.split(':')[0], message: m }));
  if ('problems' in got) throw new HttpError(got.status, got.status === 413 ? 'too_large' : 'invalid_upload', got.problems.join('; '), { problems: problems(got.problems) });
  afterFields?.();
  const checked = checkAll('file', got.files, SCAN_TYPES);
  if ('problems' in checked) throw new HttpError(checked.status, checked.status === 415 ? 'unsupported_type' : checked.status === 413 ? 'too_large' : 'invalid_upload', checked.problems.join('; '), { problems: problems(checked.problems) });
  // Which issued version was signed: the latest unless the form says (field `version`).
  const latest = Math.max(...versions.map((d) => d.version));
  const asked = (req.body as Record<string, unknown> | undefined)?.version;
  const version = asked === undefined || asked === '' ? latest : Number(asked);
  if (!Number.isInteger(version) || !versions.some((d) => d.version === version)) {
    throw new HttpError(400, 'invalid_request', `version: ${kind} has versions ${[...new Set(versions.map((d) => d.version))].join(', ')}`, { problems: [{ path: 'version', message: 'no such version' }] });
  }
  const [{ file, check }] = checked.accepted;
  const actor = actorOf(principalOf(res));
  const stored = await storeAttachment(deps.db, {
    filename: check.filename,
    content: file.buffer,
    meta: { cycleId, purpose: 'scan', documentOwner: owner, documentKind: kind, documentVersion: version, clusterId, uploadedBy: actor, type: check.type, contentType: check.contentType },
  });
  await deps.db.models.Audit.create({
    at: deps.now(),
    actor,
    action: 'document.signed-scan',
    target: `${owner}:${kind}`,
    details: { signedScan: true, uploadedBy: 'staff', version, attachmentId: stored.id, filename: stored.filename, type: stored.type, size: stored.size, sha256: stored.sha256 },
  });
  return stored;
}
