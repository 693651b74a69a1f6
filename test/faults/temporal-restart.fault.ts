/**
 * Fault 2 — the Temporal dev server is stopped mid-cycle and started again (same SQLite file, same
 * port) while the real worker process keeps running: the worker should reconnect by itself (if it
 * exits instead, it is started again and the test says so), and the cycle completes as expected.
 */
import { canConnect } from '../../lib/net';
import { Actors, expectCycleOutcome, faultStack, finishCycle, launch, say, sleep, terminateCycle } from './stack';

const L = 'temporal-restart';
const ACTING = ['xa-phu-tan', 'xa-phu-vinh'];

describe('fault: the Temporal server restarts mid-cycle', () => {
  const stack = faultStack(L);

  test('the worker reconnects and the cycle completes, nothing lost, nothing twice', async () => {
    const started = Date.now();
    const { api } = await stack.startApi('temporal');
    const { worker } = await stack.startWorker();
    const { temporal } = stack;
    api.startInbox();

    const tl = { opens: 3, reminders: [16, 26] as [number, number], due: 32, grace: 34, escalation: 38 };
    const { cycleId, t0 } = await launch(api, 'fault-temporal', tl);
    const actors = new Actors(api, cycleId, ACTING, L);
    actors.start();

    // Stop the server just before the first reminder is due, so that it fires while the server is down.
    await sleep(Math.max(0, t0 + 12_000 - Date.now()));
    const pidBefore = worker.proc!.pid;
    const logOffset = worker.logSince(0).length;
    say(L, `stopping Temporal at t+${((Date.now() - t0) / 1000).toFixed(1)}s`);
    await temporal.stop();
    const [host, port] = temporal.address.split(':');
    // The fault is real: nothing answers on the port.
    expect(await canConnect(host, Number(port))).toBe(false);
    await sleep(6_000);
    await temporal.start();
    say(L, `Temporal back at t+${((Date.now() - t0) / 1000).toFixed(1)}s (same db file ${temporal.dbFile}, port ${port})`);

    // The worker should ride it out; if it exited, start it again and say so.
    await sleep(3_000);
    const survived = worker.alive() && worker.proc!.pid === pidBefore;
    if (!survived) {
      say(L, `NOTE: the worker did not survive the restart (${JSON.stringify(worker.proc!.exited())}); log:\n${worker.logSince(logOffset).slice(-2000)}`);
      await worker.start();
    } else {
      say(L, `the worker (pid ${pidBefore}) stayed up and reconnected by itself`);
    }

    const o = await finishCycle(L, api, cycleId, ACTING);
    await actors.stop();
    say(L, `worker survived: ${survived}; actions: ${actors.outcomes.join('; ')}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const sdkErrors = worker.logSince(logOffset).split('\n').filter((l) => /ERROR|"level":50|"level":60/.test(l));
    say(L, `worker log lines with errors after the restart: ${sdkErrors.length}${sdkErrors.length ? `\n${sdkErrors.slice(0, 5).join('\n')}` : ''}`);

    // The worker saw the server go away (its polls were refused and retried).
    expect(worker.logSince(logOffset)).toMatch(/Connection refused|tcp connect error|Unavailable/);
    expectCycleOutcome(o, ACTING);
    // No process died: nothing can have been sent twice.
    expect(o.mail.duplicates).toEqual([]);
    expect(actors.outcomes.filter((x) => / 5\d\d$/.test(x))).toEqual([]);

    await terminateCycle(api, cycleId);
  });
});
