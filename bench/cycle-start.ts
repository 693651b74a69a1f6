/**
 * Benchmark 1 — starting a cycle. A generated plan of N units (clusters of 10, unique emails, one
 * reviewer per 20 units, registration open now with its deadline next year so no reminder or
 * escalation fires) is launched with `launchCycle` against a real worker (createWorker, real
 * activities) and an in-process SMTP sink (lib/mail/smtp-sink.ts) on fresh servers.
 *
 * Figures, each timed from the call to launchCycle:
 *  - "unit workflows running" (the target): a visibility count
 *    `ExecutionStatus='Running' AND ThiduaBody='<id>' AND WorkflowType='unitWorkflow'` reaches N.
 *    Visibility is used because it is Temporal's own definition of "running" and is measured the
 *    same way for the baseline, so the two rates compare like with like.
 *  - "units opened + projected" (informational): every unit wrote its read-model row (step_states
 *    upsert, done when the step opens) — i.e. each unit's first workflow task and activity ran.
 *  - "request emails accepted" (informational): the SMTP sink stored every unit's launch notice and
 *    registration request (MESSAGES_PER_UNIT each).
 * The two informational figures are counted in-process from MongoDB command monitoring (the
 * upserts and the sink's inserts), so no polling query loads FerretDB while it is being measured;
 * the final row counts are checked with real queries afterwards.
 *
 * Baseline, same run, same servers, measured first: N workflows that only await a signal
 * (bench/fixtures/trivial-workflow.ts), started with `client.workflow.start` at a bounded
 * concurrency (RAW_CONCURRENCY) with the same ThiduaBody search attribute, with a worker polling
 * their task queue, until the same visibility count reaches N.
 *
 * Usage: tsx bench/cycle-start.ts [--quick] [--n 200,1000]
 */
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { launchCycle, preparePlan } from '../api/services/start-cycle';
import { SA } from '../workflows/search-attributes';
import { generatePlan } from './fixtures/generated-plan';
import { statLines } from './lib/db';
import { cpuDelta, cpuSnapshot } from './lib/machine';
import { runPool, sleep } from './lib/pool';
import { printMachine, printRow, recordResults, type ResultRow } from './lib/report';
import { ourWorkflowBundle, startStack } from './lib/stack';

/** Activity failures (retried by Temporal) are counted by type and cause, not printed one by one. */
const activityFailures = new Map<string, number>();
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => {
    if (entry.message === 'Activity failed') {
      const m = entry.meta as { activityType?: string; error?: { message?: string } } | undefined;
      const key = `${m?.activityType}: ${String(m?.error?.message ?? m?.error ?? '').replace(/^\[.*\] /, '').slice(0, 90)}`;
      activityFailures.set(key, (activityFailures.get(key) ?? 0) + 1);
      return;
    }
    console.warn(`[sdk ${entry.level}] ${entry.message}`, entry.meta ?? '');
  }),
});
const failureLines = () => [...activityFailures.entries()].map(([k, v]) => `${v} × ${k}`);

const TARGET = 0.7;
/** Concurrent client.workflow.start calls in the baseline. */
const RAW_CONCURRENCY = 100;
const POLL_MS = 200;
/** What each unit's one contact is sent when its year starts: the launch notice and the registration request. */
const MESSAGES_PER_UNIT = 2;
/** A phase that has not finished after this long is stopped and reported as a bound (--max-s). */
const maxArg = process.argv.indexOf('--max-s');
const PHASE_TIMEOUT_MS = (maxArg > 0 ? Number(process.argv[maxArg + 1]) : 30 * 60) * 1000;

interface Figures {
  [figure: string]: number | undefined; // ms from t0 until the count reached N
}

/** Set when a phase hit PHASE_TIMEOUT_MS: how far each count had got. */
let timedOut: Record<string, number> | undefined;

/** Polls the visibility count (and watches in-process counters) until every figure reached n. */
async function waitFigures(
  t0: number,
  n: number,
  visibility: () => Promise<number>,
  counters: Record<string, () => number>,
): Promise<Figures> {
  const done: Figures = {};
  const names = ['visibility', ...Object.keys(counters)];
  let lastLog = Date.now();
  let vis = 0;
  // In-process counters are checked every 20 ms (cheap); visibility every POLL_MS.
  let nextPoll = 0;
  while (names.some((k) => done[k] === undefined)) {
    const now = Date.now();
    if (now - t0 > PHASE_TIMEOUT_MS) {
      timedOut = { visibility: vis, ...Object.fromEntries(Object.entries(counters).map(([k, f]) => [k, f()])) };
      console.log(`    STOPPED after ${(PHASE_TIMEOUT_MS / 1000).toFixed(0)} s (--max-s): ${JSON.stringify(timedOut)} of ${n}`);
      for (const k of names) done[k] ??= Infinity;
      return done;
    }
    if (done.visibility === undefined && now >= nextPoll) {
      nextPoll = now + POLL_MS;
      vis = await visibility();
      if (vis >= n) done.visibility = Date.now() - t0;
    }
    for (const [k, f] of Object.entries(counters)) if (done[k] === undefined && f() >= n) done[k] = Date.now() - t0;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.log(`    … ${((Date.now() - t0) / 1000).toFixed(0)} s: running ${vis}/${n}, ${Object.entries(counters).map(([k, f]) => `${k} ${f()}`).join(', ')}`);
    }
    await sleep(20);
  }
  return done;
}

async function runSize(n: number, mode: ResultRow['mode']): Promise<ResultRow[]> {
  console.log(`\n── cycle-start, N = ${n} units (${Math.ceil(n / 10)} clusters, ${Math.ceil(n / 20)} reviewers): starting fresh servers`);
  const stack = await startStack('cycle-start');
  const { client, native, db, deps } = stack;
  try {
    // ── Baseline: raw starts of a trivial workflow.
    const rawBody = `raw-${n}`;
    const rawWorker = await Worker.create({
      connection: native,
      taskQueue: 'bench-raw',
      workflowsPath: path.join(__dirname, 'fixtures', 'trivial-workflow.ts'),
    });
    const rawRun = rawWorker.run();
    const cpu0 = cpuSnapshot();
    const t0 = Date.now();
    let startsDoneMs = 0;
    const starts = runPool(n, RAW_CONCURRENCY, (i) =>
      client.workflow.start('awaitSignalWorkflow', {
        workflowId: `${rawBody}-${i}`,
        taskQueue: 'bench-raw',
        typedSearchAttributes: [{ key: SA.body, value: rawBody }],
      }),
    ).then(() => (startsDoneMs = Date.now() - t0));
    const rawFig = await waitFigures(
      t0,
      n,
      async () => (await client.workflow.count(`ExecutionStatus='Running' AND ThiduaBody='${rawBody}' AND WorkflowType='awaitSignalWorkflow'`)).count,
      {},
    );
    await starts;
    const rawCpu = cpuDelta(cpu0, cpuSnapshot());
    rawWorker.shutdown();
    await rawRun;
    const rawMs = rawFig.visibility!;
    const rawRate = n / (rawMs / 1000);
    console.log(`   baseline: ${n} trivial workflows running in ${(rawMs / 1000).toFixed(2)} s (${rawRate.toFixed(1)}/s; start calls returned after ${(startsDoneMs / 1000).toFixed(2)} s, concurrency ${RAW_CONCURRENCY})`);
    console.log(`   baseline CPU s: ${JSON.stringify(rawCpu)}`);

    // ── Ours: launchCycle with a real worker, activities and SMTP sink.
    const bodyId = `bench-${n}`;
    const { plan, compiled } = preparePlan(generatePlan(n, bodyId), new Date());
    const worker = await stack.newWorker();
    const run = worker.run();
    let projected = 0;
    let mailed = 0;
    db.onSucceeded((command, collection, reply) => {
      // A step's first projection is an insert (activities/projection.ts); an upsert only after a duplicate.
      if (command === 'insert' && collection === 'step_states') projected += Number(reply.n ?? 0);
      if (command === 'update' && collection === 'step_states') projected += Array.isArray(reply.upserted) ? reply.upserted.length : 0;
      if (command === 'insert' && collection === 'mailbox') mailed += Number(reply.n ?? 0);
    });
    db.resetStats();
    activityFailures.clear();
    const cpu1 = cpuSnapshot();
    const t1 = Date.now();
    let launchMs = 0;
    let clustersMs = 0;
    const launched = launchCycle(deps, plan, compiled, 'bench').then(() => (launchMs = Date.now() - t1));
    const clusters = Math.ceil(n / 10);
    const fig = await waitFigures(
      t1,
      n,
      async () => {
        if (!clustersMs) {
          const c = (await client.workflow.count(`ExecutionStatus='Running' AND ThiduaBody='${bodyId}' AND WorkflowType='clusterWorkflow'`)).count;
          if (c >= clusters) clustersMs = Date.now() - t1;
        }
        return (await client.workflow.count(`ExecutionStatus='Running' AND ThiduaBody='${bodyId}' AND WorkflowType='unitWorkflow'`)).count;
      },
      // A unit counts as mailed once both its messages could be in: the figure waits for all 2N.
      { projected: () => projected, mailed: () => Math.floor(mailed / MESSAGES_PER_UNIT) },
    );
    await launched;
    const ourCpu = cpuDelta(cpu1, cpuSnapshot());
    if (timedOut) {
      // Not finished: the rate is at most N / (time so far); reported as such, with how far it got.
      const stopped = timedOut;
      worker.shutdown();
      await Promise.race([run, sleep(30_000)]); // activities stuck on the database may take long to end
      console.log(`   ours CPU s: ${JSON.stringify(ourCpu)}`);
      console.log(`   activity attempts that failed and were retried: ${activityFailures.size ? failureLines().join('; ') : 'none'}`);
      for (const l of statLines(new Map([...db.stats].map(([k, v]) => [k, { ...v }])), n, 'unit')) console.log(`     ${l}`);
      const bound = n / (PHASE_TIMEOUT_MS / 1000);
      const base = { benchmark: 'cycle-start', n, mode, baseline: rawRate };
      const row = (k: string, figure: string, target?: number) =>
        Number.isFinite(fig[k]!)
          ? { ...base, figure, ours: n / (fig[k]! / 1000), target, note: `${(fig[k]! / 1000).toFixed(1)} s` }
          : { ...base, figure, ours: bound, target, note: `DID NOT FINISH: stopped after ${PHASE_TIMEOUT_MS / 1000} s with ${stopped[k]}/${n}; ours is an upper bound (N / ${PHASE_TIMEOUT_MS / 1000} s); raw took ${(rawMs / 1000).toFixed(1)} s` };
      return [
        row('visibility', 'unit workflows running (visibility)', TARGET),
        row('projected', 'units opened + projected (read model)'),
        row('mailed', 'request emails accepted (SMTP sink)'),
      ];
    }
    const stats = new Map([...db.stats].map(([k, v]) => [k, { ...v }]));

    // Check with real queries that exactly N of each exist.
    const [rows, stored, vis] = await Promise.all([
      db.models.StepState.countDocuments({ cycleId: compiled.cycle.cycleId }),
      db.models.Mailbox.find({}, { messageId: 1, envelopeTo: 1, subject: 1 }).lean(),
      client.workflow.count(`ThiduaBody='${bodyId}' AND WorkflowType='unitWorkflow'`),
    ]);
    worker.shutdown();
    await run;
    // Every unit must have its request; a message stored twice is reported (with its outbox row), not hidden.
    const recipients = new Set(stored.flatMap((m) => m.envelopeTo));
    const seen = new Map<string, number>();
    for (const m of stored) seen.set(String(m.messageId), (seen.get(String(m.messageId)) ?? 0) + 1);
    const dupIds = [...seen.entries()].filter(([, c]) => c > 1);
    const ok = rows === n && vis.count === n && recipients.size === n && stored.length === n * MESSAGES_PER_UNIT;
    console.log(`   ours: launchCycle returned after ${(launchMs / 1000).toFixed(2)} s; all ${clusters} clusters running after ${(clustersMs / 1000).toFixed(2)} s`);
    for (const [k, label] of [['visibility', 'unit workflows running'], ['projected', 'units opened + projected'], ['mailed', 'request emails accepted']] as const)
      console.log(`   ours: ${label.padEnd(25)} after ${(fig[k]! / 1000).toFixed(2)} s = ${(n / (fig[k]! / 1000)).toFixed(1)}/s`);
    console.log(
      `   check: unit workflows ${vis.count}, step_states rows ${rows}, mailbox messages ${stored.length} to ${recipients.size} distinct recipients — ` +
        `${ok ? `every unit exactly once in Temporal and the read model, every unit mailed ${MESSAGES_PER_UNIT} messages` : 'MISMATCH'}; messages stored more than once: ${dupIds.length}`,
    );
    for (const [id, c] of dupIds.slice(0, 5)) {
      const row = await db.models.Outbox.findOne({ messageId: id }).lean();
      console.log(`     duplicate ×${c} Message-ID ${id}: outbox row ${JSON.stringify({ _id: row?._id, status: row?.status, attempts: row?.attempts, lastError: row?.lastError })}`);
    }
    const dupNote = dupIds.length ? `; ${dupIds.length} request(s) stored twice with the same Message-ID (outbox re-send after a failed DB write, see analysis)` : '';
    console.log(`   ours CPU s: ${JSON.stringify(ourCpu)}`);
    console.log(`   activity attempts that failed and were retried: ${activityFailures.size ? failureLines().join('; ') : 'none'}`);
    console.log(`   MongoDB commands during the launch (per unit; worker + api + sink):`);
    for (const l of statLines(stats, n, 'unit')) console.log(`     ${l}`);
    if (!ok) throw new Error('the counts after the run are not exactly N');

    const cpuNote = (c: Record<string, number>) =>
      Object.entries(c)
        .map(([k, v]) => `${k.replace(/ \(.*\)/, '')} ${v}`)
        .join(', ');
    const base = { benchmark: 'cycle-start', n, mode, baseline: rawRate };
    return [
      { ...base, figure: 'unit workflows running (visibility)', ours: n / (fig.visibility! / 1000), target: TARGET, note: `ours ${(fig.visibility! / 1000).toFixed(1)} s vs raw ${(rawMs / 1000).toFixed(1)} s; failed+retried activity attempts: ${[...activityFailures.values()].reduce((a, b) => a + b, 0)}${dupNote}; CPU s ours: ${cpuNote(ourCpu)}; raw: ${cpuNote(rawCpu)}` },
      { ...base, figure: 'units opened + projected (read model)', ours: n / (fig.projected! / 1000), note: `${(fig.projected! / 1000).toFixed(1)} s` },
      { ...base, figure: 'request emails accepted (SMTP sink)', ours: n / (fig.mailed! / 1000), note: `${(fig.mailed! / 1000).toFixed(1)} s` },
    ];
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const nArg = process.argv.indexOf('--n');
  const sizes = nArg > 0 ? process.argv[nArg + 1].split(',').map(Number) : quick ? [200] : [1000, 5000];
  // Rows of the full sizes count as 'full' even when run one at a time (--n 5000).
  const mode = quick ? 'quick' : sizes.every((n) => n === 1000 || n === 5000) ? 'full' : 'custom';
  console.log(`cycle-start benchmark (${mode}: N = ${sizes.join(', ')})`);
  printMachine();
  void ourWorkflowBundle(); // bundled while the first baseline runs
  const rows: ResultRow[] = [];
  for (const n of sizes) {
    const r = await runSize(n, mode);
    r.forEach(printRow);
    rows.push(...r);
    recordResults(r); // after each size, so a long run keeps what it measured
  }
  const missed = rows.filter((r) => r.target !== undefined && r.ours / r.baseline < r.target);
  if (missed.length) console.log(`\ncycle-start: ${missed.length} figure(s) MISS the target of ${TARGET} (see above)`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
