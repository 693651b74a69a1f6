/** Every plan shipped in config/plans/ validates and compiles: the examples in the README must work. */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { votesNeeded } from '../../rules/ballot';
import { addWorkingDays, isWorkingDay } from '../../rules/calendar';
import { calendarOf, compilePlan, type CompiledPlan } from '../../rules/compile';
import { validatePlan, type Plan } from '../../rules/plan';

const dir = path.resolve(__dirname, '../../config/plans');
const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
const NOW = new Date('2027-01-04T00:00:00Z');

const raw = (file: string): unknown => parse(fs.readFileSync(path.join(dir, file), 'utf8'));

function load(file: string): { plan: Plan; compiled: CompiledPlan } {
  const r = validatePlan(raw(file));
  if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
  return { plan: r.plan, compiled: compilePlan(r.plan, NOW) };
}

/**
 * Keys of the file that the schema dropped: zod strips unknown keys, so a typo ("escalation:") or
 * an unquoted comma inside a `{ … }` mapping (`name: Giám sát, phản biện` becomes two keys) would
 * otherwise pass unnoticed.
 */
function droppedKeys(input: unknown, parsed: unknown, at = ''): string[] {
  if (Array.isArray(input) && Array.isArray(parsed)) return input.flatMap((x, i) => droppedKeys(x, parsed[i], `${at}[${i}]`));
  if (!input || typeof input !== 'object' || !parsed || typeof parsed !== 'object') return [];
  return Object.entries(input).flatMap(([k, v]) => {
    const p = `${at ? `${at}.` : ''}${k}`;
    return k in parsed ? droppedKeys(v, (parsed as Record<string, unknown>)[k], p) : [p];
  });
}

test('there are example plans: the registration walk-through and one per seed plan', () => {
  expect(files).toEqual(expect.arrayContaining(['example-registration.yaml', 'mttq-nghe-an-2023.yaml', 'mttq-trung-uong-2021.yaml', 'mttq-dinh-quan-2024.yaml']));
});

test.each(files)('%s is a valid plan', (file) => {
  const r = validatePlan(raw(file));
  if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
  const compiled = compilePlan(r.plan, NOW);
  expect(compiled.clusters.flatMap((c) => c.units).length).toBe(r.plan.clusters.reduce((n, c) => n + c.members.length, 0));
});

test.each(files)('%s has no key the schema ignores', (file) => {
  const r = validatePlan(raw(file));
  if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
  expect(droppedKeys(raw(file), r.plan)).toEqual([]);
});

const seedPlans = files.filter((f) => f !== 'example-registration.yaml');

test.each(seedPlans)('%s runs the whole year-end in every cluster, on working days of its own year', (file) => {
  const { plan, compiled } = load(file);
  const cal = calendarOf(plan);
  expect(fs.readFileSync(path.join(dir, file), 'utf8')).toMatch(/^# Modelled on shared\/seeds\/\d+/);
  // Individual nominations are an extra stage where the seed has individual awards (Định Quán).
  expect(Object.keys(plan.stages).filter((s) => s !== 'nominations').sort()).toEqual(['inspection', 'meeting', 'midYear', 'proposal', 'registration', 'reports']);
  expect(plan.calendar.holidays.length).toBeGreaterThan(5);
  expect(plan.calendar.holidays.every((d) => d.startsWith(`${plan.year}-`))).toBe(true);
  expect(plan.council).toBeDefined();
  for (const c of compiled.clusters) {
    const ye = c.yearEnd!;
    expect(ye.meeting).toBeDefined();
    expect(ye.proposal?.council.email).toMatch(/\.example$/);
    expect(isWorkingDay(ye.meeting!.date, cal)).toBe(true);
    expect(ye.meeting!.date.startsWith(`${plan.year}-`)).toBe(true);
  }
  for (const u of plan.units) for (const p of u.contacts) expect(p.email).toMatch(/\.example$/);
});

test('Nghệ An 2023 (seed 000): 21 district units in 4 clusters, reports before 10/11, meetings in November', () => {
  const { plan, compiled } = load('mttq-nghe-an-2023.yaml');
  const cal = calendarOf(plan);
  expect(plan.year).toBe(2023);
  expect(plan.body.name).toBe('Ủy ban MTTQ Việt Nam tỉnh Nghệ An');
  expect(compiled.clusters).toHaveLength(4);
  expect(plan.units).toHaveLength(21);
  expect(plan.units.map((u) => u.name)).toEqual(expect.arrayContaining(['Ủy ban MTTQ Việt Nam thành phố Vinh', 'Ủy ban MTTQ Việt Nam huyện Kỳ Sơn']));
  // "chậm nhất trước ngày 10/11/2023": due Thursday 09/11 at 17:00 local.
  expect(compiled.clusters[0].units[0].steps['summary-report']!.dueAt).toBe('2023-11-09T10:00:00.000Z');
  expect(compiled.clusters[0].units[0].steps['self-scoring']!.dueAt).toBe('2023-11-09T10:00:00.000Z');
  const meetings = compiled.clusters.map((c) => c.yearEnd!.meeting!.date);
  expect(meetings).toEqual(['2023-11-23', '2023-11-24', '2023-11-28', '2023-11-30']);
  // Staff report their scores and classes 5 days before the (first) meeting.
  expect(addWorkingDays(plan.stages.inspection!.deadline, 5, cal)).toBe('2023-11-23');
  // Results to Ban TC-TG one day after the meeting: one working day after the last one.
  expect(addWorkingDays('2023-11-30', 1, cal)).toBe(plan.stages.proposal!.deadline);
  expect(compiled.clusters.every((c) => c.yearEnd!.chair?.email.startsWith('pct'))).toBe(true);
  const [flag, merit] = plan.awards;
  expect(flag).toMatchObject({ name: 'Cờ thi đua của Ủy ban MTTQ Việt Nam tỉnh Nghệ An', quota: 1, eligibleBands: ['xuat-sac'], tie: 'second-round' });
  expect(merit).toMatchObject({ quota: 2, threshold: { of: 'members', share: 0.5, strict: true }, tie: 'chair' });
  expect(plan.document?.signer).toEqual({ onBehalf: 'TM.', onBehalfOf: 'BAN THƯỜNG TRỰC', title: 'PHÓ CHỦ TỊCH', name: 'Trương Thiết Hùng' });
});

test('Central committee 2021 (seed 001): 63 provinces in 9 clusters, a 90-point sheet, meetings 25/11–10/12, results before 15/12', () => {
  const { plan, compiled } = load('mttq-trung-uong-2021.yaml');
  expect(plan.year).toBe(2021);
  expect(plan.body.name).toBe('Ủy ban Trung ương MTTQ Việt Nam');
  expect(compiled.clusters).toHaveLength(9);
  expect(plan.units).toHaveLength(63);
  expect(new Set(plan.units.map((u) => u.name)).size).toBe(63);
  // "trước ngày 18/11/2021": Wednesday 17/11, 17:00 local.
  expect(compiled.clusters[0].units[0].steps['self-scoring']!.dueAt).toBe('2021-11-17T10:00:00.000Z');
  const ye = compiled.clusters.map((c) => c.yearEnd!);
  expect(ye[0].inspection.opensAt).toBe('2021-11-24T17:00:00.000Z'); // 00:00 local on 25/11
  for (const y of ye) {
    expect(y.meeting!.date >= '2021-11-25' && y.meeting!.date < '2021-12-10').toBe(true);
    expect(Date.parse(y.proposal!.schedule.dueAt)).toBeLessThan(Date.parse('2021-12-15T00:00:00+07:00'));
  }
  expect(ye[1].meeting).toMatchObject({ date: '2021-12-02', opensAt: '2021-12-02T07:00:00.000Z', closesAt: '2021-12-02T09:30:00.000Z' });
  const sheet = plan.scoring!.sheet;
  expect(sheet.groups.flatMap((g) => g.criteria).reduce((n, c) => n + c.max, 0)).toBe(90);
  expect(sheet.bonusCap).toBe(10);
  // The flag needs two thirds of the cluster's members: 8 of the 12 in the Mekong delta cluster.
  const flag = plan.awards.find((a) => a.id === 'co-thi-dua')!;
  expect(flag.quota).toBe(1);
  expect(votesNeeded(flag.threshold, compiled.clusters[8].units.length)).toBe(8);
});

test('Định Quán 2024 (seed 003): 14 communes in 2 clusters, stages in their quarters, plan number 109', () => {
  const { plan, compiled } = load('mttq-dinh-quan-2024.yaml');
  expect(plan.year).toBe(2024);
  expect(compiled.clusters.map((c) => c.units.length)).toEqual([7, 7]);
  expect(plan.units.filter((u) => u.name.includes(' xã '))).toHaveLength(13);
  expect(plan.document).toMatchObject({ number: '109', symbol: 'KH-MTTQ-BTT', signer: { name: 'Dương Thị Kim Phú' } });
  const quarter = (date: string) => Math.ceil(Number(date.slice(5, 7)) / 3);
  const s = plan.stages;
  expect([s.registration, s.midYear!, s.reports!, s.inspection!, s.proposal!].map((x) => quarter(x.deadline))).toEqual([1, 2, 4, 4, 4]);
  const [c1, c2] = compiled.clusters.map((c) => c.yearEnd!);
  expect(c1.meeting!.date).toBe('2024-12-05');
  expect(c2.meeting!.date).toBe('2024-12-06');
  // Invitations 7 calendar days before, at 08:00 local.
  expect(c2.meeting!.inviteAt).toBe('2024-11-29T01:00:00.000Z');
  expect(plan.awards.map((a) => [a.id, a.quota])).toEqual([['co-thi-dua', 1], ['bang-khen', 1], ['giay-khen', 2]]);
  expect(plan.awards[2].threshold).toEqual({ of: 'valid-ballots', share: 0.5, strict: true });
  // "Hướng dẫn xét chọn, đề nghị tặng Kỷ niệm chương … và hoàn chỉnh hồ sơ gửi tỉnh" (quarter I): the communes
  // nominate, the council forwards the Kỷ niệm chương to the province, whose cycle is derived from body.parent.
  expect(quarter(s.nominations!.deadline)).toBe(1);
  expect(plan.individualAwards.map((a) => [a.id, a.decidedBy])).toEqual([['ky-niem-chuong', 'parent'], ['giay-khen-ca-nhan', 'council']]);
  expect(compiled.clusters[0].units[0].steps.nominations!.dueAt).toBe('2024-03-29T10:00:00.000Z');
  expect(compiled.clusters[1].nominations).toMatchObject({ council: { email: 'hdtdkt@mttqdinhquan.example' }, forwardTo: { cycleId: 'thidua:mttq-dong-nai:2024' } });
  expect(compiled.clusters[1].nominations!.members).toHaveLength(7);
  // Giỗ Tổ 18/4 is a holiday and Saturday 4/5 a make-up working day.
  expect(isWorkingDay('2024-04-18', calendarOf(plan))).toBe(false);
  expect(isWorkingDay('2024-05-04', calendarOf(plan))).toBe(true);
});
