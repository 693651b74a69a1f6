/**
 * Send an email at most once per business key — except in one window that no SMTP client can close:
 * the server accepted the message and the process died before the row was marked sent. A retry then
 * resends it with the same Message-ID, so the duplicate is recognisable downstream.
 */
import { createHash, randomUUID } from 'node:crypto';
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
  // one takes a lease on the row, the others wait for its outcome.
  const owner = randomUUID();
  const waitUntil = Date.now() + CLAIM_MS + 5_000;
  let row;
  for (;;) {
    row = await Outbox.findById(mail.key).lean();
    if (!row) throw new Error(`outbox row ${mail.key} vanished`);
    if (row.status === 'sent') return 'already-sent';
    if (row.status === 'failed') throw new PermanentMailError(`refused earlier: ${row.lastError ?? 'unknown reason'}`);
    if (await claim(models, mail.key, owner)) {
      // Re-read under the lease: the previous holder may have finished just before we claimed.
      row = await Outbox.findById(mail.key).lean();
      if (row?.status === 'sent') return release(models, mail.key, owner).then(() => 'already-sent' as const);
      if (row?.status === 'failed') {
        await release(models, mail.key, owner);
        throw new PermanentMailError(`refused earlier: ${row.lastError ?? 'unknown reason'}`);
      }
      break;
    }
    if (Date.now() > waitUntil) throw new Error(`outbox row ${mail.key} is held by another attempt; retry later`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (!row) throw new Error(`outbox row ${mail.key} vanished`);

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
      { $set: { lastError: reason, ...(permanent ? { status: 'failed' } : {}) }, $inc: { attempts: 1 } },
    );
    await release(models, mail.key, owner);
    if (permanent) throw new PermanentMailError(reason, code);
    throw err;
  }
  // ← the documented window: accepted by the SMTP server, not yet recorded.
  await Outbox.updateOne(
    { _id: mail.key },
    { $set: { status: 'sent', sentAt: new Date() }, $inc: { attempts: 1 } },
  );
  await release(models, mail.key, owner);
  return 'sent';
}

/** Takes the lease, or steals it when its holder's time is up (a crashed attempt). */
async function claim(models: Models, key: string, owner: string): Promise<boolean> {
  const { OutboxClaim } = models;
  const until = new Date(Date.now() + CLAIM_MS);
  try {
    await OutboxClaim.create({ _id: key, owner, until });
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const held = await OutboxClaim.findById(key).lean();
  if (held && held.until.getTime() < Date.now()) {
    // Only the stealer whose delete matched the stale lease exactly may try to insert; the insert decides.
    await OutboxClaim.deleteOne({ _id: key, owner: held.owner });
    try {
      await OutboxClaim.create({ _id: key, owner, until });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return false;
}

async function release(models: Models, key: string, owner: string): Promise<void> {
  await models.OutboxClaim.deleteOne({ _id: key, owner });
}
