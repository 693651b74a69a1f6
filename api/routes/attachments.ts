/**
 * Uploaded files:
 * - `POST /l/<token>/attachments` (multipart, field `files`): a unit attaches files to the step its link
 *   is for, while it may still send it; the submit form then carries their ids (`attachment`).
 * - `GET /l/<token>/attachments/<id>`: the unit or the reviewer of that step downloads one, by the same
 *   signed link (GET changes nothing).
 * Staff routes (listing, downloads, signed scans): api/routes/scans.ts.
 *
 * Files are held in memory up to the size limit (multer stops a larger one as it streams in), checked
 * by content (rules/attachments.ts), then stored in GridFS. A bad upload is a 4xx naming the field and
 * stores nothing of that request.
 */
import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { attachmentDisposition, findAttachment, isAttachmentId, listAttachments, readAttachment, storeAttachment, type StoredAttachment } from '../../lib/attachments';
import { verifyLinkToken, type LinkClaims } from '../../lib/links';
import { ATTACHMENT_LIMITS, ATTACHMENT_TYPES, checkAttachment, type AttachmentType } from '../../rules/attachments';
import type { AppDeps } from '../deps';
import { langOf, type Lang } from '../pages';

/** At most this many files attached to one step (every round together). */
export const MAX_FILES_PER_STEP = 20;

type Upload = { status: number; problems: string[] } | { files: Express.Multer.File[] };

/** Runs multer on the request; its errors become problems naming the field. */
export function receive(field: string, maxCount: number, req: Request, res: Response): Promise<Upload> {
  const upload = multer({
    storage: multer.memoryStorage(),
    // Browsers send a file name in UTF-8 without saying so ('Báo cáo.pdf').
    defParamCharset: 'utf8',
    limits: { fileSize: ATTACHMENT_LIMITS.maxBytes, files: maxCount, fields: 20, fieldSize: 10_000, parts: maxCount + 20 },
  }).array(field, maxCount);
  return new Promise((resolve) => {
    upload(req, res, (err: unknown) => {
      if (!err) return resolve({ files: (req.files as Express.Multer.File[] | undefined) ?? [] });
      if (err instanceof multer.MulterError) {
        const f = err.field ?? field;
        const mb = ATTACHMENT_LIMITS.maxBytes / 1024 / 1024;
        switch (err.code) {
          case 'LIMIT_FILE_SIZE':
            return resolve({ status: 413, problems: [`${f}: a file is larger than ${mb} MB`] });
          case 'LIMIT_FILE_COUNT':
            return resolve({ status: 400, problems: [`${field}: at most ${maxCount} file(s) per upload`] });
          case 'LIMIT_UNEXPECTED_FILE':
            return resolve({ status: 400, problems: [`${f}: unexpected file field (send the files as "${field}"${maxCount > 1 ? `, at most ${maxCount}` : ', one file'})`] });
          default:
            return resolve({ status: 400, problems: [`${f}: ${err.message}`] });
        }
      }
      resolve({ status: 400, problems: [`${field}: the upload is not a valid multipart form (${(err as Error).message})`] });
    });
  });
}

type Accepted = { file: Express.Multer.File; check: Extract<ReturnType<typeof checkAttachment>, { ok: true }> };

/** Checks every received file; all must pass for any to be stored. */
export function checkAll(field: string, files: Express.Multer.File[], allowed?: AttachmentType[]): { status: number; problems: string[] } | { accepted: Accepted[] } {
  if (files.length === 0) return { status: 400, problems: [`${field}: no file was sent (multipart/form-data, field "${field}")`] };
  const accepted: Accepted[] = [];
  const bad: { status: number; problem: string }[] = [];
  for (const file of files) {
    const check = checkAttachment({ field, name: file.originalname, size: file.size, content: file.buffer }, allowed);
    if (check.ok) accepted.push({ file, check });
    else bad.push(check);
  }
  if (bad.length) return { status: Math.max(...bad.map((b) => b.status)), problems: bad.map((b) => b.problem) };
  return { accepted };
}

type StepRow = { _id: string; cycleId: string; clusterId: string; unitId: string; unitName: string; workflowId: string; step: string; status: string; round: number; people?: { contacts?: string[]; reviewer?: string } };

/** A step link's holder and its step, or the page saying why not (same rules as the link page). */
async function holder(deps: AppDeps, token: string): Promise<{ claims: LinkClaims; row: StepRow } | { status: number; vi: string; en: string }> {
  const v = verifyLinkToken(deps.config.LINK_SECRET, token, deps.now().getTime());
  if (!v.ok) return { status: v.status, vi: 'Liên kết không hợp lệ hoặc đã hết hạn.', en: 'This link is not valid or has expired.' };
  if (v.claims.r !== 'unit' && v.claims.r !== 'reviewer') return { status: 403, vi: 'Liên kết này không có tệp đính kèm.', en: 'This link has no attachments.' };
  const row = (await deps.db.models.StepState.findById(`${v.claims.w}:${v.claims.s}`).lean()) as StepRow | null;
  if (!row) return { status: 404, vi: 'Bước này chưa mở.', en: 'This step is not open yet.' };
  if (row.status === 'approved' || row.status === 'cancelled') return { status: 410, vi: 'Bước này đã hoàn thành; liên kết không còn hiệu lực.', en: 'This step is closed; the link no longer works.' };
  const current = v.claims.r === 'unit' ? row.people?.contacts?.includes(v.claims.p) : row.people?.reviewer === v.claims.p;
  if (row.people?.reviewer && !current) return { status: 410, vi: 'Liên kết này đã bị thu hồi: người nhận đã được thay.', en: 'This link was revoked: its holder was replaced.' };
  return { claims: v.claims, row };
}

const canUpload = (claims: LinkClaims, row: StepRow) => claims.r === 'unit' && (row.status === 'open' || row.status === 'returned');

/** A file as the link page lists it. */
export interface AttachmentView {
  id: string;
  filename: string;
  size: string;
  href: string;
  checked?: boolean;
}

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
const view = (token: string, a: StoredAttachment, checked?: boolean): AttachmentView => ({ id: a.id, filename: a.filename, size: sizeText(a.size), href: `/l/${token}/attachments/${a.id}`, checked });

/** The ids a submission carries (the step's `attachments` field, JSON). */
export function attachmentIdsOf(fields: Record<string, string> | undefined): string[] {
  try {
    const ids = JSON.parse(fields?.attachments ?? '[]') as unknown;
    return Array.isArray(ids) ? ids.filter((i): i is string => typeof i === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * What the link page shows: for the unit that may send, every file of the step (those of the last
 * submission and of this round ticked) and the upload form's limits; for everyone, the files the
 * current submission carries, with their download links.
 */
export async function attachmentsForPage(
  deps: AppDeps,
  claims: LinkClaims,
  token: string,
  row: { workflowId: string; step: string; status: string; round: number },
  submission: Record<string, string> | undefined,
) {
  const all = await listAttachments(deps.db, { purpose: 'step', workflowId: row.workflowId, step: row.step });
  const sent = new Set(attachmentIdsOf(submission));
  const upload = claims.r === 'unit' && (row.status === 'open' || row.status === 'returned');
  return {
    submitted: all.filter((a) => sent.has(a.id)).map((a) => view(token, a)),
    uploaded: upload ? all.map((a) => view(token, a, sent.has(a.id) || a.round === row.round)) : [],
    upload: upload
      ? {
          action: `/l/${token}/attachments`,
          accept: Object.values(ATTACHMENT_TYPES).flatMap((t) => t.extensions.map((e) => `.${e}`)).join(','),
          maxFiles: ATTACHMENT_LIMITS.maxFiles,
          maxMb: ATTACHMENT_LIMITS.maxBytes / 1024 / 1024,
        }
      : undefined,
  };
}

/**
 * The `attachment` ids of a submit form: each a file uploaded for this very step (by its link), at
 * most MAX_FILES_PER_STEP; problems name the field.
 */
export async function submittedAttachments(deps: AppDeps, claims: LinkClaims, body: Record<string, unknown>): Promise<{ ok: true; ids: string[] } | { ok: false; problems: string[] }> {
  const raw = body.attachment;
  const given = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (given.some((g) => typeof g !== 'string' || !isAttachmentId(g))) return { ok: false, problems: ['attachment: not a file id'] };
  const ids = [...new Set(given as string[])];
  if (ids.length > MAX_FILES_PER_STEP) return { ok: false, problems: [`attachment: at most ${MAX_FILES_PER_STEP} files`] };
  const known = new Set((await listAttachments(deps.db, { purpose: 'step', workflowId: claims.w, step: claims.s })).map((a) => a.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) return { ok: false, problems: unknown.map((id) => `attachment: ${id} is not a file of this step`) };
  return { ok: true, ids };
}

export function linkAttachmentsRouter(deps: AppDeps): Router {
  const r = Router();
  const message = (res: Response, status: number, lang: Lang, vi: string, en: string, problems?: string[]) =>
    res.status(status).type('html').send(deps.pages.render('message', lang, { status, title: lang === 'en' ? en : vi, problems }));

  r.post('/l/:token/attachments', async (req, res) => {
    const lang = langOf(req.query);
    const token = String(req.params.token);
    const h = await holder(deps, token);
    if ('status' in h) return message(res, h.status, lang, h.vi, h.en);
    if (!canUpload(h.claims, h.row)) return message(res, 403, lang, 'Liên kết này không cho phép tải tệp lên lúc này.', 'This link cannot upload files now.');
    const got = await receive('files', ATTACHMENT_LIMITS.maxFiles, req, res);
    if ('problems' in got) return message(res, got.status, lang, 'Tệp tải lên không hợp lệ.', 'The upload was refused.', got.problems);
    const checked = checkAll('files', got.files);
    if ('problems' in checked) return message(res, checked.status, lang, 'Tệp tải lên không hợp lệ.', 'The upload was refused.', checked.problems);
    const existing = await listAttachments(deps.db, { purpose: 'step', workflowId: h.row.workflowId, step: h.row.step });
    if (existing.length + checked.accepted.length > MAX_FILES_PER_STEP) {
      return message(res, 400, lang, 'Tệp tải lên không hợp lệ.', 'The upload was refused.', [`files: at most ${MAX_FILES_PER_STEP} files per step (${existing.length} already)`]);
    }
    const stored: StoredAttachment[] = [];
    for (const { file, check } of checked.accepted) {
      stored.push(
        await storeAttachment(deps.db, {
          filename: check.filename,
          content: file.buffer,
          meta: {
            cycleId: h.row.cycleId,
            purpose: 'step',
            workflowId: h.row.workflowId,
            step: h.row.step,
            unitId: h.row.unitId,
            clusterId: h.row.clusterId,
            round: h.row.round,
            uploadedBy: h.claims.p,
            type: check.type,
            contentType: check.contentType,
          },
        }),
      );
    }
    await deps.db.models.Audit.create({
      at: deps.now(),
      actor: `link:${h.claims.p}`,
      action: 'attachment.upload',
      target: `${h.row.workflowId}:${h.row.step}`,
      details: { round: h.row.round, files: stored.map((s) => ({ id: s.id, filename: s.filename, type: s.type, size: s.size, sha256: s.sha256 })) },
    });
    if (req.accepts(['html', 'json']) === 'json') return res.status(201).json({ attachments: stored });
    // Back to the link page, which lists the files ticked for the submission.
    res.redirect(303, `/l/${token}?lang=${lang}#attachments`);
  });

  r.get('/l/:token/attachments/:id', async (req, res) => {
    const lang = langOf(req.query);
    const h = await holder(deps, String(req.params.token));
    if ('status' in h) return message(res, h.status, lang, h.vi, h.en);
    const a = await findAttachment(deps.db, String(req.params.id));
    // Only a file of the link's own step; any other id looks the same as an unknown one.
    if (!a || a.purpose !== 'step' || a.workflowId !== h.claims.w || a.step !== h.claims.s) return message(res, 404, lang, 'Không có tệp này.', 'No such file.');
    sendFile(res, a, await readAttachment(deps.db, a.id));
  });
  return r;
}

export function sendFile(res: Response, a: StoredAttachment, content: Buffer): void {
  res.type(a.contentType).set('Content-Disposition', attachmentDisposition(a.filename)).set('Cache-Control', 'private, no-store').send(content);
}

