/**
 * The chair decides a tie, delegated (time-skipping). Three awards tie again in their second round,
 * so the chair (the cluster's leader, lead@mttq.test) decides each. Two tie before a coordinator
 * names, during the meeting, an acting substitute for the leader: the chair is mailed their links,
 * the substitute is sent them when the period starts; the third ties during the period and is mailed
 * to the substitute only. The substitute decides one (the award records who chose and for whom, as
 * do the audit and the results); the chair's own link keeps working meanwhile (docs/plan-format.md)
 * and decides another; the third waits past the period's end, when the chair is sent its link, the
 * substitute's no longer works, and the chair decides it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
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
    const award = (id: string, name: string) => ({ ...flagAward, id, name, threshold });
    // Three awards with the default tie rule: a second round, then the chair.
    const plan = { ...base, awards: [award('co-thi-dua', 'Cờ thi đua'), award('bang-khen', 'Bằng khen'), award('giay-khen', 'Giấy khen')] };
    const cycleId = `thidua:mttq-chu-tri-thay:${year}`;
    const clusterWf = clusterWorkflowId(cycleId, 'cum-1');
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const awards = async () => (await env.client.workflow.getHandle(clusterWf).query(clusterStateQuery)).yearEnd!.awards;
    const ballotLinks = (re: RegExp) => Promise.all(UNITS.map(async (u) => [u, linkIn((await latestMail(h, mailOf(u), re)).text)] as const)).then(Object.fromEntries);
    const tieMail = /\[Quyết định\] Kết quả hòa – (Cờ thi đua|Bằng khen|Giấy khen)/;
    /** The tie links mailed to `to`, by award name, once there are `n`. */
    const tieLinks = async (to: string, n: number) => {
      const mails = await eventually(async () => {
        const m = (await mailbox(h, to)).filter((x) => tieMail.test(x.subject ?? ''));
        return m.length === n && m;
      }, `${n} tie link(s) to ${to}`);
      return Object.fromEntries(mails.map((m) => [tieMail.exec(m.subject!)![1], linkIn(m.text)])) as Record<string, string>;
    };
    // A two-way tie between Phú Tân and Phú Vinh (Phú Lợi abstains).
    const tie = async (links: Record<string, string>) => {
      expect((await vote(h, links['xa-phu-tan'], ['xa-phu-vinh'])).res.status).toBe(200);
      expect((await vote(h, links['xa-phu-vinh'], ['xa-phu-tan'])).res.status).toBe(200);
      expect((await vote(h, links['xa-phu-loi'], [])).res.status).toBe(200);
    };
    const names = ['Cờ thi đua', 'Bằng khen', 'Giấy khen'];
    const decide = (link: string, unit: string) => supertest(h.app).post(link).type('form').send(`chosen=${unit}`);

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      await submitSelfScores(h, SELF_SCORES);
      await sleepUntil(`${year}-12-03T01:30:00Z`);
      for (const name of names) await tie(await ballotLinks(new RegExp(`\\[Phiếu suy tôn\\] ${name}`)));
      await eventually(async () => (await awards()).every((a) => a.rounds.length === 2 && a.rounds[1].status === 'open'), 'the second rounds');
      const round2 = (name: string) => ballotLinks(new RegExp(`\\[Phiếu suy tôn\\] ${name} .*\\(vòng 2\\)`));
      await tie(await round2('Cờ thi đua'));
      await tie(await round2('Bằng khen'));
      // Tied again: the chair is mailed both ties.
      const chairLinks = await tieLinks('lead@mttq.test', 2);
      expect((await awards()).map((a) => a.status)).toEqual(['tie', 'tie', 'voting']);

      // The chair is called away during the meeting: a substitute for the leader, for today.
      const substitute = { name: 'Trần Thị Thay', email: 'thay-lead@mttq.test' };
      const named = await supertest(h.app)
        .post(`/api/cycles/${encodeURIComponent(cycleId)}/delegations`)
        .set(auth)
        .send({ role: 'leader', email: 'lead@mttq.test', substitute, from: `${year}-12-03`, to: `${year}-12-03`, reason: 'Họp đột xuất' });
      expect(named.status).toBe(200);
      expect(named.body.updated).toContain(clusterWf);
      // The substitute is sent the two waiting ties; the third, tied now, goes to the substitute alone.
      await tieLinks(substitute.email, 2);
      await tie(await round2('Giấy khen'));
      const subLinks = await tieLinks(substitute.email, 3);
      expect(subLinks['Bằng khen']).not.toBe(chairLinks['Bằng khen']);
      expect((await supertest(h.app).get(subLinks['Bằng khen'])).text).toContain('MTTQ xã Phú Tân');
      expect(await tieLinks('lead@mttq.test', 2)).toEqual(chairLinks);

      // The chair's own link decides the flag; the substitute decides the Bằng khen on the chair's behalf.
      expect((await decide(chairLinks['Cờ thi đua'], 'xa-phu-vinh')).status).toBe(200);
      expect((await decide(subLinks['Bằng khen'], 'xa-phu-tan')).status).toBe(200);
      // Each tie is decided once: the other holder's link to it is refused.
      expect((await decide(subLinks['Cờ thi đua'], 'xa-phu-tan')).status).toBe(409);
      expect((await decide(chairLinks['Bằng khen'], 'xa-phu-vinh')).status).toBe(409);

      // The Giấy khen waits past the period (it ends at midnight local): the chair gets its link; the
      // substitute's is refused now.
      await sleepUntil(`${year}-12-03T17:30:00Z`);
      const back = await tieLinks('lead@mttq.test', 3);
      const late = await decide(subLinks['Giấy khen'], 'xa-phu-tan');
      expect(late.status).toBe(409);
      expect(late.text).toContain(`${substitute.email} does not chair this cluster`);
      expect((await decide(back['Giấy khen'], 'xa-phu-tan')).status).toBe(200);

      const decided = await eventually(async () => {
        const a = await awards();
        return a.every((x) => x.status === 'decided') && a;
      }, 'the three ties decided');
      const pick = (a: AwardState) => ({ elected: a.elected, decidedBy: a.decidedBy, chosenBy: a.chosenBy, actingFor: a.actingFor });
      expect(decided.map(pick)).toEqual([
        { elected: ['xa-phu-vinh'], decidedBy: 'chair', chosenBy: 'lead@mttq.test', actingFor: undefined },
        { elected: ['xa-phu-tan'], decidedBy: 'chair', chosenBy: substitute.email, actingFor: 'lead@mttq.test' },
        { elected: ['xa-phu-tan'], decidedBy: 'chair', chosenBy: 'lead@mttq.test', actingFor: undefined },
      ]);
      const audits = await eventually(async () => {
        const rows = await h.db.models.Audit.find({ action: 'ballot.decide-tie', target: new RegExp(`^${clusterWf}:`) }).lean();
        return rows.length === 3 && rows;
      }, 'the three tie audits');
      expect(audits.filter((a) => a.actor === substitute.email).map((a) => a.details)).toMatchObject([{ awardId: 'bang-khen', onBehalfOf: 'lead@mttq.test' }]);
      for (const a of audits.filter((x) => x.actor === 'lead@mttq.test')) expect(a.details).not.toHaveProperty('onBehalfOf');
      // The results say who chose for the chair.
      const results = await latestMail(h, mailOf('xa-phu-loi'), /\[Kết quả\] Bỏ phiếu suy tôn/);
      expect(results.text).toContain('Cờ thi đua: MTTQ xã Phú Vinh (chủ trì quyết định khi hòa phiếu).');
      expect(results.text).toContain(`Bằng khen: MTTQ xã Phú Tân (chủ trì quyết định khi hòa phiếu: ${substitute.name} thay mặt đồng chí Lê Văn Chủ Trì)`);
      // So do the minutes (Biên bản), under each award's last round.
      const minutesUrl = `/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/documents/minutes.html`;
      const minutes = await eventually(async () => {
        const r = await supertest(h.app).get(minutesUrl).set(auth);
        return r.status === 200 && (r.text.match(/người quyết định/g) ?? []).length === 3 && r.text;
      }, 'the minutes with the three ties decided');
      expect(minutes).toContain(`người quyết định: ${substitute.name}, thay mặt đồng chí Lê Văn Chủ Trì`);
      expect((minutes.match(/người quyết định: Lê Văn Chủ Trì\)/g) ?? []).length).toBe(2);
      // Committed for the replay test: `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/year-end-chair-delegation.test.ts`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        const file = path.resolve(__dirname, '../histories/year-end-chair-delegation.cluster-cum-1.json');
        fs.writeFileSync(file, historyToJSON(await env.client.workflow.getHandle(clusterWf).fetchHistory()));
      }
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
