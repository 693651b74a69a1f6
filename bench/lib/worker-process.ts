/**
 * A worker in its own process, so a benchmark can read its RSS alone (bench/worker-memory.ts).
 * MODE=ours: createWorker with the real activities (as worker/main.ts); MODE=raw: the trivial
 * baseline workflows only. Prints "ready <pid>" once polling (tsx runs the script in a child node process: this is its pid); SIGTERM shuts it down.
 */
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { connectDb } from '../../lib/db';
import { MailRenderer } from '../../lib/mail/render';
import { createTransport } from '../../lib/mail/transport';
import { templatesDir } from '../../lib/paths';
import { createWorker } from '../../worker/create-worker';

async function main(): Promise<void> {
  const env = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is required`);
    return v;
  };
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  let worker: { run(): Promise<void> };
  let close = async () => undefined as unknown;
  if (env('MODE') === 'raw') {
    worker = await Worker.create({ connection, taskQueue: env('TASK_QUEUE'), workflowsPath: path.join(__dirname, '..', 'fixtures', 'trivial-workflow.ts') });
  } else {
    const db = await connectDb(env('MONGODB_URI'));
    const transport = createTransport(env('SMTP_URL'));
    worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue: env('TASK_QUEUE'),
      deps: {
        models: db.models,
        conn: db.conn,
        transport,
        renderer: new MailRenderer(`${templatesDir}/email`),
        linkSecret: env('LINK_SECRET'),
        publicBaseUrl: 'http://thidua.bench',
        mailFrom: 'Thi đua <no-reply@thidua.bench>',
      },
    });
    close = async () => {
      transport.close();
      await db.close();
    };
  }
  const running = worker.run();
  process.stdout.write(`ready ${process.pid}\n`);
  await running;
  await close();
  await connection.close();
}

main().catch((err) => {
  process.stderr.write(`worker process failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
