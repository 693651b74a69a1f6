/**
 * Delegation for an inspector (time-skipping): the staff member who inspects cluster 1's units is
 * away for the first days of the inspection; the substitute gets the inspection links, enters a
 * unit's final scores on their behalf (the result and the audit say so); after the period the
 * reminder for the unit still to inspect goes to the inspector again.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf } from '../helpers/year-end';

describe('delegation for an inspector (time-skipping)', () => {
  const ts = useTimeSkipping('inspector-delegation');

  test("the substitute inspects on the inspector's behalf during the period, and only then", async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = yearEndPlan(year, 'mttq-uy-quyen-kt');
    const plan = {
      ...base,
      awards: [],
      stages: {
        registration: base.stages.registration,
        reports: base.stages.reports,
        inspection: { opensOn: `${year}-11-16`, deadline: `${year}-11-26`, reminders: [1], escalations: [] },
      },
    };
    const cycleId = `thidua:mttq-uy-quyen-kt:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const first = (to: string, re: RegExp) => eventually(async () => (await mailsTo(to, re))[0], `${re} to ${to}`);
    const substitute = { name: 'Nguyễn Thị Thay', email: 'thay-kt@mttq.test' };
    const scores = { 'c.1.1': '30', 'c.1.2': '20', 'c.2.1': '45' };

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      const report = await first(mailOf('xa-phu-tan'), /Báo cáo tự chấm điểm/);
      expect((await actThroughLink(h, linkIn(report.text), { action: 'submit', ...scores })).status).toBe(200);

      // The inspector of cluster 1 is away from 16 to 20 November.
      const named = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(cycleId)}/delegations`)
        .set(auth)
        .send({ role: 'inspector', email: 'an@mttq.test', substitute, from: `${year}-11-16`, to: `${year}-11-20` });
      expect(named.status).toBe(200);
      expect(named.body.updated).toEqual([clusterWorkflowId(cycleId, 'cum-1')]);

      // The inspection opens: the links go to the substitute, not to the inspector.
      await sleepUntil(`${year}-11-16T03:00:00Z`);
      const tan = linkIn((await first(substitute.email, /Chấm điểm MTTQ xã Phú Tân/)).text);
      await first(substitute.email, /Chấm điểm MTTQ xã Phú Vinh/);
      expect(await mailsTo('an@mttq.test', /Chấm điểm MTTQ xã Phú (Tân|Vinh|Lợi)/)).toHaveLength(0);
      expect((await supertest(h.app).post(tan).type('form').send(scores)).status).toBe(200);
      const s = await eventually(async () => {
        const st = await env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-1')).query(clusterStateQuery);
        return st.yearEnd?.inspection.units.find((u) => u.unitId === 'xa-phu-tan')?.inspected && st;
      }, 'the inspected scores');
      expect(s.yearEnd!.inspection.units.find((u) => u.unitId === 'xa-phu-tan')!.inspected).toMatchObject({ by: substitute.email, actingFor: 'an@mttq.test', total: 95 });
      const audit = await eventually(() => h.db.models.Audit.findOne({ actor: substitute.email }).lean(), 'the audit entry');
      expect(audit!.details).toMatchObject({ onBehalfOf: 'an@mttq.test', summary: `${substitute.email} on behalf of an@mttq.test` });

      // After the period: the reminder before the deadline goes to the inspector, and the substitute may no longer act.
      await sleepUntil(`${year}-11-25T03:00:00Z`);
      await first('an@mttq.test', /\[Nhắc hạn\] Chấm điểm MTTQ xã Phú Vinh/);
      expect(await mailsTo(substitute.email, /\[Nhắc hạn\]/)).toHaveLength(0);
      const vinh = linkIn((await first(substitute.email, /Chấm điểm MTTQ xã Phú Vinh/)).text);
      const late = await supertest(h.app).post(vinh).type('form').send(scores);
      expect(late.status).toBe(409);
      expect(late.text).toContain(`${substitute.email} does not inspect MTTQ xã Phú Vinh`);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
