/**
 * The ballot box on the real MongoDB-compatible server: sealing is idempotent per nonce, the two
 * hashes of a nonce are unrelated, a row carries no voter or time, and the count reconciles the
 * crash windows of lib/ballot-box.ts exactly as documented there.
 */
import { ballotIdOf, ballotsToCount, castBallot, discardBallot, newBallotNonce, receiptOf, sealBallot } from '../../lib/ballot-box';
import { connectDb, type Db } from '../../lib/db';
import { freshDbUri } from '../helpers/env';

let db: Db;
beforeAll(async () => {
  db = await connectDb(freshDbUri('ballot-box'));
});
afterAll(async () => {
  await db?.conn.dropDatabase();
  await db?.close();
});

let n = 0;
const newBox = () => `wf:cluster:c${++n}:co-thi-dua:1`;
const marksIn = (r: { ballots: { marks: string[] }[] }) => r.ballots.map((b) => b.marks.join('+')).sort();

describe('ballot box', () => {
  test('a nonce is 32 url-safe characters, fresh every time; its ballot id and receipt differ', () => {
    const a = newBallotNonce();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newBallotNonce()).not.toBe(a);
    expect(ballotIdOf('box', a)).not.toBe(receiptOf('box', a));
    // Bound to the box: the same nonce in another round is another ballot.
    expect(ballotIdOf('box', a)).not.toBe(ballotIdOf('box2', a));
  });

  test('sealing twice with one nonce keeps one row; a row holds marks (sorted) and nothing about the voter', async () => {
    const box = newBox();
    const nonce = newBallotNonce();
    await sealBallot(db.models, box, nonce, ['b', 'a']);
    await sealBallot(db.models, box, nonce, ['b', 'a']);
    const rows = await db.models.Ballot.find({ boxId: box }).lean();
    expect(rows).toEqual([{ _id: ballotIdOf(box, nonce), boxId: box, marks: ['a', 'b'], status: 'sealed' }]);
  });

  test('cast ballots are counted; a discarded (refused) one is gone', async () => {
    const box = newBox();
    const [x, y, z] = [newBallotNonce(), newBallotNonce(), newBallotNonce()];
    for (const [nonce, marks] of [[x, ['a']], [y, ['b']], [z, ['a']]] as const) await sealBallot(db.models, box, nonce, [...marks]);
    await castBallot(db.models, box, x);
    await castBallot(db.models, box, y);
    await discardBallot(db.models, box, z);
    expect(await db.models.Ballot.countDocuments({ boxId: box })).toBe(2);
    const r = await ballotsToCount(db.models, box, 2);
    expect(marksIn(r)).toEqual(['a', 'b']);
    expect(r.unresolved).toBe(0);
  });

  test('discard never removes a cast ballot', async () => {
    const box = newBox();
    const x = newBallotNonce();
    await sealBallot(db.models, box, x, ['a']);
    await castBallot(db.models, box, x);
    await discardBallot(db.models, box, x);
    expect(await db.models.Ballot.countDocuments({ boxId: box, status: 'cast' })).toBe(1);
  });

  // Three voters; P = units the workflow recorded as voted.
  test.each<[string, { cast: string[][]; sealed: string[][]; participation: number; counted: string[]; unresolved: number }]>([
    ['no crash', { cast: [['a'], ['b'], ['a']], sealed: [], participation: 3, counted: ['a', 'a', 'b'], unresolved: 0 }],
    // Crashed after sealing, before the workflow heard of it; the voter came back with a new page.
    ['sealed and abandoned, voted again', { cast: [['a'], ['b'], ['a']], sealed: [['b']], participation: 3, counted: ['a', 'a', 'b'], unresolved: 0 }],
    // Crashed after the workflow recorded the vote, before the row was marked cast.
    ['participation recorded, cast mark lost', { cast: [['a'], ['b']], sealed: [['a']], participation: 3, counted: ['a', 'a', 'b'], unresolved: 0 }],
    // Both kinds of crash in one box: which sealed row is the lost one cannot be told without linking.
    ['both windows at once', { cast: [['a'], ['b']], sealed: [['a'], ['b']], participation: 3, counted: ['a', 'b'], unresolved: 2 }],
    // A voter who sealed and never came back did not vote.
    ['sealed, never recorded', { cast: [['a'], ['b']], sealed: [['a']], participation: 2, counted: ['a', 'b'], unresolved: 0 }],
  ])('%s', async (_name, c) => {
    const box = newBox();
    for (const marks of c.cast) {
      const nonce = newBallotNonce();
      await sealBallot(db.models, box, nonce, marks);
      await castBallot(db.models, box, nonce);
    }
    for (const marks of c.sealed) await sealBallot(db.models, box, newBallotNonce(), marks);
    const r = await ballotsToCount(db.models, box, c.participation);
    expect(marksIn(r)).toEqual(c.counted);
    expect(r.unresolved).toBe(c.unresolved);
  });
});
