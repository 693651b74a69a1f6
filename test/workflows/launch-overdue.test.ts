/**
 * The launch notice and the overdue notice on the time-skipping server (real worker, app, database,
 * SMTP server): when the cycle starts every unit's contact gets one launch notice (its steps and
 * deadlines, the plan's document by a signed read-only link, the deadlines as calendar entries,
 * the unit's feed) beside its first request; once a step is past deadline + grace the late unit
 * itself is told, once, with its own link, besides the escalations to its reviewer and head.
 */
import ICAL from 'ical.js';
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { createDocumentToken, documentLinkExpiry } from '../../lib/document-links';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { documentLinksIn } from '../helpers/document-links';
import { actThroughLink, eventually, linkIn, mailbox } from '../helpers/harness';
import { marchDays, smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

type Mail = Awaited<ReturnType<typeof mailbox>>[number];
const calendar = (m: Mail) => {
  const a = m.attachments.find((x) => x.contentType?.startsWith('text/calendar'));
  const cal = new ICAL.Component(ICAL.parse(a!.content!.toString('utf8')));
  return cal.getAllSubcomponents('vevent').map((ev) => ({ uid: ev.getFirstPropertyValue('uid'), start: (ev.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString() }));
};
const UNITS = ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi', 'xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan'];
const emailOf = (u: string) => `${u}@units.test`;

describe('launch and overdue notices (time-skipping)', () => {
  const ts = useTimeSkipping('launch-overdue');

  test('one launch notice per contact with the plan and its deadlines; one overdue notice per late unit', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const { day, local } = marchDays(year);
    // Registration: Monday day 0 to Friday day 18, 2 working days' grace: escalations Wednesday day 23 and Monday day 28.
    const plan = smallPlanFor(year, 'mttq-phat-dong', {
      document: { number: '12', symbol: 'KH-MTTQ-BTT' },
      stages: {
        registration: { opensOn: day(0), deadline: day(18), reminders: [3], grace: 2, escalations: [0, 3] },
        midYear: { opensOn: `${year}-06-01`, deadline: `${year}-06-15`, reminders: [], escalations: [] },
      },
    } as Parameters<typeof smallPlanFor>[2]);
    const cycleId = `thidua:mttq-phat-dong:${year}`;
    const wf = (u: string) => unitWorkflowId(cycleId, u);
    const mails = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const dueAt = new Date(local(18, '17:00')).toISOString();
    const midYearDue = new Date(`${year}-06-15T17:00:00+07:00`).toISOString();

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(local(0, '09:00'));
      const launches = await eventually(async () => {
        const all = await Promise.all(UNITS.map(async (u) => (await mails(emailOf(u), /Phát động thi đua|launched/))[0]));
        return all.every(Boolean) ? all : undefined;
      }, 'the six launch notices');
      await eventually(async () => (await Promise.all(UNITS.map(async (u) => (await mails(emailOf(u), /Đề nghị|Please register/)).length))).every((n) => n === 1), 'the six requests');

      // Vietnamese for Phú Tân: its two steps and deadlines, the plan by link, the deadlines as calendar entries.
      const tan = launches[0];
      expect(tan.envelopeTo).toEqual([emailOf('xa-phu-tan')]);
      expect(tan.subject).toBe(`[Phát động thi đua ${year}] Kế hoạch thi đua của Ủy ban MTTQ Việt Nam huyện Định Quán – MTTQ xã Phú Tân`);
      expect(tan.text).toContain('Kính gửi đồng chí Chủ tịch MTTQ xã Phú Tân');
      expect(tan.text).toContain(`Đăng ký thi đua: mở từ ${day(0).split('-').reverse().join('/')}, hạn gửi 17:00 ${day(18).split('-').reverse().join('/')}`);
      expect(tan.text).toContain(`Báo cáo sơ kết 6 tháng: mở từ 01/06/${year}, hạn gửi 17:00 15/06/${year}`);
      expect(tan.text).toContain('số 12/KH-MTTQ-BTT (phiên bản 1)');
      expect(tan.text).toMatch(/http:\/\/thidua\.test\/feeds\/[A-Za-z0-9_.-]+\.ics/);
      expect(calendar(tan)).toEqual([
        { uid: `${wf('xa-phu-tan')}:registration:due@thidua`, start: dueAt },
        { uid: `${wf('xa-phu-tan')}:midyear-report:due@thidua`, start: midYearDue },
      ]);
      // The request (sent beside it) updates the same calendar entry.
      const [request] = await mails(emailOf('xa-phu-tan'), /Đề nghị/);
      expect(calendar(request)[0].uid).toBe(`${wf('xa-phu-tan')}:registration:due@thidua`);
      // English for Gia Canh's contact.
      const canh = launches[3];
      expect(canh.subject).toBe(`[Emulation ${year} launched] The year's plan of Ủy ban MTTQ Việt Nam huyện Định Quán – MTTQ xã Gia Canh`);
      expect(canh.text).toContain('Dear Chủ tịch MTTQ xã Gia Canh');
      expect(canh.text).toContain('Emulation plan [');

      // The plan's link opens the stored plan without an account: its page, Word file; forged or expired links do not.
      const [page, docx] = documentLinksIn(tan.text);
      const opened = await supertest(h.app).get(page).expect(200);
      expect(opened.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(opened.headers['x-document-version']).toBe('1');
      expect(opened.text).toContain('KẾ HOẠCH');
      expect(opened.text).toContain('12/KH-MTTQ-BTT');
      const word = await supertest(h.app).get(docx).expect(200);
      expect(word.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      expect(documentLinksIn(canh.text)[0]).toBe(page); // the same document, the same link
      const token = page.slice('/d/'.length);
      const [body, sig] = token.split('.');
      const flipped = `${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1)}`;
      expect((await supertest(h.app).get(`/d/${body}.${flipped}`)).status).toBe(403);
      const otherVersion = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), n: 2 })).toString('base64url');
      expect((await supertest(h.app).get(`/d/${otherVersion}.${sig}`)).status).toBe(403);
      expect((await supertest(h.app).get(`/d/${otherVersion}.${sig}.docx`)).status).toBe(403);
      const signed = (claims: { o?: string; n?: number; x?: number }) => `/d/${createDocumentToken(h.config.LINK_SECRET, { o: claims.o ?? cycleId, k: 'plan', n: claims.n ?? 1, x: claims.x ?? documentLinkExpiry(year) })}`;
      expect((await supertest(h.app).get(signed({ x: Math.floor(Date.now() / 1000) - 60 }))).status).toBe(410);
      expect((await supertest(h.app).get(signed({ n: 9 }))).status).toBe(404);
      expect((await supertest(h.app).get(signed({ o: 'thidua:other:2000' }))).status).toBe(404);
      // Read-only: nothing but GET (and HEAD).
      expect((await supertest(h.app).post(page).send({})).status).toBe(405);
      expect((await supertest(h.app).delete(page)).status).toBe(405);
      expect((await supertest(h.app).head(page)).status).toBe(200);

      // One launch notice per unit and person, under its business key; the unit's state says so.
      const launchRows = await h.db.models.Outbox.find({ cycleId, kind: 'launch.notice' }).lean();
      expect(launchRows.map((r) => r._id).sort()).toEqual(UNITS.map((u) => `${cycleId}:launch:${u}:${emailOf(u)}`).sort());
      const tanState = await env.client.workflow.getHandle(wf('xa-phu-tan')).query(unitStateQuery);
      expect(tanState.launchNotice).toMatchObject({ key: `${cycleId}:launch:xa-phu-tan`, to: [emailOf('xa-phu-tan')] });

      // Phú Tân registers in time; the others never do.
      expect((await actThroughLink(h, linkIn(request.text), { action: 'submit', content: 'Đăng ký', targets: 'Chỉ tiêu' })).status).toBe(200);

      // Past deadline + grace, the first escalation (Wednesday day 23, 08:00): each late unit is told itself.
      await sleepUntil(local(23, '09:00'));
      const loi = await eventually(async () => (await mails(emailOf('xa-phu-loi'), /Đã quá hạn/))[0], 'the overdue notice to Phú Lợi');
      expect(loi.subject).toBe(`[Đã quá hạn] Đăng ký thi đua ${year} – MTTQ xã Phú Lợi: đề nghị gửi ngay`);
      expect(loi.text).toContain('Kính gửi đồng chí Chủ tịch MTTQ xã Phú Lợi');
      expect(loi.text).toContain(`Hạn gửi là 17:00 ${day(18).split('-').reverse().join('/')}`);
      expect(loi.text).toContain('đã được báo cáo cán bộ theo dõi đơn vị và cụm trưởng');
      // Its own link: the one its request carried, still working.
      const [loiRequest] = await mails(emailOf('xa-phu-loi'), /Đề nghị/);
      expect(linkIn(loi.text)).toBe(linkIn(loiRequest.text));
      expect((await supertest(h.app).get(linkIn(loi.text))).status).toBe(200);
      expect(calendar(loi)).toEqual([{ uid: `${wf('xa-phu-loi')}:registration:due@thidua`, start: dueAt }]);
      const canhOverdue = await eventually(async () => (await mails(emailOf('xa-gia-canh'), /^\[Overdue\]/))[0], 'the overdue notice to Gia Canh');
      expect(canhOverdue.subject).toBe(`[Overdue] Emulation registration ${year} – MTTQ xã Gia Canh: please send it now`);
      expect(canhOverdue.text).toContain('Dear Chủ tịch MTTQ xã Gia Canh');
      // The managers' escalation still goes to the reviewer and the head.
      await eventually(async () => (await mails('an@mttq.test', /\[Quá hạn – mức 1\].*Phú Lợi/)).length === 1, 'the escalation of Phú Lợi');

      // The second escalation goes to the managers only: the unit was told once.
      await sleepUntil(local(28, '09:00'));
      await eventually(async () => (await mails('an@mttq.test', /\[Quá hạn – mức 2\].*Phú Lợi/)).length === 1, 'the second escalation of Phú Lợi');
      const overdue = await h.db.models.Outbox.find({ cycleId, kind: 'registration.overdue' }).lean();
      // Five late units (Phú Tân sent in time), one contact each, one notice.
      expect(overdue.map((r) => r._id).sort()).toEqual(UNITS.filter((u) => u !== 'xa-phu-tan').map((u) => `${wf(u)}:registration:overdue:${emailOf(u)}`).sort());
      expect(await mails(emailOf('xa-phu-tan'), /Đã quá hạn/)).toEqual([]); // (it heads the cluster: it does get the escalations of the others)
      expect(await mails(emailOf('xa-phu-loi'), /Đã quá hạn/)).toHaveLength(1);

      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
