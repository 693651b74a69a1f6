/**
 * GET /links/lost shows a form for one's email address; POST /links/lost mails that address the links
 * of every step waiting for it (lib/lost-links.ts) and always answers the same page, whether or not
 * the address is known. A same-origin form, like the sign-in's; GET changes nothing.
 */
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { sendLostLinks } from '../../lib/lost-links';
import { sameOrigin } from '../auth';
import type { AppDeps } from '../deps';
import { langOf, type Lang } from '../pages';

const emailSchema = z.email().max(254);

export function lostLinkRouter(deps: AppDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '10kb' });
  const page = (res: Response, status: number, lang: Lang, data: Record<string, unknown>) =>
    res.status(status).type('html').send(deps.pages.render('lost-link', lang, { title: lang === 'en' ? 'Lost link' : 'Gửi lại liên kết', ...data }));

  r.get('/links/lost', (req, res) => page(res, 200, langOf(req.query), {}));

  r.post('/links/lost', form, async (req, res) => {
    const lang = langOf(req.query);
    if (!sameOrigin(req)) return page(res, 403, lang, { problem: lang === 'en' ? 'This form was sent from another site.' : 'Biểu mẫu được gửi từ một trang khác.' });
    const raw = typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : '';
    const parsed = emailSchema.safeParse(raw);
    if (!parsed.success) return page(res, 400, lang, { problem: lang === 'en' ? 'email: not a valid email address' : 'email: địa chỉ email không hợp lệ', email: raw.slice(0, 254) });
    if (!deps.mailer) {
      deps.log.warn('a lost link was asked for but the api has no mailer configured');
      return page(res, 503, lang, { problem: lang === 'en' ? 'Email cannot be sent right now; try again later.' : 'Hiện chưa gửi được thư; vui lòng thử lại sau.' });
    }
    const mailer = { ...deps.mailer, mailFrom: deps.config.MAIL_FROM, publicBaseUrl: deps.config.PUBLIC_BASE_URL, linkSecret: deps.config.LINK_SECRET };
    try {
      const listed = await sendLostLinks(deps.db.models, mailer, parsed.data, lang, deps.now());
      if (listed > 0) await deps.db.models.Audit.create({ at: deps.now(), actor: parsed.data, action: 'link.lost', target: parsed.data, details: { links: listed } });
    } catch (err) {
      // The same answer as a success: the outbox keeps what it could not send, and says why.
      deps.log.warn({ err: (err as Error).message }, 'lost-link mail failed');
    }
    page(res, 200, lang, { sent: true });
  });
  return r;
}
