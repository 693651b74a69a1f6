/**
 * A coordinator changes a running cycle through the api: moving a deadline re-plans every pending
 * reminder and escalation (and tells the units, with an updated calendar entry); cancelling closes
 * every open step and tells the people concerned. On the time-skipping server, over a real calendar.
 */
import supertest from 'supertest';
import { cycleStateQuery, unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { marchDays, smallPlan, smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('coordinator changes to a running cycle (time-skipping)', () => {
  const ts = useTimeSkipping('coordinator');

  test('move a deadline, then cancel the cycle', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    // Mondays in March of next year: the plan opens on the first, is due on the Friday 18 days later.
    const { day, local } = marchDays(year);
    const plan = smallPlanFor(year, 'mttq-dinh-quan', {
      stages: { registration: { opensOn: day(0), deadline: day(18), reminders: [1], grace: 0, escalations: [0] } },
    });
    const cycleId = `thidua:mttq-dinh-quan:${year}`;
    const state = (unitId: string) => env.client.workflow.getHandle(unitWorkflowId(cycleId, unitId)).query(unitStateQuery);
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await sleepUntil(local(0, '09:00'));
      // Phú Tân is done before anything moves.
      const req = await eventually(async () => (await mailsTo('xa-phu-tan@units.test', /Đề nghị đăng ký/))[0], 'request');
      await actThroughLink(h, linkIn(req.text), { action: 'submit', content: 'a', targets: 'b' });
      const review = await eventually(async () => (await mailsTo('an@mttq.test', /\[Thẩm định\]/))[0], 'review');
      await actThroughLink(h, linkIn(review.text), { action: 'approve' });
      await eventually(async () => (await state('xa-phu-tan')).steps.registration!.status === 'approved', 'approval');

      // Bad requests change nothing.
      const bad = await supertest(h.app).post(`/api/cycles/${cycleId}/stages/registration/deadline`).set(auth).send({ deadline: '25/03' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.problems[0].path).toBe('deadline');
      expect((await supertest(h.app).post(`/api/cycles/${cycleId}/stages/nope/deadline`).set(auth).send({ deadline: day(25) })).status).toBe(404);
      expect((await supertest(h.app).post(`/api/cycles/${cycleId}/stages/registration/deadline`).send({ deadline: day(25) })).status).toBe(401);

      // One week later (Friday day 25), with a reason.
      const moved = await supertest(h.app)
        .post(`/api/cycles/${cycleId}/stages/registration/deadline`)
        .set(auth)
        .send({ deadline: day(25), reason: 'Trùng lịch hội nghị tỉnh' });
      expect(moved.status).toBe(200);
      expect(moved.body.updated).toHaveLength(5);
      expect(moved.body.refused).toEqual([{ unitId: 'xa-phu-tan', step: 'registration', reason: 'step registration is approved; its dates can no longer move' }]);
      expect(Date.parse(moved.body.schedule.dueAt)).toBe(local(25, '17:00'));
      // The Kế hoạch prints the stage's dates: a new version (DOCX, HTML and PDF) with the moved deadline.
      const docs = (await supertest(h.app).get(`/api/cycles/${cycleId}/documents`).set(auth).expect(200)).body.documents as { format: string; version: number }[];
      expect(docs.map((d) => `${d.format} v${d.version}`)).toEqual(['docx v2', 'docx v1', 'html v2', 'html v1', 'pdf v2', 'pdf v1']);
      const planPage = await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan.html`).set(auth).expect(200);
      expect(planPage.text).toContain(day(25).split('-').reverse().join('/'));
      expect(planPage.text).not.toContain(day(18).split('-').reverse().join('/'));

      // Each waiting unit is told, with the calendar entry updated in place (same UID, SEQUENCE:1).
      const notice = await eventually(async () => (await mailsTo('xa-phu-loi@units.test', /\[Thay đổi thời hạn\]/))[0], 'deadline-changed notice');
      expect(notice.text).toContain('Trùng lịch hội nghị tỉnh');
      const ics = (await h.db.models.Mailbox.findById(notice._id).lean())!.attachments[0].content!.toString('utf8');
      expect(ics).toContain('SEQUENCE:1');
      expect(ics).toContain(`DTSTART:${new Date(local(25, '17:00')).toISOString().replace(/[-:]/g, '').replace('.000', '')}`);
      expect(await mailsTo('xa-phu-tan@units.test', /\[Thay đổi thời hạn\]/)).toHaveLength(0);

      // Nothing fires at the old dates; the reminder and escalation follow the new deadline.
      await sleepUntil(local(22, '12:00')); // past the old deadline's escalation (day 21, 08:00)
      expect(await mailsTo('an@mttq.test', /\[Quá hạn/)).toHaveLength(0);
      await sleepUntil(local(28, '12:00')); // past the new escalation (Monday day 28, 08:00)
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Quá hạn.*Phú Lợi/)).length === 1, 'escalation after the new deadline');
      const loi = (await state('xa-phu-loi')).steps.registration!;
      const minute = (iso: string) => Math.floor(Date.parse(iso) / 60000) * 60000;
      expect(loi.history.filter((e) => e.event === 'reminded').map((e) => minute(e.at))).toEqual([local(24, '08:00')]);
      expect(loi.history.filter((e) => e.event === 'escalated').map((e) => minute(e.at))).toEqual([local(28, '08:00')]);
      expect(loi.scheduleVersion).toBe(1);

      // Cancel: a reason is required; then every open step closes and its unit is told.
      expect((await supertest(h.app).post(`/api/cycles/${cycleId}/cancel`).set(auth).send({})).status).toBe(400);
      expect((await supertest(h.app).post(`/api/cycles/${cycleId}/cancel`).set(auth).send({ reason: 'Thay đổi kế hoạch' })).status).toBe(202);
      await eventually(async () => (await h.db.models.Cycle.findById(cycleId).lean())?.status === 'cancelled', 'the cycle to be cancelled');
      const rows = await h.db.models.StepState.find({ cycleId }).lean();
      expect(Object.fromEntries(rows.map((r) => [r.unitId, r.status]))).toMatchObject({ 'xa-phu-tan': 'approved', 'xa-phu-loi': 'cancelled', 'tt-dinh-quan': 'cancelled' });
      expect(await mailsTo('xa-phu-loi@units.test', /\[Hủy\]/)).toHaveLength(1);
      expect(await mailsTo('xa-phu-tan@units.test', /\[Hủy\]/)).toHaveLength(0);
      // The unit's link is now closed (410), and a second cancel is refused.
      const loiReq = (await mailsTo('xa-phu-loi@units.test', /Đề nghị đăng ký/))[0];
      expect((await supertest(h.app).get(linkIn(loiReq.text))).status).toBe(410);
      expect((await supertest(h.app).post(`/api/cycles/${cycleId}/cancel`).set(auth).send({ reason: 'again' })).status).toBe(409);
      await expect(env.client.workflow.getHandle(`${cycleId}:cycle`).query(cycleStateQuery)).resolves.toBeDefined();
    });
  });

  test('cancelling twice (or twice at once) is one cancellation, audited once', async () => {
    const { h, year } = await ts.begin();
    const { day } = marchDays(year);
    const plan = smallPlanFor(year, 'mttq-huy-hai-lan', { stages: { registration: { deadline: day(18), reminders: [], escalations: [] } } });
    const cycleId = `thidua:mttq-huy-hai-lan:${year}`;
    const cancel = (reason: string) => supertest(h.app).post(`/api/cycles/${cycleId}/cancel`).set(auth).send({ reason });
    await h.runWorker(async () => {
      // Running, and its workflow under way (a unit's step projected): the Java test server fails a
      // cancellation that reaches a cycle before its first workflow task has run.
      const running = async (id: string) => (await h.db.models.Cycle.findById(id).lean())?.status === 'running' && (await h.db.models.StepState.countDocuments({ cycleId: id })) > 0;
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await eventually(() => running(cycleId), 'the cycle running');
      const first = await cancel('Thay đổi kế hoạch');
      expect([first.status, first.body]).toEqual([202, { cycleId, status: 'cancelling' }]);
      // At once, while the cycle closes its clusters and their units (many workflow tasks and activities away).
      const [second, third] = await Promise.all([cancel('Bấm lại'), cancel('Bấm lần ba')]);
      for (const r of [second, third]) {
        expect(r.status).toBe(202);
        expect(r.body).toEqual({ cycleId, status: 'cancelling', already: { at: expect.any(String), by: 'api-token', reason: 'Thay đổi kế hoạch' } });
      }
      expect(await h.db.models.Audit.countDocuments({ action: 'cycle.cancel', target: cycleId })).toBe(1);

      // Two requests at once on a cycle not cancelled yet: one of them is the cancellation, the other repeats it.
      const other = smallPlan({ ...plan, body: { ...plan.body, id: 'mttq-huy-cung-luc' } });
      const otherId = `thidua:mttq-huy-cung-luc:${year}`;
      await supertest(h.app).post('/api/cycles').set(auth).send(other).expect(201);
      await eventually(() => running(otherId), 'the other cycle running');
      const both = await Promise.all(['A', 'B'].map((reason) => supertest(h.app).post(`/api/cycles/${otherId}/cancel`).set(auth).send({ reason })));
      expect(both.map((r) => r.status)).toEqual([202, 202]);
      expect(both.filter((r) => r.body.already).length).toBe(1);
      expect(await h.db.models.Audit.countDocuments({ action: 'cycle.cancel', target: otherId })).toBe(1);

      // The cycles end cancelled, each cancelled once; a request after that is refused as before.
      for (const id of [cycleId, otherId]) await eventually(async () => (await h.db.models.Cycle.findById(id).lean())?.status === 'cancelled', `${id} cancelled`, 150_000);
      expect(await h.db.models.Audit.countDocuments({ action: 'cycle.cancel', target: { $in: [cycleId, otherId] } })).toBe(2);
    });
    const late = await cancel('Muộn');
    expect([late.status, late.body.error.message]).toEqual([409, 'the cycle is already cancelled']);
    expect(await h.db.models.Audit.countDocuments({ action: 'cycle.cancel', target: cycleId })).toBe(1);
  }, 400_000);
});
