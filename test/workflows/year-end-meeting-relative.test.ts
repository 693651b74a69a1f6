/**
 * Deadlines written relative to the meeting (its own test server): each cluster's follow its own
 * meeting day from the start, and when a coordinator moves a meeting they are re-planned with it.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, TEST_TOKEN } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe("a cluster's year-end: deadlines relative to its meeting (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-meeting-relative');

  test("the proposal is due 5 working days after each cluster's meeting, and moves with it", async () => {
    const { env, h, year } = await ts.begin();
    const base = yearEndPlan(year, 'mttq-hop-cum');
    const plan = {
      ...base,
      stages: {
        ...base.stages,
        meeting: { ...base.stages.meeting!, clusters: { 'cum-2': `${year}-12-07` } },
        proposal: { ...base.stages.proposal!, opensOn: { after: 'meeting', days: 0 }, deadline: { after: 'meeting', days: 5 } },
      },
    };
    const cycleId = `thidua:mttq-hop-cum:${year}`;
    const proposalDue = async (cluster: string) =>
      (
        await env.client.workflow
          .getHandle(clusterWorkflowId(cycleId, cluster))
          .query(clusterStateQuery)
          .catch(() => undefined)
      )?.yearEnd?.proposal?.schedule.dueAt;
    // 5 working days after a day, at 17:00 local (10:00 UTC), skipping weekends (no holidays in this plan).
    const fiveWorkingDaysAfter = (day: string) => {
      let d = new Date(`${day}T00:00:00Z`);
      for (let n = 0; n < 5; ) {
        d = new Date(d.getTime() + 86400000);
        if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) n++;
      }
      return `${d.toISOString().slice(0, 10)}T10:00:00.000Z`;
    };

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      const meeting1 = `${year}-12-03`;
      const atStart = await eventually(async () => {
        const [a, b] = [await proposalDue('cum-1'), await proposalDue('cum-2')];
        return a && b && { a, b };
      }, 'both clusters running');
      expect(atStart).toEqual({ a: fiveWorkingDaysAfter(meeting1), b: fiveWorkingDaysAfter(`${year}-12-07`) });

      // The coordinator moves cluster 1's meeting to 9 December: its proposal deadline follows.
      const res = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/meeting`)
        .set({ Authorization: `Bearer ${TEST_TOKEN}` })
        .send({ date: `${year}-12-09`, reason: 'Trùng lịch' });
      expect(res.status).toBe(200);
      expect(res.body.replanned.updated).toEqual([{ workflowId: clusterWorkflowId(cycleId, 'cum-1'), step: 'award-proposal', dueAt: fiveWorkingDaysAfter(`${year}-12-09`) }]);
      expect(await proposalDue('cum-1')).toBe(fiveWorkingDaysAfter(`${year}-12-09`));
      expect((await env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-1')).query(clusterStateQuery)).yearEnd?.proposal?.schedule.opensAt).toBe(
        new Date(`${year}-12-08T17:00:00Z`).toISOString(),
      );
      // Cluster 2 is untouched; the stored plan has the new deadline.
      expect(await proposalDue('cum-2')).toBe(fiveWorkingDaysAfter(`${year}-12-07`));
      const stored = await h.db.models.ClusterPlan.findById(`${cycleId}:cum-1`).lean();
      expect((stored!.yearEnd as { proposal: { schedule: { dueAt: string } } }).proposal.schedule.dueAt).toBe(fiveWorkingDaysAfter(`${year}-12-09`));
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
