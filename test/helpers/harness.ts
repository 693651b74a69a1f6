/**
 * Wires the real parts together for a test: a fresh database on the test MongoDB-compatible server,
 * the embedded SMTP server (port 0) storing into it, a worker with the real activities, and the real
 * express app — only the Temporal connection differs between the time-skipping and dev-server tests.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Express } from 'express';
import supertest from 'supertest';
import type { ActivityDeps } from '../../activities';
import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/deps';
import { PageRenderer } from '../../api/pages';
import type { AppConfig } from '../../config';
import { parseEnv } from '../../config/env';
import { connectDb, type Db } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { MailRenderer } from '../../lib/mail/render';
import { startSmtpSink, type SmtpSink } from '../../lib/mail/smtp-sink';
import { createTransport } from '../../lib/mail/transport';
import { canConnect, hostPortOf } from '../../lib/net';
import { templatesDir, workflowsPath } from '../../lib/paths';
import { createAccount } from '../../lib/staff';
import { createWorker } from '../../worker/create-worker';
import { freshDbUri, required } from './env';

export interface Harness {
  config: AppConfig;
  db: Db;
  sink: SmtpSink;
  app: Express;
  deps: AppDeps;
  /**
   * Runs a fresh worker (a Worker runs only once) with the real activities while `fn` runs;
   * `activityDeps` replaces some of their dependencies (e.g. a transport to an SMTP server not up yet).
   */
  runWorker<T>(fn: () => Promise<T>, connection?: NativeConnection, activityDeps?: Partial<ActivityDeps>): Promise<T>;
  close(): Promise<void>;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling the workflows takes seconds: once per test file. */
const workflowBundle = () => (bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger }));
const quietLogger = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

export const TEST_TOKEN = 'test-api-token-0123456789';

export async function createHarness(opts: {
  label: string;
  client: Client;
  connection: NativeConnection;
  taskQueue: string;
  namespace?: string;
  updateTimeoutMs?: number;
}): Promise<Harness> {
  const config: AppConfig = {
    ...parseEnv({ DATA_DIR: '/tmp/thidua-unused', PUBLIC_BASE_URL: 'http://thidua.test', TASK_QUEUE: opts.taskQueue, UPDATE_TIMEOUT_MS: String(opts.updateTimeoutMs ?? 10000) }),
    LINK_SECRET: 'test-link-secret-0123456789abcdef0123456789',
    API_TOKEN: TEST_TOKEN,
  };
  const log = createLogger(opts.label, 'warn');
  const db = await connectDb(freshDbUri(opts.label));
  const sink = await startSmtpSink(db, { port: 0, log });
  const transport = createTransport(sink.url);
  const activityDeps = {
    models: db.models,
    conn: db.conn,
    transport,
    renderer: new MailRenderer(`${templatesDir}/email`),
    linkSecret: config.LINK_SECRET,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    mailFrom: config.MAIL_FROM,
  };
  const smtp = hostPortOf(sink.url);
  const deps: AppDeps = {
    config,
    db,
    temporal: opts.client,
    pages: new PageRenderer(`${templatesDir}/pages`),
    log,
    mailboxEnabled: true,
    smtpUp: () => canConnect(smtp.host, smtp.port),
    now: () => new Date(),
  };
  return {
    config,
    db,
    sink,
    app: createApp(deps),
    deps,
    async runWorker(fn, connection = opts.connection, overrides = {}) {
      const worker = await createWorker({
        connection,
        namespace: opts.namespace ?? 'default',
        taskQueue: opts.taskQueue,
        deps: { ...activityDeps, ...overrides },
        workflowBundle: await workflowBundle(),
      });
      return worker.runUntil(fn);
    },
    async close() {
      transport.close();
      await sink.close();
      await db.conn.dropDatabase().catch(() => undefined);
      await db.close();
    },
  };
}

/** A harness on the global setup's Temporal dev server, with the connections it runs on. */
export interface DevServerHarness {
  h: Harness;
  /** The client the harness's app uses (h.deps.temporal). */
  client: Client;
  connection: Connection;
  /** The workers' connection. */
  native: NativeConnection;
}

/**
 * A harness on the global setup's Temporal dev server for the describe block it is called in: in
 * beforeAll it connects, creates the harness and hands it to `ready` (to keep in the file's variables,
 * or to seed it); in afterAll, `beforeClose` (the file's own clean-up) first, then the harness and both
 * connections are closed.
 */
export function useDevServer(
  opts: { label: string; taskQueue: string; updateTimeoutMs?: number; beforeClose?: () => unknown },
  ready: (s: DevServerHarness) => unknown,
): void {
  const s: Partial<DevServerHarness> = {};
  beforeAll(async () => {
    const address = required('THIDUA_TEST_TEMPORAL_ADDRESS');
    s.connection = await Connection.connect({ address });
    s.native = await NativeConnection.connect({ address });
    s.client = new Client({ connection: s.connection });
    s.h = await createHarness({ label: opts.label, client: s.client, connection: s.native, taskQueue: opts.taskQueue, updateTimeoutMs: opts.updateTimeoutMs });
    await ready(s as DevServerHarness);
  });
  afterAll(async () => {
    try {
      await opts.beforeClose?.();
    } finally {
      await s.h?.close();
      await s.native?.close();
      await s.connection?.close();
    }
  });
}

export const STAFF_PASSWORD = 'mật-khẩu-đủ-dài-1';
let signIns = 0;

/**
 * A new staff account (named after its email, password STAFF_PASSWORD) signed in like a browser: the
 * agent keeps the session cookie; `csrf` is the session's token. Each sign-in comes from an address of
 * its own, so that no test's sign-ins are throttled by another's.
 */
export async function signInStaff(h: Harness, email: string, roles: ('coordinator' | 'secretariat' | 'council' | 'viewer')[], opts: { clusters?: string[]; next?: string } = {}) {
  await createAccount(h.db.models, { email, name: `Cán bộ ${email.split('@')[0]}`, roles, clusters: opts.clusters, password: STAFF_PASSWORD });
  const agent = supertest.agent(h.app);
  signIns += 1;
  const ip = `10.77.${Math.floor(signIns / 250)}.${(signIns % 250) + 1}`;
  const r = await agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ email, password: STAFF_PASSWORD, next: opts.next ?? '/dashboard' });
  expect(r.status).toBe(303);
  const session = await agent.get('/api/session').expect(200);
  return { agent, csrf: session.body.csrfToken as string };
}

/** Messages the SMTP server received, in order, optionally for one recipient and with a subject matching `subject`. */
export async function mailbox(h: Harness, to?: string, subject?: RegExp) {
  const all = await h.db.models.Mailbox.find(to ? { envelopeTo: to } : {}).sort({ receivedAt: 1, _id: 1 }).lean();
  return subject ? all.filter((m) => subject.test(m.subject ?? '')) : all;
}

/** The latest message to `to` with a subject matching `subject`, once there is one. */
export function latestMail(h: Harness, to: string, subject: RegExp) {
  return eventually(async () => (await mailbox(h, to, subject)).at(-1), `${subject} to ${to}`);
}

export function linkIn(text: string | undefined | null): string {
  const m = /http:\/\/thidua\.test(\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(text ?? '');
  if (!m) throw new Error(`no link in: ${text}`);
  return m[1];
}

/** A supertest parser that keeps the body as bytes: `.buffer(true).parse(binary)` (a document, a zip, a spreadsheet). */
export const binary = (res: supertest.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** Opens a link like a person: GET the page, read the round it shows, POST the form. */
export async function actThroughLink(h: Harness, path: string, form: Record<string, string>): Promise<supertest.Response> {
  const page = await supertest(h.app).get(path).expect(200);
  const round = /name="round" value="(\d+)"/.exec(page.text)?.[1];
  if (!round) throw new Error(`the page at ${path} offers no form:\n${page.text}`);
  return supertest(h.app).post(path).type('form').send({ ...form, round });
}

/** Polls (real time) until `check` returns a value, for effects of activities running in the worker. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The harness's app with the api's own mail (staff password reset links) going to the harness's SMTP
 * server, as api/main.ts wires it; `extra` overrides deps (e.g. loginLimits).
 */
export function appWithMailer(h: Harness, extra: Partial<AppDeps> = {}): { app: Express; deps: AppDeps; close(): void } {
  const transport = createTransport(h.sink.url);
  const deps: AppDeps = { ...h.deps, mailer: { transport, renderer: new MailRenderer(`${templatesDir}/email`) }, ...extra };
  return { app: createApp(deps), deps, close: () => transport.close() };
}
