/**
 * The plan file: validation (every problem named by its path) and compilation into unit workflow
 * inputs with absolute instants. Expected instants are worked out by hand from the calendar.
 */
import { compilePlan, PlanCompileError } from '../../rules/compile';
import { formatPath, validatePlan, type Plan, type PlanProblem } from '../../rules/plan';
import { smallPlan, yearEndPlan } from '../helpers/plans';

/** A deep copy of smallPlan() as plain JSON, free to be broken in any way. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test breaks plans in arbitrary ways
type Json = any;
const base = (): Json => JSON.parse(JSON.stringify(smallPlan()));

function valid(input: unknown): Plan {
  const r = validatePlan(input);
  if (!r.ok) throw new Error(`expected a valid plan, got ${JSON.stringify(r.problems)}`);
  return r.plan;
}

function problemsOf(input: unknown): PlanProblem[] {
  const r = validatePlan(input);
  if (r.ok) throw new Error('expected the plan to be refused');
  return r.problems;
}

describe('formatPath', () => {
  test.each<[PropertyKey[], string]>([
    [[], ''],
    [['year'], 'year'],
    [['units', 0, 'contacts', 0, 'email'], 'units[0].contacts[0].email'],
    [['clusters', 2, 'members', 10], 'clusters[2].members[10]'],
    [['stages', 'registration', 'reminders', 1, 'days'], 'stages.registration.reminders[1].days'],
    [[0, 'a'], '[0].a'],
  ])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('validatePlan', () => {
  test('smallPlan() is valid, and the defaults are filled in', () => {
    const plan = valid(smallPlan());
    expect(plan.calendar).toEqual({
      holidays: ['2024-02-08', '2024-02-09', '2024-02-12', '2024-02-13', '2024-02-14'],
      workingWeekdays: [1, 2, 3, 4, 5],
      extraWorkingDays: [],
    });
    expect(plan.staff[0].lang).toBe('vi');
    expect(plan.staff[1].lang).toBe('en');
    expect(plan.stages.registration).toEqual({
      opensOn: '2024-02-05',
      deadline: '2024-03-01',
      reminders: [
        { days: 7, unit: 'working' },
        { days: 3, unit: 'working' },
        { days: 1, unit: 'working' },
      ],
      grace: { days: 2, unit: 'working' },
      escalations: [
        { days: 0, unit: 'working' },
        { days: 3, unit: 'working' },
      ],
    });
  });

  test('timeZone, calendar and schedule defaults when left out', () => {
    const p = base();
    delete p.timeZone;
    delete p.calendar;
    p.stages.registration = { deadline: '2024-03-01' };
    const plan = valid(p);
    expect(plan.timeZone).toBe('Asia/Ho_Chi_Minh');
    expect(plan.calendar).toEqual({ holidays: [], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] });
    expect(plan.stages.registration).toEqual({
      deadline: '2024-03-01',
      reminders: [
        { days: 7, unit: 'working' },
        { days: 3, unit: 'working' },
        { days: 1, unit: 'working' },
      ],
      grace: { days: 0, unit: 'working' },
      escalations: [{ days: 0, unit: 'working' }],
    });
  });

  test.each<[string, (p: Json) => void, PlanProblem | PlanProblem[]]>([
    ['missing apiVersion', (p) => delete p.apiVersion, { path: 'apiVersion', message: 'Invalid input: expected "thidua/v1"' }],
    ['wrong apiVersion', (p) => (p.apiVersion = 'thidua/v2'), { path: 'apiVersion', message: 'Invalid input: expected "thidua/v1"' }],
    ['bad body.id', (p) => (p.body.id = 'MTTQ Định Quán'), { path: 'body.id', message: 'must be lowercase letters, digits and dashes (max 63)' }],
    ['body.id too long', (p) => (p.body.id = 'a'.repeat(64)), { path: 'body.id', message: 'must be lowercase letters, digits and dashes (max 63)' }],
    ['empty body.name', (p) => (p.body.name = '  '), { path: 'body.name', message: 'Too small: expected string to have >=1 characters' }],
    ['year too small', (p) => (p.year = 1999), { path: 'year', message: 'Too small: expected number to be >=2000' }],
    ['year too big', (p) => (p.year = 2101), { path: 'year', message: 'Too big: expected number to be <=2100' }],
    ['year as a string', (p) => (p.year = '2024'), { path: 'year', message: 'Invalid input: expected number, received string' }],
    ['unknown time zone', (p) => (p.timeZone = 'Asia/Saigon_City'), { path: 'timeZone', message: 'is not a known IANA time zone' }],
    ['bad contact email', (p) => (p.units[0].contacts[0].email = 'chu-tich-at-units.test'), { path: 'units[0].contacts[0].email', message: 'Invalid email address' }],
    ['bad staff email', (p) => (p.staff[1].email = 'binh@'), { path: 'staff[1].email', message: 'Invalid email address' }],
    ['unit without contacts', (p) => (p.units[2].contacts = []), { path: 'units[2].contacts', message: 'a unit needs at least one contact' }],
    ['unknown contact lang', (p) => (p.units[0].contacts[0].lang = 'fr'), { path: 'units[0].contacts[0].lang', message: 'Invalid option: expected one of "vi"|"en"' }],
    ['unknown reviewer', (p) => (p.units[3].reviewer = 'cb-chau'), { path: 'units[3].reviewer', message: 'unknown staff id "cb-chau"' }],
    ['unknown parent', (p) => (p.units[1].parent = 'huyen-x'), { path: 'units[1].parent', message: 'unknown unit id "huyen-x"' }],
    ['unit in two clusters', (p) => p.clusters[1].members.push('xa-phu-vinh'), { path: 'clusters[1].members[3]', message: 'unit "xa-phu-vinh" is already in cluster "cum-1"' }],
    ['unit listed twice in one cluster', (p) => p.clusters[0].members.push('xa-phu-loi'), { path: 'clusters[0].members[3]', message: 'unit "xa-phu-loi" is listed twice' }],
    ['unknown member', (p) => (p.clusters[1].members[1] = 'xa-khong-co'), { path: 'clusters[1].members[1]', message: 'unknown unit id "xa-khong-co"' }],
    ['empty cluster', (p) => { p.clusters[1].members = []; p.units = p.units.slice(0, 3); }, [
      { path: 'clusters[1].members', message: 'a cluster needs at least one member unit' },
      { path: 'clusters[1].head', message: 'head "tt-dinh-quan" is not a member of the cluster' },
    ]],
    ['head not a member', (p) => (p.clusters[0].head = 'xa-gia-canh'), { path: 'clusters[0].head', message: 'head "xa-gia-canh" is not a member of the cluster' }],
    ['deputy not a member', (p) => (p.clusters[1].deputy = 'xa-phu-tan'), { path: 'clusters[1].deputy', message: 'deputy "xa-phu-tan" is not a member of the cluster' }],
    ['duplicate unit id', (p) => p.units.push({ ...p.units[3], name: 'Gia Canh 2' }), { path: 'units[6].id', message: 'duplicate id "xa-gia-canh"' }],
    ['duplicate staff id', (p) => p.staff.push({ id: 'cb-an', name: 'Lê An', email: 'le.an@mttq.test' }), { path: 'staff[2].id', message: 'duplicate id "cb-an"' }],
    ['duplicate cluster id', (p) => (p.clusters[1].id = 'cum-1'), { path: 'clusters[1].id', message: 'duplicate id "cum-1"' }],
    ['opensOn after the deadline', (p) => (p.stages.registration.opensOn = '2024-03-02'), { path: 'stages.registration.opensOn', message: 'opens after its deadline (2024-03-01)' }],
    ['impossible date 2024-02-30', (p) => (p.stages.registration.deadline = '2024-02-30'), { path: 'stages.registration.deadline', message: 'is not a real calendar date' }],
    ['impossible holiday 2023-02-29', (p) => (p.calendar.holidays = ['2023-02-29']), { path: 'calendar.holidays[0]', message: 'is not a real calendar date' }],
    ['working weekday 0', (p) => (p.calendar.workingWeekdays = [0, 1]), { path: 'calendar.workingWeekdays[0]', message: 'Too small: expected number to be >=1' }],
    ['no working weekdays', (p) => (p.calendar.workingWeekdays = []), { path: 'calendar.workingWeekdays', message: 'Too small: expected array to have >=1 items' }],
    ['negative reminder (number)', (p) => (p.stages.registration.reminders = [7, -1]), { path: 'stages.registration.reminders[1]', message: 'Invalid input' }],
    ['negative grace (number)', (p) => (p.stages.registration.grace = -2), { path: 'stages.registration.grace', message: 'Invalid input' }],
    ['negative escalation (object)', (p) => (p.stages.registration.escalations = [{ days: -1, unit: 'calendar' }]), { path: 'stages.registration.escalations[0].days', message: 'Too small: expected number to be >=0' }],
    ['unknown offset unit', (p) => (p.stages.registration.escalations = [{ days: 1, unit: 'hours' }]), { path: 'stages.registration.escalations[0]', message: 'Invalid input' }],
  ])('%s', (_what, breakIt, problem) => {
    const p = base();
    breakIt(p);
    expect(problemsOf(p)).toEqual(Array.isArray(problem) ? problem : [problem]);
  });

  test('several problems are reported together, in document order', () => {
    const p = base();
    p.year = 1999;
    p.units[0].contacts[0].email = 'bad';
    p.units[1].reviewer = 'nobody';
    p.clusters[0].head = 'xa-gia-canh';
    p.stages.registration.opensOn = '2024-03-04';
    expect(problemsOf(p)).toEqual([
      { path: 'year', message: 'Too small: expected number to be >=2000' },
      { path: 'units[0].contacts[0].email', message: 'Invalid email address' },
      { path: 'units[1].reviewer', message: 'unknown staff id "nobody"' },
      { path: 'clusters[0].head', message: 'head "xa-gia-canh" is not a member of the cluster' },
      { path: 'stages.registration.opensOn', message: 'opens after its deadline (2024-03-01)' },
    ]);
  });

  test('a missing plan is one problem at the root', () => {
    expect(problemsOf(null)).toEqual([{ path: '(root)', message: 'Invalid input: expected object, received null' }]);
  });
});

describe('compilePlan', () => {
  const NOW = new Date('2024-01-15T03:00:00.000Z');
  const cycle = {
    cycleId: 'thidua:mttq-dinh-quan:2024',
    bodyId: 'mttq-dinh-quan',
    bodyName: 'Ủy ban MTTQ Việt Nam huyện Định Quán',
    year: 2024,
    timeZone: 'Asia/Ho_Chi_Minh',
  };
  // Holidays (Tết) Thu 08/02 – Wed 14/02 except the weekend. Asia/Ho_Chi_Minh is UTC+7.
  const registration = {
    opensAt: '2024-02-04T17:00:00.000Z', // Mon 05/02 00:00 local
    dueAt: '2024-03-01T10:00:00.000Z', // Fri 01/03 17:00 local
    graceEndsAt: '2024-03-05T10:00:00.000Z', // +2 working days: Mon 04/03, Tue 05/03
    reminders: [
      { n: 1, at: '2024-02-21T01:00:00.000Z', daysLeft: 7 }, // Wed 21/02: 22, 23, 26, 27, 28, 29/02, 01/03
      { n: 2, at: '2024-02-27T01:00:00.000Z', daysLeft: 3 }, // Tue 27/02: 28, 29/02, 01/03
      { n: 3, at: '2024-02-29T01:00:00.000Z', daysLeft: 1 }, // Thu 29/02
    ],
    escalations: [
      { level: 1, at: '2024-03-06T01:00:00.000Z' }, // Wed 06/03, first working day after the grace
      { level: 2, at: '2024-03-11T01:00:00.000Z' }, // +3 working days: 07, 08, (weekend) 11/03
    ],
  };
  const chuTich = (id: string, name: string, lang: 'vi' | 'en' = 'vi') => ({
    name: `Chủ tịch ${name}`,
    email: `${id}@units.test`,
    role: 'Chủ tịch',
    lang,
  });
  const an = { name: 'Nguyễn Văn An', email: 'an@mttq.test', lang: 'vi' };
  const binh = { name: 'Trần Thị Bình', email: 'binh@mttq.test', lang: 'en' };

  test('cycle ids and 2 clusters with 3 units each', () => {
    const c = compilePlan(valid(smallPlan()), NOW);
    expect(c.cycle).toEqual(cycle);
    expect(c.clusters.map((k) => [k.clusterId, k.name, k.units.map((u) => u.unitId)])).toEqual([
      ['cum-1', 'Cụm thi đua số 1', ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi']],
      ['cum-2', 'Cụm thi đua số 2', ['xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan']],
    ]);
  });

  test.each<[number, number, string, string, object, object]>([
    [0, 0, 'xa-phu-tan', 'MTTQ xã Phú Tân', an, chuTich('xa-phu-tan', 'MTTQ xã Phú Tân')],
    [0, 2, 'xa-phu-loi', 'MTTQ xã Phú Lợi', an, chuTich('xa-phu-tan', 'MTTQ xã Phú Tân')],
    [1, 0, 'xa-gia-canh', 'MTTQ xã Gia Canh', binh, chuTich('tt-dinh-quan', 'MTTQ thị trấn Định Quán')],
    [1, 2, 'tt-dinh-quan', 'MTTQ thị trấn Định Quán', binh, chuTich('tt-dinh-quan', 'MTTQ thị trấn Định Quán')],
  ])('clusters[%i].units[%i] = %s: reviewer and cluster head resolved to persons', (ci, ui, unitId, unitName, reviewer, head) => {
    const c = compilePlan(valid(smallPlan()), NOW);
    const cluster = c.clusters[ci];
    const lang = unitId === 'xa-gia-canh' ? 'en' : 'vi';
    expect(cluster.units[ui]).toEqual({
      cycle,
      clusterId: cluster.clusterId,
      clusterName: cluster.name,
      unitId,
      unitName,
      contacts: [chuTich(unitId, unitName, lang)],
      reviewer,
      clusterHead: head,
      steps: { registration },
    });
  });

  test('the registration schedule of smallPlan, worked out by hand, is the same for every unit', () => {
    const c = compilePlan(valid(smallPlan()), NOW);
    for (const u of c.clusters.flatMap((k) => k.units)) expect(u.steps.registration).toEqual(registration);
  });

  test('a plan without opensOn opens at the `now` passed in; nothing else changes', () => {
    const p = base();
    delete p.stages.registration.opensOn;
    const c = compilePlan(valid(p), NOW);
    expect(c.clusters[1].units[1].steps.registration).toEqual({ ...registration, opensAt: '2024-01-15T03:00:00.000Z' });
  });

  test('opening late drops the reminders before opensOn', () => {
    const p = base();
    p.stages.registration.opensOn = '2024-02-26';
    const r = compilePlan(valid(p), NOW).clusters[0].units[0].steps.registration!;
    expect(r.opensAt).toBe('2024-02-25T17:00:00.000Z');
    expect(r.reminders).toEqual([
      { n: 1, at: '2024-02-27T01:00:00.000Z', daysLeft: 3 },
      { n: 2, at: '2024-02-29T01:00:00.000Z', daysLeft: 1 },
    ]);
  });

  // Every Saturday from 2013 to 2035: with Saturday as the only working weekday, no working day exists.
  const allSaturdays = (() => {
    const out: string[] = [];
    for (let d = new Date('2013-01-05T00:00:00Z'); d.getUTCFullYear() < 2036; d = new Date(d.getTime() + 7 * 86_400_000)) {
      out.push(d.toISOString().slice(0, 10));
    }
    return out;
  })();

  test.each<[string, (p: Json) => void, string]>([
    [
      'a calendar without any working day',
      (p) => (p.calendar = { workingWeekdays: [6], holidays: allSaturdays }),
      'stages.registration: No working day within 3660 days of 2024-03-01: check the calendar',
    ],
    [
      'escalation offsets going backwards',
      (p) => (p.stages.registration.escalations = [3, 0]),
      'stages.registration: Escalation level 2 ({"days":0,"unit":"working"}) comes before level 1',
    ],
    [
      'opensOn on a Sunday deadline that moves back to Friday',
      (p) => Object.assign(p.stages.registration, { opensOn: '2024-03-03', deadline: '2024-03-03' }),
      'stages.registration: opensOn 2024-03-03 is after the deadline 2024-03-01',
    ],
  ])('%s passes validation but fails compilation with a PlanCompileError and its path', (_what, breakIt, message) => {
    const p = base();
    breakIt(p);
    const plan = valid(p);
    let caught: unknown;
    try {
      compilePlan(plan, NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PlanCompileError);
    expect((caught as PlanCompileError).path).toBe('stages.registration');
    expect((caught as PlanCompileError).message).toBe(message);
  });
});

describe('validatePlan: the year-end stages', () => {
  const ye = (): Json => JSON.parse(JSON.stringify(yearEndPlan(2027)));
  const messages = (p: Json) => problemsOf(p).map((x) => `${x.path}: ${x.message}`);

  test('yearEndPlan() is valid, with the award defaults filled in', () => {
    const plan = valid(ye());
    expect(plan.awards[0]).toMatchObject({ threshold: { of: 'valid-ballots', share: 0.5, strict: true }, selfVoteAllowed: false, tie: 'second-round' });
    expect(plan.stages.meeting).toMatchObject({ ballotOpens: '08:00', ballotCloses: '17:00', inviteBefore: { days: 5, unit: 'working' }, clusters: {} });
  });

  test.each<[string, (p: Json) => void, string]>([
    ['inspection without a sheet', (p) => delete p.scoring, 'stages.inspection: needs a scoring sheet (scoring)'],
    ['inspection without reports', (p) => delete p.stages.reports, 'stages.inspection: needs the reports stage (units self-score there)'],
    ['meeting without inspection', (p) => delete p.stages.inspection, 'stages.meeting: needs the inspection stage (ballots list units by class)'],
    ['proposal without a council', (p) => delete p.council, 'council: is required with the proposal stage (who decides the proposals)'],
    ['unknown council', (p) => (p.council = 'nobody'), 'council: unknown staff id "nobody"'],
    ['an award for an unknown band', (p) => (p.awards[0].eligibleBands = ['gioi']), 'awards[0].eligibleBands[0]: unknown band "gioi"'],
    ['a quota larger than the cluster', (p) => (p.awards[0].quota = 4), 'awards[0].quota: 4 is more than the 3 members of cluster "cum-1"'],
    ['two awards with one id', (p) => (p.awards[1].id = 'co-thi-dua'), 'awards[1].id: duplicate id "co-thi-dua"'],
    ['a chair tie without a leader', (p) => delete p.clusters[1].leader, 'clusters[1].leader: award "bang-khen" has a chair tie rule: the cluster needs a leader (staff id)'],
    ['an unknown leader', (p) => (p.clusters[0].leader = 'nobody'), 'clusters[0].leader: unknown staff id "nobody"'],
    ['a meeting day for an unknown cluster', (p) => (p.stages.meeting.clusters = { 'cum-9': '2027-12-04' }), 'stages.meeting.clusters.cum-9: unknown cluster id "cum-9"'],
    ['a meeting before the inspection ends', (p) => (p.stages.meeting.clusters = { 'cum-2': '2027-11-20' }), 'stages.meeting.date: a meeting on 2027-11-20 is not after the inspection deadline (2027-11-26)'],
    ['a proposal due before the last meeting', (p) => (p.stages.meeting.clusters = { 'cum-2': '2027-12-16' }), 'stages.proposal.deadline: is not after the last cluster meeting (2027-12-16)'],
    ['ballots closing before they open', (p) => (p.stages.meeting.ballotCloses = '07:00'), 'stages.meeting.ballotCloses: must be after ballotOpens (08:00)'],
    ['a bad ballot time', (p) => (p.stages.meeting.ballotOpens = '8h'), 'stages.meeting.ballotOpens: must be a local time HH:MM'],
    ['inspection due before the reports', (p) => (p.stages.inspection.deadline = '2027-11-09'), 'stages.inspection.deadline: is before the reports deadline (2027-11-10)'],
    ['awards without a meeting', (p) => (delete p.stages.meeting, delete p.stages.proposal), 'awards: awards are voted on at the meeting: add stages.meeting'],
  ])('%s', (_name, breakIt, expected) => {
    const p = ye();
    breakIt(p);
    expect(messages(p)).toContain(expected);
  });

  test('every problem is listed at once', () => {
    const p = ye();
    delete p.council;
    p.awards[0].quota = 9;
    p.awards[1].eligibleBands = ['gioi'];
    expect(messages(p).length).toBeGreaterThanOrEqual(4);
  });
});

describe("validatePlan and compilePlan: the cluster's registration steps (pact, head and deputy)", () => {
  const withSteps = (): Json => {
    const p = base();
    p.staff.push({ id: 'cb-hd', name: 'Hội đồng TĐKT', email: 'council@mttq.test' }, { id: 'cb-lead', name: 'Lê Văn Chủ Trì', email: 'lead@mttq.test' });
    p.council = 'cb-hd';
    p.clusters[0].deputy = 'xa-phu-vinh';
    p.clusters.forEach((c: Json) => (c.leader = 'cb-lead'));
    p.stages.pact = { opensOn: { after: 'registration.deadline', days: 1 }, deadline: '2024-03-15' };
    p.stages.heads = { deadline: '2024-02-23', approver: 'leader' };
    return p;
  };
  const messages = (p: Json) => problemsOf(p).map((x) => `${x.path}: ${x.message}`);

  test.each<[string, (p: Json) => void, string]>([
    ['a council approver without a council', (p) => delete p.council, 'stages.pact.approver: is "council": the plan needs a council (staff id), or write approver: leader'],
    ['a leader approver without a leader', (p) => delete p.clusters[1].leader, 'clusters[1].leader: stages.heads is approved by the leader: the cluster needs a leader (staff id)'],
    ['an unknown approver kind', (p) => (p.stages.heads.approver = 'chair'), 'stages.heads.approver: Invalid option: expected one of "council"|"leader"'],
    ['a pact date relative to an unknown stage', (p) => (p.stages.pact.opensOn = { after: 'signing.deadline', days: 1 }), 'stages.pact.opensOn.after: unknown date "signing.deadline"'],
  ])('%s', (_name, breakIt, expected) => {
    const p = withSteps();
    breakIt(p);
    expect(messages(p)).toContain(expected);
  });

  test('each cluster gets its steps: the head sends them, the council or the leader approves; the form starts from the named pair', () => {
    const plan = valid(withSteps());
    // Registration is due Friday 01/03/2024: the pact opens the next working day, Monday 04/03.
    expect(plan.stages.pact).toMatchObject({ opensOn: '2024-03-04', approver: 'council' });
    const [c1, c2] = compilePlan(plan, new Date('2024-01-15T00:00:00Z')).clusters;
    expect(c1.clusterSteps?.['pact-signing']).toMatchObject({
      submitter: { email: 'xa-phu-tan@units.test' },
      approver: { email: 'council@mttq.test' },
      schedule: { opensAt: '2024-03-03T17:00:00.000Z', dueAt: '2024-03-15T10:00:00.000Z' },
    });
    expect(c1.clusterSteps?.['heads-confirmation']).toMatchObject({
      approver: { email: 'lead@mttq.test' },
      prefill: { head: 'MTTQ xã Phú Tân – Chủ tịch MTTQ xã Phú Tân', deputy: 'MTTQ xã Phú Vinh – Chủ tịch MTTQ xã Phú Vinh' },
    });
    expect(c2.clusterSteps?.['heads-confirmation']?.prefill).toEqual({ head: 'MTTQ thị trấn Định Quán – Chủ tịch MTTQ thị trấn Định Quán' });
    // No unit runs them: they are the cluster's.
    expect(Object.keys(c1.units[0].steps)).toEqual(['registration']);
  });

  test('a plan without them compiles as before (no clusterSteps key)', () => {
    expect(compilePlan(valid(base()), new Date('2024-01-15T00:00:00Z')).clusters[0]).not.toHaveProperty('clusterSteps');
  });
});

describe("compilePlan: dates relative to the meeting follow each cluster's own meeting day", () => {
  const ye = (): Json => JSON.parse(JSON.stringify(yearEndPlan(2027)));
  // Plan meeting Friday 03/12/2027; cum-2 meets Thursday 09/12. Deadlines end 17:00 local (10:00 UTC).
  test.each<[string, (p: Json) => void, { cum1: string; cum2: string }]>([
    ['proposal 1 working day after the meeting', (p) => (p.stages.proposal.deadline = { after: 'meeting', days: 1 }), { cum1: '2027-12-06', cum2: '2027-12-10' }],
    ['proposal 3 calendar days after', (p) => (p.stages.proposal.deadline = { after: 'meeting', days: 3, unit: 'calendar' }), { cum1: '2027-12-06', cum2: '2027-12-10' }],
    ['an absolute proposal deadline does not move', () => undefined, { cum1: '2027-12-15', cum2: '2027-12-15' }],
    [
      'a chain: proposal 2 working days after the inspection deadline, itself 3 before the meeting',
      (p) => {
        p.stages.inspection.deadline = { before: 'meeting', days: 3 };
        p.stages.proposal.deadline = { after: 'inspection.deadline', days: 8 };
        p.stages.inspection.timetable = [];
      },
      // cum-1: inspection due Tue 30/11, proposal Fri 10/12; cum-2: inspection Mon 06/12, proposal Thu 16/12.
      { cum1: '2027-12-10', cum2: '2027-12-16' },
    ],
  ])('%s', (_name, change, expected) => {
    const p = ye();
    change(p);
    p.stages.meeting.clusters = { 'cum-2': '2027-12-09' };
    const [c1, c2] = compilePlan(valid(p), new Date('2027-01-15T00:00:00Z')).clusters;
    expect([c1.yearEnd!.proposal!.schedule.dueAt, c2.yearEnd!.proposal!.schedule.dueAt]).toEqual([`${expected.cum1}T10:00:00.000Z`, `${expected.cum2}T10:00:00.000Z`]);
  });

  test("a unit step relative to the meeting: each cluster's units get their own deadline", () => {
    const p = ye();
    p.stages.reports.deadline = { before: 'meeting', days: 10 };
    p.stages.inspection = { ...p.stages.inspection, opensOn: { after: 'reports.deadline', days: 1 }, deadline: { before: 'meeting', days: 2 }, timetable: [] };
    p.stages.meeting.clusters = { 'cum-2': '2027-12-09' };
    const [c1, c2] = compilePlan(valid(p), new Date('2027-01-15T00:00:00Z')).clusters;
    // 10 working days before Fri 03/12 is Fri 19/11; before Thu 09/12, Thu 25/11.
    expect(c1.units[0].steps['summary-report']!.dueAt).toBe('2027-11-19T10:00:00.000Z');
    expect(c2.units[0].steps['summary-report']!.dueAt).toBe('2027-11-25T10:00:00.000Z');
    expect([c1.yearEnd!.inspection.dueAt, c2.yearEnd!.inspection.dueAt]).toEqual(['2027-12-01T10:00:00.000Z', '2027-12-07T10:00:00.000Z']);
    // The registration (absolute) is the same everywhere.
    expect(c1.units[0].steps.registration).toEqual(c2.units[0].steps.registration);
  });
});

describe('validatePlan and compilePlan: evidence checklists', () => {
  const ye = (): Json => JSON.parse(JSON.stringify(yearEndPlan(2027)));
  const messages = (p: Json) => problemsOf(p).map((x) => `${x.path}: ${x.message}`);

  test.each<[string, (p: Json) => void, string]>([
    ['two items with one id', (p) => (p.stages.reports.checklist = [{ id: 'a', label: 'A' }, { id: 'a', label: 'B' }]), 'stages.reports.checklist[1].id: duplicate id "a"'],
    ['an item for a step of another stage', (p) => (p.stages.reports.checklist = [{ id: 'a', label: 'A', steps: ['registration'] }]), 'stages.reports.checklist[0].steps[0]: "registration" is not a step of reports (summary-report, self-scoring, exemplars-report)'],
    ['a checklist on the inspection', (p) => (p.stages.inspection.checklist = [{ id: 'a', label: 'A' }]), 'stages.inspection.checklist: the inspection has no submission to check: put the checklist on the stage units send (e.g. reports)'],
    ['an item without a label', (p) => (p.stages.registration.checklist = [{ id: 'a' }]), 'stages.registration.checklist[0].label: Invalid input: expected string, received undefined'],
  ])('%s', (_name, breakIt, expected) => {
    const p = ye();
    breakIt(p);
    expect(messages(p)).toContain(expected);
  });

  test("each step gets the stage's items that apply to it; required by default, English label falling back to Vietnamese", () => {
    const p = ye();
    p.stages.reports.checklist = [
      { id: 'bao-cao', label: 'Báo cáo có chữ ký', labelEn: 'Signed report' },
      { id: 'minh-chung', label: 'Minh chứng chấm điểm', steps: ['self-scoring'], required: false },
    ];
    p.stages.proposal.checklist = [{ id: 'bien-ban', label: 'Biên bản hội nghị' }];
    const [c1] = compilePlan(valid(p), new Date('2027-01-15T00:00:00Z')).clusters;
    const signed = { id: 'bao-cao', label: { vi: 'Báo cáo có chữ ký', en: 'Signed report' }, required: true };
    expect(c1.units[0].checklists).toEqual({
      'summary-report': [signed],
      'self-scoring': [signed, { id: 'minh-chung', label: { vi: 'Minh chứng chấm điểm', en: 'Minh chứng chấm điểm' }, required: false }],
      'exemplars-report': [signed],
    });
    expect(c1.yearEnd?.proposal?.checklist).toEqual([{ id: 'bien-ban', label: { vi: 'Biên bản hội nghị', en: 'Biên bản hội nghị' }, required: true }]);
    // Without checklists the inputs carry no key at all.
    expect(compilePlan(valid(ye()), new Date('2027-01-15T00:00:00Z')).clusters[0].units[0]).not.toHaveProperty('checklists');
  });
});

describe('compilePlan: the year-end', () => {
  test("each cluster's year-end input: members with their delegate and inspector, the meeting's instants, the council", () => {
    const plan = valid({ ...yearEndPlan(2027), stages: { ...yearEndPlan(2027).stages, meeting: { date: '2027-12-03', clusters: { 'cum-2': '2027-12-06' } } } });
    const compiled = compilePlan(plan, new Date('2027-01-01T00:00:00Z'));
    const [c1, c2] = compiled.clusters.map((c) => c.yearEnd!);
    expect(c1.members.map((m) => [m.unitId, m.delegate.email, m.inspector.email])).toEqual([
      ['xa-phu-tan', 'xa-phu-tan@units.test', 'an@mttq.test'],
      ['xa-phu-vinh', 'xa-phu-vinh@units.test', 'an@mttq.test'],
      ['xa-phu-loi', 'xa-phu-loi@units.test', 'an@mttq.test'],
    ]);
    // Fri 03/12 08:00–17:00 local; invitation 5 working days before (Fri 26/11), 08:00.
    expect(c1.meeting).toMatchObject({ date: '2027-12-03', opensAt: '2027-12-03T01:00:00.000Z', closesAt: '2027-12-03T10:00:00.000Z', inviteAt: '2027-11-26T01:00:00.000Z' });
    // cum-2 meets on its own day (Mon 06/12), invited Mon 29/11.
    expect(c2.meeting).toMatchObject({ date: '2027-12-06', opensAt: '2027-12-06T01:00:00.000Z', inviteAt: '2027-11-29T01:00:00.000Z' });
    expect(c1.inspection.dueAt).toBe('2027-11-26T10:00:00.000Z');
    expect(c1.proposal?.council.email).toBe('council@mttq.test');
    expect(c1.chair?.email).toBe('lead@mttq.test');
    // Self-scoring joins the reports stage only when the plan has a sheet.
    expect(Object.keys(compiled.clusters[0].units[0].steps)).toContain('self-scoring');
    const noSheet = compilePlan(valid(smallPlan({ stages: { registration: smallPlan().stages.registration, reports: { deadline: '2024-11-10' } } })), new Date('2024-01-01T00:00:00Z'));
    expect(Object.keys(noSheet.clusters[0].units[0].steps)).not.toContain('self-scoring');
    expect(noSheet.clusters[0].yearEnd).toBeUndefined();
  });
});

describe('validatePlan and compilePlan: relative stage dates', () => {
  const ye = (): Json => JSON.parse(JSON.stringify(yearEndPlan(2027)));
  const messages = (p: Json) => problemsOf(p).map((x) => `${x.path}: ${x.message}`);
  /**
   * 2027, no holidays; the meeting Friday 03/12. Reports 15 working days before the meeting (Fri
   * 12/11); the inspection opens 4 calendar days after the reports deadline (Tue 16/11) and ends 5
   * working days before the meeting (Fri 26/11: "báo cáo gửi trước hội nghị 5 ngày làm việc"); the
   * proposal is due 1 working day after the meeting (Mon 06/12: "đề nghị khen thưởng 1 ngày sau hội nghị").
   */
  const relative = (): Json => {
    const p = ye();
    p.stages.reports.deadline = { before: 'meeting', days: 15 };
    p.stages.inspection.opensOn = { after: 'reports.deadline', days: 4, unit: 'calendar' };
    p.stages.inspection.deadline = { before: 'meeting', days: 5 };
    p.stages.proposal.deadline = { after: 'meeting', days: 1 };
    return p;
  };

  test('relative dates are resolved on the calendar; the rule is kept beside the date', () => {
    const plan = valid(relative());
    expect(plan.stages.reports).toMatchObject({ opensOn: '2027-10-01', deadline: '2027-11-12', deadlineRule: { before: 'meeting', days: 15, unit: 'working' } });
    expect(plan.stages.reports).not.toHaveProperty('opensOnRule');
    expect(plan.stages.inspection).toMatchObject({
      opensOn: '2027-11-16',
      deadline: '2027-11-26',
      opensOnRule: { after: 'reports.deadline', days: 4, unit: 'calendar' },
      deadlineRule: { before: 'meeting', days: 5, unit: 'working' },
    });
    expect(plan.stages.proposal).toMatchObject({ opensOn: '2027-12-03', deadline: '2027-12-06', deadlineRule: { after: 'meeting', days: 1, unit: 'working' } });
    // Absolute dates carry no rule.
    expect(plan.stages.registration).not.toHaveProperty('deadlineRule');
  });

  test('a plan with relative dates compiles to 17:00 local on the resolved days', () => {
    const compiled = compilePlan(valid(relative()), new Date('2027-01-01T00:00:00Z'));
    const unit = compiled.clusters[0].units[0];
    // Asia/Ho_Chi_Minh is UTC+7: 17:00 local is 10:00Z, 00:00 local is 17:00Z the day before.
    for (const step of ['summary-report', 'exemplars-report', 'self-scoring'] as const) expect(unit.steps[step]?.dueAt).toBe('2027-11-12T10:00:00.000Z');
    const ye1 = compiled.clusters[0].yearEnd!;
    expect(ye1.inspection.opensAt).toBe('2027-11-15T17:00:00.000Z');
    expect(ye1.inspection.dueAt).toBe('2027-11-26T10:00:00.000Z');
    expect(ye1.proposal?.schedule.dueAt).toBe('2027-12-06T10:00:00.000Z');
    // The same plan written with the resolved dates compiles to the same instants.
    const p = ye();
    Object.assign(p.stages.reports, { deadline: '2027-11-12' });
    Object.assign(p.stages.inspection, { opensOn: '2027-11-16', deadline: '2027-11-26' });
    Object.assign(p.stages.proposal, { deadline: '2027-12-06' });
    expect(compilePlan(valid(p), new Date('2027-01-01T00:00:00Z'))).toEqual(compiled);
  });

  test.each<[string, (p: Json) => void, string[]]>([
    ['an unknown stage reference', (p) => (p.stages.proposal.deadline = { after: 'meetng', days: 1 }), ['stages.proposal.deadline.after: unknown date "meetng"']],
    [
      'a reference to a stage the plan does not have',
      (p) => {
        delete p.stages.midYear;
        p.stages.reports.opensOn = { after: 'midYear.deadline', days: 30, unit: 'calendar' };
      },
      ['stages.reports.opensOn.after: "midYear.deadline": the plan has no stages.midYear'],
    ],
    [
      'a relative date that loops',
      (p) => {
        p.stages.reports.deadline = { before: 'inspection.deadline', days: 10 };
        p.stages.inspection.deadline = { after: 'reports.deadline', days: 10 };
      },
      ['stages.reports.deadline: relative dates loop: reports.deadline → inspection.deadline → reports.deadline'],
    ],
    [
      'a relative date without its days',
      (p) => (p.stages.proposal.deadline = { after: 'meeting' }),
      ['stages.proposal.deadline: must be a date YYYY-MM-DD, or { before: <date>, days: N } or { after: <date>, days: N } with an optional unit (working or calendar)'],
    ],
    [
      'both before and after',
      (p) => (p.stages.proposal.deadline = { before: 'meeting', after: 'meeting', days: 1 }),
      ['stages.proposal.deadline: must be a date YYYY-MM-DD, or { before: <date>, days: N } or { after: <date>, days: N } with an optional unit (working or calendar)'],
    ],
    ['a negative offset', (p) => (p.stages.proposal.deadline = { after: 'meeting', days: -1 }), ['stages.proposal.deadline.days: Too small: expected number to be >=0']],
    // The existing date checks see the resolved dates.
    ['a proposal due on the meeting day (0 days after)', (p) => (p.stages.proposal.deadline = { after: 'meeting', days: 0 }), ['stages.proposal.deadline: is not after the last cluster meeting (2027-12-03)']],
    [
      // A cluster's own day moves its relative dates: its proposal is then due after its meeting, but an
      // absolute deadline is not.
      'an absolute proposal deadline before a cluster meeting',
      (p) => (p.stages.meeting.clusters = { 'cum-2': '2027-12-16' }),
      ['stages.proposal.deadline: is not after the last cluster meeting (2027-12-16)'],
    ],
    [
      'a cluster meeting day that puts its relative inspection deadline after its reports one',
      (p) => {
        p.stages.inspection.deadline = { before: 'meeting', days: 5 };
        p.stages.inspection.timetable = [];
        p.stages.meeting.clusters = { 'cum-2': '2027-11-12' };
      },
      [
        'stages.inspection.opensOn: opens after its deadline (2027-11-05) for the meeting of cum-2 on 2027-11-12',
        'stages.inspection.deadline: is before the reports deadline (2027-11-10) for the meeting of cum-2 on 2027-11-12',
      ],
    ],
    [
      'an opening day resolved after its deadline',
      (p) => (p.stages.registration.opensOn = { after: 'registration.deadline', days: 1 }),
      ['stages.registration.opensOn: opens after its deadline (2027-02-26)'],
    ],
    [
      'an inspection ending before the reports',
      (p) => (p.stages.inspection.deadline = { before: 'reports.deadline', days: 1 }),
      [
        'stages.inspection.opensOn: opens after its deadline (2027-11-09)',
        'stages.inspection.timetable[0].date: is after the inspection deadline (2027-11-09)',
        'stages.inspection.timetable[1].date: is after the inspection deadline (2027-11-09)',
        'stages.inspection.deadline: is before the reports deadline (2027-11-10)',
      ],
    ],
  ])('%s', (_name, breakIt, expected) => {
    const p = ye();
    breakIt(p);
    expect(messages(p)).toEqual(expected);
  });

  test('every problem at once: the relative dates with the rest of the plan', () => {
    const p = ye();
    p.year = 1999;
    p.units[1].reviewer = 'nobody';
    p.stages.proposal.deadline = { after: 'meetng', days: 1 };
    p.stages.reports.deadline = { before: 'inspection.deadline', days: 10 };
    p.stages.inspection.deadline = { after: 'reports.deadline', days: 10 };
    p.stages.registration.opensOn = { after: 'registration.deadline', days: 3 };
    expect(messages(p)).toEqual([
      'year: Too small: expected number to be >=2000',
      'stages.reports.deadline: relative dates loop: reports.deadline → inspection.deadline → reports.deadline',
      'stages.proposal.deadline.after: unknown date "meetng"',
      'units[1].reviewer: unknown staff id "nobody"',
      'stages.registration.opensOn: opens after its deadline (2027-02-26)',
    ]);
  });
});

describe('validatePlan: one-time codes and the meeting quorum', () => {
  const ye = (): Json => JSON.parse(JSON.stringify(yearEndPlan(2027)));
  const messages = (p: Json) => {
    const r = validatePlan(p);
    return r.ok ? [] : r.problems.map((x) => `${x.path}: ${x.message}`);
  };

  test.each<[string, (p: Json) => void, string[]]>([
    ['both decisions', (p) => (p.security = { oneTimeCode: ['council-decision', 'ballot'] }), []],
    ['none', (p) => (p.security = { oneTimeCode: [] }), []],
    ['an unknown decision', (p) => (p.security = { oneTimeCode: ['registration'] }), ['security.oneTimeCode[0]: Invalid option: expected one of "council-decision"|"ballot"']],
    ['listed twice', (p) => (p.security = { oneTimeCode: ['ballot', 'ballot'] }), ['security.oneTimeCode[1]: "ballot" is listed twice']],
    [
      'a council decision without the proposal stage',
      (p) => {
        delete p.stages.proposal;
        p.security = { oneTimeCode: ['council-decision'] };
      },
      ['security.oneTimeCode[0]: council-decision needs the proposal stage (where the council decides)'],
    ],
    ['a quorum of half, proxies allowed', (p) => (p.stages.meeting.quorum = { share: 0.5, proxies: true }), []],
    ['a quorum of everyone', (p) => (p.stages.meeting.quorum = { share: 1 }), []],
    ['a quorum of 0', (p) => (p.stages.meeting.quorum = { share: 0 }), ['stages.meeting.quorum.share: must be more than 0']],
    ['a quorum over 1', (p) => (p.stages.meeting.quorum = { share: 1.5 }), ['stages.meeting.quorum.share: must be at most 1']],
    ['a quorum without its share', (p) => (p.stages.meeting.quorum = { proxies: true }), ['stages.meeting.quorum.share: Invalid input: expected number, received undefined']],
  ])('%s', (_name, change, expected) => {
    const p = ye();
    change(p);
    expect(messages(p)).toEqual(expected);
  });

  test('a ballot code needs awards to vote on', () => {
    const p = base();
    p.security = { oneTimeCode: ['ballot'] };
    expect(problemsOf(p)).toEqual([{ path: 'security.oneTimeCode[0]', message: 'ballot needs awards to vote on' }]);
  });

  test('the defaults: no codes, proxies not allowed', () => {
    const p = ye();
    p.security = {};
    p.stages.meeting.quorum = { share: 0.5 };
    const r = validatePlan(p);
    expect(r.ok && r.plan.security).toEqual({ oneTimeCode: [] });
    expect(r.ok && r.plan.stages.meeting?.quorum).toEqual({ share: 0.5, proxies: false });
  });
});
