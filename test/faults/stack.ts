/**
 * Fault tests: the real processes and servers, each one stoppable on its own.
 *  - a Temporal dev server and a FerretDB (or mongod) of the test's own, on fixed ports and data files,
 *    so that either can be stopped and started again in place;
 *  - the real worker process (`node --import tsx worker/main.ts`: the pid is the worker itself);
 *  - in the test process: the embedded SMTP server (lib/mail/smtp-sink.ts) storing into the same
 *    database, and the real express app with the durable-inbox retrier, like api/main.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/deps';
import { PageRenderer } from '../../api/pages';
import { deliverInbox } from '../../api/services/link-actions';
import { launchCycle, preparePlan } from '../../api/services/start-cycle';
import type { AppConfig } from '../../config';
import { parseEnv } from '../../config/env';
import { connectDb, type Db } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { messageIdFor } from '../../lib/mail/outbox';
import { startSmtpSink, type SmtpSink } from '../../lib/mail/smtp-sink';
import { canConnect } from '../../lib/net';
import { projectRoot, templatesDir } from '../../lib/paths';
import type { PlanInput } from '../../rules/plan';
import { freePort, startMongo, startTemporalDev, type MongoServer, type TemporalDevServer } from '../../scripts/servers';
import { spawnServer, type ServerProcess } from '../../scripts/servers/server-process';
import { unitStateQuery, unitWorkflowId, cycleWorkflowId, type StepSchedule, type UnitState } from '../../workflows/cycle/definitions';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';

export const LINK_SECRET = 'fault-link-secret-0123456789abcdef0123456789';
export const API_TOKEN = 'fault-api-token-0123456789';
export const PUBLIC_BASE_URL = 'http://thidua.test';
const S = 1000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const say = (label: string, msg: string) => process.stdout.write(`[fault:${label}] ${new Date().toISOString().slice(11, 23)} ${msg}\n`);

export async function poll<T>(check: () => Promise<T | undefined | false>, what: string, ms: number, everyMs = 250): Promise<T> {
  const until = Date.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastErr = err; // a server may be down right now: keep polling
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

// ───────────────────────────── servers ─────────────────────────────

export class TemporalBox {
  server!: TemporalDevServer;
  constructor(
    readonly dbFile: string,
    readonly port: number,
  ) {}
  async start(): Promise<void> {
    this.server = await startTemporalDev({ dbFile: this.dbFile, port: this.port, headless: true, searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES } });
  }
  get address() {
    return `127.0.0.1:${this.port}`;
  }
  stop() {
    return this.server.stop();
  }
}

export class MongoBox {
  server!: MongoServer;
  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}
  async start(): Promise<void> {
    this.server = await startMongo({ dataDir: this.dataDir, port: this.port });
  }
  uri(dbName: string) {
    return `mongodb://127.0.0.1:${this.port}/${dbName}`;
  }
  stop() {
    return this.server.stop();
  }
}

// ───────────────────────────── the worker process ─────────────────────────────

export interface WorkerEnv {
  TEMPORAL_ADDRESS: string;
  MONGODB_URI: string;
  SMTP_URL: string;
  TASK_QUEUE: string;
}

/** The real worker, run as `node --import tsx worker/main.ts`: no wrapper process between us and it. */
export class WorkerProc {
  proc?: ServerProcess;
  starts = 0;
  readonly logFile: string;
  constructor(
    readonly env: WorkerEnv,
    dir: string,
    readonly label: string,
  ) {
    this.logFile = path.join(dir, 'worker.log');
  }

  /** Starts it and waits for its "worker started" line (the workflows are bundled at every start). */
  async start(timeoutMs = 90_000): Promise<number> {
    const before = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
    this.proc = spawnServer({
      name: 'worker',
      command: process.execPath,
      args: ['--import', 'tsx', path.join(projectRoot, 'worker', 'main.ts')],
      cwd: projectRoot,
      logFile: this.logFile,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...this.env,
        TEMPORAL_NAMESPACE: 'default',
        LINK_SECRET,
        API_TOKEN,
        PUBLIC_BASE_URL,
        DATA_DIR: path.join(path.dirname(this.logFile), 'worker-data'),
        LOG_LEVEL: 'info',
      },
    });
    this.starts += 1;
    const t = Date.now();
    const proc = this.proc;
    await poll(
      async () => {
        const exit = proc.exited();
        if (exit) throw Object.assign(new Error(`worker exited during start (${JSON.stringify(exit)}):\n${this.logSince(before)}`), { fatal: true });
        return this.logSince(before).includes('"msg":"worker started"');
      },
      'the worker to start',
      timeoutMs,
      100,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n--- worker log ---\n${this.logSince(before).slice(-3000)}`);
    });
    return Date.now() - t;
  }

  logSince(offset: number): string {
    try {
      const fd = fs.openSync(this.logFile, 'r');
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - offset));
      fs.readSync(fd, buf, 0, buf.length, offset);
      fs.closeSync(fd);
      return buf.toString('utf8');
    } catch {
      return '';
    }
  }

  /** The process we would kill is node running worker/main.ts itself, with no child processes. */
  identity(): { cmdline: string; children: string[] } {
    const pid = this.proc!.pid;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    let children: string[];
    try {
      children = fs
        .readdirSync(`/proc/${pid}/task`)
        .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean))
        .map((c) => `${c}: ${fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')}`);
    } catch {
      children = [];
    }
    return { cmdline, children };
  }

  alive(): boolean {
    return !!this.proc && !this.proc.exited();
  }

  async kill9(): Promise<void> {
    const proc = this.proc!;
    if (proc.exited()) throw new Error(`the worker (pid ${proc.pid}) had already exited: ${JSON.stringify(proc.exited())}`);
    process.kill(proc.pid, 'SIGKILL');
    await poll(async () => proc.exited(), 'the killed worker to exit', 10_000, 20);
    const exit = proc.exited()!;
    if (exit.signal !== 'SIGKILL') throw new Error(`the worker ended with ${JSON.stringify(exit)}, not by SIGKILL`);
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5000);
  }
}

// ───────────────────────────── the api side, in the test process ─────────────────────────────

export interface Api {
  config: AppConfig;
  db: Db;
  deps: AppDeps;
  app: Express;
  client: Client;
  connection: Connection;
  /** Runs deliverInbox every second, like api/main.ts does every 15 s. */
  startInbox(): void;
  close(): Promise<void>;
}

export async function createApi(opts: { label: string; mongoUri: string; temporalAddress: string; taskQueue: string; smtpUrl: () => string }): Promise<Api> {
  const config: AppConfig = {
    ...parseEnv({ DATA_DIR: '/tmp/thidua-unused', PUBLIC_BASE_URL, TASK_QUEUE: opts.taskQueue, UPDATE_TIMEOUT_MS: '8000' }),
    LINK_SECRET,
    API_TOKEN,
  };
  const log = createLogger(`fault-${opts.label}`, 'error');
  const db = await connectDb(opts.mongoUri);
  // Lazy, like the api process: it reconnects by itself after a Temporal restart.
  const connection = Connection.lazy({ address: opts.temporalAddress, connectTimeout: 5000 });
  const client = new Client({ connection, namespace: 'default' });
  const deps: AppDeps = {
    config,
    db,
    temporal: client,
    pages: new PageRenderer(`${templatesDir}/pages`),
    log,
    mailboxEnabled: true,
    smtpUp: () => {
      const u = new URL(opts.smtpUrl());
      return canConnect(u.hostname, Number(u.port));
    },
    now: () => new Date(),
  };
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  return {
    config,
    db,
    deps,
    app: createApp(deps),
    client,
    connection,
    startInbox() {
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        deliverInbox(deps)
          .catch(() => undefined)
          .finally(() => (busy = false));
      }, 1000);
    },
    async close() {
      if (timer) clearInterval(timer);
      while (busy) await sleep(50);
      await connection.close().catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
}

// ───────────────────────────── the scenario ─────────────────────────────

export const UNITS = ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi', 'xa-la-nga'] as const;
export const REVIEWER = 'an@mttq.test';
export const HEAD = 'xa-phu-tan';
export const emailOf = (unitId: string) => `${unitId}@units.test`;

/** One cluster of four units, one contact each, one reviewer; the head is Phú Tân. */
export function faultPlan(bodyId: string): PlanInput {
  const unit = (id: string, name: string) => ({
    id,
    name,
    contacts: [{ name: `Chủ tịch ${name}`, email: emailOf(id), role: 'Chủ tịch', lang: 'vi' as const }],
    reviewer: 'cb-an',
  });
  return {
    apiVersion: 'thidua/v1',
    body: { id: bodyId, name: 'Ủy ban MTTQ Việt Nam huyện Định Quán', place: 'Định Quán' },
    year: 2024,
    timeZone: 'Asia/Ho_Chi_Minh',
    calendar: { holidays: [] },
    staff: [{ id: 'cb-an', name: 'Nguyễn Văn An', email: REVIEWER }],
    units: [unit('xa-phu-tan', 'MTTQ xã Phú Tân'), unit('xa-phu-vinh', 'MTTQ xã Phú Vinh'), unit('xa-phu-loi', 'MTTQ xã Phú Lợi'), unit('xa-la-nga', 'MTTQ xã La Ngà')],
    clusters: [{ id: 'cum-1', name: 'Cụm thi đua số 1', members: [...UNITS], head: HEAD }],
    stages: { registration: { opensOn: '2024-02-05', deadline: '2024-03-01', reminders: [7, 3], grace: 2, escalations: [0] } },
  };
}

/** Offsets in seconds from launch: opens, two reminders, due, grace end, one escalation. */
export interface Timeline {
  opens: number;
  reminders: [number, number];
  due: number;
  grace: number;
  escalation: number;
}

export function secondsSchedule(t0: number, tl: Timeline): StepSchedule {
  const at = (s: number) => new Date(t0 + s * S).toISOString();
  return {
    opensAt: at(tl.opens),
    reminders: [
      { n: 1, at: at(tl.reminders[0]), daysLeft: 3 },
      { n: 2, at: at(tl.reminders[1]), daysLeft: 1 },
    ],
    dueAt: at(tl.due),
    graceEndsAt: at(tl.grace),
    escalations: [{ level: 1, at: at(tl.escalation) }],
  };
}

export async function launch(api: Api, bodyId: string, tl: Timeline): Promise<{ cycleId: string; t0: number }> {
  const { plan, compiled } = preparePlan(faultPlan(bodyId), new Date());
  const t0 = Date.now();
  for (const cl of compiled.clusters) for (const u of cl.units) u.steps = { registration: secondsSchedule(t0, tl) };
  await launchCycle(api.deps, plan, compiled, 'fault-test');
  return { cycleId: compiled.cycle.cycleId, t0 };
}

export function linkIn(text: string | undefined | null): string {
  const m = /http:\/\/thidua\.test(\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(text ?? '');
  if (!m) throw new Error(`no link in: ${text}`);
  return m[1];
}

type MailRow = { headers?: Record<string, string>; messageId?: string | null; text?: string | null; envelopeTo: string[]; subject?: string | null };
export const keyOf = (m: MailRow): string | undefined => m.headers?.['x-thidua-key'];

/**
 * People acting through their links, like the e2e test: each acting unit submits as soon as its request
 * is in the mailbox; the reviewer approves as soon as the review request is. A 202 (queued while no
 * worker answers) is fine: the inbox retrier delivers it. Runs until every acting unit is approved.
 */
export class Actors {
  readonly outcomes: string[] = [];
  private readonly done = new Set<string>();
  private stopped = false;
  private loop?: Promise<void>;
  constructor(
    private readonly api: Api,
    private readonly cycleId: string,
    private readonly acting: string[],
    private readonly label: string,
  ) {}

  start() {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.tick();
        } catch {
          // a server is down: try again
        }
        await sleep(500);
      }
    })();
  }

  async stop() {
    this.stopped = true;
    await this.loop;
  }

  private async act(pathname: string, form: Record<string, string>, what: string): Promise<void> {
    if (this.done.has(what)) return;
    const page = await supertest(this.api.app).get(pathname);
    if (page.status !== 200) return; // not open yet (read model) or already closed
    const round = /name="round" value="(\d+)"/.exec(page.text)?.[1];
    if (!round) return; // the page offers no form now (e.g. waiting for review)
    const res = await supertest(this.api.app).post(pathname).type('form').send({ ...form, round });
    this.outcomes.push(`${what}: HTTP ${res.status}`);
    say(this.label, `${what} → HTTP ${res.status}`);
    if (res.status === 200 || res.status === 202 || res.status === 410) this.done.add(what);
  }

  private async tick(): Promise<void> {
    const { Mailbox } = this.api.db.models;
    for (const unitId of this.acting) {
      const wf = unitWorkflowId(this.cycleId, unitId);
      const request = await Mailbox.findOne({ 'headers.x-thidua-key': `${wf}:registration:request:1:${emailOf(unitId)}` }).lean();
      if (request) await this.act(linkIn(request.text), { action: 'submit', content: `Đăng ký của ${unitId}`, targets: 'Chỉ tiêu' }, `submit ${unitId}`);
      const review = await Mailbox.findOne({ 'headers.x-thidua-key': `${wf}:registration:review-request:1:${REVIEWER}` }).lean();
      if (review) await this.act(linkIn(review.text), { action: 'approve' }, `approve ${unitId}`);
    }
  }
}

export async function unitStates(api: Api, cycleId: string): Promise<Map<string, UnitState>> {
  const out = new Map<string, UnitState>();
  for (const u of UNITS) out.set(u, await api.client.workflow.getHandle(unitWorkflowId(cycleId, u)).query(unitStateQuery));
  return out;
}

/** Every unit where it should be: the acting ones approved, the others escalated and still open. */
export function settled(states: Map<string, UnitState>, acting: string[]): boolean {
  for (const [u, s] of states) {
    const step = s.steps.registration!;
    if (acting.includes(u)) {
      if (step.status !== 'approved') return false;
    } else if (!(step.status === 'open' && step.history.some((e) => e.event === 'escalated' && e.n === 1))) return false;
  }
  return true;
}

/** The business keys the workflows' own histories say were sent (one per recipient). */
export function expectedKeys(cycleId: string, states: Map<string, UnitState>): Set<string> {
  const keys = new Set<string>();
  for (const [u, s] of states) {
    const wf = unitWorkflowId(cycleId, u);
    const k = (suffix: string, email: string) => keys.add(`${wf}:registration:${suffix}:${email}`);
    // The launch notice each contact got when the unit's year started (workflows/cycle/launch-notice.ts).
    for (const to of s.launchNotice?.to ?? []) keys.add(`${s.launchNotice!.key}:${to}`);
    let escalated = false;
    for (const e of s.steps.registration!.history) {
      if (e.event === 'opened') k('request:1', emailOf(u));
      if (e.event === 'reminded') k(`reminder:${e.n}`, emailOf(u));
      if (e.event === 'escalated') for (const to of new Set([REVIEWER, emailOf(HEAD)])) k(`escalation:${e.n}`, to);
      // The first escalation also tells the late unit itself (quá hạn), once per deadline.
      if (e.event === 'escalated' && !e.by && !escalated) {
        k('overdue', emailOf(u));
        escalated = true;
      }
      if (e.event === 'submitted') k(`review-request:${e.round}`, REVIEWER);
      if (e.event === 'approved') k('approved', emailOf(u));
    }
  }
  return keys;
}

export interface MailReport {
  expected: number;
  received: number;
  missing: string[];
  unexpected: string[];
  /** Keys received more than once, with how many extra copies and whether every copy has the first one's Message-ID. */
  duplicates: { key: string; copies: number; sameMessageId: boolean; messageIds: string[] }[];
  extraCopies: number;
}

export async function mailReport(api: Api, expected: Set<string>): Promise<MailReport> {
  const rows = (await api.db.models.Mailbox.find({}).sort({ receivedAt: 1, _id: 1 }).lean()) as MailRow[];
  const byKey = new Map<string, MailRow[]>();
  for (const r of rows) {
    const k = keyOf(r) ?? '(no key)';
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const duplicates = [...byKey.entries()]
    .filter(([, rs]) => rs.length > 1)
    .map(([key, rs]) => {
      const ids = rs.map((r) => r.messageId ?? '');
      return { key, copies: rs.length, messageIds: ids, sameMessageId: ids.every((id) => id === ids[0] && id === messageIdFor(key)) };
    });
  return {
    expected: expected.size,
    received: rows.length,
    missing: [...expected].filter((k) => !byKey.has(k)),
    unexpected: [...byKey.keys()].filter((k) => !expected.has(k)),
    duplicates,
    extraCopies: duplicates.reduce((n, d) => n + d.copies - 1, 0),
  };
}

export async function outboxReport(api: Api): Promise<{ total: number; byStatus: Record<string, number>; notSent: { _id: string; status: string; attempts: number; lastError?: string }[]; withErrors: { _id: string; attempts: number; lastError?: string }[] }> {
  const rows = await api.db.models.Outbox.find({}).lean();
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const brief = (r: (typeof rows)[number]) => ({ _id: r._id as string, status: r.status as string, attempts: r.attempts as number, lastError: (r.lastError as string | undefined) ?? undefined });
  return {
    total: rows.length,
    byStatus,
    notSent: rows.filter((r) => r.status !== 'sent').map(brief),
    withErrors: rows.filter((r) => r.lastError).map(brief),
  };
}

/** Read model rows for every unit's step, as the secretariat sees them. */
export async function readModel(api: Api, cycleId: string): Promise<Map<string, { status: string; version: number }>> {
  const out = new Map<string, { status: string; version: number }>();
  for (const u of UNITS) {
    const r = await api.db.models.StepState.findById(`${unitWorkflowId(cycleId, u)}:registration`).lean();
    if (r) out.set(u, { status: r.status as string, version: r.version as number });
  }
  return out;
}

export async function terminateCycle(api: Api, cycleId: string): Promise<void> {
  await api.client.workflow
    .getHandle(cycleWorkflowId(cycleId))
    .terminate('fault test over')
    .catch(() => undefined);
  for (const u of UNITS) await api.client.workflow.getHandle(unitWorkflowId(cycleId, u)).terminate('fault test over').catch(() => undefined);
}

export function tmpDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `thidua-fault-${label}-`));
}

export { freePort, startSmtpSink, type SmtpSink, connectDb };

// ───────────────────────────── one test file's stack ─────────────────────────────

/**
 * A fault test file's own servers and processes, in a temporary directory of its own. The test starts
 * the api, sink and worker itself (inside its test, so their start-up counts against the test's time,
 * and a test may stop and start any of them); whatever is held here when the file ends is stopped.
 */
export class FaultStack {
  readonly dir: string;
  temporal!: TemporalBox;
  mongo!: MongoBox;
  api?: Api;
  /** The SMTP sink now running; a test that closes it on purpose sets this to undefined. */
  sink?: SmtpSink;
  worker?: WorkerProc;
  private readonly sinkLog = createLogger('sink', 'warn');
  private mongoUri?: string;
  private taskQueue?: string;

  constructor(readonly label: string) {
    this.dir = tmpDir(label);
  }

  /** Temporal (SQLite file) and the MongoDB-compatible server (data directory), each on a free port. */
  async startServers(): Promise<void> {
    this.temporal = new TemporalBox(path.join(this.dir, 'temporal.db'), await freePort());
    this.mongo = new MongoBox(path.join(this.dir, 'mongo'), await freePort());
    await Promise.all([this.temporal.start(), this.mongo.start()]);
  }

  /**
   * The api on database `fault_<name>` and task queue `fault-<name>`, and an SMTP sink storing into that
   * database: on `smtpPort` if given (the api then checks that fixed address, whether a sink runs there or
   * not), else on any free port (the api checks the running sink's).
   */
  async startApi(name: string, opts: { smtpPort?: number } = {}): Promise<{ api: Api; sink: SmtpSink }> {
    const { smtpPort } = opts;
    this.taskQueue = `fault-${name}`;
    this.mongoUri = this.mongo.uri(`fault_${name.replace(/-/g, '_')}`);
    const smtpUrl = smtpPort === undefined ? () => this.sink!.url : () => `smtp://127.0.0.1:${smtpPort}`;
    const api = await createApi({ label: this.label, mongoUri: this.mongoUri, temporalAddress: this.temporal.address, taskQueue: this.taskQueue, smtpUrl });
    this.api = api;
    return { api, sink: await this.startSink(smtpPort ?? 0) };
  }

  /** (Again) an SMTP sink storing into the api's database. */
  async startSink(port: number): Promise<SmtpSink> {
    this.sink = await startSmtpSink(this.api!.db, { port, log: this.sinkLog });
    return this.sink;
  }

  /** The real worker process, on the api's database and task queue and the running sink; waits until it is up. */
  async startWorker(): Promise<{ worker: WorkerProc; bootMs: number }> {
    if (!this.mongoUri || !this.taskQueue || !this.sink) throw new Error('startWorker: start the api (and its sink) first');
    const worker = new WorkerProc({ TEMPORAL_ADDRESS: this.temporal.address, MONGODB_URI: this.mongoUri, SMTP_URL: this.sink.url, TASK_QUEUE: this.taskQueue }, this.dir, this.label);
    this.worker = worker;
    return { worker, bootMs: await worker.start() };
  }

  /** Worker, sink, api, then both servers; the directory goes too unless THIDUA_KEEP_TEST_DATA is set. */
  async stop(): Promise<void> {
    await this.worker?.stop();
    await this.sink?.close();
    await this.api?.close();
    await Promise.all([this.temporal?.stop(), this.mongo?.stop()]);
    if (!process.env.THIDUA_KEEP_TEST_DATA) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A FaultStack for the describe block it is called in: its servers start in beforeAll; in afterAll,
 * `beforeStop` runs first (the test's own clean-up, while everything still runs), then the stack stops.
 */
export function faultStack(label: string, opts: { beforeStop?: (stack: FaultStack) => Promise<void> } = {}): FaultStack {
  const stack = new FaultStack(label);
  beforeAll(() => stack.startServers());
  afterAll(async () => {
    try {
      await opts.beforeStop?.(stack);
    } finally {
      await stack.stop();
    }
  });
  return stack;
}

// ───────────────────────────── the end of a scenario ─────────────────────────────

export interface CycleOutcome {
  states: Map<string, UnitState>;
  expected: Set<string>;
  mail: MailReport;
  outbox: Awaited<ReturnType<typeof outboxReport>>;
  readModel: Map<string, { status: string; version: number }>;
}

/**
 * Waits until every unit reached its expected state, every message the histories call for is in the
 * mailbox and recorded sent in the outbox; prints what it found (and, on a timeout, where things stand).
 */
export async function finishCycle(label: string, api: Api, cycleId: string, acting: string[], ms = { states: 150_000, mail: 120_000 }): Promise<CycleOutcome> {
  const states = await poll(
    async () => {
      const s = await unitStates(api, cycleId);
      return settled(s, acting) ? s : undefined;
    },
    'every unit to reach its expected state',
    ms.states,
    1000,
  ).catch(async (err) => {
    const s = await unitStates(api, cycleId).catch(() => undefined);
    say(label, `states: ${JSON.stringify(s ? [...s].map(([u, x]) => [u, x.steps.registration!.status, x.steps.registration!.history.map((e) => e.event + (e.n ?? ''))]) : 'n/a')}`);
    throw err;
  });
  for (const [u, s] of states) say(label, `${u}: ${s.steps.registration!.status} [${s.steps.registration!.history.map((e) => e.event).join(', ')}]`);
  const expected = expectedKeys(cycleId, states);
  // Every message received is not enough: a send killed after the SMTP server accepted it (the
  // documented window) has no outbox row until its activity is retried, a minute later (its
  // start-to-close timeout), and the step projects itself only after that.
  const mail = await poll(
    async () => {
      const [m, o] = await Promise.all([mailReport(api, expected), outboxReport(api)]);
      return m.missing.length === 0 && o.notSent.length === 0 && o.total >= expected.size ? m : undefined;
    },
    'every expected message, each with its outbox row sent',
    ms.mail,
    1000,
  ).catch(async (err) => {
    say(label, `mail: ${JSON.stringify(await mailReport(api, expected).catch((e) => String(e)))}`);
    say(label, `outbox: ${JSON.stringify(await outboxReport(api).catch((e) => String(e)))}`);
    throw err;
  });
  const outbox = await outboxReport(api);
  // A step sends its email before it projects itself: give the read model a moment to catch up with
  // the states it must match (the assertion in expectCycleOutcome still decides).
  const caughtUp = (m: Map<string, { status: string; version: number }>) =>
    [...states].every(([u, st]) => m.get(u)?.status === st.steps.registration!.status && m.get(u)?.version === st.steps.registration!.history.length);
  const rm = await poll(
    async () => {
      const m = await readModel(api, cycleId);
      return caughtUp(m) ? m : undefined;
    },
    'the read model to catch up',
    30_000,
    500,
  ).catch(() => readModel(api, cycleId));
  say(label, `messages expected ${mail.expected}, received ${mail.received}; extra copies ${mail.extraCopies}: ${JSON.stringify(mail.duplicates)}`);
  say(label, `outbox: ${outbox.total} rows ${JSON.stringify(outbox.byStatus)}; rows that saw an error: ${JSON.stringify(outbox.withErrors)}`);
  say(label, `read model: ${JSON.stringify([...rm])}`);
  return { states, expected, mail, outbox, readModel: rm };
}

/** The assertions every scenario shares: states, read model, mail, outbox. */
export function expectCycleOutcome(o: CycleOutcome, acting: string[]): void {
  for (const [u, s] of o.states) {
    const step = s.steps.registration!;
    const events = step.history.map((e) => e.event);
    if (acting.includes(u)) {
      expect([u, step.status]).toEqual([u, 'approved']);
      expect(events.filter((e) => e === 'submitted' || e === 'approved')).toEqual(['submitted', 'approved']);
    } else {
      expect([u, step.status]).toEqual([u, 'open']);
      // A step that opens after one of its reminders was due drops it (reviewed-step.ts timers): with
      // the worker killed again and again, a unit's step may open late. Every later reminder is sent.
      const opened = Date.parse(step.history.find((e) => e.event === 'opened')!.at);
      const reminders = step.schedule.reminders.filter((r) => Date.parse(r.at) > opened).length;
      expect(reminders).toBeGreaterThanOrEqual(1);
      expect(events).toEqual(['opened', ...Array<string>(reminders).fill('reminded'), 'escalated']);
    }
    // The read model caught up with the workflow (same status, same number of events).
    expect([u, o.readModel.get(u)]).toEqual([u, { status: step.status, version: step.history.length }]);
  }
  expect(o.mail.missing).toEqual([]);
  expect(o.mail.unexpected).toEqual([]);
  for (const d of o.mail.duplicates) expect(d).toEqual(expect.objectContaining({ sameMessageId: true }));
  expect(o.outbox.notSent).toEqual([]);
  expect(o.outbox.total).toBe(o.expected.size);
}
