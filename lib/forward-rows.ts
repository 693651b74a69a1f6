/**
 * The sender's writes to a forward's row (the Forward collection, read by both cycles): shared by the
 * cluster workflow's activity (activities/awards.ts) and the api's re-send of a returned forward.
 */
import type { ForwardInput } from '../workflows/cycle/definitions';
import type { Models } from './db';

/** The forward exists (sent), or the parent's cycle could not be signalled (pending); true when this write created the row. */
export async function recordForwardRow(models: Models, f: ForwardInput, event: 'sent' | 'pending'): Promise<boolean> {
  const now = new Date();
  const r = await models.Forward.updateOne(
    { _id: f.forwardId },
    {
      $setOnInsert: {
        fromCycleId: f.fromCycleId,
        fromClusterId: f.fromClusterId,
        toCycleId: f.toCycleId,
        kind: f.kind,
        forward: JSON.stringify(f),
        createdAt: now,
        ...(f.resendOf ? { resendOf: f.resendOf.forwardId } : {}),
      },
      $set: event === 'sent' ? { sentAt: now } : { pendingSince: now },
    },
    { upsert: true },
  );
  return r.upsertedCount > 0;
}
