/**
 * The cluster's part of registration on the time-skipping test server: the year's head and deputy
 * confirmed by the leader in charge (with a return loop), and the emulation pact sent by the head and
 * approved by the council — one cluster on time, the other never answering (reminded, then escalated).
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox } from '../helpers/harness';
import { smallPlan, smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe("the cluster's registration steps (time-skipping)", () => {
  const ts = useTimeSkipping('cluster-registration');

  test('head and deputy confirmed after a return; the pact approved for one cluster, escalated for the other', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = smallPlan();
    const plan = smallPlanFor(year, 'mttq-giao-uoc', {
      staff: [...base.staff, { id: 'cb-lead', name: 'Lê Văn Chủ Trì', email: 'lead@mttq.test' }, { id: 'cb-hd', name: 'Hội đồng TĐKT', email: 'council@mttq.test' }],
      council: 'cb-hd',
      clusters: base.clusters.map((c) => ({ ...c, leader: 'cb-lead', ...(c.id === 'cum-1' ? { deputy: 'xa-phu-vinh' } : {}) })),
      stages: {
        registration: { opensOn: `${year}-02-01`, deadline: `${year}-02-26`, reminders: [], escalations: [] },
        heads: { opensOn: `${year}-02-01`, deadline: `${year}-02-19`, reminders: [], escalations: [], approver: 'leader' },
        // The pact is signed once the units have registered: it opens the working day after their deadline.
        pact: { opensOn: { after: 'registration.deadline', days: 1 }, deadline: `${year}-03-19`, reminders: [1], escalations: [0] },
      },
    });
    const cycleId = `thidua:mttq-giao-uoc:${year}`;
    const cluster = (id: string) => env.client.workflow.getHandle(clusterWorkflowId(cycleId, id)).query(clusterStateQuery);
    const mailsTo = (to: string, re: RegExp) => mailbox(h, to, re);

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');

      // 1 February: each cluster head is asked to confirm the year's head and deputy.
      await sleepUntil(`${year}-02-01T03:00:00Z`);
      const [ask] = await eventually(async () => {
        const m = await mailsTo('xa-phu-tan@units.test', /Xác nhận cụm trưởng, cụm phó năm/);
        return m.length > 0 && m;
      }, 'the heads request');
      expect(ask.subject).toContain('Cụm thi đua số 1');
      const headsLink = linkIn(ask.text);
      // The form starts from the plan: the head and deputy it names.
      const page = await supertest(h.app).get(headsLink).expect(200);
      expect(page.text).toContain('MTTQ xã Phú Tân – Chủ tịch MTTQ xã Phú Tân');
      expect(page.text).toContain('MTTQ xã Phú Vinh – Chủ tịch MTTQ xã Phú Vinh');
      // Nothing about the pact yet: it opens after the units' registration deadline.
      expect(await mailsTo('xa-phu-tan@units.test', /giao ước/)).toHaveLength(0);

      expect((await actThroughLink(h, headsLink, { action: 'submit', head: 'MTTQ xã Phú Tân – Chủ tịch MTTQ xã Phú Tân', deputy: '' })).status).toBe(200);
      const [review] = await eventually(async () => {
        const m = await mailsTo('lead@mttq.test', /\[Thẩm định\] Xác nhận cụm trưởng/);
        return m.length > 0 && m;
      }, "the leader's review request");
      const reviewLink = linkIn(review.text);
      expect((await actThroughLink(h, reviewLink, { action: 'return', comment: 'Thiếu cụm phó' })).status).toBe(200);
      const [returned] = await eventually(async () => {
        const m = await mailsTo('xa-phu-tan@units.test', /Trả lại|trả lại/i);
        return m.length > 0 && m;
      }, 'the return');
      expect(returned.text).toContain('Thiếu cụm phó');
      // Round 2 through the same link, then confirmed.
      expect((await actThroughLink(h, headsLink, { action: 'submit', head: 'MTTQ xã Phú Tân', deputy: 'MTTQ xã Phú Vinh' })).status).toBe(200);
      await eventually(async () => (await mailsTo('lead@mttq.test', /\[Thẩm định\] Xác nhận cụm trưởng/)).length === 2, 'the second review request');
      expect((await actThroughLink(h, reviewLink, { action: 'approve' })).status).toBe(200);
      const heads = await eventually(async () => {
        const st = await cluster('cum-1');
        return st.steps?.['heads-confirmation']?.status === 'approved' && st.steps['heads-confirmation'];
      }, 'the heads confirmed');
      expect(heads.round).toBe(2);
      expect(heads.submission?.fields).toMatchObject({ head: 'MTTQ xã Phú Tân', deputy: 'MTTQ xã Phú Vinh' });
      // A link of a closed step no longer works.
      expect((await supertest(h.app).get(headsLink)).status).toBe(410);

      // The working day after 26 February: each head is asked for the signed pact.
      await sleepUntil(`${year}-03-01T03:00:00Z`);
      const [pactAsk] = await eventually(async () => {
        const m = await mailsTo('xa-phu-tan@units.test', /giao ước thi đua/);
        return m.length > 0 && m;
      }, 'the pact request');
      await eventually(async () => (await mailsTo('tt-dinh-quan@units.test', /giao ước thi đua/)).length > 0, "cluster 2's pact request");
      const pactLink = linkIn(pactAsk.text);
      // Only the head may send it: a missing field is refused by the form.
      expect((await actThroughLink(h, pactLink, { action: 'submit', pact: 'Giao ước', signing: '' })).status).toBe(400);
      expect((await actThroughLink(h, pactLink, { action: 'submit', pact: 'Các đơn vị cam kết …', signing: '05/03, trụ sở xã Phú Tân; 3/3 đơn vị ký' })).status).toBe(200);
      const [pactReview] = await eventually(async () => {
        const m = await mailsTo('council@mttq.test', /\[Thẩm định\] Ký kết giao ước/);
        return m.length > 0 && m;
      }, "the council's review request");
      expect((await actThroughLink(h, linkIn(pactReview.text), { action: 'approve' })).status).toBe(200);
      await eventually(async () => (await cluster('cum-1')).steps?.['pact-signing']?.status === 'approved', 'the pact approved');

      // Cluster 2 never answers: reminded the working day before, escalated to the council after the deadline.
      await sleepUntil(`${year}-03-19T03:00:00Z`);
      await eventually(async () => (await mailsTo('tt-dinh-quan@units.test', /\[Nhắc hạn\] Ký kết giao ước/)).length === 1, 'the pact reminder');
      expect(await mailsTo('council@mttq.test', /Quá hạn/)).toHaveLength(0);
      await sleepUntil(`${year}-03-23T03:00:00Z`);
      const [esc] = await eventually(async () => {
        const m = await mailsTo('council@mttq.test', /Quá hạn/);
        return m.length > 0 && m;
      }, 'the pact escalation');
      expect(esc.subject).toContain('Cụm thi đua số 2');
      expect(await mailsTo('tt-dinh-quan@units.test', /Quá hạn/)).toHaveLength(1);
      expect((await cluster('cum-2')).steps?.['pact-signing']?.status).toBe('open');
      // Cluster 1's head was never reminded or escalated: it had sent its pact.
      expect(await mailsTo('xa-phu-tan@units.test', /\[Nhắc hạn\]|Quá hạn/)).toHaveLength(0);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
