/**
 * A parent cycle deciding a forward from below continues as new (its history reaches
 * CYCLE_HISTORY_BUDGET) while its council has not decided yet: the new run holds the same open
 * decision (deadline, reminders, council, the acting substitute), sends nobody the request or the
 * reminder a second time, and takes the decision through the link mailed by the run before; the cycle
 * below learns the outcome once, and keeps it (`outcomes`) across its own continue-as-new.
 * (The same path without continue-as-new: forward-decision.test.ts.)
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { localDate, shiftDate } from '../../rules/calendar';
import { cycleStateQuery, cycleWorkflowId } from '../../workflows/cycle/definitions';
import { continueCycleAsNew } from '../helpers/continue-as-new';
import { districtAndDecidingProvince, nominateTanAndVinh, nthMail as nthMailOf } from '../helpers/forwarding';
import { eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { useTimeSkipping } from '../helpers/time-skipping';

jest.setTimeout(240_000); // ~65 s alone; more on a loaded 2-core machine

describe('forward decisions across continue-as-new (time-skipping, two cycles)', () => {
  const ts = useTimeSkipping('forward-continue');

  test('the open decision, its reminders and substitute, and the outcome below survive each cycle continuing as new', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    // Five working days to decide, a reminder two working days before.
    const { district, province, child, parent } = districtAndDecidingProvince(year);
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const asked = /\[Đề nghị khen thưởng\] Ủy ban MTTQ Việt Nam huyện Định Quán/;
    const reminded = /\[Nhắc hạn\] Xét đề nghị của Ủy ban MTTQ Việt Nam huyện Định Quán/;
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const nthMail = (to: string, re: RegExp, n = 0) => nthMailOf(h, to, re, n);
    const stateOf = (cycleId: string) => env.client.workflow.getHandle(cycleWorkflowId(cycleId)).query(cycleStateQuery);
    const cal = { timeZone: 'Asia/Ho_Chi_Minh', holidays: [], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] };

    await h.runWorker(async () => {
      await startCycle(h.deps, province, 'test');
      await startCycle(h.deps, district, 'test');
      await sleepUntil(Date.parse(`${year}-04-01T04:00:00Z`));
      await nominateTanAndVinh(h);
      await sleepUntil(Date.parse(`${year}-04-20T04:00:00Z`));
      const districtLink = linkIn((await nthMail('council@mttq.test', /\[Khen thưởng cá nhân\] Cụm thi đua số 1/)).text);
      expect((await supertest(h.app).post(districtLink).type('form').send({ 'd.xa-phu-tan:1': 'forward', 'd.xa-phu-vinh:1': 'forward' })).status).toBe(200);

      // Asked, reminded, and a substitute named for one member: all in the parent's first run.
      await Promise.all(['council@tinh.test', 'pct@tinh.test'].map((to) => nthMail(to, asked)));
      const open = await eventually(async () => {
        const s = await stateOf(parent);
        return s.decisions?.[0]?.status === 'deciding' && s.decisions[0];
      }, 'the decision open on the parent');
      await sleepUntil(Date.parse(open.dueAt!) - 30 * 3600_000);
      await Promise.all(['council@tinh.test', 'pct@tinh.test'].map((to) => nthMail(to, reminded)));
      const today = localDate(new Date(await env.currentTimeMs()).toISOString(), 'Asia/Ho_Chi_Minh');
      const substitute = { name: 'Ủy viên Hội đồng', email: 'uyvien@tinh.test' };
      const named = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(parent)}/delegations`)
        .set(auth)
        .send({ role: 'council', email: 'council@tinh.test', substitute, from: today, to: shiftDate(today, { days: 2, unit: 'calendar' }, cal) });
      expect(named.status).toBe(200);
      const subLink = linkIn((await nthMail(substitute.email, asked)).text);
      const before = await eventually(async () => {
        const s = await stateOf(parent);
        return s.delegations?.length === 1 && s;
      }, 'the delegation in the state');
      expect(before.runs ?? 0).toBe(0);

      // The parent continues as new: the query shows the same decision, inbound forward and substitute.
      await continueCycleAsNew(env.client, cycleWorkflowId(parent));
      const after = await stateOf(parent);
      expect(after.runs).toBeGreaterThanOrEqual(1);
      expect(after.decisions).toEqual(before.decisions);
      expect(after.inbound).toEqual(before.inbound);
      expect(after.delegations).toEqual(before.delegations);

      // The substitute decides through the link the first run mailed, for the member they stand in for.
      const post = (link: string, form: Record<string, string>) => supertest(h.app).post(link).type('form').send(form);
      expect((await post(subLink, { 'd.0': 'approve', 'd.1': 'return', 'c.1': 'Bổ sung bản tóm tắt quá trình công tác' })).status).toBe(200);
      const decided = await eventually(async () => {
        const s = await stateOf(parent);
        return s.decisions?.[0]?.reported === 'signal' && s.decisions[0];
      }, 'the decision reported down');
      expect(decided).toMatchObject({
        forwardId: open.forwardId,
        status: 'decided',
        dueAt: open.dueAt,
        reminders: open.reminders,
        council: open.council,
        decidedBy: substitute.email,
        actingFor: 'council@tinh.test',
        items: [
          { n: 0, decision: 'approve' },
          { n: 1, decision: 'return', comment: 'Bổ sung bản tóm tắt quá trình công tác' },
        ],
      });
      // Nobody was asked or reminded twice across the two runs (the new run's request went out first).
      for (const to of ['council@tinh.test', 'pct@tinh.test']) {
        expect(await mailsTo(to, asked)).toHaveLength(1);
        expect(await mailsTo(to, reminded)).toHaveLength(1);
      }
      expect(await mailsTo(substitute.email, asked)).toHaveLength(1);

      // The cycle below has the outcome, once, and keeps it when it continues as new itself.
      const below = await eventually(async () => {
        const s = await stateOf(child);
        return s.outcomes?.length === 1 && s;
      }, 'the outcome in the cycle below');
      expect(below.outcomes).toMatchObject([{ forwardId: open.forwardId, toCycleId: parent, approved: 1, returned: 1 }]);
      await nthMail('vanphong@huyen.test', /\[Kết quả xét đề nghị\] Ủy ban MTTQ Việt Nam tỉnh Đồng Nai/);
      await continueCycleAsNew(env.client, cycleWorkflowId(child));
      const belowAfter = await stateOf(child);
      expect(belowAfter.runs).toBeGreaterThanOrEqual(1);
      expect(belowAfter.outcomes).toEqual(below.outcomes);
      expect(await mailsTo('vanphong@huyen.test', /\[Kết quả xét đề nghị\]/)).toHaveLength(1);
      // And the parent, continuing again, still shows the finished decision.
      await continueCycleAsNew(env.client, cycleWorkflowId(parent));
      expect((await stateOf(parent)).decisions).toEqual([decided]);

      await env.client.workflow.getHandle(cycleWorkflowId(child)).terminate('test over');
      await env.client.workflow.getHandle(cycleWorkflowId(parent)).terminate('test over');
    });
  });
});
