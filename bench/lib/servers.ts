/** Fresh servers in a temp dir for one benchmark: a headless Temporal dev server and a MongoDB-compatible server. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMongo, startTemporalDev, type MongoServer, type TemporalDevServer } from '../../scripts/servers';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';

export interface BenchServers {
  dir: string;
  temporal: TemporalDevServer;
  mongo: MongoServer;
  stop(): Promise<void>;
}

export async function startBenchServers(label: string): Promise<BenchServers> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `thidua-bench-${label}-`));
  const [temporal, mongo] = await Promise.all([
    startTemporalDev({ dbFile: path.join(dir, 'temporal.db'), headless: true, searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES } }),
    startMongo({ dataDir: path.join(dir, 'mongo') }),
  ]);
  return {
    dir,
    temporal,
    mongo,
    async stop() {
      await Promise.allSettled([temporal.stop(), mongo.stop()]);
      if (!process.env.BENCH_KEEP_DIR) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
