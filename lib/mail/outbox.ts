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
  const owner = randomUUID();
  let created = false;
  // The Message-ID is fixed in the row at insert: a resend carries the row's, whatever derives it now.
  let messageId = messageIdFor(mail.key);
  try {
    await Outbox.create({
      _id: mail.key,
      cycleId: mail.cycleId,
      kind: mail.kind,
      to: mail.to,
      subject: mail.subject,
      messageId,
      status: 'pending',
      attempts: 0,
      createdAt: new Date(),
    });
    created = true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  // The common case costs four round trips: we created the row and took its lease, so nobody can have
  // sent it yet. Otherwise (a retry, or an overlapping attempt) wait for the row's fate under the lease.
  if (!(created && (await claim(models, mail.key, owner)))) {
    const settled = await claimOrSettle(models, mail.key, owner);
    if (settled === 'already-sent') return settled;
    messageId = settled.messageId;
  }

  try {
    await transport.sendMail({
      messageId,
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
  // ← the documented window: accepted by the SMTP server, not yet recorded. A failing database write
  // here would widen it, so the write is retried in place before giving up.
  await withRetries(() => Outbox.updateOne({ _id: mail.key }, { $set: { status: 'sent', sentAt: new Date() }, $inc: { attempts: 1 } }));
  // The lease expires by itself if this fails: nothing to undo.
  await release(models, mail.key, owner).catch(() => undefined);
  return 'sent';
}

/**
 * Waits until this attempt holds the row's lease (→ the row's Message-ID: go and send) or the row is
 * settled by another attempt (→ 'already-sent', or a PermanentMailError).
 */
async function claimOrSettle(models: Models, key: string, owner: string): Promise<'already-sent' | { messageId: string }> {
  const { Outbox } = models;
  const waitUntil = Date.now() + CLAIM_MS + 5_000;
  for (;;) {
    const claimed = await claim(models, key, owner);
    // Read under the lease (or after losing it): the previous holder may have just finished.
    const row = await Outbox.findById(key).lean();
    if (!row) throw new Error(`outbox row ${key} vanished`);
    if (row.status !== 'pending') {
      if (claimed) await release(models, key, owner);
      if (row.status === 'sent') return 'already-sent';
      throw new PermanentMailError(`refused earlier: ${row.lastError ?? 'unknown reason'}`);
    }
    if (claimed) return { messageId: row.messageId };
    if (Date.now() > waitUntil) throw new Error(`outbox row ${key} is held by another attempt; retry later`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function withRetries<T>(op: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
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
