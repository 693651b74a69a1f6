/**
 * A stored document opened from an email link (lib/document-links.ts), without an account:
 * - `GET /d/<token>`: the version the token names, as its printable HTML page;
 * - `GET /d/<token>.docx` / `.pdf`: the Word or PDF file of the same version.
 * Read-only: any other method is 405. Bad or malformed signature → 403, expired → 410, a version
 * that is not stored (or not in that format) → 404; errors are plain text in both languages.
 */
import { Router } from 'express';
import { verifyDocumentToken } from '../../lib/document-links';
import { contentTypeOf, listDocuments, readDocument, type StoredDocument } from '../../lib/documents/store';
import type { AppDeps } from '../deps';

const REASONS: Record<string, string> = {
  malformed: 'Liên kết văn bản không hợp lệ. This document link is not valid.',
  'bad-signature': 'Liên kết văn bản không hợp lệ (sai chữ ký). This document link is not valid (bad signature).',
  expired: 'Liên kết văn bản đã hết hạn. This document link has expired.',
};

const FILE = /^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+?)(?:\.(docx|pdf|xlsx))?$/;

export function documentLinksRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/d/:file', async (req, res) => {
    const plain = (status: number, text: string) => res.status(status).set('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(text);
    const m = FILE.exec(String(req.params.file));
    if (!m) return plain(403, REASONS.malformed);
    const v = verifyDocumentToken(deps.config.LINK_SECRET, m[1], deps.now().getTime());
    if (!v.ok) return plain(v.status, REASONS[v.reason]);
    const format = (m[2] ?? 'html') as StoredDocument['format'];
    const { o, k, n } = v.claims;
    const doc = (await listDocuments(deps.db, o)).find((d) => d.kind === k && d.version === n && d.format === format);
    if (!doc) return plain(404, 'Không tìm thấy văn bản này. No such document.');
    res
      .status(200)
      // The token is the credential: no shared cache may keep the answer.
      .set('Cache-Control', 'private, no-store')
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
      .set('Content-Disposition', `${format === 'html' || format === 'pdf' ? 'inline' : 'attachment'}; filename="${doc.filename}"`)
      .set('X-Document-Version', String(doc.version))
      .type(contentTypeOf(format))
      .send(await readDocument(deps.db, doc.fileId));
  });

  // Read-only: GET (and HEAD, which express answers from the GET route) and nothing else.
  r.all('/d/:file', (_req, res) => {
    res.status(405).set('Allow', 'GET, HEAD').type('text/plain; charset=utf-8').send('Chỉ xem được văn bản. Documents are read-only.');
  });

  return r;
}
