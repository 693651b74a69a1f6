/** Staff pages for the embedded set-up: a token login and the mailbox of the embedded SMTP server. */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { isValidObjectId } from 'mongoose';
import { isStaff, STAFF_COOKIE, staffSessionValue } from '../auth';
import type { AppDeps } from '../deps';
import { langOf } from '../pages';

export function staffPagesRouter(deps: AppDeps): Router {
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '10kb' }));
  const secure = deps.config.PUBLIC_BASE_URL.startsWith('https://');

  const requireStaffPage = (req: Request, res: Response, next: NextFunction) => {
    if (isStaff(req, deps)) return next();
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };
  const safeNext = (v: unknown) => (typeof v === 'string' && /^\/[^/\\]/.test(v) ? v : '/mailbox');

  r.get('/login', (req, res) => {
    res.type('html').send(deps.pages.render('login', langOf(req.query), { next: safeNext(req.query.next) }));
  });

  r.post('/login', (req, res) => {
    const lang = langOf(req.query);
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const probe = { ...req, headers: { authorization: `Bearer ${token}` }, get: () => `Bearer ${token}` } as unknown as Request;
    if (!token || !isStaff(probe, deps)) {
      return res.status(401).type('html').send(deps.pages.render('login', lang, { next: safeNext(req.body?.next), error: true }));
    }
    res.cookie(STAFF_COOKIE, staffSessionValue(deps.config.LINK_SECRET, deps.now().getTime()), {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
    });
    res.redirect(303, safeNext(req.body?.next));
  });

  r.get('/mailbox', requireStaffPage, async (req, res) => {
    const lang = langOf(req.query);
    if (!deps.mailboxEnabled) {
      return res.status(404).type('html').send(deps.pages.render('message', lang, { status: 404, title: 'Mailbox is only available with the embedded SMTP server (SMTP_URL unset).' }));
    }
    const to = typeof req.query.to === 'string' ? req.query.to.trim().toLowerCase() : '';
    const filter = to ? { envelopeTo: to } : {};
    const messages = await deps.db.models.Mailbox.find(filter, { html: 0, text: 0, attachments: 0, headers: 0 })
      .sort({ receivedAt: -1 })
      .limit(200)
      .lean();
    res.type('html').send(deps.pages.render('mailbox', lang, { messages: messages.map((m) => ({ ...m, id: String(m._id) })), to }));
  });

  r.get('/mailbox/:id', requireStaffPage, async (req, res) => {
    const lang = langOf(req.query);
    const m = deps.mailboxEnabled && isValidObjectId(req.params.id) ? await deps.db.models.Mailbox.findById(req.params.id).lean() : null;
    if (!m) return res.status(404).type('html').send(deps.pages.render('message', lang, { status: 404, title: 'Not found' }));
    res.type('html').send(deps.pages.render('mailbox-message', lang, { m, attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })) }));
  });

  /** The raw HTML part, served in a sandboxed frame so no script in a message can run. */
  r.get('/mailbox/:id/html', requireStaffPage, async (req, res) => {
    const m = deps.mailboxEnabled && isValidObjectId(req.params.id) ? await deps.db.models.Mailbox.findById(req.params.id).lean() : null;
    if (!m?.html) return res.status(404).send('not found');
    res.set('Content-Security-Policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:").type('html').send(m.html);
  });

  /** JSON for scripts and tests: GET /api/mailbox?to=… */
  r.get('/api/mailbox', async (req, res) => {
    if (!isStaff(req, deps)) return res.status(401).json({ error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    if (!deps.mailboxEnabled) return res.status(404).json({ error: { code: 'not_found', message: 'mailbox only exists with the embedded SMTP server' } });
    const to = typeof req.query.to === 'string' ? req.query.to.trim().toLowerCase() : '';
    const messages = await deps.db.models.Mailbox.find(to ? { envelopeTo: to } : {}, { attachments: 0 }).sort({ receivedAt: 1 }).limit(500).lean();
    res.json({ messages });
  });
  return r;
}
