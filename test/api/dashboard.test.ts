/**
 * The secretariat's dashboard on the real app, MongoDB-compatible server and Temporal dev server:
 * staff only, counts, the units × steps matrix, every stuck reason with its wording and days overdue
 * against a fixed `now`, the spreadsheet, English, and a Temporal that is down.
 */
import type { Client, Client as TemporalClient } from '@temporalio/client';
import ExcelJS from 'exceljs';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/deps';
import { createTemporalClient } from '../../lib/temporal';
import { unitWorkflowId } from '../../workflows/cycle/definitions';
import { binary, eventually, TEST_TOKEN, useDevServer, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
// Workflow ids are global on the shared dev server: this file's cycles use their own issuing bodies.
const CYCLE = 'thidua:dash-seed:2027';
const OTHER = 'thidua:dash-other:2027';
/** Saturday 20/03/2027, 10:00 in Hà Nội. */
const NOW = new Date('2027-03-20T03:00:00Z');
const TZ = 'Asia/Ho_Chi_Minh';
const UI = 'http://temporal-ui.test';

const wid = (unitId: string, cycleId = CYCLE) => unitWorkflowId(cycleId, unitId);
const at = (s: string) => new Date(s);

interface Ev {
  at: string;
  event: string;
  round: number;
}
const schedule = (dueAt: string, graceEndsAt: string) => ({ opensAt: '2027-02-01T01:00:00Z', dueAt, graceEndsAt, reminders: [], escalations: [] });

function stepRow(o: { cycleId?: string; clusterId: string; unitId: string; unitName: string; step: string; status: string; round?: number; dueAt: string; graceEndsAt: string; history: Ev[]; lastProgressAt?: string }) {
  const cycleId = o.cycleId ?? CYCLE;
  const workflowId = wid(o.unitId, cycleId);
  const last = o.history[o.history.length - 1];
  return {
    _id: `${workflowId}:${o.step}`,
    cycleId,
    clusterId: o.clusterId,
    unitId: o.unitId,
    unitName: o.unitName,
    workflowId,
    step: o.step,
    status: o.status,
    round: o.round ?? 1,
    dueAt: at(o.dueAt),
    lastProgressAt: at(o.lastProgressAt ?? last?.at ?? '2027-02-01T01:00:00Z'),
    version: o.history.length,
    state: { step: o.step, status: o.status, round: o.round ?? 1, schedule: schedule(o.dueAt, o.graceEndsAt), history: o.history },
  };
}

const opened: Ev = { at: '2027-02-01T01:00:00Z', event: 'opened', round: 1 };
const REG_DUE = '2027-03-25T10:00:00Z';
const REG_GRACE = '2027-03-29T10:00:00Z';
const MID_DUE = '2027-07-09T10:00:00Z';
const MID_GRACE = '2027-07-13T10:00:00Z';
const UNITS = [
  { clusterId: 'cum-1', unitId: 'xa-a', unitName: 'MTTQ xã An' },
  { clusterId: 'cum-1', unitId: 'xa-b', unitName: 'MTTQ xã Bình' },
  { clusterId: 'cum-1', unitId: 'xa-c', unitName: 'MTTQ xã Cát' },
  { clusterId: 'cum-2', unitId: 'xa-d', unitName: 'MTTQ xã Đông' },
  { clusterId: 'cum-2', unitId: 'xa-e', unitName: 'MTTQ xã Én' },
];
const unit = (id: string) => UNITS.find((u) => u.unitId === id)!;

async function seed(h: Harness) {
  const { models } = h.db;
  const plan = {
    timeZone: TZ,
    units: UNITS.map((u) => ({ id: u.unitId, name: u.unitName })),
    clusters: [
      { id: 'cum-1', name: 'Cụm thi đua số 1', members: ['xa-a', 'xa-b', 'xa-c'] },
      { id: 'cum-2', name: 'Cụm thi đua số 2', members: ['xa-d', 'xa-e'] },
    ],
  };
  const created = at('2027-01-15T02:00:00Z');
  await models.Cycle.create([
    { _id: CYCLE, bodyId: 'dash-seed', bodyName: 'Ủy ban MTTQ huyện Thử', year: 2027, workflowId: `${CYCLE}:cycle`, status: 'running', plan, createdAt: created, updatedAt: created },
    { _id: OTHER, bodyId: 'dash-other', bodyName: 'Ủy ban MTTQ huyện Khác', year: 2027, workflowId: `${OTHER}:cycle`, status: 'running', plan: { timeZone: TZ }, createdAt: created, updatedAt: created },
  ]);
  await models.ClusterPlan.create([
    { _id: `${CYCLE}:cum-1`, cycleId: CYCLE, clusterId: 'cum-1', name: 'Cụm thi đua số 1', status: 'running', units: [] },
    { _id: `${CYCLE}:cum-2`, cycleId: CYCLE, clusterId: 'cum-2', name: 'Cụm thi đua số 2', status: 'running', units: [] },
  ]);
  await models.StepState.insertMany([
    // Approved: nothing to say.
    stepRow({ ...unit('xa-a'), step: 'registration', status: 'approved', dueAt: REG_DUE, graceEndsAt: REG_GRACE, history: [opened, { at: '2027-03-02T02:00:00Z', event: 'submitted', round: 1 }, { at: '2027-03-03T02:00:00Z', event: 'approved', round: 1 }] }),
    // (a) due 17:00 10/03, grace ended 17:00 12/03, never sent: 10 calendar days late on 20/03.
    stepRow({
      ...unit('xa-b'),
      step: 'registration',
      status: 'open',
      dueAt: '2027-03-10T10:00:00Z',
      graceEndsAt: '2027-03-12T10:00:00Z',
      history: [opened, { at: '2027-03-09T01:00:00Z', event: 'reminded', round: 1 }, { at: '2027-03-15T01:00:00Z', event: 'escalated', round: 1 }],
    }),
    // (b) sent again at 09:00 12/03 after a return: waiting for review 8 days.
    stepRow({
      ...unit('xa-c'),
      step: 'registration',
      status: 'submitted',
      round: 2,
      dueAt: REG_DUE,
      graceEndsAt: REG_GRACE,
      history: [
        opened,
        { at: '2027-03-01T02:00:00Z', event: 'submitted', round: 1 },
        { at: '2027-03-05T02:00:00Z', event: 'returned', round: 1 },
        { at: '2027-03-12T02:00:00Z', event: 'submitted', round: 2 },
      ],
    }),
    // (c) returned at 10:00 10/03, nothing since but a reminder (which is not progress): 10 days idle.
    stepRow({
      ...unit('xa-d'),
      step: 'registration',
      status: 'returned',
      round: 2,
      dueAt: REG_DUE,
      graceEndsAt: REG_GRACE,
      history: [opened, { at: '2027-03-05T02:00:00Z', event: 'submitted', round: 1 }, { at: '2027-03-10T03:00:00Z', event: 'returned', round: 1 }, { at: '2027-03-18T01:00:00Z', event: 'reminded', round: 2 }],
    }),
    // Opened two days ago; (d) its request email was refused.
    stepRow({ ...unit('xa-e'), step: 'registration', status: 'open', dueAt: REG_DUE, graceEndsAt: REG_GRACE, history: [{ ...opened, at: '2027-03-18T01:00:00Z' }] }),
    ...UNITS.map((u) => stepRow({ ...u, step: 'midyear-report', status: 'pending', dueAt: MID_DUE, graceEndsAt: MID_GRACE, history: [] })),
    // Another cycle's late unit: never in this cycle's view.
    stepRow({ cycleId: OTHER, clusterId: 'cum-x', unitId: 'xa-z', unitName: 'MTTQ xã Khác', step: 'registration', status: 'open', dueAt: '2027-03-01T10:00:00Z', graceEndsAt: '2027-03-03T10:00:00Z', history: [opened] }),
  ]);
  const mail = (id: string, cycleId: string, status: string, to: string, lastError?: string) => ({
    _id: id,
    cycleId,
    kind: 'registration.request',
    to,
    subject: 'Đăng ký thi đua',
    messageId: `<${id}@thidua.test>`,
    status,
    attempts: 1,
    lastError,
    createdAt: at('2027-03-18T01:00:05Z'),
  });
  await models.Outbox.create([
    mail(`${wid('xa-e')}:registration:request:1:xa-e@units.test`, CYCLE, 'failed', 'xa-e@units.test', '550 5.1.1 <xa-e@units.test>: mailbox unavailable'),
    mail(`${wid('xa-a')}:registration:request:1:xa-a@units.test`, CYCLE, 'sent', 'xa-a@units.test'),
    mail(`${wid('xa-z', OTHER)}:registration:request:1:xa-z@units.test`, OTHER, 'failed', 'xa-z@units.test', '550 no such user'),
  ]);
}

/** A Temporal that answers `describe()` from a table (everything else: running, nothing pending). */
function fakeTemporal(facts: Record<string, { status?: string; pendingActivities?: unknown[]; workflowTaskAttempt?: number }>): TemporalClient {
  return {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    workflow: {
      getHandle: (id: string) => ({
        describe: async () => ({
          status: { name: facts[id]?.status ?? 'RUNNING' },
          raw: { pendingActivities: facts[id]?.pendingActivities ?? [], pendingWorkflowTask: facts[id]?.workflowTaskAttempt ? { attempt: facts[id].workflowTaskAttempt } : null },
        }),
      }),
    },
  } as unknown as TemporalClient;
}

interface Reason {
  code: string;
  text: string;
}
interface Stuck {
  unitId: string;
  step?: string;
  daysOverdue: number;
  reasons: Reason[];
  temporalUrl?: string;
}
interface Cell {
  step: string;
  status: string;
  text: string;
  daysOverdue: number;
  round: number;
  dueLocal?: string;
  waitingOn: string | null;
}
interface CycleJson {
  cycleId: string;
  steps: { step: string; title: string }[];
  clusters: { clusterId: string; name: string; units: { unitId: string; unitName: string; cells: Cell[] }[] }[];
  counts: { total: number; byStatus: { status: string; count: number }[]; byStage: { stage: string; counts: { status: string; count: number }[] }[] };
}

const countsOf = (list: { status: string; count: number }[]) => Object.fromEntries(list.filter((c) => c.count > 0).map((c) => [c.status, c.count]));
const reasonsOf = (stuck: Stuck[], unitId: string) => stuck.filter((s) => s.unitId === unitId).flatMap((s) => s.reasons);
const cellOf = (c: CycleJson, unitId: string, step: string) => c.clusters.flatMap((k) => k.units).find((u) => u.unitId === unitId)!.cells.find((x) => x.step === step)!;

describe('dashboard', () => {
  let client: Client;
  let h: Harness;
  /** The real app at the fixed `now`, with a Temporal UI configured. */
  let depsAt: (temporal: TemporalClient) => AppDeps;

  useDevServer({ label: 'dashboard', taskQueue: 'dashboard-test' }, async (s) => {
    ({ h, client } = s);
    await seed(h);
    depsAt = (temporal) => ({ ...h.deps, temporal, config: { ...h.config, TEMPORAL_UI_URL: `${UI}/` }, now: () => NOW });
  });

  test('staff only: a page redirects to the login, JSON and the spreadsheet answer 401', async () => {
    const page = await supertest(h.app).get('/dashboard?cycleId=x');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fdashboard%3FcycleId%3Dx');
    for (const path of ['/api/dashboard', '/api/dashboard.xlsx']) {
      const anon = await supertest(h.app).get(path);
      expect(anon.status).toBe(401);
      expect(anon.body.error.code).toBe('unauthorized');
      expect((await supertest(h.app).get(path).set({ Authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    }
    const agent = supertest.agent(h.app);
    await agent.post('/login').type('form').send({ token: TEST_TOKEN, next: '/dashboard' }).expect(303);
    const signedIn = await agent.get(`/dashboard?cycleId=${encodeURIComponent(CYCLE)}`);
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain('<h1>Bảng theo dõi của văn phòng</h1>');
    expect((await supertest(h.app).get('/api/dashboard?cycleId=nope').set(auth)).status).toBe(404);
    expect((await supertest(h.app).get(`/api/dashboard?slaDays=0`).set(auth)).status).toBe(400);
  });

  test('counts, the matrix and every read-model reason, against a fixed now', async () => {
    const temporal = fakeTemporal({
      [wid('xa-e')]: { pendingActivities: [{ activityId: '7', activityType: { name: 'notify' }, attempt: 6, lastFailure: { message: '421 4.7.0 try again later' } }] },
      // A retry still early is not news.
      [wid('xa-d')]: { pendingActivities: [{ activityType: { name: 'projectStep' }, attempt: 3, lastFailure: { message: 'blip' } }], workflowTaskAttempt: 1 },
      [wid('xa-c')]: { status: 'TERMINATED' },
      // A workflow task tried again and again: the workflow's code fails (the first attempt is normal).
      [wid('xa-b')]: { workflowTaskAttempt: 4 },
    });
    const app = createApp(depsAt(temporal));
    const r = await supertest(app).get(`/api/dashboard?cycleId=${encodeURIComponent(CYCLE)}`).set(auth).expect(200);
    expect(r.body.cycles).toHaveLength(1);
    const c = r.body.cycles[0] as CycleJson;
    expect(c.cycleId).toBe(CYCLE);

    // Counts per status and per stage × status.
    expect(c.counts.total).toBe(10);
    expect(countsOf(c.counts.byStatus)).toEqual({ approved: 1, open: 2, submitted: 1, returned: 1, pending: 5 });
    expect(c.counts.byStage.map((s) => [s.stage, countsOf(s.counts)])).toEqual([
      ['registration', { approved: 1, open: 2, submitted: 1, returned: 1 }],
      ['midYear', { pending: 5 }],
    ]);

    // The matrix: units grouped by cluster in plan order, steps in plan order.
    expect(c.steps.map((s) => s.step)).toEqual(['registration', 'midyear-report']);
    expect(c.clusters.map((k) => [k.name, k.units.map((u) => u.unitId)])).toEqual([
      ['Cụm thi đua số 1', ['xa-a', 'xa-b', 'xa-c']],
      ['Cụm thi đua số 2', ['xa-d', 'xa-e']],
    ]);
    expect(cellOf(c, 'xa-a', 'registration')).toMatchObject({ status: 'approved', text: 'Đã duyệt', daysOverdue: 0, waitingOn: null });
    expect(cellOf(c, 'xa-b', 'registration')).toMatchObject({ status: 'open', text: 'Chờ đơn vị gửi · quá hạn 10 ngày', daysOverdue: 10, waitingOn: 'unit', dueLocal: '17:00 10/03/2027' });
    expect(cellOf(c, 'xa-c', 'registration')).toMatchObject({ status: 'submitted', text: 'Chờ thẩm định · lần 2', round: 2, daysOverdue: 0, waitingOn: 'reviewer' });
    expect(cellOf(c, 'xa-d', 'registration')).toMatchObject({ status: 'returned', text: 'Trả lại, chờ gửi lại · lần 2', waitingOn: 'unit' });
    expect(cellOf(c, 'xa-e', 'midyear-report')).toMatchObject({ status: 'pending', text: 'Chưa mở', dueLocal: '17:00 09/07/2027' });

    // Stuck: each reason on the right unit, worst first, with a link to the workflow in Temporal UI.
    const stuck = r.body.stuck as Stuck[];
    expect(stuck.map((s) => s.unitId)).toEqual(['xa-b', 'xa-c', 'xa-d', 'xa-e']);
    expect(reasonsOf(stuck, 'xa-a')).toEqual([]);
    expect(reasonsOf(stuck, 'xa-b')).toEqual([
      { code: 'overdue', text: 'Quá hạn 10 ngày, đã hết thời gian gia hạn (17:00 12/03/2027)' },
      { code: 'workflow_task_failing', text: 'Mã luồng công việc gặp lỗi, Temporal đang thử lại (lần 4): xem lỗi trong Temporal UI' },
    ]);
    expect(stuck[0]).toMatchObject({ step: 'registration', daysOverdue: 10, temporalUrl: `${UI}/namespaces/default/workflows/${encodeURIComponent(wid('xa-b'))}` });
    expect(reasonsOf(stuck, 'xa-c')).toEqual([
      { code: 'review_sla', text: 'Chờ thẩm định 8 ngày (quá 5 ngày cho phép)' },
      { code: 'workflow_not_running', text: 'Luồng công việc trong Temporal ở trạng thái TERMINATED trong khi bảng theo dõi ghi là đang mở' },
    ]);
    expect(reasonsOf(stuck, 'xa-d')).toEqual([{ code: 'no_progress', text: 'Không có tiến triển trong 10 ngày (từ 10:00 10/03/2027)' }]);
    expect(reasonsOf(stuck, 'xa-e')).toEqual([
      { code: 'email_failed', text: 'Thư không gửi được tới xa-e@units.test: 550 5.1.1 <xa-e@units.test>: mailbox unavailable' },
      { code: 'activity_retrying', text: 'Tác vụ notify đang thử lại (lần 6): 421 4.7.0 try again later', activityId: '7' },
    ]);
    expect(JSON.stringify(r.body)).not.toContain('xa-z');
    expect(r.body.temporal).toEqual({ available: true, candidates: 4, checked: 4 });
    expect(r.body.notices).toEqual([]);

    // The thresholds are parameters: a 10-day review limit and 11 idle days clear xa-c's and xa-d's.
    const lenient = await supertest(app).get(`/api/dashboard?cycleId=${encodeURIComponent(CYCLE)}&slaDays=10&idleDays=11`).set(auth).expect(200);
    expect(reasonsOf(lenient.body.stuck, 'xa-c').map((x) => x.code)).toEqual(['workflow_not_running']);
    expect(reasonsOf(lenient.body.stuck, 'xa-d')).toEqual([]);

    // Every cycle when none is named: the other cycle's late unit and refused mail are there too.
    const all = await supertest(app).get('/api/dashboard').set(auth).expect(200);
    expect(all.body.cycles.map((x: CycleJson) => x.cycleId).sort()).toEqual([OTHER, CYCLE].sort());
    expect(reasonsOf(all.body.stuck, 'xa-z').map((x) => x.code)).toEqual(['overdue', 'email_failed']);
  });

  test('the page shows the same, in Vietnamese and in English', async () => {
    const app = createApp(depsAt(fakeTemporal({})));
    const vi = await supertest(app).get(`/dashboard?cycleId=${encodeURIComponent(CYCLE)}`).set(auth).expect(200);
    expect(vi.text).toContain('<html lang="vi">');
    expect(vi.text).toContain('<th scope="col">Bước</th>');
    expect(vi.text).toContain('Đơn vị × bước: ai đang chờ ai');
    expect(vi.text).toMatch(/<tr data-unit="xa-b">\s*<th scope="row">MTTQ xã Bình<\/th>\s*<td class="late" data-step="registration" data-status="open">Chờ đơn vị gửi · quá hạn 10 ngày<br><small>Đang chờ: Đơn vị<\/small><\/td>/);
    expect(vi.text).toMatch(/<tr data-unit="xa-d" data-step="registration">[\s\S]*?<li data-code="no_progress">Không có tiến triển trong 10 ngày \(từ 10:00 10\/03\/2027\)<\/li>/);
    expect(vi.text).toContain(`href="${UI}/namespaces/default/workflows/${encodeURIComponent(wid('xa-b'))}"`);
    expect(vi.text).toContain('<td class="num" data-status="open">2</td>');
    expect(vi.text).not.toContain('class="notice"');

    const en = await supertest(app).get(`/dashboard?cycleId=${encodeURIComponent(CYCLE)}&lang=en`).set(auth).expect(200);
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('<h1>Secretariat dashboard</h1>');
    expect(en.text).toContain('<h2 id="stuck-h">Stuck (4)</h2>');
    expect(en.text).toContain('Units × steps: who is blocking what');
    expect(en.text).toContain('<th scope="col" data-step="registration">Emulation registration</th>');
    expect(en.text).toContain('Waiting for the unit · 10 day(s) overdue');
    expect(en.text).toContain('10 day(s) overdue, grace period ended 17:00 12/03/2027');
    expect(en.text).not.toContain('Bảng theo dõi của văn phòng');
  });

  test('the spreadsheet has the matrix cells, one row per unit, Vietnamese headers', async () => {
    const app = createApp(depsAt(fakeTemporal({})));
    const json = await supertest(app).get(`/api/dashboard?cycleId=${encodeURIComponent(CYCLE)}`).set(auth).expect(200);
    const x = await supertest(app).get(`/api/dashboard.xlsx?cycleId=${encodeURIComponent(CYCLE)}`).set(auth).buffer(true).parse(binary);
    expect(x.status).toBe(200);
    expect(x.headers['content-type']).toContain('spreadsheetml');
    expect(x.headers['content-disposition']).toMatch(/^attachment; filename="theo-doi-thidua-dash-seed-2027-2027-03-20\.xlsx"$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.body as ExcelJS.Buffer);
    expect(wb.worksheets).toHaveLength(1);
    const ws = wb.worksheets[0];
    const values = (n: number) => (ws.getRow(n).values as unknown[]).slice(1);
    expect(values(2)).toEqual(['Cụm thi đua', 'Mã đơn vị', 'Đơn vị', 'Đăng ký thi đua', 'Báo cáo sơ kết 6 tháng', 'Số ngày quá hạn (lớn nhất)']);
    const c = json.body.cycles[0] as CycleJson;
    const expected = c.clusters.flatMap((k) => k.units.map((u) => [k.name, u.unitId, u.unitName, ...u.cells.map((cell) => cell.text), Math.max(...u.cells.map((cell) => cell.daysOverdue))]));
    expect(ws.rowCount).toBe(2 + 5);
    expect([3, 4, 5, 6, 7].map(values)).toEqual(expected);
    expect(values(4)).toEqual(['Cụm thi đua số 1', 'xa-b', 'MTTQ xã Bình', 'Chờ đơn vị gửi · quá hạn 10 ngày', 'Chưa mở', 10]);
  });

  test('with Temporal down the page still renders from MongoDB, with a notice', async () => {
    const dead = createTemporalClient('127.0.0.1:1', 'default');
    const app = createApp(depsAt(dead));
    const started = Date.now();
    const page = await supertest(app).get(`/dashboard?cycleId=${encodeURIComponent(CYCLE)}`).set(auth);
    expect(page.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(page.text).toContain('<p class="notice" role="status">Không kết nối được Temporal');
    expect(page.text).toContain('Quá hạn 10 ngày, đã hết thời gian gia hạn (17:00 12/03/2027)');
    const json = await supertest(app).get(`/api/dashboard?cycleId=${encodeURIComponent(CYCLE)}&lang=en`).set(auth).expect(200);
    expect(json.body.temporal).toMatchObject({ available: false, checked: 0 });
    expect(json.body.notices[0]).toMatch(/^Temporal is unreachable/);
    expect((json.body.stuck as Stuck[]).flatMap((s) => s.reasons.map((x) => x.code)).sort()).toEqual(['email_failed', 'no_progress', 'overdue', 'review_sla']);
  });

  test('on the real Temporal: unknown workflows are reported, a live cycle is not, a stopped unit is', async () => {
    // The seeded workflows do not exist in Temporal while the read model says they are open.
    const seeded = await supertest(createApp(depsAt(client))).get(`/api/dashboard?cycleId=${encodeURIComponent(CYCLE)}`).set(auth).expect(200);
    expect(seeded.body.temporal).toMatchObject({ available: true, checked: 4 });
    for (const u of ['xa-b', 'xa-c', 'xa-d', 'xa-e']) {
      expect(reasonsOf(seeded.body.stuck, u)).toContainEqual({ code: 'workflow_not_running', text: 'Luồng công việc trong Temporal ở trạng thái NOT_FOUND trong khi bảng theo dõi ghi là đang mở' });
    }

    // A real small cycle (2 clusters × 3 units): all six units open and waiting, nothing stuck.
    const base = smallPlan();
    const year = new Date().getUTCFullYear() + 1;
    const plan = { ...base, body: { ...base.body, id: 'dashboard-live' }, year, stages: { registration: { deadline: `${year}-12-10` } } };
    const cycleId = `thidua:dashboard-live:${year}`;
    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await eventually(async () => (await h.db.models.StepState.countDocuments({ cycleId })) === 6, 'six step rows');
      const live = await supertest(h.app).get(`/api/dashboard?cycleId=${encodeURIComponent(cycleId)}`).set(auth).expect(200);
      const c = live.body.cycles[0] as CycleJson;
      expect(countsOf(c.counts.byStatus)).toEqual({ open: 6 });
      expect(c.clusters.map((k) => [k.clusterId, k.units.map((u) => u.unitId)])).toEqual([
        ['cum-1', ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi']],
        ['cum-2', ['xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan']],
      ]);
      expect(cellOf(c, 'xa-phu-tan', 'registration')).toMatchObject({ status: 'open', text: 'Chờ đơn vị gửi', dueLocal: `17:00 10/12/${year}` });
      expect(live.body.temporal).toEqual({ available: true, candidates: 6, checked: 6 });
      expect(live.body.stuck).toEqual([]);

      // A unit workflow stopped behind the read model's back: the dashboard says so.
      await client.workflow.getHandle(wid('xa-phu-loi', cycleId)).terminate('dashboard test');
      const after = await supertest(h.app).get(`/api/dashboard?cycleId=${encodeURIComponent(cycleId)}`).set(auth).expect(200);
      expect((after.body.stuck as Stuck[]).map((s) => [s.unitId, s.reasons.map((x) => x.code)])).toEqual([['xa-phu-loi', ['workflow_not_running']]]);
      expect(after.body.stuck[0].reasons[0].text).toContain('TERMINATED');
      // The terminated unit fails its cluster, which may already have ended the cycle.
      await client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over').catch(() => undefined);
    });
  });
});
