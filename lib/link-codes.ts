/**
 * One-time codes for the decisions that weigh most (plan `security.oneTimeCode`): before the POST of
 * a council decision or a ballot, the link's holder asks for a 6-digit code, emailed to the address
 * the link was issued to. A code is bound to one link token (one row per token, keyed by the token
 * id), lives 10 minutes, allows 5 tries, and works once: a new code replaces the previous one.
 *
 * The row holds the token id, an HMAC of the code and counters — never what the holder then decides,
 * so for a ballot it says no more than the participation the cluster workflow records anyway.
 *
 * Each step is one conditional single-document update (atomic on MongoDB and FerretDB alike): a try
 * is counted before the code is compared, so parallel guesses cannot exceed the limit, and of two
 * posts with the right code only one uses it.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Transporter } from 'nodemailer';
import { sendOnce } from './mail/outbox';
import type { Lang, MailRenderer } from './mail/render';

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_TRIES = 5;
/** A new code no sooner than this after the last one (a double click sends one mail). */
export const RESEND_AFTER_MS = 60_000;
/** At most this many codes per link and hour (nobody can flood the holder's inbox). */
export const CODES_PER_HOUR = 5;

/** The decisions a plan may protect with a code. */
export const ONE_TIME_CODE_DECISIONS = ['council-decision', 'ballot'] as const;
export type OneTimeCodeDecision = (typeof ONE_TIME_CODE_DECISIONS)[number];

interface LinkCodeDoc {
  _id: string;
  /** HMAC of the code; absent once used. */
  codeHash?: string;
  issuedAt: Date;
  expiresAt: Date;
  tries: number;
  /** How many codes this link has had (the n-th code's mail has business key …:n). */
  issued: number;
  hourStart: Date;
  hourCount: number;
  usedAt?: Date;
}

const linkCodeSchema = new Schema<LinkCodeDoc>(
  {
    _id: String,
    codeHash: String,
    issuedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    tries: { type: Number, required: true },
    issued: { type: Number, required: true },
    hourStart: { type: Date, required: true },
    hourCount: { type: Number, required: true },
    usedAt: Date,
  },
  { collection: 'link_codes', versionKey: false },
);

/** Registered on first use, on the connection it is asked for (keeps the shared models list as is). */
export function linkCodeModel(conn: Connection): Model<LinkCodeDoc> {
  return (conn.models.LinkCode as Model<LinkCodeDoc> | undefined) ?? conn.model<LinkCodeDoc>('LinkCode', linkCodeSchema);
}

const hashOf = (secret: string, tokenId: string, code: string) => createHmac('sha256', secret).update(`link-code\u0000${tokenId}\u0000${code}`).digest('hex');

export interface CodeMailer {
  transport: Transporter;
  renderer: MailRenderer;
  mailFrom: string;
}

export type IssueResult = { ok: true; expiresAt: Date } | { ok: false; reason: 'too-soon' | 'too-many'; retryAt: Date };

/**
 * Makes a new code for the link and emails it to `to` (the link's holder). `what` names the decision
 * in the mail. The mail goes through the outbox with business key `link-code:<tokenId>:<n>`.
 */
export async function issueLinkCode(
  conn: Connection,
  models: Parameters<typeof sendOnce>[0],
  mailer: CodeMailer,
  opts: { secret: string; tokenId: string; to: string; lang: Lang; what: string; now: Date; cycleId?: string },
): Promise<IssueResult> {
  const LinkCode = linkCodeModel(conn);
  const { now, tokenId } = opts;
  const prev = await LinkCode.findById(tokenId).lean();
  if (prev && !prev.usedAt && prev.codeHash && now.getTime() - prev.issuedAt.getTime() < RESEND_AFTER_MS && prev.expiresAt > now) {
    return { ok: false, reason: 'too-soon', retryAt: new Date(prev.issuedAt.getTime() + RESEND_AFTER_MS) };
  }
  const sameHour = prev && now.getTime() - prev.hourStart.getTime() < 3600_000;
  if (prev && sameHour && prev.hourCount >= CODES_PER_HOUR) {
    return { ok: false, reason: 'too-many', retryAt: new Date(prev.hourStart.getTime() + 3600_000) };
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
  const issued = (prev?.issued ?? 0) + 1;
  const set = {
    codeHash: hashOf(opts.secret, tokenId, code),
    issuedAt: now,
    expiresAt,
    tries: 0,
    issued,
    hourStart: sameHour ? prev.hourStart : now,
    hourCount: sameHour ? prev.hourCount + 1 : 1,
  };
  if (prev) {
    // Only over the row as read: of two concurrent requests one issues, the other is "too soon".
    const r = await LinkCode.updateOne({ _id: tokenId, issued: prev.issued }, { $set: set, $unset: { usedAt: 1 } });
    if (r.modifiedCount !== 1) return { ok: false, reason: 'too-soon', retryAt: new Date(now.getTime() + RESEND_AFTER_MS) };
  } else {
    try {
      await LinkCode.create({ _id: tokenId, ...set });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return { ok: false, reason: 'too-soon', retryAt: new Date(now.getTime() + RESEND_AFTER_MS) };
      throw err;
    }
  }
  const mail = mailer.renderer.render('link.code', opts.lang, { code, what: opts.what, expiresAt, recipient: { email: opts.to } });
  await sendOnce(models, mailer.transport, {
    key: `link-code:${tokenId}:${issued}`,
    cycleId: opts.cycleId,
    kind: 'link.code',
    to: opts.to,
    from: mailer.mailFrom,
    ...mail,
  });
  return { ok: true, expiresAt };
}

export type CheckResult = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'wrong' | 'expired' | 'locked' | 'used'; triesLeft?: number };

/** Uses the link's code if `code` is it; each call counts as one try. */
export async function useLinkCode(conn: Connection, opts: { secret: string; tokenId: string; code: unknown; now: Date }): Promise<CheckResult> {
  const LinkCode = linkCodeModel(conn);
  const { now, tokenId } = opts;
  const code = typeof opts.code === 'string' ? opts.code.trim() : '';
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: code ? 'malformed' : 'missing' };
  // Count the try first, under the conditions that make it a live code.
  const counted = await LinkCode.updateOne(
    { _id: tokenId, codeHash: { $exists: true }, tries: { $lt: MAX_TRIES }, expiresAt: { $gt: now } },
    { $inc: { tries: 1 } },
  );
  const row = await LinkCode.findById(tokenId).lean();
  if (counted.modifiedCount !== 1 || !row) {
    if (!row) return { ok: false, reason: 'missing' };
    if (!row.codeHash) return { ok: false, reason: row.usedAt ? 'used' : 'missing' };
    if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: false, reason: 'locked' };
  }
  const given = Buffer.from(hashOf(opts.secret, tokenId, code), 'hex');
  const expected = Buffer.from(row.codeHash ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    const triesLeft = Math.max(MAX_TRIES - row.tries, 0);
    return { ok: false, reason: triesLeft === 0 ? 'locked' : 'wrong', triesLeft };
  }
  const used = await LinkCode.updateOne({ _id: tokenId, codeHash: row.codeHash }, { $set: { usedAt: now }, $unset: { codeHash: 1 } });
  return used.modifiedCount === 1 ? { ok: true } : { ok: false, reason: 'used' };
}

/** What the page says when a code is refused (Vietnamese, English); the HTTP status to answer with. */
export function codeRefusal(r: Exclude<CheckResult, { ok: true }>): { status: number; vi: string; en: string } {
  switch (r.reason) {
    case 'missing':
      return { status: 400, vi: 'Cần nhập mã xác nhận: bấm “Gửi mã xác nhận” để nhận mã qua email.', en: 'A confirmation code is needed: press “Email me a code” to get one.' };
    case 'malformed':
      return { status: 400, vi: 'Mã xác nhận gồm 6 chữ số.', en: 'The confirmation code is 6 digits.' };
    case 'wrong':
      return { status: 400, vi: `Mã xác nhận không đúng; còn ${r.triesLeft} lần thử.`, en: `The confirmation code is wrong; ${r.triesLeft} tries left.` };
    case 'expired':
      return { status: 410, vi: 'Mã xác nhận đã hết hạn; hãy yêu cầu mã mới.', en: 'The confirmation code has expired; ask for a new one.' };
    case 'locked':
      return { status: 429, vi: 'Đã nhập sai quá số lần cho phép; hãy yêu cầu mã mới.', en: 'Too many wrong tries; ask for a new code.' };
    case 'used':
      return { status: 410, vi: 'Mã xác nhận đã được dùng; hãy yêu cầu mã mới.', en: 'The confirmation code was already used; ask for a new one.' };
  }
}
