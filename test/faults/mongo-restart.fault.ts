/**
 * Fault 4 — the MongoDB-compatible server (FerretDB, or mongod when installed) stops mid-cycle and
 * starts again on the same data directory and port. Worker (child process), api and SMTP sink (in the
 * test process) all lose their database for a while: the sink answers 451, activities retry, the
 * drivers reconnect. The cycle completes and nothing is lost: read model rows, outbox rows, mailbox.
 */
import { canConnect } from '../../lib/net';
import { Actors, expectCycleOutcome, faultStack, finishCycle, launch, poll, say, sleep, terminateCycle } from './stack';

const L = 'mongo-restart';
const ACTING = ['xa-phu-tan', 'xa-phu-vinh'];

describe('fault: the MongoDB-compatible server stops and starts again mid-cycle', () => {
  const stack = faultStack(L);

  test('the cycle completes; read model, outbox and mailbox lose nothing', async () => {
    const started = Date.now();
    const { api } = await stack.startApi('mongo');
    const { worker } = await stack.startWorker();
    const { mongo } = stack;
    api.startInbox();

    const tl = { opens: 3, reminders: [16, 26] as [number, number], due: 32, grace: 34, escalation: 38 };
    const { cycleId, t0 } = await launch(api, 'fault-mongo', tl);
    const actors = new Actors(api, cycleId, ACTING, L);
    actors.start();

    // Down across the first reminder (t+16): its read-model update, outbox row and delivery all need the database.
    await sleep(Math.max(0, t0 + 12_000 - Date.now()));
    const before = {
      stepStates: await api.db.models.StepState.countDocuments({}),
      outbox: await api.db.models.Outbox.countDocuments({}),
      mailbox: await api.db.models.Mailbox.countDocuments({}),
    };
    say(L, `stopping ${mongo.server.kind} at t+${((Date.now() - t0) / 1000).toFixed(1)}s; rows before: ${JSON.stringify(before)}`);
    const logOffset = worker.logSince(0).length;
    await mongo.stop();
    expect(await canConnect('127.0.0.1', mongo.port)).toBe(false);
    // The fault is seen by the parts that use it.
    await poll(async () => !api.db.isUp(), 'the api to notice the database is down', 15_000, 100);
    await sleep(Math.max(0, t0 + 20_000 - Date.now()));
    await mongo.start();
    const backAt = new Date();
    say(L, `${mongo.server.kind} back at t+${((Date.now() - t0) / 1000).toFixed(1)}s (same data dir, port ${mongo.port})`);
    await poll(async () => api.db.isUp(), 'the api to reconnect to the database', 30_000, 200);
    const workerAlive = worker.alive();
    // The worker met the outage too: its activities failed on the database (mongoose may instead hold
    // them until it reconnects), or on the SMTP server, whose mailbox lives in the same database.
    const workerErrors = worker.logSince(logOffset).split('\n').filter((l) => /Mongo\w*Error|ECONNREFUSED|connection .*closed|buffering timed out/i.test(l));
    say(L, `worker log lines about the database being down: ${workerErrors.length}${workerErrors.length ? ` (first: ${workerErrors[0].slice(0, 200)})` : ''}`);
    say(L, `worker still running after the outage: ${workerAlive}`);

    const o = await finishCycle(L, api, cycleId, ACTING);
    await actors.stop();
    say(L, `actions: ${actors.outcomes.join('; ')}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);

    // Nothing written before the outage went missing.
    expect(o.readModel.size).toBeGreaterThanOrEqual(before.stepStates);
    expect(o.outbox.total).toBeGreaterThanOrEqual(before.outbox);
    expect(o.mail.received).toBeGreaterThanOrEqual(before.mailbox);
    expectCycleOutcome(o, ACTING);
    expect(o.readModel.size).toBe(4);
    // A copy sent twice is only acceptable as the same message (same Message-ID); count it.
    say(L, `extra copies: ${o.mail.extraCopies}`);
    expect(workerAlive).toBe(true);
    // The outage reached the cycle: the first reminders fell due while the database was down (t+16 s),
    // so they were either retried after a failure or held until it came back — never delivered during
    // it (the mailbox itself lives there). Neither seen: the fault was not injected, the test fails.
    const firstReminders = await api.db.models.Mailbox.find({ subject: /^\[Nhắc hạn\]/ }).sort({ receivedAt: 1 }).limit(1).lean();
    say(L, `first reminder received at ${firstReminders[0]?.receivedAt.toISOString()}, the database back at ${backAt.toISOString()}`);
    expect(firstReminders).toHaveLength(1);
    expect(workerErrors.length + o.outbox.withErrors.length > 0 || firstReminders[0].receivedAt.getTime() >= backAt.getTime()).toBe(true);
    expect(actors.outcomes.filter((x) => / 5\d\d$/.test(x))).toEqual([]);

    await terminateCycle(api, cycleId);
  });
});
