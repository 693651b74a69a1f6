/**
 * Our whole stack on fresh benchmark servers, wired as in production: the Temporal client, a real
 * worker (createWorker, the real activities), the SMTP sink storing into MongoDB, and the api's deps
 * (createApp(deps) serves it). Used by the benchmarks that measure more than one piece.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import type { QueueWorkers } from '../../worker/queue-workers';
import type { AppDeps } from '../../api/deps';
import { PageRenderer } from '../../api/pages';
import type { AppConfig } from '../../config';
import { parseEnv } from '../../config/env';
import { createLogger } from '../../lib/logger';
import { MailRenderer } from '../../lib/mail/render';
import { startSmtpSink, type SmtpSink } from '../../lib/mail/smtp-sink';
import { createTransport } from '../../lib/mail/transport';
import { canConnect, hostPortOf } from '../../lib/net';
import { templatesDir, workflowsPath } from '../../lib/paths';
import { createWorker } from '../../worker/create-worker';
import { connectMonitoredDb, type MonitoredDb } from './db';
import { startBenchServers, type BenchServers } from './servers';

export interface Stack {
  servers: BenchServers;
  client: Client;
  native: NativeConnection;
  db: MonitoredDb;
  sink: SmtpSink;
  deps: AppDeps;
  /** Our worker on deps.config.TASK_QUEUE (created, not yet running). */
  newWorker(): Promise<QueueWorkers>;
  close(): Promise<void>;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };
let bundle: ReturnType<typeof bundleWorkflowCode> | undefined;
export const ourWorkflowBundle = () => (bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger }));

export async function startStack(label: string): Promise<Stack> {
  const servers = await startBenchServers(label);
  const connection = await Connection.connect({ address: servers.temporal.address });
  const native = await NativeConnection.connect({ address: servers.temporal.address });
  const client = new Client({ connection });
  const db = await connectMonitoredDb(`${servers.mongo.uri}bench_${label.replace(/-/g, '_')}`);
  const log = createLogger('bench', 'warn');
  const sink = await startSmtpSink(db, { port: 0, log });
  const transport = createTransport(sink.url);
  const config: AppConfig = {
    ...parseEnv({ DATA_DIR: path.join(servers.dir, 'unused'), PUBLIC_BASE_URL: 'http://thidua.bench', TASK_QUEUE: `bench-${label}`, LOG_LEVEL: 'warn' }),
    LINK_SECRET: 'bench-link-secret-0123456789abcdef0123456789',
    API_TOKEN: 'bench-api-token-0123456789',
  };
  const smtp = hostPortOf(sink.url);
  const deps: AppDeps = {
    config,
    db,
    temporal: client,
    pages: new PageRenderer(`${templatesDir}/pages`),
    log,
    mailboxEnabled: true,
    smtpUp: () => canConnect(smtp.host, smtp.port),
    now: () => new Date(),
  };
  console.log(`   temporal ${servers.temporal.address}, ${servers.mongo.kind} ${servers.mongo.uri}, sink ${sink.url}, dir ${servers.dir}`);
  return {
    servers,
    client,
    native,
    db,
    sink,
    deps,
    async newWorker() {
      return createWorker({
        connection: native,
        namespace: 'default',
        taskQueue: config.TASK_QUEUE,
        workflowBundle: await ourWorkflowBundle(),
        deps: {
          models: db.models,
          conn: db.conn,
          transport,
          renderer: new MailRenderer(`${templatesDir}/email`),
          linkSecret: config.LINK_SECRET,
          publicBaseUrl: config.PUBLIC_BASE_URL,
          mailFrom: config.MAIL_FROM,
        },
      });
    },
    async close() {
      transport.close();
      await sink.close();
      await db.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await native.close().catch(() => undefined);
      await servers.stop();
    },
  };
}

/** Percentile (0–100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
