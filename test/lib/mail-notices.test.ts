/**
 * The launch notice, the overdue notice to the late unit and the document links of a message, as
 * composeNotice renders them with the real templates (activities/notify.ts): recipient, Vietnamese or
 * English by the recipient's language, links, and the calendar parts read back with ical.js.
 */
import ICAL from 'ical.js';
import { composeNotice, type NotifyInput } from '../../activities/notify';
import type { MailDocument } from '../../activities/mail-documents';
import { documentRefsOf } from '../../activities/mail-documents';
import { createDocumentToken, documentLinkExpiry, verifyDocumentToken } from '../../lib/document-links';
import { createLinkToken, verifyLinkToken } from '../../lib/links';
import { MailRenderer } from '../../lib/mail/render';
import { templatesDir } from '../../lib/paths';
import type { Person } from '../../workflows/cycle/definitions';

const deps = { renderer: new MailRenderer(`${templatesDir}/email`), linkSecret: 'secret-0123456789abcdef0123456789abcdef', publicBaseUrl: 'http://thidua.test', mailFrom: 'Thi đua – Khen thưởng <no-reply@thidua.test>' };
const cycle = { cycleId: 'thidua:t:2027', bodyId: 't', bodyName: 'Ủy ban MTTQ huyện Thử', year: 2027, timeZone: 'Asia/Ho_Chi_Minh' };
const wf = `${cycle.cycleId}:unit:xa-phu-tan`;
const vi: Person = { name: 'Nguyễn Thị Hằng', email: 'hang@units.test', lang: 'vi' };
const en: Person = { name: 'Jane Roe', email: 'jane@units.test', lang: 'en' };

const events = (ics: string) => {
  const cal = new ICAL.Component(ICAL.parse(ics));
  return {
    method: cal.getFirstPropertyValue('method'),
    events: cal.getAllSubcomponents('vevent').map((ev) => ({
      uid: ev.getFirstPropertyValue('uid'),
      sequence: ev.getFirstPropertyValue('sequence'),
      summary: ev.getFirstPropertyValue('summary'),
      start: (ev.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
    })),
  };
};

const plan: MailDocument = {
  kind: 'plan',
  title: { vi: 'Kế hoạch thi đua', en: 'Emulation plan' },
  number: '12/KH-MTTQ-BTT',
  version: 2,
  url: 'http://thidua.test/d/abc.def',
  docxUrl: 'http://thidua.test/d/abc.def.docx',
  pdfUrl: 'http://thidua.test/d/abc.def.pdf',
};

const launch = (to: Person): NotifyInput => ({
  key: `${cycle.cycleId}:launch:xa-phu-tan`,
  kind: 'launch',
  template: 'launch.notice',
  cycle,
  to: [to],
  feed: { kind: 'unit', id: 'xa-phu-tan' },
  documents: [plan],
  data: {
    unitName: 'MTTQ xã Phú Tân',
    clusterName: 'Cụm 1',
    deadlines: [
      { step: 'registration', opensAt: '2027-02-14T17:00:00.000Z', dueAt: '2027-03-05T10:00:00.000Z', uid: `${wf}:registration:due@thidua`, sequence: 0 },
      { step: 'midyear-report', opensAt: '2027-05-31T17:00:00.000Z', dueAt: '2027-06-15T10:00:00.000Z', uid: `${wf}:midyear-report:due@thidua`, sequence: 0 },
    ],
  },
});

describe('the launch notice', () => {
  test("in Vietnamese: the unit's steps with their deadlines, the plan's link, every deadline as a calendar entry, the unit's feed", () => {
    const { mail } = composeNotice(deps, launch(vi), vi);
    expect(mail).toMatchObject({ to: 'hang@units.test', key: `${cycle.cycleId}:launch:xa-phu-tan:hang@units.test`, kind: 'launch.notice' });
    expect(mail.subject).toBe('[Phát động thi đua 2027] Kế hoạch thi đua của Ủy ban MTTQ huyện Thử – MTTQ xã Phú Tân');
    expect(mail.text).toContain('Kính gửi đồng chí Nguyễn Thị Hằng');
    expect(mail.text).toMatch(/Đăng ký thi đua: mở từ 15\/02\/2027, hạn gửi 17:00 05\/03\/2027/);
    expect(mail.text).toMatch(/Báo cáo sơ kết 6 tháng: mở từ 01\/06\/2027, hạn gửi 17:00 15\/06\/2027/);
    expect(mail.html).toContain('<a href="http://thidua.test/d/abc.def">Kế hoạch thi đua</a> số 12/KH-MTTQ-BTT (phiên bản 2)');
    expect(mail.html).toContain('href="http://thidua.test/d/abc.def.docx"');
    expect(mail.html).toContain('href="http://thidua.test/d/abc.def.pdf"');
    // No personal step link yet (each request brings it); the unit's calendar feed instead.
    expect(mail.text).not.toMatch(/\/l\//);
    expect(mail.text).toMatch(/http:\/\/thidua\.test\/feeds\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.ics/);
    const ics = mail.attachments![0];
    expect(ics.contentType).toBe('text/calendar; charset=utf-8; method=PUBLISH');
    // The same UIDs (and SEQUENCE 0) as the requests will carry: one entry per deadline, updated later.
    expect(events(ics.content as string)).toEqual({
      method: 'PUBLISH',
      events: [
        { uid: `${wf}:registration:due@thidua`, sequence: 0, summary: 'Đăng ký thi đua – MTTQ xã Phú Tân', start: '2027-03-05T10:00:00.000Z' },
        { uid: `${wf}:midyear-report:due@thidua`, sequence: 0, summary: 'Báo cáo sơ kết 6 tháng – MTTQ xã Phú Tân', start: '2027-06-15T10:00:00.000Z' },
      ],
    });
  });

  test('in English for a recipient who prefers it; the same bytes on a retry', () => {
    const first = composeNotice(deps, launch(en), en).mail;
    expect(first.subject).toBe("[Emulation 2027 launched] The year's plan of Ủy ban MTTQ huyện Thử – MTTQ xã Phú Tân");
    expect(first.text).toContain('Dear Jane Roe');
    expect(first.text).toMatch(/Six-month review report: opens 01\/06\/2027, due 17:00 15\/06\/2027/);
    expect(first.html).toContain('<a href="http://thidua.test/d/abc.def">Emulation plan</a> no. 12/KH-MTTQ-BTT (version 2)');
    expect(events(first.attachments![0].content as string).events.map((e) => e.summary)[0]).toMatch(/registration – MTTQ xã Phú Tân$/i);
    expect(composeNotice(deps, launch(en), en).mail).toEqual(first);
  });
});

describe('the overdue notice to the late unit', () => {
  const overdue = (to: Person): NotifyInput => ({
    key: `${wf}:registration:overdue`,
    kind: 'overdue',
    step: 'registration',
    cycle,
    to: [to],
    data: { unitName: 'MTTQ xã Phú Tân', clusterName: 'Cụm 1', dueAt: '2027-03-05T10:00:00.000Z', graceEndsAt: '2027-03-09T10:00:00.000Z', level: 1, scheduleVersion: 0 },
    link: { workflowId: wf, step: 'registration', role: 'unit', expiresAt: '2027-12-31T00:00:00Z' },
  });

  test.each([
    [vi, '[Đã quá hạn] Đăng ký thi đua 2027 – MTTQ xã Phú Tân: đề nghị gửi ngay', 'thời gian gia hạn đã hết lúc 17:00 09/03/2027'],
    [en, '[Overdue] Emulation registration 2027 – MTTQ xã Phú Tân: please send it now', 'the grace period ended'],
  ])('%o: its own link (the step’s), the deadline, the calendar entry of its requests', (person, subject, grace) => {
    const { mail, link } = composeNotice(deps, overdue(person), person);
    expect(mail.to).toBe(person.email);
    expect(mail.subject).toBe(subject);
    expect(mail.text).toContain(grace);
    expect(mail.text).toContain(person.name);
    // The personal link: the unit's own link to the step, for this person.
    const token = link!.split('/l/')[1];
    expect(mail.text).toContain(link);
    const v = verifyLinkToken(deps.linkSecret, token, Date.parse('2027-03-10T00:00:00Z'));
    expect(v.ok && v.claims).toMatchObject({ w: wf, s: 'registration', r: 'unit', p: person.email });
    expect(link).toBe(`http://thidua.test/l/${createLinkToken(deps.linkSecret, { w: wf, s: 'registration', r: 'unit', p: person.email, x: Math.floor(Date.parse('2027-12-31T00:00:00Z') / 1000) })}`);
    expect(events(mail.attachments![0].content as string).events).toEqual([
      expect.objectContaining({ uid: `${wf}:registration:due@thidua`, sequence: 0, start: '2027-03-05T10:00:00.000Z' }),
    ]);
  });
});

describe('document links', () => {
  const secret = deps.linkSecret;
  test('a token names one version of one document, verifies, expires, and is refused when forged', () => {
    const x = documentLinkExpiry(2027);
    expect(new Date(x * 1000).toISOString()).toBe('2029-01-01T00:00:00.000Z');
    const token = createDocumentToken(secret, { o: 'thidua:t:2027:cluster:cum-1', k: 'minutes', n: 3, x });
    expect(createDocumentToken(secret, { o: 'thidua:t:2027:cluster:cum-1', k: 'minutes', n: 3, x })).toBe(token);
    expect(verifyDocumentToken(secret, token, Date.parse('2028-06-01T00:00:00Z'))).toEqual({ ok: true, claims: { v: 1, o: 'thidua:t:2027:cluster:cum-1', k: 'minutes', n: 3, x } });
    expect(verifyDocumentToken(secret, token, x * 1000)).toMatchObject({ ok: false, status: 410 });
    // Another version under the same signature, another secret, a step link's token: all refused.
    const [, sig] = token.split('.');
    const otherBody = Buffer.from(JSON.stringify({ v: 1, o: 'thidua:t:2027:cluster:cum-1', k: 'minutes', n: 4, x })).toString('base64url');
    expect(verifyDocumentToken(secret, `${otherBody}.${sig}`, 0)).toMatchObject({ ok: false, status: 403, reason: 'bad-signature' });
    expect(verifyDocumentToken('another-secret-0123456789abcdef0123', token, 0)).toMatchObject({ ok: false, status: 403 });
    const stepToken = createLinkToken(secret, { w: wf, s: 'registration', r: 'unit', p: 'a@b.c', x });
    expect(verifyDocumentToken(secret, stepToken, 0)).toMatchObject({ ok: false, status: 403 });
  });

  test('which stored document each message is about', () => {
    const ref = (input: Partial<NotifyInput>) => documentRefsOf({ key: 'k', kind: 'x', cycle, to: [vi], data: {}, ...input } as NotifyInput).map((r) => [r.owner, r.kind]);
    const cl = `${cycle.cycleId}:cluster:cum-1`;
    expect(ref({ template: 'launch.notice', key: `${cycle.cycleId}:launch:xa-phu-tan` })).toEqual([[cycle.cycleId, 'plan']]);
    expect(ref({ template: 'meeting.invitation', key: `${cl}:meeting:invitation` })).toEqual([[cl, 'invitation']]);
    expect(ref({ template: 'meeting.results', key: `${cl}:meeting:results` })).toEqual([[cl, 'minutes']]);
    expect(ref({ template: 'award.decision', key: `${cl}:award:decision` })).toEqual([[cl, 'proposal']]);
    const ballot = (round: number) => ({ template: 'ballot.open', key: `${cl}:ballot:co-thi-dua:${round}:xa-phu-tan`, link: { workflowId: cl, step: `ballot:co-thi-dua:${round}:xa-phu-tan`, role: 'voter' as const, expiresAt: '2027-12-03T10:00:00Z' } });
    expect(ref(ballot(1))).toEqual([[cl, 'ballot-co-thi-dua']]);
    expect(ref(ballot(2))).toEqual([[cl, 'ballot-co-thi-dua-round-2']]);
    expect(ref({ step: 'registration', kind: 'request', key: `${wf}:registration:request:1` })).toEqual([]);
  });
});
