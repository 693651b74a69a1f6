/**
 * Send an email at most once per business key — except in one window that no SMTP client can close:
 * the server accepted the message and the process died before the row was marked sent. A retry then
 * resends it with the same Message-ID, so the duplicate is recognisable downstream.
 */
import { createHash } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import { isDuplicateKey, type Models } from '../db';

export interface OutgoingMail {
  key: string;
  cycleId?: string;
  kind: string;
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  attachments?: { filename: string; content: string | Buffer; contentType: string }[];
}

export type SendResult = 'sent' | 'already-sent';

/** A refusal that will not change on retry (5xx, unknown mailbox): recorded, not retried. */
export class PermanentMailError extends Error {
  constructor(
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'PermanentMailError';
  }
}

export const messageIdFor = (key: string): string =>
  `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@thidua>`;

/** How long one attempt may hold a message while sending; a crashed attempt's claim expires after it. */
const CLAIM_MS = 60_000;
const POLL_MS = 200;

export async function sendOnce(models: Models, transport: Transporter, mail: OutgoingMail): Promise<SendResult> {
  const { Outbox } = models;
  try {
    await Outbox.create({
      _id: mail.key,
      cycleId: mail.cycleId,
      kind: mail.kind,
      to: mail.to,
      subject: mail.subject,
      messageId: messageIdFor(mail.key),
      status: 'pending',
      attempts: 0,
      createdAt: new Date(),
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }

  // Overlapping attempts (an activity retried while the first is still running) must not both send:
  // one claims the row atomically, the others wait for its outcome.
  const waitUntil = Date.now() + CLAIM_MS + 5_000;
  let row;
  for (;;) {
    const current = await Outbox.findById(mail.key).lean();
    if (!current) throw new Error(`outbox row ${mail.key} vanished`);
    if (current.status === 'sent') return 'already-sent';
    if (current.status === 'failed') throw new PermanentMailError(`refused earlier: ${current.lastError ?? 'unknown reason'}`);
    const now = new Date();
    row = await Outbox.findOneAndUpdate(
      { _id: mail.key, status: 'pending', $or: [{ claimedUntil: { $exists: false } }, { claimedUntil: null }, { claimedUntil: { $lt: now } }] },
      { $set: { claimedUntil: new Date(now.getTime() + CLAIM_MS) } },
      { new: true },
    ).lean();
    if (row) break;
    if (Date.now() > waitUntil) throw new Error(`outbox row ${mail.key} is held by another attempt; retry later`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  try {
    await transport.sendMail({
      messageId: row.messageId,
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      attachments: mail.attachments,
      headers: { 'X-Thidua-Key': mail.key },
    });
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    const reason = (err as Error).message;
    const permanent = typeof code === 'number' && code >= 500;
    await Outbox.updateOne(
      { _id: mail.key },
      { $set: { lastError: reason, ...(permanent ? { status: 'failed' } : {}) }, $unset: { claimedUntil: 1 }, $inc: { attempts: 1 } },
    );
    if (permanent) throw new PermanentMailError(reason, code);
    throw err;
  }
  // ← the documented window: accepted by the SMTP server, not yet recorded.
  await Outbox.updateOne(
    { _id: mail.key },
    { $set: { status: 'sent', sentAt: new Date() }, $unset: { claimedUntil: 1 }, $inc: { attempts: 1 } },
  );
  return 'sent';
}
