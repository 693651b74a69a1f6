/**
 * One-time codes (plan `security.oneTimeCode: [ballot, council-decision]`) on the time-skipping server
 * with the real worker, app, database and SMTP server: a ballot and the council's decision each need
 * the 6-digit code emailed to the link's holder. Without it, with a wrong, expired, used or another
 * link's code, the POST is refused (4xx, a message) and nothing changes; five wrong tries lock the
 * code; a second request within a minute sends nothing. The code's row never holds the ballot.
 */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { appWithMailer, eventually, linkIn, mailbox } from '../helpers/harness';
import { flagAward, yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf, UNITS } from '../helpers/year-end';

describe('one-time codes for the ballot and the council decision (time-skipping)', () => {
  const ts = useTimeSkipping('year-end-codes');

  test('no code, a wrong, expired, used or foreign code: refused and nothing changes; the right one acts once', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const base = yearEndPlan(year, 'mttq-ma-xac-nhan');
    const plan = {
      ...base,
      security: { oneTimeCode: ['ballot', 'council-decision'] as ('ballot' | 'council-decision')[] },
      awards: [flagAward],
      stages: { ...base.stages, inspection: { ...base.stages.inspection, timetable: [], team: [], crossCheck: undefined } },
    };
    const cycleId = `thidua:mttq-ma-xac-nhan:${year}`;
    const clusterWf = clusterWorkflowId(cycleId, 'cum-1');
    // The api's clock can be moved ahead of the real one (to let a code expire).
    let ahead = 0;
    const { app, close } = appWithMailer(h, { now: () => new Date(Date.now() + ahead) });
    const mailsTo = (to: string, re: RegExp) => mailbox(h, to, re);
    const lastMail = (to: string, re: RegExp, n = 1) => eventually(async () => {
      const all = await mailsTo(to, re);
      return all.length >= n ? all.at(-1) : undefined;
    }, `${re} to ${to}`);
    const codeIn = (text: string | null | undefined) => /\b(\d{6})\b/.exec(text ?? '')?.[1];
    const round = async () => (await env.client.workflow.getHandle(clusterWf).query(clusterStateQuery)).yearEnd!.awards[0].rounds[0];
    const ballotPage = async (link: string) => {
      const page = await supertest(app).get(link);
      expect(page.status).toBe(200);
      return { page, nonce: /name="nonce" value="([^"]+)"/.exec(page.text)![1] };
    };
    const cast = (link: string, nonce: string, marks: string[], code?: string) =>
      supertest(app).post(link).type('form').send([`nonce=${nonce}`, ...marks.map((m) => `marks=${m}`), ...(code !== undefined ? [`code=${code}`] : [])].join('&'));
    const askCode = (link: string) => supertest(app).post(`${link}/code`).type('form').send('');

    try {
      await h.runWorker(async () => {
        await startCycle(h.deps, plan, 'test');
        await sleepUntil(`${year}-10-01T03:00:00Z`);
        const scores: Record<string, Record<string, string>> = {
          'xa-phu-tan': { 'c.1.1': '30', 'c.1.2': '20', 'c.2.1': '45' },
          'xa-phu-vinh': { 'c.1.1': '25', 'c.1.2': '15', 'c.2.1': '35' },
          'xa-phu-loi': { 'c.1.1': '20', 'c.1.2': '10', 'c.2.1': '30' },
        };
        for (const u of UNITS) {
          const req = await lastMail(mailOf(u), /Đề nghị gửi Báo cáo tự chấm điểm/);
          const page = await supertest(app).get(linkIn(req.text));
          // Only the weightiest decisions ask for a code.
          expect(page.text).not.toContain('name="code"');
          const r = /name="round" value="(\d+)"/.exec(page.text)![1];
          expect((await supertest(app).post(linkIn(req.text)).type('form').send({ action: 'submit', round: r, ...scores[u] })).status).toBe(200);
        }
        await sleepUntil(`${year}-12-03T01:30:00Z`);
        const links = Object.fromEntries(await Promise.all(UNITS.map(async (u) => [u, linkIn((await lastMail(mailOf(u), /\[Phiếu suy tôn\] Cờ thi đua/)).text)])));

        // The page asks for the code, with its label, and offers to send it.
        const tan = await ballotPage(links['xa-phu-tan']);
        expect(tan.page.text).toMatch(/<label for="otp-code">[^<]+<\/label>\s*<input id="otp-code" name="code"/);
        expect(tan.page.text).toContain(`action="/l/${links['xa-phu-tan'].slice(3)}/code?lang=vi"`);
        // Without a code: 400, nothing stored, nobody recorded as voting.
        const none = await cast(links['xa-phu-tan'], tan.nonce, ['xa-phu-vinh']);
        expect(none.status).toBe(400);
        expect(none.text).toContain('Cần nhập mã xác nhận');
        expect(await h.db.models.Ballot.countDocuments()).toBe(0);

        // The code goes to the delegate's address; a second request within a minute sends nothing.
        expect((await askCode(links['xa-phu-tan'])).status).toBe(200);
        const mail = await lastMail(mailOf('xa-phu-tan'), /Mã xác nhận/);
        const code = codeIn(mail.subject)!;
        expect(code).toMatch(/^\d{6}$/);
        expect(mail.text).toContain('bỏ phiếu suy tôn');
        const again = await askCode(links['xa-phu-tan']);
        expect(again.status).toBe(429);
        expect(await mailsTo(mailOf('xa-phu-tan'), /Mã xác nhận/)).toHaveLength(1);
        // Another unit's link does not accept it (the code is bound to its token).
        const vinh = await ballotPage(links['xa-phu-vinh']);
        expect((await cast(links['xa-phu-vinh'], vinh.nonce, ['xa-phu-tan'], code)).status).toBe(400);

        // A wrong code: 400 with the tries left; nothing stored.
        const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        const w = await cast(links['xa-phu-tan'], tan.nonce, ['xa-phu-vinh'], wrong);
        expect(w.status).toBe(400);
        expect(w.text).toContain('còn 4 lần thử');
        expect((await cast(links['xa-phu-tan'], tan.nonce, ['xa-phu-vinh'], '12ab')).status).toBe(400);
        expect(await h.db.models.Ballot.countDocuments()).toBe(0);
        expect((await round()).voted).toHaveLength(0);

        // The right code: the ballot is cast; the code is used up.
        expect((await cast(links['xa-phu-tan'], tan.nonce, ['xa-phu-vinh'], code)).status).toBe(200);
        await eventually(async () => (await round()).voted.length === 1, 'the vote recorded');
        const reuse = await cast(links['xa-phu-tan'], tan.nonce, ['xa-phu-vinh'], code);
        expect(reuse.status).toBe(410);
        expect(await h.db.models.Ballot.countDocuments()).toBe(1);
        // The code's row holds no ballot: only the token id, a hash and counters.
        const rows = await h.db.conn.collection('link_codes').find({}).toArray();
        expect(rows).toHaveLength(1);
        expect(Object.keys(rows[0]).sort()).toEqual(['_id', 'expiresAt', 'hourCount', 'hourStart', 'issued', 'issuedAt', 'tries', 'usedAt']);
        expect(JSON.stringify(rows)).not.toMatch(/xa-phu|marks/);

        // Phú Vinh: five wrong tries lock its code; then even the right one is refused.
        expect((await askCode(links['xa-phu-vinh'])).status).toBe(200);
        const vinhCode = codeIn((await lastMail(mailOf('xa-phu-vinh'), /Mã xác nhận/)).subject)!;
        const vinhWrong = String((Number(vinhCode) + 7) % 1_000_000).padStart(6, '0');
        for (let i = 0; i < 4; i++) expect((await cast(links['xa-phu-vinh'], vinh.nonce, ['xa-phu-tan'], vinhWrong)).status).toBe(400);
        expect((await cast(links['xa-phu-vinh'], vinh.nonce, ['xa-phu-tan'], vinhWrong)).status).toBe(429);
        expect((await cast(links['xa-phu-vinh'], vinh.nonce, ['xa-phu-tan'], vinhCode)).status).toBe(429);
        // A new code (after a minute) works.
        ahead = 61_000;
        expect((await askCode(links['xa-phu-vinh'])).status).toBe(200);
        const vinhCode2 = codeIn((await lastMail(mailOf('xa-phu-vinh'), /Mã xác nhận/, 2)).subject)!;
        expect((await cast(links['xa-phu-vinh'], vinh.nonce, ['xa-phu-tan'], vinhCode2)).status).toBe(200);

        // Phú Lợi: an expired code (10 minutes) is refused; nothing changes.
        expect((await askCode(links['xa-phu-loi'])).status).toBe(200);
        const loiCode = codeIn((await lastMail(mailOf('xa-phu-loi'), /Mã xác nhận/)).subject)!;
        ahead += 11 * 60_000;
        const loi = await ballotPage(links['xa-phu-loi']);
        const expired = await cast(links['xa-phu-loi'], loi.nonce, ['xa-phu-tan'], loiCode);
        expect(expired.status).toBe(410);
        expect(expired.text).toContain('Mã xác nhận đã hết hạn');
        expect((await round()).voted).toHaveLength(2);
        expect(await h.db.models.Ballot.countDocuments()).toBe(2);
        expect((await askCode(links['xa-phu-loi'])).status).toBe(200);
        const loiCode2 = codeIn((await lastMail(mailOf('xa-phu-loi'), /Mã xác nhận/, 2)).subject)!;
        expect((await cast(links['xa-phu-loi'], loi.nonce, ['xa-phu-tan'], loiCode2)).status).toBe(200);

        // The proposal: the cluster head sends it without a code; the council's decision needs one.
        const request = await lastMail(mailOf('xa-phu-tan'), /Tờ trình đề nghị khen thưởng/);
        const sendPage = await supertest(app).get(linkIn(request.text));
        expect(sendPage.text).not.toContain('name="code"');
        const r1 = /name="round" value="(\d+)"/.exec(sendPage.text)![1];
        expect((await supertest(app).post(linkIn(request.text)).type('form').send({ action: 'submit', round: r1, proposal: 'Đề nghị tặng Cờ thi đua cho MTTQ xã Phú Tân.' })).status).toBe(200);
        const review = await lastMail('council@mttq.test', /Tờ trình đề nghị khen thưởng/);
        const councilLink = linkIn(review.text);
        const councilPage = await supertest(app).get(councilLink);
        expect(councilPage.text).toContain('name="code"');
        const r2 = /name="round" value="(\d+)"/.exec(councilPage.text)![1];
        const noCode = await supertest(app).post(councilLink).type('form').send({ action: 'approve', round: r2 });
        expect(noCode.status).toBe(400);
        expect((await askCode(councilLink)).status).toBe(200);
        const councilMail = await lastMail('council@mttq.test', /Mã xác nhận/);
        expect(councilMail.text).toContain('quyết định của Hội đồng');
        const cc = codeIn(councilMail.subject)!;
        expect((await supertest(app).post(councilLink).type('form').send({ action: 'approve', round: r2, code: '000000' === cc ? '000001' : '000000' })).status).toBe(400);
        expect((await supertest(app).post(councilLink).type('form').send({ action: 'approve', round: r2, code: cc, comment: 'Đồng ý' })).status).toBe(200);
        await eventually(async () => (await env.client.workflow.getHandle(clusterWf).query(clusterStateQuery)).yearEnd!.proposal?.status === 'approved', 'the proposal approved');
        // Each refusal is audited (without any code), the codes' mails went through the outbox.
        const refused = await h.db.models.Audit.find({ action: 'link.code-refused' }).lean();
        expect(refused.map((a) => (a.details as { reason: string }).reason)).toEqual(
          expect.arrayContaining(['missing', 'wrong', 'malformed', 'used', 'locked', 'expired']),
        );
        expect(JSON.stringify(refused)).not.toContain(code);
        expect(await h.db.models.Outbox.countDocuments({ kind: 'link.code' })).toBe(6);
        await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
      });
    } finally {
      close();
    }
  });
});
