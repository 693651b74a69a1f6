/**
 * A coordinator moves a registration deadline: the cluster's own registration steps follow. Moving
 * the units' registration re-plans the pact written relative to it (it opens the working day after),
 * and moving stages.pact itself reschedules each cluster's pact step: reminders and escalations from
 * the new date, the head told with its calendar entry updated (higher SEQUENCE). Time-skipping.
 */
import supertest from 'supertest';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, mailbox, TEST_TOKEN } from '../helpers/harness';
import { marchDays, smallPlan, smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe("moving a deadline moves the cluster's registration steps (time-skipping)", () => {
  const ts = useTimeSkipping('cluster-registration-move');

  test('the pact follows the registration deadline, and moves with its own', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const { day, local } = marchDays(year);
    const base = smallPlan();
    const quiet = { reminders: [], escalations: [] };
    const plan = smallPlanFor(year, 'mttq-doi-han-cum', {
      staff: [...base.staff, { id: 'cb-hd', name: 'Hội đồng TĐKT', email: 'council@mttq.test' }],
      council: 'cb-hd',
      stages: {
        registration: { opensOn: day(0), deadline: day(4), ...quiet },
        // The pact is signed once the units have registered: the working day after their deadline.
        pact: { opensOn: { after: 'registration.deadline', days: 1 }, deadline: day(18), reminders: [1], escalations: [0] },
      },
    });
    const cycleId = `thidua:mttq-doi-han-cum:${year}`;
    const pactOf = async (cluster: string) => (await env.client.workflow.getHandle(clusterWorkflowId(cycleId, cluster)).query(clusterStateQuery).catch(() => undefined))?.steps?.['pact-signing'];
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const move = (stage: string, body: Record<string, unknown>) => supertest(h.app).post(`/api/cycles/${cycleId}/stages/${stage}/deadline`).set(auth).send(body);
    const iso = (ms: number) => new Date(ms).toISOString();

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await sleepUntil(local(0, '09:00'));
      await eventually(async () => (await pactOf('cum-2'))?.status === 'pending', 'the pact planned');
      expect((await pactOf('cum-1'))!.schedule.opensAt).toBe(iso(local(7, '00:00')));

      // The units' registration moves a week: the pact, which opens after it, moves with it.
      const moved = await move('registration', { deadline: day(11), reason: 'Lùi hạn đăng ký' });
      expect(moved.status).toBe(200);
      expect(moved.body.updated.filter((u: { step: string }) => u.step === 'registration')).toHaveLength(6);
      expect(moved.body.updated.filter((u: { step: string }) => u.step === 'pact-signing')).toEqual([
        { unitId: 'cum-1', step: 'pact-signing' },
        { unitId: 'cum-2', step: 'pact-signing' },
      ]);
      expect(moved.body.refused).toEqual([]);
      for (const c of ['cum-1', 'cum-2']) {
        const pact = (await pactOf(c))!;
        expect([pact.status, pact.schedule.opensAt, pact.schedule.dueAt, pact.scheduleVersion]).toEqual(['pending', iso(local(14, '00:00')), iso(local(18, '17:00')), 1]);
      }
      // The stored plan (documents, plan next, a later move) has the pact's new opening.
      const stored = await h.db.models.Cycle.findById(cycleId).lean();
      expect((stored!.plan as { stages: { pact: { opensOn: string } } }).stages.pact.opensOn).toBe(day(14));
      const clusterPlan = await h.db.models.ClusterPlan.findById(`${cycleId}:cum-1`).lean();
      expect((clusterPlan!.clusterSteps as { 'pact-signing': { schedule: { opensAt: string } } })['pact-signing'].schedule.opensAt).toBe(iso(local(14, '00:00')));
      // Nobody had been asked for the pact yet: nobody is told.
      expect(await mailsTo('xa-phu-tan@units.test', /giao ước/)).toHaveLength(0);

      // Not on day 7 any more: on day 14.
      await sleepUntil(local(8, '12:00'));
      expect((await pactOf('cum-1'))!.status).toBe('pending');
      await sleepUntil(local(14, '09:00'));
      await eventually(async () => (await mailsTo('xa-phu-tan@units.test', /giao ước thi đua/)).length === 1, 'the pact request');

      // The pact's own deadline moves a week: each head is told, the calendar entry updated in place.
      const pact = await move('pact', { deadline: day(25), reason: 'Chờ đủ chữ ký' });
      expect(pact.status).toBe(200);
      expect(pact.body.updated).toEqual([
        { unitId: 'cum-1', step: 'pact-signing' },
        { unitId: 'cum-2', step: 'pact-signing' },
      ]);
      expect(pact.body.schedule.dueAt).toBe(iso(local(25, '17:00')));
      const notice = await eventually(async () => (await mailsTo('tt-dinh-quan@units.test', /\[Thay đổi thời hạn\].*giao ước/))[0], "cluster 2's head told");
      expect(notice.text).toContain('Chờ đủ chữ ký');
      const ics = (await h.db.models.Mailbox.findById(notice._id).lean())!.attachments[0].content!.toString('utf8');
      expect(ics).toContain('SEQUENCE:2');
      expect(ics).toContain(`DTSTART:${iso(local(25, '17:00')).replace(/[-:]/g, '').replace('.000', '')}`);

      // Nothing fires at the old dates (reminder day 17, escalation day 21); the new ones do.
      await sleepUntil(local(22, '12:00'));
      expect(await mailsTo('tt-dinh-quan@units.test', /\[Nhắc hạn\]/)).toHaveLength(0);
      expect(await mailsTo('council@mttq.test', /Quá hạn/)).toHaveLength(0);
      await sleepUntil(local(28, '12:00'));
      await eventually(async () => (await mailsTo('council@mttq.test', /Quá hạn.*Cụm thi đua số 2/)).length === 1, 'the escalation after the new deadline');
      const minute = (at: string) => Math.floor(Date.parse(at) / 60000) * 60000;
      const history = (await pactOf('cum-2'))!.history;
      expect(history.filter((e) => e.event === 'reminded').map((e) => minute(e.at))).toEqual([local(24, '08:00')]);
      expect(history.filter((e) => e.event === 'escalated').map((e) => minute(e.at))).toEqual([local(28, '08:00')]);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
