/**
 * Delegation beyond a unit's people (time-skipping): a coordinator names acting substitutes for a
 * cluster head and for the leader in charge (POST /api/cycles/:id/delegations), for local days
 * 1–10 February. Meanwhile the cluster's "heads" step asks the head's substitute, whose submission
 * goes to the leader's substitute; each acts on the person's behalf (the step's history and the audit
 * say so). The pact, opening after the period, asks the head again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { smallPlan, smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe('delegation for a cluster head and leader (time-skipping)', () => {
  const ts = useTimeSkipping('role-delegation');

  test("the substitutes get the heads step's mail and links during the period, and act on the people's behalf", async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = smallPlan();
    const plan = smallPlanFor(year, 'mttq-uy-quyen-cum', {
      staff: [...base.staff, { id: 'cb-lead', name: 'Lê Văn Chủ Trì', email: 'lead@mttq.test' }, { id: 'cb-hd', name: 'Hội đồng TĐKT', email: 'council@mttq.test' }],
      council: 'cb-hd',
      clusters: base.clusters.map((c) => ({ ...c, leader: 'cb-lead' })),
      stages: {
        registration: { opensOn: `${year}-02-01`, deadline: `${year}-02-26`, reminders: [], escalations: [] },
        heads: { opensOn: `${year}-02-01`, deadline: `${year}-02-19`, reminders: [], escalations: [], approver: 'leader' },
        pact: { opensOn: { after: 'registration.deadline', days: 1 }, deadline: `${year}-03-19`, reminders: [], escalations: [] },
      },
    });
    const cycleId = `thidua:mttq-uy-quyen-cum:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const first = (to: string, re: RegExp) => eventually(async () => (await mailsTo(to, re))[0], `${re} to ${to}`);
    const del = (body: object) => supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/delegations`).set(auth).send(body);
    const headSub = { name: 'Phó Chủ tịch MTTQ xã Phú Tân', email: 'pho-tan@units.test' };
    const leadSub = { name: 'Trần Thị Thay', email: 'thay-lead@mttq.test' };
    const period = { from: `${year}-02-01`, to: `${year}-02-10` };

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');

      // Bad requests name the field; a person who does not hold the role is refused.
      const bad = await del({ role: 'chair', email: 'lead@mttq.test', substitute: leadSub, ...period });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.problems.map((p: { path: string }) => p.path)).toEqual(['role']);
      const self = await del({ role: 'leader', email: 'lead@mttq.test', substitute: { name: 'Tự', email: 'lead@mttq.test' }, ...period });
      expect([self.status, self.body.error.details.problems]).toEqual([400, [{ path: 'substitute.email', message: 'a person cannot be their own substitute' }]]);
      const notHead = await del({ role: 'head', email: 'xa-phu-vinh@units.test', substitute: headSub, ...period });
      expect([notHead.status, notHead.body.error.message]).toEqual([409, 'xa-phu-vinh@units.test is not the head of any cluster of this cycle']);

      const head = await del({ role: 'head', email: 'xa-phu-tan@units.test', substitute: headSub, ...period, reason: 'Nghỉ phép' });
      expect(head.status).toBe(200);
      expect(head.body).toMatchObject({ updated: [clusterWorkflowId(cycleId, 'cum-1')], delegation: { fromAt: `${year}-01-31T17:00:00.000Z`, untilAt: `${year}-02-10T17:00:00.000Z` } });
      // The leader leads both clusters: both take the delegation.
      const lead = await del({ role: 'leader', email: 'lead@mttq.test', substitute: leadSub, ...period });
      expect(lead.body.updated).toEqual([clusterWorkflowId(cycleId, 'cum-1'), clusterWorkflowId(cycleId, 'cum-2')]);
      const overlap = await del({ role: 'leader', email: 'lead@mttq.test', substitute: { name: 'Khác', email: 'khac@mttq.test' }, from: `${year}-02-05`, to: `${year}-02-20` });
      expect(overlap.status).toBe(409);
      expect(overlap.body.error.message).toContain('already has a substitute (thay-lead@mttq.test)');

      // 1 February: the heads step of cluster 1 asks the head's substitute, not the head.
      await sleepUntil(`${year}-02-01T03:00:00Z`);
      const ask = await first(headSub.email, /Xác nhận cụm trưởng, cụm phó năm/);
      expect(ask.subject).toContain('Cụm thi đua số 1');
      expect(await mailsTo('xa-phu-tan@units.test', /Xác nhận cụm trưởng/)).toHaveLength(0);
      const askPage = await supertest(h.app).get(linkIn(ask.text)).expect(200);
      expect(askPage.text).toContain('thay mặt xa-phu-tan@units.test');
      expect((await actThroughLink(h, linkIn(ask.text), { action: 'submit', head: 'MTTQ xã Phú Tân', deputy: 'MTTQ xã Phú Vinh' })).status).toBe(200);

      // The review request goes to the leader's substitute, who approves on the leader's behalf.
      const review = await first(leadSub.email, /\[Thẩm định\] Xác nhận cụm trưởng.*Cụm thi đua số 1/);
      expect(await mailsTo('lead@mttq.test', /\[Thẩm định\] Xác nhận cụm trưởng.*Cụm thi đua số 1/)).toHaveLength(0);
      expect((await actThroughLink(h, linkIn(review.text), { action: 'approve' })).status).toBe(200);
      const heads = await eventually(async () => {
        const st = await env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-1')).query(clusterStateQuery);
        return st.steps?.['heads-confirmation']?.status === 'approved' && st;
      }, 'the heads confirmed');
      const history = heads.steps!['heads-confirmation']!.history;
      expect(history.find((e) => e.event === 'submitted')).toMatchObject({ by: headSub.email, actingFor: 'xa-phu-tan@units.test' });
      expect(history.find((e) => e.event === 'approved')).toMatchObject({ by: leadSub.email, actingFor: 'lead@mttq.test' });
      expect(heads.delegations?.map((d) => [d.role, d.email, d.substitute.email])).toEqual([
        ['head', 'xa-phu-tan@units.test', headSub.email],
        ['leader', 'lead@mttq.test', leadSub.email],
      ]);
      const audit = await eventually(() => h.db.models.Audit.findOne({ action: 'step.approve', actor: leadSub.email }).lean(), 'the audit entry');
      expect(audit!.details).toMatchObject({ onBehalfOf: 'lead@mttq.test', summary: `${leadSub.email} on behalf of lead@mttq.test` });
      expect(await h.db.models.Audit.findOne({ action: 'cycle.delegate-head' }).lean()).toMatchObject({ target: cycleId, details: { for: 'xa-phu-tan@units.test', substitute: headSub.email, reason: 'Nghỉ phép' } });

      // After the period: the pact asks the head again, and the substitute's link to it would not be theirs.
      await sleepUntil(`${year}-03-01T03:00:00Z`);
      await first('xa-phu-tan@units.test', /giao ước/);
      expect(await mailsTo(headSub.email, /giao ước/)).toHaveLength(0);
      // Committed for the replay test: `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/role-delegation.test.ts`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        const history = await env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-1')).fetchHistory();
        fs.writeFileSync(path.resolve(__dirname, '../histories/role-delegation.cluster-cum-1.json'), historyToJSON(history));
      }
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
