/**
 * The mailbox of the embedded SMTP server (staff of every role; sign-in is in staff-auth.ts). Staff
 * password reset mails are shown only to their recipient (and to the API token): a colleague's reset
 * link would otherwise be one click away.
 */
import express, { Router, type Response } from 'express';
import { isValidObjectId } from 'mongoose';
import { principalOf, requireRole, requireRolePage, STAFF_ROLES, staffView } from '../auth';
import type { AppDeps } from '../deps';
import { langOf } from '../pages';

const PRIVATE_KEY = /^staff:/;
/** May the signed-in principal see this message? */
function visible(res: Response, m: { envelopeTo?: string[]; headers?: unknown }): boolean {
  const p = principalOf(res);
  if (p.kind === 'token') return true;
  const key = String((m.headers as Record<string, unknown> | undefined)?.['x-thidua-key'] ?? '');
  return !PRIVATE_KEY.test(key) || (m.envelopeTo ?? []).includes(p.email);
}

export function staffPagesRouter(deps: AppDeps): Router {
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '10kb' }));

  const staffPage = requireRolePage(deps, ...STAFF_ROLES);
  const staffApi = requireRole(deps, ...STAFF_ROLES);

  r.get('/mailbox', staffPage, async (req, res) => {
    const lang = langOf(req.query);
    if (!deps.mailboxEnabled) {
      return res.status(404).type('html').send(deps.pages.render('message', lang, { status: 404, title: 'Mailbox is only available with the embedded SMTP server (SMTP_URL unset).' }));
    }
    const to = typeof req.query.to === 'string' ? req.query.to.trim().toLowerCase() : '';
    const filter = to ? { envelopeTo: to } : {};
    const messages = await deps.db.models.Mailbox.find(filter, { html: 0, text: 0, attachments: 0 })
      .sort({ receivedAt: -1 })
      .limit(200)
      .lean();
    const shown = messages.filter((m) => visible(res, m)).map(({ headers: _headers, ...m }) => ({ ...m, id: String(m._id) }));
    res.type('html').send(deps.pages.render('mailbox', lang, { messages: shown, to, staff: staffView(res) }));
  });

  r.get('/mailbox/:id', staffPage, async (req, res) => {
    const lang = langOf(req.query);
    const m = deps.mailboxEnabled && isValidObjectId(req.params.id) ? await deps.db.models.Mailbox.findById(req.params.id).lean() : null;
    if (!m || !visible(res, m)) return res.status(404).type('html').send(deps.pages.render('message', lang, { status: 404, title: 'Not found' }));
    res.type('html').send(deps.pages.render('mailbox-message', lang, { m, staff: staffView(res), attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })) }));
  });

  /** The raw HTML part, served in a sandboxed frame so no script in a message can run. */
  r.get('/mailbox/:id/html', staffPage, async (req, res) => {
    const m = deps.mailboxEnabled && isValidObjectId(req.params.id) ? await deps.db.models.Mailbox.findById(req.params.id).lean() : null;
    if (!m?.html || !visible(res, m)) return res.status(404).send('not found');
    res.set('Content-Security-Policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:").type('html').send(m.html);
  });

  /** JSON for scripts and tests: GET /api/mailbox?to=… */
  r.get('/api/mailbox', staffApi, async (req, res) => {
    if (!deps.mailboxEnabled) return res.status(404).json({ error: { code: 'not_found', message: 'mailbox only exists with the embedded SMTP server' } });
    const to = typeof req.query.to === 'string' ? req.query.to.trim().toLowerCase() : '';
    const messages = await deps.db.models.Mailbox.find(to ? { envelopeTo: to } : {}, { attachments: 0 }).sort({ receivedAt: 1 }).limit(500).lean();
    res.json({ messages: messages.filter((m) => visible(res, m)) });
  });
  return r;
}
