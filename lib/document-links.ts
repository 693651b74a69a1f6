/**
 * Links to a stored document in emails (`/d/<token>`): a recipient opens the exact version the mail
 * was about (the plan, an invitation, a ballot, the minutes, the proposal) without an account.
 *
 * Tokens are `<base64url(claims)>.<base64url(HMAC-SHA256)>` like those of lib/links.ts and
 * lib/feeds.ts, with their own claims `{ v: 1, o: owner, k: kind, n: version, x: expiry }`. The HMAC
 * covers `thidua-doc:<body>`: domain separation, so a step link or a feed token is never a document
 * token (and vice versa) even under the same secret. A token only reads: it names one version of one
 * document, never a person, and grants nothing else (the route answers GET and HEAD only).
 *
 * `owner` is the document store's owner key: the cycle id for the cycle's own documents (the plan),
 * `<cycleId>:cluster:<clusterId>` for a cluster's year-end documents (activities/documents.ts).
 */
import { z } from 'zod';
import { openToken, sealToken } from './signed-token';

export const documentClaimsSchema = z.object({
  v: z.literal(1),
  /** the store's owner key (cycle, or cycle and cluster) */
  o: z.string().min(1).max(300),
  /** the document's kind (plan, invitation, ballot-co-thi-dua, minutes, proposal…) */
  k: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).max(100),
  /** its version */
  n: z.number().int().positive(),
  /** expiry, seconds since the epoch */
  x: z.number().int().positive(),
});
export type DocumentClaims = z.infer<typeof documentClaimsSchema>;

export type VerifiedDocumentLink =
  | { ok: true; claims: DocumentClaims }
  | { ok: false; status: 403 | 410; reason: 'malformed' | 'bad-signature' | 'expired' };

const DOMAIN = 'thidua-doc:';

/** Deterministic: the same document version and expiry always give the same token (retries send the same mail). */
export function createDocumentToken(secret: string, claims: Omit<DocumentClaims, 'v'>): string {
  const { o, k, n, x } = claims;
  return sealToken(secret, DOMAIN, { v: 1, o, k, n, x });
}

export function verifyDocumentToken(secret: string, token: string, nowMs: number): VerifiedDocumentLink {
  const opened = openToken(secret, DOMAIN, token, documentClaimsSchema);
  if (!opened.ok) return opened;
  if (opened.claims.x * 1000 <= nowMs) return { ok: false, status: 410, reason: 'expired' };
  return { ok: true, claims: opened.claims };
}

/** The document's page (HTML); `format` for the Word or PDF file of the same version. */
export function documentUrl(publicBaseUrl: string, token: string, format?: 'docx' | 'pdf' | 'xlsx'): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/d/${token}${format ? `.${format}` : ''}`;
}

/**
 * How long a document link in a mail works: until the end of the year after the cycle's (the award
 * decisions of year N are taken early in N+1, and the archive keeps the files afterwards). Derived
 * from the year only, so every mail about a version carries the same link.
 */
export function documentLinkExpiry(cycleYear: number): number {
  return Math.floor(Date.UTC(cycleYear + 2, 0, 1) / 1000);
}
