/**
 * Benchmark 5 — a whole year under `thidua simulate`: the year-end example plan (test/helpers/plans.ts
 * `yearEndPlan`: registration, reports with self-scoring, inspection, cluster meeting with ballots and a
 * tie, award proposal), moved to next year, with the simulation's seeded participants.
 *
 * Ours: wall time of the simulated span — from the moment simulate() has its servers and worker up
 * and launches the cycle until the span is over (its progress line, then its onSpanEnd hook); server
 * start-up and the summary are not counted. Every durable timer started in the span is counted from
 * the histories of every workflow of the run (cycle runs, clusters, units, simulated participants).
 * Baseline, same run, same time-skipping test server (inside the hook, so the same server process):
 * one trivial workflow (bench/fixtures/trivial-workflow.ts `timersWorkflow`) sleeping through as many
 * timers, spaced to cover the same simulated span. Figure: timers per second of wall time. No target in
 * the issue: informational.
 *
 * Usage: tsx bench/year-simulate.ts [--seed 3]
 */
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { simulate } from '../simulation/run';
import { yearEndPlan } from '../test/helpers/plans';
import { clusterWorkflowId, cycleWorkflowId, unitWorkflowId } from '../workflows/cycle/definitions';
import { printMachine, recordResults } from './lib/report';

const seedArg = process.argv.indexOf('--seed');
const SEED = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 3;
const TIMER_STARTED = temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED;

async function timersIn(env: TestWorkflowEnvironment, workflowId: string): Promise<{ timers: number; events: number; runs: number }> {
  let runId: string | undefined;
  let timers = 0;
  let events = 0;
  let runs = 0;
  try {
    runId = (await env.client.workflow.getHandle(workflowId).describe()).runId;
  } catch {
    return { timers: 0, events: 0, runs: 0 };
  }
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const evs: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    runs += 1;
    events += evs.length;
    timers += evs.filter((e) => e.eventType === TIMER_STARTED).length;
    runId = evs[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return { timers, events, runs };
}

async function main(): Promise<void> {
  console.log(`year-simulate benchmark (the year-end example plan, seed ${SEED})`);
  printMachine();
  const year = new Date().getUTCFullYear() + 1;
  const plan = yearEndPlan(year);
  let spanStart = 0;
  let oursMs = 0;
  let timers = 0;
  let events = 0;
  let workflows = 0;
  let rawMs = 0;
  let spanMs = 0;
  const summary = await simulate({
    plan,
    seed: SEED,
    onProgress: (line) => {
      if (line.startsWith('simulating')) spanStart = Date.now();
    },
    onSpanEnd: async (env, cycleId) => {
      oursMs = Date.now() - spanStart;
      const ids = [
        cycleWorkflowId(cycleId),
        ...plan.clusters.flatMap((c) => [clusterWorkflowId(cycleId, c.id), `simulation:year-end:${c.id}`]),
        ...plan.units.flatMap((u) => [unitWorkflowId(cycleId, u.id), `simulation:${u.id}`]),
      ];
      for (const id of ids) {
        const t = await timersIn(env, id);
        timers += t.timers;
        events += t.events;
        workflows += t.runs ? 1 : 0;
      }
      // The simulated span, in the server's (skipped) time: from the cycle's start until now.
      const cycleStart = (await env.client.workflow.getHandle(cycleWorkflowId(cycleId)).describe()).startTime.getTime();
      spanMs = (await env.currentTimeMs()) - cycleStart;
      // The baseline on this very server: one workflow, as many timers, over the same simulated span.
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'bench-timers',
        workflowsPath: path.join(__dirname, 'fixtures', 'trivial-workflow.ts'),
      });
      await worker.runUntil(async () => {
        const span = spanMs;
        const t0 = Date.now();
        await env.client.workflow.execute('timersWorkflow', { taskQueue: 'bench-timers', workflowId: 'bench-timers', args: [timers, Math.max(1, Math.floor(span / Math.max(1, timers)))] });
        rawMs = Date.now() - t0;
      });
    },
  });
  console.log(`   ours: ${timers} timers in ${workflows} workflows (${events} events) over the simulated year in ${(oursMs / 1000).toFixed(1)} s wall`);
  console.log(`   baseline: one workflow with ${timers} timers over the same span in ${(rawMs / 1000).toFixed(1)} s wall`);
  recordResults([
    {
      benchmark: 'year-simulate',
      figure: 'simulated year: timers per wall second',
      n: timers,
      mode: 'full',
      ours: timers / (oursMs / 1000),
      baseline: timers / (rawMs / 1000),
      note: `yearEndPlan(${year}), seed ${SEED}, simulated span ${(spanMs / 86400000).toFixed(0)} days: ${plan.units.length} units, ${plan.clusters.length} clusters, ${workflows} workflows, ${events} history events, ${summary.emails.total} emails; ours ${(oursMs / 1000).toFixed(1)} s vs one workflow with ${timers} timers ${(rawMs / 1000).toFixed(1)} s`,
    },
  ]);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
