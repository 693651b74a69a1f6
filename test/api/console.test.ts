/**
 * The coordinator console (/console) on the real app, database and SMTP server, with the Temporal dev
 * server and a real worker for launching: sign-in and roles, checking a plan (problems by path, or the
 * timeline of `plan check`), CSRF, launching, the cycle page and its forms, moving a deadline, cluster
 * scope, cancelling; Vietnamese first with the English switch.
 */
import type { Client } from '@temporalio/client';
import supertest from 'supertest';
import { stringify } from 'yaml';
import { preparePlan } from '../../api/services/start-cycle';
import { planTimelineLines } from '../../cli/plan-check';
import { unitWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, signInStaff, TEST_TOKEN, useDevServer, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const nextYear = new Date().getUTCFullYear() + 1;
// Workflow ids are global on the shared dev server: a body of its own per run.
const bodyId = `console-${Date.now().toString(36)}`;
const planFor = () => {
  const p = smallPlan();
  return { ...p, body: { ...p.body, id: bodyId }, year: nextYear, stages: { registration: { opensOn: `${nextYear}-11-02`, deadline: `${nextYear}-12-10` } } };
};
const cycleId = `thidua:${bodyId}:${nextYear}`;
const cyclePage = `/console/cycles/${encodeURIComponent(cycleId)}`;

/** The text of an element as the browser shows it (handlebars escapes <, >, &, quotes, = and `). */
const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`').replace(/&amp;/g, '&');

describe('coordinator console', () => {
  let client: Client;
  let h: Harness;
  useDevServer({ label: 'console', taskQueue: 'console-test', updateTimeoutMs: 5000 }, (s) => ({ h, client } = s));
  const signIn = (email: string, roles: ('coordinator' | 'viewer')[], clusters?: string[]) => signInStaff(h, email, roles, { clusters, next: '/console' });

  test('anonymous → /login; a viewer → 403 page; a coordinator and the API-token session see the console, Vietnamese first', async () => {
    const anon = await supertest(h.app).get('/console');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fconsole');
    expect((await supertest(h.app).get('/console/plans/new')).headers.location).toBe('/login?next=%2Fconsole%2Fplans%2Fnew');

    const viewer = await signIn('xem@mttq.test', ['viewer']);
    const refused = await viewer.agent.get('/console');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('lang="vi"');
    expect(refused.text).toContain('Trang này dành cho vai trò coordinator.');
    expect((await viewer.agent.post('/console/plans/check').type('form').send({ _csrf: viewer.csrf, plan: 'a: 1' })).status).toBe(403);

    const { agent } = await signIn('dieu-phoi-1@mttq.test', ['coordinator']);
    const home = await agent.get('/console');
    expect(home.status).toBe(200);
    expect(home.text).toContain('<html lang="vi">');
    expect(home.text).toContain('Bảng điều hành của điều phối viên');
    expect(home.text).toContain('dieu-phoi-1@mttq.test'); // the signed-in account, with its sign-out form
    const en = await agent.get('/console?lang=en');
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('Coordinator console');
    expect(en.text).toContain('href="/console/plans/new?lang=en"');

    const form = await agent.get('/console/plans/new');
    expect(form.status).toBe(200);
    expect(form.text).toContain('lang="vi"');
    expect(form.text).toMatch(/<label for="plan">[^<]+<\/label>\s*<textarea id="plan" name="plan"/);
    expect(form.text).toContain('type="file"');
    expect((await agent.get('/console/plans/new?lang=en')).text).toContain('Upload an emulation plan');

    const token = supertest.agent(h.app);
    await token.post('/login').type('form').send({ token: TEST_TOKEN }).expect(303);
    expect((await token.get('/console')).status).toBe(200);
  });

  test('checking a plan: every problem by path (400), a YAML error, CSRF; a good plan shows the timeline and the launch form', async () => {
    const { agent, csrf } = await signIn('dieu-phoi-2@mttq.test', ['coordinator']);
    const bad = planFor();
    bad.clusters[0].head = 'xa-gia-canh';
    bad.units[1].contacts[0].email = 'khong-phai-email';
    const r = await agent.post('/console/plans/check').type('form').send({ _csrf: csrf, plan: stringify(bad) });
    expect(r.status).toBe(400);
    expect(r.text).toContain('lang="vi"');
    expect(r.text).toContain('Kế hoạch chưa hợp lệ');
    expect(r.text).toContain('<code>clusters[0].head</code>: head &quot;xa-gia-canh&quot; is not a member of the cluster');
    expect(r.text).toContain('<code>units[1].contacts[0].email</code>');
    expect(r.text).toContain('khong-phai-email'); // the textarea keeps what was sent, to fix it
    expect(r.text).not.toContain('name="plan" class="plan" rows="12" readonly'); // no launch form

    const yaml = await agent.post('/console/plans/check?lang=en').type('form').send({ _csrf: csrf, plan: 'a: [unclosed' });
    expect(yaml.status).toBe(400);
    expect(yaml.text).toContain('<html lang="en">');
    expect(yaml.text).toContain('<code>(yaml)</code>');

    // Without the CSRF token, or with another one: 403, nothing checked.
    const noCsrf = await agent.post('/console/plans/check').type('form').send({ plan: stringify(planFor()) });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.text).toContain('Biểu mẫu đã hết hiệu lực');
    expect((await agent.post('/console/plans/launch').type('form').send({ _csrf: 'x'.repeat(43), plan: stringify(planFor()) })).status).toBe(403);

    const good = await agent.post('/console/plans/check').type('form').send({ _csrf: csrf, plan: stringify(planFor()) });
    expect(good.status).toBe(200);
    expect(good.text).toContain('lang="vi"');
    expect(good.text).toContain('Kế hoạch hợp lệ');
    const pre = /<pre class="timeline"[^>]*>([\s\S]*?)<\/pre>/.exec(good.text)?.[1];
    const { plan, compiled } = preparePlan(planFor(), new Date());
    expect(unescape(pre ?? '')).toBe(planTimelineLines(plan, compiled).join('\n'));
    expect(unescape(pre!)).toContain('Đăng ký thi đua / Emulation registration');
    expect(good.text).toContain('action="/console/plans/launch?lang=vi"');
    expect(good.text).toContain(`name="_csrf" value="${csrf}"`);
    // The launch form carries the same plan back.
    const sent = /<textarea id="plan" name="plan"[^>]*readonly[^>]*>([\s\S]*?)<\/textarea>/.exec(good.text)?.[1];
    expect(unescape(sent ?? '')).toBe(stringify(planFor()));
    expect(await h.db.models.Cycle.countDocuments({ _id: cycleId })).toBe(0);

    // The English switch on a page answered to a POST leads back to the form.
    const sw = await agent.get('/console/plans/check?lang=en');
    expect(sw.status).toBe(303);
    expect(sw.headers.location).toBe('/console/plans/new?lang=en');
  });

  test('launch → the cycle page with its units and forms; 409 again; a deadline moved; the scope; cancel with the confirmation', async () => {
    const { agent, csrf } = await signIn('dieu-phoi-3@mttq.test', ['coordinator']);
    const scoped = await signIn('dieu-phoi-cum-1@mttq.test', ['coordinator'], ['cum-1']);
    const yaml = stringify(planFor());
    await h.runWorker(async () => {
      // A scoped account cannot start a cycle (it concerns every cluster).
      const out = await scoped.agent.post('/console/plans/launch').type('form').send({ _csrf: scoped.csrf, plan: yaml });
      expect(out.status).toBe(403);
      expect(out.text).toContain('out_of_scope');

      const launched = await agent.post('/console/plans/launch').type('form').send({ _csrf: csrf, plan: yaml });
      expect(launched.status).toBe(303);
      expect(launched.headers.location).toBe(cyclePage);
      const audit = await h.db.models.Audit.findOne({ action: 'cycle.start', target: cycleId }).lean();
      expect(audit?.actor).toBe('dieu-phoi-3@mttq.test');

      const again = await agent.post('/console/plans/launch?lang=en').type('form').send({ _csrf: csrf, plan: yaml });
      expect(again.status).toBe(409);
      expect(again.text).toContain('This cycle already exists');
      expect(unescape(again.text)).toContain(`href="${cyclePage}?lang=en"`);

      const list = await agent.get('/console');
      expect(list.text).toContain(`href="${cyclePage}"`);
      expect(list.text).toContain(`data-cycle="${cycleId}" data-status="running"`);

      const page = await agent.get(cyclePage);
      expect(page.status).toBe(200);
      expect(page.text).toContain('lang="vi"');
      for (const u of planFor().units) expect(page.text).toContain(`data-unit="${u.id}"`);
      expect(page.text).toContain('MTTQ xã Phú Vinh');
      expect(page.text).toContain('Cụm thi đua số 2');
      expect(page.text).toContain('data-stage="registration"');
      expect(page.text).toContain('10/12/' + nextYear); // the deadline, 17:00 local
      for (const id of ['form-deadline', 'form-people', 'form-delegate', 'form-withdraw', 'form-add-unit', 'form-cancel']) expect(page.text).toContain(`id="${id}"`);
      expect(page.text).not.toContain('id="form-meeting"'); // the plan has no meeting
      expect(page.text).toContain('<label for="a-reviewer">');
      expect(page.text).toContain('<label for="c-reason">');
      expect(page.text).toContain('name="confirm" type="checkbox"');
      const en = await agent.get(`${cyclePage}?lang=en`);
      expect(en.text).toContain('<html lang="en">');
      expect(en.text).toContain("Move a stage&#x27;s deadline");

      // Move the registration deadline of cum-2 only, once its unit workflows run.
      // (The registration opens in November: the steps wait there, not yet in the read model.)
      const running = (unitId: string) =>
        client.workflow
          .getHandle(unitWorkflowId(cycleId, unitId))
          .describe()
          .then((d) => d.status.name === 'RUNNING')
          .catch(() => false);
      await eventually(async () => (await Promise.all(planFor().units.map((u) => running(u.id)))).every(Boolean), 'the six unit workflows');
      const moved = await agent
        .post(`${cyclePage}/deadline`)
        .type('form')
        .send({ _csrf: csrf, stage: 'registration', clusterId: 'cum-2', deadline: `${nextYear}-12-17`, reason: 'Lùi hạn' });
      expect(moved.status).toBe(200);
      expect(moved.text).toContain('Đã dời hạn');
      expect(moved.text).toContain('17/12/' + nextYear);
      expect(moved.text).toMatch(/<ul id="updated">(?:<li>[^<]+<\/li>){3}<\/ul>/);
      expect(moved.text).toContain('MTTQ thị trấn Định Quán – Đăng ký thi đua');
      // A bad date: the service's message and the status, never a stack.
      const badDate = await agent.post(`${cyclePage}/deadline`).type('form').send({ _csrf: csrf, stage: 'registration', deadline: '17/12' });
      expect(badDate.status).toBe(400);
      expect(badDate.text).toContain('<code>deadline</code>: must be a date YYYY-MM-DD');
      expect(badDate.text).not.toMatch(/at .*\.ts:\d+/);

      // The scoped coordinator: the other cluster is out of scope, on the page as on the JSON routes.
      const withdraw = await scoped.agent.post(`${cyclePage}/withdraw`).type('form').send({ _csrf: scoped.csrf, unitId: 'xa-ngoc-dinh', reason: 'Sáp nhập' });
      expect(withdraw.status).toBe(403);
      expect(withdraw.text).toContain('your account is limited to clusters cum-1; this is cum-2');
      const people = await scoped.agent
        .post(`${cyclePage}/people`)
        .type('form')
        .send({ _csrf: scoped.csrf, unitId: 'xa-gia-canh', role: 'contact', email: 'xa-gia-canh@units.test', name: 'Người mới', newEmail: 'moi@units.test' });
      expect(people.status).toBe(403);
      const scopedPage = await scoped.agent.get(cyclePage);
      expect(scopedPage.text).toContain('data-unit="xa-phu-tan"');
      expect(scopedPage.text).not.toContain('data-unit="xa-gia-canh"');
      expect(scopedPage.text).not.toContain('id="form-cancel"');

      // Replace a contact, withdraw a unit: the services' outcomes on a result page.
      const replaced = await agent
        .post(`${cyclePage}/people`)
        .type('form')
        .send({ _csrf: csrf, unitId: 'xa-phu-loi', role: 'contact', email: 'xa-phu-loi@units.test', name: 'Phạm Văn Mới', newEmail: 'moi@units.test', personLang: 'vi' });
      expect(replaced.status).toBe(200);
      expect(replaced.text).toContain('Đã thay người');
      expect(replaced.text).toContain('xa-phu-loi@units.test → Phạm Văn Mới &lt;moi@units.test&gt;');
      expect(await h.db.models.Audit.countDocuments({ action: 'unit.replace-contact', actor: 'dieu-phoi-3@mttq.test' })).toBe(1);
      // Name a substitute for the reviewer for a week: the outcome page says who acts for whom; a bad period is refused.
      const year = cycleId.split(':')[2];
      const delegated = await agent
        .post(`${cyclePage}/delegations`)
        .type('form')
        .send({ _csrf: csrf, unitId: 'xa-phu-tan', role: 'reviewer', email: 'an@mttq.test', name: 'Phạm Văn Thay', substituteEmail: 'thay@mttq.test', from: `${year}-06-01`, to: `${year}-06-07`, reason: 'Nghỉ phép' });
      expect(delegated.status).toBe(200);
      expect(delegated.text).toContain('Đã cử người thay thế');
      expect(delegated.text).toContain('Phạm Văn Thay &lt;thay@mttq.test&gt; thay mặt an@mttq.test (reviewer)');
      expect(await h.db.models.Audit.countDocuments({ action: 'unit.delegate-reviewer', actor: 'dieu-phoi-3@mttq.test' })).toBe(1);
      const backwards = await agent
        .post(`${cyclePage}/delegations`)
        .type('form')
        .send({ _csrf: csrf, unitId: 'xa-phu-tan', role: 'reviewer', email: 'an@mttq.test', name: 'Phạm Văn Thay', substituteEmail: 'thay@mttq.test', from: `${year}-06-07`, to: `${year}-06-01` });
      expect(backwards.status).toBe(400);
      expect(backwards.text).toContain('<code>to</code>: must not be before from');
      const unknown = await agent
        .post(`${cyclePage}/people`)
        .type('form')
        .send({ _csrf: csrf, unitId: 'xa-phu-loi', role: 'contact', email: 'khong-co@units.test', name: 'Ai Đó', newEmail: 'ai@units.test' });
      expect(unknown.status).toBe(409); // refused by the workflow, with its reason
      expect(unknown.text).toContain('id="error-message"');
      const gone = await scoped.agent.post(`${cyclePage}/withdraw`).type('form').send({ _csrf: scoped.csrf, unitId: 'xa-phu-vinh', reason: 'Sáp nhập xã' });
      expect(gone.status).toBe(200);
      expect(gone.text).toContain('Đã rút đơn vị khỏi đợt thi đua');
      expect(gone.text).toContain('MTTQ xã Phú Vinh (Cụm thi đua số 1): Sáp nhập xã');
      expect((await h.db.models.Audit.findOne({ action: 'unit.withdraw', target: `${cycleId}:xa-phu-vinh` }).lean())?.actor).toBe('dieu-phoi-cum-1@mttq.test');

      // Add a unit: out of scope for the scoped coordinator, a bad id named by its path, then added and audited.
      const addForm = { _csrf: scoped.csrf, unitName: 'MTTQ xã Phú Mới', contactName: 'Lê Thị Mới', contactEmail: 'xa-phu-moi@units.test', contactLang: 'vi', reviewer: 'cb-an', reason: 'Thành lập xã mới' };
      const outOfScope = await scoped.agent.post(`${cyclePage}/add-unit`).type('form').send({ ...addForm, clusterId: 'cum-2', unitId: 'xa-phu-moi' });
      expect(outOfScope.status).toBe(403);
      const badId = await scoped.agent.post(`${cyclePage}/add-unit`).type('form').send({ ...addForm, clusterId: 'cum-1', unitId: 'Xã Mới!' });
      expect(badId.status).toBe(400);
      expect(badId.text).toContain('<code>unit.id</code>');
      const added = await scoped.agent.post(`${cyclePage}/add-unit`).type('form').send({ ...addForm, clusterId: 'cum-1', unitId: 'xa-phu-moi' });
      expect(added.status).toBe(200);
      expect(added.text).toContain('Đã thêm đơn vị vào đợt thi đua');
      expect(added.text).toContain('MTTQ xã Phú Mới (Cụm thi đua số 1): Thành lập xã mới');
      expect(((await h.db.models.Cycle.findById(cycleId).lean())?.plan as { units: { id: string }[] }).units.map((u) => u.id)).toContain('xa-phu-moi');
      expect(await h.db.models.Audit.countDocuments({ action: 'unit.add', actor: 'dieu-phoi-cum-1@mttq.test' })).toBe(1);

      // Cancel: the confirmation box is required, then the cycle's status changes.
      const unconfirmed = await agent.post(`${cyclePage}/cancel`).type('form').send({ _csrf: csrf, reason: 'Thay đổi kế hoạch' });
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.text).toContain('hãy đánh dấu ô xác nhận');
      expect((await h.db.models.Cycle.findById(cycleId).lean())?.status).toBe('running');
      const cancelled = await agent.post(`${cyclePage}/cancel`).type('form').send({ _csrf: csrf, reason: 'Thay đổi kế hoạch', confirm: 'yes' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.text).toContain('Đợt thi đua đang được hủy');
      expect(cancelled.text).toContain('lang="vi"');
      await eventually(async () => (await h.db.models.Cycle.findById(cycleId).lean())?.status === 'cancelled', 'the cycle to be cancelled');
      const after = await agent.get(cyclePage);
      expect(after.text).toContain('data-status="cancelled"');
      expect(after.text).not.toContain('id="form-cancel"');
      const twice = await agent.post(`${cyclePage}/cancel`).type('form').send({ _csrf: csrf, reason: 'Lần nữa', confirm: 'yes' });
      expect(twice.status).toBe(409);
      expect(twice.text).toContain('the cycle is already cancelled');
    });
  });

  test('an unknown cycle is a 404 page', async () => {
    const { agent } = await signIn('dieu-phoi-4@mttq.test', ['coordinator']);
    const r = await agent.get('/console/cycles/thidua:khong-co:2099');
    expect(r.status).toBe(404);
    expect(r.text).toContain('lang="vi"');
    expect(r.text).toContain('no cycle thidua:khong-co:2099');
  });
});
