/**
 * Email delivery against real servers: sendOnce (the outbox) over the pooled transport, into the
 * embedded SMTP sink that stores messages in MongoDB; refusing and failing SMTP servers are real
 * `smtp-server` instances. The renderer runs over the real templates.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { connectDb, type Db } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { messageIdFor, PermanentMailError, sendOnce, type OutgoingMail } from '../../lib/mail/outbox';
import { MailRenderer } from '../../lib/mail/render';
import { startSmtpSink, type SmtpSink } from '../../lib/mail/smtp-sink';
import { createTransport } from '../../lib/mail/transport';
import { templatesDir } from '../../lib/paths';
import { freshDbUri } from '../helpers/env';

const log = createLogger('outbox-test', 'silent');
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let dbUri: string;
let db: Db;
let sink: SmtpSink;
let transport: Transporter;

beforeAll(async () => {
  dbUri = freshDbUri('outbox');
  db = await connectDb(dbUri);
  sink = await startSmtpSink(db, { port: 0, log });
  transport = createTransport(sink.url);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  transport?.close();
  await sink?.close();
  await db?.conn.dropDatabase();
  await db?.close();
});

let n = 0;
function mail(over: Partial<OutgoingMail> = {}): OutgoingMail {
  n += 1;
  return {
    key: `thidua:mttq-dinh-quan:2024:unit:xa-phu-tan:registration:request:${n}:${Date.now()}`,
    cycleId: 'thidua:mttq-dinh-quan:2024',
    kind: 'registration.request',
    to: 'xa-phu-tan@units.test',
    from: 'Thi đua <no-reply@thidua.local>',
    subject: `Đề nghị đăng ký thi đua ${n}`,
    html: `<p>Kính gửi <strong>đồng chí</strong> ${n}</p>`,
    text: `Kính gửi đồng chí ${n}`,
    ...over,
  };
}

const stored = (messageId: string) => db.models.Mailbox.find({ messageId }).lean();

/** A real SMTP server on a free port with the given handlers; closed in afterAll. */
async function startServer(opts: ConstructorParameters<typeof SMTPServer>[0]): Promise<{ url: string }> {
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, ...opts });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return { url: `smtp://127.0.0.1:${address.port}` };
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

async function rejectionOf(p: Promise<unknown>): Promise<Error & { responseCode?: number }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { responseCode?: number };
  }
  throw new Error('expected a rejection');
}

describe('sendOnce', () => {
  test('messageIdFor is stable, distinct per key, and angle-bracketed', () => {
    expect(messageIdFor('a')).toBe(messageIdFor('a'));
    expect(messageIdFor('a')).not.toBe(messageIdFor('b'));
    expect(messageIdFor('a')).toMatch(/^<[0-9a-f]{40}@thidua>$/);
  });

  test('delivers once: the second call is "already-sent" and nothing more reaches the sink', async () => {
    const m = mail();
    expect(await sendOnce(db.models, transport, m)).toBe('sent');
    expect(await sendOnce(db.models, transport, m)).toBe('already-sent');

    const msgs = await stored(messageIdFor(m.key));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({
      messageId: messageIdFor(m.key),
      envelopeFrom: 'no-reply@thidua.local',
      envelopeTo: ['xa-phu-tan@units.test'],
      to: 'xa-phu-tan@units.test',
      subject: m.subject,
      html: m.html,
    });
    expect(msgs[0].text?.trim()).toBe(m.text);
    expect((msgs[0].headers as Record<string, string>)['x-thidua-key']).toBe(m.key);

    const row = await db.models.Outbox.findById(m.key).lean();
    expect(row).toMatchObject({
      _id: m.key,
      cycleId: m.cycleId,
      kind: 'registration.request',
      to: m.to,
      subject: m.subject,
      messageId: messageIdFor(m.key),
      status: 'sent',
      attempts: 1,
    });
    expect(row?.sentAt).toBeInstanceOf(Date);
    expect(row?.lastError).toBeUndefined();
    expect(await db.models.Outbox.countDocuments({ _id: m.key })).toBe(1);
  });

  test('five concurrent calls with the same key deliver exactly one message', async () => {
    const m = mail();
    const results = await Promise.all(Array.from({ length: 5 }, () => sendOnce(db.models, transport, m)));
    expect(results.filter((r) => r === 'sent')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-sent')).toHaveLength(4);
    expect(await stored(messageIdFor(m.key))).toHaveLength(1);
    const rows = await db.models.Outbox.find({ _id: m.key }).lean();
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['sent', 1]]);
  });

  test('crash window: a row left pending after the server accepted is resent with the SAME Message-ID', async () => {
    const m = mail();
    const messageId = messageIdFor(m.key);
    // The first attempt: row inserted, message accepted by the server, then the process died.
    await db.models.Outbox.create({
      _id: m.key, cycleId: m.cycleId, kind: m.kind, to: m.to, subject: m.subject,
      messageId, status: 'pending', attempts: 0, createdAt: new Date(),
    });
    await transport.sendMail({ messageId, from: m.from, to: m.to, subject: m.subject, html: m.html, text: m.text });

    expect(await sendOnce(db.models, transport, m)).toBe('sent');
    const msgs = await stored(messageId);
    expect(msgs.map((x) => [x.messageId, x.subject])).toEqual([
      [messageId, m.subject],
      [messageId, m.subject],
    ]);
    expect(await db.models.Outbox.findById(m.key).lean()).toMatchObject({ status: 'sent', attempts: 1, messageId });
    expect(await sendOnce(db.models, transport, m)).toBe('already-sent');
    expect(await stored(messageId)).toHaveLength(2);
  });

  test('the Message-ID is the one fixed in the row at insert, not recomputed', async () => {
    const m = mail();
    const fixed = '<fixed-at-insert-1@thidua>';
    await db.models.Outbox.create({
      _id: m.key, kind: m.kind, to: m.to, subject: m.subject,
      messageId: fixed, status: 'pending', attempts: 0, createdAt: new Date(),
    });
    expect(await sendOnce(db.models, transport, m)).toBe('sent');
    expect(await stored(fixed)).toHaveLength(1);
    expect(await stored(messageIdFor(m.key))).toHaveLength(0);
  });

  test('a permanent refusal (550) is recorded as failed and never retried', async () => {
    let rcptCalls = 0;
    const server = await startServer({
      onRcptTo(_address, _session, callback) {
        rcptCalls += 1;
        callback(smtpError(550, 'No such mailbox here'));
      },
    });
    const refusing = createTransport(server.url);
    cleanups.push(() => refusing.close());
    const m = mail({ to: 'nobody@units.test' });

    const err = await rejectionOf(sendOnce(db.models, refusing, m));
    expect(err).toBeInstanceOf(PermanentMailError);
    expect((err as PermanentMailError).responseCode).toBe(550);
    expect(err.message).toContain('No such mailbox here');
    expect(rcptCalls).toBe(1);

    const row = await db.models.Outbox.findById(m.key).lean();
    expect(row).toMatchObject({ status: 'failed', attempts: 1, lastError: err.message });
    expect(row?.sentAt).toBeUndefined();

    const again = await rejectionOf(sendOnce(db.models, refusing, m));
    expect(again).toBeInstanceOf(PermanentMailError);
    expect(again.message).toBe(`refused earlier: ${err.message}`);
    expect(rcptCalls).toBe(1); // the server was not contacted again
    expect(await db.models.Outbox.findById(m.key).lean()).toMatchObject({ status: 'failed', attempts: 1 });
  });

  test('a temporary failure (451) keeps the row pending; the next call after recovery sends it', async () => {
    let accept = false;
    const received: string[] = [];
    const server = await startServer({
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (!accept) return callback(smtpError(451, 'Greylisted, try again later'));
          received.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    const flaky = createTransport(server.url);
    cleanups.push(() => flaky.close());
    const m = mail();

    for (const attempt of [1, 2]) {
      const err = await rejectionOf(sendOnce(db.models, flaky, m));
      expect(err).not.toBeInstanceOf(PermanentMailError);
      expect(err.responseCode).toBe(451);
      expect(err.message).toContain('Greylisted, try again later');
      expect(await db.models.Outbox.findById(m.key).lean()).toMatchObject({
        status: 'pending',
        attempts: attempt,
        lastError: err.message,
      });
    }
    expect(received).toHaveLength(0);

    accept = true;
    expect(await sendOnce(db.models, flaky, m)).toBe('sent');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(new RegExp(`^Message-ID: ${messageIdFor(m.key)}\\r?$`, 'mi'));
    expect(await db.models.Outbox.findById(m.key).lean()).toMatchObject({ status: 'sent', attempts: 3 });
    expect(await sendOnce(db.models, flaky, m)).toBe('already-sent');
    expect(received).toHaveLength(1);
  });
});

describe('smtp sink', () => {
  test('stores envelope, subject, text, html, headers and attachments', async () => {
    const pdf = Buffer.alloc(1234, 7);
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false });
    const info = await client.sendMail({
      messageId: '<sink-attachments-1@thidua.test>',
      envelope: { from: 'bounce@thidua.test', to: ['a@units.test', 'hidden@units.test'] },
      from: 'Thi đua <no-reply@thidua.test>',
      to: 'Đơn vị A <a@units.test>',
      subject: 'Kế hoạch thi đua 2024',
      text: 'Xin gửi kế hoạch.',
      html: '<p>Xin gửi <b>kế hoạch</b>.</p>',
      headers: { 'X-Custom': 'abc-123' },
      attachments: [
        { filename: 'ke-hoach.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'ghi-chu.txt', content: 'ghi chú', contentType: 'text/plain' },
      ],
    });
    client.close();
    expect(info.accepted).toEqual(['a@units.test', 'hidden@units.test']);

    const docs = await db.models.Mailbox.find({ messageId: '<sink-attachments-1@thidua.test>' });
    expect(docs).toHaveLength(1);
    const doc = docs[0];
    expect(doc.receivedAt).toBeInstanceOf(Date);
    expect(doc.envelopeFrom).toBe('bounce@thidua.test');
    expect([...doc.envelopeTo]).toEqual(['a@units.test', 'hidden@units.test']);
    expect(doc.from).toBe('"Thi đua" <no-reply@thidua.test>'); // as mailparser formats it
    expect(doc.to).toBe('"Đơn vị A" <a@units.test>');
    expect(doc.subject).toBe('Kế hoạch thi đua 2024');
    expect(doc.text?.trim()).toBe('Xin gửi kế hoạch.');
    expect(doc.html).toBe('<p>Xin gửi <b>kế hoạch</b>.</p>');
    const headers = doc.headers as Record<string, string>;
    expect(headers['x-custom']).toBe('abc-123');
    expect(headers.subject).toBe('Kế hoạch thi đua 2024');
    expect(headers['message-id']).toBe('<sink-attachments-1@thidua.test>');
    expect(doc.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['ke-hoach.pdf', 'application/pdf', 1234],
      ['ghi-chu.txt', 'text/plain', Buffer.byteLength('ghi chú')],
    ]);
    expect(Buffer.from(doc.attachments[0].content as Buffer).equals(pdf)).toBe(true);
  });

  test('answers 451 while MongoDB is down, and stores nothing', async () => {
    // A second connection to the same database, closed: the sink sees MongoDB as down.
    const down = await connectDb(dbUri);
    await down.close();
    expect(down.isUp()).toBe(false);
    const downSink = await startSmtpSink(down, { port: 0, log });
    cleanups.push(() => downSink.close());

    const client = nodemailer.createTransport({ host: '127.0.0.1', port: downSink.port, secure: false });
    const err = await rejectionOf(
      client.sendMail({ from: 'a@thidua.test', to: 'b@units.test', subject: 'while-down-1', text: 'x' }),
    );
    client.close();
    expect(err.responseCode).toBe(451);
    expect(err.message).toContain('Mailbox storage unavailable, try again later');
    expect(await db.models.Mailbox.countDocuments({ subject: 'while-down-1' })).toBe(0);
  });
});

describe('MailRenderer over templates/email', () => {
  const emailDir = path.join(templatesDir, 'email');
  const renderer = new MailRenderer(emailDir);
  const data = {
    unitName: 'MTTQ xã Phú Tân',
    clusterName: 'Cụm thi đua số 1',
    dueAt: '2024-03-01T10:00:00.000Z',
    timeZone: 'Asia/Ho_Chi_Minh',
    year: 2024,
    bodyName: 'Ủy ban MTTQ Việt Nam huyện Định Quán',
    recipient: { name: 'A', email: 'a@x' },
    link: 'http://x/l/abc.def',
    daysLeft: 3,
    level: 1,
    round: 2,
    comment: 'Bổ sung',
    reason: 'Sáp nhập đơn vị',
    stepTitle: 'Báo cáo sơ kết 6 tháng',
  };
  // What each kind shows: the link, the due date (17:00 01/03/2024 local), a distinguishing value.
  const kinds: Record<string, { link: boolean; due: boolean; shows: (string | number)[] }> = {
    'registration.request': { link: true, due: true, shows: ['Cụm thi đua số 1'] },
    'registration.reminder': { link: true, due: true, shows: ['3'] },
    'registration.review-request': { link: true, due: false, shows: ['Cụm thi đua số 1'] },
    'registration.returned': { link: true, due: true, shows: ['Bổ sung'] },
    'registration.approved': { link: false, due: false, shows: [] },
    'registration.escalation': { link: false, due: true, shows: ['Cụm thi đua số 1'] },
    // The generic wording of every other reviewed step (rules/steps.ts), titled by `stepTitle`.
    'step.request': { link: true, due: true, shows: ['Cụm thi đua số 1', 'Báo cáo sơ kết 6 tháng'] },
    'step.reminder': { link: true, due: true, shows: ['3', 'Báo cáo sơ kết 6 tháng'] },
    'step.review-request': { link: true, due: false, shows: ['Cụm thi đua số 1', 'Báo cáo sơ kết 6 tháng'] },
    'step.returned': { link: true, due: true, shows: ['Bổ sung'] },
    'step.approved': { link: false, due: false, shows: ['Báo cáo sơ kết 6 tháng'] },
    'step.escalation': { link: false, due: true, shows: ['Cụm thi đua số 1'] },
    'step.deadline-changed': { link: true, due: true, shows: ['Báo cáo sơ kết 6 tháng'] },
    'step.cancelled': { link: false, due: false, shows: ['Báo cáo sơ kết 6 tháng'] },
    'step.withdrawn': { link: false, due: false, shows: ['Báo cáo sơ kết 6 tháng', 'Sáp nhập đơn vị'] },
    // The dashboard's "remind now" / "escalate now" (data.manual), worded as the secretariat's own.
    'step.reminder-manual': { link: true, due: true, shows: ['Báo cáo sơ kết 6 tháng', '3'] },
    'step.escalation-manual': { link: false, due: true, shows: ['Cụm thi đua số 1', 'Báo cáo sơ kết 6 tháng'] },
  };

  // The cluster's year-end messages: about a cluster (its meeting, ballots, results) or one unit's scores.
  const units = { 'xa-phu-tan': 'MTTQ xã Phú Tân', 'xa-phu-vinh': 'MTTQ xã Phú Vinh', 'xa-phu-loi': 'MTTQ xã Phú Lợi' };
  const awards = [
    { name: 'Cờ thi đua', elected: ['xa-phu-tan'], decidedBy: 'ballot' },
    { name: 'Bằng khen', elected: ['xa-phu-loi'], decidedBy: 'chair' },
  ];
  const yearEnd = {
    ...data,
    units,
    awards,
    awardName: 'Cờ thi đua',
    seats: 1,
    round: 1,
    total: 92,
    bandName: 'Hoàn thành xuất sắc nhiệm vụ',
    source: 'inspection',
    meeting: { opensAt: '2024-12-05T01:00:00.000Z', closesAt: '2024-12-05T10:00:00.000Z', place: 'Hội trường xã Phú Tân' },
    tie: { among: ['xa-phu-vinh', 'xa-phu-loi'], seats: 1, votes: 1, rule: 'chair' },
    nextHead: { head: 'xa-phu-vinh' },
    voted: 2,
    members: 3,
    votedHere: true,
    next: 'decided',
    checkedName: 'MTTQ xã Phú Vinh',
    visit: { unitId: 'xa-phu-tan', slot: 'morning', startsAt: '2024-11-20T00:30:00.000Z', endsAt: '2024-11-20T04:30:00.000Z', place: 'Trụ sở xã' },
    visits: [{ unitId: 'xa-phu-tan', unitName: 'MTTQ xã Phú Tân', slot: 'morning', startsAt: '2024-11-20T00:30:00.000Z', endsAt: '2024-11-20T04:30:00.000Z' }],
  };
  const yearEndKinds: Record<string, { link: boolean; due: boolean; shows: (lang: 'vi' | 'en') => string[] }> = {
    'inspection.request': { link: true, due: true, shows: () => ['MTTQ xã Phú Tân', 'Cụm thi đua số 1'] },
    'inspection.reminder': { link: true, due: true, shows: () => ['MTTQ xã Phú Tân', '3'] },
    'inspection.visit': { link: false, due: false, shows: (l) => ['MTTQ xã Phú Tân', '07:30 20/11/2024', '11:30 20/11/2024', l === 'vi' ? 'buổi sáng' : 'morning'] },
    'inspection.timetable': { link: false, due: false, shows: (l) => [`07:30 20/11/2024 – 11:30 20/11/2024 (${l === 'vi' ? 'Sáng' : 'Morning'}): MTTQ xã Phú Tân`] },
    'crosscheck.assignment': { link: true, due: true, shows: () => ['MTTQ xã Phú Tân', 'MTTQ xã Phú Vinh'] },
    'classes.published': { link: false, due: false, shows: () => ['92', 'Hoàn thành xuất sắc nhiệm vụ'] },
    'meeting.invitation': { link: false, due: false, shows: () => ['08:00 05/12/2024', '17:00 05/12/2024', 'Hội trường xã Phú Tân'] },
    'ballot.open': { link: true, due: true, shows: () => ['Cờ thi đua', 'MTTQ xã Phú Tân'] },
    'ballot.tie': { link: true, due: false, shows: () => ['MTTQ xã Phú Vinh', 'MTTQ xã Phú Lợi'] },
    'meeting.results': { link: false, due: false, shows: (l) => ['Cờ thi đua: MTTQ xã Phú Tân', 'Bằng khen: MTTQ xã Phú Lợi', l === 'vi' ? 'Cụm trưởng năm tới (luân phiên): MTTQ xã Phú Vinh' : "Next year's cluster head (by rotation): MTTQ xã Phú Vinh"] },
    'award.decision': { link: false, due: false, shows: () => ['Cờ thi đua: MTTQ xã Phú Tân', 'Bằng khen: MTTQ xã Phú Lợi', 'Bổ sung'] },
    'ballot.closed': { link: false, due: false, shows: (l) => ['Cờ thi đua', l === 'vi' ? '2/3 đơn vị' : '2 of 3 units'] },
    'inspection.visit-cancelled': { link: false, due: false, shows: () => ['MTTQ xã Phú Tân', '07:30 20/11/2024'] },
    'meeting.cancelled': { link: false, due: false, shows: () => ['08:00 05/12/2024', 'Cụm thi đua số 1'] },
  };

  test.each(['vi', 'en'])('the tables list exactly the kinds in templates/email/%s', (lang) => {
    const files = fs.readdirSync(path.join(emailDir, lang)).map((f) => f.replace(/\.hbs$/, ''));
    // staff.password-reset is rendered and delivered in test/api/staff.test.ts; the digests in
    // test/lib/digest.test.ts and test/workflows/digest.test.ts; link.code in test/workflows/year-end-codes.test.ts;
    // the nominations and forward mails in test/workflows/year-end-{nominations,forward}.test.ts, the inspection's
    // escalation in test/workflows/year-end-escalations.test.ts; link.lost in test/api/api.test.ts; the launch
    // and overdue notices in test/lib/mail-notices.test.ts; the parent council's reminder and its outcome in
    // test/workflows/forward-decision.test.ts.
    const elsewhere = [
      ...['staff.password-reset', 'digest.daily', 'secretariat.digest', 'link.code', 'nominations.council', 'nominations.decision', 'forward.received', 'inspection.escalation', 'link.lost'],
      ...['launch.notice', 'step.overdue', 'forward.reminder', 'forward.outcome'],
    ];
    expect(files.sort()).toEqual([...Object.keys(kinds), ...Object.keys(yearEndKinds), ...elsewhere].sort());
  });

  test.each(['vi', 'en'] as const)('the digests (%s): the day, the count, every item with its link or reason', (lang) => {
    const daily = renderer.render('digest.daily', lang, {
      ...data,
      dayLabel: '28/02/2024',
      count: 2,
      items: [
        { subject: '[Nhắc hạn] Đăng ký thi đua 2024 – MTTQ xã Phú Tân', link: 'http://x/l/one.two', dueAt: '2024-03-01T10:00:00.000Z' },
        { subject: '[Quá hạn – mức 1] MTTQ xã Phú Vinh' },
      ],
    });
    expect(daily.subject).toBe(lang === 'vi' ? '[Tổng hợp ngày 28/02/2024] 2 việc cần làm – thi đua năm 2024' : '[Daily summary 28/02/2024] 2 things to do – emulation 2024');
    expect(daily.text).toContain('[Nhắc hạn] Đăng ký thi đua 2024 – MTTQ xã Phú Tân');
    expect(daily.text).toContain('[Quá hạn – mức 1] MTTQ xã Phú Vinh');
    expect(daily.html).toContain('href="http://x/l/one.two"');
    expect(daily.text).toContain('17:00 01/03/2024');
    const sec = renderer.render('secretariat.digest', lang, {
      ...data,
      dayLabel: '04/03/2024',
      count: 2,
      items: [
        { clusterName: 'Cụm thi đua số 1', unitName: 'MTTQ xã Phú Lợi', stepTitle: 'Đăng ký thi đua', reasons: ['Quá hạn 1 ngày'] },
        { clusterName: '', unitName: 'step.request', reasons: ['Thư không gửi được tới a@x: 550'] },
      ],
    });
    expect(sec.subject).toContain(lang === 'vi' ? '[Tổng hợp quá hạn 04/03/2024] 2 việc' : '[Overdue summary 04/03/2024] 2 newly overdue');
    expect(sec.text).toContain('MTTQ xã Phú Lợi – Đăng ký thi đua (Cụm thi đua số 1): Quá hạn 1 ngày');
    expect(sec.text).toContain('step.request: Thư không gửi được tới a@x: 550');
  });

  const yearEndCases = (['vi', 'en'] as const).flatMap((lang) => Object.keys(yearEndKinds).map((kind) => [lang, kind] as const));
  test.each(yearEndCases)('year-end %s %s', (lang, kind) => {
    const { link, due, shows } = yearEndKinds[kind];
    const r = renderer.render(kind, lang, yearEnd);
    expect(r.subject).not.toMatch(/\{\{|\}\}|\n/);
    expect(r.subject).toContain('2024');
    expect(r.html).not.toContain('{{');
    expect(r.text).toContain(lang === 'vi' ? 'Kính gửi đồng chí A' : 'Dear A');
    expect(r.text.includes('http://x/l/abc.def')).toBe(link);
    expect(r.text.includes('17:00 01/03/2024')).toBe(due);
    for (const s of shows(lang)) expect(r.text.replace(/\s+/g, ' ')).toContain(s);
  });

  const cases = (['vi', 'en'] as const).flatMap((lang) => Object.keys(kinds).map((kind) => [lang, kind] as const));
  test.each(cases)('%s %s', (lang, kind) => {
    const { link, due, shows } = kinds[kind];
    const r = renderer.render(kind, lang, data);
    expect(r.subject.length).toBeGreaterThan(10);
    expect(r.subject).not.toMatch(/\{\{|\}\}|\n/);
    expect(r.subject).toContain('MTTQ xã Phú Tân'); // not HTML-escaped in the subject
    expect(r.subject).toContain('2024');
    expect(r.html).toMatch(new RegExp(`^<!doctype html>\\s*<html lang="${lang}">`));
    expect(r.html).toContain(`<title>${r.subject.replace(/"/g, '&quot;')}</title>`);
    expect(r.html).not.toContain('{{');
    expect(r.text).not.toContain('{{');
    expect(r.text).toContain(lang === 'vi' ? 'Kính gửi đồng chí A' : 'Dear A');
    expect(r.text).toContain('MTTQ xã Phú Tân');
    expect(r.html.includes('href="http://x/l/abc.def"')).toBe(link);
    expect(r.text.includes('http://x/l/abc.def')).toBe(link);
    expect(r.text.includes('17:00 01/03/2024')).toBe(due);
    // html-to-text wraps at 100 columns: compare with whitespace collapsed.
    for (const s of shows) expect(r.text.replace(/\s+/g, ' ')).toContain(String(s));
    // The footer is in the mail's language.
    expect(r.text).toContain(lang === 'vi' ? 'Thư này được gửi tự động' : 'This message was sent automatically');
  });

  test('the due date is shown in the time zone given in the data', () => {
    const r = renderer.render('registration.request', 'vi', { ...data, timeZone: 'Europe/Berlin' });
    expect(r.text).toContain('11:00 01/03/2024');
    expect(r.text).not.toContain('17:00 01/03/2024');
  });

  test('HTML in the data is escaped in the body', () => {
    const r = renderer.render('registration.returned', 'vi', { ...data, comment: '<script>x</script>' });
    expect(r.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(r.html).not.toContain('<script>');
  });

  test('an unknown kind throws naming it', () => {
    expect(() => renderer.render('registration.nope', 'vi', data)).toThrow(
      `no email template for kind "registration.nope" in ${emailDir}`,
    );
    expect(() => renderer.render('../layout', 'en', data)).toThrow('no email template for kind "../layout"');
  });

  describe('with a temporary templates dir', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-templates-'));
      fs.mkdirSync(path.join(dir, 'vi'));
      fs.mkdirSync(path.join(dir, 'en'));
      fs.writeFileSync(path.join(dir, 'layout.hbs'), '<html lang="{{lang}}"><h1>{{subject}}</h1>{{{body}}}</html>');
      fs.writeFileSync(path.join(dir, 'vi', 'x.hbs'), '---\nsubject: Chỉ có tiếng Việt {{year}}\n---\n<p>Xin chào {{recipient.name}}</p>');
      fs.writeFileSync(path.join(dir, 'en', 'y.hbs'), '---\nsubject: Only English\n---\n<p>Hello</p>');
      fs.writeFileSync(path.join(dir, 'vi', 'broken.hbs'), '<p>no front matter</p>');
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('English falls back to Vietnamese for a kind that exists only in vi', () => {
      const r = new MailRenderer(dir).render('x', 'en', data);
      expect(r).toEqual({
        subject: 'Chỉ có tiếng Việt 2024',
        html: '<html lang="en"><h1>Chỉ có tiếng Việt 2024</h1><p>Xin chào A</p></html>',
        text: 'CHỈ CÓ TIẾNG VIỆT 2024\n\nXin chào A',
      });
    });

    test('Vietnamese does not fall back to English', () => {
      expect(() => new MailRenderer(dir).render('y', 'vi', data)).toThrow(`no email template for kind "y" in ${dir}`);
      expect(new MailRenderer(dir).render('y', 'en', data).subject).toBe('Only English');
    });

    test('a template without its subject header is refused naming the file', () => {
      expect(() => new MailRenderer(dir).render('broken', 'vi', data)).toThrow(
        `${path.join(dir, 'vi', 'broken.hbs')}: expected a "---\\nsubject: …\\n---" header`,
      );
    });
  });
});
