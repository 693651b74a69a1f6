/** `thidua cycle start PLAN` and `thidua cycle status CYCLE`, through the api. */
import fs from 'node:fs';
import { SingleBar } from 'cli-progress';
import { apiTarget, callApi, type ApiTarget } from './api-client';
import { CliError } from './plan-check';

interface StepRow {
  clusterId: string;
  unitId: string;
  unitName: string;
  step: string;
  status: string;
  dueAt: string;
}
interface CycleView {
  cycle: { cycleId: string; status: string; year: number; bodyId: string };
  steps: StepRow[];
}

export async function cycleStart(file: string, opts: { api?: string; token?: string; wait: boolean; timeout: string }, out: NodeJS.WriteStream): Promise<void> {
  let data: string;
  try {
    data = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
  const target = apiTarget(opts);
  const { cycle } = await callApi<{ cycle: { cycleId: string; units: number; clusters: number } }>(target, 'POST', '/api/cycles', {
    type: 'application/yaml',
    data,
  });
  out.write(`started ${cycle.cycleId}: ${cycle.clusters} clusters, ${cycle.units} units\n`);
  if (opts.wait) await waitUntilOpen(target, cycle.cycleId, cycle.units, Number(opts.timeout) * 1000, out);
}

/** Large plans take a while to fan out: show how many units have their first step open. */
async function waitUntilOpen(target: ApiTarget, cycleId: string, units: number, timeoutMs: number, out: NodeJS.WriteStream) {
  const bar = new SingleBar({ format: 'units running {bar} {value}/{total}', stream: out, noTTYOutput: true, notTTYSchedule: 2000 });
  bar.start(units, 0);
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const view = await callApi<CycleView>(target, 'GET', `/api/cycles/${encodeURIComponent(cycleId)}`);
      const started = new Set(view.steps.map((s) => s.unitId)).size;
      bar.update(started);
      if (started >= units) break;
      if (Date.now() > until) throw new CliError(`only ${started} of ${units} units were running after ${timeoutMs / 1000} s; see \`thidua cycle status ${cycleId}\``);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    bar.stop();
  }
}

export async function cycleStatus(cycleId: string, opts: { api?: string; token?: string }, now = new Date()): Promise<string> {
  const view = await callApi<CycleView>(apiTarget(opts), 'GET', `/api/cycles/${encodeURIComponent(cycleId)}`);
  const lines = [`${view.cycle.cycleId}: ${view.cycle.status}`];
  const byStep = new Map<string, Map<string, number>>();
  for (const s of view.steps) {
    const m = byStep.get(s.step) ?? new Map<string, number>();
    m.set(s.status, (m.get(s.status) ?? 0) + 1);
    byStep.set(s.step, m);
  }
  for (const [step, counts] of byStep) {
    lines.push(`  ${step}: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}`);
  }
  const overdue = view.steps.filter((s) => (s.status === 'open' || s.status === 'returned') && Date.parse(s.dueAt) < now.getTime());
  if (overdue.length > 0) {
    lines.push(`  overdue (${overdue.length}):`);
    for (const s of overdue) lines.push(`    ${s.clusterId} / ${s.unitName} — ${s.step}, due ${s.dueAt}`);
  }
  return lines.join('\n');
}
