/**
 * Gathered inserts and reads (lib/db/gather.ts) against the real test database: concurrent callers
 * share one command, and each still gets its own answer — inserted or duplicate, its own row or null,
 * its own validation error.
 */
import mongoose, { type Connection } from 'mongoose';
import { createModels, type Models } from '../../lib/db';
import { gatheredFindById } from '../../lib/db/gathered-find';
import { gatheredInsert } from '../../lib/db/gathered-insert';
import { freshDbUri } from '../helpers/env';

let conn: Connection;
let models: Models;
const commands: { name: string; collection: string }[] = [];

beforeAll(async () => {
  // As lib/db connects, with command monitoring on: the test counts the commands sent.
  conn = mongoose.createConnection(freshDbUri('gathered'), { serverSelectionTimeoutMS: 5000, bufferCommands: false, monitorCommands: true });
  await conn.asPromise();
  conn.getClient().on('commandStarted', (e) => commands.push({ name: e.commandName, collection: String(e.command[e.commandName]) }));
  models = createModels(conn);
  await models.OutboxClaim.init();
});

afterAll(async () => {
  await conn?.dropDatabase();
  await conn?.close();
});

const claim = (id: string) => ({ _id: id, owner: `owner-of-${id}`, until: new Date(Date.now() + 60_000) });
const count = (name: string, collection: string) => commands.filter((c) => c.name === name && c.collection === collection).length;

test('concurrent inserts share commands; each caller learns inserted or duplicate', async () => {
  await models.OutboxClaim.create(claim('k-taken'));
  commands.length = 0;
  const ids = ['k-1', 'k-2', 'k-taken', 'k-3', 'k-2', 'k-4'];
  const outcomes = await Promise.all(ids.map((id) => gatheredInsert(models.OutboxClaim, claim(id))));
  // The first goes alone; the rest wait for it and go as one batch (where the second k-2 is the duplicate).
  expect(outcomes).toEqual(['inserted', 'inserted', 'duplicate', 'inserted', 'duplicate', 'inserted']);
  expect(count('insert', 'outbox_claims')).toBe(2);
  const stored = await models.OutboxClaim.find({}).sort({ _id: 1 }).lean();
  expect(stored.map((c) => [c._id, c.owner])).toEqual([
    ['k-1', 'owner-of-k-1'],
    ['k-2', 'owner-of-k-2'],
    ['k-3', 'owner-of-k-3'],
    ['k-4', 'owner-of-k-4'],
    ['k-taken', 'owner-of-k-taken'],
  ]);
});

test('a document that fails validation fails only its own caller', async () => {
  const results = await Promise.allSettled([
    gatheredInsert(models.OutboxClaim, claim('v-1')),
    gatheredInsert(models.OutboxClaim, { _id: 'v-bad', owner: 'x' }), // no `until`
    gatheredInsert(models.OutboxClaim, claim('v-2')),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/until/);
  expect(await models.OutboxClaim.exists({ _id: 'v-bad' })).toBeNull();
  expect(await models.OutboxClaim.countDocuments({ _id: { $in: ['v-1', 'v-2'] } })).toBe(2);
});

test('concurrent reads by _id share one find; each caller gets its own row or null', async () => {
  commands.length = 0;
  const ids = ['k-1', 'nope', 'k-3', 'k-1', 'k-taken'];
  const rows = await Promise.all(ids.map((id) => gatheredFindById<{ _id: string; owner: string }>(models.OutboxClaim, id)));
  expect(rows.map((r) => r?.owner ?? null)).toEqual(['owner-of-k-1', null, 'owner-of-k-3', 'owner-of-k-1', 'owner-of-k-taken']);
  expect(count('find', 'outbox_claims')).toBe(2);
});
