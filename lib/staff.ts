/**
 * Staff accounts: passwords (Argon2id, OWASP's parameters, kept in the PHC hash string; older scrypt hashes still verify), sessions
 * with a CSRF token, one-time password reset links sent through the outbox, and the sign-in rate limit.
 * Used by the api and by `thidua staff` (which talks to MongoDB directly), so it takes `models`, not
 * the api's deps. Only what MongoDB and FerretDB v1 both support: unique `_id` inserts, single-document
 * conditional updates, timestamps compared in queries (no TTL index).
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { isDuplicateKey, STAFF_ROLES, type Models, type StaffAccountDoc, type StaffRole } from './db';
import { sendOnce } from './mail/outbox';
import type { Lang, MailRenderer } from './mail/render';

export { STAFF_ROLES, type StaffRole };

// ── passwords ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane), written as a PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) so the parameters travel with the hash and can be
 * raised later without breaking the stored ones.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export async function hashPassword(password: string): Promise<string> {
  return argon2Hash(password.normalize('NFC'), ARGON2);
}

/** Constant-time compare; a malformed hash (or parameters out of sane bounds) never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2id$')) {
    try {
      return await argon2Verify(stored, password.normalize('NFC'));
    } catch {
      return false;
    }
  }
  return verifyScrypt(password, stored);
}

// Accounts made before Argon2id carry `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>`.
const MAX_MEM = 128 * 1024 * 1024;
const scrypt = (password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))));

async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  const sane = Number.isInteger(N) && N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
  if (!sane || salt.length < 8 || expected.length < 16 || expected.length > 64 || 128 * N * r * p > MAX_MEM) return false;
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: MAX_MEM });
  return timingSafeEqual(key, expected);
}

/** A hash nobody's password matches: an unknown email costs the same time as a known one. */
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));

export const PASSWORD_MIN = 10;
export const passwordProblem = (password: unknown): string | undefined => {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > 200) return 'must be at most 200 characters';
  return undefined;
};

export const generatePassword = (): string => randomBytes(15).toString('base64url'); // 20 characters

// ── accounts ───────────────────────────────────────────────────────────────────────────────────────

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const newAccountSchema = z.object({
  email: z.string().trim().toLowerCase().email('must be an email address'),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  roles: z
    .array(z.enum(STAFF_ROLES, { message: `must be one of ${STAFF_ROLES.join(', ')}` }))
    .min(1, `at least one role: ${STAFF_ROLES.join(', ')}`),
  clusters: z.array(z.string().trim().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a cluster id such as cum-1')).optional(),
  password: z.string().superRefine((v, ctx) => {
    const problem = passwordProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});
export type NewAccount = z.input<typeof newAccountSchema>;

export class StaffError extends Error {
  constructor(
    readonly code: 'invalid' | 'exists',
    message: string,
  ) {
    super(message);
  }
}

export async function createAccount(models: Models, input: NewAccount, now = new Date()): Promise<StaffAccountDoc> {
  const parsed = newAccountSchema.safeParse(input);
  if (!parsed.success) {
    throw new StaffError('invalid', parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; '));
  }
  const a = parsed.data;
  const doc: StaffAccountDoc = {
    _id: a.email,
    name: a.name,
    roles: [...new Set(a.roles)],
    ...(a.clusters && a.clusters.length > 0 ? { scope: { clusters: [...new Set(a.clusters)] } } : {}),
    passwordHash: await hashPassword(a.password),
    createdAt: now,
    failedLogins: 0,
  };
  try {
    await models.StaffAccount.create(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw new StaffError('exists', `an account for ${a.email} already exists`);
    throw err;
  }
  return doc;
}

export const listAccounts = (models: Models) => models.StaffAccount.find({}, { passwordHash: 0 }).sort({ _id: 1 }).lean();

// ── sign-in rate limit ─────────────────────────────────────────────────────────────────────────────

export interface LoginLimits {
  windowMs: number;
  perEmail: number;
  /** Higher than per email: a commune office signs in from one address. */
  perIp: number;
}
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 15 * 60_000, perEmail: 5, perIp: 20 };

const failureKeys = (email: string | undefined, ip: string) => [...(email ? [`email:${normalizeEmail(email)}`] : []), `ip:${ip}`];

/** The sign-in is refused before any password is checked: the email or the address had too many failures. */
export async function loginThrottled(models: Models, email: string | undefined, ip: string, now: Date, limits = DEFAULT_LOGIN_LIMITS): Promise<boolean> {
  const since = new Date(now.getTime() - limits.windowMs);
  const [byEmail, byIp] = await Promise.all([
    email ? models.LoginFailure.countDocuments({ key: `email:${normalizeEmail(email)}`, at: { $gt: since } }) : Promise.resolve(0),
    models.LoginFailure.countDocuments({ key: `ip:${ip}`, at: { $gt: since } }),
  ]);
  if (byEmail >= limits.perEmail || byIp >= limits.perIp) return true;
  if (email) {
    const account = await models.StaffAccount.findById(normalizeEmail(email), { lockedUntil: 1 }).lean();
    if (account?.lockedUntil && account.lockedUntil.getTime() > now.getTime()) return true;
  }
  return false;
}

export async function recordLoginFailure(models: Models, email: string | undefined, ip: string, now: Date, limits = DEFAULT_LOGIN_LIMITS): Promise<void> {
  const since = new Date(now.getTime() - limits.windowMs);
  await models.LoginFailure.insertMany(failureKeys(email, ip).map((key) => ({ key, at: now })));
  // No TTL index on FerretDB: rows older than the window are pruned here, where failures happen.
  await models.LoginFailure.deleteMany({ at: { $lte: since } });
  if (!email) return;
  const id = normalizeEmail(email);
  const account = await models.StaffAccount.findById(id, { _id: 1 }).lean();
  if (!account) return;
  await models.StaffAccount.updateOne({ _id: id }, { $inc: { failedLogins: 1 } });
  const recent = await models.LoginFailure.countDocuments({ key: `email:${id}`, at: { $gt: since } });
  if (recent >= limits.perEmail) await models.StaffAccount.updateOne({ _id: id }, { $set: { lockedUntil: new Date(now.getTime() + limits.windowMs) } });
}

/** A successful sign-in clears the email's failures (not the address's). */
async function clearFailures(models: Models, email: string): Promise<void> {
  await models.LoginFailure.deleteMany({ key: `email:${email}` });
  await models.StaffAccount.updateOne({ _id: email }, { $set: { failedLogins: 0 }, $unset: { lockedUntil: 1 } });
}

/** The account when the password matches and the account is enabled; the same time is spent otherwise. */
export async function checkPassword(models: Models, email: string, password: string): Promise<StaffAccountDoc | undefined> {
  const account = await models.StaffAccount.findById(normalizeEmail(email)).lean<StaffAccountDoc>();
  const ok = await verifyPassword(password, account?.passwordHash ?? (await dummy()));
  if (!ok || !account || account.disabledAt) return undefined;
  await clearFailures(models, account._id);
  return account;
}

// ── sessions ───────────────────────────────────────────────────────────────────────────────────────

export const SESSION_MS = 8 * 3600 * 1000;
const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');

export interface OpenedSession {
  /** The cookie's value (only its hash is stored). */
  cookie: string;
  csrf: string;
  expiresAt: Date;
}

export async function openSession(models: Models, kind: 'account' | 'token', email: string, now: Date): Promise<OpenedSession> {
  const cookie = randomToken();
  const csrf = randomToken();
  const expiresAt = new Date(now.getTime() + SESSION_MS);
  await models.StaffSession.create({ _id: sha256(cookie), kind, email, csrf, expiresAt, createdAt: now });
  return { cookie, csrf, expiresAt };
}

export async function findSession(models: Models, cookie: string, now: Date) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(cookie)) return undefined;
  const s = await models.StaffSession.findById(sha256(cookie)).lean();
  return s && s.expiresAt.getTime() > now.getTime() ? s : undefined;
}

export async function revokeSession(models: Models, cookie: string): Promise<void> {
  await models.StaffSession.deleteOne({ _id: sha256(cookie) });
}

/** Every session of an account (after a password reset, or when it is disabled). */
export async function revokeSessionsOf(models: Models, email: string): Promise<void> {
  await models.StaffSession.deleteMany({ email, kind: 'account' });
}

// ── password reset ─────────────────────────────────────────────────────────────────────────────────

export const RESET_MS = 3600 * 1000;
/** At most this many reset emails per account and hour (nobody can flood a colleague's inbox). */
const RESETS_PER_HOUR = 3;

export interface ResetMailer {
  transport: Transporter;
  renderer: MailRenderer;
  mailFrom: string;
  publicBaseUrl: string;
}

/**
 * Emails a one-time link to an enabled account; does nothing (and says nothing) for any other email.
 * Returns whether a mail was sent, for the audit only — never for the page.
 */
export async function requestPasswordReset(models: Models, mailer: ResetMailer, emailInput: string, lang: Lang, now: Date): Promise<boolean> {
  const email = normalizeEmail(emailInput);
  const account = await models.StaffAccount.findById(email).lean<StaffAccountDoc>();
  if (!account || account.disabledAt) return false;
  const recent = await models.PasswordReset.countDocuments({ email, createdAt: { $gt: new Date(now.getTime() - 3600_000) } });
  if (recent >= RESETS_PER_HOUR) return false;
  const token = randomToken();
  const id = sha256(token);
  await models.PasswordReset.create({ _id: id, email, createdAt: now, expiresAt: new Date(now.getTime() + RESET_MS) });
  const link = `${mailer.publicBaseUrl}/password/reset/${token}${lang === 'en' ? '?lang=en' : ''}`;
  const mail = mailer.renderer.render('staff.password-reset', lang, { recipient: { name: account.name, email }, link, expiresAt: new Date(now.getTime() + RESET_MS) });
  await sendOnce(models, mailer.transport, {
    key: `staff:password-reset:${id.slice(0, 32)}:${email}`,
    kind: 'staff.password-reset',
    to: email,
    from: mailer.mailFrom,
    ...mail,
  });
  return true;
}

/** The reset row a token names, if it can still be used (GET shows the form with this; nothing changes). */
export async function findUsableReset(models: Models, token: string, now: Date) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const r = await models.PasswordReset.findById(sha256(token)).lean();
  return r && !r.usedAt && r.expiresAt.getTime() > now.getTime() ? r : undefined;
}

/**
 * Sets the password and uses the token up: a conditional single-document update decides which of two
 * concurrent posts wins (atomic on MongoDB and FerretDB alike). Every session of the account is revoked.
 */
export async function completePasswordReset(models: Models, token: string, password: string, now: Date): Promise<{ email: string } | 'invalid' | 'weak'> {
  if (passwordProblem(password)) return 'weak';
  const r = await findUsableReset(models, token, now);
  if (!r) return 'invalid';
  const hash = await hashPassword(password);
  const used = await models.PasswordReset.updateOne({ _id: r._id, usedAt: { $exists: false }, expiresAt: { $gt: now } }, { $set: { usedAt: now } });
  if (used.modifiedCount !== 1) return 'invalid';
  const updated = await models.StaffAccount.updateOne({ _id: r.email, disabledAt: { $exists: false } }, { $set: { passwordHash: hash, failedLogins: 0 }, $unset: { lockedUntil: 1 } });
  if (updated.matchedCount !== 1) return 'invalid';
  await models.LoginFailure.deleteMany({ key: `email:${r.email}` });
  await revokeSessionsOf(models, r.email);
  return { email: r.email };
}
