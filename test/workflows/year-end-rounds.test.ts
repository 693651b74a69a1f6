/**
 * A tie for the last seat: a second round among the tied units, closing on time; and the meeting moved
 * by the coordinator before its ballots open (everyone re-invited, the calendar entry updated).
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { documentLinksIn } from '../helpers/document-links';
import { eventually, latestMail, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { ballotYearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf, SELF_SCORES, submitSelfScores, UNITS, vote } from '../helpers/year-end';

// Its own test server: a year's leftover workflows in another test never hold this one's clock.
describe("a cluster's year-end (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-rounds');

  test('a tie for the last seat goes to a second round among the tied units, which closes on time', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = ballotYearEndPlan(year, 'mttq-vong-hai', { of: 'valid-ballots', share: 0.3, strict: false });
    const clusterWf = clusterWorkflowId(`thidua:mttq-vong-hai:${year}`, 'cum-1');
    const firstMail = (to: string, re: RegExp) => latestMail(h, to, re);
    const award = async () => (await env.client.workflow.getHandle(clusterWf).query(clusterStateQuery)).yearEnd!.awards[0];

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      // Nobody is inspected: the classes come from the self-scores (tốt, tốt, hoàn thành).
      await submitSelfScores(h, SELF_SCORES);
      // The coordinator moves cum-1's meeting from the 3rd to the 6th: everyone invited is told, and
      // the calendar entry they have is updated (same UID, SEQUENCE 1).
      await sleepUntil(`${year}-11-29T03:00:00Z`);
      const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
      const moveUrl = (cluster: string) => `/api/cycles/${encodeURIComponent(`thidua:mttq-vong-hai:${year}`)}/clusters/${cluster}/meeting`;
      const tooEarly = await supertest(h.app).post(moveUrl('cum-1')).set(auth).send({ date: `${year}-11-20` });
      expect(tooEarly.status).toBe(400);
      expect(tooEarly.body.error.message).toContain('date: must be after the inspection deadline');
      expect((await supertest(h.app).post(moveUrl('cum-9')).set(auth).send({ date: `${year}-12-06` })).status).toBe(404);
      expect((await supertest(h.app).post(moveUrl('cum-1')).send({ date: `${year}-12-06` })).status).toBe(401);
      const moved = await supertest(h.app).post(moveUrl('cum-1')).set(auth).send({ date: `${year}-12-06`, reason: 'Trùng lịch hội nghị của tỉnh' });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ version: 1, meeting: { date: `${year}-12-06`, opensAt: `${year}-12-06T01:00:00.000Z` } });
      const invitations = await eventually(async () => {
        // (The mailbox also holds the previous test's year.)
        const all = (await mailbox(h, mailOf('xa-phu-loi'))).filter((m) => new RegExp(`\\[Giấy mời\\].*Cụm thi đua số 1 năm ${year}`).test(m.subject ?? ''));
        return all.length === 2 ? all : undefined;
      }, 'the second invitation');
      expect(invitations[1].subject).toContain('[Thay đổi thời gian]');
      expect(invitations[1].text).toContain('Trùng lịch hội nghị của tỉnh');
      const icsOf = (m: (typeof invitations)[number]) => m.attachments[0].content!.toString('utf8').replace(/\r\n /g, '');
      const uid = (t: string) => /UID:(.*)/.exec(t)?.[1];
      expect(uid(icsOf(invitations[1]))).toBe(uid(icsOf(invitations[0])));
      expect(icsOf(invitations[0])).toContain('SEQUENCE:0');
      expect(icsOf(invitations[1])).toContain('SEQUENCE:1');
      expect(icsOf(invitations[1])).toContain(`DTSTART:${year}1206T010000Z`);
      // The Giấy mời document (made when the classes were locked) follows: a new version with the new day.
      const invitationUrl = `/api/cycles/${encodeURIComponent(`thidua:mttq-vong-hai:${year}`)}/clusters/cum-1/documents/invitation.html`;
      const invitation = await eventually(async () => {
        const r = await supertest(h.app).get(invitationUrl).set(auth);
        return r.status === 200 && r.headers['x-document-version'] === '2' ? r : undefined;
      }, 'the invitation with the new day');
      expect(invitation.text).toContain(`ngày 06/12/${year}`);
      expect(invitation.text).not.toContain(`ngày 03/12/${year}`);
      // Each invitation mail links the Giấy mời of its own time: version 1 the 3rd, version 2 the 6th.
      const linked = await Promise.all(invitations.map(async (m) => supertest(h.app).get(documentLinksIn(m.text)[0]).expect(200)));
      expect(linked.map((r) => r.headers['x-document-version'])).toEqual(['1', '2']);
      expect(linked[0].text).toContain(`ngày 03/12/${year}`);
      expect(linked[1].text).toContain(`ngày 06/12/${year}`);

      // Nothing opens on the old day.
      await sleepUntil(`${year}-12-03T03:00:00Z`);
      expect((await mailbox(h, mailOf('xa-phu-tan'))).filter((m) => new RegExp(`Phiếu suy tôn.*${year}`).test(m.subject ?? ''))).toHaveLength(0);
      await sleepUntil(`${year}-12-06T01:30:00Z`);
      const round1 = Object.fromEntries(await Promise.all(UNITS.map(async (u) => [u, linkIn((await firstMail(mailOf(u), /\[Phiếu suy tôn\] Cờ thi đua/)).text)])));
      expect((await vote(h, round1['xa-phu-tan'], ['xa-phu-vinh'])).res.status).toBe(200);
      expect((await vote(h, round1['xa-phu-vinh'], ['xa-phu-tan'])).res.status).toBe(200);
      expect((await vote(h, round1['xa-phu-loi'], [])).res.status).toBe(200); // an abstention is a valid ballot
      // Once the ballots are open the meeting can no longer move.
      expect((await supertest(h.app).post(moveUrl('cum-1')).set(auth).send({ date: `${year}-12-08` })).status).toBe(409);
      const second = await eventually(async () => {
        const a = await award();
        return a.rounds.length === 2 ? a : undefined;
      }, 'the second round');
      expect(second.rounds[0].result).toMatchObject({ valid: 3, abstentions: 1, votes: { 'xa-phu-tan': 1, 'xa-phu-vinh': 1, 'xa-phu-loi': 0 } });
      expect(second.rounds[1]).toMatchObject({ candidates: ['xa-phu-tan', 'xa-phu-vinh'], seats: 1, status: 'open' });
      // A round-1 link no longer works; round 2 comes with its own links.
      expect((await supertest(h.app).get(round1['xa-phu-tan'])).status).toBe(410);
      const round2 = Object.fromEntries(await Promise.all(UNITS.map(async (u) => [u, linkIn((await firstMail(mailOf(u), /\[Phiếu suy tôn\] Cờ thi đua .*\(vòng 2\)/)).text)])));
      expect((await vote(h, round2['xa-phu-tan'], ['xa-phu-loi'])).res.status).toBe(400); // not among the tied units
      expect((await vote(h, round2['xa-phu-tan'], ['xa-phu-vinh'])).res.status).toBe(200);
      expect((await vote(h, round2['xa-phu-loi'], ['xa-phu-vinh'])).res.status).toBe(200);
      // Phú Vinh never votes: the round closes when its hour is up.
      await env.sleep(61 * 60_000);
      const done = await eventually(async () => {
        const a = await award();
        return a.status === 'decided' ? a : undefined;
      }, 'the award to be decided');
      expect(done.elected).toEqual(['xa-phu-vinh']);
      expect(done.rounds[1].result).toMatchObject({ returned: 2, votes: { 'xa-phu-tan': 0, 'xa-phu-vinh': 2 } });
      expect((await supertest(h.app).get(round2['xa-phu-vinh'])).status).toBe(410);
      await env.client.workflow.getHandle(`thidua:mttq-vong-hai:${year}:cycle`).terminate('test over');
    });
  });
});
