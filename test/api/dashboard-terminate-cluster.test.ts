/**
 * A cluster terminated from the secretariat's dashboard cannot tell its cycle that it has ended (a
 * cycle that may continue as new learns of its clusters' ends by their signal, not by awaiting them):
 * the api tells the cycle, so the cycle still closes once its other clusters have. On the
 * time-skipping server with the real worker and app.
 */
import supertest from 'supertest';
import { cycleStateQuery, type CycleState, reviewStepUpdate, submitStepUpdate, unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, TEST_TOKEN } from '../helpers/harness';
import { marchDays, smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('dashboard: terminating a cluster (time-skipping)', () => {
  const ts = useTimeSkipping('dash-terminate-cluster');

  test('the cycle is told, and completes when the other cluster has', async () => {
    const { env, h, year } = await ts.begin();
    const { day } = marchDays(year);
    // Registration only, open from the start: a unit's year ends with its approval.
    const plan = smallPlanFor(year, 'dash-terminate', {
      stages: { registration: { deadline: day(4), reminders: [], escalations: [] } },
    });
    const cycleId = `thidua:dash-terminate:${year}`;
    const cycle = env.client.workflow.getHandle(`${cycleId}:cycle`);
    const cum2 = `${cycleId}:cluster:cum-2`;
    const act = (body: Record<string, unknown>) => supertest(h.app).post('/api/dashboard/actions/terminate').set(auth).send(body);

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      const open = async (unitId: string) =>
        (await env.client.workflow.getHandle(unitWorkflowId(cycleId, unitId)).query(unitStateQuery).catch(() => undefined))?.steps.registration?.status === 'open';
      for (const u of ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi', 'tt-dinh-quan']) await eventually(() => open(u), `${u} open`);

      // The secretariat terminates cluster 2 (its units are asked to stop with it).
      const res = await act({ workflowId: cum2, reason: 'Cụm giải thể' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ action: 'terminate', workflowId: cum2, cycleId, clusterId: 'cum-2', status: 'TERMINATED' });
      expect((await env.client.workflow.getHandle(cum2).describe()).status.name).toBe('TERMINATED');
      await eventually(async () => (await cycle.query(cycleStateQuery)).clusters.find((c) => c.clusterId === 'cum-2')?.done === true, 'the cycle to know cluster 2 ended');
      expect((await h.db.models.ClusterPlan.findById(`${cycleId}:cum-2`).lean())?.status).toBe('terminated');
      // Cluster 1 still runs: so does the cycle.
      expect((await cycle.describe()).status.name).toBe('RUNNING');
      expect((await h.db.models.Cycle.findById(cycleId).lean())?.status).toBe('running');

      // Cluster 1's units are approved: the cluster ends, and with it the cycle.
      for (const u of ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi']) {
        const unit = env.client.workflow.getHandle(unitWorkflowId(cycleId, u));
        await unit.executeUpdate(submitStepUpdate, { args: [{ step: 'registration', round: 1, by: `${u}@units.test`, fields: { content: 'Nội dung', targets: 'Chỉ tiêu' } }] });
        await unit.executeUpdate(reviewStepUpdate, { args: [{ step: 'registration', round: 1, by: 'an@mttq.test', decision: 'approve' }] });
      }
      const result = (await cycle.result()) as CycleState;
      expect(result.status).toBe('completed');
      expect(result.clusters.map((c) => [c.clusterId, c.done])).toEqual([
        ['cum-1', true],
        ['cum-2', true],
      ]);
      await eventually(async () => (await h.db.models.Cycle.findById(cycleId).lean())?.status === 'completed', 'the read model');

      // Once: a second request is refused (already terminated), audited once with the reason.
      const again = await act({ workflowId: cum2, reason: 'Lần nữa' });
      expect([again.status, again.body.error.message]).toEqual([409, 'the workflow is already terminated']);
      const audit = await h.db.models.Audit.find({ action: 'dashboard.terminate' }).lean();
      expect(audit.map((a) => [a.target, (a.details as { reason: string }).reason])).toEqual([[cum2, 'Cụm giải thể']]);
    });
  });
});
