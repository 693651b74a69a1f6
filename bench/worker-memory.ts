/**
 * Benchmark 4 — worker memory and dashboard query time with N units open (N = 5,000 full, 500 quick).
 *
 * Memory: the worker runs in its own process (bench/lib/worker-process.ts) so its RSS is its own.
 *  - Ours: a generated plan of N units is launched (launchCycle) against the real worker; once every
 *    unit's step is open, the worker's RSS is sampled for 5 s (max), then every unit workflow is
 *    queried once (each is then in the worker's cache or replayed into it) and the peak is sampled again.
 *  - Baseline, same servers, measured first: the same with a worker of trivial waiting workflows
 *    (bench/fixtures/trivial-workflow.ts), N of them started and each queried once.
 *  Both workers use the SDK's default cache size. Reported as ours / raw RSS (lower is better), no target.
 * Dashboard: `loadDashboard` (what GET /dashboard serves, without its bounded Temporal look-ups) for the
 * cycle of N units, against a bare `find({ cycleId })` of the same step_states collection; median of 5.
 *
 * Usage: tsx bench/worker-memory.ts [--quick] [--n 5000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchCycle, preparePlan } from '../api/services/start-cycle';
import { loadDashboard } from '../api/services/dashboard';
import { unitStateQuery, unitWorkflowId } from '../workflows/cycle/definitions';
import { stateQuery } from './fixtures/trivial-workflow';
import { generatePlan } from './fixtures/generated-plan';
import { runPool, sleep } from './lib/pool';
import { printMachine, recordResults, type ResultRow } from './lib/report';
import { percentile, startStack } from './lib/stack';

const quick = process.argv.includes('--quick');
const nArg = process.argv.indexOf('--n');
const N = nArg > 0 ? Number(process.argv[nArg + 1]) : quick ? 500 : 5000;
const mode = quick ? 'quick' : N === 5000 ? 'full' : 'custom';
const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');

const rssMiB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function spawnWorker(env: Record<string, string>): Promise<{ proc: ChildProcess; pid: number }> {
  const proc = spawn(tsx, [path.join(__dirname, 'lib', 'worker-process.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`worker process exited (${code})`)));
  });
  return { proc, pid };
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(30_000)]);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

async function maxRss(pid: number, ms: number): Promise<number> {
  let max = 0;
  for (const until = Date.now() + ms; Date.now() < until; await sleep(250)) max = Math.max(max, rssMiB(pid));
  return max;
}

/** Runs fn while sampling the worker's RSS; returns the peak. */
async function peakDuring(pid: number, fn: () => Promise<void>): Promise<number> {
  let peak = rssMiB(pid);
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, rssMiB(pid));
      await sleep(250);
    }
  })();
  await fn();
  done = true;
  await sampler;
  return peak;
}

async function waitFor(what: string, check: () => Promise<number>, n: number): Promise<void> {
  let last = 0;
  const t0 = Date.now();
  while ((await check()) < n) {
    if (Date.now() - last > 15_000) {
      last = Date.now();
      console.log(`    … ${what}: ${await check()}/${n} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    await sleep(1000);
  }
}

async function main(): Promise<void> {
  console.log(`worker-memory benchmark (${mode}: N = ${N})`);
  printMachine();
  const stack = await startStack('worker-memory');
  const { client, db, deps, servers } = stack;
  const procs: ChildProcess[] = [];
  try {
    // ── Baseline: N trivial waiting workflows on their own worker process.
    const raw = await spawnWorker({ MODE: 'raw', TEMPORAL_ADDRESS: servers.temporal.address, TASK_QUEUE: 'bench-raw-memory' });
    procs.push(raw.proc);
    const rawIdle = rssMiB(raw.pid);
    await runPool(N, 50, (i) => client.workflow.start('awaitSignalWorkflow', { workflowId: `raw-memory-${i}`, taskQueue: 'bench-raw-memory' }).then(() => undefined));
    await waitFor('raw workflows running', async () => (await client.workflow.count(`WorkflowType='awaitSignalWorkflow' AND ExecutionStatus='Running'`)).count, N);
    const rawOpen = await maxRss(raw.pid, 5000);
    const rawPeak = await peakDuring(raw.pid, () => runPool(N, 20, (i) => client.workflow.getHandle(`raw-memory-${i}`).query(stateQuery).then(() => undefined)));
    console.log(`   raw worker RSS: idle ${rawIdle.toFixed(0)} MiB, ${N} open ${rawOpen.toFixed(0)} MiB, peak while each is queried ${rawPeak.toFixed(0)} MiB`);
    await stop(raw.proc);

    // ── Ours: a cycle of N units on the real worker.
    const ours = await spawnWorker({
      MODE: 'ours',
      TEMPORAL_ADDRESS: servers.temporal.address,
      TASK_QUEUE: deps.config.TASK_QUEUE,
      MONGODB_URI: `${servers.mongo.uri}bench_worker_memory`,
      SMTP_URL: stack.sink.url,
      LINK_SECRET: deps.config.LINK_SECRET,
    });
    procs.push(ours.proc);
    const ourIdle = rssMiB(ours.pid);
    const { plan, compiled } = preparePlan(generatePlan(N, `memory-${N}`), new Date());
    const cycleId = compiled.cycle.cycleId;
    const t0 = Date.now();
    let ourStartPeak = 0;
    ourStartPeak = await peakDuring(ours.pid, async () => {
      await launchCycle(deps, plan, compiled, 'bench');
      await waitFor('units open', () => db.models.StepState.countDocuments({ cycleId, status: 'open' }), N);
    });
    console.log(`   ours: ${N} units open after ${((Date.now() - t0) / 1000).toFixed(0)} s (peak RSS while starting ${ourStartPeak.toFixed(0)} MiB)`);
    const ourOpen = await maxRss(ours.pid, 5000);
    const units = compiled.clusters.flatMap((c) => c.units.map((u) => u.unitId));
    const ourPeak = await peakDuring(ours.pid, () => runPool(N, 20, (i) => client.workflow.getHandle(unitWorkflowId(cycleId, units[i])).query(unitStateQuery).then(() => undefined)));
    console.log(`   our worker RSS: idle ${ourIdle.toFixed(0)} MiB, ${N} open ${ourOpen.toFixed(0)} MiB, peak while each is queried ${ourPeak.toFixed(0)} MiB`);

    // ── Dashboard: loadDashboard vs a bare query of the same collection (median of 5 each, after one warm-up).
    const time = async (fn: () => Promise<unknown>) => {
      await fn();
      const ts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await fn();
        ts.push(performance.now() - t);
      }
      return percentile(ts, 50);
    };
    const bare = await time(() => db.models.StepState.find({ cycleId }).lean());
    const dash = await time(() => loadDashboard(deps, { cycleId, slaDays: 5, idleDays: 5, lang: 'vi', skipTemporal: true }));
    const dashFull = await time(() => loadDashboard(deps, { cycleId, slaDays: 5, idleDays: 5, lang: 'vi' }));
    console.log(`   dashboard for ${N} units: loadDashboard ${dash.toFixed(0)} ms (with its Temporal look-ups ${dashFull.toFixed(0)} ms) vs bare find ${bare.toFixed(0)} ms`);

    const rows: ResultRow[] = [
      {
        benchmark: 'worker-memory',
        figure: 'worker RSS, N workflows open (1000/MiB; ratio = raw RSS / ours)',
        n: N,
        mode,
        ours: 1000 / ourOpen,
        baseline: 1000 / rawOpen,
        note: `ours ${ourOpen.toFixed(0)} MiB open (idle ${ourIdle.toFixed(0)}, peak starting ${ourStartPeak.toFixed(0)}, peak queried ${ourPeak.toFixed(0)}); raw ${rawOpen.toFixed(0)} MiB open (idle ${rawIdle.toFixed(0)}, peak queried ${rawPeak.toFixed(0)}); SDK default workflow cache on both`,
      },
      {
        benchmark: 'worker-memory',
        figure: 'dashboard query (1/s; ratio = bare find / loadDashboard)',
        n: N,
        mode,
        ours: 1000 / dash,
        baseline: 1000 / bare,
        note: `loadDashboard ${dash.toFixed(0)} ms (with Temporal look-ups ${dashFull.toFixed(0)} ms), bare step_states find ${bare.toFixed(0)} ms; median of 5`,
      },
    ];
    recordResults(rows);
  } finally {
    for (const p of procs) if (p.exitCode === null) await stop(p);
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
