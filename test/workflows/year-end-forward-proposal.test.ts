/**
 * The council approves a cluster's award proposal with "forward": its elected units and titles go to
 * the parent body's running cycle (two cycles on one time-skipping server), whose council is told;
 * the link shows from both cycles.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId, cycleStateQuery, cycleWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { provincePlan, yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf, submitSelfScores, UNITS, vote } from '../helpers/year-end';

describe('forwarding a cluster proposal to the parent body (time-skipping, two cycles)', () => {
  const ts = useTimeSkipping('forward-proposal');

  test("the council's approve-and-forward sends the elected units and titles to the parent's cycle", async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = yearEndPlan(year);
    const district = {
      ...base,
      body: { ...base.body, parent: 'mttq-dong-nai', parentName: 'Ủy ban MTTQ Việt Nam tỉnh Đồng Nai' },
      awards: [base.awards![0]], // the flag only: one ballot, no tie
    };
    const province = provincePlan(year, `${year}-02-01`, `${year}-02-26`);
    const child = `thidua:mttq-dinh-quan:${year}`;
    const parent = `thidua:mttq-dong-nai:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const firstMail = (to: string, re: RegExp) => eventually(async () => (await mailsTo(to, re))[0], `${re} to ${to}`);

    await h.runWorker(async () => {
      await startCycle(h.deps, province, 'test');
      await startCycle(h.deps, district, 'test');

      // Units score themselves; nobody inspects, so the self totals make the classes.
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      const scores: Record<string, Record<string, string>> = {
        'xa-phu-tan': { 'c.1.1': '30', 'c.1.2': '20', 'c.2.1': '45' },
        'xa-phu-vinh': { 'c.1.1': '25', 'c.1.2': '15', 'c.2.1': '40' },
        'xa-phu-loi': { 'c.1.1': '20', 'c.1.2': '10', 'c.2.1': '30' },
      };
      await submitSelfScores(h, scores);

      // The meeting: Phú Tân gets the flag (2 of 3 valid ballots).
      await sleepUntil(`${year}-12-03T01:30:00Z`);
      const flag = Object.fromEntries(await Promise.all(UNITS.map(async (u) => [u, linkIn((await firstMail(mailOf(u), /\[Phiếu suy tôn\] Cờ thi đua/)).text)])));
      expect((await vote(h, flag['xa-phu-tan'], ['xa-phu-vinh'])).res.status).toBe(200);
      expect((await vote(h, flag['xa-phu-vinh'], ['xa-phu-tan'])).res.status).toBe(200);
      expect((await vote(h, flag['xa-phu-loi'], ['xa-phu-tan'])).res.status).toBe(200);

      // The head sends the proposal; the council's page offers to forward it to the province.
      const request = await firstMail(mailOf('xa-phu-tan'), /Tờ trình đề nghị khen thưởng/);
      expect((await actThroughLink(h, linkIn(request.text), { action: 'submit', proposal: 'Cụm đề nghị tặng Cờ thi đua cho MTTQ xã Phú Tân.' })).status).toBe(200);
      const review = await firstMail('council@mttq.test', /Tờ trình đề nghị khen thưởng/);
      const page = await supertest(h.app).get(linkIn(review.text));
      expect(page.text).toContain('value="forward"');
      expect(page.text).toContain('Ủy ban MTTQ Việt Nam tỉnh Đồng Nai');
      expect((await actThroughLink(h, linkIn(review.text), { action: 'forward', comment: 'Đề nghị tỉnh xét tặng Cờ thi đua' })).status).toBe(200);

      // The province's council is told; the link shows from both cycles.
      const received = await firstMail('council@tinh.test', /\[Đề nghị khen thưởng\] Ủy ban MTTQ Việt Nam huyện Định Quán – Cụm thi đua số 1/);
      expect(received.text).toContain('Cờ thi đua: MTTQ xã Phú Tân');
      expect(received.text).toContain('Đề nghị tỉnh xét tặng Cờ thi đua');
      const out = await eventually(async () => {
        const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(child)}/forwards`).set(auth);
        return r.body.outgoing?.[0]?.status === 'delivered' ? r.body : undefined;
      }, 'the delivered forward');
      expect(out.outgoing[0]).toMatchObject({ kind: 'proposal', toCycleId: parent, items: [{ kind: 'unit', titleId: 'co-thi-dua', unitId: 'xa-phu-tan', unitName: 'MTTQ xã Phú Tân' }] });
      const inc = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(parent)}/forwards`).set(auth);
      expect(inc.body.incoming.map((f: { fromCycleId: string; kind: string }) => [f.fromCycleId, f.kind])).toEqual([[child, 'proposal']]);
      const parentState = await env.client.workflow.getHandle(cycleWorkflowId(parent)).query(cycleStateQuery);
      expect(parentState.inbound).toEqual([{ forwardId: `${child}:cum-1:proposal:1`, fromCycleId: child, kind: 'proposal', items: 1 }]);
      const cluster = await env.client.workflow.getHandle(clusterWorkflowId(child, 'cum-1')).query(clusterStateQuery);
      expect(cluster.yearEnd!.proposal!.review).toMatchObject({ decision: 'approve', forward: true });
      expect(cluster.forwarded).toEqual([{ forwardId: `${child}:cum-1:proposal:1`, kind: 'proposal', toCycleId: parent, delivered: true }]);

      await env.client.workflow.getHandle(cycleWorkflowId(child)).terminate('test over');
      await env.client.workflow.getHandle(cycleWorkflowId(parent)).terminate('test over');
    });
  });
});
