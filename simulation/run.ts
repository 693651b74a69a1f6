/**
 * `thidua simulate`: rehearse a plan's year in seconds. The real workflows and activities run on the
 * Java time-skipping test server, against a throwaway MongoDB-compatible server and an in-process SMTP
 * server (never the real ones); simulated participants act by policy; the outcome is read back from
 * the read model and the outbox, and each cluster's year-end (scores, classes, ballots, proposal)
 * from its workflow's state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createQueueWorkers } from '../worker/queue-workers';
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
import { createTimeSkippingEnv, ensureTestServer, registerSearchAttributes, startMongo } from '../scripts/servers';
import { STEP_KINDS, STEP_NAMES } from '../rules/steps';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import {
  clusterStateQuery,
  clusterWorkflowId,
  unitWorkflowId,
  type AwardState,
  type ClusterYearEndInput,
  type NominationListState,
  type StepEvent,
  type StepName,
  type StepState,
  type StepStatus,
  type YearEndPhase,
  type YearEndState,
} from '../workflows/cycle/definitions';
import { createSimulationActivities } from './activities';
import type { CouncilParticipantInput } from './council-participant';
import { simulationLogQuery, type SimulatedAction, type YearEndParticipantInput } from './participant-workflow';
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
  /** Simulated time span: the cycle's start to 30 days after its last deadline, escalation or meeting. */
  from: string;
  to: string;
  units: {
    unitId: string;
    unitName: string;
    clusterId: string;
    policy: Policy;
    steps: Partial<Record<StepName, { status: string; rounds: number; reminders: number; escalations: number; submittedAt?: string; approvedAt?: string }>>;
    /** The unit's scores and class, when its cluster runs the year-end (the plan has `scoring` and `stages.inspection`). */
    score?: SimulatedScore;
  }[];
  /** Messages accepted by the simulated SMTP server, by template kind (`<step>.<kind>`) and by recipient. */
  emails: { total: number; byKind: Record<string, number>; byRecipient: Record<string, number> };
  /** The units' step statuses at the end, counted over all units (the cluster's award proposal is in `yearEnd`). */
  outcome: Record<string, number>;
  /** The units' reviewed steps; each cluster's year-end has its own timeline in `yearEnd` (both are printed together). */
  timeline: { at: string; unitId: string; step: StepName; event: StepEvent['event']; n?: number; by?: string }[];
  /** One entry per cluster whose plan runs the year-end, in plan order; empty when the plan has none. */
  yearEnd: SimulatedYearEnd[];
  /**
   * Individual nominations (plans with `individualAwards` and `stages.nominations`), one entry per
   * cluster: where its list stood at the end and every person nominated (verified by the unit's
   * follower), with the council's decision once made. Empty when the plan has none.
   */
  nominations: SimulatedNominations[];
}

export interface SimulatedNominations {
  clusterId: string;
  /** collecting: waiting for the units' verified lists; deciding: with the council; decided. */
  phase: string;
  sentAt?: string;
  /** Units whose verified list arrived. */
  received: string[];
  items: { id: string; unitId: string; titleId: string; name: string; decision?: string }[];
  /** The council's decisions so far, by kind (approve, forward, refuse); the undecided under `pending`. */
  decisions: Record<string, number>;
}

export interface SimulatedScore {
  /** The total the unit gave itself (its self-scoring step as the inspection opened); absent if it sent none. */
  self?: number;
  /** The inspector's total; absent if nobody inspected the unit. */
  inspected?: number;
  /** The total its class rests on: the inspected one, else the self one (see `source`); set when the classes are locked. */
  final?: number;
  source?: 'inspection' | 'self';
  /** The class (band of the plan's scoring) locked at the inspection's close. */
  classId?: string;
  className?: string;
  /** Items the inspector changed from the self-score, each with a reason. */
  changes: number;
}

export interface SimulatedYearEnd {
  clusterId: string;
  clusterName: string;
  /** Where the year-end stood when the simulation ended: 'done' once the council decided the proposal. */
  phase: YearEndPhase;
  /** When the classes were locked (the inspection's close). */
  classesLockedAt?: string;
  /** Who checked whose files (kiểm tra chéo) and whether the findings came in, when the plan has cross-checking. */
  crossChecks?: { checker: string; checked: string; done: boolean }[];
  awards: {
    awardId: string;
    name: string;
    quota: number;
    status: AwardState['status'];
    /** Every ballot round: who could be marked, how many units voted, the votes each candidate got. */
    rounds: {
      round: number;
      candidates: string[];
      seats: number;
      opensAt: string;
      /** Member units that cast a ballot (never what they marked). */
      voted: number;
      valid?: number;
      abstentions?: number;
      votes: Record<string, number>;
      elected: string[];
      tie?: { among: string[]; seats: number; votes: number };
    }[];
    /** At most `quota` units. */
    elected: string[];
    decidedBy?: 'ballot' | 'chair';
    /** True when the last seat(s) were tied and the meeting's chair chose. */
    tieDecidedByChair: boolean;
  }[];
  /** Next year's cluster head (and deputy) by rotation, announced with the results. */
  nextHead?: { head: string; deputy?: string };
  /** The award proposal: the head unit's delegate sends it, the council approves or returns it. */
  proposal?: { status: StepStatus; rounds: number; submittedBy?: string; submittedAt?: string; reviewedBy?: string; approvedAt?: string; returns: number; reminders: number; escalations: number };
  timeline: YearEndEvent[];
}

export interface YearEndEvent {
  at: string;
  event: 'inspection-opened' | 'cross-checked' | 'inspected' | 'classes-locked' | 'round-opened' | 'voted' | 'tie-decided' | 'refused' | `proposal-${StepEvent['event']}`;
  /** The unit concerned (inspected, voter). */
  unitId?: string;
  awardId?: string;
  round?: number;
  /** The person who acted (an inspector, the council), when the workflow records it. */
  by?: string;
  /** inspected: items changed; a proposal reminder or escalation: its number. */
  n?: number;
  /** inspected: the inspected total; tie-decided: the units chosen; refused: why. */
  detail?: string;
}

export interface SimulationOptions {
  plan: unknown;
  seed?: number;
  policies?: Record<string, Policy>;
  onProgress?: (line: string) => void;
  /** Called when the simulated span is over, before the cycle is stopped (tests inspect workflows and histories here). */
  onSpanEnd?: (env: TestWorkflowEnvironment, cycleId: string) => Promise<void>;
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
  const env = await createTimeSkippingEnv(await ensureTestServer());
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
    const cycleId = compiled.cycle.cycleId;
    // Clusters whose units nominate persons: a simulated council decides their lists.
    const listed = compiled.clusters.filter((c) => c.nominations);
    const yearEnds = compiled.clusters.filter((c) => c.yearEnd).map((c) => ({ clusterId: c.clusterId, workflowId: clusterWorkflowId(cycleId, c.clusterId), yearEnd: c.yearEnd! }));
    const schedules = [
      ...units.flatMap((u) => Object.values(u.steps)),
      ...yearEnds.flatMap(({ yearEnd }) => [yearEnd.inspection, ...(yearEnd.proposal ? [yearEnd.proposal.schedule] : [])]),
    ];
    const last = Math.max(
      ...schedules.flatMap((s) => [Date.parse(s!.graceEndsAt), ...s!.escalations.map((e) => Date.parse(e.at))]),
      ...yearEnds.flatMap(({ yearEnd }) => (yearEnd.meeting ? [Date.parse(yearEnd.meeting.closesAt)] : [])),
    );
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
    // Both queues: the simulated cycle is launched as the api launches it (worker/queue-workers.ts).
    const worker = await createQueueWorkers({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('./workflows'),
      activities: {
        ...createActivities({ models: db.models, conn: db.conn, transport, renderer: new MailRenderer(`${templatesDir}/email`), linkSecret: config.LINK_SECRET, publicBaseUrl: config.PUBLIC_BASE_URL, mailFrom: config.MAIL_FROM }),
        ...createSimulationActivities(env.client, {
          models: db.models,
          seed,
          scoring: plan.scoring && { sheet: plan.scoring.sheet, step: plan.scoring.step },
          yearEnds: Object.fromEntries(yearEnds.map((y) => [y.workflowId, y.yearEnd])),
          individualAwards: units.find((u) => u.individualAwards)?.individualAwards,
          nominations: Object.fromEntries(listed.map((c) => [clusterWorkflowId(cycleId, c.clusterId), c.nominations!])),
        }),
      },
    });
    const logs: Record<string, SimulatedAction[]> = {};
    const states: Record<string, YearEndState | undefined> = {};
    await worker.runUntil(async () => {
      say(`simulating ${cycleId}: ${units.length} units${yearEnds.length ? `, year-end in ${yearEnds.length} cluster(s)` : ''}, seed ${seed}`);
      await launchCycle(deps, plan, compiled, 'simulation');
      for (const u of units) {
        await env.client.workflow.start('participantWorkflow', {
          taskQueue: TASK_QUEUE,
          workflowId: `simulation:${u.unitId}`,
          args: [{ unitWorkflowId: unitWorkflowId(cycleId, u.unitId), unitId: u.unitId, policy: policies[u.unitId], steps: Object.entries(u.steps).map(([step, schedule]) => ({ step, schedule })) }],
        });
      }
      for (const { clusterId, workflowId, yearEnd } of yearEnds) {
        const head = yearEnd.members.find((m) => m.unitId === yearEnd.headUnitId)!;
        const input: YearEndParticipantInput = {
          clusterWorkflowId: workflowId,
          members: yearEnd.members.map((m) => ({ unitId: m.unitId, policy: policies[m.unitId] })),
          inspection: { opensAt: yearEnd.inspection.opensAt, dueAt: yearEnd.inspection.dueAt },
          ...(yearEnd.crossCheck ? { crossCheck: true } : {}),
          meeting: yearEnd.meeting && { opensAt: yearEnd.meeting.opensAt, closesAt: yearEnd.meeting.closesAt },
          proposal: yearEnd.proposal && { schedule: yearEnd.proposal.schedule, headPolicy: policies[head.unitId], head: head.delegate.email, council: yearEnd.proposal.council.email },
          endsAt: new Date(end).toISOString(),
        };
        await env.client.workflow.start('yearEndParticipantWorkflow', { taskQueue: TASK_QUEUE, workflowId: `simulation:year-end:${clusterId}`, args: [input] });
      }
      for (const c of listed) {
        const input: CouncilParticipantInput = { clusterWorkflowId: clusterWorkflowId(cycleId, c.clusterId), opensAt: c.nominations!.schedule.opensAt, endsAt: new Date(end).toISOString() };
        await env.client.workflow.start('councilParticipantWorkflow', { taskQueue: TASK_QUEUE, workflowId: `simulation:council:${c.clusterId}`, args: [input] });
      }
      // Time skips to the end of the year; every timer of every workflow fires on the way.
      await env.sleep(end - (await env.currentTimeMs()));
      await opts.onSpanEnd?.(env, cycleId);
      for (const { clusterId, workflowId } of yearEnds) {
        logs[clusterId] = await env.client.workflow
          .getHandle(`simulation:year-end:${clusterId}`)
          .query(simulationLogQuery)
          .catch((err: unknown) => {
            say(`warning: the simulated people of ${clusterId} left no log (${String(err)})`);
            return [];
          });
        // The workflow's own state: the read model is not re-projected when the proposal phase starts.
        states[clusterId] = await env.client.workflow
          .getHandle(workflowId)
          .query(clusterStateQuery)
          .then((c) => c.yearEnd)
          .catch(() => undefined);
      }
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('simulation over').catch(() => undefined);
    });
    const names = new Map(compiled.clusters.map((c) => [c.clusterId, c.name]));
    return await summarize(db, { cycleId, timeZone: plan.timeZone, seed, policies, start, end, logs, states, clusters: yearEnds.map((y) => ({ ...y, name: names.get(y.clusterId)! })) });
  } finally {
    await env.teardown().catch(() => undefined);
    transport.close();
    await sink.close();
    await db.close();
    await mongo.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface SummaryInput {
  cycleId: string;
  timeZone: string;
  seed: number;
  policies: Record<string, Policy>;
  start: Date;
  end: number;
  /** The year-end participants' actions, by cluster. */
  logs: Record<string, SimulatedAction[]>;
  /** Each cluster's year-end as its workflow holds it at the end (else the read model's). */
  states: Record<string, YearEndState | undefined>;
  clusters: { clusterId: string; name: string; workflowId: string; yearEnd: ClusterYearEndInput }[];
}

/**
 * Participants act on whole minutes; a recorded instant also carries the few milliseconds the servers
 * took to get there (real time passes while the test server holds its clock). Events are ordered by
 * the minute, then by who and what, so the same seed lists them in the same order.
 */
const byMinute = (iso: string) => iso.slice(0, 16);
const sortedKeys = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));

async function summarize(db: Awaited<ReturnType<typeof connectDb>>, input: SummaryInput): Promise<SimulationSummary> {
  const { cycleId, timeZone, seed, policies, start, end } = input;
  const rows = (await db.models.StepState.find({ cycleId }).sort({ clusterId: 1, unitId: 1 }).lean()).sort(
    (a, b) => a.clusterId.localeCompare(b.clusterId) || a.unitId.localeCompare(b.unitId) || STEP_NAMES.indexOf(a.step as StepName) - STEP_NAMES.indexOf(b.step as StepName),
  );
  const byUnit = new Map<string, SimulationSummary['units'][number]>();
  const timeline: SimulationSummary['timeline'] = [];
  const outcome: Record<string, number> = {};
  const clusterSteps = new Map<string, StepState>();
  for (const r of rows) {
    const s = r.state as StepState;
    // The award proposal is the cluster's own step: summarized with its year-end.
    if (STEP_KINDS[s.step]?.cluster) {
      clusterSteps.set(r.clusterId, s);
      continue;
    }
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
  timeline.sort((a, b) => byMinute(a.at).localeCompare(byMinute(b.at)) || a.unitId.localeCompare(b.unitId) || STEP_NAMES.indexOf(a.step) - STEP_NAMES.indexOf(b.step));

  const yearEnd: SimulatedYearEnd[] = [];
  for (const c of input.clusters) {
    const row = input.states[c.clusterId] ? undefined : await db.models.ClusterYearEnd.findById(`${cycleId}:${c.clusterId}`).lean();
    const state = input.states[c.clusterId] ?? (row ? (JSON.parse(row.state) as YearEndState) : undefined);
    if (!state) continue;
    for (const u of state.inspection.units) {
      const unit = byUnit.get(u.unitId);
      if (!unit) continue;
      unit.score = {
        self: u.self?.total,
        inspected: u.inspected?.total,
        final: u.total,
        source: u.source,
        classId: u.bandId,
        className: u.bandName,
        changes: u.inspected?.changes.length ?? 0,
      };
    }
    yearEnd.push(summarizeYearEnd(c, state, state.proposal ?? clusterSteps.get(c.clusterId), input.logs[c.clusterId] ?? []));
  }

  const lists = await db.models.ClusterNominations.find({ cycleId }).sort({ clusterId: 1 }).lean();
  const nominations: SimulatedNominations[] = lists.map((row) => {
    const st = JSON.parse(row.state) as NominationListState;
    return {
      clusterId: row.clusterId,
      phase: st.phase,
      ...(st.sentAt ? { sentAt: st.sentAt } : {}),
      received: [...st.received].sort(),
      items: st.items.map((x) => ({ id: x.id, unitId: x.unitId, titleId: x.titleId, name: x.name, ...(x.decision ? { decision: x.decision } : {}) })),
      decisions: sortedKeys(st.items.reduce<Record<string, number>>((acc, x) => ((acc[x.decision ?? 'pending'] = (acc[x.decision ?? 'pending'] ?? 0) + 1), acc), {})),
    };
  });

  const outbox = await db.models.Outbox.find({ cycleId, status: 'sent' }).lean();
  const count = (keys: string[]) => sortedKeys(keys.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {}));
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
    yearEnd,
    nominations,
  };
}

function summarizeYearEnd(c: SummaryInput['clusters'][number], state: YearEndState, proposal: StepState | undefined, log: SimulatedAction[]): SimulatedYearEnd {
  const timeline: YearEndEvent[] = [];
  if (state.phase !== 'waiting') timeline.push({ at: state.inspection.opensAt, event: 'inspection-opened' });
  for (const u of state.inspection.units) {
    if (u.inspected) timeline.push({ at: u.inspected.at, event: 'inspected', unitId: u.unitId, by: u.inspected.by, n: u.inspected.changes.length, detail: String(u.inspected.total) });
  }
  if (state.inspection.closedAt) timeline.push({ at: state.inspection.closedAt, event: 'classes-locked' });
  for (const a of state.awards) for (const r of a.rounds) timeline.push({ at: r.opensAt, event: 'round-opened', awardId: a.awardId, round: r.round });
  for (const l of log) {
    if (l.action === 'voted') timeline.push({ at: l.at, event: 'voted', unitId: l.unitId, awardId: l.awardId, round: l.round });
    else if (l.action === 'decided-tie') timeline.push({ at: l.at, event: 'tie-decided', awardId: l.awardId, detail: l.chosen?.join(', ') });
    else if (l.action === 'cross-checked') timeline.push({ at: l.at, event: 'cross-checked', unitId: l.unitId, detail: l.checked });
    else if (l.action === 'refused') timeline.push({ at: l.at, event: 'refused', unitId: l.unitId, awardId: l.awardId, round: l.round, detail: l.reason });
  }
  for (const h of proposal?.history ?? []) timeline.push({ at: h.at, event: `proposal-${h.event}`, by: h.by, n: h.n });
  // One participant acts for the whole cluster, one thing after another, and the cluster answers
  // each: within a cluster the exact instants are in causal order (a vote, then the round it closed).
  timeline.sort((a, b) => a.at.localeCompare(b.at));

  const at = (e: StepEvent['event']) => proposal?.history.filter((h) => h.event === e) ?? [];
  return {
    clusterId: c.clusterId,
    clusterName: c.name,
    phase: state.phase,
    classesLockedAt: state.inspection.closedAt,
    ...(state.inspection.crossChecks ? { crossChecks: state.inspection.crossChecks.map((x) => ({ checker: x.checker, checked: x.checked, done: x.findings !== undefined })) } : {}),
    awards: state.awards.map((a) => {
      const rule = c.yearEnd.awards.find((r) => r.id === a.awardId);
      return {
        awardId: a.awardId,
        name: a.name,
        quota: rule?.quota ?? 0,
        status: a.status,
        rounds: a.rounds.map((r) => ({
          round: r.round,
          candidates: r.candidates,
          seats: r.seats,
          opensAt: r.opensAt,
          voted: r.voted.length,
          valid: r.result?.valid,
          abstentions: r.result?.abstentions,
          votes: r.result?.votes ?? {},
          elected: r.result?.elected ?? [],
          ...(r.result?.tie ? { tie: { among: r.result.tie.among, seats: r.result.tie.seats, votes: r.result.tie.votes } } : {}),
        })),
        elected: a.elected,
        decidedBy: a.decidedBy,
        tieDecidedByChair: a.decidedBy === 'chair',
      };
    }),
    nextHead: state.nextHead,
    proposal: proposal && {
      status: proposal.status,
      rounds: proposal.round,
      submittedBy: proposal.submission?.by,
      submittedAt: at('submitted')[0]?.at,
      reviewedBy: proposal.review?.by,
      approvedAt: at('approved')[0]?.at,
      returns: at('returned').length,
      reminders: at('reminded').length,
      escalations: at('escalated').length,
    },
    timeline,
  };
}
