/**
 * Scale (issue 3 §3): a generated plan of 5,000 units (500 clusters of 10; SCALE_UNITS=n for another
 * size) runs its year to the end under `thidua simulate` — the real workflows and activities on the
 * time-skipping test server, FerretDB/mongod and the in-process SMTP sink — with every unit on time.
 * Asserts that every unit and cluster workflow completed, the cycle completed (through its
 * continue-as-new runs), every unit's registration was approved, and that no workflow's history
 * (each run of the cycle included) comes near Temporal's limits: at most HISTORY_EVENTS_BOUND events
 * and HISTORY_BYTES_BOUND bytes (the server warns at 10,240 events / 10 MB and stops a workflow at
 * 51,200 events / 50 MB).
 *
 * Slow (tens of minutes for 5,000 units on a 2-core machine): `npm run test:scale`, outside `npm test`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { generatePlan } from '../../bench/fixtures/generated-plan';
import { simulate, type SimulationSummary } from '../../simulation/run';
import type { Policy } from '../../simulation/policies';
import { CYCLE_HISTORY_BUDGET } from '../../workflows/cycle/cycle-workflow';
import { clusterWorkflowId, cycleWorkflowId, unitWorkflowId, type CycleState } from '../../workflows/cycle/definitions';

const N = Number(process.env.SCALE_UNITS ?? 5000);
const HISTORY_EVENTS_BOUND = 10_000;
const HISTORY_BYTES_BOUND = 5 * 2 ** 20;

interface Measured {
  id: string;
  events: number;
  bytes: number;
}

async function historyOf(env: TestWorkflowEnvironment, workflowId: string, runId?: string) {
  const h = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return { events: h.events ?? [], bytes: temporal.api.history.v1.History.encode(h).finish().length };
}

test(`a plan of ${N} units runs its year to the end with bounded histories`, async () => {
  const plan = generatePlan(N, `scale-${N}`);
  const units = plan.units.map((u) => u.id);
  const clusters = plan.clusters.map((c) => c.id);
  const policies = Object.fromEntries(units.map((id) => [id, 'on-time' as Policy]));
  let cycle: CycleState | undefined;
  const measured: Measured[] = [];
  const unitStatuses = new Map<string, string>();
  const clusterStatuses = new Map<string, string>();
  const t0 = Date.now();

  const summary: SimulationSummary = await simulate({
    plan,
    seed: 7,
    policies,
    onProgress: (line) => console.log(line),
    onSpanEnd: async (env, cycleId) => {
      console.log(`simulated span over after ${((Date.now() - t0) / 1000).toFixed(0)} s; measuring histories`);
      cycle = (await env.client.workflow.getHandle(cycleWorkflowId(cycleId)).result()) as CycleState;
      // Every run of the cycle, walking its continue-as-new chain back from the latest.
      let runId: string | undefined = (await env.client.workflow.getHandle(cycleWorkflowId(cycleId)).describe()).runId;
      const runs: Measured[] = [];
      while (runId) {
        const h = await historyOf(env, cycleWorkflowId(cycleId), runId);
        runs.unshift({ id: `cycle run ${runId}`, events: h.events.length, bytes: h.bytes });
        runId = h.events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      }
      measured.push(...runs);
      for (const c of clusters) {
        const h = await historyOf(env, clusterWorkflowId(cycleId, c));
        measured.push({ id: `cluster ${c}`, events: h.events.length, bytes: h.bytes });
        clusterStatuses.set(c, String(h.events[h.events.length - 1]?.eventType));
      }
      for (let i = 0; i < units.length; i += 50) {
        await Promise.all(
          units.slice(i, i + 50).map(async (u) => {
            const d = await env.client.workflow.getHandle(unitWorkflowId(cycleId, u)).describe();
            unitStatuses.set(u, d.status.name);
            // Units' histories are all alike: the others are counted by describe (historyLength / historySize).
            if (i % 500 === 0 && u === units[i]) {
              // (every 500th unit: fetch the whole history, to check describe's figures against it)
              const h = await historyOf(env, unitWorkflowId(cycleId, u));
              measured.push({ id: `unit ${u}`, events: h.events.length, bytes: h.bytes });
            } else measured.push({ id: `unit ${u}`, events: d.historyLength, bytes: d.historySize ?? 0 });
          }),
        );
      }
    },
  });

  const largest = [...measured].sort((a, b) => b.events - a.events).slice(0, 5);
  const biggest = [...measured].sort((a, b) => b.bytes - a.bytes)[0];
  console.log(
    `${N} units, ${clusters.length} clusters: ${((Date.now() - t0) / 1000).toFixed(0)} s wall; cycle runs ${cycle?.runs ?? 0} continue-as-new ` +
      `(budget ${CYCLE_HISTORY_BUDGET} events); largest histories ${largest.map((m) => `${m.id} ${m.events} events`).join(', ')}; ` +
      `largest in bytes ${biggest.id} ${(biggest.bytes / 1024).toFixed(0)} KiB; emails ${summary.emails.total}`,
  );

  expect(cycle?.status).toBe('completed');
  expect(cycle?.clusters.every((c) => c.done)).toBe(true);
  expect([...unitStatuses.values()].filter((s) => s !== 'COMPLETED')).toEqual([]);
  expect(unitStatuses.size).toBe(N);
  const completed = String(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  expect([...clusterStatuses].filter(([, t]) => t !== completed && t !== 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED')).toEqual([]);
  expect(summary.units).toHaveLength(N);
  expect(summary.units.filter((u) => u.steps.registration?.status !== 'approved').map((u) => u.unitId)).toEqual([]);
  expect(summary.outcome).toEqual({ approved: N });
  for (const m of measured) {
    expect({ id: m.id, events: m.events < HISTORY_EVENTS_BOUND, bytes: m.bytes < HISTORY_BYTES_BOUND }).toEqual({ id: m.id, events: true, bytes: true });
  }
  // The cycle's runs each stayed near the budget, however many clusters there are.
  const cycleRuns = measured.filter((m) => m.id.startsWith('cycle run'));
  expect(cycleRuns.length).toBe((cycle?.runs ?? 0) + 1);
  // ~9 events per cluster over the year: a cycle of more than ~60 clusters must have continued as new.
  if (clusters.length > 60) expect(cycleRuns.length).toBeGreaterThan(1);
});
