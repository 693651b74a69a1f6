/**
 * The inspection mails sent again when the inspection moved with its meeting (workflows/cycle/year-end.ts,
 * announceInspectionMove: `moved: true` and the coordinator's reason) say so, in Vietnamese and in
 * English, in the subject, the HTML and the text part; the first sending says nothing of a change.
 */
import { MailRenderer } from '../../lib/mail/render';
import { templatesDir } from '../../lib/paths';

const renderer = new MailRenderer(`${templatesDir}/email`);
const visit = { unitId: 'xa-phu-tan', date: '2027-11-22', slot: 'morning', startsAt: '2027-11-22T00:30:00.000Z', endsAt: '2027-11-22T04:30:00.000Z', place: 'Trụ sở UBMTTQ xã Phú Tân' };
const common = {
  recipient: { name: 'Nguyễn Văn An' },
  year: 2027,
  clusterName: 'Cụm 1',
  unitName: 'MTTQ xã Phú Tân',
  dueAt: '2027-11-26T10:00:00.000Z',
  link: 'http://thidua.test/l/abc',
  visit,
  visits: [{ ...visit, unitName: 'MTTQ xã Phú Tân' }],
};
const kinds = ['inspection.request', 'inspection.visit', 'inspection.timetable'];
const wording = {
  vi: { subject: '[Thay đổi thời gian]', changed: 'Lịch kiểm tra đã thay đổi', reason: 'lý do: Trùng lịch' },
  en: { subject: '[Rescheduled]', changed: 'The inspection schedule has changed', reason: 'reason: Trùng lịch' },
} as const;

describe.each(kinds)('%s after the inspection moved', (kind) => {
  test.each(['vi', 'en'] as const)('in %s: the subject, HTML and text say the dates changed, with the reason', (lang) => {
    const w = wording[lang];
    const mail = renderer.render(kind, lang, { ...common, moved: true, reason: 'Trùng lịch' });
    expect(mail.subject).toContain(w.subject);
    for (const part of [mail.html, mail.text]) {
      expect(part).toContain(w.changed);
      expect(part).toContain(w.reason);
    }
    // The other language's wording does not leak in.
    const other = wording[lang === 'vi' ? 'en' : 'vi'];
    expect(mail.text).not.toContain(other.changed);
  });

  test.each(['vi', 'en'] as const)('in %s: without a reason, the change is still said, with no empty reason', (lang) => {
    const w = wording[lang];
    const mail = renderer.render(kind, lang, { ...common, moved: true });
    expect(mail.text).toContain(w.changed);
    expect(mail.text).not.toContain(w.reason.split(':')[0] + ':');
  });

  test.each(['vi', 'en'] as const)('in %s: the first sending says nothing of a change', (lang) => {
    const w = wording[lang];
    const mail = renderer.render(kind, lang, common);
    expect(mail.subject).not.toContain(w.subject);
    expect(mail.text).not.toContain(w.changed);
  });
});
