/**
 * The ballot box of a secret ballot (phiếu suy tôn), kept apart from who voted.
 *
 * The ballot page carries a one-time random nonce, generated when the page is shown and stored
 * nowhere. Casting is three steps, each idempotent for the same nonce:
 *   1. seal: insert the marks under ballotId = H("ballot", box, nonce), status 'sealed';
 *   2. the cluster workflow records that the unit voted, with receipt = H("receipt", box, nonce):
 *      a retry of the same form passes, a second ballot from the same unit is refused;
 *   3. cast: mark the row 'cast'. A refused second ballot is deleted at once.
 * Neither hash can be computed from the other without the nonce, so the workflow's history (voter +
 * receipt) cannot be joined with the box (ballotId + marks). No row carries a time or the voter.
 *
 * A crash between two steps: a resubmitted form (same nonce) completes it. Otherwise the count
 * reconciles: with c cast rows, s sealed rows and P units recorded as voted, c = P means the sealed
 * rows are abandoned attempts (not counted); c + s = P means each sealed row is a ballot whose cast
 * mark was lost (counted); anything else cannot be resolved without linking, so the sealed rows are
 * not counted and their number is reported in the minutes as unresolved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isDuplicateKey, type Models } from './db';

const h = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex');

export const newBallotNonce = (): string => randomBytes(24).toString('base64url');
export const ballotIdOf = (boxId: string, nonce: string) => h('ballot', boxId, nonce);
export const receiptOf = (boxId: string, nonce: string) => h('receipt', boxId, nonce);

/** Step 1: the marks go into the box, sealed. */
export async function sealBallot(models: Models, boxId: string, nonce: string, marks: string[]): Promise<void> {
  try {
    // Sorted: the order in which a voter ticked the boxes says nothing about the ballot.
    await models.Ballot.create({ _id: ballotIdOf(boxId, nonce), boxId, marks: [...marks].sort(), status: 'sealed' });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Step 3: the workflow accepted the unit's participation. */
export async function castBallot(models: Models, boxId: string, nonce: string): Promise<void> {
  await models.Ballot.updateOne({ _id: ballotIdOf(boxId, nonce) }, { $set: { status: 'cast' } });
}

/** The workflow refused this ballot (the unit had voted, or the round closed): it never counts. */
export async function discardBallot(models: Models, boxId: string, nonce: string): Promise<void> {
  await models.Ballot.deleteOne({ _id: ballotIdOf(boxId, nonce), status: 'sealed' });
}

/** The ballots to count, by the reconciliation rule above. */
export async function ballotsToCount(models: Models, boxId: string, participation: number): Promise<{ ballots: { marks: string[] }[]; unresolved: number }> {
  // Read in _id (hash) order, which is unrelated to the order of voting.
  const rows = await models.Ballot.find({ boxId }).sort({ _id: 1 }).lean();
  const cast = rows.filter((r) => r.status === 'cast');
  const sealed = rows.filter((r) => r.status === 'sealed');
  if (cast.length + sealed.length === participation || cast.length >= participation) {
    const counted = cast.length >= participation ? cast : rows;
    return { ballots: counted.map((r) => ({ marks: r.marks })), unresolved: 0 };
  }
  return { ballots: cast.map((r) => ({ marks: r.marks })), unresolved: sealed.length };
}
