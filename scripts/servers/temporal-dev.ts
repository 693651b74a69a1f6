/**
 * Run `temporal server start-dev` (Temporal server + SQLite in one process)
 * as a child process, for the app, the CLI and integration tests.
 */
import { Connection } from '@temporalio/client';
import * as path from 'node:path';
import { freePort, tcpAccepts } from './ports';
import { awaitServerReady, spawnServer } from './server-process';
import { ensureTemporalCli } from './temporal-cli';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface TemporalDevOptions {
  /** SQLite file holding all state; reuse it to keep workflows across restarts. */
  dbFile: string;
  /** gRPC frontend port; a free one if omitted. */
  port?: number;
  /** Web UI port; a free one if omitted (ignored when headless). */
  uiPort?: number;
  /** Do not start the web UI (saves ~100 MB and a port). Default false. */
  headless?: boolean;
  /** Namespace to create at start. Default 'default'. */
  namespace?: string;
  /** Custom search attributes to register at start. */
  searchAttributes?: Record<string, SearchAttributeType>;
  /** Server log; default `<dbFile>.log`. */
  logFile?: string;
  /** How long to wait for the server to answer. Default 60 s (first start creates the schema). */
  startTimeoutMs?: number;
}

export interface TemporalDevServer {
  /** host:port of the gRPC frontend, for Connection.connect / NativeConnection.connect. */
  address: string;
  namespace: string;
  /** Web UI address, unless headless. */
  uiUrl?: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startTemporalDev(opts: TemporalDevOptions): Promise<TemporalDevServer> {
  const temporal = await ensureTemporalCli();
  const namespace = opts.namespace ?? 'default';
  const port = opts.port ?? (await freePort());
  const headless = opts.headless ?? false;
  const uiPort = headless ? undefined : (opts.uiPort ?? (await freePort()));
  const dbFile = path.resolve(opts.dbFile);
  const logFile = path.resolve(opts.logFile ?? `${dbFile}.log`);

  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--db-filename', dbFile,
    '--namespace', namespace,
    // Without this the server phones home for a version check at start.
    '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
    '--log-format', 'text',
    '--log-level', 'warn',
  ];
  // --http-port and --metrics-port are left out: v1.5.1 picks free ones.
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  for (const [name, type] of Object.entries(opts.searchAttributes ?? {})) {
    args.push('--search-attribute', `${name}=${type}`);
  }

  const proc = spawnServer({ name: 'Temporal dev server', command: temporal, args, logFile });
  const address = `127.0.0.1:${port}`;

  await awaitServerReady(
    proc,
    async () => {
      await tcpAccepts(port);
      const connection = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        // Answering describeNamespace means the frontend is up AND our
        // namespace exists, which is what callers need next.
        await connection.workflowService.describeNamespace({ namespace });
      } finally {
        await connection.close();
      }
    },
    {
      timeoutMs: opts.startTimeoutMs ?? 60_000,
      intervalMs: 250,
      failure: `Temporal dev server did not become ready on ${address} (namespace '${namespace}')`,
      command: temporal,
      args,
      whatToDo: 'read the log; a locked or corrupt db file, or a port in use, are the usual causes.',
    },
  );

  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`,
    logFile,
    stop: () => proc.stop(5000),
  };
}
