/**
 * Benchmark 2 — a burst of reminders. N messages, each with its own business key, go through our
 * path — the `notify` activity function from activities/notify.ts called directly (render the
 * templates, sign the link, build the ICS item, then the outbox's sendOnce: insert the row, lease it,
 * send, mark it sent, release the lease) — at the concurrency of a worker's default
 * maxConcurrentActivityTaskExecutions (100), into the SMTP sink (lib/mail/smtp-sink.ts, which stores
 * every message in MongoDB before it answers 250).
 *
 * Baseline, same run, same servers and sink, measured first: raw nodemailer (a transport with the
 * same settings as lib/mail/transport.ts: pooled, 5 connections) sending N messages at the same
 * concurrency. Each raw message is a copy of one message our path produced (same subject, HTML, text
 * and ICS attachment, captured once before timing), with its own recipient and Message-ID, so both
 * sides put the same bytes through the sink; the difference is our per-message work.
 *
 * Done = every send call returned (the sink answers 250 only after storing); the sink's mailbox
 * collection is then read to check that each side's N messages arrived exactly once.
 *
 * Usage: tsx bench/reminder-burst.ts [--quick] [--n 200]
 */
import type { Transporter } from 'nodemailer';
import { createMailActivities, type NotifyInput } from '../activities/notify';
import { createLogger } from '../lib/logger';
import { messageIdFor } from '../lib/mail/outbox';
import { MailRenderer } from '../lib/mail/render';
import { startSmtpSink } from '../lib/mail/smtp-sink';
import { createTransport } from '../lib/mail/transport';
import { templatesDir } from '../lib/paths';
import type { CycleRef } from '../workflows/cycle/definitions';
import { connectMonitoredDb, statLines } from './lib/db';
import { cpuDelta, cpuSnapshot } from './lib/machine';
import { runPool } from './lib/pool';
import { printMachine, printRow, recordResults, type ResultRow } from './lib/report';
import { startBenchServers } from './lib/servers';

const TARGET = 0.5;
/** The SDK's default maxConcurrentActivityTaskExecutions. */
const CONCURRENCY = 100;
const WARMUP = 50;

const nextYear = new Date().getUTCFullYear() + 1;
const cycle: CycleRef = { cycleId: `thidua:bench:${nextYear}`, bodyId: 'bench', bodyName: 'Ủy ban MTTQ Việt Nam tỉnh Benchmark', year: nextYear, timeZone: 'Asia/Ho_Chi_Minh' };
const dueAt = `${nextYear}-06-30T10:00:00.000Z`;

function reminderFor(i: number, domain: string): NotifyInput {
  const workflowId = `${cycle.cycleId}:unit:u-${domain}-${i}`;
  return {
    key: `${workflowId}:registration:reminder:1`,
    kind: 'reminder',
    step: 'registration',
    cycle,
    to: [{ name: `Chủ tịch MTTQ xã số ${i}`, email: `u-${i}@${domain}`, lang: i % 5 === 4 ? 'en' : 'vi', role: 'Chủ tịch' }],
    data: { unitName: `MTTQ xã số ${i}`, clusterName: `Cụm thi đua số ${Math.floor(i / 10) + 1}`, dueAt, round: 1, scheduleVersion: 0, daysLeft: 3 },
    link: { workflowId, step: 'registration', role: 'unit', expiresAt: `${nextYear + 1}-01-01T00:00:00.000Z` },
  };
}

/**
 * What the worker does for a failed activity attempt (the retry policy in workflows/cycle/reviewed-step.ts:
 * first retry after 2 s, ×2 each time): the same call again. Applied to both sides; attempts are counted.
 */
const retries = { ours: new Map<string, number>(), raw: new Map<string, number>() };
async function withRetry<T>(side: 'ours' | 'raw', fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1, wait = 2000; ; attempt++, wait *= 2) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 8) throw err;
      const why = String((err as Error).message).replace(/^\[.*\] /, '').slice(0, 80);
      retries[side].set(why, (retries[side].get(why) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
const retryNote = (m: Map<string, number>) => (m.size ? [...m.entries()].map(([k, v]) => `${v} × ${k}`).join('; ') : 'none');

/** Wraps a transport to time sendMail (SMTP round trip incl. the sink storing the message). */
function timed(t: Transporter, acc: { count: number; ms: number }): Transporter {
  return new Proxy(t, {
    get(target, prop, receiver) {
      if (prop !== 'sendMail') return Reflect.get(target, prop, receiver);
      return async (mail: Parameters<Transporter['sendMail']>[0]) => {
        const s = performance.now();
        try {
          return await target.sendMail(mail);
        } finally {
          acc.count += 1;
          acc.ms += performance.now() - s;
        }
      };
    },
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const nArg = process.argv.indexOf('--n');
  const n = nArg > 0 ? Number(process.argv[nArg + 1]) : quick ? 200 : 5000;
  const mode = quick ? 'quick' : n === 5000 ? 'full' : 'custom';
  console.log(`reminder-burst benchmark (${mode}: N = ${n}, concurrency ${CONCURRENCY})`);
  printMachine();
  const servers = await startBenchServers('reminder-burst');
  const db = await connectMonitoredDb(`${servers.mongo.uri}bench_reminder_burst`);
  const log = createLogger('bench', 'warn');
  const sink = await startSmtpSink(db, { port: 0, log });
  const ourTransport = createTransport(sink.url);
  const rawTransport = createTransport(sink.url);
  console.log(`   ${servers.mongo.kind} ${servers.mongo.uri}, sink ${sink.url}, dir ${servers.dir}`);
  const rows: ResultRow[] = [];
  try {
    const renderer = new MailRenderer(`${templatesDir}/email`);
    const actDeps = (transport: Transporter) => ({
      models: db.models,
      transport,
      renderer,
      linkSecret: 'bench-link-secret-0123456789abcdef0123456789',
      publicBaseUrl: 'http://thidua.bench',
      mailFrom: 'Thi đua – Khen thưởng <no-reply@thidua.local>',
    });
    const activityLog = { warn: (m: string, a?: Record<string, unknown>) => console.warn(m, a) };

    // One message of our path, captured (not sent) to be the raw side's template.
    let captured: Record<string, unknown> | undefined;
    const capture = { sendMail: async (m: Record<string, unknown>) => ((captured = m), { messageId: String(m.messageId) }) } as unknown as Transporter;
    await createMailActivities(actDeps(capture), activityLog).notify(reminderFor(0, 'capture.bench.test'));
    if (!captured) throw new Error('nothing captured');
    const template = captured;
    const rawMail = (i: number, domain: string) => ({
      ...template,
      to: `u-${i}@${domain}`,
      messageId: `<raw-${domain}-${i}@bench>`,
      headers: { 'X-Thidua-Key': `raw:${domain}:${i}` },
    });
    const rawSend = { count: 0, ms: 0 };
    const ourSend = { count: 0, ms: 0 };
    const rawT = timed(rawTransport, rawSend);
    const notify = createMailActivities(actDeps(timed(ourTransport, ourSend)), activityLog).notify;

    // Warm-up (not timed, not counted): open the SMTP pools, compile the templates, create the collections.
    await runPool(WARMUP, CONCURRENCY, (i) => rawT.sendMail(rawMail(i, 'warmup-raw.bench.test')));
    await runPool(WARMUP, CONCURRENCY, (i) => withRetry('ours', () => notify(reminderFor(i, 'warmup.bench.test'))));
    retries.ours.clear();
    rawSend.count = rawSend.ms = ourSend.count = ourSend.ms = 0;

    // ── Baseline: raw nodemailer.
    db.resetStats();
    let c0 = cpuSnapshot();
    let t0 = performance.now();
    const progress = (what: string, count: () => number) =>
      setInterval(() => console.log(`    … ${what}: ${count()}/${n} after ${((performance.now() - t0) / 1000).toFixed(0)} s`), 15_000);
    let rawDone = 0;
    let timer = progress('raw', () => rawDone);
    await runPool(n, CONCURRENCY, (i) => withRetry('raw', () => rawT.sendMail(rawMail(i, 'raw.bench.test'))).then(() => rawDone++));
    clearInterval(timer);
    const rawMs = performance.now() - t0;
    const rawCpu = cpuDelta(c0, cpuSnapshot());
    const rawStats = new Map([...db.stats].map(([k, v]) => [k, { ...v }]));

    // ── Ours: notify → outbox → SMTP.
    db.resetStats();
    c0 = cpuSnapshot();
    t0 = performance.now();
    let notSent = 0;
    let ourDone = 0;
    timer = progress('ours', () => ourDone);
    await runPool(n, CONCURRENCY, async (i) => {
      const r = await withRetry('ours', () => notify(reminderFor(i, 'notify.bench.test')));
      // A retried attempt may find its message already sent by the failed one: still one message.
      if (r.sent.length + r.alreadySent.length !== 1) notSent += 1;
      ourDone++;
    });
    clearInterval(timer);
    const ourMs = performance.now() - t0;
    const ourCpu = cpuDelta(c0, cpuSnapshot());
    const ourStats = new Map([...db.stats].map(([k, v]) => [k, { ...v }]));

    // Render cost alone (CPU, no I/O): what notify does before the outbox, for N messages sequentially.
    let r0 = performance.now();
    for (let i = 0; i < Math.min(n, 300); i++) await createMailActivities(actDeps(capture), activityLog).notify({ ...reminderFor(i, 'render-only.bench.test'), key: `render-only:${i}` }).catch(() => undefined);
    const withOutboxSeq = (performance.now() - r0) / Math.min(n, 300);
    r0 = performance.now();
    for (let i = 0; i < 1000; i++) renderer.render(['registration.reminder', 'step.reminder'], i % 5 === 4 ? 'en' : 'vi', { ...reminderFor(i, 'x').data, stepTitle: 'Đăng ký thi đua', year: nextYear, bodyName: cycle.bodyName, timeZone: cycle.timeZone, recipient: reminderFor(i, 'x').to[0], link: 'http://thidua.bench/l/x.y' });
    const renderMs = (performance.now() - r0) / 1000;

    // ── Exactly once, from the sink's mailbox.
    const stored = await db.models.Mailbox.find({}, { messageId: 1, envelopeTo: 1 }).lean();
    const by = (domain: string) => stored.filter((m) => m.envelopeTo.some((a) => a.endsWith(`@${domain}`)));
    const ours = by('notify.bench.test');
    const raws = by('raw.bench.test');
    const expected = new Set(Array.from({ length: n }, (_, i) => messageIdFor(`${reminderFor(i, 'notify.bench.test').key}:u-${i}@notify.bench.test`)));
    const ourIds = new Set(ours.map((m) => m.messageId));
    const oursOk = ours.length === n && ourIds.size === n && [...expected].every((id) => ourIds.has(id)) && notSent === 0;
    const rawOk = raws.length === n && new Set(raws.map((m) => m.messageId)).size === n;
    const sentRows = await db.models.Outbox.countDocuments({ status: 'sent', to: /@notify\.bench\.test$/ });

    let exactNote = '';
    const rawRate = n / (rawMs / 1000);
    const ourRate = n / (ourMs / 1000);
    console.log(`   baseline raw nodemailer: ${n} in ${(rawMs / 1000).toFixed(2)} s = ${rawRate.toFixed(1)}/s; mean sendMail ${(rawSend.ms / rawSend.count).toFixed(1)} ms`);
    console.log(`   ours notify → outbox:    ${n} in ${(ourMs / 1000).toFixed(2)} s = ${ourRate.toFixed(1)}/s; mean sendMail inside it ${(ourSend.ms / ourSend.count).toFixed(1)} ms`);
    console.log(`   check: sink holds ${raws.length} raw (${rawOk ? 'each once' : 'MISMATCH'}) and ${ours.length} of ours (${oursOk ? 'each once, expected Message-IDs' : 'MISMATCH'}); outbox rows sent: ${sentRows}`);
    console.log(`   failed attempts retried — raw: ${retryNote(retries.raw)}; ours: ${retryNote(retries.ours)}`);
    console.log(`   CPU s raw:  ${JSON.stringify(rawCpu)}`);
    console.log(`   CPU s ours: ${JSON.stringify(ourCpu)}`);
    console.log(`   notify, one at a time (no concurrency, SMTP replaced by a no-op): ${withOutboxSeq.toFixed(1)} ms/message; render alone ${renderMs.toFixed(2)} ms/message`);
    console.log('   MongoDB commands, baseline (the sink storing):');
    for (const l of statLines(rawStats, n, 'msg')) console.log(`     ${l}`);
    console.log('   MongoDB commands, ours (outbox + the sink storing):');
    for (const l of statLines(ourStats, n, 'msg')) console.log(`     ${l}`);
    if (!oursOk || !rawOk) {
      const seen = new Map<string, number>();
      for (const m of ours) seen.set(String(m.messageId), (seen.get(String(m.messageId)) ?? 0) + 1);
      const dups = [...seen.entries()].filter(([, c]) => c > 1);
      const missing = [...expected].filter((id) => !seen.has(id));
      console.log(`   NOT exactly once — ours: ${dups.length} Message-IDs stored more than once, ${missing.length} missing; raw stored ${raws.length}`);
      for (const [id, c] of dups.slice(0, 5)) {
        const row = await db.models.Outbox.findOne({ messageId: id }).lean();
        console.log(`     duplicate ×${c} ${id}: outbox ${JSON.stringify({ _id: row?._id, status: row?.status, attempts: row?.attempts, lastError: row?.lastError })}`);
      }
      exactNote = `; NOT EXACTLY ONCE: ${dups.length} of ours stored twice (same Message-ID), ${missing.length} missing`;
      if (missing.length || !rawOk) throw new Error('the sink did not receive each message');
    }
    const dbMs = (s: Map<string, { totalMs: number; count: number }>) => [...s.values()].reduce((a, x) => a + x.totalMs, 0) / n;
    const calls = (s: Map<string, { totalMs: number; count: number }>) => [...s.entries()].filter(([k]) => !/^(hello|ping|isMaster|endSessions)/.test(k)).reduce((a, [, x]) => a + x.count, 0) / n;
    rows.push({
      benchmark: 'reminder-burst',
      figure: 'messages accepted by the SMTP sink',
      n,
      mode,
      ours: ourRate,
      baseline: rawRate,
      target: TARGET,
      note:
        `ours ${(ourMs / 1000).toFixed(1)} s vs raw ${(rawMs / 1000).toFixed(1)} s${exactNote}; retried attempts ours: ${retryNote(retries.ours)}, raw: ${retryNote(retries.raw)}; MongoDB round trips/msg ours ${calls(ourStats).toFixed(1)} (${dbMs(ourStats).toFixed(0)} ms summed) vs raw ${calls(rawStats).toFixed(1)} (${dbMs(rawStats).toFixed(0)} ms); ` +
        `CPU s ours: ${Object.entries(ourCpu).map(([k, v]) => `${k.replace(/ \(.*\)/, '')} ${v}`).join(', ')}; raw: ${Object.entries(rawCpu).map(([k, v]) => `${k.replace(/ \(.*\)/, '')} ${v}`).join(', ')}`,
    });
    rows.forEach(printRow);
    recordResults(rows);
  } finally {
    ourTransport.close();
    rawTransport.close();
    await sink.close();
    await db.close().catch(() => undefined);
    await servers.stop();
  }
}


main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
