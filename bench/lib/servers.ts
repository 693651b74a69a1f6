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
  const [t, m] = await Promise.allSettled([
    startTemporalDev({ dbFile: path.join(dir, 'temporal.db'), headless: true, searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES } }),
    startMongo({ dataDir: path.join(dir, 'mongo') }),
  ]);
  if (t.status === 'rejected' || m.status === 'rejected') {
    // Stop whichever did start, and leave no temp dir behind.
    await Promise.allSettled([t.status === 'fulfilled' && t.value.stop(), m.status === 'fulfilled' && m.value.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
    throw t.status === 'rejected' ? t.reason : (m as PromiseRejectedResult).reason;
  }
  const temporal = t.value;
  const mongo = m.value;
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
