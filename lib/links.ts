/**
 * Signed links in emails: `<base64url(claims)>.<base64url(HMAC-SHA256)>`. The claims bind one person to
 * one step of one workflow with one role. The token is deterministic (no issue time inside), so every
 * reminder of a step carries the same link; single use per round is enforced by the link_uses
 * collection and by the workflow's update validator, not by the token.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { openToken, sealToken } from './signed-token';

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

export function createLinkToken(secret: string, claims: Omit<LinkClaims, 'v'>): string {
  return sealToken(secret, '', { v: 1, ...claims });
}

export function verifyLinkToken(secret: string, token: string, nowMs: number): VerifiedLink {
  const opened = openToken(secret, '', token, linkClaimsSchema);
  if (!opened.ok) return opened;
  const { claims, body } = opened;
  if (claims.x * 1000 <= nowMs) return { ok: false, status: 410, reason: 'expired', claims };
  return { ok: true, claims, tokenId: createHash('sha256').update(body).digest('hex').slice(0, 32) };
}

export function linkUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/l/${token}`;
}
