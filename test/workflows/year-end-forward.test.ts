/**
 * Forwarding to the level above, with two cycles on one time-skipping server: the district council
 * forwards nominations for a title the province decides; the province's cycle has not started, so the
 * forward waits as pending (visible from both cycles); when the province's cycle starts it takes it
 * and its council is told; a later forward is delivered at once by a signal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { compilePlan } from '../../rules/compile';
import { validatePlan, type Plan } from '../../rules/plan';
import { clusterWorkflowId, cycleStateQuery, cycleWorkflowId } from '../../workflows/cycle/definitions';
import { nominationsPlan } from '../helpers/awards';
import { nominateTanAndVinh, nthMail as nthMailOf } from '../helpers/forwarding';
import { eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { provincePlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf } from '../helpers/year-end';

interface ForwardView {
  forwardId: string;
  status: string;
  toCycleId: string;
  fromCycleId: string;
  items: { kind: string; titleId: string; unitId: string; person?: { name: string } }[];
}

describe('forwarding to the parent body (time-skipping, two cycles)', () => {
  const ts = useTimeSkipping('forward');

  test('a forward to a parent whose cycle has not started waits as pending and is delivered when it starts', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const district = nominationsPlan(year, {
      body: { id: 'mttq-dinh-quan', name: 'Ủy ban MTTQ Việt Nam huyện Định Quán', parent: 'mttq-dong-nai', parentName: 'Ủy ban MTTQ Việt Nam tỉnh Đồng Nai' },
    });
    district.individualAwards![0] = { ...district.individualAwards![0], decidedBy: 'parent' };
    const province = provincePlan(year, `${year}-06-01`, `${year}-06-26`);
    const plan = (validatePlan(district) as { ok: true; plan: Plan }).plan;
    const schedule = compilePlan(plan, new Date(`${year}-01-01T00:00:00Z`)).clusters[0].units[0].steps.nominations!;
    const child = `thidua:mttq-dinh-quan:${year}`;
    const parent = `thidua:mttq-dong-nai:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const nthMail = (to: string, re: RegExp, n = 0) => nthMailOf(h, to, re, n);
    const forwards = async (cycleId: string) => {
      const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/forwards`).set(auth);
      expect(r.status).toBe(200);
      return r.body as { outgoing: ForwardView[]; incoming: ForwardView[] };
    };

    await h.runWorker(async () => {
      await startCycle(h.deps, district, 'test');
      await sleepUntil(Date.parse(schedule.opensAt) + 3600_000);
      await nominateTanAndVinh(h);
      await sleepUntil(Date.parse(schedule.graceEndsAt) + 3600_000);
      const councilLink = linkIn((await nthMail('council@mttq.test', /\[Khen thưởng cá nhân\] Cụm thi đua số 1/)).text);
      const page = await supertest(h.app).get(councilLink);
      expect(page.text).toContain('value="forward"');
      expect(page.text).not.toContain('value="approve"'); // the province decides this title
      const decide = (form: Record<string, string>) => supertest(h.app).post(councilLink).type('form').send(form);
      const approve = await decide({ 'd.xa-phu-tan:1': 'approve' });
      expect(approve.status).toBe(409);
      expect(approve.text).toContain('is decided by the parent body: forward it or refuse it');
      expect((await decide({ 'd.xa-phu-tan:1': 'forward' })).status).toBe(200);

      // The province's cycle does not run yet: the forward is pending, seen from both cycles.
      const pending = await eventually(async () => {
        const f = await forwards(child);
        return f.outgoing[0]?.status === 'pending' ? f : undefined;
      }, 'the pending forward');
      expect(pending.outgoing[0]).toMatchObject({ toCycleId: parent, fromCycleId: child, items: [{ kind: 'person', titleId: 'ky-niem-chuong', unitId: 'xa-phu-tan', person: { name: 'Nguyễn Văn An' } }] });
      expect((await forwards(parent)).incoming.map((f) => [f.forwardId, f.status])).toEqual([[pending.outgoing[0].forwardId, 'pending']]);
      // The unit is told its nomination went up.
      const told = await nthMail(mailOf('xa-phu-tan'), /Quyết định của Hội đồng/);
      expect(told.text).toContain('chấp thuận và trình Ủy ban MTTQ Việt Nam tỉnh Đồng Nai xem xét, quyết định');
      expect(await mailsTo('council@tinh.test', /Đề nghị khen thưởng/)).toHaveLength(0);

      // The province starts its cycle: it takes the pending forward, and its council is told.
      await startCycle(h.deps, province, 'test');
      const received = await nthMail('council@tinh.test', /\[Đề nghị khen thưởng\] Ủy ban MTTQ Việt Nam huyện Định Quán – Cụm thi đua số 1 trình Ủy ban MTTQ Việt Nam tỉnh Đồng Nai/);
      expect(received.text).toContain('Nguyễn Văn An (Chủ tịch, MTTQ xã Phú Tân)');
      await eventually(async () => (await forwards(child)).outgoing[0].status === 'delivered' || undefined, 'the forward delivered');

      // A later forward reaches the running cycle at once, by a signal; each forward is taken once.
      expect((await decide({ 'd.xa-phu-vinh:1': 'forward' })).status).toBe(200);
      const both = await eventually(async () => {
        const f = await forwards(parent);
        return f.incoming.length === 2 && f.incoming.every((x) => x.status === 'delivered') ? f : undefined;
      }, 'both forwards delivered');
      expect(both.incoming.map((f) => f.items[0].person?.name)).toEqual(['Nguyễn Văn An', 'Trần Văn Cường']);
      const state = await eventually(async () => {
        const s = await env.client.workflow.getHandle(cycleWorkflowId(parent)).query(cycleStateQuery);
        return s.inbound?.length === 2 ? s : undefined;
      }, 'the parent cycle to hold both');
      expect(state.inbound!.map((x) => [x.fromCycleId, x.kind, x.items])).toEqual([
        [child, 'nominations', 1],
        [child, 'nominations', 1],
      ]);
      await nthMail('council@tinh.test', /\[Đề nghị khen thưởng\]/, 1);
      expect(await mailsTo('council@tinh.test', /\[Đề nghị khen thưởng\]/)).toHaveLength(2);

      // Committed for the replay test: `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/year-end-forward.test.ts`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        const dir = path.resolve(__dirname, '../histories');
        for (const [name, id] of [
          ['parent-cycle', cycleWorkflowId(parent)],
          ['cluster-cum-1', clusterWorkflowId(child, 'cum-1')],
        ]) {
          fs.writeFileSync(path.join(dir, `forward.${name}.json`), historyToJSON(await env.client.workflow.getHandle(id).fetchHistory()));
        }
      }
      await env.client.workflow.getHandle(cycleWorkflowId(child)).terminate('test over');
      await env.client.workflow.getHandle(cycleWorkflowId(parent)).terminate('test over');
    });
  });
});
