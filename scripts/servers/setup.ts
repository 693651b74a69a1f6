/**
 * Make sure every server the project runs is built and cached.
 *
 *   tsx scripts/servers/setup.ts
 *
 * Called by .ci/run, `npm start` and jest's global setup. Prints one line per
 * server; exits 1 with the reason if any cannot be obtained. When everything
 * is cached it only checks files and versions (well under 2 s).
 */
import { ensureFerretDb, ferretDbVersion } from './ferretdb';
import { mongodOnPath } from './mongo';
import { toolsDir } from './paths';
import { ensureTemporalCli, temporalCliVersion } from './temporal-cli';
import { ensureTestServer, testServerVersion } from './test-server';
import { tryRun } from './try-run';

export async function setupServers(log: (line: string) => void = console.log): Promise<void> {
  const started = Date.now();
  log(`tools dir: ${toolsDir()}`);

  // Sequential on purpose: the Go builds each use both cores.
  const temporal = await ensureTemporalCli();
  log(`temporal CLI: ${temporal} (${temporalCliVersion(temporal) ?? 'version unknown'})`);

  if (mongodOnPath()) {
    log(`mongo: mongod on PATH (${tryRun('mongod', ['--version'])?.split('\n')[0] ?? 'version unknown'})`);
  } else {
    const ferret = await ensureFerretDb();
    log(`mongo: ${ferret} (FerretDB ${ferretDbVersion()}, SQLite backend)`);
  }

  const testServer = await ensureTestServer();
  log(`test server: ${testServer} (io.temporal:temporal-test-server ${testServerVersion()})`);
  log(`servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  setupServers().catch((err: unknown) => {
    console.error(`\nServer setup failed.\n${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
