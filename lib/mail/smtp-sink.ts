/**
 * The embedded SMTP server used when SMTP_URL is unset: it accepts every message and stores it in
 * MongoDB for the /mailbox page. While MongoDB is down it answers 451 (try later) so that senders keep
 * the message and retry, instead of it being lost.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../db';
import type { Logger } from '../logger';

export interface SmtpSink {
  port: number;
  url: string;
  close(): Promise<void>;
}

const MAX_SIZE = 25 * 1024 * 1024;

export async function startSmtpSink(db: Db, opts: { host?: string; port: number; log: Logger }): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_SIZE,
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (!db.isUp()) return callback(tempFailure());
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          if (!db.isUp()) throw tempFailure();
          const addresses = (a: typeof parsed.to) => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a?.text);
          await db.models.Mailbox.create({
            receivedAt: new Date(),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            messageId: parsed.messageId,
            from: parsed.from?.text,
            to: addresses(parsed.to),
            subject: parsed.subject,
            text: parsed.text,
            html: typeof parsed.html === 'string' ? parsed.html : undefined,
            headers: Object.fromEntries([...parsed.headers.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
            attachments: parsed.attachments.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              size: a.size,
              content: a.content,
            })),
          });
          callback();
        })
        .catch((err: Error & { responseCode?: number }) => {
          opts.log.warn({ err: err.message }, 'smtp sink could not store a message');
          callback(err.responseCode ? err : tempFailure());
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  server.on('error', (err) => opts.log.error({ err: err.message }, 'smtp sink error'));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    url: `smtp://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function tempFailure(): Error & { responseCode: number } {
  return Object.assign(new Error('Mailbox storage unavailable, try again later'), { responseCode: 451 });
}
