/**
 * Real servers for the whole test run: a MongoDB-compatible server, a Temporal dev server (durability
 * and list queries) and the path of the Java time-skipping test server. Addresses reach the test
 * files through the environment. A server that cannot start fails the run; nothing is skipped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTestServer, startMongo, startTemporalDev, type MongoServer, type TemporalDevServer } from '../../scripts/servers';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';

declare global {
  var __thiduaServers: { mongo: MongoServer; temporal: TemporalDevServer; dir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-test-'));
  const [mongo, temporal, testServer] = await Promise.all([
    startMongo({ dataDir: path.join(dir, 'mongo') }),
    startTemporalDev({ dbFile: path.join(dir, 'temporal.db'), headless: true, searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES } }),
    ensureTestServer(),
  ]);
  globalThis.__thiduaServers = { mongo, temporal, dir };
  process.env.THIDUA_TEST_MONGO_URI = mongo.uri;
  process.env.THIDUA_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.THIDUA_TEST_SERVER_PATH = testServer;
  process.env.THIDUA_TEST_DIR = dir;
}
