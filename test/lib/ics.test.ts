/** ICS attachments and feeds (lib/mail/ics.ts), read back with a real parser (ical.js). */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { cancelledItem, FEED_TIMEZONE, foldLine, icsFeed, icsForMail, type CalendarItem } from '../../lib/mail/ics';

const TITLE = 'Hạn gửi báo cáo tổng kết – MTTQ xã Phú Tân; Cụm thi đua số 1';
const DESCRIPTION =
  'Kính gửi Ban Thường trực Ủy ban MTTQ Việt Nam xã Phú Tân,\n' +
  'đề nghị gửi báo cáo tổng kết công tác thi đua, khen thưởng năm 2027; hồ sơ đề nghị khen thưởng (nếu có).\n' +
  'Đường dẫn: https://thidua.example.vn/u/xa-phu-tan?y=2027&s=registration';
const STAMP = '2027-01-10T08:00:00Z';

/** Deadline 17:00 Asia/Ho_Chi_Minh on 5 March 2027 = 10:00Z. */
const deadline: CalendarItem = {
  uid: 'thidua:mttq-dinh-quan:2027:unit:xa-phu-tan:registration:due@thidua',
  sequence: 0,
  kind: 'deadline',
  title: TITLE,
  description: DESCRIPTION,
  location: 'Ủy ban MTTQ huyện Định Quán, tỉnh Đồng Nai',
  url: 'https://thidua.example.vn/u/xa-phu-tan',
  start: '2027-03-05T17:00:00+07:00',
  organizer: { name: 'Ban Thường trực MTTQ huyện Định Quán', email: 'thuongtruc@mttq-dinh-quan.test' },
  attendees: [
    { name: 'MTTQ xã Phú Tân', email: 'xa-phu-tan@units.test' },
    { name: 'Nguyễn Thị Hằng, Chủ tịch', email: 'hang.nt@units.test' },
  ],
};

const meeting: CalendarItem = {
  uid: 'thidua:mttq-dinh-quan:2027:cluster:cum-1:review-meeting@thidua',
  sequence: 2,
  kind: 'meeting',
  title: 'Họp bình xét thi đua Cụm số 1',
  location: 'Hội trường UBND xã Phú Tân',
  start: '2027-03-12T01:30:00Z', // 08:30 local
  end: '2027-03-12T04:00:00Z', // 11:00 local
  organizer: deadline.organizer,
  attendees: deadline.attendees,
};

const inspection: CalendarItem = {
  uid: 'thidua:mttq-dinh-quan:2027:unit:xa-phu-tan:inspection@thidua',
  sequence: 1,
  kind: 'inspection',
  title: 'Kiểm tra chéo tại xã Phú Tân',
  start: '2027-03-20T02:00:00Z',
  end: '2027-03-20T09:00:00Z',
  status: 'CANCELLED',
};

// ical.js does not know the X-WR-* extensions and returns their raw text; MS-OXCICAL §2.1.3.1.1.10
// defines X-WR-CALNAME as TEXT (escaped like SUMMARY), which is how calendar clients read it.
(ICAL.design.icalendar.property as Record<string, { defaultType: string }>)['x-wr-calname'] = { defaultType: 'text' };

type Parsed = { calendar: ICAL.Component; events: ICAL.Component[] };

function parse(ics: string): Parsed {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  return { calendar, events: calendar.getAllSubcomponents('vevent') };
}

function only(ics: string): { calendar: ICAL.Component; vevent: ICAL.Component; event: ICAL.Event } {
  const { calendar, events } = parse(ics);
  expect(events).toHaveLength(1);
  return { calendar, vevent: events[0], event: new ICAL.Event(events[0]) };
}

const prop = (c: ICAL.Component, name: string): unknown => c.getFirstPropertyValue(name);
const iso = (t: ICAL.Time): string => t.toJSDate().toISOString();

/** Logical lines (RFC 5545 §3.1 unfolding). */
const unfold = (ics: string): string[] => ics.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('icsForMail', () => {
  test('REQUEST: attachment shape, METHOD, UID, SEQUENCE, STATUS, organizer, attendees', () => {
    const mail = icsForMail(deadline, 'REQUEST', STAMP);
    expect(mail.filename).toBe('thidua.ics');
    expect(mail.contentType).toBe('text/calendar; charset=utf-8; method=REQUEST');

    const { calendar, vevent, event } = only(mail.content);
    expect(prop(calendar, 'version')).toBe('2.0');
    expect(prop(calendar, 'method')).toBe('REQUEST');
    expect(event.uid).toBe(deadline.uid);
    expect(event.sequence).toBe(0);
    expect(prop(vevent, 'status')).toBe('CONFIRMED');
    expect(prop(vevent, 'organizer')).toBe('MAILTO:thuongtruc@mttq-dinh-quan.test');
    expect(vevent.getFirstProperty('organizer')?.getParameter('cn')).toBe('Ban Thường trực MTTQ huyện Định Quán');
    const attendees = vevent.getAllProperties('attendee');
    expect(attendees.map((a) => a.getFirstValue())).toEqual(['mailto:xa-phu-tan@units.test', 'mailto:hang.nt@units.test']);
    expect(attendees.map((a) => a.getParameter('cn'))).toEqual(['MTTQ xã Phú Tân', 'Nguyễn Thị Hằng, Chủ tịch']);
    expect(attendees.map((a) => a.getParameter('rsvp'))).toEqual(['FALSE', 'FALSE']);
    expect(prop(vevent, 'dtstamp')).toBeInstanceOf(ICAL.Time);
    expect(iso(prop(vevent, 'dtstamp') as ICAL.Time)).toBe('2027-01-10T08:00:00.000Z');
  });

  test('a deadline is a point in time at 17:00 Asia/Ho_Chi_Minh, written in UTC', () => {
    const mail = icsForMail(deadline, 'REQUEST', STAMP);
    const lines = unfold(mail.content);
    expect(lines).toContain('DTSTART:20270305T100000Z');
    expect(lines).toContain('DTEND:20270305T100000Z');
    expect(lines).toContain('TRANSP:TRANSPARENT');
    expect(lines.some((l) => l.startsWith('BEGIN:VTIMEZONE') || l.includes('TZID'))).toBe(false);

    const { event } = only(mail.content);
    expect(event.startDate.zone?.tzid).toBe('UTC');
    expect(iso(event.startDate)).toBe('2027-03-05T10:00:00.000Z');
    expect(iso(event.endDate)).toBe('2027-03-05T10:00:00.000Z');
    const local = DateTime.fromJSDate(event.startDate.toJSDate()).setZone('Asia/Ho_Chi_Minh');
    expect(local.toFormat('yyyy-MM-dd HH:mm')).toBe('2027-03-05 17:00');
  });

  test('a meeting keeps its start and end instants', () => {
    const { vevent, event } = only(icsForMail(meeting, 'REQUEST', STAMP).content);
    expect(iso(event.startDate)).toBe('2027-03-12T01:30:00.000Z');
    expect(iso(event.endDate)).toBe('2027-03-12T04:00:00.000Z');
    expect(event.sequence).toBe(2);
    expect(prop(vevent, 'transp')).toBe('OPAQUE');
    expect(prop(vevent, 'categories')).toBe('MEETING');
  });

  test('Vietnamese text, commas, semicolons and newlines survive', () => {
    const mail = icsForMail(deadline, 'REQUEST', STAMP);
    const { event, vevent } = only(mail.content);
    expect(event.summary).toBe(TITLE);
    expect(event.description).toBe(DESCRIPTION);
    expect(event.location).toBe('Ủy ban MTTQ huyện Định Quán, tỉnh Đồng Nai');
    expect(prop(vevent, 'url')).toBe('https://thidua.example.vn/u/xa-phu-tan');
    // Escaped on the wire (RFC 5545 §3.3.11).
    expect(unfold(mail.content)).toContain('SUMMARY:Hạn gửi báo cáo tổng kết – MTTQ xã Phú Tân\\; Cụm thi đua số 1');
    expect(mail.content).not.toMatch(/[^\r]\n/); // CRLF only
  });

  test('decomposed (NFD) input comes out precomposed (NFC)', () => {
    const { event } = only(icsForMail({ ...deadline, title: TITLE.normalize('NFD') }, 'REQUEST', STAMP).content);
    expect(event.summary).toBe(TITLE);
    expect(event.summary).toBe(event.summary.normalize('NFC'));
  });

  test('lines are folded at 75 octets, never inside a UTF-8 sequence, and unfold to the original', () => {
    const mail = icsForMail(deadline, 'REQUEST', STAMP);
    const bytes = Buffer.from(mail.content, 'utf8');
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const physical: Buffer[] = [];
    let from = 0;
    for (let i = bytes.indexOf('\r\n'); i >= 0; i = bytes.indexOf('\r\n', from)) {
      physical.push(bytes.subarray(from, i));
      from = i + 2;
    }
    expect(from).toBe(bytes.length); // ends with CRLF
    expect(physical.length).toBeGreaterThan(unfold(mail.content).length - 1); // something was folded
    for (const line of physical) {
      expect(line.length).toBeLessThanOrEqual(75);
      expect(() => decoder.decode(line)).not.toThrow(); // each physical line is valid UTF-8 on its own
    }
    const summary = unfold(mail.content).find((l) => l.startsWith('SUMMARY:'));
    expect(summary).toBe(`SUMMARY:${TITLE.replace(/;/g, '\\;')}`);
    expect(Buffer.byteLength(summary ?? '')).toBeGreaterThan(75); // really needed folding
  });

  test('foldLine: octet limits, continuation with one space, combining marks stay with their letter', () => {
    const line = `DESCRIPTION:${'Thi đua yêu nước, '.repeat(12)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((p, i) => {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(75);
      if (i > 0) expect(p.startsWith(' ')).toBe(true);
    });
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(foldLine('SUMMARY:short')).toBe('SUMMARY:short');

    // 'q' + COMBINING DOT BELOW has no precomposed form: never separated by a fold.
    const marks = `X:${'q\u0323'.repeat(40)}`;
    const markParts = foldLine(marks).split('\r\n');
    expect(markParts.length).toBeGreaterThan(1);
    for (const p of markParts.slice(1)) expect(p.slice(1)).toMatch(/^q/);
    expect(foldLine(marks).replace(/\r\n /g, '')).toBe(marks);

    // Astral characters (4 octets, surrogate pairs in JS) are not split.
    const emoji = `X:${'🏅'.repeat(30)}`;
    for (const p of foldLine(emoji).split('\r\n')) {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(75);
      expect(p).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  test('an update keeps the UID and carries the higher SEQUENCE and the new time', () => {
    const moved: CalendarItem = { ...deadline, sequence: 1, start: '2027-03-10T10:00:00Z' };
    const { event: before } = only(icsForMail(deadline, 'REQUEST', STAMP).content);
    const { event: after } = only(icsForMail(moved, 'REQUEST', '2027-02-01T00:00:00Z').content);
    expect(after.uid).toBe(before.uid);
    expect(after.sequence).toBeGreaterThan(before.sequence);
    const local = DateTime.fromJSDate(after.startDate.toJSDate()).setZone('Asia/Ho_Chi_Minh');
    expect(local.toFormat('yyyy-MM-dd HH:mm')).toBe('2027-03-10 17:00');
  });

  test('CANCEL: same UID, higher SEQUENCE, STATUS:CANCELLED, METHOD:CANCEL', () => {
    const withdrawn = cancelledItem(deadline);
    expect(withdrawn).toEqual({ ...deadline, sequence: 1, status: 'CANCELLED' });
    expect(deadline.status).toBeUndefined(); // input untouched

    const mail = icsForMail(withdrawn, 'CANCEL', '2027-02-01T00:00:00Z');
    expect(mail.contentType).toBe('text/calendar; charset=utf-8; method=CANCEL');
    const { calendar, vevent, event } = only(mail.content);
    expect(prop(calendar, 'method')).toBe('CANCEL');
    expect(event.uid).toBe(deadline.uid);
    expect(event.sequence).toBe(1);
    expect(prop(vevent, 'status')).toBe('CANCELLED');
    expect(vevent.getAllProperties('attendee')).toHaveLength(2);

    // CANCEL forces the status even if the caller forgot to set it.
    const { vevent: forced } = only(icsForMail({ ...deadline, sequence: 1 }, 'CANCEL', STAMP).content);
    expect(prop(forced, 'status')).toBe('CANCELLED');
  });

  test('PUBLISH carries no attendees (RFC 5546) and needs no organizer', () => {
    const mail = icsForMail({ ...deadline, organizer: undefined }, 'PUBLISH', STAMP);
    expect(mail.contentType).toBe('text/calendar; charset=utf-8; method=PUBLISH');
    const { calendar, vevent } = only(mail.content);
    expect(prop(calendar, 'method')).toBe('PUBLISH');
    expect(vevent.getAllProperties('attendee')).toHaveLength(0);
    expect(vevent.getAllProperties('organizer')).toHaveLength(0);
  });

  test('refuses what would give a wrong or ambiguous calendar entry', () => {
    expect(() => icsForMail({ ...deadline, start: '2027-03-05T17:00:00' }, 'REQUEST', STAMP)).toThrow(/zone/);
    expect(() => icsForMail(deadline, 'REQUEST', '2027-01-10 08:00')).toThrow(/stampedAt/);
    expect(() => icsForMail(cancelledItem(deadline), 'REQUEST', STAMP)).toThrow(/CANCEL/);
    expect(() => icsForMail({ ...deadline, organizer: undefined }, 'REQUEST', STAMP)).toThrow(/organizer/);
    expect(() => icsForMail({ ...deadline, organizer: undefined }, 'CANCEL', STAMP)).toThrow(/organizer/);
    expect(() => icsForMail({ ...deadline, attendees: [] }, 'REQUEST', STAMP)).toThrow(/attendee/);
    expect(() => icsForMail({ ...meeting, end: '2027-03-12T01:00:00Z' }, 'REQUEST', STAMP)).toThrow(/before start/);
    expect(() => icsForMail({ ...deadline, sequence: -1 }, 'REQUEST', STAMP)).toThrow(/SEQUENCE/);
    expect(() => icsForMail({ ...deadline, uid: 'a,b' }, 'REQUEST', STAMP)).toThrow(/UID/);
    expect(() => icsForMail({ ...deadline, title: '  ' }, 'REQUEST', STAMP)).toThrow(/title/);
  });

  test('deterministic: same input, same bytes; DTSTAMP comes from stampedAt only', () => {
    const a = icsForMail(deadline, 'REQUEST', STAMP);
    const b = icsForMail(structuredClone(deadline), 'REQUEST', STAMP);
    expect(b).toEqual(a);
    expect(Buffer.from(b.content).equals(Buffer.from(a.content))).toBe(true);
    const later = icsForMail(deadline, 'REQUEST', '2027-01-11T08:00:00Z');
    const diff = unfold(later.content).filter((l, i) => l !== unfold(a.content)[i]);
    expect(diff).toEqual(['DTSTAMP:20270111T080000Z']);
    // The same instant written with another offset gives the same bytes.
    expect(icsForMail({ ...deadline, start: '2027-03-05T10:00:00.000Z' }, 'REQUEST', '2027-01-10T15:00:00+07:00')).toEqual(a);
  });
});

describe('icsFeed', () => {
  const NAME = 'Lịch thi đua – MTTQ xã Phú Tân, năm 2027';
  const items = [inspection, deadline, meeting];

  test('one VCALENDAR with name, time zone and all items, the cancelled one kept as CANCELLED', () => {
    const feed = icsFeed(NAME, items, STAMP);
    const { calendar, events } = parse(feed);
    expect(prop(calendar, 'method')).toBe('PUBLISH');
    expect(prop(calendar, 'x-wr-calname')).toBe(NAME);
    expect(prop(calendar, 'x-wr-timezone')).toBe(FEED_TIMEZONE);
    expect(FEED_TIMEZONE).toBe('Asia/Ho_Chi_Minh');
    expect(events).toHaveLength(3);

    const byUid = new Map(events.map((e) => [new ICAL.Event(e).uid, e]));
    expect([...byUid.keys()]).toEqual([deadline.uid, meeting.uid, inspection.uid]); // sorted by start
    expect(prop(byUid.get(deadline.uid)!, 'status')).toBe('CONFIRMED');
    expect(prop(byUid.get(meeting.uid)!, 'status')).toBe('CONFIRMED');
    expect(prop(byUid.get(inspection.uid)!, 'status')).toBe('CANCELLED');
    expect(new ICAL.Event(byUid.get(inspection.uid)!).sequence).toBe(1);
    expect(new ICAL.Event(byUid.get(meeting.uid)!).sequence).toBe(2);
    expect(new ICAL.Event(byUid.get(deadline.uid)!).summary).toBe(TITLE);
    expect(iso(new ICAL.Event(byUid.get(deadline.uid)!).startDate)).toBe('2027-03-05T10:00:00.000Z');
    expect(prop(byUid.get(inspection.uid)!, 'categories')).toBe('INSPECTION');
    // No e-mail addresses of attendees in a subscribable feed.
    for (const e of events) expect(e.getAllProperties('attendee')).toHaveLength(0);
    for (const line of Buffer.from(feed).toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(75);
  });

  test('deterministic and independent of input order; duplicate UIDs keep the highest SEQUENCE', () => {
    const feed = icsFeed(NAME, items, STAMP);
    expect(icsFeed(NAME, [...items].reverse(), STAMP)).toBe(feed);
    expect(icsFeed(NAME, structuredClone(items), STAMP)).toBe(feed);
    const withOld = icsFeed(NAME, [{ ...meeting, sequence: 1, title: 'cũ' }, ...items, { ...meeting, sequence: 0 }], STAMP);
    expect(withOld).toBe(feed);
  });

  test('an empty feed is still a valid calendar; a nameless feed is refused', () => {
    const { calendar, events } = parse(icsFeed('Vai trò: Thư ký Cụm', [], STAMP));
    expect(events).toHaveLength(0);
    expect(prop(calendar, 'x-wr-calname')).toBe('Vai trò: Thư ký Cụm');
    expect(prop(calendar, 'x-wr-timezone')).toBe('Asia/Ho_Chi_Minh');
    expect(() => icsFeed(' ', items, STAMP)).toThrow(/name/);
  });
});
