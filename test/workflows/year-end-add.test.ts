/** A coordinator adds a unit mid-year: it is asked for the steps already open and joins the year-end. */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf } from '../helpers/year-end';

// Its own test server: a year's leftover workflows in another test never hold this one's clock.
describe("a cluster's year-end (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-add');

  test('a coordinator adds a unit: it is asked for the open steps and joins the inspection', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = yearEndPlan(year, 'mttq-them-don-vi');
    const cycleId = `thidua:mttq-them-don-vi:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const add = (cluster: string, body: object) => supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/${cluster}/units`).set(auth).send(body);
    const newUnit = { id: 'xa-phu-moi', name: 'MTTQ xã Phú Mới', reviewer: 'cb-an', contacts: [{ name: 'Chủ tịch Phú Mới', email: 'xa-phu-moi@units.test' }] };
    const since = Date.now();
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? '') && m.receivedAt.getTime() >= since);

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-02-02T03:00:00Z`);
      await eventually(async () => (await mailsTo(mailOf('xa-phu-tan'), /Đề nghị đăng ký thi đua/))[0], 'the registration requests');

      const noReviewer = await add('cum-1', { unit: { ...newUnit, reviewer: 'cb-nobody' }, reason: 'Chia tách' });
      expect(noReviewer.status).toBe(400);
      expect(noReviewer.body.error.message).toContain('unit.reviewer: unknown staff id "cb-nobody"');
      expect((await add('cum-1', { unit: newUnit })).status).toBe(400); // no reason
      expect((await add('cum-9', { unit: newUnit, reason: 'x' })).status).toBe(404);
      const ok = await add('cum-1', { unit: newUnit, reason: 'Thành lập xã mới theo Nghị quyết' });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ unitId: 'xa-phu-moi', clusterId: 'cum-1' });
      // The Kế hoạch lists each cluster's members: version 2 (DOCX, HTML, PDF) has the new unit, version 1 not.
      const docs = (await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/documents`).set(auth).expect(200)).body.documents as { format: string; version: number }[];
      expect(docs.map((d) => `${d.format} v${d.version}`)).toEqual(['docx v2', 'docx v1', 'html v2', 'html v1', 'pdf v2', 'pdf v1']);
      expect((await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/documents/plan.html`).set(auth).expect(200)).text).toContain('MTTQ xã Phú Mới');
      // Its registration is open already: it is asked at once, with its own link.
      const req = await eventually(async () => (await mailsTo('xa-phu-moi@units.test', /Đề nghị đăng ký thi đua/))[0], "the new unit's request");
      expect((await supertest(h.app).get(linkIn(req.text))).status).toBe(200);
      const again = await add('cum-1', { unit: newUnit, reason: 'again' });
      expect(again.status).toBe(400);
      expect(again.body.error.message).toContain('duplicate id "xa-phu-moi"');

      await sleepUntil(`${year}-11-16T03:00:00Z`);
      const cluster = await eventually(async () => {
        const st = await env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-1')).query(clusterStateQuery);
        return st.yearEnd?.phase === 'inspection' ? st : undefined;
      }, 'the inspection');
      expect(cluster.yearEnd!.inspection.units.map((u) => u.unitId)).toEqual(['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi', 'xa-phu-moi']);
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Kiểm tra .*\] Chấm điểm MTTQ xã Phú Mới/)).length === 1, "the new unit's inspection request");
      // Once the inspection is open, nobody joins this year.
      const late = await add('cum-1', { unit: { ...newUnit, id: 'xa-phu-sau' }, reason: 'Muộn' });
      expect(late.status).toBe(409);
      expect(late.body.error.message).toContain('the inspection has opened');
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
