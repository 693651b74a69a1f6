/** The api process: HTTP (pages, links, REST) and, when SMTP_URL is unset, the embedded SMTP server. */
import type { Server } from 'node:http';
import { loadConfigOrExit } from '../config';
import { connectDb } from '../lib/db';
import { createLogger } from '../lib/logger';
import { MailRenderer } from '../lib/mail/render';
import { startSmtpSink } from '../lib/mail/smtp-sink';
import { createTransport } from '../lib/mail/transport';
import { canConnect, hostPortOf } from '../lib/net';
import { templatesDir } from '../lib/paths';
import { createTemporalClient } from '../lib/temporal';
import { createApp } from './app';
import { PageRenderer } from './pages';
import { deliverInbox } from './services/link-actions';

const INBOX_EVERY_MS = 15_000;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('api', config.LOG_LEVEL);
  const missing = (['TEMPORAL_ADDRESS', 'MONGODB_URI'] as const).filter((k) => !config[k]);
  if (missing.length > 0) {
    log.fatal(`the api needs ${missing.join(', ')} (npm start sets them for the embedded servers)`);
    process.exit(2);
  }
  const db = await connectDb(config.MONGODB_URI!);
  const sink = config.SMTP_URL ? undefined : await startSmtpSink(db, { port: config.EMBEDDED_SMTP_PORT, log });
  const smtp = hostPortOf(sink?.url ?? config.SMTP_URL!);
  const temporal = createTemporalClient(config.TEMPORAL_ADDRESS!, config.TEMPORAL_NAMESPACE);
  // The api sends few mails of its own (staff password reset links), through the same outbox.
  const transport = createTransport(sink?.url ?? config.SMTP_URL!);
  const deps = {
    config,
    db,
    temporal,
    pages: new PageRenderer(`${templatesDir}/pages`),
    log,
    mailboxEnabled: sink !== undefined,
    smtpUp: () => canConnect(smtp.host, smtp.port),
    now: () => new Date(),
    mailer: { transport, renderer: new MailRenderer(`${templatesDir}/email`) },
  };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.PORT, '0.0.0.0', () => resolve(s));
  });
  const retrier = setInterval(() => {
    deliverInbox(deps).catch((err) => log.warn({ err: (err as Error).message }, 'inbox delivery failed'));
  }, INBOX_EVERY_MS);
  log.info({ port: config.PORT, smtp: sink?.url ?? 'external', publicBaseUrl: config.PUBLIC_BASE_URL }, 'api started');

  const stop = async () => {
    clearInterval(retrier);
    server.close();
    transport.close();
    await sink?.close();
    await temporal.connection.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`api failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
