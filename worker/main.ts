/** The worker process: runs workflows and activities; never serves HTTP or SMTP. */
import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../config';
import { connectDb } from '../lib/db';
import { createLogger } from '../lib/logger';
import { MailRenderer } from '../lib/mail/render';
import { createTransport } from '../lib/mail/transport';
import { templatesDir } from '../lib/paths';
import { installSdkLogging } from '../lib/sdk-logging';
import { createWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('worker', config.LOG_LEVEL);
  installSdkLogging(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'DEBUG' : 'WARN');
  const missing = (['TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL'] as const).filter((k) => !config[k]);
  if (missing.length > 0) {
    log.fatal(`the worker needs ${missing.join(', ')} (npm start sets them for the embedded servers)`);
    process.exit(2);
  }
  const db = await connectDb(config.MONGODB_URI!);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS! });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    deps: {
      models: db.models,
      conn: db.conn,
      transport: createTransport(config.SMTP_URL!),
      renderer: new MailRenderer(`${templatesDir}/email`),
      linkSecret: config.LINK_SECRET,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      mailFrom: config.MAIL_FROM,
    },
  });
  log.info({ taskQueue: config.TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
  // Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks are done (the SDK's shutdown signals).
  await worker.run();
  await connection.close();
  await db.close();
  log.info('worker stopped');
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
