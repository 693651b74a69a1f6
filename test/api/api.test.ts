/**
 * The HTTP surface on the Temporal dev server with a real worker, MongoDB-compatible server and SMTP
 * server: authentication, plan errors, duplicate cycles, every link fault, the durable inbox, /health
 * and 503s when a backing server is down.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import supertest from 'supertest';
import { stringify } from 'yaml';
import { createApp } from '../../api/app';
import { deliverInbox } from '../../api/services/link-actions';
import { connectDb } from '../../lib/db';
import { createTemporalClient } from '../../lib/temporal';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { freshDbUri } from '../helpers/env';
import { flipSignature, signedLink, tamperClaims } from '../helpers/link-attacks';
import { appWithMailer, createHarness, eventually, linkIn, mailbox, TEST_TOKEN, useDevServer, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
// Workflow ids are global on the shared dev server: every test here uses its own issuing body.
const planFor = (bodyId: string) => {
  const p = smallPlan();
  const nextYear = new Date().getUTCFullYear() + 1;
  return { ...p, body: { ...p.body, id: bodyId }, year: nextYear, stages: { registration: { deadline: `${nextYear}-12-10` } } };
};

describe('api', () => {
  let native: NativeConnection;
  let client: Client;
  let h: Harness;
  useDevServer({ label: 'api', taskQueue: 'api-test', updateTimeoutMs: 3000 }, (s) => ({ h, client, native } = s));

  test('/openapi.json describes the api, and /api/docs shows every operation of it to people', async () => {
    const spec = await supertest(h.app).get('/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toBe('3.1.0');
    const paths = spec.body.paths as Record<string, Record<string, { summary: string }>>;
    for (const p of ['/api/cycles/{cycleId}/units/{unitId}/delegations', '/api/cycles/{cycleId}/clusters/{clusterId}/attendance', '/api/cycles/{cycleId}/nominations', '/api/cycles/{cycleId}/attachments', '/api/cycles/{cycleId}/delegations'])
      expect(Object.keys(paths)).toContain(p);
    // The delegation body is the zod schema itself: its required fields come through.
    const delegation = paths['/api/cycles/{cycleId}/units/{unitId}/delegations'].post as unknown as { requestBody: { content: { 'application/json': { schema: { required: string[] } } } } };
    expect(delegation.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['role', 'email', 'substitute', 'from', 'to']));
    const docs = await supertest(h.app).get('/api/docs?lang=en');
    expect(docs.status).toBe(200);
    expect(docs.type).toBe('text/html');
    const operations = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect((docs.text.match(/<section id=/g) ?? []).length).toBe(operations.length);
    for (const op of operations) expect(docs.text).toContain(`<code>${op}</code>`);
    expect(docs.text).toContain('<html lang="en">');
    expect((await supertest(h.app).get('/api/docs')).text).toContain('Giao diện lập trình');
  });

  test('a cycle needs the bearer token', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong-token-wrong-token' }, { Authorization: `Basic ${TEST_TOKEN}` }]) {
      const r = await supertest(h.app).post('/api/cycles').set(headers).send(planFor('auth-check'));
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
    }
    expect(await h.db.models.Cycle.countDocuments()).toBe(0);
  });

  test('a bad plan is refused with every problem by path, nothing stored', async () => {
    const plan = planFor('bad-plan');
    plan.units[0].contacts[0].email = 'not-an-email';
    plan.clusters[1].head = 'xa-phu-tan';
    const r = await supertest(h.app).post('/api/cycles').set(auth).send(plan);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_plan');
    expect(r.body.error.details.problems).toEqual(
      expect.arrayContaining([
        { path: 'units[0].contacts[0].email', message: 'Invalid email address' },
        { path: 'clusters[1].head', message: 'head "xa-phu-tan" is not a member of the cluster' },
      ]),
    );
    const yaml = await supertest(h.app).post('/api/cycles').set(auth).set('Content-Type', 'application/yaml').send('a: [unclosed');
    expect(yaml.status).toBe(400);
    expect(yaml.body.error.code).toBe('bad_yaml');
    const json = await supertest(h.app).post('/api/cycles').set(auth).set('Content-Type', 'application/json').send('{"apiVersion":');
    expect(json.status).toBe(400);
    expect(await h.db.models.Cycle.countDocuments()).toBe(0);
  });

  test('start from YAML, 409 on the same body and year, and every link fault', async () => {
    const plan = planFor('links-check');
    await h.runWorker(async () => {
      const created = await supertest(h.app).post('/api/cycles').set(auth).set('Content-Type', 'application/yaml').send(stringify(plan));
      expect(created.status).toBe(201);
      const { cycleId } = created.body.cycle;
      expect(cycleId).toBe(`thidua:links-check:${plan.year}`);
      const again = await supertest(h.app).post('/api/cycles').set(auth).send(plan);
      expect(again.status).toBe(409);
      expect(again.body.error.details.cycle).toMatchObject({ cycleId, units: 6 });

      const requests = await eventually(async () => {
        // The requests (each unit's launch notice, sent beside them, carries no step link).
        const m = (await mailbox(h)).filter((x) => /Đề nghị|Please register/.test(x.subject ?? ''));
        return m.length >= 6 ? m : undefined;
      }, 'six requests');
      const unitMail = requests.find((m) => m.envelopeTo.includes('xa-phu-vinh@units.test'))!;
      const link = linkIn(unitMail.text);
      const status = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}`).set(auth).expect(200);
      expect(status.body.steps).toHaveLength(6);

      // GET never changes state (mail scanners open links).
      await supertest(h.app).get(link).expect(200);
      await supertest(h.app).get(link).expect(200);
      expect(await h.db.models.LinkUse.countDocuments()).toBe(0);

      // A forged signature and a tampered body are refused: 403.
      expect((await supertest(h.app).get(flipSignature(link))).status).toBe(403);
      expect((await supertest(h.app).post(tamperClaims(link, { p: 'xa-phu-tan@units.test' })).type('form').send({ action: 'submit', round: '1', content: 'a', targets: 'b' })).status).toBe(403);

      const wid = unitWorkflowId(cycleId, 'xa-phu-vinh');
      const token = (claims: { r: 'unit' | 'reviewer'; p: string; x?: number }) => signedLink(h.config.LINK_SECRET, { w: wid, s: 'registration', ...claims });
      // Expired: 410 and nothing changed.
      const expired = token({ r: 'unit', p: 'xa-phu-vinh@units.test', x: Math.floor(Date.now() / 1000) - 1 });
      expect((await supertest(h.app).post(expired).type('form').send({ action: 'submit', round: '1', content: 'a', targets: 'b' })).status).toBe(410);
      // Another person's link (validly signed, but not a contact of this unit): refused by the workflow, 403.
      const stranger = await supertest(h.app).post(token({ r: 'unit', p: 'stranger@else.test' })).type('form').send({ action: 'submit', round: '1', content: 'a', targets: 'b' });
      expect(stranger.status).toBe(403);
      expect(stranger.text).toContain('is not a contact of this unit');
      // A unit's link cannot approve; a reviewer's link cannot submit.
      expect((await supertest(h.app).post(link).type('form').send({ action: 'approve', round: '1' })).status).toBe(403);
      expect((await supertest(h.app).post(token({ r: 'reviewer', p: 'an@mttq.test' })).type('form').send({ action: 'submit', round: '1', content: 'a', targets: 'b' })).status).toBe(403);
      // An incomplete form names the field.
      const incomplete = await supertest(h.app).post(link).type('form').send({ action: 'submit', round: '1', content: 'a' });
      expect(incomplete.status).toBe(400);
      expect(incomplete.text).toContain('targets');
      const handle = client.workflow.getHandle(wid);
      expect((await handle.query(unitStateQuery)).steps.registration!.status).toBe('open');

      // The real action, then its replay: 200 once, 410 after.
      const ok = await supertest(h.app).post(link).type('form').send({ action: 'submit', round: '1', content: 'Nội dung', targets: 'Chỉ tiêu' });
      expect(ok.status).toBe(200);
      const replay = await supertest(h.app).post(link).type('form').send({ action: 'submit', round: '1', content: 'Khác', targets: 'Khác' });
      expect(replay.status).toBe(410);
      const state = await handle.query(unitStateQuery);
      expect(state.steps.registration!).toMatchObject({ status: 'submitted', submission: { fields: { content: 'Nội dung' } } });
      expect(await h.db.models.Audit.countDocuments({ action: 'step.submit' })).toBe(1);

      const live = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/units/xa-phu-vinh`).set(auth).expect(200);
      expect(live.body.state.steps.registration!.status).toBe('submitted');
      await client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });

  test('a click that no worker accepts in time is kept and delivered later', async () => {
    const plan = planFor('inbox-check');
    let link = '';
    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      // The request of this cycle (the mailbox also holds other tests' mail, and the launch notice, sent beside the request): its business key says so.
      const ofThisCycle = (x: { headers?: unknown }) => /:inbox-check:.*:registration:request:/.test(String((x.headers as Record<string, string>)['x-thidua-key']));
      const m = await eventually(async () => (await mailbox(h, 'xa-phu-loi@units.test')).find(ofThisCycle), 'the request');
      link = linkIn(m.text);
    });
    // The worker is stopped now: the update cannot be accepted within UPDATE_TIMEOUT_MS.
    const queued = await supertest(h.app).post(link).type('form').send({ action: 'submit', round: '1', content: 'Khi hệ thống bận', targets: 'x' });
    expect(queued.status).toBe(202);
    expect(await h.db.models.ActionInbox.countDocuments({ status: 'queued' })).toBe(1);

    const h2 = await createHarness({ label: 'api-inbox', client, connection: native, taskQueue: 'api-test', updateTimeoutMs: 10000 });
    const wid = unitWorkflowId(`thidua:inbox-check:${plan.year}`, 'xa-phu-loi');
    try {
      await h2.runWorker(async () => {
        // Like the api's periodic retrier: a fresh worker first waits out the old one's sticky queue.
        expect(await eventually(() => deliverInbox(h.deps), 'the queued click to be delivered')).toBe(1);
        const state = await client.workflow.getHandle(wid).query(unitStateQuery);
        expect(state.steps.registration!.submission?.fields.content).toBe('Khi hệ thống bận');
      });
    } finally {
      await h2.close();
    }
    expect(await h.db.models.ActionInbox.findOne().lean()).toMatchObject({ status: 'delivered' });
    // The link is now used for that round.
    expect((await supertest(h.app).post(link).type('form').send({ action: 'submit', round: '1', content: 'again', targets: 'x' })).status).toBe(410);
    await client.workflow.getHandle(`thidua:inbox-check:${plan.year}:cycle`).terminate('test over');
  });

  test('/health names what is down and the api answers 503 instead of hanging', async () => {
    const up = await supertest(h.app).get('/health');
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: 'ok', down: [] });

    // Temporal unreachable (nothing listens on port 1): health says so, starting a cycle is a 503.
    const deadTemporal = createTemporalClient('127.0.0.1:1', 'default');
    const appNoTemporal = createApp({ ...h.deps, temporal: deadTemporal });
    const health = await supertest(appNoTemporal).get('/health');
    expect(health.status).toBe(503);
    expect(health.body.down).toEqual(['temporal']);
    const plan = planFor('retry-start');
    const refused = await supertest(appNoTemporal).post('/api/cycles').set(auth).send(plan);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');
    // The half-done start is completed by the next attempt, not reported as a duplicate.
    expect((await h.db.models.Cycle.findById(`thidua:retry-start:${plan.year}`).lean())?.status).toBe('starting');
    const retried = await supertest(h.app).post('/api/cycles').set(auth).send(plan);
    expect(retried.status).toBe(201);
    await client.workflow.getHandle(`thidua:retry-start:${plan.year}:cycle`).terminate('test over');

    // MongoDB gone: health names it, and routes answer 503 at once.
    const db = await connectDb(freshDbUri('api-down'));
    await db.close();
    const appNoMongo = createApp({ ...h.deps, db });
    const h503 = await supertest(appNoMongo).get('/health');
    expect(h503.status).toBe(503);
    expect(h503.body.down).toEqual(['mongodb']);
    expect((await supertest(appNoMongo).post('/api/cycles').set(auth).send(plan)).status).toBe(503);
    expect((await supertest(appNoMongo).get('/l/abc.def')).status).toBe(503);
  });

  test('the mailbox is for staff only', async () => {
    const anon = await supertest(h.app).get('/mailbox');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fmailbox');
    expect((await supertest(h.app).post('/login').type('form').send({ token: 'wrong' })).status).toBe(401);
    expect((await supertest(h.app).get('/api/mailbox')).status).toBe(401);
    const agent = supertest.agent(h.app);
    const login = await agent.post('/login').type('form').send({ token: TEST_TOKEN, next: '/mailbox' });
    expect(login.status).toBe(303);
    expect(login.headers['set-cookie'][0]).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await agent.get('/mailbox');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hộp thư');
    const api = await supertest(h.app).get('/api/mailbox').set(auth);
    expect(api.status).toBe(200);
    expect(Array.isArray(api.body.messages)).toBe(true);
  });

  test('a lost link is sent again, only to the address the plan holds, with the same token; the page never tells', async () => {
    const plan = planFor('lost-link');
    const m = appWithMailer(h);
    const app = m.app;
    await h.runWorker(async () => {
      expect((await supertest(h.app).post('/api/cycles').set(auth).send(plan)).status).toBe(201);
      const workflowOf = (link: string) => (JSON.parse(Buffer.from(link.slice('/l/'.length).split('.')[0], 'base64url').toString('utf8')) as { w: string }).w;
      // Other tests' cycles are open for the same person too: this cycle's request and step are the ones looked for.
      const workflowId = unitWorkflowId(`thidua:lost-link:${plan.year}`, 'xa-phu-vinh');
      const request = await eventually(async () => (await mailbox(h, 'xa-phu-vinh@units.test')).find((m) => /Đề nghị đăng ký/.test(m.subject ?? '') && workflowOf(linkIn(m.text)) === workflowId), 'the request');
      // The step is projected with its people before the page can find it.
      await eventually(async () => (await h.db.models.StepState.exists({ workflowId, 'people.contacts': 'xa-phu-vinh@units.test', status: 'open' })) ?? undefined, 'the open step');
      const form = await supertest(app).get('/links/lost');
      expect(form.status).toBe(200);
      expect(form.text).toContain('<label for="email">');
      const bad = await supertest(app).post('/links/lost').type('form').send({ email: 'not-an-email' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('email: địa chỉ email không hợp lệ');
      const crossSite = await supertest(app).post('/links/lost').set('Origin', 'https://evil.example').type('form').send({ email: 'xa-phu-vinh@units.test' });
      expect(crossSite.status).toBe(403);
      // An unknown address gets the same page as a known one, and no mail.
      const unknown = await supertest(app).post('/links/lost').type('form').send({ email: 'nobody@units.test' });
      const known = await supertest(app).post('/links/lost').type('form').send({ email: 'XA-PHU-VINH@units.test' });
      expect(unknown.status).toBe(200);
      expect(known.status).toBe(200);
      expect(known.text).toBe(unknown.text);
      const again = await eventually(async () => (await mailbox(h, 'xa-phu-vinh@units.test')).find((m) => /Liên kết của đồng chí \(\d+ việc đang chờ\)/.test(m.subject ?? '')), 'the lost-link mail');
      expect(again.text).toContain(`http://thidua.test${linkIn(request.text)}`);
      // Asked again within the hour: still one message.
      await supertest(app).post('/links/lost').type('form').send({ email: 'xa-phu-vinh@units.test' }).expect(200);
      await new Promise((r) => setTimeout(r, 500));
      expect((await mailbox(h, 'xa-phu-vinh@units.test')).filter((m) => /Liên kết của đồng chí/.test(m.subject ?? ''))).toHaveLength(1);
      expect(await mailbox(h, 'nobody@units.test')).toHaveLength(0);
      expect(await h.db.models.Audit.countDocuments({ action: 'link.lost', target: 'xa-phu-vinh@units.test' })).toBe(2);
    });
    m.close();
  });
});
