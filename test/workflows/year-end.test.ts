/**
 * A cluster's year-end on the time-skipping server, people acting through the links in their emails:
 * self-scoring → inspection (a reason for every change) → classes locked and published → meeting
 * invitation with its calendar entry → two secret ballots (one decided by votes, one tie decided by
 * the chair) → results with next year's head → the award proposal approved by the council.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId, unitWorkflowId, type ClusterState } from '../../workflows/cycle/definitions';
import { documentLinksIn } from '../helpers/document-links';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf, UNITS, vote } from '../helpers/year-end';

describe("a cluster's year-end (time-skipping)", () => {
  const ts = useTimeSkipping('year-end');

  test('scores, classes, secret ballots, results and the award proposal', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const cycleId = `thidua:mttq-dinh-quan:${year}`;
    const clusterWf = clusterWorkflowId(cycleId, 'cum-1');
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const firstMail = (to: string, re: RegExp) => eventually(async () => (await mailsTo(to, re))[0], `${re} to ${to}`);
    const clusterState = () => env.client.workflow.getHandle(clusterWf).query(clusterStateQuery);
    let s: ClusterState;
    const until = (what: string, ok: (s: ClusterState) => boolean) =>
      eventually(async () => {
        const s = await clusterState();
        return ok(s) ? s : undefined;
      }, what);

    /** The mail's document link opens that stored document, without an account; a forged one is refused. */
    const openDocument = async (mail: { text?: string | null }, heading: string) => {
      const [page, docx] = documentLinksIn(mail.text);
      const res = await supertest(h.app).get(page).expect(200);
      expect(res.text).toContain(heading);
      expect((await supertest(h.app).get(docx).expect(200)).headers['content-type']).toMatch(/wordprocessingml/);
      const [body, sig] = page.slice('/d/'.length).split('.');
      expect((await supertest(h.app).get(`/d/${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`)).status).toBe(403);
      return { page, version: res.headers['x-document-version'] };
    };

    await h.runWorker(async () => {
      await startCycle(h.deps, yearEndPlan(year), 'test');

      // October: each unit scores itself on the plan's sheet, with evidence.
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      const selfScores: Record<string, Record<string, string>> = {
        'xa-phu-tan': { 'c.1.1': '30', 'c.1.2': '20', 'c.2.1': '45', 'b.T1': '2', 'e.2.1': 'Biên bản giám sát số 12' }, // 97
        'xa-phu-vinh': { 'c.1.1': '25', 'c.1.2': '15', 'c.2.1': '40' }, // 80
        'xa-phu-loi': { 'c.1.1': '20', 'c.1.2': '10', 'c.2.1': '30', 'd.D1': '2' }, // 58
      };
      for (const u of UNITS) {
        const req = await firstMail(mailOf(u), /Báo cáo tự chấm điểm/);
        const link = linkIn(req.text);
        // Over the criterion's maximum: refused, naming the item.
        const over = await actThroughLink(h, link, { action: 'submit', ...selfScores[u], 'c.1.1': '31' });
        expect(over.status).toBe(400);
        expect(over.text).toContain('c.1.1');
        expect((await actThroughLink(h, link, { action: 'submit', ...selfScores[u] })).status).toBe(200);
      }

      // Inspection: the reviewer of cum-1 scores each unit; a change needs a reason.
      await sleepUntil(`${year}-11-16T03:00:00Z`);
      const inspectionLink = async (unitName: RegExp) => linkIn((await firstMail('an@mttq.test', unitName)).text);
      const tan = await inspectionLink(/\[Kiểm tra .*\] Chấm điểm MTTQ xã Phú Tân/);
      // The request offers the inspector's own calendar feed, with this inspection's deadline in it.
      const feed = /http:\/\/thidua\.test(\/feeds\/[A-Za-z0-9_.-]+\.ics)/.exec((await firstMail('an@mttq.test', /Chấm điểm MTTQ xã Phú Tân/)).text ?? '')?.[1];
      expect(feed).toBeDefined();
      const feedRes = await supertest(h.app).get(feed!);
      expect([feedRes.status, feedRes.type]).toEqual([200, 'text/calendar']);
      expect(feedRes.text).toContain('BEGIN:VCALENDAR');
      const page = await supertest(h.app).get(tan);
      expect(page.status).toBe(200);
      expect(page.text).toContain('97'); // the self total is shown
      // The timetable: each unit its slot (a calendar event), the team the whole day.
      const visit = await firstMail(mailOf('xa-phu-loi'), /\[Lịch kiểm tra\] MTTQ xã Phú Lợi/);
      expect(visit.text).toContain(`buổi chiều, từ 13:30 18/11/${year} đến 17:00 18/11/${year}`);
      expect(visit.attachments[0].content!.toString('utf8')).toContain(`DTSTART:${year}1118T063000Z`);
      const timetable = await firstMail('lead@mttq.test', /\[Lịch kiểm tra\] Cụm thi đua số 1/);
      expect(timetable.text!.replace(/\s+/g, ' ')).toContain(`07:30 18/11/${year} – 11:30 18/11/${year} (Sáng): MTTQ xã Phú Tân, Trụ sở UBMTTQ xã Phú Tân`);
      // Cross-checking: every unit checks one other, never itself, and each is checked once.
      s = await clusterState();
      const pairs = s.yearEnd!.inspection.crossChecks!.map((c) => [c.checker, c.checked]);
      expect(pairs).toHaveLength(3);
      expect(pairs.every(([a, b]) => a !== b)).toBe(true);
      expect(new Set(pairs.map(([, b]) => b)).size).toBe(3);
      const [checker, checked] = pairs.find(([, b]) => b === 'xa-phu-tan')!;
      const ccMail = await firstMail(mailOf(checker), /\[Kiểm tra chéo\]/);
      expect(ccMail.subject).toContain('kiểm tra hồ sơ của MTTQ xã Phú Tân');
      const ccPage = await supertest(h.app).get(linkIn(ccMail.text));
      expect(ccPage.status).toBe(200);
      expect(ccPage.text).toContain('Biên bản giám sát số 12'); // the checked unit's evidence
      expect((await supertest(h.app).post(linkIn(ccMail.text)).type('form').send({ findings: '' })).status).toBe(400);
      expect((await supertest(h.app).post(linkIn(ccMail.text)).type('form').send({ findings: 'Tiêu chí 2.1: thiếu 2 biên bản giám sát.' })).status).toBe(200);
      expect(checked).toBe('xa-phu-tan');
      const withFindings = await eventually(async () => {
        const p = await supertest(h.app).get(tan);
        return p.text.includes('thiếu 2 biên bản giám sát') ? p : undefined;
      }, 'the findings on the inspection page');
      expect(withFindings.status).toBe(200);

      const inspected = { 'c.1.1': '30', 'c.1.2': '20', 'c.2.1': '40', 'b.T1': '2' };
      const noReason = await supertest(h.app).post(tan).type('form').send(inspected);
      expect(noReason.status).toBe(409);
      expect(noReason.text).toContain('without a reason');
      // Leaving out the bonus the unit claimed is a change to 0: it needs a reason too.
      const { 'b.T1': _bonus, ...withoutBonus } = inspected;
      const dropped = await supertest(h.app).post(tan).type('form').send({ ...withoutBonus, 'r.2.1': 'Thiếu minh chứng' });
      expect(dropped.status).toBe(409);
      expect(dropped.text).toContain('T1&quot; changes 2 → 0 without a reason');
      const withReason = await supertest(h.app).post(tan).type('form').send({ ...inspected, 'r.2.1': 'Thiếu minh chứng cho 2 cuộc giám sát' });
      expect(withReason.status).toBe(200);
      const vinh = await inspectionLink(/Chấm điểm MTTQ xã Phú Vinh/);
      expect((await supertest(h.app).post(vinh).type('form').send(selfScores['xa-phu-vinh'])).status).toBe(200);
      // Phú Lợi is not inspected: its reminder comes one working day before the deadline.
      await sleepUntil(`${year}-11-26T03:00:00Z`);
      expect(await mailsTo('an@mttq.test', /\[Nhắc hạn\] Chấm điểm MTTQ xã Phú Lợi/)).toHaveLength(1);
      expect(await mailsTo('an@mttq.test', /\[Nhắc hạn\] Chấm điểm MTTQ xã Phú (Tân|Vinh)/)).toHaveLength(0);

      // After the deadline the classes are locked and published; the invitation follows.
      await sleepUntil(`${year}-11-26T11:00:00Z`);
      s = await until('the classes to be locked', (x) => x.yearEnd!.inspection.closedAt !== undefined);
      const classes = Object.fromEntries(s.yearEnd!.inspection.units.map((u) => [u.unitId, [u.total, u.bandId, u.source]]));
      expect(classes).toEqual({
        'xa-phu-tan': [92, 'xuat-sac', 'inspection'],
        'xa-phu-vinh': [80, 'tot', 'inspection'],
        'xa-phu-loi': [58, 'hoan-thanh', 'self'],
      });
      const tanChanges = s.yearEnd!.inspection.units[0].inspected!.changes;
      expect(tanChanges).toEqual([{ criterionId: '2.1', from: 45, to: 40, reason: 'Thiếu minh chứng cho 2 cuộc giám sát' }]);
      const published = await firstMail(mailOf('xa-phu-tan'), /Kết quả chấm điểm, xếp loại/);
      expect(published.text).toContain('Tổng điểm: 92 – Xếp loại: Hoàn thành xuất sắc nhiệm vụ');
      expect((await firstMail(mailOf('xa-phu-loi'), /Kết quả chấm điểm/)).text).toContain('theo điểm đơn vị tự chấm');
      // The inspection link no longer works.
      expect((await supertest(h.app).get(tan)).status).toBe(410);
      const invitation = await firstMail(mailOf('xa-phu-vinh'), /\[Giấy mời\] Hội nghị tổng kết Cụm thi đua số 1/);
      const [ics] = invitation.attachments;
      expect(ics).toMatchObject({ contentType: 'text/calendar' });
      expect(ics.content!.toString('utf8').replace(/\r\n /g, '')).toContain('LOCATION:Hội trường UBMTTQ xã Phú Tân');
      expect(await mailsTo('lead@mttq.test', /\[Giấy mời\] Hội nghị tổng kết Cụm thi đua số 1/)).toHaveLength(1);
      // The invitation links the stored Giấy mời.
      expect(invitation.text).toContain('Giấy mời [');
      expect(await openDocument(invitation, 'GIẤY MỜI')).toMatchObject({ version: '1' });

      // The meeting day: ballots open at 08:00 local.
      await sleepUntil(`${year}-12-03T01:30:00Z`);
      const ballotLink = async (u: string, award: RegExp) => linkIn((await firstMail(mailOf(u), award)).text);
      const flag = Object.fromEntries(await Promise.all(UNITS.map(async (u) => [u, await ballotLink(u, /\[Phiếu suy tôn\] Cờ thi đua/)])));
      const merit = Object.fromEntries(await Promise.all(UNITS.map(async (u) => [u, await ballotLink(u, /\[Phiếu suy tôn\] Bằng khen/)])));
      // Each ballot mail links its stored Phiếu suy tôn (made when the ballot opened), the same for every delegate.
      const flagMail = await firstMail(mailOf('xa-phu-vinh'), /\[Phiếu suy tôn\] Cờ thi đua/);
      const flagBallot = await openDocument(flagMail, 'PHIẾU SUY TÔN');
      expect(documentLinksIn((await firstMail(mailOf('xa-phu-loi'), /\[Phiếu suy tôn\] Cờ thi đua/)).text)[0]).toBe(flagBallot.page);
      expect(documentLinksIn((await firstMail(mailOf('xa-phu-loi'), /\[Phiếu suy tôn\] Bằng khen/)).text)[0]).not.toBe(flagBallot.page);
      // Only units of an eligible class are on the flag's ballot.
      const flagPage = await supertest(h.app).get(flag['xa-phu-loi']);
      expect(flagPage.text).toContain('MTTQ xã Phú Tân');
      expect(flagPage.text).not.toContain('value="xa-phu-loi"');

      // A unit may not vote for itself; a unit votes once.
      const self = await vote(h, flag['xa-phu-tan'], ['xa-phu-tan']);
      expect(self.res.status).toBe(400);
      expect(self.res.text).toContain('may not vote for itself');
      const tanVote = await vote(h, flag['xa-phu-tan'], ['xa-phu-vinh']);
      expect(tanVote.res.status).toBe(200);
      // The same form sent again is the same ballot (a double click), not a second one.
      expect((await supertest(h.app).post(flag['xa-phu-tan']).type('form').send(tanVote.body)).status).toBeLessThan(500);
      expect((await vote(h, flag['xa-phu-vinh'], ['xa-phu-tan'])).res.status).toBe(200);
      expect((await supertest(h.app).get(flag['xa-phu-tan'])).status).toBe(410);
      expect((await vote(h, flag['xa-phu-loi'], ['xa-phu-tan'])).res.status).toBe(200);

      // Bằng khen: one vote each, everybody passes the 30% threshold: a tie for one seat, the chair decides.
      expect((await vote(h, merit['xa-phu-tan'], ['xa-phu-vinh'])).res.status).toBe(200);
      expect((await vote(h, merit['xa-phu-vinh'], ['xa-phu-loi'])).res.status).toBe(200);
      expect((await vote(h, merit['xa-phu-loi'], ['xa-phu-tan'])).res.status).toBe(200);
      const tie = await firstMail('lead@mttq.test', /\[Quyết định\] Kết quả hòa – Bằng khen/);
      const tieLink = linkIn(tie.text);
      // The secretariat sees the tie waiting for the chair, and where the flag's ballot stands.
      const dash = await eventually(async () => {
        const r = await supertest(h.app).get(`/api/dashboard?cycleId=${encodeURIComponent(cycleId)}`).set({ Authorization: `Bearer ${TEST_TOKEN}` });
        return (r.body.stuck as { reasons: { code: string }[] }[] | undefined)?.some((x) => x.reasons.some((y) => y.code === 'tie_waiting')) ? r.body : undefined;
      }, 'the tie on the dashboard');
      const cum1 = dash.cycles[0].yearEnds.find((y: { clusterId: string }) => y.clusterId === 'cum-1');
      expect(cum1).toMatchObject({ phase: 'voting', inspected: 2, members: 3 });
      expect(cum1.awards[0]).toMatchObject({ name: 'Cờ thi đua', elected: ['MTTQ xã Phú Tân'] });
      expect(cum1.awards[1].statusLabel).toBe('Hòa phiếu, chờ chủ trì quyết định');
      expect((await supertest(h.app).post(tieLink).type('form').send('chosen=xa-phu-tan&chosen=xa-phu-loi')).status).toBe(409);
      expect((await supertest(h.app).post(tieLink).type('form').send('chosen=xa-phu-loi')).status).toBe(200);

      s = await until('the results', (x) => ['results', 'proposal', 'done'].includes(x.yearEnd!.phase));
      const [coThiDua, bangKhen] = s.yearEnd!.awards;
      expect([coThiDua.elected, coThiDua.decidedBy]).toEqual([['xa-phu-tan'], 'ballot']);
      expect(coThiDua.rounds[0].result).toMatchObject({ valid: 3, votes: { 'xa-phu-tan': 2, 'xa-phu-vinh': 1 } });
      expect([bangKhen.elected, bangKhen.decidedBy]).toEqual([['xa-phu-loi'], 'chair']);
      expect(s.yearEnd!.nextHead?.head).toBe('xa-phu-vinh');
      const results = await firstMail(mailOf('xa-phu-vinh'), /\[Kết quả\] Bỏ phiếu suy tôn/);
      expect(results.text).toMatch(/Cờ thi đua: MTTQ xã Phú Tân/);
      expect(results.text).toMatch(/Bằng khen: MTTQ xã Phú Lợi \(chủ trì quyết định/);
      expect(results.text).toContain('Cụm trưởng năm tới (luân phiên): MTTQ xã Phú Vinh');
      // The results link the minutes (Biên bản).
      expect(results.text).toContain('Biên bản hội nghị [');
      await openDocument(results, 'BIÊN BẢN');

      // The minutes and the score table are generated and served (their content: test/documents/year-end.test.ts).
      const docsUrl = `/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/documents`;
      const listed = await eventually(async () => {
        const r = await supertest(h.app).get(docsUrl).set({ Authorization: `Bearer ${TEST_TOKEN}` });
        const text = JSON.stringify(r.body);
        return text.includes('minutes-v1.pdf') && text.includes('score-table') ? text : undefined;
      }, 'the year-end documents');
      expect(listed).toContain('ballot-co-thi-dua');
      // The worker printed each official document to PDF too (its pages: test/documents/year-end.test.ts).
      for (const kind of ['cluster-report', 'invitation', 'ballot-co-thi-dua', 'minutes']) expect(listed).toContain(`"filename":"${kind}-v1.pdf"`);
      const minutesPdf = await supertest(h.app).get(`${docsUrl}/minutes?format=pdf`).set({ Authorization: `Bearer ${TEST_TOKEN}` }).expect(200);
      expect(minutesPdf.headers['content-type']).toBe('application/pdf');
      const minutes = await supertest(h.app).get(`${docsUrl}/minutes.html`).set({ Authorization: `Bearer ${TEST_TOKEN}` });
      expect(minutes.status).toBe(200);
      expect(minutes.text).toContain('BIÊN BẢN');

      // Secrecy: the box holds marks and no voter; the workflow's history holds no marks and no box row id.
      const box = await h.db.models.Ballot.find({}).lean();
      expect(box).toHaveLength(6);
      for (const b of box) expect(Object.keys(b).sort()).toEqual(['_id', 'boxId', 'marks', 'status']);
      const history = JSON.stringify(await env.client.workflow.getHandle(clusterWf).fetchHistory());
      expect(history).not.toContain('marks');
      for (const b of box) expect(history).not.toContain(b._id);
      const audit = JSON.stringify(await h.db.models.Audit.find({ action: 'ballot.vote' }).lean());
      expect(audit).not.toContain('marks');

      // The award proposal: the cluster head sends it, the council approves, every member is told.
      const request = await firstMail(mailOf('xa-phu-tan'), /Tờ trình đề nghị khen thưởng/);
      const proposalPage = await supertest(h.app).get(linkIn(request.text));
      expect(proposalPage.text).toContain('Cờ thi đua</strong>: MTTQ xã Phú Tân');
      expect((await actThroughLink(h, linkIn(request.text), { action: 'submit', proposal: 'Cụm đề nghị tặng Cờ thi đua cho MTTQ xã Phú Tân.' })).status).toBe(200);
      const review = await firstMail('council@mttq.test', /Tờ trình đề nghị khen thưởng/);
      expect((await actThroughLink(h, linkIn(review.text), { action: 'approve', comment: 'Đồng ý' })).status).toBe(200);
      const decision = await firstMail(mailOf('xa-phu-loi'), /\[Khen thưởng\] Hội đồng Thi đua – Khen thưởng đã chấp thuận/);
      expect(decision.text).toContain('Bằng khen: MTTQ xã Phú Lợi');
      // The decision links the award proposal (Tờ trình) it approved.
      expect(decision.text).toContain('Tờ trình đề nghị khen thưởng [');
      await openDocument(decision, 'TỜ TRÌNH');
      s = await until('the year-end to be done', (x) => x.yearEnd!.phase === 'done');
      expect(s.yearEnd!.proposal?.status).toBe('approved');

      // Committed for the replay test (test/workflows/replay.test.ts): `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/year-end`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        const dir = path.resolve(__dirname, '../histories');
        for (const [name, id] of [
          ['cluster-cum-1', clusterWf],
          ['unit-self-scored', unitWorkflowId(cycleId, 'xa-phu-tan')],
        ]) {
          fs.writeFileSync(path.join(dir, `year-end.${name}.json`), historyToJSON(await env.client.workflow.getHandle(id).fetchHistory()));
        }
      }

      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });

});
