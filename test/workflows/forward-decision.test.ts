/**
 * The parent body's council decides what the council below forwarded (two cycles on one
 * time-skipping server): the district council (its member's substitute, a delegation) forwards two
 * nominations in one decision to the
 * province's running cycle; each province council member gets a personal link; they are reminded
 * before the plan's deadline; a coordinator names a substitute for one member, who decides on their
 * behalf (approve one, return the other with a comment) through the link page; the decision is held
 * by the province's cycle, shown by GET /forwards of both cycles, signalled to the district's cycle,
 * whose secretariat is mailed the outcome.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { localDate, shiftDate } from '../../rules/calendar';
import { clusterWorkflowId, cycleStateQuery, cycleWorkflowId } from '../../workflows/cycle/definitions';
import { districtAndDecidingProvince, nominateTanAndVinh, nthMail as nthMailOf } from '../helpers/forwarding';
import { eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { useTimeSkipping } from '../helpers/time-skipping';

interface DecisionView {
  status: string;
  dueAt?: string;
  items: { n: number; decision?: string; comment?: string }[];
  decidedBy?: string;
  actingFor?: string;
  reported?: string;
}

describe("the parent council's decision on forwarded items (time-skipping, two cycles)", () => {
  const ts = useTimeSkipping('forward-decision');

  test('council members decide through their links; the cycle below learns the outcome', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    // Five working days to decide, a reminder two working days before.
    const { district, province, child, parent } = districtAndDecidingProvince(year);
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const nthMail = (to: string, re: RegExp, n = 0) => nthMailOf(h, to, re, n);
    const forwards = async (cycleId: string) => {
      const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/forwards`).set(auth);
      expect(r.status).toBe(200);
      return r.body as { outgoing: { forwardId: string; decision?: DecisionView }[]; incoming: { forwardId: string; decision?: DecisionView }[] };
    };
    const cal = { timeZone: 'Asia/Ho_Chi_Minh', holidays: [], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] };

    await h.runWorker(async () => {
      await startCycle(h.deps, province, 'test');
      await startCycle(h.deps, district, 'test');
      await sleepUntil(Date.parse(`${year}-04-01T04:00:00Z`));
      await nominateTanAndVinh(h);
      // The district council's member is away on 20 April: a substitute decides the nominations for them.
      const districtSub = { name: 'Ủy viên Hội đồng huyện', email: 'uyvien@huyen.test' };
      const named0 = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(child)}/delegations`)
        .set(auth)
        .send({ role: 'council', email: 'council@mttq.test', substitute: districtSub, from: `${year}-04-20`, to: `${year}-04-20` });
      expect(named0.status).toBe(200);
      // Both clusters' nominations and the district's own forward decisions have this council member.
      expect(named0.body.updated).toEqual([clusterWorkflowId(child, 'cum-1'), clusterWorkflowId(child, 'cum-2'), cycleWorkflowId(child)]);
      // After the nominations' grace (16 April + 1 working day) the list went to the council; on 20 April
      // the substitute gets its link too, and forwards both at once.
      await sleepUntil(Date.parse(`${year}-04-20T04:00:00Z`));
      await nthMail('council@mttq.test', /\[Khen thưởng cá nhân\] Cụm thi đua số 1/);
      const councilLink = linkIn((await nthMail(districtSub.email, /\[Khen thưởng cá nhân\] Cụm thi đua số 1/)).text);
      expect((await supertest(h.app).post(councilLink).type('form').send({ 'd.xa-phu-tan:1': 'forward', 'd.xa-phu-vinh:1': 'forward' })).status).toBe(200);
      const nominationsAudit = await eventually(() => h.db.models.Audit.findOne({ action: 'nominations.decide' }).lean(), 'the nominations audit');
      expect(nominationsAudit).toMatchObject({ actor: districtSub.email, details: { onBehalfOf: 'council@mttq.test' } });

      // Each province council member gets a personal link to the one forward (two items).
      const asked = await Promise.all(['council@tinh.test', 'pct@tinh.test'].map((to) => nthMail(to, /\[Đề nghị khen thưởng\] Ủy ban MTTQ Việt Nam huyện Định Quán – Cụm thi đua số 1/)));
      for (const m of asked) {
        expect(m.text).toContain('Nguyễn Văn An (Chủ tịch, MTTQ xã Phú Tân)');
        expect(m.text).toContain('Trần Văn Cường (Chủ tịch, MTTQ xã Phú Vinh)');
        expect(m.text).toContain('Xét đề nghị của cấp dưới');
      }
      const [memberLink, deputyLink] = asked.map((m) => linkIn(m.text));
      expect(memberLink).not.toBe(deputyLink);
      const opened = await eventually(async () => {
        const f = await forwards(parent);
        return f.incoming[0]?.decision?.status === 'deciding' && f;
      }, 'the decision open on the parent');
      const forwardId = opened.incoming[0].forwardId;
      const dueAt = opened.incoming[0].decision!.dueAt!;
      // Five working days from the day it arrived (20 April), 17:00 local.
      expect(dueAt).toBe(`${shiftDate(`${year}-04-20`, { days: 5, unit: 'working' }, cal)}T10:00:00.000Z`);
      expect((await forwards(child)).outgoing[0].decision).toMatchObject({ status: 'deciding', dueAt });

      // The reminder, two working days before the deadline, goes to both members.
      await sleepUntil(Date.parse(dueAt) - 30 * 3600_000);
      for (const to of ['council@tinh.test', 'pct@tinh.test']) expect((await nthMail(to, /\[Nhắc hạn\] Xét đề nghị của Ủy ban MTTQ Việt Nam huyện Định Quán/)).text).toContain('còn 2 ngày làm việc');

      // The chair of the council is away: a coordinator names a substitute from today to the deadline's day.
      const today = localDate(new Date(await env.currentTimeMs()).toISOString(), 'Asia/Ho_Chi_Minh');
      const substitute = { name: 'Ủy viên Hội đồng', email: 'uyvien@tinh.test' };
      const del = (body: object) => supertest(h.app).post(`/api/cycles/${encodeURIComponent(parent)}/delegations`).set(auth).send(body);
      const bad = await del({ role: 'council', email: 'council@tinh.test', substitute, from: today, to: 'mai' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.problems).toEqual([{ path: 'to', message: 'must be a date YYYY-MM-DD' }]);
      const stranger = await del({ role: 'council', email: 'nobody@tinh.test', substitute, from: today, to: today });
      expect([stranger.status, stranger.body.error.message]).toEqual([409, 'nobody@tinh.test is not the council of any cluster of this cycle']);
      const named = await del({ role: 'council', email: 'council@tinh.test', substitute, from: today, to: shiftDate(today, { days: 2, unit: 'calendar' }, cal), reason: 'Đi công tác' });
      expect(named.status).toBe(200);
      expect(named.body.updated).toEqual([cycleWorkflowId(parent)]);
      const subMail = await nthMail('uyvien@tinh.test', /\[Đề nghị khen thưởng\] Ủy ban MTTQ Việt Nam huyện Định Quán/);
      const subLink = linkIn(subMail.text);

      // The link page: both items; a return without a comment is refused before the workflow sees it.
      const page = await supertest(h.app).get(subLink);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Nguyễn Văn An');
      expect(page.text).toContain('Trần Văn Cường');
      expect(page.text).toContain('name="d.1"');
      expect(page.text).toContain('thay mặt council@tinh.test');
      const post = (link: string, form: Record<string, string>) => supertest(h.app).post(link).type('form').send(form);
      const noComment = await post(subLink, { 'd.0': 'approve', 'd.1': 'return' });
      expect(noComment.status).toBe(400);
      expect(noComment.text).toContain('c.1: a return needs a comment');
      expect((await post(subLink, { 'd.0': 'approve' })).status).toBe(400);
      expect((await post(subLink, { 'd.0': 'approve', 'd.1': 'return', 'c.1': 'Bổ sung bản tóm tắt quá trình công tác' })).status).toBe(200);
      // Decided once: the other member's link now shows the decision and refuses another.
      const late = await post(deputyLink, { 'd.0': 'return', 'c.0': 'Không', 'd.1': 'approve' });
      expect(late.status).toBe(409);
      expect(late.text).toContain('was already decided by uyvien@tinh.test');
      const shown = await eventually(async () => {
        const r = await supertest(h.app).get(deputyLink);
        return r.text.includes('Trả lại cấp dưới: Bổ sung bản tóm tắt quá trình công tác') && r;
      }, 'the decision on the page');
      expect(shown.text).not.toContain('name="d.0"');

      // Held by the province's cycle, shown from both cycles, reported down by the signal.
      const decided = await eventually(async () => {
        const f = await forwards(child);
        return f.outgoing[0]?.decision?.reported === 'signal' && f;
      }, 'the decision reported down');
      const expected = {
        status: 'decided',
        decidedBy: 'uyvien@tinh.test',
        actingFor: 'council@tinh.test',
        items: [
          { n: 0, decision: 'approve' },
          { n: 1, decision: 'return', comment: 'Bổ sung bản tóm tắt quá trình công tác' },
        ],
      };
      expect(decided.outgoing[0].decision).toMatchObject(expected);
      expect((await forwards(parent)).incoming[0].decision).toMatchObject(expected);
      const parentState = await env.client.workflow.getHandle(cycleWorkflowId(parent)).query(cycleStateQuery);
      expect(parentState.decisions).toMatchObject([{ forwardId, ...expected }]);
      const childState = await eventually(async () => {
        const s = await env.client.workflow.getHandle(cycleWorkflowId(child)).query(cycleStateQuery);
        return s.outcomes?.length === 1 && s;
      }, 'the outcome in the cycle below');
      expect(childState.outcomes).toMatchObject([{ forwardId, toCycleId: parent, approved: 1, returned: 1 }]);

      // The district's secretariat is told, once; the audit says who decided for whom.
      const outcome = await nthMail('vanphong@huyen.test', /\[Kết quả xét đề nghị\] Ủy ban MTTQ Việt Nam tỉnh Đồng Nai/);
      expect(outcome.text).toContain('Nguyễn Văn An');
      expect(outcome.text).toContain('Bổ sung bản tóm tắt quá trình công tác');
      expect(outcome.text).toContain('thay mặt đồng chí council@tinh.test');
      expect(await mailsTo('vanphong@huyen.test', /\[Kết quả xét đề nghị\]/)).toHaveLength(1);
      const audit = await eventually(() => h.db.models.Audit.findOne({ action: 'forward.decide' }).lean(), 'the audit entry');
      expect(audit).toMatchObject({ actor: 'uyvien@tinh.test', details: { onBehalfOf: 'council@tinh.test', summary: 'uyvien@tinh.test on behalf of council@tinh.test' } });
      expect(await h.db.models.Audit.findOne({ action: 'cycle.delegate-council', target: parent }).lean()).toMatchObject({ details: { for: 'council@tinh.test', substitute: 'uyvien@tinh.test' } });

      // Committed for the replay test: `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/forward-decision.test.ts`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        const dir = path.resolve(__dirname, '../histories');
        for (const [name, id] of [
          ['parent-cycle', cycleWorkflowId(parent)],
          ['child-cycle', cycleWorkflowId(child)],
        ]) {
          fs.writeFileSync(path.join(dir, `forward-decision.${name}.json`), historyToJSON(await env.client.workflow.getHandle(id).fetchHistory()));
        }
      }
      await env.client.workflow.getHandle(cycleWorkflowId(child)).terminate('test over');
      await env.client.workflow.getHandle(cycleWorkflowId(parent)).terminate('test over');
    });
  });
});
