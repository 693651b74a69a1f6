/**
 * The digest's exactly-once rules, against the real MongoDB-compatible server and SMTP server, with
 * the real notify activity (in Temporal's activity test context, for its schedule time): items held,
 * a retried run sends nothing twice, an item recorded after its day's digest went out is sent on its
 * own (once, even when retried), one recorded while the digest is being composed waits for it, and a
 * cycle that ended drops what is still held.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { sendDigests } from '../../activities/digest';
import type { NotifyInput, NotifyResult } from '../../activities/notify';
import { connectDb, type Db } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { MailRenderer } from '../../lib/mail/render';
import { startSmtpSink, type SmtpSink } from '../../lib/mail/smtp-sink';
import { createTransport } from '../../lib/mail/transport';
import { templatesDir } from '../../lib/paths';
import type { Person } from '../../workflows/cycle/definitions';
import { freshDbUri } from '../helpers/env';

let db: Db;
let sink: SmtpSink;
let transport: ReturnType<typeof createTransport>;
let deps: Parameters<typeof createActivities>[0];

const cycle = { cycleId: 'thidua:dg:2027', bodyId: 'dg', bodyName: 'Ủy ban MTTQ huyện Thử', year: 2027, timeZone: 'Asia/Ho_Chi_Minh' };
const hang: Person = { name: 'Nguyễn Thị Hằng', email: 'hang@units.test', lang: 'vi' };
/** 08:00 on 2 March 2027, local (01:00Z). */
const EIGHT = Date.parse('2027-03-02T01:00:00Z');

const reminder = (unit: string, step: 'registration' | 'midyear-report', n = 1): NotifyInput => ({
  key: `${cycle.cycleId}:unit:${unit}:${step}:reminder:${n}`,
  kind: 'reminder',
  step,
  cycle,
  to: [hang],
  data: { unitName: `MTTQ xã ${unit}`, dueAt: '2027-03-05T10:00:00Z', daysLeft: 3, scheduleVersion: 0 },
  link: { workflowId: `${cycle.cycleId}:unit:${unit}`, step, role: 'unit', expiresAt: '2027-12-31T00:00:00Z' },
});

beforeAll(async () => {
  db = await connectDb(freshDbUri('digest-lib'));
  sink = await startSmtpSink(db, { port: 0, log: createLogger('digest-lib', 'silent') });
  transport = createTransport(sink.url);
  deps = { models: db.models, transport, renderer: new MailRenderer(`${templatesDir}/email`), linkSecret: 'secret-0123456789abcdef0123456789abcdef', publicBaseUrl: 'http://thidua.test', mailFrom: 'Thi đua <no-reply@thidua.test>' };
  const now = new Date();
  await db.models.Cycle.create({ _id: cycle.cycleId, bodyId: 'dg', bodyName: cycle.bodyName, year: 2027, workflowId: 'x', status: 'running', plan: { timeZone: 'Asia/Ho_Chi_Minh', calendar: { holidays: [], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] }, notifications: { digest: true, digestTime: '08:30', secretariat: [] }, staff: [] }, createdAt: now, updatedAt: now });
});

afterAll(async () => {
  transport?.close();
  await sink?.close();
  await db?.conn.dropDatabase();
  await db?.close();
});

const notifyAt = (ms: number, input: NotifyInput): Promise<NotifyResult> => new MockActivityEnvironment({ scheduledTimestampMs: ms }).run(createActivities(deps).notify, input);
const received = async () => db.models.Mailbox.find({ envelopeTo: hang.email }).sort({ receivedAt: 1, _id: 1 }).lean();

test('held, digested once, a late item alone once, a composing digest waited for, the rest dropped at the end', async () => {
  // Three reminders at 08:00 (one retried): held, nothing sent.
  expect((await notifyAt(EIGHT, reminder('phu-tan', 'registration'))).queued).toEqual([hang.email]);
  await notifyAt(EIGHT, reminder('phu-tan', 'registration'));
  await notifyAt(EIGHT + 2000, reminder('phu-tan', 'midyear-report'));
  await notifyAt(EIGHT, reminder('phu-vinh', 'registration'));
  expect(await received()).toHaveLength(0);
  // Not digestible: a request and a manual reminder go at once.
  const manual = reminder('phu-tan', 'registration', 9);
  manual.data.manual = true;
  expect((await notifyAt(EIGHT, manual)).sent).toEqual([hang.email]);
  expect((await received()).map((m) => m.subject)).toEqual(['[Nhắc hạn] Văn phòng đề nghị MTTQ xã phu-tan gửi ngay Đăng ký thi đua 2027']);

  // The run, then a retried run: one digest of three.
  expect(await sendDigests(deps, cycle.cycleId, '2027-03-02')).toMatchObject({ digests: 1, alone: 0 });
  expect(await sendDigests(deps, cycle.cycleId, '2027-03-02')).toMatchObject({ digests: 0, alone: 0 });
  let mails = await received();
  expect(mails).toHaveLength(2);
  expect(mails[1].subject).toBe('[Tổng hợp ngày 02/03/2027] 3 việc cần làm – thi đua năm 2027');
  expect((mails[1].text!.match(/\[Nhắc hạn\]/g) ?? []).length).toBe(3);

  // Recorded after the digest went out (a late retry at 09:00 of a 08:00 reminder): on its own, once.
  const late = reminder('phu-loi', 'registration');
  expect((await notifyAt(EIGHT, late)).sent).toEqual([hang.email]);
  expect((await notifyAt(EIGHT, late)).alreadySent).toEqual([hang.email]);
  await sendDigests(deps, cycle.cycleId, '2027-03-02');
  mails = await received();
  expect(mails.map((m) => m.subject)).toHaveLength(3);
  expect(mails[2].subject).toMatch(/^\[Nhắc hạn\] Đăng ký thi đua 2027 – MTTQ xã phu-loi/);
  expect(mails[2].attachments?.[0]?.contentType).toMatch(/^text\/calendar/);

  // A group sealed whose content is not fixed yet (a run that crashed in between): the recorder waits (retryable).
  const group = `${cycle.cycleId}|2027-03-03|${hang.email}`;
  await db.models.DigestSeal.create({ _id: group, cycleId: cycle.cycleId, day: '2027-03-03', to: hang.email, sealedAt: new Date() });
  const next = EIGHT + 24 * 3600_000;
  await expect(notifyAt(next, reminder('phu-tan', 'registration', 2))).rejects.toThrow(/being composed/);
  // The run (its retry) fixes the content with it: a single item goes as its own message.
  expect(await sendDigests(deps, cycle.cycleId, '2027-03-03')).toMatchObject({ alone: 1 });
  expect((await notifyAt(next, reminder('phu-tan', 'registration', 2))).queued).toEqual([hang.email]);
  mails = await received();
  expect(mails).toHaveLength(4);
  expect(mails[3].subject).toMatch(/^\[Nhắc hạn\] Đăng ký thi đua 2027 – MTTQ xã phu-tan/);

  // Phú Vinh's registration was approved after its 08:00 reminder: the digest leaves it out (stale).
  const third = next + 24 * 3600_000;
  await db.models.StepState.create({ _id: `${cycle.cycleId}:unit:phu-vinh:registration`, cycleId: cycle.cycleId, clusterId: 'c', unitId: 'phu-vinh', unitName: 'x', workflowId: `${cycle.cycleId}:unit:phu-vinh`, step: 'registration', status: 'approved', round: 1, dueAt: new Date(), lastProgressAt: new Date(), version: 3, state: {} });
  await notifyAt(third, reminder('phu-vinh', 'registration', 3));
  await notifyAt(third, reminder('phu-tan', 'midyear-report', 3));
  expect(await sendDigests(deps, cycle.cycleId, '2027-03-04')).toMatchObject({ digests: 0, alone: 1 });
  mails = await received();
  expect(mails).toHaveLength(5);
  expect(mails[4].subject).toMatch(/^\[Nhắc hạn\] Báo cáo sơ kết 6 tháng 2027 – MTTQ xã phu-tan/);

  // Held on the last day, then the cycle ended: dropped, never sent.
  await notifyAt(third + 24 * 3600_000, reminder('phu-vinh', 'midyear-report', 4));
  expect(await sendDigests(deps, cycle.cycleId, '9999-12-31', { drop: true })).toMatchObject({ dropped: 1 });
  expect(await received()).toHaveLength(5);
  mails = await received();
  const outcomes = (await db.models.DigestItem.find({}).sort({ _id: 1 }).lean()).map((i) => [i.day, i.outcome]);
  expect(outcomes).toEqual([
    ['2027-03-02', 'alone'], // phu-loi, late
    ['2027-03-02', 'digest'],
    ['2027-03-02', 'digest'],
    ['2027-03-02', 'digest'],
    ['2027-03-03', 'digest'],
    ['2027-03-04', 'digest'],
    ['2027-03-04', 'stale'],
    ['2027-03-05', 'dropped'],
  ]);
  // Every message once (its key, its Message-ID).
  const ids = mails.map((m) => m.messageId);
  expect(new Set(ids).size).toBe(ids.length);
});

test('the daily-mail activity: what is due now, when to come back, and when the cycle is over', async () => {
  const acts = createActivities(deps);
  // Tuesday 2 March 2027, 08:10 local: the secretariat's run of the day (nothing stuck: no email), the digest at 08:30.
  const r = await acts.dailyMail({ cycleId: cycle.cycleId, at: '2027-03-02T01:10:00Z' });
  expect(r).toMatchObject({ done: false, nextAt: '2027-03-02T01:30:00.000Z', secretariat: { day: '2027-03-02', items: 0, sent: 0 } });
  expect(await db.models.SecretariatDigest.exists({ _id: `${cycle.cycleId}|2027-03-02` })).not.toBeNull();
  // Long after its year a cycle still marked running (its workflow terminated) is over.
  expect((await acts.dailyMail({ cycleId: cycle.cycleId, at: '2029-01-02T02:00:00Z' })).done).toBe(true);
  // Completed: what is still held is dropped, and the workflow ends.
  expect((await notifyAt(Date.parse('2027-03-10T01:00:00Z'), reminder('phu-loi', 'midyear-report', 7))).queued).toEqual([hang.email]);
  await db.models.Cycle.updateOne({ _id: cycle.cycleId }, { $set: { status: 'completed' } });
  const end = await acts.dailyMail({ cycleId: cycle.cycleId, at: '2027-03-10T01:05:00Z' });
  expect(end).toMatchObject({ done: true, digests: { dropped: 1 } });
  expect(await acts.dailyMail({ cycleId: 'thidua:nope:2027', at: '2027-03-10T01:05:00Z' })).toMatchObject({ done: true });
});
