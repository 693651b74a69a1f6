/**
 * The registration stage over a real calendar on the Java time-skipping test server: weeks pass in
 * seconds. Real activities, a real MongoDB-compatible server and a real SMTP server; people act
 * through the links in the emails they received, via the real express app.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { unitStateQuery, unitWorkflowId, type UnitState } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

/**
 * Dates are chosen from the test server's clock (it starts at the real "now"): the plan is for next
 * year, opening on the first Monday of March; the deadline is the Friday 18 days later. No holiday
 * falls in that window, so the expected instants below are plain weekday arithmetic, computed here
 * independently of rules/schedule.
 */
function planDates(nowMs: number) {
  const year = new Date(nowMs).getUTCFullYear() + 1;
  const first = new Date(Date.UTC(year, 2, 1));
  const monday = new Date(Date.UTC(year, 2, 1 + ((8 - first.getUTCDay()) % 7)));
  const day = (offset: number) => new Date(monday.getTime() + offset * 86400000).toISOString().slice(0, 10);
  // Local (UTC+7) wall time → instant.
  const at = (offset: number, hhmm: string) => new Date(`${day(offset)}T${hhmm}:00+07:00`).getTime();
  return {
    year,
    opensOn: day(0), // Monday
    deadline: day(18), // Friday of the third week
    reminder7: at(9, '08:00'), // Wednesday the week before: 7 working days before Friday
    reminder3: at(15, '08:00'), // Tuesday: 3 working days before
    reminder1: at(17, '08:00'), // Thursday: 1 working day before
    dueAt: at(18, '17:00'),
    escalation1: at(23, '08:00'), // grace ends Tuesday 17:00 → first working day after: Wednesday
    escalation2: at(28, '08:00'), // 3 working days later: Monday
    at,
  };
}

describe('registration stage (time-skipping)', () => {
  const ts = useTimeSkipping('registration');

  test('requests, reminders, returns, approvals and escalations follow the plan', async () => {
    const env = ts.env();
    const h = ts.h();
    const d = planDates(await env.currentTimeMs());
    const plan = smallPlan({
      year: d.year,
      calendar: { holidays: [] },
      stages: { registration: { opensOn: d.opensOn, deadline: d.deadline, reminders: [7, 3, 1], grace: 2, escalations: [0, 3] } },
    });
    const cycleId = `thidua:mttq-dinh-quan:${d.year}`;
    const state = (unitId: string) => env.client.workflow.getHandle(unitWorkflowId(cycleId, unitId)).query(unitStateQuery);
    const sleepUntil = async (ms: number) => env.sleep(Math.max(ms - (await env.currentTimeMs()), 0));
    const mailsTo = async (email: string, subject: RegExp) => (await mailbox(h, email)).filter((m) => subject.test(m.subject ?? ''));

    await h.runWorker(async () => {
      const { cycle } = await startCycle(h.deps, plan, 'test');
      expect(cycle).toMatchObject({ cycleId, clusters: 2, units: 6, status: 'running' });

      // Opening day: every unit is asked, in its own language, with its own link.
      await sleepUntil(d.at(0, '09:00'));
      // Each unit gets its launch notice and its request: the six requests picked by subject.
      await eventually(async () => (await mailbox(h)).filter((m) => /Đề nghị|Please register/.test(m.subject ?? '')).length >= 6, 'the six requests');
      const [request] = await mailsTo('xa-phu-tan@units.test', /Đề nghị đăng ký thi đua/);
      expect(request.subject).toContain('MTTQ xã Phú Tân');
      expect(request.text).toContain('17:00');
      // The deadline travels as a calendar item, at 17:00 local on the deadline day (10:00 UTC).
      const [ics] = (await h.db.models.Mailbox.findById(request._id).lean())!.attachments;
      expect(ics).toMatchObject({ filename: 'thidua.ics', contentType: 'text/calendar' });
      const icsText = ics.content!.toString('utf8');
      expect(icsText).toContain(`DTSTART:${new Date(d.dueAt).toISOString().replace(/[-:]/g, '').replace('.000', '')}`);
      expect(icsText.replace(/\r\n /g, '')).toContain(`UID:thidua:mttq-dinh-quan:${d.year}:unit:xa-phu-tan:registration:due@thidua`);
      const [englishRequest] = await mailsTo('xa-gia-canh@units.test', /Please register/);
      expect(englishRequest).toBeDefined();

      // Phú Tân submits at once; its reviewer returns it with a comment; it submits again; approved.
      const tanLink = linkIn(request.text);
      const sent = await actThroughLink(h, tanLink, { action: 'submit', content: 'Nội dung lần 1', targets: 'Chỉ tiêu 1' });
      expect(sent.status).toBe(200);
      const [review1] = await eventually(async () => {
        const m = await mailsTo('an@mttq.test', /\[Thẩm định\].*Phú Tân/);
        return m.length ? m : undefined;
      }, 'the review request');
      const returned = await actThroughLink(h, linkIn(review1.text), { action: 'return', comment: 'Bổ sung chỉ tiêu về an sinh xã hội' });
      expect(returned.status).toBe(200);
      const [returnMail] = await eventually(async () => {
        const m = await mailsTo('xa-phu-tan@units.test', /\[Trả lại\]/);
        return m.length ? m : undefined;
      }, 'the return notice');
      expect(returnMail.text).toContain('Bổ sung chỉ tiêu về an sinh xã hội');
      // The same link works again in the new round (a return opens round 2)…
      expect(linkIn(returnMail.text)).toBe(tanLink);
      await actThroughLink(h, tanLink, { action: 'submit', content: 'Nội dung lần 2', targets: 'Chỉ tiêu 2' }).then((r) => expect(r.status).toBe(200));
      // …but replaying round 1's submission is refused and changes nothing.
      const replay = await supertest(h.app).post(tanLink).type('form').send({ action: 'submit', round: '1', content: 'x', targets: 'y' });
      expect(replay.status).toBe(410);
      const review2 = await eventually(async () => {
        const m = await mailsTo('an@mttq.test', /\[Thẩm định\].*Phú Tân/);
        return m.length === 2 ? m[1] : undefined;
      }, 'the second review request');
      await actThroughLink(h, linkIn(review2.text), { action: 'approve' }).then((r) => expect(r.status).toBe(200));

      // Gia Canh (English) submits on the first day and is approved by its reviewer (English too).
      await actThroughLink(h, linkIn(englishRequest.text), { action: 'submit', content: 'Content', targets: 'Targets' });
      const binhReview = await eventually(async () => (await mailsTo('binh@mttq.test', /\[Review\].*Gia Canh/))[0], 'the English review request');
      await actThroughLink(h, linkIn(binhReview.text), { action: 'approve' });

      // Phú Vinh waits for two reminders, then submits; approved.
      await sleepUntil(d.reminder3 + 3600_000);
      const vinhMails = await eventually(async () => {
        const m = await mailsTo('xa-phu-vinh@units.test', /\[Nhắc hạn\]/);
        return m.length === 2 ? m : undefined;
      }, 'two reminders to Phú Vinh');
      expect(vinhMails[0].subject).toContain('còn 7 ngày làm việc');
      expect(vinhMails[1].subject).toContain('còn 3 ngày làm việc');
      await actThroughLink(h, linkIn(vinhMails[1].text), { action: 'submit', content: 'Nội dung', targets: 'Chỉ tiêu' });
      const vinhReview = await eventually(async () => (await mailsTo('an@mttq.test', /\[Thẩm định\].*Phú Vinh/))[0], 'Phú Vinh review');
      await actThroughLink(h, linkIn(vinhReview.text), { action: 'approve' });

      // Ngọc Định submits late (the Monday after the deadline, inside the grace period): accepted, not escalated.
      await sleepUntil(d.at(21, '10:00'));
      const [dinhRequest] = await mailsTo('xa-ngoc-dinh@units.test', /Đề nghị đăng ký/);
      await actThroughLink(h, linkIn(dinhRequest.text), { action: 'submit', content: 'Muộn', targets: 'Muộn' }).then((r) => expect(r.status).toBe(200));
      const dinhReview = await eventually(async () => (await mailsTo('binh@mttq.test', /\[Review\].*Ngọc Định/))[0], 'Ngọc Định review');
      await actThroughLink(h, linkIn(dinhReview.text), { action: 'approve' });

      // Past both escalation levels: Phú Lợi and the town never answered.
      await sleepUntil(d.escalation2 + 3600_000);
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Quá hạn – mức 2\].*Phú Lợi/)).length === 1, 'level-2 escalation');

      const loi: UnitState = await state('xa-phu-loi');
      // A timer fires at its instant plus the few milliseconds a workflow task takes: compare to the minute.
      const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;
      const at = (kind: string) => loi.steps.registration!.history.filter((e) => e.event === kind).map((e) => minute(Date.parse(e.at)));
      expect(at('reminded')).toEqual([d.reminder7, d.reminder3, d.reminder1]);
      expect(at('escalated')).toEqual([d.escalation1, d.escalation2]);
      expect(loi.steps.registration!.status).toBe('open');
      expect(new Date(d.dueAt).toISOString()).toBe(loi.steps.registration!.schedule.dueAt);

      // Each escalation went to the reviewer and the cluster head (Phú Tân's contact), once per level.
      expect((await mailsTo('an@mttq.test', /\[Quá hạn.*Phú Lợi/)).map((m) => m.subject)).toEqual([
        expect.stringContaining('mức 1'),
        expect.stringContaining('mức 2'),
      ]);
      expect(await mailsTo('xa-phu-tan@units.test', /\[Quá hạn.*Phú Lợi/)).toHaveLength(2);
      // The town is its own cluster's head: one message per level, not two.
      expect(await mailsTo('tt-dinh-quan@units.test', /\[Quá hạn.*Định Quán/)).toHaveLength(2);
      expect(await mailsTo('binh@mttq.test', /\[Overdue.*Định Quán/)).toHaveLength(2);

      // Units that acted got no reminder after acting; nobody who was on time was escalated.
      expect(await mailsTo('xa-phu-tan@units.test', /\[Nhắc hạn\]/)).toHaveLength(0);
      expect(await mailsTo('xa-ngoc-dinh@units.test', /\[Nhắc hạn\]/)).toHaveLength(3);
      expect(await mailsTo('an@mttq.test', /\[Quá hạn.*(Phú Tân|Phú Vinh)/)).toHaveLength(0);
      expect(await mailsTo('binh@mttq.test', /\[Overdue.*(Ngọc Định|Gia Canh)/)).toHaveLength(0);
      expect(await mailsTo('xa-phu-loi@units.test', /\[Nhắc hạn\]/)).toHaveLength(3);

      // The query and the MongoDB read model agree.
      const tan = await state('xa-phu-tan');
      expect(tan.steps.registration!).toMatchObject({ status: 'approved', round: 2, submission: { fields: { content: 'Nội dung lần 2' } } });
      const rows = await h.db.models.StepState.find({ cycleId }).lean();
      expect(Object.fromEntries(rows.map((r) => [r.unitId, r.status]))).toEqual({
        'xa-phu-tan': 'approved',
        'xa-phu-vinh': 'approved',
        'xa-phu-loi': 'open',
        'xa-gia-canh': 'approved',
        'xa-ngoc-dinh': 'approved',
        'tt-dinh-quan': 'open',
      });

      // Every message went out exactly once: one outbox row per message, none pending or failed.
      const outbox = await h.db.models.Outbox.find({ cycleId }).lean();
      expect(outbox.every((o) => o.status === 'sent')).toBe(true);
      expect((await mailbox(h)).length).toBe(outbox.length);
      expect(new Set((await mailbox(h)).map((m) => m.messageId)).size).toBe(outbox.length);

      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
