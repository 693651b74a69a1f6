/**
 * Calendar feeds on the real app and MongoDB-compatible server (no Temporal: the read model is
 * written directly, as the workflows' projections would). Every feed is read back with ical.js.
 *
 * Choice under test: an approved step is NOT listed (its work is done; subscribed calendars drop it
 * at their next refresh); a cancelled step stays as STATUS:CANCELLED with the next SEQUENCE.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import supertest from 'supertest';
import { feedTokenFor } from '../../lib/feeds';
import { compilePlan } from '../../rules/compile';
import { validatePlan, type Plan } from '../../rules/plan';
import { clusterWorkflowId, unitWorkflowId, type ClusterYearEndInput, type StepState, type UnitWorkflowInput, type YearEndState } from '../../workflows/cycle/definitions';
import { createHarness, TEST_TOKEN, type Harness } from '../helpers/harness';
import { yearEndPlan } from '../helpers/plans';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const YEAR = new Date().getUTCFullYear() + 1;
const TZ = 'Asia/Ho_Chi_Minh';
const BODY = 'feeds-check';
const CYCLE = `thidua:${BODY}:${YEAR}`;
const CLUSTER_WID = clusterWorkflowId(CYCLE, 'cum-1');
const wid = (unitId: string) => unitWorkflowId(CYCLE, unitId);
/** The UTC instant of a local 17:00 deadline. */
const local17 = (date: string) => DateTime.fromISO(`${date}T17:00`, { zone: TZ }).toUTC().toISO({ suppressMilliseconds: false });

(ICAL.design.icalendar.property as Record<string, { defaultType: string }>)['x-wr-calname'] = { defaultType: 'text' };

interface Ev {
  uid: string;
  sequence: number;
  summary: string;
  status: string;
  start: string;
  end: string;
  location?: string;
}
function parse(ics: string): { name: string; events: Map<string, Ev> } {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const events = new Map<string, Ev>();
  for (const c of cal.getAllSubcomponents('vevent')) {
    const e = new ICAL.Event(c);
    events.set(e.uid, {
      uid: e.uid,
      sequence: e.sequence,
      summary: e.summary,
      status: String(c.getFirstPropertyValue('status')),
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      location: e.location ?? undefined,
    });
  }
  return { name: String(cal.getFirstPropertyValue('x-wr-calname')), events };
}

describe('calendar feeds', () => {
  let h: Harness;
  let plan: Plan;
  let cum1: { units: UnitWorkflowInput[]; yearEnd: ClusterYearEndInput };
  const movedMeeting = { date: `${YEAR}-12-04`, place: 'Hội trường UBMTTQ xã Phú Vinh', inviteAt: `${YEAR}-11-27T01:00:00.000Z`, opensAt: `${YEAR}-12-04T01:30:00.000Z`, closesAt: `${YEAR}-12-04T04:00:00.000Z`, secondRoundMinutes: 30 };

  const get = (path: string) => supertest(h.app).get(path);
  const feedPath = (kind: 'unit' | 'staff', id: string, cycleId = CYCLE, expiresAt?: Date) => `/feeds/${feedTokenFor(h.config.LINK_SECRET, cycleId, kind, id, expiresAt)}.ics`;
  const feed = async (kind: 'unit' | 'staff', id: string) => {
    const res = await get(feedPath(kind, id)).expect(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    return { ...parse(res.text), raw: res.text };
  };

  beforeAll(async () => {
    // No Temporal: the feeds read MongoDB only.
    h = await createHarness({ label: 'feeds', client: {} as Client, connection: {} as NativeConnection, taskQueue: 'feeds-test' });
    const base = yearEndPlan(YEAR);
    const v = validatePlan({
      ...base,
      body: { ...base.body, id: BODY },
      // Nguyễn Văn An follows (and inspects) cluster 1's units and chairs its meeting.
      clusters: base.clusters!.map((c) => ({ ...c, leader: c.id === 'cum-1' ? 'cb-an' : 'cb-lead' })),
    });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    plan = v.plan;
    const compiled = compilePlan(plan, new Date(`${YEAR - 1}-12-01T00:00:00Z`));
    const now = new Date(`${YEAR}-10-20T03:00:00Z`);
    const { models } = h.db;
    await models.Cycle.create({ _id: CYCLE, bodyId: BODY, bodyName: plan.body.name, year: YEAR, workflowId: `${CYCLE}:cycle`, status: 'running', plan, createdAt: now, updatedAt: now });
    for (const c of compiled.clusters) {
      await models.ClusterPlan.create({ _id: `${CYCLE}:${c.clusterId}`, cycleId: CYCLE, clusterId: c.clusterId, name: c.name, status: 'running', units: c.units, yearEnd: c.yearEnd });
    }
    cum1 = compiled.clusters.find((c) => c.clusterId === 'cum-1') as typeof cum1;
    const unit = (id: string) => cum1.units.find((u) => u.unitId === id)!;

    const row = (unitId: string, step: keyof UnitWorkflowInput['steps'], status: StepState['status'], extra: Partial<StepState> = {}, reviewer = 'an@mttq.test') => {
      const u = unit(unitId);
      const schedule = extra.schedule ?? u.steps[step]!;
      const state: StepState = { step, status, round: 1, schedule, history: [{ at: schedule.opensAt, event: 'opened', round: 1 }], ...extra };
      return {
        _id: `${wid(unitId)}:${step}`,
        cycleId: CYCLE,
        clusterId: 'cum-1',
        unitId,
        unitName: u.unitName,
        workflowId: wid(unitId),
        step,
        status,
        round: 1,
        dueAt: new Date(schedule.dueAt),
        lastProgressAt: new Date(schedule.opensAt),
        version: state.history.length,
        state,
        people: { contacts: u.contacts.map((p) => p.email), reviewer },
      };
    };
    // The summary report's deadline was moved once (by a working day): the emails carry SEQUENCE 1.
    const summary = unit('xa-phu-tan').steps['summary-report']!;
    const movedDue = DateTime.fromISO(summary.dueAt).plus({ days: 3 }).toUTC().toISO()!;
    await models.StepState.insertMany([
      row('xa-phu-tan', 'registration', 'approved'),
      row('xa-phu-tan', 'summary-report', 'open', { schedule: { ...summary, dueAt: movedDue }, scheduleVersion: 1 }),
      row('xa-phu-tan', 'self-scoring', 'submitted'),
      row('xa-phu-vinh', 'registration', 'cancelled'),
      // xa-phu-loi's reviewer was replaced: Trần Thị Bình follows it now.
      row('xa-phu-loi', 'registration', 'open', {}, 'binh@mttq.test'),
    ]);
    // The meeting was moved once (meetingVersion 1): the invitation went out again with SEQUENCE 1.
    const state: YearEndState = {
      phase: 'inspection',
      revision: 3,
      inspection: { ...cum1.yearEnd.inspection, units: cum1.yearEnd.members.map((m) => ({ unitId: m.unitId, unitName: m.unitName })), crossChecks: [] },
      meeting: movedMeeting,
      meetingVersion: 1,
      awards: [],
    };
    await models.ClusterYearEnd.create({ _id: `${CYCLE}:cum-1`, cycleId: CYCLE, clusterId: 'cum-1', workflowId: CLUSTER_WID, phase: state.phase, revision: state.revision, state: JSON.stringify(state), updatedAt: now });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("a unit's feed: open deadlines with the emails' UIDs, its visit and its cluster's (moved) meeting", async () => {
    const { name, events, raw } = await feed('unit', 'xa-phu-tan');
    expect(name).toBe(`Lịch thi đua ${YEAR} – MTTQ xã Phú Tân`);
    const u = cum1.units.find((x) => x.unitId === 'xa-phu-tan')!;

    // The approved registration is not listed.
    expect(events.has(`${wid('xa-phu-tan')}:registration:due@thidua`)).toBe(false);

    // The moved summary report: same UID as the email attachment, SEQUENCE = scheduleVersion.
    const summary = events.get(`${wid('xa-phu-tan')}:summary-report:due@thidua`)!;
    expect(summary).toMatchObject({ sequence: 1, status: 'CONFIRMED', summary: 'Báo cáo tổng kết công tác thi đua – MTTQ xã Phú Tân' });
    expect(summary.start).toBe(DateTime.fromISO(u.steps['summary-report']!.dueAt).plus({ days: 3 }).toUTC().toISO());

    // Submitted (waiting for review) is still open: listed, at 17:00 local on the plan's deadline.
    const self = events.get(`${wid('xa-phu-tan')}:self-scoring:due@thidua`)!;
    expect(self).toMatchObject({ sequence: 0, status: 'CONFIRMED' });
    expect(self.start).toBe(local17(plan.stages.reports!.deadline));
    expect(self.start).toBe(self.end);
    expect(raw).toContain(`DTSTART:${plan.stages.reports!.deadline.replace(/-/g, '')}T100000Z`);

    // A step that has not opened yet (no read-model row): its planned date, SEQUENCE 0.
    const exemplars = [...events.values()].find((e) => e.uid.startsWith(`${wid('xa-phu-tan')}:`) && e.uid.includes('exemplars'));
    if (u.steps['exemplars-report']) expect(exemplars?.start).toBe(local17(plan.stages.reports!.deadline));

    // The head unit also sees the cluster's award proposal deadline.
    const proposal = events.get(`${CLUSTER_WID}:award-proposal:due@thidua`)!;
    expect(proposal.start).toBe(local17(plan.stages.proposal!.deadline));

    // Its inspection visit (morning of the 18th, 07:30–11:30 local) and the meeting as moved.
    const visit = events.get(`${CLUSTER_WID}:visit:xa-phu-tan@thidua`)!;
    expect(visit).toMatchObject({ sequence: 0, status: 'CONFIRMED', location: 'Trụ sở UBMTTQ xã Phú Tân' });
    expect(visit.start).toBe(DateTime.fromISO(`${YEAR}-11-18T07:30`, { zone: TZ }).toUTC().toISO());
    expect(visit.end).toBe(DateTime.fromISO(`${YEAR}-11-18T11:30`, { zone: TZ }).toUTC().toISO());
    expect(events.has(`${CLUSTER_WID}:visit:xa-phu-vinh@thidua`)).toBe(false);
    const meeting = events.get(`${CLUSTER_WID}:meeting@thidua`)!;
    expect(meeting).toMatchObject({ sequence: 1, summary: 'Hội nghị bình xét thi đua – Cụm thi đua số 1', location: movedMeeting.place, start: movedMeeting.opensAt, end: movedMeeting.closesAt });
    expect(raw).toMatch(/UID:[^\r]*:meeting@thidua\r\n(?:[^\r]*\r\n)*?SEQUENCE:1\r\n/);

    // Never anything of another unit, nor an email address.
    expect([...events.keys()].filter((k) => k.includes(':unit:') && !k.includes(':unit:xa-phu-tan:'))).toEqual([]);
    expect(raw).not.toMatch(/@(units|mttq)\.test/);
  });

  test('a cancelled step stays in the feed as CANCELLED with the next SEQUENCE', async () => {
    const { events } = await feed('unit', 'xa-phu-vinh');
    expect(events.get(`${wid('xa-phu-vinh')}:registration:due@thidua`)).toMatchObject({ status: 'CANCELLED', sequence: 1 });
    expect(events.get(`${CLUSTER_WID}:visit:xa-phu-vinh@thidua`)).toBeDefined();
    // Not the head: no proposal.
    expect(events.has(`${CLUSTER_WID}:award-proposal:due@thidua`)).toBe(false);
  });

  test("a staff member's feed: the deadlines of the units they follow, their inspections, visits and the meeting they chair", async () => {
    const { name, events } = await feed('staff', 'an@mttq.test');
    expect(name).toBe(`Lịch thi đua ${YEAR} – Nguyễn Văn An`);
    expect(events.get(`${wid('xa-phu-tan')}:summary-report:due@thidua`)).toMatchObject({ sequence: 1 });
    expect(events.get(`${wid('xa-phu-tan')}:self-scoring:due@thidua`)!.start).toBe(local17(plan.stages.reports!.deadline));
    // Not opened yet: the planned deadline, 17:00 local.
    expect(events.get(`${wid('xa-phu-vinh')}:summary-report:due@thidua`)!.start).toBe(local17(plan.stages.reports!.deadline));
    // The replaced reviewer no longer sees xa-phu-loi; cluster 2's units are someone else's.
    expect([...events.keys()].some((k) => k.startsWith(`${wid('xa-phu-loi')}:`))).toBe(false);
    expect([...events.keys()].some((k) => k.includes(':cum-2:') || k.includes(':unit:xa-gia-canh:'))).toBe(false);
    // The inspection deadline of each unit they inspect (the inspector's email UID), and every visit.
    for (const u of ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi']) {
      expect(events.get(`${CLUSTER_WID}:inspection:${u}:due@thidua`)!.start).toBe(local17(plan.stages.inspection!.deadline));
      expect(events.get(`${CLUSTER_WID}:visit:${u}@thidua`)).toBeDefined();
    }
    expect(events.get(`${CLUSTER_WID}:meeting@thidua`)).toMatchObject({ sequence: 1, start: movedMeeting.opensAt });

    const binh = await feed('staff', 'binh@mttq.test');
    expect(binh.events.get(`${wid('xa-phu-loi')}:registration:due@thidua`)!.start).toBe(local17(plan.stages.registration!.deadline));
    expect(binh.events.has(`${CLUSTER_WID}:meeting@thidua`)).toBe(false);
    expect(binh.events.has(`${clusterWorkflowId(CYCLE, 'cum-2')}:meeting@thidua`)).toBe(false);

    // The team member (chair of cluster 2) gets cluster 1's visits and cluster 2's meeting as planned.
    const lead = await feed('staff', 'lead@mttq.test');
    expect(lead.events.get(`${CLUSTER_WID}:visit:xa-phu-loi@thidua`)).toBeDefined();
    expect(lead.events.get(`${clusterWorkflowId(CYCLE, 'cum-2')}:meeting@thidua`)).toMatchObject({ sequence: 0 });
  });

  test('the same state gives the same bytes; the feed changes nothing', async () => {
    const before = await h.db.models.StepState.find({}).sort({ _id: 1 }).lean();
    const a = (await get(feedPath('unit', 'xa-phu-tan')).expect(200)).text;
    const b = await get(feedPath('unit', 'xa-phu-tan')).expect(200);
    expect(b.text).toBe(a);
    await get(feedPath('unit', 'xa-phu-tan')).set('If-None-Match', String(b.headers.etag)).expect(304);
    expect(await h.db.models.StepState.find({}).sort({ _id: 1 }).lean()).toEqual(before);
  });

  test('bad signature 403, expired 410, unknown cycle or unit 404', async () => {
    const good = feedPath('unit', 'xa-phu-tan');
    const token = good.slice('/feeds/'.length, -'.ics'.length);
    const [body, sig] = token.split('.');
    const flipped = `${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await get(`/feeds/${flipped}.ics`)).status).toBe(403);
    expect((await get('/feeds/not-a-token.ics')).status).toBe(403);
    // A token signed with another secret (as after rotating it) is refused.
    expect((await get(`/feeds/${feedTokenFor('another-secret-0123456789abcdef0123', CYCLE, 'unit', 'xa-phu-tan')}.ics`)).status).toBe(403);
    expect((await get(feedPath('unit', 'xa-phu-tan', CYCLE, new Date(Date.now() - 1000)))).status).toBe(410);
    expect((await get(feedPath('unit', 'xa-phu-tan', CYCLE, new Date(Date.now() + 3600_000)))).status).toBe(200);
    expect((await get(feedPath('unit', 'xa-phu-tan', `thidua:${BODY}:1999`))).status).toBe(404);
    expect((await get(feedPath('unit', 'xa-khong-co'))).status).toBe(404);
    expect((await get(feedPath('staff', 'nobody@mttq.test'))).status).toBe(404);
  });

  test('the listing for staff: token required, one URL per unit and staff member, each one works', async () => {
    expect((await get(`/api/cycles/${CYCLE}/feeds`)).status).toBe(401);
    expect((await get(`/api/cycles/thidua:${BODY}:1999/feeds`).set(auth)).status).toBe(404);
    const res = await get(`/api/cycles/${CYCLE}/feeds`).set(auth).expect(200);
    const body = res.body as { units: { unitId: string; url: string }[]; staff: { email: string; url: string }[] };
    expect(body.units.map((u) => u.unitId)).toEqual(plan.units.map((u) => u.id));
    expect(body.staff.map((s) => s.email)).toEqual(plan.staff.map((s) => s.email));
    const urls = [...body.units, ...body.staff].map((x) => x.url);
    expect(new Set(urls).size).toBe(urls.length);
    for (const url of urls) {
      expect(url).toMatch(/^http:\/\/thidua\.test\/feeds\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.ics$/);
      const r = await get(url.slice('http://thidua.test'.length)).expect(200);
      expect(parse(r.text).events.size).toBeGreaterThan(0);
    }
  });
});
