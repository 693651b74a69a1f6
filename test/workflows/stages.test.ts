/**
 * A unit's year with three stages scheduled by the plan (registration, the six-month report, the
 * year-end reports): each step opens on its own date, uses its own form and wording, and the unit's
 * current stage and search attributes follow the first step not yet approved.
 */
import { startCycle } from '../../api/services/start-cycle';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox } from '../helpers/harness';
import { smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe('a year of reviewed steps (time-skipping)', () => {
  const ts = useTimeSkipping('stages');

  test('each stage opens on its date with its own form; the current stage follows approvals', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = smallPlanFor(year, 'mttq-dinh-quan', {
      stages: {
        registration: { opensOn: `${year}-02-01`, deadline: `${year}-02-26`, reminders: [], escalations: [] },
        midYear: { opensOn: `${year}-06-01`, deadline: `${year}-06-15`, reminders: [], escalations: [] },
        reports: { opensOn: `${year}-10-01`, deadline: `${year}-11-10`, reminders: [], escalations: [] },
      },
    });
    const cycleId = `thidua:mttq-dinh-quan:${year}`;
    const wid = unitWorkflowId(cycleId, 'xa-phu-vinh');
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const approve = async (subject: RegExp) => {
      const review = await eventually(async () => (await mailsTo('an@mttq.test', subject))[0], `review request ${subject}`);
      expect((await actThroughLink(h, linkIn(review.text), { action: 'approve' })).status).toBe(200);
    };

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');

      await sleepUntil(`${year}-02-02T03:00:00Z`);
      const reg = await eventually(async () => (await mailsTo('xa-phu-vinh@units.test', /Đề nghị đăng ký thi đua/))[0], 'registration request');
      // Nothing of the later stages has been asked yet.
      expect(await mailsTo('xa-phu-vinh@units.test', /sơ kết|tổng kết/)).toHaveLength(0);
      await actThroughLink(h, linkIn(reg.text), { action: 'submit', content: 'Nội dung', targets: 'Chỉ tiêu' });
      await approve(/\[Thẩm định\] Đăng ký thi đua.*Phú Vinh/);
      await eventually(async () => {
        const s = await env.client.workflow.getHandle(wid).query(unitStateQuery);
        return s.stage === 'midYear' ? s : undefined;
      }, 'the unit to move on to the mid-year stage');

      // June: the six-month report, with the generic wording and a one-field form.
      await sleepUntil(`${year}-06-01T03:00:00Z`);
      const mid = await eventually(async () => (await mailsTo('xa-phu-vinh@units.test', /Báo cáo sơ kết 6 tháng/))[0], 'mid-year request');
      expect(mid.subject).toBe(`[Thi đua ${year}] Đề nghị gửi Báo cáo sơ kết 6 tháng – MTTQ xã Phú Vinh`);
      const midLink = linkIn(mid.text);
      // The registration form's fields are not this step's: refused, naming the missing field.
      const wrongForm = await actThroughLink(h, midLink, { action: 'submit', content: 'x', targets: 'y' });
      expect(wrongForm.status).toBe(400);
      expect(wrongForm.text).toContain('report');
      await actThroughLink(h, midLink, { action: 'submit', report: 'Sáu tháng đầu năm, đơn vị đã…' }).then((r) => expect(r.status).toBe(200));
      await approve(/\[Thẩm định\] Báo cáo sơ kết 6 tháng.*Phú Vinh/);

      // October: two year-end reports open together, each with its own link and its own review.
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      const summary = await eventually(async () => (await mailsTo('xa-phu-vinh@units.test', /Báo cáo tổng kết/))[0], 'summary request');
      const exemplars = await eventually(async () => (await mailsTo('xa-phu-vinh@units.test', /mô hình, điển hình/))[0], 'exemplars request');
      expect(linkIn(summary.text)).not.toBe(linkIn(exemplars.text));
      await actThroughLink(h, linkIn(summary.text), { action: 'submit', report: 'Tổng kết năm' });
      await approve(/\[Thẩm định\] Báo cáo tổng kết.*Phú Vinh/);
      let s = await env.client.workflow.getHandle(wid).query(unitStateQuery);
      expect(s.stage).toBe('reports');
      expect(s.steps['exemplars-report']?.status).toBe('open');
      await actThroughLink(h, linkIn(exemplars.text), { action: 'submit', report: 'Mô hình "Khu dân cư kiểu mẫu"' });
      await approve(/\[Thẩm định\] Báo cáo mô hình, điển hình.*Phú Vinh/);

      s = await eventually(async () => {
        const q = await env.client.workflow.getHandle(wid).query(unitStateQuery);
        return q.stage === 'done' ? q : undefined;
      }, 'the unit year to be done');
      expect(Object.values(s.steps).map((st) => st?.status)).toEqual(['approved', 'approved', 'approved', 'approved']);
      const rows = await h.db.models.StepState.find({ unitId: 'xa-phu-vinh' }).sort({ step: 1 }).lean();
      expect(rows.map((r) => [r.step, r.status])).toEqual([
        ['exemplars-report', 'approved'],
        ['midyear-report', 'approved'],
        ['registration', 'approved'],
        ['summary-report', 'approved'],
      ]);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
