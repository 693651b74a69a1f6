/**
 * The one token format of the app's links, feeds and document links:
 * `<base64url(JSON claims)>.<base64url(HMAC-SHA256(domain + body))>`. Each kind has its own claims
 * schema and its own domain prefix, so a token of one kind is never accepted as another under the
 * same secret. Expiry is each kind's business (a feed may have none).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';

export type OpenedToken<T> = { ok: true; claims: T; body: string } | { ok: false; status: 403; reason: 'malformed' | 'bad-signature' };

const sign = (secret: string, domain: string, body: string) => createHmac('sha256', secret).update(`${domain}${body}`).digest().toString('base64url');

/** Deterministic: the same claims give the same token (keys in the order given). */
export function sealToken(secret: string, domain: string, claims: object): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${sign(secret, domain, body)}`;
}

/** Checks the signature, then the claims against their schema; 403 for either. */
export function openToken<S extends z.ZodTypeAny>(secret: string, domain: string, token: string, schema: S): OpenedToken<z.infer<S>> {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, status: 403, reason: 'malformed' };
  const [body, sig] = parts;
  // Compared as text in its one canonical encoding: base64 decoding ignores a last character's spare
  // bits, so comparing decoded bytes would accept other spellings of the same signature.
  const expected = Buffer.from(sign(secret, domain, body));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 403, reason: 'bad-signature' };
  const parsed = schema.safeParse(parseJson(Buffer.from(body, 'base64url').toString('utf8')));
  if (!parsed.success) return { ok: false, status: 403, reason: 'malformed' };
  return { ok: true, claims: parsed.data, body };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
