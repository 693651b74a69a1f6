/**
 * Signed links in emails: `<base64url(claims)>.<base64url(HMAC-SHA256)>`. The claims bind one person to
 * one step of one workflow with one role. The token is deterministic (no issue time inside), so every
 * reminder of a step carries the same link; single use per round is enforced by the link_uses
 * collection and by the workflow's update validator, not by the token.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const linkClaimsSchema = z.object({
  v: z.literal(1),
  /** workflow id (the cycle and unit are part of it) */
  w: z.string().min(1),
  /** step */
  s: z.string().min(1),
  /** role: which actions the link allows */
  r: z.enum(['unit', 'reviewer', 'inspector', 'voter', 'chair', 'checker', 'council']),
  /** the person: their email as the plan holds it */
  p: z.string().min(3),
  /** expiry, seconds since the epoch */
  x: z.number().int().positive(),
});
export type LinkClaims = z.infer<typeof linkClaimsSchema>;

export type VerifiedLink =
  | { ok: true; claims: LinkClaims; tokenId: string }
  | { ok: false; status: 403 | 410; reason: 'malformed' | 'bad-signature' | 'expired'; claims?: LinkClaims };

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest();

export function createLinkToken(secret: string, claims: Omit<LinkClaims, 'v'>): string {
  const body = Buffer.from(JSON.stringify({ v: 1, ...claims })).toString('base64url');
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

export function verifyLinkToken(secret: string, token: string, nowMs: number): VerifiedLink {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, status: 403, reason: 'malformed' };
  const [body, sig] = parts;
  // Compared as text in its one canonical encoding: base64 decoding ignores a last character's spare
  // bits, so comparing decoded bytes would accept other spellings of the same signature.
  const expected = Buffer.from(sign(secret, body).toString('base64url'));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 403, reason: 'bad-signature' };
  }
  let claims: LinkClaims;
  try {
    claims = linkClaimsSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, status: 403, reason: 'malformed' };
  }
  if (claims.x * 1000 <= nowMs) return { ok: false, status: 410, reason: 'expired', claims };
  return { ok: true, claims, tokenId: createHash('sha256').update(body).digest('hex').slice(0, 32) };
}

export function linkUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/l/${token}`;
}
