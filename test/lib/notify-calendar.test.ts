/**
 * The calendar part of each message (activities/notify.ts composeNotice, rendered with the real
 * templates, read back with ical.js): a withdrawn or cancelled step withdraws its deadline
 * (METHOD:CANCEL, the requests' UID, the next SEQUENCE); a withdrawn visit or meeting is cancelled
 * the same way; the dashboard's manual actions have their own wording in both languages.
 */
import ICAL from 'ical.js';
import { composeNotice, organizerOf, type NotifyInput } from '../../activities/notify';
import { MailRenderer } from '../../lib/mail/render';
import { templatesDir } from '../../lib/paths';
import type { Person } from '../../workflows/cycle/definitions';

const deps = { renderer: new MailRenderer(`${templatesDir}/email`), linkSecret: 'secret-0123456789abcdef0123456789abcdef', publicBaseUrl: 'http://thidua.test', mailFrom: 'Thi đua – Khen thưởng <no-reply@thidua.test>' };
const cycle = { cycleId: 'thidua:t:2027', bodyId: 't', bodyName: 'Ủy ban MTTQ huyện Thử', year: 2027, timeZone: 'Asia/Ho_Chi_Minh' };
const wf = `${cycle.cycleId}:unit:xa-phu-tan`;
const vi: Person = { name: 'Nguyễn Thị Hằng', email: 'hang@units.test', lang: 'vi' };
const en: Person = { name: 'Jane Roe', email: 'jane@units.test', lang: 'en' };

const only = (ics: string) => {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const [ev] = cal.getAllSubcomponents('vevent');
  return { method: cal.getFirstPropertyValue('method'), uid: ev.getFirstPropertyValue('uid'), sequence: ev.getFirstPropertyValue('sequence'), status: ev.getFirstPropertyValue('status'), start: (ev.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(), attendees: ev.getAllProperties('attendee').map((p) => p.getFirstValue()) };
};

test.each(['withdrawn', 'cancelled'])('a %s step cancels its deadline entry: same UID as the request, next SEQUENCE', (kind) => {
  const base = { step: 'registration' as const, cycle, to: [vi], data: { unitName: 'MTTQ xã Phú Tân', clusterName: 'Cụm 1', dueAt: '2027-03-05T10:00:00.000Z', scheduleVersion: 1, reason: 'sáp nhập' } };
  const request = composeNotice(deps, { ...base, key: `${wf}:registration:v1:request:1`, kind: 'request', link: { workflowId: wf, step: 'registration', role: 'unit', expiresAt: '2027-12-31T00:00:00Z' } }, vi);
  const gone = composeNotice(deps, { ...base, key: `${wf}:registration:${kind}`, kind } as NotifyInput, vi);
  const before = only(request.mail.attachments![0].content as string);
  const after = only(gone.mail.attachments![0].content as string);
  expect(gone.mail.attachments![0].contentType).toBe('text/calendar; charset=utf-8; method=CANCEL');
  expect(after).toEqual({ method: 'CANCEL', uid: before.uid, sequence: 2, status: 'CANCELLED', start: '2027-03-05T10:00:00.000Z', attendees: ['mailto:hang@units.test'] });
  expect(before).toMatchObject({ method: 'PUBLISH', uid: `${wf}:registration:due@thidua`, sequence: 1 });
  expect(gone.mail.subject).toMatch(kind === 'withdrawn' ? /^\[Dừng\]/ : /^\[Hủy\]/);
});

test('a withdrawn visit or meeting is a CANCEL of its event, in vi and en', () => {
  const event = { uid: `${cycle.cycleId}:cluster:cum-1:visit:xa-phu-tan@thidua`, sequence: 1, kind: 'inspection' as const, start: '2027-11-18T00:30:00.000Z', end: '2027-11-18T04:30:00.000Z', cancelled: true };
  for (const [person, re] of [[vi, /^\[Hủy lịch kiểm tra\]/], [en, /^\[Visit cancelled\]/]] as const) {
    const c = composeNotice(deps, { key: `${cycle.cycleId}:cluster:cum-1:inspection:visit-cancelled:xa-phu-tan`, kind: 'inspection.visit-cancelled', template: 'inspection.visit-cancelled', cycle, to: [person], data: { clusterName: 'Cụm 1', unitName: 'MTTQ xã Phú Tân', visit: { startsAt: event.start, endsAt: event.end, slot: 'morning' }, calendarEvent: event, reason: 'sáp nhập' } }, person);
    expect(c.mail.subject).toMatch(re);
    expect(only(c.mail.attachments![0].content as string)).toMatchObject({ method: 'CANCEL', uid: event.uid, sequence: 1, status: 'CANCELLED' });
  }
  const meeting = { uid: `${cycle.cycleId}:cluster:cum-1:meeting@thidua`, sequence: 3, kind: 'meeting' as const, start: '2027-12-03T01:00:00.000Z', end: '2027-12-03T10:00:00.000Z', cancelled: true };
  const m = composeNotice(deps, { key: 'k', kind: 'meeting.cancelled', template: 'meeting.cancelled', cycle, to: [vi], data: { clusterName: 'Cụm 1', meeting: { opensAt: meeting.start, closesAt: meeting.end }, calendarEvent: meeting } }, vi);
  expect(m.mail.subject).toMatch(/^\[Hủy\] Hội nghị tổng kết Cụm 1/);
  expect(only(m.mail.attachments![0].content as string)).toMatchObject({ method: 'CANCEL', uid: meeting.uid, sequence: 3 });
});

test("remind now and escalate now: the secretariat's own wording, not the planned message's", () => {
  const input = (kind: 'reminder' | 'escalation', manual: boolean, daysLeft = 2): NotifyInput => ({ key: `${wf}:registration:x`, kind, step: 'registration', cycle, to: [vi], data: { unitName: 'MTTQ xã Phú Tân', clusterName: 'Cụm 1', dueAt: '2027-03-05T10:00:00.000Z', daysLeft, level: 1, ...(manual ? { manual: true } : {}) } });
  expect(composeNotice(deps, input('reminder', false), vi).mail.subject).toBe('[Nhắc hạn] Đăng ký thi đua 2027 – MTTQ xã Phú Tân: còn 2 ngày làm việc');
  const manual = composeNotice(deps, input('reminder', true), vi).mail;
  expect(manual.subject).toBe('[Nhắc hạn] Văn phòng đề nghị MTTQ xã Phú Tân gửi ngay Đăng ký thi đua 2027');
  expect(manual.text).toContain('thư nhắc riêng của Văn phòng');
  expect(composeNotice(deps, input('reminder', true, 0), vi).mail.text).toContain('đã đến hoặc đã qua');
  expect(composeNotice(deps, input('reminder', true), en).mail.subject).toBe('[Reminder] The secretariat asks MTTQ xã Phú Tân to send its Emulation registration 2027 now');
  expect(composeNotice(deps, input('escalation', true), vi).mail.subject).toBe('[Quá hạn – Văn phòng báo cáo ngay] MTTQ xã Phú Tân chưa gửi Đăng ký thi đua 2027');
  expect(composeNotice(deps, input('escalation', false), vi).mail.subject).toBe('[Quá hạn – mức 1] MTTQ xã Phú Tân chưa đăng ký thi đua 2027');
  expect(composeNotice(deps, input('escalation', true), en).mail.subject).toMatch(/^\[Overdue – raised now by the secretariat\]/);
  // The last day: a planned reminder on the deadline's day.
  expect(composeNotice(deps, input('reminder', false, 0), vi).mail.subject).toBe('[Hạn cuối hôm nay] Đăng ký thi đua 2027 – MTTQ xã Phú Tân');
  expect(composeNotice(deps, input('reminder', false, 0), en).mail.subject).toBe('[Last day today] Emulation registration 2027 – MTTQ xã Phú Tân');
});

test('the organizer of a CANCEL is the sender', () => {
  expect(organizerOf('Thi đua – Khen thưởng <no-reply@thidua.test>')).toEqual({ name: 'Thi đua – Khen thưởng', email: 'no-reply@thidua.test' });
  expect(organizerOf('no-reply@thidua.test')).toEqual({ name: 'no-reply@thidua.test', email: 'no-reply@thidua.test' });
});
