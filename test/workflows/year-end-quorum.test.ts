/**
 * The meeting's quorum and proxies (plan stages.meeting.quorum: 60 %, proxies allowed) on the
 * time-skipping server with the real worker, app, database and SMTP server. Cụm 1: two units present,
 * the third absent with a written proxy held by Phú Tân's delegate, who receives Phú Lợi's ballot link
 * and votes for it; Phú Lợi's own delegate is refused; the round closes when the three have voted and
 * the result stands. Cụm 2: one unit of three present — once it has voted the round closes, and its
 * result is void; the minutes and the results mail say so. Attendance problems are refused by the workflow's validator (409).
 */
import supertest from 'supertest';
import { createAccount } from '../../lib/staff';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { ballotYearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { vote } from '../helpers/year-end';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
/** The step a link is for (its claims are readable; only the signature is secret). */
const stepOf = (link: string) => JSON.parse(Buffer.from(link.slice(3).split('.')[0], 'base64url').toString('utf8')).s as string;

describe('the meeting quorum and proxies (time-skipping)', () => {
  const ts = useTimeSkipping('year-end-quorum');

  test('a proxy votes for an absent unit; without the quorum the result is void and the minutes say so', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = ballotYearEndPlan(year, 'mttq-tuc-so');
    const plan = {
      ...base,
      stages: {
        ...base.stages,
        inspection: { ...base.stages.inspection, timetable: [], team: [], crossCheck: undefined },
        meeting: { ...base.stages.meeting, quorum: { share: 0.6, proxies: true } },
      },
    };
    const cycleId = `thidua:mttq-tuc-so:${year}`;
    const mailsTo = (to: string, re: RegExp) => mailbox(h, to, re);
    const award = async (cluster: string) => (await env.client.workflow.getHandle(clusterWorkflowId(cycleId, cluster)).query(clusterStateQuery)).yearEnd!.awards[0];
    const attendance = (cluster: string, body: object) => supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/${cluster}/attendance`).set(auth).send(body);
    const ballotLinks = (to: string, n: number) =>
      eventually(async () => {
        const all = (await mailsTo(to, /\[(Phiếu suy tôn|Ballot)\] Cờ thi đua/)).map((m) => linkIn(m.text));
        return all.length >= n ? all : undefined;
      }, `${n} ballot link(s) to ${to}`);

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      const scores = { 'c.1.1': '25', 'c.1.2': '15', 'c.2.1': '35' };
      for (const u of ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi', 'xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan']) {
        const req = await eventually(async () => (await mailsTo(`${u}@units.test`, /Báo cáo tự chấm điểm|Self-scoring/i))[0], `the request to ${u}`);
        expect((await actThroughLink(h, linkIn(req.text), { action: 'submit', ...scores })).status).toBe(200);
      }

      // After the classes, before the meeting: the chair's record, checked against the rule.
      await sleepUntil(`${year}-11-29T03:00:00Z`);
      expect((await supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/attendance`).send({ present: [] })).status).toBe(401);
      // Roles and scope: a viewer may not; a secretariat member of cum-2 may not record cum-1's.
      const PASSWORD = 'mật-khẩu-đủ-dài-1';
      const staffAgent = async (email: string, roles: ('viewer' | 'secretariat')[], clusters?: string[]) => {
        await createAccount(h.db.models, { email, name: email, roles, clusters, password: PASSWORD });
        const agent = supertest.agent(h.app);
        await agent.post('/login').set('X-Forwarded-For', `10.8.0.${roles.length}${email.length}`).type('form').send({ email, password: PASSWORD }).expect(303);
        const csrf = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
        const post = (cluster: string, body: object) => agent.post(`/api/cycles/${encodeURIComponent(cycleId)}/clusters/${cluster}/attendance`).set('X-CSRF-Token', csrf).send(body);
        return Object.assign(post, { agent, csrf });
      };
      const asViewer = await staffAgent('xem@mttq.test', ['viewer']);
      expect((await asViewer('cum-1', { present: ['xa-phu-tan'] })).status).toBe(403);
      const asCum2 = await staffAgent('thu-ky-cum-2@mttq.test', ['secretariat'], ['cum-2']);
      expect((await asCum2('cum-1', { present: ['xa-phu-tan'] })).status).toBe(403);
      const bad = await attendance('cum-1', { present: 'xa-phu-tan' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.problems[0].path).toBe('present');
      const absentHolder = await attendance('cum-1', { present: ['xa-phu-tan'], proxies: [{ absent: 'xa-phu-loi', holder: 'xa-phu-vinh' }] });
      expect(absentHolder.status).toBe(409);
      expect(absentHolder.body.error.message).toContain('proxies[0].holder: "xa-phu-vinh" is not present');
      const proxy = { absent: 'xa-phu-loi', holder: 'xa-phu-tan', document: 'Giấy ủy quyền số 05/GUQ' };
      const ok = await attendance('cum-1', { present: ['xa-phu-tan', 'xa-phu-vinh'], proxies: [proxy] });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ present: ['xa-phu-tan', 'xa-phu-vinh'], proxies: [proxy], by: 'api-token' });
      // The secretariat of cum-2 records its meeting on the paperwork page: its own cluster's form only.
      const paperwork = `/dashboard/cycles/${encodeURIComponent(cycleId)}`;
      const formPage = await asCum2.agent.get(`${paperwork}/paperwork`);
      expect(formPage.status).toBe(200);
      expect(formPage.text).toContain('id="form-attendance-cum-2"');
      expect(formPage.text).not.toContain('id="form-attendance-cum-1"');
      expect(formPage.text).toContain('<label for="pa-cum-2-0">');
      const noCsrf = await asCum2.agent.post(`${paperwork}/attendance`).type('form').send({ clusterId: 'cum-2', present: 'tt-dinh-quan' });
      expect(noCsrf.status).toBe(403);
      const otherCluster = await asCum2.agent.post(`${paperwork}/attendance`).type('form').send({ _csrf: asCum2.csrf, clusterId: 'cum-1', present: 'xa-phu-tan' });
      expect(otherCluster.status).toBe(403);
      const cum2 = await asCum2.agent.post(`${paperwork}/attendance`).type('form').send({ _csrf: asCum2.csrf, clusterId: 'cum-2', present: 'tt-dinh-quan' });
      expect(cum2.status).toBe(200);
      expect(cum2.text).toContain('Đã ghi điểm danh: 1 đơn vị có mặt, 0 ủy quyền.');
      const recorded = await env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-2')).query(clusterStateQuery);
      expect(recorded.yearEnd!.attendance).toMatchObject({ present: ['tt-dinh-quan'], by: 'thu-ky-cum-2@mttq.test' });

      // The meeting day: ballots open; Phú Tân's delegate gets its own link and Phú Lợi's (the proxy).
      await sleepUntil(`${year}-12-03T01:30:00Z`);
      const tanLinks = await ballotLinks('xa-phu-tan@units.test', 2);
      const own = tanLinks.find((l) => stepOf(l) === 'ballot:co-thi-dua:1:xa-phu-tan')!;
      const forLoi = tanLinks.find((l) => stepOf(l) === 'ballot:co-thi-dua:1:xa-phu-loi')!;
      expect([own, forLoi].every(Boolean)).toBe(true);
      const proxyPage = await supertest(h.app).get(forLoi);
      expect(proxyPage.text).toContain('MTTQ xã Phú Lợi'); // "voting for"
      // Phú Lợi's own delegate no longer casts its ballot.
      const [loiOwn] = await ballotLinks('xa-phu-loi@units.test', 1);
      const refused = await vote(h, loiOwn, ['xa-phu-tan']);
      expect(refused.res.status).toBe(409);
      expect(refused.res.text).toContain('does not cast the ballot of MTTQ xã Phú Lợi');
      expect((await vote(h, own, ['xa-phu-vinh'])).res.status).toBe(200);
      // A correction may not take the vote from a unit that has voted.
      const taken = await attendance('cum-1', { present: ['xa-phu-vinh', 'xa-phu-loi'] });
      expect(taken.status).toBe(409);
      expect(taken.body.error.message).toContain('MTTQ xã Phú Tân has voted');
      const [vinh] = await ballotLinks('xa-phu-vinh@units.test', 1);
      expect((await vote(h, vinh, ['xa-phu-tan'])).res.status).toBe(200);
      expect((await vote(h, forLoi, ['xa-phu-tan'])).res.status).toBe(200);
      // Everyone who may vote has: the round closes before its time, the result stands.
      const cum1 = await eventually(async () => {
        const a = await award('cum-1');
        return a.status === 'decided' ? a : undefined;
      }, 'cum-1 decided');
      expect(cum1.elected).toEqual(['xa-phu-tan']);
      expect(cum1.rounds[0].quorum).toEqual({ members: 3, needed: 2, present: 2, represented: 1, met: true });
      expect(cum1.rounds[0].result).toMatchObject({ valid: 3, votes: { 'xa-phu-tan': 2, 'xa-phu-vinh': 1 } });

      // Cụm 2: an absent unit without a proxy is refused; the one present unit votes.
      const [gia] = await ballotLinks('xa-gia-canh@units.test', 1);
      const absent = await vote(h, gia, ['tt-dinh-quan']);
      expect(absent.res.status).toBe(409);
      expect(absent.res.text).toContain('is not present at the meeting and has no proxy');
      const [tt] = await ballotLinks('tt-dinh-quan@units.test', 1);
      expect((await vote(h, tt, ['xa-ngoc-dinh'])).res.status).toBe(200);
      // Every unit that may vote has voted: the round closes — without the quorum, void.
      const voided = await eventually(async () => {
        const a = await award('cum-2');
        return a.status === 'void' ? a : undefined;
      }, 'cum-2 void');
      expect(voided.elected).toEqual([]);
      expect(voided.rounds[0].quorum).toEqual({ members: 3, needed: 2, present: 1, represented: 0, met: false });
      expect(voided.rounds[0].result).toMatchObject({ valid: 1, votes: { 'xa-ngoc-dinh': 1 } });
      // The results mail says so.
      const results = await eventually(async () => (await mailsTo('tt-dinh-quan@units.test', /\[(Kết quả|Results)\]/))[0], 'the results mail of cum-2');
      expect(results.text!.replace(/\s+/g, ' ')).toContain('Cờ thi đua: không có đơn vị nào được suy tôn (kết quả không có giá trị: hội nghị không đủ số đơn vị tối thiểu');
      // Audited with the actor.
      const audit = await h.db.models.Audit.find({ action: 'meeting.attendance' }).sort({ at: 1 }).lean();
      expect(audit.map((a) => [a.actor, a.target])).toEqual([
        ['api-token', `${cycleId}:cum-1`],
        ['thu-ky-cum-2@mttq.test', `${cycleId}:cum-2`],
      ]);

      // The minutes: the attendance with the proxy; the void result, with the numbers.
      const minutesOf = async (cluster: string) => {
        const url = `/api/cycles/${encodeURIComponent(cycleId)}/clusters/${cluster}/documents/minutes.html`;
        return eventually(async () => {
          const r = await supertest(h.app).get(url).set(auth);
          return r.status === 200 ? r.text.replace(/\s+/g, ' ') : undefined;
        }, `the minutes of ${cluster}`);
      };
      const m1 = await minutesOf('cum-1');
      expect(m1).toContain('vắng mặt, ủy quyền bằng văn bản cho đại biểu MTTQ xã Phú Tân bỏ phiếu (Giấy ủy quyền số 05/GUQ)');
      expect(m1).toContain('Kết quả: đề nghị tặng Cờ thi đua cho MTTQ xã Phú Tân');
      const m2 = await minutesOf('cum-2');
      expect(m2).toContain('Kết quả: không có giá trị. Hội nghị không đủ số đơn vị tối thiểu theo quy định: có mặt 01 trên tổng số 03 đơn vị thành viên (cần ít nhất 02)');
      expect(m2).not.toContain('Kết quả: đề nghị tặng');

      // Secrecy holds with proxies: the box rows carry no voter.
      for (const b of await h.db.models.Ballot.find({}).lean()) expect(Object.keys(b).sort()).toEqual(['_id', 'boxId', 'marks', 'status']);
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
