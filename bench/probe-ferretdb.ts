/**
 * Diagnostic (not part of `npm run bench`): the cost of each kind of MongoDB operation on a fresh
 * FerretDB/SQLite (or mongod) server, next to a collection of 200 and of 5,000 documents, one at a time.
 * It is why the outbox and the first step projection are inserts (BENCHMARKS.md, "What the database costs").
 *
 * Usage: tsx bench/probe-ferretdb.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongo } from '../scripts/servers';
import { printMachine } from './lib/report';

async function main(): Promise<void> {
  printMachine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-probe-'));
  const m = await startMongo({ dataDir: path.join(dir, 'mongo') });
  const c = await MongoClient.connect(m.uri);
  try {
    const col = c.db('probe').collection<{ _id: string; [k: string]: unknown }>('t');
    const time = async (label: string, n: number, f: (i: number) => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < n; i++) await f(i);
      console.log(`  ${label.padEnd(34)} ${((performance.now() - t) / n).toFixed(2).padStart(8)} ms/op`);
    };
    for (const size of [200, 5000]) {
      await col.deleteMany({});
      const docs = Array.from({ length: size }, (_, i) => ({ _id: `k-${i}`, status: 'pending', v: 1, body: 'y'.repeat(500) }));
      for (let i = 0; i < docs.length; i += 500) await col.insertMany(docs.slice(i, i + 500));
      console.log(`${m.kind}, ${size} documents of ~600 bytes:`);
      await time('insertOne (new _id)', 100, (i) => col.insertOne({ _id: `n-${size}-${i}`, status: 'p', body: 'y'.repeat(500) }));
      await time('findOne { _id } (early rows)', 100, (i) => col.findOne({ _id: `k-${i}` }));
      // A read by _id is a scan on FerretDB v1/SQLite that stops at the first match: the late rows and
      // a missing _id (the outbox's usual read) cost the whole collection (BENCHMARKS.md).
      await time('findOne { _id } (late rows)', 100, (i) => col.findOne({ _id: `k-${size - 1 - i}` }));
      await time('findOne { _id } (missing)', 100, (i) => col.findOne({ _id: `missing-${i}` }));
      await time('find { _id: { $in: 20 missing } }', 10, (i) => col.find({ _id: { $in: Array.from({ length: 20 }, (_, j) => `missing-${i}-${j}`) } }).toArray());
      await time('insertMany (20 new _id)', 10, (i) => col.insertMany(Array.from({ length: 20 }, (_, j) => ({ _id: `m-${size}-${i}-${j}`, status: 'p' }))));
      await time('updateOne { _id }', 100, (i) => col.updateOne({ _id: `k-${i}` }, { $set: { status: 'sent' } }));
      await time('updateOne { _id, v: { $lte } }', 100, (i) => col.updateOne({ _id: `k-${i + 100}`, v: { $lte: 5 } }, { $set: { status: 'sent' } }));
      await time('upsert { _id, v: { $lte } } (new)', 50, (i) => col.updateOne({ _id: `u-${size}-${i}`, v: { $lte: 5 } }, { $set: { status: 'x', v: 1 } }, { upsert: true }));
      await time('deleteOne { _id }', 100, (i) => col.deleteOne({ _id: `k-${i + 200}` }));
    }
  } finally {
    await c.close();
    await m.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
