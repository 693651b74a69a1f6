/**
 * The secretariat's actions on its dashboard, on the time-skipping server with the real worker, app,
 * database and SMTP server: remind now (a second click sends a second reminder; an approved or pending
 * step is refused with the validator's reason), escalate now (reviewer and cluster head), terminate
 * with a reason (Temporal's terminate, audited with the actor), roles and cluster scope, and the page's
 * buttons and forms with CSRF.
 */
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { createAccount } from '../../lib/staff';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { marchDays, smallPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const PASSWORD = 'mật-khẩu-đủ-dài-1';

describe('dashboard actions (time-skipping)', () => {
  const ts = useTimeSkipping('dashboard-actions');

  test('remind now, escalate now, terminate with a reason; roles, scope, CSRF and the page', async () => {
    const env = ts.env();
    const h = ts.h();
    // The dashboard and the sessions run on the test server's clock (the harness's app on the real one).
    let clock = await env.currentTimeMs();
    const app = createApp({ ...h.deps, now: () => new Date(clock) });
    let ip = 0;
    const login = async (email: string) => {
      const agent = supertest.agent(app);
      const r = await agent.post('/login').set('X-Forwarded-For', `10.9.0.${++ip}`).type('form').send({ email, password: PASSWORD, next: '/dashboard' });
      expect(r.status).toBe(303);
      const session = await agent.get('/api/session').expect(200);
      return { agent, csrf: session.body.csrfToken as string };
    };
    const signIn = async (email: string, roles: ('coordinator' | 'secretariat' | 'council' | 'viewer')[], clusters?: string[]) => {
      await createAccount(h.db.models, { email, name: `Cán bộ ${email.split('@')[0]}`, roles, clusters, password: PASSWORD });
      return login(email);
    };

    const year = new Date(await env.currentTimeMs()).getUTCFullYear() + 1;
    const { day, local } = marchDays(year);
    // A later mid-year stage keeps every unit workflow running after its registration is approved.
    const plan = smallPlan({
      year,
      body: { ...smallPlan().body, id: 'dash-actions' },
      calendar: { holidays: [] },
      stages: {
        registration: { opensOn: day(0), deadline: day(18), reminders: [1], grace: 0, escalations: [0] },
        midYear: { opensOn: day(60), deadline: day(80) },
      },
    });
    const cycleId = `thidua:dash-actions:${year}`;
    const loi = unitWorkflowId(cycleId, 'xa-phu-loi');
    const tan = unitWorkflowId(cycleId, 'xa-phu-tan');
    const sleepUntil = async (ms: number) => {
      await env.sleep(Math.max(ms - (await env.currentTimeMs()), 0));
      clock = await env.currentTimeMs();
    };
    const state = (workflowId: string) => env.client.workflow.getHandle(workflowId).query(unitStateQuery);
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const act = (action: string, body: Record<string, unknown>) => supertest(app).post(`/api/dashboard/actions/${action}`).set(auth).send(body);

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await sleepUntil(local(0, '09:00'));
      await eventually(async () => (await mailsTo('xa-phu-loi@units.test', /Đề nghị đăng ký/))[0], 'the request to Phú Lợi');
      // Phú Tân is approved before anything else.
      const req = await eventually(async () => (await mailsTo('xa-phu-tan@units.test', /Đề nghị đăng ký/))[0], 'request');
      await actThroughLink(h, linkIn(req.text), { action: 'submit', content: 'a', targets: 'b' });
      const review = await eventually(async () => (await mailsTo('an@mttq.test', /\[Thẩm định\]/))[0], 'review');
      await actThroughLink(h, linkIn(review.text), { action: 'approve' });
      await eventually(async () => (await state(tan)).steps.registration!.status === 'approved', 'approval');

      // Remind now: the unit gets one more reminder, with its own link; a second click, another one.
      const r1 = await act('remind', { workflowId: loi, step: 'registration' });
      expect(r1.status).toBe(200);
      expect(r1.body).toMatchObject({ action: 'remind', workflowId: loi, cycleId, clusterId: 'cum-1', unitId: 'xa-phu-loi', step: 'registration', n: 1 });
      const reminder = await eventually(async () => (await mailsTo('xa-phu-loi@units.test', /\[Nhắc hạn\]/))[0], 'the manual reminder');
      expect(linkIn(reminder.text)).toMatch(/^\/l\//);
      // Without a step: the step waiting for the unit.
      const r2 = await act('remind', { workflowId: loi });
      expect([r2.status, r2.body.step, r2.body.n]).toEqual([200, 'registration', 2]);
      // Counted by business key: a planned reminder (also "[Nhắc hạn]") may come in meanwhile on a busy machine.
      const manual = async () => (await mailsTo('xa-phu-loi@units.test', /\[Nhắc hạn\]/)).filter((m) => /:manual-reminder:/.test(m.headers?.['x-thidua-key'] ?? ''));
      await eventually(async () => (await manual()).length === 2, 'the second manual reminder');
      const outbox = await h.db.models.Outbox.find({ _id: { $regex: `^${loi}:registration:manual-reminder:` } }).lean();
      expect(outbox.map((o) => o._id).sort()).toEqual([`${loi}:registration:manual-reminder:1:xa-phu-loi@units.test`, `${loi}:registration:manual-reminder:2:xa-phu-loi@units.test`]);

      // Refused with the validator's reason: an approved step, a step not open yet; unknown ones are 404.
      const approved = await act('remind', { workflowId: tan, step: 'registration' });
      expect(approved.status).toBe(409);
      expect(approved.body.error.message).toBe('step registration is approved, not waiting for the unit; nothing to remind the unit of');
      const pending = await act('escalate', { workflowId: loi, step: 'midyear-report' });
      expect([pending.status, pending.body.error.message]).toEqual([409, 'step midyear-report is pending, not waiting for the unit; nothing to escalate']);
      expect((await act('remind', { workflowId: `${cycleId}:unit:nope`, step: 'registration' })).status).toBe(404);
      expect((await act('remind', { workflowId: loi, step: 'nope' })).status).toBe(404);
      expect((await act('remind', {})).status).toBe(400);
      expect((await act('nope', { workflowId: loi })).status).toBe(404);
      expect(await mailsTo('xa-phu-tan@units.test', /\[Nhắc hạn\]/)).toHaveLength(0);

      // Escalate now: the reviewer and the cluster head (Phú Tân's contact) are told.
      const e1 = await act('escalate', { workflowId: loi, step: 'registration' });
      expect([e1.status, e1.body.n]).toEqual([200, 1]);
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Quá hạn.*Phú Lợi/)).length === 1, 'the escalation to the reviewer');
      await eventually(async () => (await mailsTo('xa-phu-tan@units.test', /\[Quá hạn.*Phú Lợi/)).length === 1, 'the escalation to the cluster head');

      // The step's history records who asked; none of it counts as progress.
      await eventually(async () => (await state(loi)).steps.registration!.history.filter((e) => e.by === 'api-token').length === 3, 'the history');
      const history = (await state(loi)).steps.registration!.history.filter((e) => e.by === 'api-token');
      expect(history.map((e) => [e.event, e.n])).toEqual([
        ['reminded', 1],
        ['reminded', 2],
        ['escalated', 1],
      ]);
      const audit = await h.db.models.Audit.find({ action: { $in: ['dashboard.remind', 'dashboard.escalate'] } }).sort({ at: 1, _id: 1 }).lean();
      expect(audit.map((a) => [a.action, a.actor, a.target])).toEqual([
        ['dashboard.remind', 'api-token', `${loi}:registration`],
        ['dashboard.remind', 'api-token', `${loi}:registration`],
        ['dashboard.escalate', 'api-token', `${loi}:registration`],
      ]);

      // Roles: a viewer and a council member may not; a secretariat account limited to cluster 2 may not act on cluster 1.
      const viewer = await signIn('xem@mttq.test', ['viewer']);
      const v = await viewer.agent.post('/api/dashboard/actions/remind').set('X-CSRF-Token', viewer.csrf).send({ workflowId: loi, step: 'registration' });
      expect([v.status, v.body.error.code]).toEqual([403, 'forbidden']);
      expect((await viewer.agent.post('/dashboard/actions/remind').type('form').send({ _csrf: viewer.csrf, workflowId: loi, step: 'registration' })).status).toBe(403);
      const scoped = await signIn('cum2@mttq.test', ['secretariat'], ['cum-2']);
      const s = await scoped.agent.post('/api/dashboard/actions/escalate').set('X-CSRF-Token', scoped.csrf).send({ workflowId: loi, step: 'registration' });
      expect([s.status, s.body.error.code]).toEqual([403, 'out_of_scope']);
      expect((await supertest(app).post('/api/dashboard/actions/remind').send({ workflowId: loi })).status).toBe(401);

      // Past the deadline Phú Lợi is stuck: the page offers the actions on its row.
      await sleepUntil(local(19, '12:00'));
      const viewerNow = await login('xem@mttq.test');
      const secretariat = await signIn('van-phong@mttq.test', ['secretariat']);
      const coordinator = await signIn('dieu-phoi@mttq.test', ['coordinator']);
      const page = await eventually(async () => {
        const r = await secretariat.agent.get(`/dashboard?cycleId=${encodeURIComponent(cycleId)}`);
        return r.status === 200 && r.text.includes(`data-unit="xa-phu-loi" data-step="registration"`) ? r.text : undefined;
      }, 'Phú Lợi stuck on the dashboard');
      const row = page.slice(page.indexOf('data-unit="xa-phu-loi" data-step="registration"'));
      // Attribute values as a browser reads them (handlebars escapes `=` and `&`).
      const cell = row.slice(0, row.indexOf('</tr>')).replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
      expect(cell).toContain('Nhắc lại');
      expect(cell).toContain('Báo cáo vượt cấp ngay');
      expect(cell).toContain(`action="/dashboard/actions/remind?cycleId=${encodeURIComponent(cycleId)}"`);
      expect(cell).toContain('action="/dashboard/actions/escalate');
      expect(cell).toContain('action="/dashboard/actions/terminate');
      expect(cell).toContain(`name="_csrf" value="${secretariat.csrf}"`);
      expect(cell).toContain(`name="workflowId" value="${loi}"`);
      expect(cell).toMatch(/name="reason" type="text" required/);
      // The console's deadline and people forms are linked for a coordinator (it is theirs).
      const coordinatorPage = (await coordinator.agent.get(`/dashboard?cycleId=${encodeURIComponent(cycleId)}`)).text;
      expect(coordinatorPage).toContain(`/console/cycles/${encodeURIComponent(cycleId)}#form-deadline`);
      expect(coordinatorPage).toContain(`/console/cycles/${encodeURIComponent(cycleId)}#form-people`);
      expect((await viewerNow.agent.get(`/dashboard?cycleId=${encodeURIComponent(cycleId)}`)).text).not.toContain('Nhắc lại');

      // The page form: without its CSRF token refused; with it, 303 back to the dashboard with a notice.
      const before = (await mailsTo('xa-phu-loi@units.test', /\[Nhắc hạn\]/)).length;
      const noCsrf = await secretariat.agent.post('/dashboard/actions/remind').type('form').send({ workflowId: loi, step: 'registration' });
      expect(noCsrf.status).toBe(403);
      const form = await secretariat.agent
        .post(`/dashboard/actions/remind?cycleId=${encodeURIComponent(cycleId)}`)
        .type('form')
        .send({ _csrf: secretariat.csrf, workflowId: loi, step: 'registration' });
      expect(form.status).toBe(303);
      expect(form.headers.location).toBe(`/dashboard?cycleId=${encodeURIComponent(cycleId)}&done=remind&wf=${encodeURIComponent(loi)}#stuck-h`);
      expect((await secretariat.agent.get(form.headers.location)).text).toContain('Đã gửi thư nhắc lại tới đơn vị: MTTQ xã Phú Lợi.');
      await eventually(async () => (await mailsTo('xa-phu-loi@units.test', /\[Nhắc hạn\]/)).length === before + 1, 'the reminder from the page');
      expect((await h.db.models.Audit.findOne({ action: 'dashboard.remind', actor: 'van-phong@mttq.test' }).lean())!.target).toBe(`${loi}:registration`);
      // A refusal from the page: the dashboard again, with the reason and its status.
      const refused = await secretariat.agent.post('/dashboard/actions/remind').type('form').send({ _csrf: secretariat.csrf, workflowId: tan, step: 'registration' });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('step registration is approved, not waiting for the unit');

      // Terminate: a reason is required; then Temporal terminates the workflow and the audit names the actor.
      const noReason = await secretariat.agent.post('/api/dashboard/actions/terminate').set('X-CSRF-Token', secretariat.csrf).send({ workflowId: loi });
      expect([noReason.status, noReason.body.error.details.problems[0].path]).toEqual([400, 'reason']);
      const pageNoReason = await secretariat.agent.post('/dashboard/actions/terminate').type('form').send({ _csrf: secretariat.csrf, workflowId: loi, reason: '  ' });
      expect(pageNoReason.status).toBe(400);
      expect((await env.client.workflow.getHandle(loi).describe()).status.name).toBe('RUNNING');
      const term = await secretariat.agent
        .post('/api/dashboard/actions/terminate')
        .set('X-CSRF-Token', secretariat.csrf)
        .send({ workflowId: loi, reason: 'Đơn vị sáp nhập, xử lý ngoài hệ thống' });
      expect([term.status, term.body.status]).toEqual([200, 'TERMINATED']);
      expect((await env.client.workflow.getHandle(loi).describe()).status.name).toBe('TERMINATED');
      const termAudit = await h.db.models.Audit.findOne({ action: 'dashboard.terminate', target: loi }).lean();
      expect(termAudit!.actor).toBe('van-phong@mttq.test');
      expect(termAudit!.details).toMatchObject({ reason: 'Đơn vị sáp nhập, xử lý ngoài hệ thống', cycleId, clusterId: 'cum-1' });
      // Terminated already: refused; an unknown workflow: 404.
      expect((await act('terminate', { workflowId: loi, reason: 'again' })).status).toBe(409);
      expect((await act('terminate', { workflowId: 'thidua:nope:2020:unit:x', reason: 'x' })).status).toBe(404);
    });
  });
});
