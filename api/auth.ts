/**
 * Staff access until accounts arrive: the bearer API token for scripts, or a session cookie obtained by
 * posting that token to /login (for pages such as /mailbox). The cookie is an HMAC-signed expiry.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppDeps } from './deps';
import { HttpError } from './errors';

export const STAFF_COOKIE = 'thidua_staff';
const SESSION_MS = 8 * 3600 * 1000;

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const sign = (secret: string, value: string) => createHmac('sha256', secret).update(`staff:${value}`).digest('base64url');

export function staffSessionValue(secret: string, nowMs: number): string {
  const exp = String(nowMs + SESSION_MS);
  return `${exp}.${sign(secret, exp)}`;
}

export function isStaff(req: Request, deps: AppDeps): boolean {
  const header = req.get('authorization') ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (m) return safeEqual(m[1].trim(), deps.config.API_TOKEN);
  const cookie = (req.cookies as Record<string, string> | undefined)?.[STAFF_COOKIE];
  if (!cookie) return false;
  const [exp, sig] = cookie.split('.');
  return !!exp && !!sig && safeEqual(sig, sign(deps.config.LINK_SECRET, exp)) && Number(exp) > deps.now().getTime();
}

/** For JSON routes: 401 with the one error shape. */
export function requireStaffApi(deps: AppDeps): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (isStaff(req, deps)) return next();
    next(new HttpError(401, 'unauthorized', 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)'));
  };
}
