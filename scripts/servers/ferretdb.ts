/**
 * Build our FerretDB launcher (scripts/servers/ferretdb/main.go) with Go.
 *
 * FerretDB speaks the MongoDB wire protocol on top of SQLite, so machines
 * without mongod (Debian has no package for it) still get a real server.
 *
 * Checked against FerretDB v1.24.2 (SQLite) with the mongodb 6.20 driver:
 *   works: unique indexes (E11000 on duplicates), upserts, findOneAndUpdate,
 *     $setOnInsert, bulkWrite, distinct, $group aggregation, GridFS
 *     upload/download/delete.
 *   does NOT work:
 *     - findOneAndUpdate/findOneAndDelete with a `projection` option
 *       ("findAndModify: support for field "fields" ... is not implemented yet");
 *     - transactions / withTransaction ("unknown field autocommit");
 *     - change streams (`watch()`: "$changeStream is not implemented yet");
 *     - TTL indexes (`expireAfterSeconds` is not implemented yet);
 *     - endSessions (harmless: the driver only logs it on close).
 * Code that needs these must run against mongod, or avoid them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireGo } from './go';
import { SERVERS_SRC_DIR, toolsBinDir } from './paths';
import { runCommand } from './run-command';
import { withToolsLock } from './tools-lock';
import { hashFiles, readStamp, writeStamp } from './stamp';

export const FERRETDB_SRC_DIR = path.join(SERVERS_SRC_DIR, 'ferretdb');
const SOURCES = ['main.go', 'go.mod', 'go.sum'];

export function ferretDbBinaryPath(): string {
  return path.join(toolsBinDir(), 'thidua-ferretdb');
}

/** The FerretDB version pinned in our go.mod, for reports. */
export function ferretDbVersion(): string {
  const gomod = fs.readFileSync(path.join(FERRETDB_SRC_DIR, 'go.mod'), 'utf8');
  return /github\.com\/FerretDB\/FerretDB (v\S+)/.exec(gomod)?.[1] ?? 'unknown';
}

/**
 * Return the path of a current thidua-ferretdb build, (re)building it when
 * main.go, go.mod or go.sum changed since the last build (hash stamp).
 * First build: ~2 minutes on 2 cores.
 */
export async function ensureFerretDb(): Promise<string> {
  const binary = ferretDbBinaryPath();
  const stampFile = `${binary}.stamp`;
  const stamp = hashFiles(SOURCES.map((f) => path.join(FERRETDB_SRC_DIR, f)));
  const current = (): boolean => fs.existsSync(binary) && readStamp(stampFile) === stamp;
  if (current()) return binary;
  return withToolsLock('ferretdb', async () => {
    if (!current()) await buildFerretDb(binary, stampFile, stamp);
    return binary;
  });
}

async function buildFerretDb(binary: string, stampFile: string, stamp: string): Promise<void> {
  requireGo('build FerretDB');
  fs.mkdirSync(toolsBinDir(), { recursive: true });
  await runCommand('go', ['build', '-trimpath', '-o', binary, '.'], {
    cwd: FERRETDB_SRC_DIR,
    // go.sum is committed: refuse to silently change dependencies at build time.
    env: { ...process.env, GOFLAGS: '-mod=readonly' },
    purpose: 'build FerretDB (thidua-ferretdb)',
    hint: 'check that the Go module proxy is reachable (GOPROXY); if go.mod was edited, ' +
      `run \`go mod tidy\` in ${FERRETDB_SRC_DIR} and commit go.sum.`,
  });
  writeStamp(stampFile, stamp);
}
