/**
 * `thidua simulate`: rehearse a plan's year in seconds. The real workflows and activities run on the
 * Java time-skipping test server, against a throwaway MongoDB-compatible server and an in-process SMTP
 * server (never the real ones); simulated participants act by policy; the outcome is read back from
 * the read model and the outbox.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { AppDeps } from '../api/deps';
import { PageRenderer } from '../api/pages';
import { launchCycle } from '../api/services/start-cycle';
import { parseEnv } from '../config/env';
import { connectDb } from '../lib/db';
import { createLogger } from '../lib/logger';
import { MailRenderer } from '../lib/mail/render';
import { startSmtpSink } from '../lib/mail/smtp-sink';
import { createTransport } from '../lib/mail/transport';
import { canConnect, hostPortOf } from '../lib/net';
import { templatesDir } from '../lib/paths';
import { compilePlan, PlanCompileError } from '../rules/compile';
import { validatePlan, type PlanProblem } from '../rules/plan';
import { ensureTestServer, registerSearchAttributes, startMongo } from '../scripts/servers';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import { unitWorkflowId, type StepEvent, type StepName, type StepState } from '../workflows/cycle/definitions';
import { createSimulationActivities } from './activities';
import { assignPolicies, type Policy } from './policies';

const TASK_QUEUE = 'thidua-simulation';
const DAY = 24 * 3600 * 1000;

export class SimulationInputError extends Error {
  constructor(readonly problems: PlanProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
}

/** The documented shape of `thidua simulate --json`. */
export interface SimulationSummary {
  cycleId: string;
  seed: number;
  timeZone: string;
  /** Simulated time span: the cycle's start to 30 days after its last escalation. */
  from: string;
  to: string;
  units: {
    unitId: string;
    unitName: string;
    clusterId: string;
    policy: Policy;
    steps: Partial<Record<StepName, { status: string; rounds: number; reminders: number; escalations: number; submittedAt?: string; approvedAt?: string }>>;
  }[];
  /** Messages accepted by the simulated SMTP server, by template kind (`<step>.<kind>`) and by recipient. */
  emails: { total: number; byKind: Record<string, number>; byRecipient: Record<string, number> };
  /** Step statuses at the end, counted over all units. */
  outcome: Record<string, number>;
  timeline: { at: string; unitId: string; step: StepName; event: StepEvent['event']; n?: number; by?: string }[];
}

export interface SimulationOptions {
  plan: unknown;
  seed?: number;
  policies?: Record<string, Policy>;
  onProgress?: (line: string) => void;
}

export async function simulate(opts: SimulationOptions): Promise<SimulationSummary> {
  const seed = opts.seed ?? 1;
  const say = opts.onProgress ?? (() => undefined);
  const v = validatePlan(opts.plan);
  if (!v.ok) throw new SimulationInputError(v.problems);
  const plan = v.plan;
  const unknown = Object.keys(opts.policies ?? {}).filter((id) => !plan.units.some((u) => u.id === id));
  if (unknown.length) throw new SimulationInputError(unknown.map((id) => ({ path: `--policy ${id}`, message: 'unknown unit id' })));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-simulate-'));
  const mongo = await startMongo({ dataDir: path.join(dir, 'mongo') });
  const db = await connectDb(`${mongo.uri}simulation`);
  const log = createLogger('simulate', 'warn');
  const sink = await startSmtpSink(db, { port: 0, log });
  const transport = createTransport(sink.url);
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await ensureTestServer() } } });
  try {
    await registerSearchAttributes(env.connection, 'default', { ...SEARCH_ATTRIBUTE_TYPES });
    const start = new Date(await env.currentTimeMs());
    let compiled;
    try {
      compiled = compilePlan(plan, start);
    } catch (err) {
      if (err instanceof PlanCompileError) throw new SimulationInputError([{ path: err.path, message: err.message }]);
      throw err;
    }
    const units = compiled.clusters.flatMap((c) => c.units);
    const schedules = units.flatMap((u) => Object.values(u.steps));
    const last = Math.max(...schedules.flatMap((s) => [Date.parse(s!.graceEndsAt), ...s!.escalations.map((e) => Date.parse(e.at))]));
    if (last < start.getTime()) {
      throw new SimulationInputError([{ path: 'stages', message: `every deadline is before today (${start.toISOString().slice(0, 10)}): a rehearsal runs forward from today` }]);
    }
    const end = last + 30 * DAY;
    const policies = assignPolicies(units.map((u) => u.unitId), seed, opts.policies);

    const config = { ...parseEnv({ DATA_DIR: dir, TASK_QUEUE, PUBLIC_BASE_URL: 'http://simulation.invalid' }), LINK_SECRET: 'simulation-only-secret-0123456789abcdef', API_TOKEN: 'simulation-only-token' };
    const smtp = hostPortOf(sink.url);
    const deps: AppDeps = {
      config,
      db,
      temporal: env.client,
      pages: new PageRenderer(`${templatesDir}/pages`),
      log,
      mailboxEnabled: true,
      smtpUp: () => canConnect(smtp.host, smtp.port),
      now: () => start,
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('./workflows'),
      activities: {
        ...createActivities({ models: db.models, transport, renderer: new MailRenderer(`${templatesDir}/email`), linkSecret: config.LINK_SECRET, publicBaseUrl: config.PUBLIC_BASE_URL, mailFrom: config.MAIL_FROM }),
        ...createSimulationActivities(env.client),
      },
    });
    await worker.runUntil(async () => {
      say(`simulating ${compiled.cycle.cycleId}: ${units.length} units, seed ${seed}`);
      await launchCycle(deps, plan, compiled, 'simulation');
      for (const u of units) {
        await env.client.workflow.start('participantWorkflow', {
          taskQueue: TASK_QUEUE,
          workflowId: `simulation:${u.unitId}`,
          args: [{ unitWorkflowId: unitWorkflowId(compiled.cycle.cycleId, u.unitId), policy: policies[u.unitId], steps: Object.entries(u.steps).map(([step, schedule]) => ({ step, schedule })) }],
        });
      }
      // Time skips to the end of the year; every timer of every workflow fires on the way.
      await env.sleep(end - (await env.currentTimeMs()));
      await env.client.workflow.getHandle(`${compiled.cycle.cycleId}:cycle`).terminate('simulation over').catch(() => undefined);
    });
    return await summarize(db, compiled.cycle.cycleId, plan.timeZone, seed, policies, start, end);
  } finally {
    await env.teardown().catch(() => undefined);
    transport.close();
    await sink.close();
    await db.close();
    await mongo.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function summarize(
  db: Awaited<ReturnType<typeof connectDb>>,
  cycleId: string,
  timeZone: string,
  seed: number,
  policies: Record<string, Policy>,
  start: Date,
  end: number,
): Promise<SimulationSummary> {
  const rows = await db.models.StepState.find({ cycleId }).sort({ clusterId: 1, unitId: 1 }).lean();
  const byUnit = new Map<string, SimulationSummary['units'][number]>();
  const timeline: SimulationSummary['timeline'] = [];
  const outcome: Record<string, number> = {};
  for (const r of rows) {
    const s = r.state as StepState;
    const unit = byUnit.get(r.unitId) ?? { unitId: r.unitId, unitName: r.unitName, clusterId: r.clusterId, policy: policies[r.unitId], steps: {} };
    const at = (e: StepEvent['event']) => s.history.filter((h) => h.event === e);
    unit.steps[s.step] = {
      status: s.status,
      rounds: s.round,
      reminders: at('reminded').length,
      escalations: at('escalated').length,
      submittedAt: at('submitted')[0]?.at,
      approvedAt: at('approved')[0]?.at,
    };
    byUnit.set(r.unitId, unit);
    outcome[s.status] = (outcome[s.status] ?? 0) + 1;
    for (const h of s.history) timeline.push({ at: h.at, unitId: r.unitId, step: s.step, event: h.event, n: h.n, by: h.by });
  }
  timeline.sort((a, b) => a.at.localeCompare(b.at) || a.unitId.localeCompare(b.unitId));
  const outbox = await db.models.Outbox.find({ cycleId, status: 'sent' }).lean();
  const count = (keys: string[]) => keys.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});
  return {
    cycleId,
    seed,
    timeZone,
    from: start.toISOString(),
    to: new Date(end).toISOString(),
    units: [...byUnit.values()],
    emails: { total: outbox.length, byKind: count(outbox.map((o) => o.kind)), byRecipient: count(outbox.map((o) => o.to)) },
    outcome,
    timeline,
  };
}
