/**
 * "Retry now" on the dashboard, against the real dev server (Temporal's ResetActivity): the SMTP
 * server is down when the units' requests go out, so each unit's `notify` activity retries with
 * backoff; once the SMTP server is back, retrying two of the three units delivers their mail at once,
 * while the third waits out its backoff. The page's button (CSRF), the API (roles), the audit, and
 * the refusal when nothing is retrying.
 */
import supertest from 'supertest';
import { launchCycle, preparePlan } from '../../api/services/start-cycle';
import { createLogger } from '../../lib/logger';
import { startSmtpSink, type SmtpSink } from '../../lib/mail/smtp-sink';
import { createTransport } from '../../lib/mail/transport';
import { createAccount } from '../../lib/staff';
import { freePort } from '../../scripts/servers';
import { unitWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, mailbox, TEST_TOKEN, useDevServer, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const PASSWORD = 'mật-khẩu-đủ-dài-1';

describe('dashboard: retry now (dev server)', () => {
  let h: Harness;
  let late: SmtpSink | undefined;
  useDevServer({ label: 'dash-retry', taskQueue: `dash-retry-${Date.now()}`, beforeClose: () => late?.close() }, (s) => ({ h } = s));

  test('a retrying notify runs again now; the others wait their backoff', async () => {
    const port = await freePort();
    const downTransport = createTransport(`smtp://127.0.0.1:${port}`);
    const bodyId = `dash-retry-${Date.now().toString(36)}`;
    const { plan, compiled } = preparePlan(smallPlan({ body: { ...smallPlan().body, id: bodyId } }), new Date());
    const t0 = Date.now();
    // Opens now, due in an hour: the only mail is each unit's request.
    for (const cl of compiled.clusters) {
      for (const u of cl.units) {
        u.steps.registration = { opensAt: new Date(t0).toISOString(), reminders: [], dueAt: new Date(t0 + 3600e3).toISOString(), graceEndsAt: new Date(t0 + 3600e3).toISOString(), escalations: [] };
      }
    }
    const cycleId = compiled.cycle.cycleId;
    const wf = (u: string) => unitWorkflowId(cycleId, u);
    const [tan, loi, vinh] = [wf('xa-phu-tan'), wf('xa-phu-loi'), wf('xa-phu-vinh')];
    const notifiesOf = async (id: string) => {
      // None too while the cluster workflow has not started the unit's yet.
      const d = await h.deps.temporal.workflow.getHandle(id).describe().catch((e: Error) => (e.name === 'WorkflowNotFoundError' ? undefined : Promise.reject(e)));
      return (d?.raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'notify');
    };
    // The registration request's notify: the unit's launch notice (also a notify, also refused) is
    // scheduled before it, so the request's is the one with the highest activity id.
    const notifyOf = async (id: string) => (await notifiesOf(id)).sort((a, b) => Number(b.activityId) - Number(a.activityId))[0];

    await createAccount(h.db.models, { email: 'ts@mttq.test', name: 'Thư ký', roles: ['secretariat'], password: PASSWORD });
    await createAccount(h.db.models, { email: 'xem@mttq.test', name: 'Người xem', roles: ['viewer'], password: PASSWORD });
    const login = async (email: string, ip: string) => {
      const agent = supertest.agent(h.app);
      await agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ email, password: PASSWORD, next: '/dashboard' }).expect(303);
      return { agent, csrf: (await agent.get('/api/session').expect(200)).body.csrfToken as string };
    };

    try {
      await h.runWorker(
        async () => {
          await launchCycle(h.deps, plan, compiled, 'test');
          // 2 s, 4 s, 8 s, 16 s …: on its 5th attempt, the next one is 16 s away.
          for (const id of [tan, loi, vinh]) await eventually(async () => ((await notifyOf(id))?.attempt ?? 0) >= 5, `${id} retrying`, 60_000);
          const first = await notifyOf(tan);
          expect(first?.lastFailure?.message).toMatch(/ECONNREFUSED|connect/i);

          // The page offers the button to the secretariat, with the activity and the CSRF token.
          const ts = await login('ts@mttq.test', '10.7.0.1');
          const page = await ts.agent.get(`/dashboard?cycleId=${encodeURIComponent(cycleId)}`).expect(200);
          const form = new RegExp(`<form method="post" action="/dashboard/actions/retry[^"]*" class="action-retry">\\s*<input type="hidden" name="_csrf" value="${ts.csrf}"><input type="hidden" name="workflowId" value="${tan.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"><input type="hidden" name="activityId" value="${first!.activityId}">`);
          expect(page.text).toMatch(form);
          expect(page.text).toContain('Chạy lại ngay');
          // A viewer may not; a cookie session without the CSRF token may not.
          const viewer = await login('xem@mttq.test', '10.7.0.2');
          expect((await viewer.agent.post('/api/dashboard/actions/retry').set('X-CSRF-Token', viewer.csrf).send({ workflowId: tan })).status).toBe(403);
          expect((await ts.agent.post('/dashboard/actions/retry').type('form').send({ workflowId: tan, activityId: first!.activityId })).status).toBe(403);
          expect((await notifyOf(tan))?.attempt).toBeGreaterThanOrEqual(5);

          // The SMTP server is back. Phú Tân (the page) and Phú Lợi (the API) are retried now.
          late = await startSmtpSink(h.db, { port, log: createLogger('late-smtp', 'warn') });
          const nextOf = async (id: string) => tsOf((await notifyOf(id))!.nextAttemptScheduleTime);
          const [tanNext, loiNext, vinhNext] = [await nextOf(tan), await nextOf(loi), await nextOf(vinh)];
          const byPage = await ts.agent.post('/dashboard/actions/retry').type('form').send({ _csrf: ts.csrf, workflowId: tan, activityId: first!.activityId });
          expect(byPage.status).toBe(303);
          expect(byPage.headers.location).toContain('done=retry');
          // Without an activity id: every retrying activity of the workflow (its launch notice and its request).
          const loiRetrying = (await notifiesOf(loi)).map((a) => a.activityId).sort();
          expect(loiRetrying).toHaveLength(2);
          const byApi = await supertest(h.app).post('/api/dashboard/actions/retry').set(auth).send({ workflowId: loi });
          expect(byApi.status).toBe(200);
          expect(byApi.body).toMatchObject({ action: 'retry', workflowId: loi, unitId: 'xa-phu-loi' });
          const retried = byApi.body.retried as { activityId: string; activityType: string; attempt: number }[];
          expect(retried.map((r) => r.activityId).sort()).toEqual(loiRetrying);
          for (const r of retried) {
            expect(r.activityType).toBe('notify');
            expect(r.attempt).toBeGreaterThanOrEqual(5);
          }

          const arrived = async (to: string) => (await mailbox(h, to)).find((m) => /Đề nghị đăng ký/.test(m.subject ?? ''));
          const tanMail = await eventually(() => arrived('xa-phu-tan@units.test'), 'Phú Tân’s request', 30_000);
          const loiMail = await eventually(() => arrived('xa-phu-loi@units.test'), 'Phú Lợi’s request', 30_000);
          // Before their backoff ended; Phú Vinh's only after its own.
          expect(new Date(tanMail.receivedAt).getTime()).toBeLessThan(tanNext - 2000);
          expect(new Date(loiMail.receivedAt).getTime()).toBeLessThan(loiNext - 2000);
          expect(await arrived('xa-phu-vinh@units.test')).toBeUndefined();
          const vinhMail = await eventually(() => arrived('xa-phu-vinh@units.test'), 'Phú Vinh’s request', 60_000);
          expect(new Date(vinhMail.receivedAt).getTime()).toBeGreaterThanOrEqual(vinhNext - 1000);

          // Audited with the actor; nothing left to retry → 409; an unknown workflow → 404.
          const audit = await h.db.models.Audit.find({ action: 'dashboard.retry' }).sort({ at: 1 }).lean();
          expect(audit.map((a) => [a.actor, a.target])).toEqual([
            ['ts@mttq.test', tan],
            [expect.stringMatching(/token/i), loi],
          ]);
          // Its launch notice too, after its own backoff: then nothing of Phú Tân's is retrying.
          await eventually(async () => (await notifiesOf(tan)).length === 0, 'the notifies done', 90_000);
          const again = await supertest(h.app).post('/api/dashboard/actions/retry').set(auth).send({ workflowId: tan });
          expect(again.status).toBe(409);
          expect(again.body.error.message).toBe('no activity of this workflow is retrying');
          expect((await supertest(h.app).post('/api/dashboard/actions/retry').set(auth).send({ workflowId: `${cycleId}:unit:nope` })).status).toBe(404);
          expect(await h.db.models.Audit.countDocuments({ action: 'dashboard.retry' })).toBe(2);
        },
        undefined,
        { transport: downTransport },
      );
    } finally {
      downTransport.close();
      await h.deps.temporal.workflow.getHandle(`${cycleId}:cycle`).terminate('test over').catch(() => undefined);
    }
  }, 300_000);
});

function tsOf(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}
