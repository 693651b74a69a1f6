/**
 * The inspection's escalations (its own test server): units nobody inspected by deadline + grace are
 * classified from their self scores (here: none, so unclassified), and the planned escalations tell
 * the leader in charge, the council and those units' inspectors, level by level — but only until the
 * ballots open, and never about a unit that was inspected.
 */
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId, enterInspectionUpdate } from '../../workflows/cycle/definitions';
import { eventually, mailbox } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe("a cluster's year-end: inspection escalations (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-escalations');

  test('the units not inspected are escalated at the planned levels, until the ballots open', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = yearEndPlan(year, 'mttq-kiem-tra-cham');
    const inspection = base.stages.inspection!;
    // Level 1 the working day after the deadline, level 2 two working days later, level 3 after the meeting.
    const plan = { ...base, stages: { ...base.stages, inspection: { ...inspection, escalations: [0, 2, 10] } } };
    const cycleId = `thidua:mttq-kiem-tra-cham:${year}`;
    const escalations = async (to: string) => (await mailbox(h, to)).filter((m) => /\[Quá hạn kiểm tra|\[Inspection overdue/.test(m.subject ?? ''));
    const cluster = (id: string) => env.client.workflow.getHandle(clusterWorkflowId(cycleId, id));

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-11-16T03:00:00Z`);
      await eventually(async () => (await cluster('cum-1').query(clusterStateQuery)).yearEnd?.phase === 'inspection', 'the inspection to open');
      // Phú Tân is inspected (no self score: every score is a change, each with its reason); the others are not.
      await cluster('cum-1').executeUpdate(enterInspectionUpdate, {
        args: [
          {
            unitId: 'xa-phu-tan',
            by: 'an@mttq.test',
            criteria: { '1.1': 28, '1.2': 18, '2.1': 45 },
            reasons: { '1.1': 'Đoàn kiểm tra chấm', '1.2': 'Đoàn kiểm tra chấm', '2.1': 'Đoàn kiểm tra chấm' },
          },
        ],
      });

      // Nothing before the deadline and its grace.
      await sleepUntil(`${year}-11-26T09:00:00Z`);
      expect(await escalations('lead@mttq.test')).toHaveLength(0);
      // After the deadline: the classes lock; the first working day after it, level 1.
      await sleepUntil(`${year}-11-30T03:00:00Z`);
      const level1 = await eventually(async () => (await escalations('lead@mttq.test')).filter((m) => /Cụm thi đua số 1/.test(m.subject ?? '')).shift(), 'level 1 for cluster 1');
      expect(level1.subject).toContain('mức 1');
      expect(level1.text).toContain('MTTQ xã Phú Vinh');
      expect(level1.text).toContain('MTTQ xã Phú Lợi');
      expect(level1.text).toContain('chưa xếp loại');
      expect(level1.text).not.toContain('MTTQ xã Phú Tân');
      // The council and the inspectors of both clusters are told too.
      await eventually(async () => (await escalations('council@mttq.test')).length === 2, "the council's level 1 for both clusters");
      await eventually(async () => (await escalations('an@mttq.test')).length === 1, "cluster 1's inspector");
      await eventually(async () => (await escalations('binh@mttq.test')).length === 1, "cluster 2's inspector (in English)");
      expect((await escalations('binh@mttq.test'))[0].subject).toContain('[Inspection overdue – level 1] Cụm thi đua số 2');

      // Level 2 two working days later; level 3 would fall after the ballots opened: not sent.
      await sleepUntil(`${year}-12-02T09:00:00Z`);
      await eventually(async () => (await escalations('lead@mttq.test')).filter((m) => /mức 2/.test(m.subject ?? '')).length === 2, 'level 2 for both clusters');
      await sleepUntil(`${year}-12-20T09:00:00Z`);
      expect((await escalations('lead@mttq.test')).filter((m) => /mức 3/.test(m.subject ?? ''))).toHaveLength(0);
      const st = await cluster('cum-1').query(clusterStateQuery);
      expect(st.yearEnd!.inspection.units.map((u) => [u.unitId, u.source ?? null])).toEqual([
        ['xa-phu-tan', 'inspection'],
        ['xa-phu-vinh', null],
        ['xa-phu-loi', null],
      ]);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
