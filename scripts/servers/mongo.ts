/**
 * Start a MongoDB-compatible server: real mongod when installed, otherwise
 * FerretDB on SQLite (see ferretdb.ts for what FerretDB lacks).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureFerretDb } from './ferretdb';
import { freePort } from './ports';
import { awaitServerReady, spawnServer } from './server-process';
import { tryRun } from './try-run';

export type MongoKind = 'mongod' | 'ferretdb';

export interface MongoOptions {
  /** Data directory (created if missing); reuse it to keep data across restarts. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one if omitted. */
  port?: number;
  /** Server log; default `<dataDir>.log`. */
  logFile?: string;
  /** Force one implementation; default: mongod if on PATH, else ferretdb. */
  kind?: MongoKind;
  /** How long to wait for `ping`. Default 30 s. */
  startTimeoutMs?: number;
}

export interface MongoServer {
  /** mongodb:// URI without a database name; append one (`${uri}mydb`). */
  uri: string;
  kind: MongoKind;
  logFile: string;
  stop(): Promise<void>;
}

export function mongodOnPath(): boolean {
  return tryRun('mongod', ['--version']) !== undefined;
}

export async function startMongo(opts: MongoOptions): Promise<MongoServer> {
  const kind: MongoKind = opts.kind ?? (mongodOnPath() ? 'mongod' : 'ferretdb');
  const dataDir = path.resolve(opts.dataDir);
  const logFile = path.resolve(opts.logFile ?? `${dataDir}.log`);
  const port = opts.port ?? (await freePort());
  fs.mkdirSync(dataDir, { recursive: true });

  const [command, args] =
    kind === 'mongod'
      ? ['mongod', ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(port)]]
      : [
          await ensureFerretDb(),
          ['-listen-addr', `127.0.0.1:${port}`, '-sqlite-dir', dataDir, '-log-level', 'warn'],
        ];

  const proc = spawnServer({ name: kind, command, args, logFile });
  const uri = `mongodb://127.0.0.1:${port}/`;

  await awaitServerReady(proc, () => ping(uri), {
    timeoutMs: opts.startTimeoutMs ?? 30_000,
    intervalMs: 200,
    failure: `${kind} did not answer ping on ${uri}`,
    command,
    args,
    whatToDo: 'read the log; a port in use or a data directory locked by another server are the usual causes.',
  });

  return { uri, kind, logFile, stop: () => proc.stop(5000) };
}

async function ping(uri: string): Promise<void> {
  // Loaded lazily: setup.ts imports this module and must start fast.
  const { mongo } = await import('mongoose');
  // directConnection: no replica-set discovery, one short attempt per poll.
  const client = new mongo.MongoClient(uri, { serverSelectionTimeoutMS: 1000, directConnection: true });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}
