/**
 * Stages whose dates are written relative to another stage, or to the meeting, follow it when a
 * coordinator moves it: the units' steps of the follower are rescheduled (reminders and escalations
 * from the new dates, the unit told with its calendar entry updated), a follower with an absolute
 * date stays, and a moved meeting moves only its own cluster's units. Time-skipping.
 */
import supertest from 'supertest';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { marchDays, smallPlanFor, yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const icsStamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace('.000', '');

describe('stages written relative to a moved date follow it (time-skipping)', () => {
  const ts = useTimeSkipping('stages-follow');

  test('moving the registration deadline moves the six-month report due 10 working days after it, not the reports', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const { day, local } = marchDays(year);
    const quiet = { reminders: [], escalations: [] };
    const plan = smallPlanFor(year, 'mttq-theo-han', {
      stages: {
        registration: { opensOn: day(0), deadline: day(4), ...quiet },
        // Due 10 working days after the registration deadline: Friday day 18.
        midYear: { opensOn: day(0), deadline: { after: 'registration.deadline', days: 10 }, reminders: [1], escalations: [0] },
        reports: { opensOn: day(0), deadline: day(32), ...quiet },
      },
    });
    const cycleId = `thidua:mttq-theo-han:${year}`;
    const unit = (unitId: string) => env.client.workflow.getHandle(unitWorkflowId(cycleId, unitId)).query(unitStateQuery);
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const move = (body: Record<string, unknown>) => supertest(h.app).post(`/api/cycles/${cycleId}/stages/registration/deadline`).set(auth).send(body);
    const iso = (ms: number) => new Date(ms).toISOString();

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await sleepUntil(local(0, '09:00'));
      // Phú Tân's six-month report is approved before anything moves: its dates can no longer move.
      const req = await eventually(async () => (await mailsTo('xa-phu-tan@units.test', /Báo cáo sơ kết 6 tháng/))[0], 'the six-month request');
      await actThroughLink(h, linkIn(req.text), { action: 'submit', report: 'Sáu tháng đầu năm' });
      const review = await eventually(async () => (await mailsTo('an@mttq.test', /\[Thẩm định\] Báo cáo sơ kết 6 tháng.*Phú Tân/))[0], 'the review request');
      await actThroughLink(h, linkIn(review.text), { action: 'approve' });
      await eventually(async () => (await unit('xa-phu-tan')).steps['midyear-report']?.status === 'approved', 'the approval');
      await eventually(async () => (await unit('tt-dinh-quan')).steps['midyear-report']?.status === 'open', 'the six-month report open everywhere');
      expect((await unit('xa-phu-loi')).steps['midyear-report']!.schedule.dueAt).toBe(iso(local(18, '17:00')));

      // A week later: the six-month report follows (day 25), the reports (absolute) stay.
      const moved = await move({ deadline: day(11), reason: 'Lùi hạn đăng ký' });
      expect(moved.status).toBe(200);
      const of = (step: string) => moved.body.updated.filter((u: { step: string }) => u.step === step).map((u: { unitId: string }) => u.unitId);
      expect(of('registration')).toHaveLength(6);
      expect(of('midyear-report')).toEqual(['xa-phu-vinh', 'xa-phu-loi', 'xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan']);
      expect(of('summary-report')).toEqual([]);
      expect(moved.body.refused).toEqual([{ unitId: 'xa-phu-tan', step: 'midyear-report', reason: 'step midyear-report is approved; its dates can no longer move' }]);
      expect(moved.body.unavailable).toEqual([]);

      // The workflow and the read model have the new deadline; the reports kept theirs.
      const loi = (await unit('xa-phu-loi')).steps;
      expect([loi['midyear-report']!.schedule.dueAt, loi['midyear-report']!.scheduleVersion]).toEqual([iso(local(25, '17:00')), 1]);
      expect([loi['summary-report']!.schedule.dueAt, loi['summary-report']!.scheduleVersion]).toEqual([iso(local(32, '17:00')), undefined]);
      await eventually(
        async () => (await h.db.models.StepState.findById(`${unitWorkflowId(cycleId, 'xa-phu-loi')}:midyear-report`).lean())?.dueAt?.getTime() === local(25, '17:00'),
        'the read model',
      );
      // The stored plans: the rule kept beside its new date; each unit's stored steps.
      const stored = (await h.db.models.Cycle.findById(cycleId).lean())!.plan as { stages: { midYear: { deadline: string; deadlineRule: unknown }; reports: { deadline: string } } };
      expect(stored.stages.midYear).toMatchObject({ deadline: day(25), deadlineRule: { after: 'registration.deadline', days: 10 } });
      expect(stored.stages.reports.deadline).toBe(day(32));
      const clusterPlan = await h.db.models.ClusterPlan.findById(`${cycleId}:cum-2`).lean();
      const gia = (clusterPlan!.units as { unitId: string; steps: Record<string, { dueAt: string }> }[]).find((u) => u.unitId === 'xa-gia-canh')!;
      expect([gia.steps['midyear-report'].dueAt, gia.steps['summary-report'].dueAt]).toEqual([iso(local(25, '17:00')), iso(local(32, '17:00'))]);

      // The unit is told, the calendar entry updated in place; nothing about the reports; not the approved unit.
      const notice = await eventually(async () => (await mailsTo('xa-phu-loi@units.test', /\[Thay đổi thời hạn\] Báo cáo sơ kết 6 tháng/))[0], 'the notice');
      expect(notice.text).toContain('Lùi hạn đăng ký');
      const ics = (await h.db.models.Mailbox.findById(notice._id).lean())!.attachments[0].content!.toString('utf8');
      expect(ics).toContain('SEQUENCE:1');
      expect(ics).toContain(`DTSTART:${icsStamp(local(25, '17:00'))}`);
      expect(await mailsTo('xa-phu-loi@units.test', /\[Thay đổi thời hạn\] Báo cáo tổng kết/)).toHaveLength(0);
      expect(await mailsTo('xa-phu-tan@units.test', /\[Thay đổi thời hạn\] Báo cáo sơ kết/)).toHaveLength(0);

      // The same request again changes nothing: no step moves, nobody is told twice.
      const again = await move({ deadline: day(11), reason: 'Lùi hạn đăng ký' });
      expect(again.status).toBe(200);
      expect(again.body.updated).toEqual([]);
      expect(Date.parse(again.body.schedule.dueAt)).toBe(local(11, '17:00'));
      expect((await unit('xa-phu-loi')).steps['midyear-report']!.scheduleVersion).toBe(1);

      // Nothing fires at the old dates (reminder day 17, escalation day 21); the new ones do.
      await sleepUntil(local(22, '12:00'));
      expect(await mailsTo('xa-phu-loi@units.test', /\[Nhắc hạn\]/)).toHaveLength(0);
      expect(await mailsTo('an@mttq.test', /\[Quá hạn/)).toHaveLength(0);
      await sleepUntil(local(28, '12:00'));
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Quá hạn.*Phú Lợi.*sơ kết/)).length === 1, 'the escalation after the new deadline');
      expect(await mailsTo('xa-phu-loi@units.test', /\[Thay đổi thời hạn\] Báo cáo sơ kết 6 tháng/)).toHaveLength(1);
      const minute = (at: string) => Math.floor(Date.parse(at) / 60000) * 60000;
      const history = (await unit('xa-phu-loi')).steps['midyear-report']!.history;
      expect(history.filter((e) => e.event === 'reminded').map((e) => minute(e.at))).toEqual([local(24, '08:00')]);
      expect(history.filter((e) => e.event === 'escalated').map((e) => minute(e.at))).toEqual([local(28, '08:00')]);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });

  test("moving a cluster's meeting moves its units' reports due before the meeting, not the other cluster's", async () => {
    const { env, h, year } = await ts.begin();
    const base = yearEndPlan(year, 'mttq-theo-hop');
    const plan = { ...base, stages: { ...base.stages, reports: { ...base.stages.reports!, deadline: { before: 'meeting', days: 15 } } } };
    const cycleId = `thidua:mttq-theo-hop:${year}`;
    const steps = async (unitId: string) =>
      (
        await env.client.workflow
          .getHandle(unitWorkflowId(cycleId, unitId))
          .query(unitStateQuery)
          .catch(() => undefined)
      )?.steps;
    // n working days before a day, at 17:00 local (10:00 UTC), skipping weekends (no holidays in this plan).
    const workingDaysBefore = (day: string, n: number) => {
      let d = new Date(`${day}T00:00:00Z`);
      for (let k = 0; k < n; ) {
        d = new Date(d.getTime() - 86400000);
        if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) k++;
      }
      return `${d.toISOString().slice(0, 10)}T10:00:00.000Z`;
    };
    const [oldDue, newDue] = [workingDaysBefore(`${year}-12-03`, 15), workingDaysBefore(`${year}-12-09`, 15)];

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await eventually(async () => (await steps('tt-dinh-quan'))?.['summary-report'], 'the units running');
      expect((await steps('xa-phu-loi'))!['summary-report']!.schedule.dueAt).toBe(oldDue);

      const res = await supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/meeting`).set(auth).send({ date: `${year}-12-09`, reason: 'Trùng lịch' });
      expect(res.status).toBe(200);
      // Cluster 1's three units, each of its reports' steps (scored plan: summary, self-scoring, exemplars).
      const reports = ['summary-report', 'self-scoring', 'exemplars-report'];
      const cum1 = ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi'];
      expect(res.body.replanned.updated.filter((u: { step: string }) => reports.includes(u.step))).toEqual(
        cum1.flatMap((u) => reports.map((step) => ({ workflowId: unitWorkflowId(cycleId, u), step, dueAt: newDue }))),
      );
      expect(res.body.replanned.updated.filter((u: { step: string }) => u.step === 'registration')).toEqual([]);
      for (const u of cum1) {
        const s = (await steps(u))!;
        expect(reports.map((r) => s[r as 'summary-report']!.schedule.dueAt)).toEqual([newDue, newDue, newDue]);
        expect(s.registration!.scheduleVersion).toBeUndefined();
      }
      // Cluster 2 keeps its meeting and its deadlines.
      for (const u of ['xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan']) {
        const s = (await steps(u))!;
        expect([s['summary-report']!.schedule.dueAt, s['summary-report']!.scheduleVersion]).toEqual([oldDue, undefined]);
      }
      const stored = await h.db.models.ClusterPlan.findById(`${cycleId}:cum-1`).lean();
      expect((stored!.units as { steps: Record<string, { dueAt: string }> }[]).map((u) => u.steps['summary-report'].dueAt)).toEqual([newDue, newDue, newDue]);

      // The same move again moves nothing more.
      const again = await supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/meeting`).set(auth).send({ date: `${year}-12-09`, reason: 'Trùng lịch' });
      expect(again.status).toBe(200);
      expect(again.body.replanned.updated).toEqual([]);
      expect((await steps('xa-phu-loi'))!['summary-report']!.scheduleVersion).toBe(1);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
