/**
 * Who is asking, and may they. Two ways in:
 *  - `Authorization: Bearer <API_TOKEN>` (scripts, tests): every role, every cluster, no CSRF (a browser
 *    never adds that header by itself);
 *  - the session cookie (browsers), opened at /login with an account's password or with the API token.
 *    A state-changing request by cookie must carry the session's CSRF token (`X-CSRF-Token` header or
 *    the `_csrf` form field).
 * Roles and cluster scope are checked here and in the routes; the principal's audit name is `actorOf`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { findSession } from '../lib/staff';
import { STAFF_ROLES, type StaffAccountDoc, type StaffRole } from '../lib/db';
import type { AppDeps } from './deps';
import { HttpError } from './errors';
import { langOf } from './pages';

export const STAFF_COOKIE = 'thidua_staff';
export { STAFF_ROLES, type StaffRole };

export type Principal =
  | { kind: 'token' }
  | { kind: 'account'; email: string; name: string; roles: StaffRole[]; scope?: { clusters?: string[] } };

export interface Authenticated {
  principal: Principal;
  via: 'bearer' | 'cookie';
  /** For a cookie: the session's cookie value and CSRF token. */
  session?: { cookie: string; csrf: string };
}

export const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export const actorOf = (p: Principal): string => (p.kind === 'token' ? 'api-token' : p.email);

const AUTH_KEY = Symbol('thidua.auth');
type WithAuth = Request & { [AUTH_KEY]?: Promise<Authenticated | undefined> };

/** Resolves (once per request) the bearer token or the session cookie to a principal. */
export function authenticate(req: Request, deps: AppDeps): Promise<Authenticated | undefined> {
  const r = req as WithAuth;
  return (r[AUTH_KEY] ??= resolve(req, deps));
}

async function resolve(req: Request, deps: AppDeps): Promise<Authenticated | undefined> {
  const header = req.get('authorization');
  if (header !== undefined) {
    // A bearer header decides alone: a wrong one never falls back to a cookie.
    const m = /^Bearer\s+(.+)$/i.exec(header);
    return m && safeEqual(m[1].trim(), deps.config.API_TOKEN) ? { principal: { kind: 'token' }, via: 'bearer' } : undefined;
  }
  const cookie = (req.cookies as Record<string, string> | undefined)?.[STAFF_COOKIE];
  if (!cookie) return undefined;
  const s = await findSession(deps.db.models, cookie, deps.now());
  if (!s) return undefined;
  const session = { cookie, csrf: s.csrf };
  if (s.kind === 'token') return { principal: { kind: 'token' }, via: 'cookie', session };
  // Roles, scope and disabling take effect at once: the account is read on every request.
  const a = await deps.db.models.StaffAccount.findById(s.email).lean<StaffAccountDoc>();
  if (!a || a.disabledAt) return undefined;
  return { principal: { kind: 'account', email: a._id, name: a.name, roles: a.roles, ...(a.scope?.clusters ? { scope: { clusters: a.scope.clusters } } : {}) }, via: 'cookie', session };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie-authenticated state change must carry the session's CSRF token. */
export function csrfOk(req: Request, auth: Authenticated): boolean {
  if (auth.via !== 'cookie' || SAFE_METHODS.has(req.method)) return true;
  const sent = req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
  return typeof sent === 'string' && !!auth.session && safeEqual(sent, auth.session.csrf);
}

export const hasRole = (p: Principal, roles: readonly StaffRole[]): boolean => p.kind === 'token' || p.roles.some((r) => roles.includes(r));

/** The principal that requireRole put on the response. */
export function principalOf(res: Response): Principal {
  const p = (res.locals as { principal?: Principal }).principal;
  if (!p) throw new Error('principalOf: no requireRole before this route');
  return p;
}

/** What the page layout shows of the signed-in person (name, sign-out form with its CSRF token). */
export function staffView(res: Response): { label: string; csrf: string } | undefined {
  const auth = (res.locals as { auth?: Authenticated }).auth;
  if (!auth?.session) return undefined;
  return { label: auth.principal.kind === 'token' ? 'API token' : auth.principal.email, csrf: auth.session.csrf };
}

/** Limited to some clusters? (Absent scope: all of them.) */
export const isScoped = (p: Principal): p is Extract<Principal, { kind: 'account' }> & { scope: { clusters: string[] } } =>
  p.kind === 'account' && Array.isArray(p.scope?.clusters);

export function requireCluster(p: Principal, clusterId: string): void {
  if (isScoped(p) && !p.scope.clusters.includes(clusterId)) {
    throw new HttpError(403, 'out_of_scope', `your account is limited to clusters ${p.scope.clusters.join(', ')}; this is ${clusterId}`);
  }
}

/** Actions over a whole cycle (start, cancel, every cluster's deadline) need an account without a cluster scope. */
export function requireWholeScope(p: Principal, what: string): void {
  if (isScoped(p)) throw new HttpError(403, 'out_of_scope', `${what} concerns every cluster; your account is limited to ${p.scope.clusters.join(', ')}`);
}

const roleList = (roles: readonly StaffRole[]) => roles.join(' or ');

/** For JSON routes: 401 without credentials, 403 with the wrong role or a missing CSRF token. */
export function requireRole(deps: AppDeps, ...roles: StaffRole[]): RequestHandler {
  const allowed = roles.length ? roles : STAFF_ROLES;
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const auth = await authenticate(req, deps);
      if (!auth) return next(new HttpError(401, 'unauthorized', 'sign in at /login, or send Authorization: Bearer <API_TOKEN>'));
      if (!hasRole(auth.principal, allowed)) return next(new HttpError(403, 'forbidden', `this needs the role ${roleList(allowed)}`));
      if (!csrfOk(req, auth)) return next(new HttpError(403, 'csrf', 'missing or wrong CSRF token (X-CSRF-Token header or _csrf field)'));
      res.locals.principal = auth.principal;
      res.locals.auth = auth;
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** For pages: to /login without credentials, a 403 page with the wrong role or a missing CSRF token. */
export function requireRolePage(deps: AppDeps, ...roles: StaffRole[]): RequestHandler {
  const allowed = roles.length ? roles : STAFF_ROLES;
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const auth = await authenticate(req, deps);
      if (!auth) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      const lang = langOf(req.query);
      if (!hasRole(auth.principal, allowed)) {
        return res.status(403).type('html').send(deps.pages.render('message', lang, { status: 403, title: lang === 'en' ? `This page needs the role ${roleList(allowed)}.` : `Trang này dành cho vai trò ${roleList(allowed)}.` }));
      }
      if (!csrfOk(req, auth)) {
        return res.status(403).type('html').send(deps.pages.render('message', lang, { status: 403, title: lang === 'en' ? 'The form has expired: reload the page and try again.' : 'Biểu mẫu đã hết hiệu lực: vui lòng tải lại trang và thử lại.' }));
      }
      res.locals.principal = auth.principal;
      res.locals.auth = auth;
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Any staff member (every role, or the API token): the old name, kept for routes that only read. */
export const requireStaffApi = (deps: AppDeps): RequestHandler => requireRole(deps, ...STAFF_ROLES);

/**
 * For the sign-in forms (no session yet, so no CSRF token): a browser's cross-site post carries an
 * Origin naming the other site; refuse it. Clients that send no Origin (scripts, curl) pass.
 */
export function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (!origin || origin === 'null') return origin !== 'null';
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}
