/**
 * Forged and altered link tokens, for the tests that attack `/l/<token>` (test/api/api.test.ts, and the
 * complete attack suite in test/faults/token-attacks.fault.ts). Paths are `/l/<body>.<signature>`.
 */
import { createLinkToken, type LinkClaims } from '../../lib/links';

const split = (path: string): [string, string] => {
  const [body, sig] = path.replace(/^\/l\//, '').split('.');
  return [body, sig];
};

/** The same claims with the first character of the signature changed (it carries six bits of the MAC). */
export function flipSignature(path: string): string {
  const [body, sig] = split(path);
  return `/l/${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
}

/**
 * The real signature spelled differently: the last character of a 32-byte base64url value carries two
 * spare bits that decoding ignores. The same bytes, but not the token that was issued.
 */
export function respellSignature(path: string): string {
  const [body, sig] = split(path);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(sig.at(-1)!);
  return `/l/${body}.${sig.slice(0, -1)}${alphabet[last ^ 1]}`;
}

/** The claims of a real link, read back (as anyone holding the link can). */
export function claimsOf(path: string): LinkClaims {
  return JSON.parse(Buffer.from(split(path)[0], 'base64url').toString('utf8')) as LinkClaims;
}

/** A real link whose claims were edited (another person, step, role, expiry…), keeping its signature. */
export function tamperClaims(path: string, change: Partial<LinkClaims>): string {
  const body = Buffer.from(JSON.stringify({ ...claimsOf(path), ...change })).toString('base64url');
  return `/l/${body}.${split(path)[1]}`;
}

/** A correctly signed link (with `secret`), valid for an hour unless `x` says otherwise. */
export function signedLink(secret: string, claims: Omit<LinkClaims, 'v' | 'x'> & { x?: number }): string {
  return `/l/${createLinkToken(secret, { ...claims, x: claims.x ?? Math.floor(Date.now() / 1000) + 3600 })}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
