/**
 * `thidua simulate` on a plan with individual awards: the simulated units nominate persons (within each
 * title's per-unit quota) in their nominations step, their followers verify the lists, and each
 * cluster's list goes to the council once every member's list is in or the stage's grace has ended;
 * the simulated council decides every nomination (a later list too) within the cluster quotas, by seed.
 */
import { simulate } from '../../simulation/run';
import { marchDays, smallPlan } from '../helpers/plans';

test('simulated units nominate persons within quotas; the council decides every list, again with the same seed', async () => {
  const year = new Date().getUTCFullYear() + 1;
  const { day } = marchDays(year);
  const base = smallPlan();
  const quiet = { reminders: [], escalations: [] };
  const plan = smallPlan({
    year,
    calendar: { holidays: [] },
    body: { ...base.body, id: 'mttq-mo-phong-ca-nhan' },
    staff: [...base.staff, { id: 'cb-hd', name: 'Hội đồng TĐKT', email: 'council@mttq.test' }],
    council: 'cb-hd',
    individualAwards: [
      { id: 'ky-niem-chuong', name: 'Kỷ niệm chương "Vì sự nghiệp Đại đoàn kết dân tộc"', criteria: 'Cán bộ Mặt trận từ 10 năm trở lên', quota: { perUnit: 2, perCluster: 3 } },
      { id: 'giay-khen-ca-nhan', name: 'Giấy khen (cá nhân)', criteria: 'Thành tích xuất sắc trong năm' },
    ],
    stages: {
      registration: { opensOn: day(0), deadline: day(18), ...quiet },
      nominations: { opensOn: day(0), deadline: day(18), ...quiet },
    },
  });
  const s = await simulate({
    plan,
    seed: 3,
    policies: { 'xa-phu-tan': 'on-time', 'xa-phu-vinh': 'returned-once', 'xa-phu-loi': 'never', 'xa-gia-canh': 'late', 'xa-ngoc-dinh': 'on-time', 'tt-dinh-quan': 'on-time' },
  });
  const nominating = ['xa-phu-tan', 'xa-phu-vinh', 'xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan'];
  for (const u of nominating) expect(s.units.find((x) => x.unitId === u)!.steps.nominations).toMatchObject({ status: 'approved' });
  expect(s.units.find((x) => x.unitId === 'xa-phu-loi')!.steps.nominations).toMatchObject({ status: 'open' });

  expect(s.nominations.map((n) => n.clusterId)).toEqual(['cum-1', 'cum-2']);
  const [cum1, cum2] = s.nominations;
  // Both lists went to the council when the grace ended (Phú Lợi never answers; Gia Canh is late):
  // Gia Canh's list was added afterwards.
  expect(cum1.received).toEqual(['xa-phu-tan', 'xa-phu-vinh']);
  expect(cum2.received).toEqual(['tt-dinh-quan', 'xa-gia-canh', 'xa-ngoc-dinh']);
  // Every list ends decided, the late one too, and the summary's counts are its items' decisions.
  for (const n of s.nominations) {
    expect(n.phase).toBe('decided');
    expect(n.sentAt).toBeDefined();
    const counted: Record<string, number> = {};
    for (const x of n.items) counted[x.decision!] = (counted[x.decision!] ?? 0) + 1;
    expect(n.decisions).toEqual(counted);
    expect(Object.values(n.decisions).reduce((a, b) => a + b, 0)).toBe(n.items.length);
    expect(n.decisions.pending).toBeUndefined();
    // The plan names no parent body: nothing is forwarded; the medal's cluster quota (3) holds.
    expect(n.decisions.forward).toBeUndefined();
    expect(n.items.filter((x) => x.titleId === 'ky-niem-chuong' && x.decision === 'approve').length).toBeLessThanOrEqual(3);
  }
  const items = s.nominations.flatMap((n) => n.items);
  for (const u of nominating) {
    const mine = items.filter((x) => x.unitId === u);
    // One or two persons for the medal (per-unit quota 2), one for the title without a quota.
    const medal = mine.filter((x) => x.titleId === 'ky-niem-chuong');
    expect(medal.length).toBeGreaterThanOrEqual(1);
    expect(medal.length).toBeLessThanOrEqual(2);
    expect(new Set(medal.map((x) => x.name)).size).toBe(medal.length);
    expect(mine.filter((x) => x.titleId === 'giay-khen-ca-nhan')).toHaveLength(1);
    expect(mine.every((x) => x.name.startsWith('(mô phỏng) ') && ['approve', 'refuse'].includes(x.decision!))).toBe(true);
  }
  expect(items.some((x) => x.unitId === 'xa-phu-loi')).toBe(false);
  // The council is asked once per cluster, with its link, and again for Gia Canh's late list.
  expect(s.emails.byKind['nominations.council']).toBe(3);
  expect(s.emails.byRecipient['council@mttq.test']).toBe(3);
  // Each unit is told the decisions on its nominations, once per decision: Gia Canh's list came after
  // cluster 2's first decision, so it is decided (and told) on its own.
  expect(s.emails.byKind['nominations.decision']).toBe(nominating.length);

  // The same seed decides the same way.
  const again = await simulate({
    plan,
    seed: 3,
    policies: { 'xa-phu-tan': 'on-time', 'xa-phu-vinh': 'returned-once', 'xa-phu-loi': 'never', 'xa-gia-canh': 'late', 'xa-ngoc-dinh': 'on-time', 'tt-dinh-quan': 'on-time' },
  });
  // The same persons are nominated and every list is decided again. Which decision each gets may
  // differ: on a busy machine a unit's list can reach the cluster after the council's 09:00 round in
  // one run and before it in another, and the council draws in the order it decides. The drawing
  // itself is reproducible and independent of the lists' order (test/simulation/council-decisions.test.ts).
  const nominated = (r: typeof s) => r.nominations.map((n) => n.items.map((x) => x.id).sort());
  expect(nominated(again)).toEqual(nominated(s));
  for (const n of again.nominations) expect(n.items.filter((x) => !x.decision)).toEqual([]);
});
