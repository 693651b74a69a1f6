/**
 * An inspection written relative to the reports' deadline follows it when a coordinator moves that
 * deadline (its window and its visits, in every cluster), as it follows a moved meeting
 * (year-end-inspection-moves.test.ts); and the inspection itself can be moved, for one cluster or all
 * (the stored plan's timetable follows). Before the inspection opens: nobody is told yet.
 */
import supertest from 'supertest';
import { addWorkingDays, localInstant } from '../../rules/calendar';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, TEST_TOKEN } from '../helpers/harness';
import type { Plan } from '../../rules/plan';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe("a cluster's inspection follows the stage it is written relative to (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-inspection-follows-stage');

  test('moving the reports deadline moves an inspection written relative to it, visits too', async () => {
    const { env, h, year } = await ts.begin();
    const base = yearEndPlan(year, 'mttq-kiem-tra-theo-bao-cao');
    const cal = { timeZone: 'Asia/Ho_Chi_Minh', holidays: [] };
    const wd = (from: string, n: number) => addWorkingDays(from, n, cal);
    const at = (day: string, hhmm: string) => localInstant(day, hhmm, 'Asia/Ho_Chi_Minh');
    const reports = wd(`${year}-11-09`, 1);
    const visitDay = wd(reports, 6);
    const plan = {
      ...base,
      stages: {
        ...base.stages,
        reports: { ...base.stages.reports!, deadline: reports },
        // Inspected from 4 working days after the reports are due; scores due 10 after them.
        inspection: {
          ...base.stages.inspection!,
          opensOn: { after: 'reports.deadline', days: 4 },
          deadline: { after: 'reports.deadline', days: 10 },
          timetable: [
            { date: visitDay, slot: 'morning' as const, units: ['xa-phu-tan', 'xa-phu-vinh'], place: 'Trụ sở UBMTTQ xã Phú Tân' },
            { date: visitDay, slot: 'afternoon' as const, units: ['xa-phu-loi'] },
          ],
        },
      },
    };
    const cycleId = `thidua:mttq-kiem-tra-theo-bao-cao:${year}`;
    const yearEndOf = async (cluster: string) =>
      (await env.client.workflow.getHandle(clusterWorkflowId(cycleId, cluster)).query(clusterStateQuery).catch(() => undefined))?.yearEnd;
    const moveStage = (stage: string, body: { deadline: string; clusterId?: string; reason: string }) =>
      supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/stages/${stage}/deadline`).set({ Authorization: `Bearer ${TEST_TOKEN}` }).send(body);
    const move = (deadline: string) => moveStage('reports', { deadline, reason: 'Lùi hạn báo cáo' });

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      const first = await eventually(async () => (await yearEndOf('cum-2')) && (await yearEndOf('cum-1')), 'both clusters running');
      expect([first.inspection.opensAt, first.inspection.dueAt]).toEqual([at(wd(reports, 4), '00:00'), at(wd(reports, 10), '17:00')]);

      // The reports are due three working days later: each cluster's inspection and visits follow.
      const later = wd(reports, 3);
      const res = await move(later);
      expect(res.status).toBe(200);
      const inspections = res.body.updated.filter((u: { step: string }) => u.step === 'inspection').map((u: { unitId: string }) => u.unitId);
      expect(inspections.sort()).toEqual(['cum-1', 'cum-2']);
      for (const cluster of ['cum-1', 'cum-2']) {
        const moved = (await yearEndOf(cluster))!;
        expect([moved.phase, moved.inspection.opensAt, moved.inspection.dueAt, moved.inspectionVersion]).toEqual(['waiting', at(wd(later, 4), '00:00'), at(wd(later, 10), '17:00'), 1]);
        const stored = (await h.db.models.ClusterPlan.findById(`${cycleId}:${cluster}`).lean())!.yearEnd as { visits: { unitId: string; date: string }[]; inspection: { dueAt: string } };
        expect(stored.inspection.dueAt).toBe(at(wd(later, 10), '17:00'));
        expect(stored.visits.every((v) => v.date === wd(visitDay, 3))).toBe(true);
      }

      // The stored plan keeps the inspection's new dates and timetable (its documents, next year's copy).
      const planned = async () => ((await h.db.models.Cycle.findById(cycleId).lean())!.plan as Plan).stages.inspection!;
      expect([(await planned()).deadline, ...(await planned()).timetable.map((v) => v.date)]).toEqual([wd(later, 10), wd(visitDay, 3), wd(visitDay, 3)]);

      // The same request again moves nothing more.
      const again = await move(later);
      expect(again.status).toBe(200);
      expect(again.body.updated.filter((u: { step: string }) => u.step === 'inspection')).toEqual([]);
      expect((await yearEndOf('cum-1'))!.inspectionVersion).toBe(1);

      // The inspection itself moved, for cluster 2 alone: its visits follow its deadline, cluster 1 keeps its dates.
      const own = wd(later, 12);
      const direct = await moveStage('inspection', { deadline: own, clusterId: 'cum-2', reason: 'Đoàn kiểm tra bận' });
      expect(direct.status).toBe(200);
      expect(direct.body.updated).toEqual([{ unitId: 'cum-2', step: 'inspection' }]);
      expect([(await yearEndOf('cum-2'))!.inspection.dueAt, (await yearEndOf('cum-2'))!.inspectionVersion]).toEqual([at(own, '17:00'), 2]);
      expect((await yearEndOf('cum-1'))!.inspection.dueAt).toBe(at(wd(later, 10), '17:00'));
      const visits2 = ((await h.db.models.ClusterPlan.findById(`${cycleId}:cum-2`).lean())!.yearEnd as { visits: { date: string }[] }).visits;
      expect(visits2.every((v) => v.date === wd(visitDay, 5))).toBe(true);

      // A move for one cluster leaves the plan as it was; a move for all moves each cluster's visits from
      // where they are (cluster 1 by 3 working days, cluster 2 by 1), and the plan's timetable with them.
      expect((await planned()).deadline).toBe(wd(later, 10));
      const all = await moveStage('inspection', { deadline: wd(later, 13), reason: 'Lùi đợt kiểm tra' });
      expect(all.status).toBe(200);
      expect(all.body.updated.map((u: { unitId: string }) => u.unitId).sort()).toEqual(['cum-1', 'cum-2']);
      for (const cluster of ['cum-1', 'cum-2']) {
        const visits = ((await h.db.models.ClusterPlan.findById(`${cycleId}:${cluster}`).lean())!.yearEnd as { visits: { date: string }[] }).visits;
        expect(visits.map((v) => v.date)).toEqual(visits.map(() => wd(visitDay, 6)));
      }
      expect([(await planned()).deadline, ...(await planned()).timetable.map((v) => v.date)]).toEqual([wd(later, 13), wd(visitDay, 6), wd(visitDay, 6)]);

      // So can the award proposal, for cluster 1 alone.
      const due = wd(`${year}-12-15`, 2);
      const proposal = await moveStage('proposal', { deadline: due, clusterId: 'cum-1', reason: 'Chờ ý kiến Thường trực' });
      expect(proposal.status).toBe(200);
      expect(proposal.body.updated).toEqual([{ unitId: 'cum-1', step: 'award-proposal' }]);
      const proposalDue = async (cluster: string) => ((await h.db.models.ClusterPlan.findById(`${cycleId}:${cluster}`).lean())!.yearEnd as { proposal: { schedule: { dueAt: string } } }).proposal.schedule.dueAt;
      expect(await proposalDue('cum-1')).toBe(at(due, '17:00'));
      expect(await proposalDue('cum-2')).toBe(at(`${year}-12-15`, '17:00'));
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
