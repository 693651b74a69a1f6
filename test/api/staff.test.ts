/**
 * Staff accounts on the real app, database and SMTP server: password sign-in and sign-out, the rate
 * limit, roles and cluster scope, CSRF, the emailed one-time reset link, the audit, the password hash,
 * and `thidua staff add`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import supertest from 'supertest';
import { createAccount, verifyPassword } from '../../lib/staff';
import { required } from '../helpers/env';
import { appWithMailer, eventually, mailbox, TEST_TOKEN, useDevServer, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const root = path.resolve(__dirname, '../..');
const PASSWORD = 'mật-khẩu-đủ-dài-1';
const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('staff accounts', () => {
  let client: Client;
  let h: Harness;
  let app: Express;
  let closeMailer: () => void;
  let ipCounter = 0;
  /** Each test signs in from its own address, so one test's failures never throttle another's. */
  const freshIp = () => `10.0.0.${++ipCounter}`;

  const account = (email: string, roles: ('coordinator' | 'secretariat' | 'council' | 'viewer')[], clusters?: string[]) =>
    createAccount(h.db.models, { email, name: `Cán bộ ${email.split('@')[0]}`, roles, clusters, password: PASSWORD });

  /** A browser signed in with a password: the agent keeps the cookie; `csrf` is the session's token. */
  async function signIn(email: string, password = PASSWORD, ip = freshIp()) {
    const agent = supertest.agent(app);
    const r = await agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ email, password, next: '/dashboard' });
    expect(r.status).toBe(303);
    const session = await agent.get('/api/session').expect(200);
    return { agent, csrf: session.body.csrfToken as string, login: r };
  }

  useDevServer({ label: 'staff', taskQueue: 'staff-test', beforeClose: () => closeMailer?.() }, (s) => {
    ({ h, client } = s);
    const m = appWithMailer(h);
    app = m.app;
    closeMailer = m.close;
  });

  test('the password is stored as a salted Argon2id hash: never the password, different for the same password', async () => {
    const a = await account('hash-1@mttq.test', ['viewer']);
    const b = await account('hash-2@mttq.test', ['viewer']);
    expect(a.passwordHash).not.toContain(PASSWORD);
    expect(a.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(a.passwordHash).not.toBe(b.passwordHash);
    const stored = await h.db.models.StaffAccount.findById('hash-1@mttq.test').lean();
    expect(stored!.passwordHash).toBe(a.passwordHash);
    expect(await verifyPassword(PASSWORD, a.passwordHash)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}x`, a.passwordHash)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'scrypt$2$1$1$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword(PASSWORD, '$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA')).toBe(false);
    // An account made before Argon2id keeps its scrypt hash, and still signs in with it.
    const salt = randomBytes(16);
    const legacy = ['scrypt', 32768, 8, 1, salt.toString('base64url'), scryptSync(PASSWORD, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 128 * 1024 * 1024 }).toString('base64url')].join('$');
    expect(await verifyPassword(PASSWORD, legacy)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}x`, legacy)).toBe(false);
    // The email is the id, lowercase: a second account for the same address is refused.
    await expect(account('HASH-1@mttq.test', ['viewer'])).rejects.toThrow(/already exists/);
  });

  test('sign in with a password, a secure session cookie, sign out revokes the session', async () => {
    await account('dang-nhap@mttq.test', ['secretariat']);
    const page = await supertest(app).get('/login');
    expect(page.text).toContain('name="password"');
    expect(page.text).toContain('name="token"'); // the API-token sign-in stays
    expect((await supertest(app).get('/login?lang=en')).text).toContain('Staff sign-in');

    const { agent, csrf, login } = await signIn('Dang-Nhap@MTTQ.test');
    expect(login.headers.location).toBe('/dashboard');
    const cookie = login.headers['set-cookie'][0] as string;
    expect(cookie).toMatch(/^thidua_staff=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    // Only a hash of the cookie is stored.
    const value = /^thidua_staff=([^;]+)/.exec(cookie)![1];
    expect(await h.db.models.StaffSession.countDocuments({ _id: value })).toBe(0);
    expect(await h.db.models.StaffSession.countDocuments({ email: 'dang-nhap@mttq.test' })).toBe(1);

    const me = await agent.get('/api/session').expect(200);
    expect(me.body.principal).toEqual({ kind: 'account', email: 'dang-nhap@mttq.test', name: 'Cán bộ dang-nhap', roles: ['secretariat'] });
    const dashboard = await agent.get('/dashboard');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('dang-nhap@mttq.test');
    expect(dashboard.text).toContain(`name="_csrf" value="${csrf}"`);

    // Sign-out is a POST with the CSRF token.
    expect((await agent.post('/logout').type('form').send({})).status).toBe(403);
    const out = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(await h.db.models.StaffSession.countDocuments({ email: 'dang-nhap@mttq.test' })).toBe(0);
    // The old cookie is dead even if a browser kept it.
    const replay = await supertest(app).get('/api/session').set('Cookie', `thidua_staff=${value}`);
    expect(replay.status).toBe(401);
    expect((await supertest(app).get('/dashboard').set('Cookie', `thidua_staff=${value}`)).status).toBe(303);

    const audit = await h.db.models.Audit.find({ actor: 'dang-nhap@mttq.test' }).sort({ at: 1, _id: 1 }).lean();
    expect(audit.map((a) => a.action)).toEqual(['staff.login', 'staff.logout']);
  });

  test('a wrong password is 401; after 5 failures the right one is refused too (429), per email and per address', async () => {
    await account('khoa@mttq.test', ['coordinator']);
    const ip = freshIp();
    const attempt = (password: string, from = ip, email = 'khoa@mttq.test') =>
      supertest(app).post('/login').set('X-Forwarded-For', from).type('form').send({ email, password });
    for (let i = 0; i < 5; i++) {
      const r = await attempt('sai-mat-khau-123');
      expect(r.status).toBe(401);
      expect(r.text).toContain('Email hoặc mật khẩu không đúng.');
    }
    const locked = await attempt(PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('900');
    expect(locked.text).toContain('Quá nhiều lần đăng nhập sai');
    const en = await supertest(app).post('/login?lang=en').set('X-Forwarded-For', ip).type('form').send({ email: 'khoa@mttq.test', password: PASSWORD });
    expect(en.status).toBe(429);
    expect(en.text).toContain('Too many failed sign-ins');
    // From another address too: the limit is on the email, and it is stored in MongoDB (survives a restart).
    expect((await attempt(PASSWORD, freshIp())).status).toBe(429);
    const stored = await h.db.models.StaffAccount.findById('khoa@mttq.test').lean();
    expect(stored!.failedLogins).toBe(5);
    expect(stored!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await h.db.models.Audit.countDocuments({ actor: 'khoa@mttq.test', action: 'staff.login-failed' })).toBe(5);
    expect(await h.db.models.Audit.countDocuments({ actor: 'khoa@mttq.test', action: 'staff.login-throttled' })).toBe(3);

    // Per address: 20 failures on any emails (even unknown ones) from one address block it.
    const crowd = freshIp();
    for (let i = 0; i < 20; i++) expect((await attempt('sai-mat-khau-123', crowd, `ai-do-${i}@nowhere.test`)).status).toBe(401);
    await account('ke-ben@mttq.test', ['viewer']);
    expect((await attempt(PASSWORD, crowd, 'ke-ben@mttq.test')).status).toBe(429);
    expect((await attempt(PASSWORD, freshIp(), 'ke-ben@mttq.test')).status).toBe(303);
  });

  test('roles: a viewer reads the dashboard but cannot start a cycle; a coordinator can; the API token can do everything', async () => {
    await account('xem@mttq.test', ['viewer']);
    await account('dieu-phoi@mttq.test', ['coordinator']);
    await account('hoi-dong@mttq.test', ['council']);
    const viewer = await signIn('xem@mttq.test');
    const coordinator = await signIn('dieu-phoi@mttq.test');
    const council = await signIn('hoi-dong@mttq.test');

    // Reading: every role.
    for (const s of [viewer, coordinator, council]) {
      expect((await s.agent.get('/api/dashboard')).status).toBe(200);
      expect((await s.agent.get('/dashboard')).status).toBe(200);
      expect((await s.agent.get('/api/mailbox')).status).toBe(200);
      expect((await s.agent.get('/mailbox')).status).toBe(200);
    }
    expect((await supertest(app).get('/api/dashboard')).status).toBe(401);

    // Starting a cycle: the coordinator only.
    const year = new Date().getUTCFullYear() + 1;
    const plan = { ...smallPlan(), year, body: { ...smallPlan().body, id: 'staff-roles' }, stages: { registration: { deadline: `${year}-12-10` } } };
    for (const s of [viewer, council]) {
      const r = await s.agent.post('/api/cycles').set('X-CSRF-Token', s.csrf).send(plan);
      expect(r.status).toBe(403);
      expect(r.body.error).toEqual({ code: 'forbidden', message: 'this needs the role coordinator' });
    }
    expect((await supertest(app).post('/api/cycles').send(plan)).body.error.code).toBe('unauthorized');
    expect(await h.db.models.Cycle.countDocuments()).toBe(0);

    // The coordinator starts a real cycle: the audit names the account, not the API token.
    const created = await coordinator.agent.post('/api/cycles').set('X-CSRF-Token', coordinator.csrf).send(plan);
    expect(created.status).toBe(201);
    const { cycleId } = created.body.cycle;
    try {
      const audit = await h.db.models.Audit.findOne({ action: 'cycle.start', target: cycleId }).lean();
      expect(audit!.actor).toBe('dieu-phoi@mttq.test');
      // The coordinator changes on the cycle also answer a viewer with 403 (before any service runs).
      for (const [p, body] of [
        [`/api/cycles/${cycleId}/cancel`, { reason: 'x' }],
        [`/api/cycles/${cycleId}/stages/registration/deadline`, { deadline: '2099-01-01', reason: 'x' }],
        [`/api/cycles/${cycleId}/units/xa-phu-tan/people`, {}],
        [`/api/cycles/${cycleId}/units/xa-phu-tan/steps/registration/submission`, {}],
        [`/api/cycles/${cycleId}/clusters/cum-1/meeting`, { date: '2099-01-01' }],
      ] as const) {
        const r = await viewer.agent.post(p).set('X-CSRF-Token', viewer.csrf).send(body);
        expect([p, r.status, r.body.error?.code]).toEqual([p, 403, 'forbidden']);
      }
      expect((await viewer.agent.get(`/api/cycles/${cycleId}`)).status).toBe(200);
      // The API token still has every right.
      expect((await supertest(app).get(`/api/cycles/${cycleId}`).set(auth)).status).toBe(200);
      expect((await supertest(app).get('/api/dashboard').set(auth)).status).toBe(200);
      expect((await supertest(app).post('/api/cycles').set(auth).send(plan)).status).toBe(409);
    } finally {
      await client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over').catch(() => undefined);
    }
  });

  test('a cluster scope: the meeting move outside it is 403, inside it reaches the service', async () => {
    await account('cum-1@mttq.test', ['coordinator'], ['cum-1']);
    const s = await signIn('cum-1@mttq.test');
    const cycleId = 'thidua:no-such-body:2099';
    const outside = await s.agent.post(`/api/cycles/${cycleId}/clusters/cum-2/meeting`).set('X-CSRF-Token', s.csrf).send({ date: '2099-12-05' });
    expect(outside.status).toBe(403);
    expect(outside.body.error.code).toBe('out_of_scope');
    const inside = await s.agent.post(`/api/cycles/${cycleId}/clusters/cum-1/meeting`).set('X-CSRF-Token', s.csrf).send({ date: '2099-12-05' });
    expect(inside.status).toBe(404); // past auth and scope: the service says there is no such cycle
    expect(inside.body.error.code).toBe('not_found');
    // Cluster documents too; and a cycle-wide action is not for a scoped account.
    expect((await s.agent.get(`/api/cycles/${cycleId}/clusters/cum-2/documents`)).status).toBe(403);
    expect((await s.agent.post(`/api/cycles/${cycleId}/cancel`).set('X-CSRF-Token', s.csrf).send({ reason: 'x' })).body.error.code).toBe('out_of_scope');
    const deadline = await s.agent.post(`/api/cycles/${cycleId}/stages/registration/deadline`).set('X-CSRF-Token', s.csrf).send({ deadline: '2099-12-01', clusterId: 'cum-2', reason: 'x' });
    expect(deadline.body.error.code).toBe('out_of_scope');
    // The API token is never scoped.
    expect((await supertest(app).post(`/api/cycles/${cycleId}/clusters/cum-2/meeting`).set(auth).send({ date: '2099-12-05' })).status).toBe(404);
  });

  test('CSRF: a cookie-authenticated change without the token is 403; with it, it passes; a bearer needs none', async () => {
    await account('csrf@mttq.test', ['coordinator']);
    const { agent, csrf } = await signIn('csrf@mttq.test');
    const without = await agent.post('/api/cycles').send({ not: 'a plan' });
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('csrf');
    const wrong = await agent.post('/api/cycles').set('X-CSRF-Token', 'x'.repeat(43)).send({ not: 'a plan' });
    expect(wrong.body.error.code).toBe('csrf');
    const withToken = await agent.post('/api/cycles').set('X-CSRF-Token', csrf).send({ not: 'a plan' });
    expect(withToken.status).toBe(400); // past authentication: the plan itself is refused
    expect(withToken.body.error.code).toBe('invalid_plan');
    // The form field works as well (on the sign-out form).
    expect((await agent.post('/logout').type('form').send({ _csrf: 'nope' })).status).toBe(403);
    expect((await agent.post('/logout').type('form').send({ _csrf: csrf })).status).toBe(303);
    // The API token: no CSRF token needed; a session opened with the API token needs one like any cookie.
    expect((await supertest(app).post('/api/cycles').set(auth).send({ not: 'a plan' })).status).toBe(400);
    const tokenAgent = supertest.agent(app);
    await tokenAgent.post('/login').type('form').send({ token: TEST_TOKEN }).expect(303);
    expect((await tokenAgent.post('/api/cycles').send({ not: 'a plan' })).body.error.code).toBe('csrf');
    const tokenCsrf = (await tokenAgent.get('/api/session').expect(200)).body.csrfToken as string;
    expect((await tokenAgent.post('/api/cycles').set('X-CSRF-Token', tokenCsrf).send({ not: 'a plan' })).status).toBe(400);
    // A sign-in form posted from another site is refused.
    expect((await supertest(app).post('/login').set('Origin', 'https://evil.test').type('form').send({ email: 'csrf@mttq.test', password: PASSWORD })).status).toBe(403);
  });

  test('password reset: the same answer for anyone, a link by email that GET never uses and POST uses once', async () => {
    await account('quen@mttq.test', ['viewer']);
    await createAccount(h.db.models, { email: 'tat@mttq.test', name: 'Đã khóa', roles: ['viewer'], password: PASSWORD });
    await h.db.models.StaffAccount.updateOne({ _id: 'tat@mttq.test' }, { $set: { disabledAt: new Date() } });
    const before = await signIn('quen@mttq.test');

    expect((await supertest(app).get('/password/forgot')).text).toContain('name="email"');
    const answers = [];
    for (const email of ['khong-co@nowhere.test', 'tat@mttq.test', 'quen@mttq.test']) {
      const r = await supertest(app).post('/password/forgot').type('form').send({ email });
      expect(r.status).toBe(200);
      answers.push(r.text);
    }
    expect(new Set(answers).size).toBe(1);

    const mail = await eventually(async () => (await mailbox(h, 'quen@mttq.test'))[0], 'the reset mail');
    expect(mail.subject).toBe('[Thi đua – Khen thưởng] Đặt lại mật khẩu tài khoản cán bộ');
    const link = /http:\/\/thidua\.test(\/password\/reset\/[A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1];
    // Only to the enabled account, nothing else sent or stored.
    expect(await h.db.models.PasswordReset.countDocuments()).toBe(1);
    expect(await h.db.models.Outbox.countDocuments({ kind: 'staff.password-reset' })).toBe(1);
    expect((await mailbox(h, 'tat@mttq.test')).length).toBe(0);
    expect((await mailbox(h, 'khong-co@nowhere.test')).length).toBe(0);
    // Only the token's hash is stored.
    expect(await h.db.models.PasswordReset.countDocuments({ _id: link.split('/').pop() })).toBe(0);

    // Another staff member does not see it in the mailbox; the API token does.
    await account('ban@mttq.test', ['secretariat']);
    const colleague = await signIn('ban@mttq.test');
    expect((await colleague.agent.get('/api/mailbox?to=quen@mttq.test')).body.messages).toHaveLength(0);
    expect((await colleague.agent.get(`/mailbox/${String(mail._id)}`)).status).toBe(404);
    expect((await supertest(app).get('/api/mailbox?to=quen@mttq.test').set(auth)).body.messages).toHaveLength(1);

    // GET shows the form and changes nothing (mail scanners open links).
    const hashBefore = (await h.db.models.StaffAccount.findById('quen@mttq.test').lean())!.passwordHash;
    for (let i = 0; i < 2; i++) {
      const r = await supertest(app).get(link);
      expect(r.status).toBe(200);
      expect(r.text).toContain('name="password"');
    }
    expect((await h.db.models.PasswordReset.findOne().lean())!.usedAt).toBeUndefined();
    expect((await h.db.models.StaffAccount.findById('quen@mttq.test').lean())!.passwordHash).toBe(hashBefore);

    // Mismatch or too short: refused, the link still works.
    expect((await supertest(app).post(link).type('form').send({ password: 'mat-khau-moi-12345', confirm: 'khac-han-12345' })).status).toBe(400);
    expect((await supertest(app).post(link).type('form').send({ password: 'ngan', confirm: 'ngan' })).status).toBe(400);
    const NEW = 'mat-khau-moi-12345';
    const done = await supertest(app).post(link).type('form').send({ password: NEW, confirm: NEW });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login?reset=1');
    // Once only.
    expect((await supertest(app).post(link).type('form').send({ password: 'lan-thu-hai-12345', confirm: 'lan-thu-hai-12345' })).status).toBe(410);
    expect((await supertest(app).get(link)).status).toBe(410);

    // The new password works, the old one not; the session opened before the reset is revoked.
    const ip = freshIp();
    expect((await supertest(app).post('/login').set('X-Forwarded-For', ip).type('form').send({ email: 'quen@mttq.test', password: PASSWORD })).status).toBe(401);
    await signIn('quen@mttq.test', NEW);
    expect((await before.agent.get('/api/session')).status).toBe(401);
    expect(await h.db.models.Audit.countDocuments({ actor: 'quen@mttq.test', action: 'staff.password-reset' })).toBe(1);
    expect(await h.db.models.Audit.countDocuments({ actor: 'quen@mttq.test', action: 'staff.password-reset-requested' })).toBe(1);
    // A disabled account cannot sign in, whatever its password.
    expect((await supertest(app).post('/login').set('X-Forwarded-For', freshIp()).type('form').send({ email: 'tat@mttq.test', password: PASSWORD })).status).toBe(401);
  });

  test('the audit log cannot be edited through the app', async () => {
    await h.db.models.Audit.create({ at: new Date(), actor: 'test', action: 'probe', target: 'x' });
    await expect(h.db.models.Audit.updateOne({ action: 'probe' }, { $set: { actor: 'someone-else' } })).rejects.toThrow(/append-only/);
    await expect(h.db.models.Audit.deleteMany({})).rejects.toThrow(/append-only/);
    expect(await h.db.models.Audit.countDocuments({ action: 'probe', actor: 'test' })).toBe(1);
  });

  test('thidua staff add: a bad role or email exits 1 naming the option; a good one creates the account', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-staff-cli-'));
    const uri = `${required('THIDUA_TEST_MONGO_URI')}${h.db.conn.name}`;
    const thidua = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['cli/index.ts', 'staff', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DATA_DIR: dataDir, MONGODB_URI: uri, ...env },
      });
    const badRole = thidua(['add', '--email', 'cli@mttq.test', '--name', 'CLI', '--role', 'boss']);
    expect(badRole.status).toBe(1);
    expect(badRole.stderr).toContain('--role: "boss" is not a role (coordinator, secretariat, council, viewer)');
    const badEmail = thidua(['add', '--email', 'not-an-email', '--name', 'CLI', '--role', 'viewer']);
    expect(badEmail.status).toBe(1);
    expect(badEmail.stderr).toContain('--email');

    const ok = thidua(['add', '--email', 'CLI@mttq.test', '--name', 'Nguyễn Văn A', '--role', 'coordinator', '--role', 'viewer', '--cluster', 'cum-1'], { THIDUA_STAFF_PASSWORD: PASSWORD });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('created cli@mttq.test (Nguyễn Văn A): coordinator, viewer; clusters cum-1');
    expect(ok.stdout).not.toContain(PASSWORD);
    const generated = thidua(['add', '--email', 'cli-2@mttq.test', '--name', 'B', '--role', 'viewer']);
    expect(generated.status).toBe(0);
    expect(generated.stdout).toMatch(/password \(shown once.*\): [A-Za-z0-9_-]{20}\n/);
    expect(thidua(['add', '--email', 'cli@mttq.test', '--name', 'again', '--role', 'viewer']).status).toBe(1);

    const list = thidua(['list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('cli@mttq.test\tNguyễn Văn A\tcoordinator,viewer\tclusters cum-1\tactive');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('an account made by the CLI signs in', async () => {
    const r = await supertest(app).post('/login').set('X-Forwarded-For', freshIp()).type('form').send({ email: 'cli@mttq.test', password: PASSWORD });
    expect(r.status).toBe(303);
  });
});
