/**
 * Fault 3 — the SMTP server refuses connections for a while: the worker's SMTP_URL points to the sink's
 * port, the sink is closed just before the cycle starts (launch notices and requests are refused) and started again on the same port
 * at t+13 s. The activities retry (reviewed-step.ts: initial 2 s, backoff 2, at most 5 min), so every
 * message is delivered once the server is back, and none twice.
 */
import { canConnect } from '../../lib/net';
import { Actors, expectCycleOutcome, faultStack, finishCycle, freePort, launch, outboxReport, say, sleep, terminateCycle } from './stack';

const L = 'smtp-down';
const ACTING = ['xa-phu-tan', 'xa-phu-vinh'];

describe('fault: the SMTP server refuses connections for a while', () => {
  const stack = faultStack(L);

  test('every message is delivered after it returns, none twice', async () => {
    const started = Date.now();
    const smtpPort = await freePort();
    const { api, sink } = await stack.startApi('smtp', { smtpPort });
    expect(sink.port).toBe(smtpPort);
    await stack.startWorker();
    api.startInbox();

    const tl = { opens: 5, reminders: [24, 34] as [number, number], due: 40, grace: 42, escalation: 46 };
    // The server goes away before the cycle starts (no pooled SMTP connection exists yet): each unit's
    // launch notice (sent at once) and its request (t+5 s) are refused until it is back at t+13 s.
    await sink.close();
    stack.sink = undefined;
    const downAt = Date.now();
    expect(await canConnect('127.0.0.1', smtpPort)).toBe(false);
    const { cycleId, t0 } = await launch(api, 'fault-smtp', tl);
    say(L, `SMTP server closed at t${((downAt - t0) / 1000).toFixed(1)}s`);
    const actors = new Actors(api, cycleId, ACTING, L);
    actors.start();
    await sleep(Math.max(0, t0 + 13_000 - Date.now()));
    await stack.startSink(smtpPort);
    say(L, `SMTP server back on port ${smtpPort} at t+${((Date.now() - t0) / 1000).toFixed(1)}s (down ${((Date.now() - downAt) / 1000).toFixed(1)} s)`);

    // The fault bit: sends were refused and recorded as transient errors on their outbox rows.
    const during = await outboxReport(api);
    say(L, `outbox when the server came back: ${JSON.stringify(during.byStatus)}; refused: ${during.withErrors.length}`);
    expect(during.withErrors.length).toBeGreaterThan(0);
    for (const r of during.withErrors) expect(r.lastError).toMatch(/ECONNREFUSED/);
    expect(await api.db.models.Mailbox.countDocuments({})).toBe(0);

    const o = await finishCycle(L, api, cycleId, ACTING);
    await actors.stop();
    say(L, `actions: ${actors.outcomes.join('; ')}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);

    expectCycleOutcome(o, ACTING);
    // Nothing died: one copy per business key.
    expect(o.mail.duplicates).toEqual([]);
    expect(o.mail.received).toBe(o.expected.size);
    // The refused ones were retried and delivered.
    const refused = await api.db.models.Outbox.find({ lastError: /ECONNREFUSED/ }).lean();
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect([r._id, r.status, r.attempts > 1]).toEqual([r._id, 'sent', true]);
    expect(actors.outcomes.filter((x) => / 5\d\d$/.test(x))).toEqual([]);

    await terminateCycle(api, cycleId);
  });
});
