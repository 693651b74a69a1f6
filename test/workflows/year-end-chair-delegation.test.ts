/**
 * The chair decides a tie, delegated (time-skipping): both awards of the cluster's ballot tie again in
 * their second round, so the chair (the cluster's leader, lead@mttq.test) is mailed each tie's link.
 * During the meeting a coordinator names an acting substitute for the leader: the substitute is sent
 * the link of each tie still waiting, and decides one; the award records who chose and for whom, as
 * does the audit. The chair's own link keeps working meanwhile (docs/plan-format.md, delegation): the
 * chair decides the other tie, recorded as their own choice.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId, type AwardState } from '../../workflows/cycle/definitions';
import { eventually, latestMail, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { ballotYearEndPlan, flagAward } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf, SELF_SCORES, submitSelfScores, UNITS, vote } from '../helpers/year-end';

jest.setTimeout(240_000); // ~65 s alone; more on a loaded 2-core machine

describe("a cluster's tie decided by the chair's substitute (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-chair-delegation');

  test("a substitute named for the chair during the meeting gets the tie's link and decides on the chair's behalf", async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const threshold = { of: 'valid-ballots' as const, share: 0.3, strict: false };
    const base = ballotYearEndPlan(year, 'mttq-chu-tri-thay', threshold);
    // Two awards with the default tie rule: a second round, then the chair.
    const plan = { ...base, awards: [{ ...flagAward, threshold }, { ...flagAward, id: 'bang-khen', name: 'Bằng khen', threshold }] };
    const cycleId = `thidua:mttq-chu-tri-thay:${year}`;
    const clusterWf = clusterWorkflowId(cycleId, 'cum-1');
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const awards = async () => (await env.client.workflow.getHandle(clusterWf).query(clusterStateQuery)).yearEnd!.awards;
    const ballotLinks = (re: RegExp) => Promise.all(UNITS.map(async (u) => [u, linkIn((await latestMail(h, mailOf(u), re)).text)] as const)).then(Object.fromEntries);
    const tieMail = /\[Quyết định\] Kết quả hòa – (Cờ thi đua|Bằng khen)/;
    const tieLinks = async (to: string) => {
      const mails = await eventually(async () => {
        const m = (await mailbox(h, to)).filter((x) => tieMail.test(x.subject ?? ''));
        return m.length === 2 && m;
      }, `both tie links to ${to}`);
      return Object.fromEntries(mails.map((m) => [tieMail.exec(m.subject!)![1], linkIn(m.text)])) as Record<'Cờ thi đua' | 'Bằng khen', string>;
    };
    // A two-way tie between Phú Tân and Phú Vinh (Phú Lợi abstains), on both awards.
    const tieBoth = async (links: Record<string, Record<string, string>>) => {
      for (const l of Object.values(links)) {
        expect((await vote(h, l['xa-phu-tan'], ['xa-phu-vinh'])).res.status).toBe(200);
        expect((await vote(h, l['xa-phu-vinh'], ['xa-phu-tan'])).res.status).toBe(200);
        expect((await vote(h, l['xa-phu-loi'], [])).res.status).toBe(200);
      }
    };

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      await submitSelfScores(h, SELF_SCORES);
      await sleepUntil(`${year}-12-03T01:30:00Z`);
      await tieBoth({ flag: await ballotLinks(/\[Phiếu suy tôn\] Cờ thi đua/), merit: await ballotLinks(/\[Phiếu suy tôn\] Bằng khen/) });
      await eventually(async () => (await awards()).every((a) => a.rounds.length === 2 && a.rounds[1].status === 'open'), 'the second rounds');
      await tieBoth({ flag: await ballotLinks(/\[Phiếu suy tôn\] Cờ thi đua .*\(vòng 2\)/), merit: await ballotLinks(/\[Phiếu suy tôn\] Bằng khen .*\(vòng 2\)/) });
      // Tied again: the chair decides each.
      const chairLinks = await tieLinks('lead@mttq.test');
      expect((await awards()).map((a) => a.status)).toEqual(['tie', 'tie']);

      // The chair is called away during the meeting: a substitute for the leader, for today.
      const substitute = { name: 'Trần Thị Thay', email: 'thay-lead@mttq.test' };
      const named = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(cycleId)}/delegations`)
        .set(auth)
        .send({ role: 'leader', email: 'lead@mttq.test', substitute, from: `${year}-12-03`, to: `${year}-12-03`, reason: 'Họp đột xuất' });
      expect(named.status).toBe(200);
      expect(named.body.updated).toContain(clusterWf);
      const subLinks = await tieLinks(substitute.email);
      expect(subLinks['Cờ thi đua']).not.toBe(chairLinks['Cờ thi đua']);
      const subPage = await supertest(h.app).get(subLinks['Cờ thi đua']);
      expect(subPage.status).toBe(200);
      expect(subPage.text).toContain('MTTQ xã Phú Tân');

      // The substitute decides the flag's tie; the chair's own link decides the merit's.
      const decide = (link: string, unit: string) => supertest(h.app).post(link).type('form').send(`chosen=${unit}`);
      expect((await decide(subLinks['Cờ thi đua'], 'xa-phu-tan')).status).toBe(200);
      expect((await decide(chairLinks['Bằng khen'], 'xa-phu-vinh')).status).toBe(200);
      // Each tie is decided once: the other holder's link to it is refused.
      expect((await decide(chairLinks['Cờ thi đua'], 'xa-phu-vinh')).status).toBe(409);
      expect((await decide(subLinks['Bằng khen'], 'xa-phu-tan')).status).toBe(409);

      const decided = await eventually(async () => {
        const a = await awards();
        return a.every((x) => x.status === 'decided') && a;
      }, 'both ties decided');
      const pick = (a: AwardState) => ({ elected: a.elected, decidedBy: a.decidedBy, chosenBy: a.chosenBy, actingFor: a.actingFor });
      expect(decided.map(pick)).toEqual([
        { elected: ['xa-phu-tan'], decidedBy: 'chair', chosenBy: substitute.email, actingFor: 'lead@mttq.test' },
        { elected: ['xa-phu-vinh'], decidedBy: 'chair', chosenBy: 'lead@mttq.test', actingFor: undefined },
      ]);
      const audits = await eventually(async () => {
        const rows = await h.db.models.Audit.find({ action: 'ballot.decide-tie', target: new RegExp(`^${clusterWf}:`) }).lean();
        return rows.length === 2 && rows;
      }, 'the two tie audits');
      expect(audits.find((a) => a.actor === substitute.email)?.details).toMatchObject({ awardId: 'co-thi-dua', onBehalfOf: 'lead@mttq.test' });
      expect(audits.find((a) => a.actor === 'lead@mttq.test')?.details).not.toHaveProperty('onBehalfOf');
      // The results say who chose for the chair.
      const results = await latestMail(h, mailOf('xa-phu-loi'), /\[Kết quả\] Bỏ phiếu suy tôn/);
      expect(results.text).toContain(`Cờ thi đua: MTTQ xã Phú Tân (chủ trì quyết định khi hòa phiếu: ${substitute.email} thay mặt đồng chí lead@mttq.test)`);
      expect(results.text).toContain('Bằng khen: MTTQ xã Phú Vinh (chủ trì quyết định khi hòa phiếu).');
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
