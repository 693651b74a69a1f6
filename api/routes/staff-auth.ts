/**
 * Staff sign-in pages: /login (an account's email and password, or the API token), POST /logout,
 * /password/forgot and /password/reset/:token. Every outcome is audited; failures are rate-limited per
 * email and per address (stored in MongoDB, so a restart does not reset the count).
 */
import express, { Router, type Request, type Response } from 'express';
import {
  checkPassword,
  completePasswordReset,
  DEFAULT_LOGIN_LIMITS,
  findUsableReset,
  loginThrottled,
  normalizeEmail,
  openSession,
  PASSWORD_MIN,
  recordLoginFailure,
  requestPasswordReset,
  revokeSession,
} from '../../lib/staff';
import { actorOf, authenticate, csrfOk, principalOf, requireRole, safeEqual, sameOrigin, STAFF_COOKIE, STAFF_ROLES } from '../auth';
import type { AppDeps } from '../deps';
import { langOf, type Lang } from '../pages';

const str = (v: unknown, max = 300): string => (typeof v === 'string' ? v.slice(0, max) : '');

export function staffAuthRouter(deps: AppDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '10kb' });
  const secure = deps.config.PUBLIC_BASE_URL.startsWith('https://');
  const limits = deps.loginLimits ?? DEFAULT_LOGIN_LIMITS;
  const { models } = deps.db;
  const safeNext = (v: unknown) => (typeof v === 'string' && /^\/[^/\\]/.test(v) ? v : deps.mailboxEnabled ? '/mailbox' : '/dashboard');
  const ipOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const audit = (actor: string, action: string, details: Record<string, unknown>) =>
    models.Audit.create({ at: deps.now(), actor: actor.slice(0, 254) || '(empty)', action, target: 'staff', details });
  const page = (res: Response, status: number, name: string, lang: Lang, data: Record<string, unknown>) => res.status(status).type('html').send(deps.pages.render(name, lang, data));
  const crossSite = (res: Response, lang: Lang) =>
    page(res, 403, 'message', lang, { status: 403, title: lang === 'en' ? 'This form was sent from another site.' : 'Biểu mẫu được gửi từ một trang khác.' });
  const lockedOut = (res: Response, lang: Lang, data: Record<string, unknown>) => {
    res.set('Retry-After', String(Math.ceil(limits.windowMs / 1000)));
    return page(res, 429, 'login', lang, { ...data, throttled: true, minutes: Math.round(limits.windowMs / 60_000) });
  };

  r.get('/login', (req, res) => {
    page(res, 200, 'login', langOf(req.query), { next: safeNext(req.query.next), reset: req.query.reset === '1' });
  });

  r.post('/login', form, async (req, res) => {
    const lang = langOf(req.query);
    if (!sameOrigin(req)) return crossSite(res, lang);
    const next = safeNext(req.body?.next);
    const ip = ipOf(req);
    const now = deps.now();
    const token = str(req.body?.token, 500);
    let session;
    if (token) {
      if (await loginThrottled(models, undefined, ip, now, limits)) {
        await audit('api-token', 'staff.login-throttled', { ip, via: 'token' });
        return lockedOut(res, lang, { next });
      }
      if (!safeEqual(token, deps.config.API_TOKEN)) {
        await recordLoginFailure(models, undefined, ip, now, limits);
        await audit('api-token', 'staff.login-failed', { ip, via: 'token' });
        return page(res, 401, 'login', lang, { next, tokenError: true });
      }
      session = await openSession(models, 'token', 'api-token', now);
      await audit('api-token', 'staff.login', { ip, via: 'token' });
    } else {
      const email = normalizeEmail(str(req.body?.email, 254));
      const password = str(req.body?.password, 500);
      if (!email || !password) return page(res, 400, 'login', lang, { next, email, error: true });
      if (await loginThrottled(models, email, ip, now, limits)) {
        await audit(email, 'staff.login-throttled', { ip });
        return lockedOut(res, lang, { next, email });
      }
      const account = await checkPassword(models, email, password);
      if (!account) {
        await recordLoginFailure(models, email, ip, now, limits);
        await audit(email, 'staff.login-failed', { ip });
        return page(res, 401, 'login', lang, { next, email, error: true });
      }
      session = await openSession(models, 'account', account._id, now);
      await audit(account._id, 'staff.login', { ip });
    }
    res.cookie(STAFF_COOKIE, session.cookie, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
    res.redirect(303, next);
  });

  r.post('/logout', form, async (req, res) => {
    const lang = langOf(req.query);
    const auth = await authenticate(req, deps);
    if (!auth?.session) return res.redirect(303, '/login');
    if (!csrfOk(req, auth)) {
      return page(res, 403, 'message', lang, { status: 403, title: lang === 'en' ? 'The form has expired: reload the page and try again.' : 'Biểu mẫu đã hết hiệu lực: vui lòng tải lại trang và thử lại.' });
    }
    await revokeSession(models, auth.session.cookie);
    await audit(actorOf(auth.principal), 'staff.logout', { ip: ipOf(req) });
    res.clearCookie(STAFF_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
    res.redirect(303, `/login${lang === 'en' ? '?lang=en' : ''}`);
  });

  /** Who is signed in, and the CSRF token a script in the page sends as X-CSRF-Token. */
  r.get('/api/session', requireRole(deps, ...STAFF_ROLES), (_req, res) => {
    const auth = (res.locals as { auth?: { via: string; session?: { csrf: string } } }).auth;
    res.set('Cache-Control', 'no-store').json({ principal: principalOf(res), via: auth?.via, csrfToken: auth?.session?.csrf });
  });

  r.get('/password/forgot', (req, res) => {
    page(res, 200, 'password-forgot', langOf(req.query), {});
  });

  /** Always the same answer, whether or not the email has an account; the mail goes out in the background. */
  r.post('/password/forgot', form, async (req, res) => {
    const lang = langOf(req.query);
    if (!sameOrigin(req)) return crossSite(res, lang);
    const email = normalizeEmail(str(req.body?.email, 254));
    const ip = ipOf(req);
    if (email && deps.mailer) {
      const mailer = { ...deps.mailer, mailFrom: deps.config.MAIL_FROM, publicBaseUrl: deps.config.PUBLIC_BASE_URL };
      void requestPasswordReset(models, mailer, email, lang, deps.now())
        .then((sent) => (sent ? audit(email, 'staff.password-reset-requested', { ip }) : undefined))
        .catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, 'password reset mail failed'));
    } else if (email) {
      deps.log.warn('password reset asked but the api has no mailer configured');
    }
    page(res, 200, 'password-forgot', lang, { sent: true });
  });

  const invalidLink = (res: Response, lang: Lang) =>
    page(res, 410, 'message', lang, {
      status: 410,
      title: lang === 'en' ? 'This link has expired or has already been used.' : 'Liên kết đã hết hạn hoặc đã được sử dụng.',
      problems: [lang === 'en' ? 'Ask for a new one at /password/forgot.' : 'Vui lòng yêu cầu liên kết mới tại /password/forgot.'],
    });

  /** Shows the form; never changes anything (mail scanners open links). */
  r.get('/password/reset/:token', async (req, res) => {
    const lang = langOf(req.query);
    const reset = await findUsableReset(models, String(req.params.token), deps.now());
    if (!reset) return invalidLink(res, lang);
    page(res, 200, 'password-reset', lang, { email: reset.email, min: PASSWORD_MIN });
  });

  r.post('/password/reset/:token', form, async (req, res) => {
    const lang = langOf(req.query);
    if (!sameOrigin(req)) return crossSite(res, lang);
    const token = String(req.params.token);
    const password = str(req.body?.password, 500);
    const reset = await findUsableReset(models, token, deps.now());
    if (!reset) return invalidLink(res, lang);
    if (password !== str(req.body?.confirm, 500)) return page(res, 400, 'password-reset', lang, { email: reset.email, min: PASSWORD_MIN, mismatch: true });
    const done = await completePasswordReset(models, token, password, deps.now());
    if (done === 'weak') return page(res, 400, 'password-reset', lang, { email: reset.email, min: PASSWORD_MIN, weak: true });
    if (done === 'invalid') return invalidLink(res, lang);
    await audit(done.email, 'staff.password-reset', { ip: ipOf(req) });
    res.redirect(303, `/login?reset=1${lang === 'en' ? '&lang=en' : ''}`);
  });

  return r;
}
