/**
 * The MongoDB-compatible server (mongod or FerretDB): the features the app
 * relies on work, data survives a restart, and stop() ends it.
 */
import { mongo } from 'mongoose';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startMongo, type MongoServer } from '../../scripts/servers';

jest.setTimeout(240_000);

let tmp: string;
let server: MongoServer | undefined;
let client: mongo.MongoClient | undefined;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-mongo-'));
});

afterEach(async () => {
  await client?.close();
  client = undefined;
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function connect(): Promise<mongo.Db> {
  server ??= await startMongo({ dataDir: path.join(tmp, 'data') });
  client = await mongo.MongoClient.connect(server.uri, { serverSelectionTimeoutMS: 5000 });
  return client.db('thidua_test');
}

test('unique indexes, upserts and findOneAndUpdate', async () => {
  const users = (await connect()).collection<{ email: string; visits?: number }>('users');
  await users.createIndex({ email: 1 }, { unique: true });
  await users.insertOne({ email: 'a@example.org' });
  await expect(users.insertOne({ email: 'a@example.org' })).rejects.toMatchObject({ code: 11000 });

  await users.updateOne({ email: 'b@example.org' }, { $set: { visits: 1 } }, { upsert: true });
  const after = await users.findOneAndUpdate(
    { email: 'b@example.org' },
    { $inc: { visits: 1 } },
    { returnDocument: 'after' },
  );
  expect(after?.visits).toBe(2);
});

test('GridFS upload, download and delete', async () => {
  const bucket = new mongo.GridFSBucket(await connect(), { bucketName: 'attachments' });
  // Several chunks (default chunk size is 255 KiB).
  const content = Buffer.alloc(600 * 1024, 'x');
  const id = await new Promise<mongo.ObjectId>((resolve, reject) => {
    const upload = bucket.openUploadStream('decision.pdf');
    upload.once('finish', () => resolve(upload.id));
    upload.once('error', reject);
    upload.end(content);
  });

  const chunks: Buffer[] = [];
  for await (const chunk of bucket.openDownloadStream(id)) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).equals(content)).toBe(true);

  await bucket.delete(id);
  expect(await bucket.find({ _id: id }).toArray()).toHaveLength(0);
});

test('data survives a restart with the same data directory, and stop() ends the server', async () => {
  const before = server!;
  await before.stop();
  server = await startMongo({ dataDir: path.join(tmp, 'data') });
  expect(server.kind).toBe(before.kind);

  const db = await connect();
  expect(await db.collection('users').countDocuments()).toBe(2);

  await client!.close();
  client = undefined;
  const stopped = server;
  server = undefined;
  await stopped.stop();
  const probe = new mongo.MongoClient(stopped.uri, { serverSelectionTimeoutMS: 1000, directConnection: true });
  await expect(probe.connect()).rejects.toThrow();
  await probe.close();
});
