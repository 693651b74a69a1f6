/** A coordinator withdraws a unit mid-year: its open steps close, the cluster's year-end goes on without it. */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId, unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf } from '../helpers/year-end';

// Its own test server: a year's leftover workflows in another test never hold this one's clock.
describe("a cluster's year-end (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-withdraw');

  test('a coordinator withdraws a unit: its open steps close, the year-end goes on without it', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = yearEndPlan(year, 'mttq-rut-don-vi');
    const cycleId = `thidua:mttq-rut-don-vi:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const withdraw = (unit: string, body: object) => supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/units/${unit}/withdraw`).set(auth).send(body);
    const since = Date.now();
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? '') && m.receivedAt.getTime() >= since);

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-02-02T03:00:00Z`);
      await eventually(async () => (await mailsTo(mailOf('xa-phu-loi'), /Đề nghị đăng ký thi đua/))[0], 'the registration request');

      expect((await withdraw('xa-phu-loi', {})).status).toBe(400);
      expect((await withdraw('xa-nowhere', { reason: 'x' })).status).toBe(404);
      const head = await withdraw('xa-phu-tan', { reason: 'Sáp nhập' });
      expect(head.status).toBe(409);
      expect(head.body.error.message).toContain('heads the cluster');
      const ok = await withdraw('xa-phu-loi', { reason: 'Sáp nhập vào xã Phú Vinh theo Nghị quyết 1662' });
      expect(ok.status).toBe(200);
      expect(ok.body.withdrawn).toMatchObject({ by: 'api-token', reason: 'Sáp nhập vào xã Phú Vinh theo Nghị quyết 1662' });
      // Asking again is the same update (idempotent): the first withdrawal stands.
      const again = await withdraw('xa-phu-loi', { reason: 'again' });
      expect([again.status, again.body.withdrawn?.reason]).toEqual([200, 'Sáp nhập vào xã Phú Vinh theo Nghị quyết 1662']);

      // The unit is told; its open step closes; its link no longer works.
      const told = await eventually(async () => (await mailsTo(mailOf('xa-phu-loi'), /\[Dừng\] Đăng ký thi đua/))[0], 'the withdrawal notice');
      expect(told.text).toContain('Sáp nhập vào xã Phú Vinh theo Nghị quyết 1662');
      const unit = await eventually(async () => {
        const st = await env.client.workflow.getHandle(unitWorkflowId(cycleId, 'xa-phu-loi')).query(unitStateQuery).catch(() => undefined);
        return st?.withdrawn ? st : (await env.client.workflow.getHandle(unitWorkflowId(cycleId, 'xa-phu-loi')).describe()).status.name === 'COMPLETED' ? { done: true } : undefined;
      }, 'the unit workflow to end');
      expect(unit).toBeDefined();
      const req = (await mailsTo(mailOf('xa-phu-loi'), /Đề nghị đăng ký thi đua/))[0];
      expect((await supertest(h.app).get(linkIn(req.text))).status).toBe(410);
      expect(await h.db.models.Audit.countDocuments({ action: 'unit.withdraw', target: `${cycleId}:xa-phu-loi` })).toBe(1);

      // In November only the two remaining units are inspected.
      await sleepUntil(`${year}-11-16T03:00:00Z`);
      const cluster = await eventually(async () => {
        const st = await env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-1')).query(clusterStateQuery);
        return st.yearEnd?.phase === 'inspection' ? st : undefined;
      }, 'the inspection');
      expect(cluster.yearEnd!.inspection.units.map((u) => u.unitId)).toEqual(['xa-phu-tan', 'xa-phu-vinh']);
      expect(cluster.units.find((u) => u.unitId === 'xa-phu-loi')?.withdrawn?.reason).toContain('Sáp nhập');
      await eventually(async () => (await mailsTo('an@mttq.test', /\[Kiểm tra .*\] Chấm điểm MTTQ xã Phú Vinh/)).length === 1, 'the inspection requests');
      expect(await mailsTo('an@mttq.test', /\[Kiểm tra .*\] Chấm điểm MTTQ xã Phú Lợi/)).toHaveLength(0);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
