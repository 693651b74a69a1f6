/** Signed links in emails: `<base64url(claims)>.<base64url(HMAC-SHA256)>`. */
import { createHash, createHmac } from 'node:crypto';
import { createLinkToken, linkUrl, verifyLinkToken, type LinkClaims } from '../../lib/links';

const SECRET = 'k'.repeat(32);
const OTHER_SECRET = 'q'.repeat(32);
const X = 1_800_000_000; // expiry, seconds: 2027-01-15
const NOW = 1_700_000_000_000; // ms: 2023-11-14
const claims: Omit<LinkClaims, 'v'> = {
  w: 'thidua:mttq-dinh-quan:2024:unit:xa-phu-tan',
  s: 'registration',
  r: 'unit',
  p: 'xa-phu-tan@units.test',
  x: X,
};

/** A token whose body is `bodyText` (any text), correctly signed with `secret`. */
function signedRaw(bodyText: string, secret = SECRET): string {
  const body = Buffer.from(bodyText).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Replaces the character at index i with a different base64url character. */
function changeChar(s: string, i: number): string {
  const c = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + c + s.slice(i + 1);
}

test('round trip: the verified claims are the ones signed, plus v: 1', () => {
  const token = createLinkToken(SECRET, claims);
  const r = verifyLinkToken(SECRET, token, NOW);
  expect(r).toEqual({ ok: true, claims: { v: 1, ...claims }, tokenId: expect.stringMatching(/^[0-9a-f]{32}$/) });
});

test('the token format is base64url(JSON claims) . base64url(HMAC-SHA256 of the body)', () => {
  const token = createLinkToken(SECRET, claims);
  const [body, sig] = token.split('.');
  expect(JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))).toEqual({ v: 1, ...claims });
  expect(sig).toBe(createHmac('sha256', SECRET).update(body).digest('base64url'));
  expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/); // URL-safe, no padding
});

test('deterministic: the same claims give the same token (reminders reuse the link)', () => {
  expect(createLinkToken(SECRET, { ...claims })).toBe(createLinkToken(SECRET, claims));
  expect(createLinkToken(OTHER_SECRET, claims)).not.toBe(createLinkToken(SECRET, claims));
});

test('linkUrl', () => {
  expect(linkUrl('https://thidua.example.org', 'abc.def')).toBe('https://thidua.example.org/l/abc.def');
});

describe('refused tokens', () => {
  const good = createLinkToken(SECRET, claims);
  const [body, sig] = good.split('.');

  test.each<[string, string, string, 403 | 410, string]>([
    ['signature: first char changed', `${body}.${changeChar(sig, 0)}`, SECRET, 403, 'bad-signature'],
    ['signature: middle char changed', `${body}.${changeChar(sig, 20)}`, SECRET, 403, 'bad-signature'],
    ['signature: truncated', `${body}.${sig.slice(0, -4)}`, SECRET, 403, 'bad-signature'],
    ['signature: of another body', `${createLinkToken(SECRET, { ...claims, p: 'x@y.z' }).split('.')[0]}.${sig}`, SECRET, 403, 'bad-signature'],
    ['body: first char changed', `${changeChar(body, 0)}.${sig}`, SECRET, 403, 'bad-signature'],
    ['body: last char changed', `${changeChar(body, body.length - 1)}.${sig}`, SECRET, 403, 'bad-signature'],
    ['another secret', good, OTHER_SECRET, 403, 'bad-signature'],
    ['empty', '', SECRET, 403, 'malformed'],
    ['one part', 'a', SECRET, 403, 'malformed'],
    ['three parts', 'a.b.c', SECRET, 403, 'malformed'],
    ['empty parts', '.', SECRET, 403, 'malformed'],
    ['empty signature', `${body}.`, SECRET, 403, 'malformed'],
    ['empty body', `.${sig}`, SECRET, 403, 'malformed'],
    ['body is not JSON (valid HMAC)', signedRaw('not json at all'), SECRET, 403, 'malformed'],
    ['body is JSON but not an object (valid HMAC)', signedRaw('42'), SECRET, 403, 'malformed'],
    ['claims: v 2 (valid HMAC)', signedRaw(JSON.stringify({ ...claims, v: 2 })), SECRET, 403, 'malformed'],
    ['claims: unknown role (valid HMAC)', signedRaw(JSON.stringify({ v: 1, ...claims, r: 'admin' })), SECRET, 403, 'malformed'],
    ['claims: no expiry (valid HMAC)', signedRaw(JSON.stringify({ v: 1, w: 'w', s: 's', r: 'unit', p: 'a@b' })), SECRET, 403, 'malformed'],
    ['claims: expiry not an integer (valid HMAC)', signedRaw(JSON.stringify({ v: 1, ...claims, x: 1.5 })), SECRET, 403, 'malformed'],
    ['claims: empty workflow id (valid HMAC)', signedRaw(JSON.stringify({ v: 1, ...claims, w: '' })), SECRET, 403, 'malformed'],
  ])('%s', (_what, token, secret, status, reason) => {
    expect(verifyLinkToken(secret, token, NOW)).toEqual({ ok: false, status, reason });
  });
});

describe('expiry: expired when x * 1000 <= now', () => {
  const token = createLinkToken(SECRET, claims);
  test.each<[string, number, boolean]>([
    ['one ms before', X * 1000 - 1, true],
    ['exactly at x', X * 1000, false],
    ['one ms after', X * 1000 + 1, false],
    ['a year after', X * 1000 + 365 * 86_400_000, false],
  ])('%s', (_what, now, valid) => {
    const r = verifyLinkToken(SECRET, token, now);
    if (valid) expect(r.ok).toBe(true);
    else expect(r).toEqual({ ok: false, status: 410, reason: 'expired', claims: { v: 1, ...claims } });
  });

  test('an expired token with a bad signature is a bad signature, not expired', () => {
    const [body, sig] = token.split('.');
    expect(verifyLinkToken(SECRET, `${body}.${changeChar(sig, 0)}`, X * 1000 + 1)).toEqual({
      ok: false,
      status: 403,
      reason: 'bad-signature',
    });
  });
});

describe('tokenId', () => {
  const idOf = (c: Omit<LinkClaims, 'v'>) => {
    const r = verifyLinkToken(SECRET, createLinkToken(SECRET, c), NOW);
    if (!r.ok) throw new Error(`not ok: ${r.reason}`);
    return r.tokenId;
  };

  test('is the first 32 hex chars of sha256(body), the same on every verification', () => {
    const token = createLinkToken(SECRET, claims);
    const expected = createHash('sha256').update(token.split('.')[0]).digest('hex').slice(0, 32);
    expect(idOf(claims)).toBe(expected);
    expect(idOf({ ...claims })).toBe(expected);
  });

  test.each<[string, Partial<LinkClaims>]>([
    ['another person', { p: 'xa-phu-vinh@units.test' }],
    ['another step', { s: 'report' }],
    ['another role', { r: 'reviewer' }],
    ['another workflow', { w: 'thidua:mttq-dinh-quan:2024:unit:xa-phu-vinh' }],
    ['another expiry', { x: X + 1 }],
  ])('differs for %s', (_what, change) => {
    expect(idOf({ ...claims, ...change })).not.toBe(idOf(claims));
  });
});

test('only the signature as issued: another spelling of the same MAC bytes (the spare bits of its last character) is refused', () => {
  const token = createLinkToken(SECRET, claims);
  const [body, sig] = token.split('.');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelled = `${sig.slice(0, -1)}${alphabet[alphabet.indexOf(sig.at(-1)!) ^ 1]}`;
  expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(sig, 'base64url')); // the same bytes…
  expect(verifyLinkToken(SECRET, `${body}.${respelled}`, NOW)).toEqual({ ok: false, status: 403, reason: 'bad-signature' }); // …refused
});
