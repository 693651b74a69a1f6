/**
 * Staff act on a running cycle for the people in it: a unit's contact or reviewer is replaced (the old
 * links stop working, the new person gets their own), and a submission received on paper is recorded
 * for a unit (marked as such in the step and the audit).
 */
import supertest from 'supertest';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('people and paper (time-skipping)', () => {
  const ts = useTimeSkipping('people');

  test('replace a contact and a reviewer; record a paper submission', async () => {
    const { env, h, year } = await ts.begin();
    const plan = smallPlan({ year, stages: { registration: { deadline: `${year}-12-10` } } });
    const cycleId = `thidua:mttq-dinh-quan:${year}`;
    const api = (path: string) => supertest(h.app).post(`/api/cycles/${cycleId}${path}`).set(auth);
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      const oldReq = await eventually(async () => (await mailsTo('xa-phu-vinh@units.test', /Đề nghị đăng ký/))[0], 'request');

      // The new chair of Phú Vinh replaces the old one.
      const newChair = { name: 'Đinh Văn Khoa', email: 'khoa@units.test' };
      const bad = await api('/units/xa-phu-vinh/people').send({ role: 'contact', email: 'xa-phu-vinh@units.test', person: { name: '', email: 'x' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.problems.map((p: { path: string }) => p.path).sort()).toEqual(['person.email', 'person.name']);
      expect((await api('/units/xa-phu-vinh/people').send({ role: 'contact', email: 'nobody@units.test', person: newChair })).status).toBe(409);
      const replaced = await api('/units/xa-phu-vinh/people').send({ role: 'contact', email: 'xa-phu-vinh@units.test', person: newChair });
      expect(replaced.status).toBe(200);
      expect(replaced.body.people).toEqual({ contacts: ['khoa@units.test'], reviewer: 'an@mttq.test' });

      // The old link is revoked (GET 410; POST refused by the workflow, 410); the new chair has a link of their own.
      expect((await supertest(h.app).get(linkIn(oldReq.text))).status).toBe(410);
      const oldPost = await supertest(h.app).post(linkIn(oldReq.text)).type('form').send({ action: 'submit', round: '1', content: 'a', targets: 'b' });
      expect(oldPost.status).toBe(410);
      const newReq = await eventually(async () => (await mailsTo('khoa@units.test', /Đề nghị đăng ký/))[0], 'request to the new chair');
      expect(linkIn(newReq.text)).not.toBe(linkIn(oldReq.text));
      await actThroughLink(h, linkIn(newReq.text), { action: 'submit', content: 'Nội dung', targets: 'Chỉ tiêu' }).then((r) => expect(r.status).toBe(200));
      const oldReview = await eventually(async () => (await mailsTo('an@mttq.test', /\[Thẩm định\].*Phú Vinh/))[0], 'review request');

      // The reviewer changes while the submission waits: the new reviewer is asked, the old link is revoked.
      await api('/units/xa-phu-vinh/people').send({ role: 'reviewer', email: 'an@mttq.test', person: { name: 'Lý Thị Chi', email: 'chi@mttq.test' } }).expect(200);
      expect((await supertest(h.app).get(linkIn(oldReview.text))).status).toBe(410);
      const newReview = await eventually(async () => (await mailsTo('chi@mttq.test', /\[Thẩm định\].*Phú Vinh/))[0], 'review request to the new reviewer');
      await actThroughLink(h, linkIn(newReview.text), { action: 'approve' }).then((r) => expect(r.status).toBe(200));
      const vinh = await env.client.workflow.getHandle(unitWorkflowId(cycleId, 'xa-phu-vinh')).query(unitStateQuery);
      expect(vinh.steps.registration!).toMatchObject({ status: 'approved', review: { by: 'chi@mttq.test' } });

      // Phú Lợi's registration arrived on paper: staff record it; it is marked, audited, and reviewed as usual.
      const missing = await api('/units/xa-phu-loi/steps/registration/submission').send({ round: 1, fields: { content: 'Theo văn bản số 12' } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.details.problems).toEqual([{ path: 'fields.targets', message: expect.stringContaining('') }]);
      expect((await api('/units/xa-phu-loi/steps/nope/submission').send({})).status).toBe(404);
      const paper = await api('/units/xa-phu-loi/steps/registration/submission').send({
        round: 1,
        note: 'Nhận bản giấy ngày 02/12',
        fields: { content: 'Theo văn bản số 12', targets: '100% khu dân cư' },
      });
      expect(paper.status).toBe(200);
      expect(paper.body).toMatchObject({ status: 'submitted', round: 1 });
      const loi = await env.client.workflow.getHandle(unitWorkflowId(cycleId, 'xa-phu-loi')).query(unitStateQuery);
      expect(loi.steps.registration!.submission).toMatchObject({ by: 'staff:api-token', onBehalf: true });
      expect(loi.steps.registration!.history.at(-1)).toMatchObject({ event: 'submitted', onBehalf: true, comment: 'Nhận bản giấy ngày 02/12' });
      expect(await h.db.models.Audit.countDocuments({ action: 'step.submit.on-behalf' })).toBe(1);
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Thẩm định\].*Phú Lợi/)).length === 1, 'review request for the paper submission');
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
