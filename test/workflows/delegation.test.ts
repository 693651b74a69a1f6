/**
 * Delegation on the time-skipping test server: a coordinator names an acting substitute for a unit's
 * reviewer (from today) and for a contact (from a later day); meanwhile mail and links go to the
 * substitute, who acts on the person's behalf (the step's history and the audit say so); when the
 * period ends, mail goes to the person again and the substitute's link stops working.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe('delegation (time-skipping)', () => {
  const ts = useTimeSkipping('delegation');

  test('a substitute acts for the reviewer and for a contact during their periods, and only then', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = smallPlanFor(year, 'mttq-uy-quyen', {
      // Reminders 3 and 1 working days before the deadline; an escalation the working day after it.
      stages: { registration: { opensOn: `${year}-02-01`, deadline: `${year}-02-26`, reminders: [3, 1], escalations: [0] } },
    });
    const cycleId = `thidua:mttq-uy-quyen:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const delegate = (unit: string, body: object) => supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/units/${unit}/delegations`).set(auth).send(body);
    const mailsTo = (to: string, re: RegExp) => mailbox(h, to, re);
    const first = async (to: string, re: RegExp, what: string) =>
      (
        await eventually(async () => {
          const m = await mailsTo(to, re);
          return m.length > 0 && m;
        }, what)
      )[0];
    const substituteReviewer = { name: 'Phạm Văn Thay', email: 'thay@mttq.test' };
    const substituteContact = { name: 'Phó Chủ tịch MTTQ xã Phú Vinh', email: 'pho-vinh@units.test' };

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-02-01T03:00:00Z`);
      const tanRequest = await first('xa-phu-tan@units.test', /Đề nghị đăng ký thi đua/, "Phú Tân's request");
      const vinhRequest = await first('xa-phu-vinh@units.test', /Đề nghị đăng ký thi đua/, "Phú Vinh's request");

      // Bad requests name the field; a period for someone who does not hold the role is refused.
      const bad = await delegate('xa-phu-tan', { role: 'reviewer', email: 'an@mttq.test', substitute: substituteReviewer, from: `${year}-02-10`, to: `${year}-02-01` });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.problems).toEqual([{ path: 'to', message: 'must not be before from' }]);
      const notReviewer = await delegate('xa-phu-tan', { role: 'reviewer', email: 'binh@mttq.test', substitute: substituteReviewer, from: `${year}-02-01`, to: `${year}-02-12` });
      expect([notReviewer.status, notReviewer.body.error.message]).toEqual([409, "binh@mttq.test is not this unit's reviewer"]);

      // The reviewer of Phú Tân is away from today to 12 February; a contact of Phú Vinh from 8 to 24 February.
      const r1 = await delegate('xa-phu-tan', { role: 'reviewer', email: 'an@mttq.test', substitute: substituteReviewer, from: `${year}-02-01`, to: `${year}-02-12`, reason: 'Đi công tác' });
      expect(r1.status).toBe(200);
      expect(r1.body.delegation).toMatchObject({ fromAt: `${year}-01-31T17:00:00.000Z`, untilAt: `${year}-02-12T17:00:00.000Z` });
      const overlap = await delegate('xa-phu-tan', { role: 'reviewer', email: 'an@mttq.test', substitute: { name: 'Khác', email: 'khac@mttq.test' }, from: `${year}-02-10`, to: `${year}-02-20` });
      expect(overlap.status).toBe(409);
      expect(overlap.body.error.message).toContain('already has a substitute (thay@mttq.test)');
      expect((await delegate('xa-phu-vinh', { role: 'contact', email: 'xa-phu-vinh@units.test', substitute: substituteContact, from: `${year}-02-08`, to: `${year}-02-24` })).status).toBe(200);

      // Phú Tân sends: the review request goes to the substitute, not to the reviewer.
      expect((await actThroughLink(h, linkIn(tanRequest.text), { action: 'submit', content: 'Nội dung', targets: 'Chỉ tiêu' })).status).toBe(200);
      const review = await first('thay@mttq.test', /\[Thẩm định\].*Phú Tân/, "the substitute's review request");
      expect(await mailsTo('an@mttq.test', /\[Thẩm định\].*Phú Tân/)).toHaveLength(0);
      const reviewPage = await supertest(h.app).get(linkIn(review.text)).expect(200);
      expect(reviewPage.text).toContain('thay mặt an@mttq.test');
      expect((await actThroughLink(h, linkIn(review.text), { action: 'approve' })).status).toBe(200);
      const tan = await eventually(async () => {
        const st = await env.client.workflow.getHandle(unitWorkflowId(cycleId, 'xa-phu-tan')).query(unitStateQuery);
        return st.steps.registration?.status === 'approved' && st;
      }, 'the approval');
      expect(tan.steps.registration!.history.find((e) => e.event === 'approved')).toMatchObject({ by: 'thay@mttq.test', actingFor: 'an@mttq.test' });
      expect(tan.delegations).toHaveLength(1);
      const audit = await eventually(() => h.db.models.Audit.findOne({ action: 'step.approve', actor: 'thay@mttq.test' }).lean(), 'the audit entry');
      expect(audit!.details).toMatchObject({ onBehalfOf: 'an@mttq.test', summary: 'thay@mttq.test on behalf of an@mttq.test' });
      expect(await h.db.models.Audit.countDocuments({ action: 'unit.delegate-reviewer', target: unitWorkflowId(cycleId, 'xa-phu-tan') })).toBe(1);

      // 8 February: Phú Vinh's substitute is sent the request, with a link of their own that works.
      await sleepUntil(`${year}-02-08T03:00:00Z`);
      const subRequest = await first('pho-vinh@units.test', /Đề nghị đăng ký thi đua/, "the substitute contact's request");
      const subLink = linkIn(subRequest.text);
      expect((await supertest(h.app).get(subLink)).status).toBe(200);
      // The reminder 3 working days before (23 February) goes to the substitute; the one the day before (25th) to the person again.
      await sleepUntil(`${year}-02-23T03:00:00Z`);
      await eventually(async () => (await mailsTo('pho-vinh@units.test', /\[Nhắc hạn\]/)).length === 1, "the substitute's reminder");
      expect(await mailsTo('xa-phu-vinh@units.test', /\[Nhắc hạn\]/)).toHaveLength(0);
      await sleepUntil(`${year}-02-25T03:00:00Z`);
      await eventually(async () => (await mailsTo('xa-phu-vinh@units.test', /\[Nhắc hạn\]/)).length === 1, "the person's reminder");
      expect(await mailsTo('pho-vinh@units.test', /\[Nhắc hạn\]/)).toHaveLength(1);
      // The period is over: the substitute's link no longer works, the person's does.
      await eventually(async () => (await supertest(h.app).get(subLink)).status === 410, "the substitute's link to stop working");
      expect((await supertest(h.app).get(linkIn(vinhRequest.text))).status).toBe(200);
      // After the deadline Phú Vinh's escalation goes to its reviewer (no delegation runs), none to a substitute.
      await sleepUntil(`${year}-03-02T03:00:00Z`);
      await eventually(async () => (await mailsTo('an@mttq.test', /Quá hạn.*Phú Vinh/)).length === 1, "the reviewer's escalation");
      expect(await mailsTo('thay@mttq.test', /Quá hạn/)).toHaveLength(0);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
