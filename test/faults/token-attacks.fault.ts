/**
 * Token attacks on the emailed links (`/l/<token>`), all in one place, on the real stack (its own Temporal
 * dev server, MongoDB-compatible server, SMTP server and worker process): a forged signature, a token
 * signed with another secret, edited claims (another person, another unit, another role, a later expiry),
 * malformed tokens, an expired one, a replayed one, another person's, another action, one superseded
 * when its holder was replaced. Each is refused (403 for what is not ours or not allowed, 410 for what
 * has expired, was used or was revoked), and after each nothing changed: the unit workflow's state, the
 * read model, the outbox, the link uses, the inbox of queued clicks and the audit are as before.
 */
import { createHmac } from 'node:crypto';
import supertest from 'supertest';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { claimsOf, flipSignature, nowSeconds, respellSignature, signedLink, tamperClaims } from '../helpers/link-attacks';
import { API_TOKEN, emailOf, faultStack, launch, LINK_SECRET, linkIn, poll, REVIEWER, say, sleep, terminateCycle, UNITS } from './stack';

const L = 'tokens';
const form = { action: 'submit', round: '1', content: 'Nội dung giả mạo', targets: 'Chỉ tiêu giả mạo' };

describe('fault: token attacks on the emailed links', () => {
  let cycleId: string | undefined;
  const stack = faultStack(L, {
    beforeStop: async ({ api }) => {
      if (api && cycleId) await terminateCycle(api, cycleId);
    },
  });

  test('every attack is refused and changes nothing', async () => {
    const { api } = await stack.startApi('tokens');
    await stack.startWorker();
    // Opens at once; no reminder or deadline falls inside the test, so nothing changes but what we do.
    ({ cycleId } = await launch(api, 'fault-tokens', { opens: 1, reminders: [3000, 3100], due: 3200, grace: 3300, escalation: 3400 }));
    const a = api;
    const cid = cycleId;
    const app = a.app;
    const { models } = a.db;

    const requestOf = (unitId: string, email = emailOf(unitId)) =>
      poll(async () => (await models.Mailbox.findOne({ 'headers.x-thidua-key': `${unitWorkflowId(cid, unitId)}:registration:request:1:${email}` }).lean()) ?? undefined, `the request to ${email}`, 60_000);
    const rows = () => poll(async () => ((await models.StepState.countDocuments({ cycleId: cid, status: 'open' })) === UNITS.length ? true : undefined), 'every step open', 60_000);
    await rows();
    const vinh = linkIn((await requestOf('xa-phu-vinh')).text);
    const tan = linkIn((await requestOf('xa-phu-tan')).text);
    const loi = linkIn((await requestOf('xa-phu-loi')).text);
    const vinhWf = unitWorkflowId(cid, 'xa-phu-vinh');

    /** Everything an accepted attack would have changed. */
    const snapshot = async () => {
      const states: Record<string, unknown> = {};
      for (const u of UNITS) {
        const q = await a.client.workflow.getHandle(unitWorkflowId(cid, u)).query(unitStateQuery);
        const s = q.steps.registration!;
        states[u] = { status: s.status, round: s.round, events: s.history.length, submission: s.submission ?? null, people: q.people };
      }
      const readModel = (await models.StepState.find({ cycleId: cid }).sort({ _id: 1 }).lean()).map((r) => ({ id: r._id, status: r.status, round: r.round, version: r.version }));
      const outbox = (await models.Outbox.find({}).sort({ _id: 1 }).lean()).map((r) => r._id);
      return {
        states,
        readModel,
        outbox,
        linkUses: await models.LinkUse.countDocuments(),
        inbox: await models.ActionInbox.countDocuments(),
        audit: await models.Audit.countDocuments(),
      };
    };
    // The outbox is written by activities after a workflow change: wait until it is quiet.
    const settled = async () => {
      let last = '';
      return poll(
        async () => {
          const s = await snapshot();
          const now = JSON.stringify(s);
          const same = now === last;
          last = now;
          return same ? s : undefined;
        },
        'the stack to be quiet',
        30_000,
        1000,
      );
    };

    let before = await settled();
    const results: { attack: string; status: number; expected: number }[] = [];
    const attack = async (name: string, expected: number, send: () => supertest.Test) => {
      const res = await send();
      results.push({ attack: name, status: res.status, expected });
      say(L, `${name}: HTTP ${res.status} (expected ${expected})`);
      expect([name, await snapshot()]).toEqual([name, before]);
    };
    const post = (p: string, body: Record<string, string> = form) => () => supertest(app).post(p).type('form').send(body);
    const get = (p: string) => () => supertest(app).get(p);

    // Forged and altered: 403.
    await attack('forged signature (GET)', 403, get(flipSignature(vinh)));
    await attack('forged signature (POST)', 403, post(flipSignature(vinh)));
    await attack('the real signature spelled differently', 403, post(respellSignature(vinh)));
    await attack('signed with another secret', 403, post(signedLink('not-the-secret-0123456789abcdef0123456789', { ...claimsOf(vinh) })));
    await attack('claims edited: another person', 403, post(tamperClaims(vinh, { p: emailOf('xa-phu-tan') })));
    await attack('claims edited: another unit', 403, post(tamperClaims(vinh, { w: unitWorkflowId(cid, 'xa-la-nga') })));
    await attack('claims edited: the reviewer role', 403, post(tamperClaims(vinh, { r: 'reviewer', p: REVIEWER }), { action: 'approve', round: '1' }));
    await attack('claims edited: a later expiry', 403, post(tamperClaims(vinh, { x: nowSeconds() + 10 * 365 * 86400 })));
    await attack('malformed: no signature', 403, post(`/l/${vinh.slice(3).split('.')[0]}`));
    await attack('malformed: empty signature', 403, post(`/l/${vinh.slice(3).split('.')[0]}.`));
    await attack('malformed: three parts', 403, post(`${vinh}.x`));
    await attack('malformed: garbage', 403, post('/l/%00%20.%2e%2e'));
    await attack('malformed: not even a URL (bad %-escape)', 400, post('/l/%ff%fe.%c0'));
    await attack('malformed: a very long token', 403, post(`/l/${'A'.repeat(6000)}.${'B'.repeat(43)}`));
    await attack('signed claims of the wrong shape', 403, post(`/l/${signedBody({ v: 1, w: vinhWf })}`));

    // Expired: 410 (a real token of the unit's contact, past its expiry).
    await attack('expired (GET)', 410, get(signedLink(LINK_SECRET, { ...claimsOf(vinh), x: nowSeconds() - 1 })));
    await attack('expired (POST)', 410, post(signedLink(LINK_SECRET, { ...claimsOf(vinh), x: nowSeconds() - 1 })));

    // Another action than the link allows: 403.
    await attack("another action: a unit's link approving", 403, post(vinh, { action: 'approve', round: '1' }));
    await attack("another action: a unit's link returning", 403, post(vinh, { action: 'return', round: '1', comment: 'x' }));
    await attack("another action: a reviewer's link submitting", 403, post(signedLink(LINK_SECRET, { w: vinhWf, s: 'registration', r: 'reviewer', p: REVIEWER }), form));

    // Another person's token, validly signed (e.g. issued to someone who is not this unit's contact): 403.
    await attack("another person's token", 403, post(signedLink(LINK_SECRET, { w: vinhWf, s: 'registration', r: 'unit', p: 'stranger@else.test' })));
    await attack("another unit's contact on this unit", 403, post(signedLink(LINK_SECRET, { w: vinhWf, s: 'registration', r: 'unit', p: emailOf('xa-phu-tan') })));

    // Replayed: the real click works once; the same click again, a double click with other content, 410.
    const real = await supertest(app).post(vinh).type('form').send({ action: 'submit', round: '1', content: 'Đăng ký thật', targets: 'Chỉ tiêu thật' });
    expect(real.status).toBe(200);
    before = await settled();
    expect((before.states['xa-phu-vinh'] as { status: string }).status).toBe('submitted');
    await attack('replayed', 410, post(vinh, { action: 'submit', round: '1', content: 'Đăng ký thật', targets: 'Chỉ tiêu thật' }));
    await attack('replayed with other content', 410, post(vinh));
    // A replayed click for the next round is not a second submission: the step waits for its review.
    await attack('replayed for another round', 409, post(vinh, { ...form, round: '2' }));

    // Superseded: Phú Lợi's contact is replaced; the old link is revoked (410), the new one works.
    const replaced = await supertest(app)
      .post(`/api/cycles/${encodeURIComponent(cid)}/units/xa-phu-loi/people`)
      .set('Authorization', `Bearer ${API_TOKEN}`)
      .send({ role: 'contact', email: emailOf('xa-phu-loi'), person: { name: 'Đinh Văn Khoa', email: 'khoa@units.test' } });
    expect(replaced.status).toBe(200);
    const newLoi = linkIn((await poll(async () => (await models.Mailbox.findOne({ envelopeTo: 'khoa@units.test' }).lean()) ?? undefined, 'the new contact told', 60_000)).text);
    before = await settled();
    await attack('superseded (GET)', 410, get(loi));
    await attack('superseded (POST)', 410, post(loi));
    await attack("superseded token, claims edited to the new holder", 403, post(tamperClaims(loi, { p: 'khoa@units.test' })));

    // Phú Tân's real link is untouched by all this and still works; so does the new holder's.
    expect((await supertest(app).get(tan)).status).toBe(200);
    expect((await supertest(app).get(newLoi)).status).toBe(200);

    await sleep(2000);
    expect(await settled()).toEqual(before);
    for (const r of results) expect(r).toEqual({ ...r, status: r.expected });
    expect(await models.Audit.countDocuments({ action: 'step.submit' })).toBe(1);
  });
});

/** Correctly signed, but not claims of a link: the signature holds, the shape does not. */
function signedBody(claims: Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${createHmac('sha256', LINK_SECRET).update(body).digest('base64url')}`;
}
