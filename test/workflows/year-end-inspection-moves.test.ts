/**
 * An inspection whose dates the plan writes relative to the meeting (its own test server): when a
 * coordinator moves a cluster's meeting, the inspection's requests, deadline, reminders and visits
 * follow — before it opens (nobody told twice) and while it is open (those told are told again, their
 * calendar entries updated with a higher SEQUENCE).
 */
import supertest from 'supertest';
import { addWorkingDays, localInstant, nextWorkingDay } from '../../rules/calendar';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, mailbox, TEST_TOKEN } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe("a cluster's inspection follows its meeting (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-inspection-moves');

  test('an inspection written relative to the meeting moves with it: requests, deadline, reminders and visits', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = yearEndPlan(year, 'mttq-kiem-tra-theo-hop');
    const cal = { timeZone: 'Asia/Ho_Chi_Minh', holidays: [] };
    const meeting = nextWorkingDay(`${year}-12-03`, cal);
    const wd = (from: string, n: number) => addWorkingDays(from, n, cal);
    const at = (day: string, hhmm: string) => localInstant(day, hhmm, 'Asia/Ho_Chi_Minh');
    const visitDay = wd(meeting, -8);
    const plan = {
      ...base,
      stages: {
        ...base.stages,
        // Inspected from 12 working days before the meeting, scores due 5 before; reminded the day before.
        inspection: {
          ...base.stages.inspection!,
          opensOn: { before: 'meeting', days: 12 },
          deadline: { before: 'meeting', days: 5 },
          reminders: [1],
          timetable: [
            { date: visitDay, slot: 'morning' as const, units: ['xa-phu-tan', 'xa-phu-vinh'], place: 'Trụ sở UBMTTQ xã Phú Tân' },
            { date: visitDay, slot: 'afternoon' as const, units: ['xa-phu-loi'] },
          ],
        },
        meeting: { ...base.stages.meeting!, date: meeting },
        proposal: { ...base.stages.proposal!, opensOn: meeting, deadline: wd(meeting, 15) },
      },
    };
    const cycleId = `thidua:mttq-kiem-tra-theo-hop:${year}`;
    const yearEndOf = async (cluster: string) =>
      (await env.client.workflow.getHandle(clusterWorkflowId(cycleId, cluster)).query(clusterStateQuery).catch(() => undefined))?.yearEnd;
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const icsOf = async (id: unknown) => (await h.db.models.Mailbox.findById(id).lean())!.attachments.map((a) => a.content!.toString('utf8')).join('\n');
    const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace('.000', '');
    const moveTo = (date: string) =>
      supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/meeting`).set({ Authorization: `Bearer ${TEST_TOKEN}` }).send({ date, reason: 'Trùng lịch' });

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      const first = await eventually(async () => (await yearEndOf('cum-2')) && (await yearEndOf('cum-1')), 'both clusters running');
      expect([first.inspection.opensAt, first.inspection.dueAt]).toEqual([at(wd(meeting, -12), '00:00'), at(wd(meeting, -5), '17:00')]);

      // Before the inspection opens, cluster 1's meeting moves a week: its inspection and visits follow.
      const m2 = wd(meeting, 5);
      const res = await moveTo(m2);
      expect(res.status).toBe(200);
      expect(res.body.replanned.updated).toContainEqual({ workflowId: clusterWorkflowId(cycleId, 'cum-1'), step: 'inspection', dueAt: at(wd(m2, -5), '17:00') });
      const moved = (await yearEndOf('cum-1'))!;
      expect([moved.phase, moved.inspection.opensAt, moved.inspection.dueAt, moved.inspectionVersion]).toEqual(['waiting', at(wd(m2, -12), '00:00'), at(wd(m2, -5), '17:00'), 1]);
      const stored = (await h.db.models.ClusterPlan.findById(`${cycleId}:cum-1`).lean())!.yearEnd as { visits: { unitId: string; date: string; startsAt: string }[]; inspection: { dueAt: string } };
      expect(stored.inspection.dueAt).toBe(at(wd(m2, -5), '17:00'));
      expect(stored.visits.map((v) => [v.unitId, v.date, v.startsAt])).toEqual([
        ['xa-phu-tan', wd(visitDay, 5), at(wd(visitDay, 5), '07:30')],
        ['xa-phu-vinh', wd(visitDay, 5), at(wd(visitDay, 5), '07:30')],
        ['xa-phu-loi', wd(visitDay, 5), at(wd(visitDay, 5), '13:30')],
      ]);
      // Cluster 2 keeps its dates.
      expect((await yearEndOf('cum-2'))!.inspection.dueAt).toBe(at(wd(meeting, -5), '17:00'));

      // Nothing for cluster 1 at the old opening (cluster 2 opens then: its inspector is another).
      await sleepUntil(at(wd(meeting, -12), '10:00'));
      await eventually(async () => (await yearEndOf('cum-2'))?.phase === 'inspection', "cluster 2's inspection open");
      expect((await yearEndOf('cum-1'))!.phase).toBe('waiting');
      expect(await mailsTo('an@mttq.test', /Chấm điểm/)).toHaveLength(0);
      expect(await mailsTo('xa-phu-tan@units.test', /\[Lịch kiểm tra\]/)).toHaveLength(0);

      // At the new opening: the requests with the new deadline, the visits on their new day.
      await sleepUntil(at(wd(m2, -12), '10:00'));
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Kiểm tra \d+\] Chấm điểm/)).length === 3, 'the inspection requests');
      const visit = await eventually(async () => (await mailsTo('xa-phu-tan@units.test', /\[Lịch kiểm tra\]/))[0], 'the visit');
      expect(await icsOf(visit._id)).toContain(`DTSTART:${stamp(at(wd(visitDay, 5), '07:30'))}`);

      // While it is open the meeting moves again, one working day: those told are told again.
      const m3 = wd(m2, 1);
      const again = await moveTo(m3);
      expect(again.status).toBe(200);
      expect(again.body.replanned.updated).toContainEqual({ workflowId: clusterWorkflowId(cycleId, 'cum-1'), step: 'inspection', dueAt: at(wd(m3, -5), '17:00') });
      // Sent again, they say the dates changed and why (the reason given with the move).
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Kiểm tra \d+\]( \[Thay đổi thời gian\])? Chấm điểm/)).length === 6, 'the requests with the new deadline');
      const request = (await mailsTo('an@mttq.test', /\[Kiểm tra \d+\] \[Thay đổi thời gian\] Chấm điểm.*Phú Tân/)).at(-1)!;
      expect(request.text).toContain('Lịch kiểm tra đã thay đổi (lý do: Trùng lịch)');
      expect(request.html).toContain('Lịch kiểm tra đã thay đổi');
      const requestIcs = await icsOf(request._id);
      expect(requestIcs).toContain('SEQUENCE:2');
      expect(requestIcs).toContain(`DTSTART:${stamp(at(wd(m3, -5), '17:00'))}`);
      const visits = await eventually(async () => {
        const v = await mailsTo('xa-phu-tan@units.test', /\[Lịch kiểm tra\]/);
        return v.length === 2 && v;
      }, 'the visit moved');
      expect(visits[0].text).not.toContain('Lịch kiểm tra đã thay đổi');
      expect(visits[1].subject).toContain('[Thay đổi thời gian]');
      expect(visits[1].text).toContain('Lịch kiểm tra đã thay đổi (lý do: Trùng lịch)');
      const visitIcs = await icsOf(visits[1]._id);
      const timetable = await eventually(async () => (await mailsTo('lead@mttq.test', /\[Lịch kiểm tra\] \[Thay đổi thời gian\] Cụm/))[0], 'the new timetable');
      expect(timetable.text).toContain('Lịch kiểm tra đã thay đổi (lý do: Trùng lịch)');
      expect(visitIcs).toContain('SEQUENCE:2');
      expect(visitIcs).toContain(`DTSTART:${stamp(at(wd(visitDay, 6), '07:30'))}`);

      // The reminder comes the working day before the new deadline, once per unit, not before.
      await sleepUntil(at(wd(m3, -6), '07:00'));
      expect(await mailsTo('an@mttq.test', /\[Nhắc hạn\] Chấm điểm/)).toHaveLength(0);
      await sleepUntil(at(wd(m3, -6), '09:00'));
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Nhắc hạn\] Chấm điểm/)).length === 3, 'the reminders');
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
