/**
 * Send an email at most once per business key — except in one window that no SMTP client can close:
 * the server accepted the message and the process died before the row was marked sent. A retry then
 * resends it with the same Message-ID, so the duplicate is recognisable downstream.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { Models } from '../db';
import { gatheredFindById } from '../db/gathered-find';
import { gatheredInsert } from '../db/gathered-insert';

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

/** What the outbox row says, when there is one. */
type Row = { status: string; messageId: string; lastError?: string | null };

/** Gathered with the concurrent reads of other messages' rows (one scan for many on FerretDB: lib/db/gathered-find.ts). */
const readRow = (models: Models, key: string) => gatheredFindById<Row>(models.Outbox, key);

/** What an attempt knows about the row once it holds the lease: absent (never recorded) or its Message-ID. */
type Held = { row: false } | { row: true; messageId: string };

export async function sendOnce(models: Models, transport: Transporter, mail: OutgoingMail): Promise<SendResult> {
  const owner = randomUUID();
  // The common case is write-once: take the lease (an insert), see that no row exists, send, then
  // insert the row already 'sent'. On FerretDB/SQLite an insert costs ~1 ms (its unique index is used)
  // while a read, update or delete by _id scans the collection (tens of ms next to 5,000 rows:
  // bench/probe-ferretdb.ts), so the row is only updated on the rare paths (a retry, a failure, an
  // overlapping attempt). The inserts and the read are gathered with those of concurrent sends: under
  // a burst one command (one scan) serves many messages.
  let held: Held | 'already-sent';
  if (await claim(models, mail.key, owner)) {
    held = await settledOrHeld(models, mail.key, owner, await readRow(models, mail.key));
  } else {
    held = await claimOrSettle(models, mail.key, owner);
  }
  if (held === 'already-sent') return held;
  // The Message-ID is the row's when it has one (fixed at its first record); else the key's.
  const messageId = held.row ? held.messageId : messageIdFor(mail.key);

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
    const status = permanent ? 'failed' : 'pending';
    await record(models, mail, messageId, held.row, { status, lastError: reason });
    await release(models, mail.key, owner);
    if (permanent) throw new PermanentMailError(reason, code);
    throw err;
  }
  // ← the documented window: accepted by the SMTP server, not yet recorded. A failing database write
  // here would widen it, so the write is retried in place before giving up.
  await withRetries(() => record(models, mail, messageId, held.row, { status: 'sent', sentAt: new Date() }));
  // The lease is left in place (a delete costs tens of ms on FerretDB): a later attempt reads the row,
  // finds it sent and never needs the lease. Leases of failed attempts are released (a retry follows).
  return 'sent';
}

/**
 * Records one attempt's outcome: the first record of a message inserts its row (cheap), a later one
 * updates it. A row that appears meanwhile (only possible after this attempt's lease expired) is updated.
 */
async function record(
  models: Models,
  mail: OutgoingMail,
  messageId: string,
  rowExists: boolean,
  outcome: { status: 'pending' | 'sent' | 'failed'; sentAt?: Date; lastError?: string },
): Promise<void> {
  const { Outbox } = models;
  if (!rowExists) {
    const inserted = await gatheredInsert(Outbox, {
      _id: mail.key,
      cycleId: mail.cycleId,
      kind: mail.kind,
      to: mail.to,
      subject: mail.subject,
      messageId,
      attempts: 1,
      createdAt: new Date(),
      ...outcome,
    });
    if (inserted === 'inserted') return;
  }
  await Outbox.updateOne({ _id: mail.key }, { $set: outcome, $inc: { attempts: 1 } });
}

/** Under the lease: the row's fate decides — sent (nothing to do), failed (refused earlier), or send. */
async function settledOrHeld(
  models: Models,
  key: string,
  owner: string,
  row: Row | null,
): Promise<Held | 'already-sent'> {
  if (!row) return { row: false };
  if (row.status === 'pending') return { row: true, messageId: row.messageId };
  await release(models, key, owner);
  if (row.status === 'sent') return 'already-sent';
  throw new PermanentMailError(`refused earlier: ${row.lastError ?? 'unknown reason'}`);
}

/**
 * Waits until this attempt holds the row's lease (→ send) or the row is settled by another attempt
 * (→ 'already-sent', or a PermanentMailError).
 */
async function claimOrSettle(models: Models, key: string, owner: string): Promise<Held | 'already-sent'> {
  const waitUntil = Date.now() + CLAIM_MS + 5_000;
  for (;;) {
    // A settled row needs no lease (the lease of a sent message stays in place, expired).
    const row = await readRow(models, key);
    if (row && row.status === 'sent') return 'already-sent';
    if (row && row.status === 'failed') throw new PermanentMailError(`refused earlier: ${row.lastError ?? 'unknown reason'}`);
    if (await claim(models, key, owner)) {
      // Read again under the lease: the previous holder may have just finished.
      return settledOrHeld(models, key, owner, await readRow(models, key));
    }
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
  // Gathered with the concurrent claims of other messages into one insert (lib/db/gathered-insert.ts).
  if ((await gatheredInsert(OutboxClaim, { _id: key, owner, until })) === 'inserted') return true;
  const held = await OutboxClaim.findById(key).lean();
  if (held && held.until.getTime() < Date.now()) {
    // Only the stealer whose delete matched the stale lease exactly may try to insert; the insert decides.
    await OutboxClaim.deleteOne({ _id: key, owner: held.owner });
    return (await gatheredInsert(OutboxClaim, { _id: key, owner, until })) === 'inserted';
  }
  return false;
}

async function release(models: Models, key: string, owner: string): Promise<void> {
  await models.OutboxClaim.deleteOne({ _id: key, owner });
}
