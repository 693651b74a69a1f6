/**
 * iCalendar (RFC 5545 / iTIP RFC 5546) for deadlines, meetings and inspections.
 *
 * Two products, both pure (no I/O, no clock, no randomness — same input, same bytes):
 * - `icsForMail(item, method, stampedAt)` (or `icsItemsForMail` for a notice listing several
 *   deadlines, PUBLISH only): a one-event VCALENDAR to attach to an email
 *   (METHOD:REQUEST for an invitation/update, PUBLISH for "for your information", CANCEL when
 *   withdrawn). The UID is the item's business key, so a later mail with a higher SEQUENCE
 *   updates the entry already in the recipient's calendar, and a CANCEL removes it.
 * - `icsFeed(name, items, stampedAt)`: the subscribable feed of a unit or role (METHOD:PUBLISH,
 *   X-WR-CALNAME, X-WR-TIMEZONE). Cancelled items stay in it as STATUS:CANCELLED so that
 *   subscribers drop them instead of keeping a stale copy.
 *
 * Decisions:
 * - Every item is a VEVENT, deadlines included. VTODO would be the purist's choice but Gmail,
 *   Outlook and most phone calendars ignore VTODO in mail and in subscribed feeds, and the
 *   `ics` package only writes VEVENT anyway.
 * - A deadline is a point in time: DTSTART = DTEND = the deadline instant (zero duration,
 *   TRANSP:TRANSPARENT so it does not block free/busy). Clients show it at the deadline's
 *   clock time ("17:00"), which is what the recipient must read; a 30-minute block ending at
 *   the deadline would be displayed as starting at 16:30. If `end` is given it is used.
 *   A meeting or inspection without `end` is also zero-length (RFC 5545 semantics of a
 *   DATE-TIME DTSTART without DTEND).
 * - Times are written in UTC (`DTSTART:20270305T100000Z`): unambiguous in every client and no
 *   VTIMEZONE block needed. A deadline of 17:00 Asia/Ho_Chi_Minh (UTC+7, no DST) must therefore
 *   be passed as `2027-03-05T10:00:00Z` or `2027-03-05T17:00:00+07:00`; instants without an
 *   explicit zone are rejected, because the server's zone must never decide.
 * - DTSTAMP is the `stampedAt` argument (e.g. the item's last change), never "now".
 * - SEQUENCE is the item's version and is written as given: whoever changes or withdraws an
 *   item bumps it (see `cancelledItem`). CANCEL forces STATUS:CANCELLED; REQUEST of an item
 *   that is already CANCELLED is refused (send CANCEL).
 * - iTIP (RFC 5546 §3.2): REQUEST and CANCEL need an ORGANIZER, REQUEST at least one ATTENDEE;
 *   PUBLISH must not carry ATTENDEEs (also keeps e-mail addresses out of subscribable feeds).
 *   Attendees get RSVP=FALSE: thidua does not process iTIP REPLY mails.
 * - Text is normalised to Unicode NFC (precomposed Vietnamese letters) and stripped of control
 *   characters; commas, semicolons, backslashes and newlines are escaped by `ics`.
 *
 * What `ics` (v3) cannot do, written here by hand after it has produced the text:
 * - Line folding: `ics` folds at 75 *characters*; RFC 5545 §3.1 says 75 *octets*, and a line of
 *   Vietnamese text is 1–3 octets per character. We unfold its output and fold again at 75
 *   octets (CRLF + one space), only between code points, and never between a letter and the
 *   combining marks that follow it.
 * - X-WR-TIMEZONE (not in its header options): inserted after X-WR-CALNAME in the feed.
 * - DTSTAMP: `ics` accepts it as the (untyped but validated) `timestamp` attribute, otherwise
 *   it stamps `Date.now()`.
 * - X-WR-CALNAME is only newline-encoded by `ics`, so the name is TEXT-escaped before.
 */
import { createEvents, type EventAttributes, type HeaderAttributes } from 'ics';

export type CalendarKind = 'deadline' | 'meeting' | 'inspection';

export type CalendarPerson = { name: string; email: string };

export type CalendarItem = {
  /** Stable business key, e.g. 'thidua:mttq-dinh-quan:2027:unit:xa-phu-tan:registration:due@thidua'. */
  uid: string;
  /** Version of the item: 0 when first sent, +1 on every change that is mailed (incl. cancelling). */
  sequence: number;
  kind: CalendarKind;
  title: string;
  description?: string;
  location?: string;
  url?: string;
  /** ISO 8601 instant with a zone (`Z` or `±hh:mm`). For a deadline: the deadline itself. */
  start: string;
  /** ISO 8601 instant with a zone; omitted = zero-length (a point in time), see above. */
  end?: string;
  organizer?: CalendarPerson;
  attendees?: CalendarPerson[];
  status?: 'CONFIRMED' | 'CANCELLED';
};

export type IcsMethod = 'REQUEST' | 'PUBLISH' | 'CANCEL';

/** Ready for a nodemailer attachment (`attachments: [icsForMail(...)]`). */
export type IcsAttachment = {
  filename: 'thidua.ics';
  content: string;
  contentType: `text/calendar; charset=utf-8; method=${IcsMethod}`;
};

/** The zone the feed announces to clients (times themselves are UTC). */
export const FEED_TIMEZONE = 'Asia/Ho_Chi_Minh';
export const ICS_PRODUCT_ID = '-//Mat tran To quoc Viet Nam//thidua//VI';

const CATEGORY: Record<CalendarKind, string> = { deadline: 'DEADLINE', meeting: 'MEETING', inspection: 'INSPECTION' };
const MAX_OCTETS = 75;
const CRLF = '\r\n';

/** The item as withdrawn: STATUS:CANCELLED and the next SEQUENCE (store it, then mail CANCEL). */
export function cancelledItem(item: CalendarItem): CalendarItem {
  return { ...item, status: 'CANCELLED', sequence: item.sequence + 1 };
}

/** One event for an email. `stampedAt`: ISO instant used as DTSTAMP (e.g. the item's last change). */
export function icsForMail(item: CalendarItem, method: IcsMethod, stampedAt: string): IcsAttachment {
  const stamp = instant(stampedAt, 'stampedAt');
  const header: HeaderAttributes = { productId: ICS_PRODUCT_ID, method };
  const content = finish(build([toEvent(item, method, stamp)], header), []);
  return { filename: 'thidua.ics', content, contentType: `text/calendar; charset=utf-8; method=${method}` };
}

/** Several events in one calendar for one email (the launch notice: every deadline of the year); PUBLISH only. */
export function icsItemsForMail(items: CalendarItem[], method: 'PUBLISH', stampedAt: string): IcsAttachment {
  if (items.length === 0) throw new Error('ics: no items');
  const stamp = instant(stampedAt, 'stampedAt');
  const header: HeaderAttributes = { productId: ICS_PRODUCT_ID, method };
  const content = finish(build(items.map((item) => toEvent(item, method, stamp)), header), []);
  return { filename: 'thidua.ics', content, contentType: `text/calendar; charset=utf-8; method=${method}` };
}

/**
 * The subscribable feed of a unit or role. Items are sorted by start then UID; if a UID occurs
 * more than once the highest SEQUENCE wins. `stampedAt`: ISO instant used as DTSTAMP of every event.
 */
export function icsFeed(name: string, items: CalendarItem[], stampedAt: string): string {
  const calName = cleanText(name).trim();
  if (calName === '') throw new Error('ics: the feed needs a name');
  const stamp = instant(stampedAt, 'stampedAt');
  const latest = new Map<string, CalendarItem>();
  for (const item of items) {
    const seen = latest.get(item.uid);
    if (!seen || item.sequence > seen.sequence) latest.set(item.uid, item);
  }
  const events = [...latest.values()]
    .map((item) => ({ item, start: instant(item.start, `${item.uid}: start`) }))
    .sort((a, b) => a.start - b.start || (a.item.uid < b.item.uid ? -1 : a.item.uid > b.item.uid ? 1 : 0))
    .map(({ item }) => toEvent(item, 'PUBLISH', stamp));
  const header: HeaderAttributes = { productId: ICS_PRODUCT_ID, method: 'PUBLISH', calName: escapeText(calName) };
  return finish(build(events, header), [`X-WR-TIMEZONE:${FEED_TIMEZONE}`]);
}

/** Folds one logical content line at 75 octets (RFC 5545 §3.1); exported for tests. */
export function foldLine(line: string): string {
  if (utf8Length(line) <= MAX_OCTETS) return line;
  // Units that must stay together: a code point and the combining marks after it.
  const clusters = line.match(/\P{M}\p{M}*|\p{M}+/gsu) ?? [];
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_OCTETS; // continuation lines start with a space, leaving 74 octets
  const push = (unit: string): void => {
    const n = utf8Length(unit);
    if (octets + n > limit && current !== '') {
      parts.push(current);
      current = '';
      octets = 0;
      limit = MAX_OCTETS - 1;
    }
    current += unit;
    octets += n;
  };
  for (const cluster of clusters) {
    if (utf8Length(cluster) > MAX_OCTETS - 1) for (const cp of cluster) push(cp); // pathological mark run
    else push(cluster);
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

type IcsEvent = EventAttributes & { timestamp: number };

function toEvent(item: CalendarItem, method: IcsMethod, stamp: number): IcsEvent {
  const where = `ics: item ${JSON.stringify(item.uid)}`;
  if (!/^[\x21-\x7e]+$/.test(item.uid) || /[,;\\"]/.test(item.uid)) {
    throw new Error(`${where}: UID must be printable ASCII without , ; \\ "`);
  }
  if (!Number.isInteger(item.sequence) || item.sequence < 0) throw new Error(`${where}: SEQUENCE must be an integer ≥ 0`);
  if (!CATEGORY[item.kind]) throw new Error(`${where}: unknown kind ${JSON.stringify(item.kind)}`);
  const title = cleanText(item.title).trim();
  if (title === '') throw new Error(`${where}: title is empty`);
  const start = instant(item.start, `${where}: start`);
  const end = item.end === undefined ? start : instant(item.end, `${where}: end`);
  if (end < start) throw new Error(`${where}: end is before start`);
  if (method === 'REQUEST' && item.status === 'CANCELLED') throw new Error(`${where}: is cancelled, send CANCEL not REQUEST`);
  if (method !== 'PUBLISH' && !item.organizer) throw new Error(`${where}: ${method} needs an organizer (RFC 5546)`);
  const attendees = method === 'PUBLISH' ? [] : (item.attendees ?? []);
  if (method === 'REQUEST' && attendees.length === 0) throw new Error(`${where}: REQUEST needs at least one attendee (RFC 5546)`);

  const event: IcsEvent = {
    uid: item.uid,
    sequence: item.sequence,
    timestamp: stamp,
    start,
    startInputType: 'utc',
    startOutputType: 'utc',
    end,
    endInputType: 'utc',
    endOutputType: 'utc',
    title,
    status: method === 'CANCEL' || item.status === 'CANCELLED' ? 'CANCELLED' : 'CONFIRMED',
    transp: item.kind === 'deadline' ? 'TRANSPARENT' : 'OPAQUE',
    categories: [CATEGORY[item.kind]],
  };
  const description = item.description === undefined ? '' : cleanText(item.description);
  if (description !== '') event.description = description;
  const location = item.location === undefined ? '' : cleanText(item.location).trim();
  if (location !== '') event.location = location;
  if (item.url !== undefined && item.url !== '') event.url = item.url;
  if (item.organizer) event.organizer = { name: cleanParam(item.organizer.name), email: item.organizer.email };
  if (attendees.length > 0) {
    event.attendees = attendees.map((a) => ({
      name: cleanParam(a.name),
      email: a.email,
      rsvp: false, // ROLE and PARTSTAT left to their defaults (REQ-PARTICIPANT, NEEDS-ACTION)
    }));
  }
  return event;
}

function build(events: IcsEvent[], header: HeaderAttributes): string {
  const { error, value } = createEvents(events, header);
  if (error || value === null) throw new Error(`ics: ${error?.message ?? 'no output'}`);
  return value;
}

/** Unfolds the `ics` output, adds header lines after X-WR-CALNAME (or METHOD), refolds by octets. */
function finish(raw: string, extraHeaderLines: string[]): string {
  const lines = raw.replace(/\r\n[ \t]/g, '').split(CRLF).filter((l) => l !== '');
  if (extraHeaderLines.length > 0) {
    let at = lines.findIndex((l) => l.startsWith('X-WR-CALNAME:'));
    if (at < 0) at = lines.findIndex((l) => l.startsWith('METHOD:'));
    lines.splice(at + 1, 0, ...extraHeaderLines);
  }
  return lines.map(foldLine).join(CRLF) + CRLF;
}

/** Milliseconds of an ISO 8601 instant that states its zone. */
function instant(iso: string, what: string): number {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(iso);
  const ms = ok ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new Error(`${what}: ${JSON.stringify(iso)} is not an ISO instant with a zone (Z or ±hh:mm)`);
  return ms;
}

/** NFC, CRLF → LF, no control characters other than LF and TAB (RFC 5545 TEXT). */
function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.normalize('NFC').replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** A quoted parameter value (CN) holds no DQUOTE and no line break. */
function cleanParam(s: string): string {
  return cleanText(s).replace(/[\n\t]+/g, ' ').replace(/"/g, "'").trim();
}

/** RFC 5545 §3.3.11 TEXT escaping (for values `ics` passes through unescaped). */
function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/;/g, '\\;').replace(/,/g, '\\,');
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}
