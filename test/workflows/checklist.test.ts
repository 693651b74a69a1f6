/**
 * A stage's evidence checklist on the time-skipping test server: the link page shows it, an
 * incomplete submission is refused by the workflow (naming the missing items) and answered with a
 * 4xx, by link and by the on-behalf api alike; a complete one goes to the reviewer, who sees it.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe('the evidence checklist (time-skipping)', () => {
  const ts = useTimeSkipping('checklist');

  test('an incomplete submission is refused with the missing items named; a complete one is reviewed with it', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = smallPlanFor(year, 'mttq-minh-chung', {
      stages: {
        registration: {
          opensOn: `${year}-02-01`,
          deadline: `${year}-02-26`,
          reminders: [],
          escalations: [],
          checklist: [
            { id: 'nghi-quyet', label: 'Nghị quyết đăng ký thi đua của Ban Thường trực', labelEn: 'Resolution of the standing committee' },
            { id: 'bang-chi-tieu', label: 'Bảng chỉ tiêu có chữ ký' },
            { id: 'hinh-anh', label: 'Hình ảnh lễ phát động', required: false },
          ],
        },
      },
    });
    const cycleId = `thidua:mttq-minh-chung:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-02-01T03:00:00Z`);
      const [req] = await eventually(async () => {
        const m = (await mailbox(h, 'xa-phu-tan@units.test')).filter((x) => /Đề nghị đăng ký thi đua/.test(x.subject ?? ''));
        return m.length > 0 && m;
      }, 'the registration request');
      const link = linkIn(req.text);

      // The page lists the items, the required ones marked.
      const page = await supertest(h.app).get(link).expect(200);
      expect(page.text).toContain('Danh mục minh chứng');
      expect(page.text).toContain('name="check-nghi-quyet"');
      expect(page.text).toContain('Nghị quyết đăng ký thi đua của Ban Thường trực *');
      expect(page.text).toContain('Hình ảnh lễ phát động</label>');
      const en = await supertest(h.app).get(`${link}?lang=en`).expect(200);
      expect(en.text).toContain('Resolution of the standing committee *');
      const round = /name="round" value="(\d+)"/.exec(page.text)![1];
      const post = (extra: Record<string, string>) =>
        supertest(h.app)
          .post(link)
          .type('form')
          .send({ action: 'submit', round, content: 'Nội dung', targets: 'Chỉ tiêu', ...extra });

      // One required item unticked (a note alone does not count): refused, the item named, nothing changes.
      const refused = await post({ 'check-nghi-quyet': 'on', 'ref-nghi-quyet': 'Số 15-NQ/MTTQ', 'ref-bang-chi-tieu': 'gửi sau' });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('the evidence checklist is incomplete: missing &quot;Bảng chỉ tiêu có chữ ký&quot; (bang-chi-tieu)');
      const wf = env.client.workflow.getHandle(unitWorkflowId(cycleId, 'xa-phu-tan'));
      expect((await wf.query(unitStateQuery)).steps.registration?.status).toBe('open');

      // The api refuses an incomplete paper submission as well, with the reason.
      const paper = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(cycleId)}/units/xa-phu-vinh/steps/registration/submission`)
        .set(auth)
        .send({ round: 1, fields: { content: 'Trên giấy', targets: 'Chỉ tiêu' }, checklist: { 'nghi-quyet': { checked: true } } });
      expect(paper.status).toBe(409);
      expect(paper.body.error.message).toContain('missing "Bảng chỉ tiêu có chữ ký" (bang-chi-tieu)');
      const badShape = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(cycleId)}/units/xa-phu-vinh/steps/registration/submission`)
        .set(auth)
        .send({ round: 1, fields: { content: 'Trên giấy', targets: 'Chỉ tiêu' }, checklist: { 'nghi-quyet': { checked: 'yes' } } });
      expect(badShape.status).toBe(400);
      const paperOk = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(cycleId)}/units/xa-phu-vinh/steps/registration/submission`)
        .set(auth)
        .send({ round: 1, fields: { content: 'Trên giấy', targets: 'Chỉ tiêu' }, checklist: { 'nghi-quyet': { checked: true }, 'bang-chi-tieu': { checked: true, note: 'bản giấy' } } });
      expect(paperOk.status).toBe(200);

      // Complete (the optional item left out): accepted, through the same link.
      const sent = await post({ 'check-nghi-quyet': 'on', 'ref-nghi-quyet': 'Số 15-NQ/MTTQ', 'check-bang-chi-tieu': 'on' });
      expect(sent.status).toBe(200);
      const st = await eventually(async () => {
        const s = (await wf.query(unitStateQuery)).steps.registration;
        return s?.status === 'submitted' && s;
      }, 'the submission');
      expect(st.submission?.checklist).toEqual({ 'nghi-quyet': { checked: true, note: 'Số 15-NQ/MTTQ' }, 'bang-chi-tieu': { checked: true } });

      // The reviewer's page shows what was ticked, with the notes.
      const [review] = await eventually(async () => {
        const m = (await mailbox(h, 'an@mttq.test')).filter((x) => /\[Thẩm định\].*Phú Tân/.test(x.subject ?? ''));
        return m.length > 0 && m;
      }, 'the review request');
      const reviewPage = await supertest(h.app).get(linkIn(review.text)).expect(200);
      expect(reviewPage.text).toContain('☑ Nghị quyết đăng ký thi đua của Ban Thường trực * — Số 15-NQ/MTTQ');
      expect(reviewPage.text).toContain('☐ Hình ảnh lễ phát động');
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
