import type { PlanInput } from '../../rules/plan';

/** The walking-skeleton plan: 2 clusters × 3 units, one reviewer per cluster. */
export function smallPlan(overrides: Partial<PlanInput> = {}): PlanInput {
  const unit = (id: string, name: string, reviewer: string, lang: 'vi' | 'en' = 'vi') => ({
    id,
    name,
    contacts: [{ name: `Chủ tịch ${name}`, email: `${id}@units.test`, role: 'Chủ tịch', lang }],
    reviewer,
  });
  return {
    apiVersion: 'thidua/v1',
    body: { id: 'mttq-dinh-quan', name: 'Ủy ban MTTQ Việt Nam huyện Định Quán', place: 'Định Quán' },
    year: 2024,
    timeZone: 'Asia/Ho_Chi_Minh',
    calendar: { holidays: ['2024-02-08', '2024-02-09', '2024-02-12', '2024-02-13', '2024-02-14'] },
    staff: [
      { id: 'cb-an', name: 'Nguyễn Văn An', email: 'an@mttq.test' },
      { id: 'cb-binh', name: 'Trần Thị Bình', email: 'binh@mttq.test', lang: 'en' },
    ],
    units: [
      unit('xa-phu-tan', 'MTTQ xã Phú Tân', 'cb-an'),
      unit('xa-phu-vinh', 'MTTQ xã Phú Vinh', 'cb-an'),
      unit('xa-phu-loi', 'MTTQ xã Phú Lợi', 'cb-an'),
      unit('xa-gia-canh', 'MTTQ xã Gia Canh', 'cb-binh', 'en'),
      unit('xa-ngoc-dinh', 'MTTQ xã Ngọc Định', 'cb-binh'),
      unit('tt-dinh-quan', 'MTTQ thị trấn Định Quán', 'cb-binh'),
    ],
    clusters: [
      { id: 'cum-1', name: 'Cụm thi đua số 1', members: ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi'], head: 'xa-phu-tan' },
      { id: 'cum-2', name: 'Cụm thi đua số 2', members: ['xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan'], head: 'tt-dinh-quan' },
    ],
    // Thứ Sáu 01/03/2024, 17:00; reminders 7, 3, 1 working days before; 2 working days' grace.
    stages: { registration: { opensOn: '2024-02-05', deadline: '2024-03-01', reminders: [7, 3, 1], grace: 2, escalations: [0, 3] } },
    ...overrides,
  };
}

/** The small plan for `year`, without holidays, issued by body `bodyId`; `overrides` replace whole fields. */
export function smallPlanFor(year: number, bodyId: string, overrides: Partial<PlanInput> = {}): PlanInput {
  const base = smallPlan();
  return smallPlan({ year, calendar: { holidays: [] }, body: { ...base.body, id: bodyId }, ...overrides });
}

/**
 * The small plan with the whole year-end: self-scoring with the reports, an inspection, the cluster
 * meeting with two award titles (one decided by ballot, one whose tie the chair decides) and the
 * award proposal to the council. All dates in `year`; no holidays. `bodyId`: another issuing body's.
 */
export function yearEndPlan(year: number, bodyId?: string): PlanInput {
  const base = smallPlan();
  const quiet = { reminders: [], escalations: [] };
  return {
    ...base,
    ...(bodyId ? { body: { ...base.body, id: bodyId } } : {}),
    year,
    calendar: { holidays: [] },
    staff: [
      ...base.staff,
      { id: 'cb-lead', name: 'Lê Văn Chủ Trì', email: 'lead@mttq.test' },
      { id: 'cb-hd', name: 'Hội đồng TĐKT', email: 'council@mttq.test' },
    ],
    clusters: base.clusters.map((c) => ({ ...c, leader: 'cb-lead' })),
    scoring: {
      sheet: {
        groups: [
          {
            id: '1',
            name: 'Công tác tuyên truyền, vận động',
            criteria: [
              { id: '1.1', name: 'Tuyên truyền chủ trương, chính sách', max: 30 },
              { id: '1.2', name: 'Cuộc vận động "Ngày vì người nghèo"', max: 20 },
            ],
          },
          { id: '2', name: 'Công tác giám sát và phản biện xã hội', criteria: [{ id: '2.1', name: 'Giám sát, phản biện', max: 50 }] },
        ],
        bonuses: [{ id: 'T1', name: 'Sáng kiến, mô hình mới', max: 5 }],
        deductions: [{ id: 'D1', name: 'Chậm gửi báo cáo', max: 5 }],
      },
      bands: [
        { id: 'xuat-sac', name: 'Hoàn thành xuất sắc nhiệm vụ', minScore: 90 },
        { id: 'tot', name: 'Hoàn thành tốt nhiệm vụ', minScore: 70 },
        { id: 'hoan-thanh', name: 'Hoàn thành nhiệm vụ', minScore: 50 },
        { id: 'khong', name: 'Không hoàn thành nhiệm vụ', minScore: 0 },
      ],
    },
    awards: [
      { id: 'co-thi-dua', name: 'Cờ thi đua', quota: 1, eligibleBands: ['xuat-sac', 'tot'] },
      {
        id: 'bang-khen',
        name: 'Bằng khen',
        quota: 1,
        eligibleBands: ['xuat-sac', 'tot', 'hoan-thanh'],
        threshold: { of: 'valid-ballots', share: 0.3, strict: false },
        tie: 'chair',
      },
    ],
    council: 'cb-hd',
    stages: {
      registration: { opensOn: `${year}-02-01`, deadline: `${year}-02-26`, ...quiet },
      reports: { opensOn: `${year}-10-01`, deadline: `${year}-11-10`, ...quiet },
      inspection: {
        opensOn: `${year}-11-16`,
        deadline: `${year}-11-26`,
        reminders: [1],
        escalations: [],
        timetable: [
          { date: `${year}-11-18`, slot: 'morning', units: ['xa-phu-tan', 'xa-phu-vinh'], place: 'Trụ sở UBMTTQ xã Phú Tân' },
          { date: `${year}-11-18`, slot: 'afternoon', units: ['xa-phu-loi'] },
        ],
        team: ['cb-lead'],
        crossCheck: { checksPerUnit: 1 },
      },
      meeting: { date: `${year}-12-03`, place: 'Hội trường UBMTTQ xã Phú Tân' },
      proposal: { opensOn: `${year}-12-03`, deadline: `${year}-12-15`, ...quiet },
    },
  };
}

/**
 * Dates around the first Monday of March of `year`: `day(n)` is n days after it ('YYYY-MM-DD'),
 * `local(n, 'HH:mm')` the instant of that local (UTC+7) wall time.
 */
export function marchDays(year: number): { day: (n: number) => string; local: (n: number, hhmm: string) => number } {
  const first = new Date(Date.UTC(year, 2, 1));
  const monday = new Date(Date.UTC(year, 2, 1 + ((8 - first.getUTCDay()) % 7)));
  const day = (n: number) => new Date(monday.getTime() + n * 86400000).toISOString().slice(0, 10);
  return { day, local: (n, hhmm) => Date.parse(`${day(n)}T${hhmm}:00+07:00`) };
}

/**
 * The province above the small plan's district, for forwarding tests: body 'mttq-dong-nai' with its
 * council ('hd-tinh', council@tinh.test), the same units under contacts of its own ('tinh-…'), and only
 * a registration from `opensOn` to `deadline` (in `year`, no holidays).
 */
export function provincePlan(year: number, opensOn: string, deadline: string): PlanInput {
  const base = smallPlan();
  return smallPlan({
    year,
    calendar: { holidays: [] },
    body: { id: 'mttq-dong-nai', name: 'Ủy ban MTTQ Việt Nam tỉnh Đồng Nai' },
    staff: [...base.staff, { id: 'hd-tinh', name: 'Hội đồng TĐKT tỉnh', email: 'council@tinh.test' }],
    council: 'hd-tinh',
    units: base.units.map((u) => ({ ...u, contacts: u.contacts.map((c) => ({ ...c, email: `tinh-${c.email}` })) })),
    stages: { registration: { opensOn, deadline, reminders: [], escalations: [] } },
  });
}

type AwardInput = NonNullable<PlanInput['awards']>[number];

/** The cờ thi đua as the ballot tests vote on it: one seat, open to every band that completed its tasks. */
export const flagAward = { id: 'co-thi-dua', name: 'Cờ thi đua', quota: 1, eligibleBands: ['xuat-sac', 'tot', 'hoan-thanh'] };

/**
 * The year-end plan (yearEndPlan) under body `bodyId`, ending with the cluster's ballot: the cờ thi đua
 * alone (`threshold`: the share of the ballots it needs, else the plan's default), no council and no
 * award proposal.
 */
export function ballotYearEndPlan(year: number, bodyId: string, threshold?: AwardInput['threshold']): PlanInput {
  const base = yearEndPlan(year, bodyId);
  return {
    ...base,
    awards: [threshold ? { ...flagAward, threshold } : flagAward],
    council: undefined,
    stages: { ...base.stages, proposal: undefined },
  };
}
