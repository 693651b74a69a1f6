/** Plans for the individual-award and forwarding tests: registration (quiet) and the nominations stage. */
import type { PlanInput } from '../../rules/plan';
import { smallPlan } from './plans';

/**
 * The small plan with two individual award titles for the units to nominate persons for, in `year`
 * (no holidays): the nominations stage opens on 1 April, is due 16 April (+1 working day of grace),
 * reminds 1 working day before and escalates at the end of the grace.
 */
export function nominationsPlan(year: number, overrides: Partial<PlanInput> = {}): PlanInput {
  const base = smallPlan();
  return {
    ...base,
    year,
    calendar: { holidays: [] },
    staff: [...base.staff, { id: 'cb-hd', name: 'Hội đồng TĐKT', email: 'council@mttq.test' }],
    council: 'cb-hd',
    individualAwards: [
      {
        id: 'ky-niem-chuong',
        name: 'Kỷ niệm chương "Vì sự nghiệp Đại đoàn kết dân tộc"',
        criteria: 'Cán bộ có thời gian công tác Mặt trận từ 10 năm trở lên.',
        documents: ['Bản tóm tắt quá trình công tác', 'Tờ trình của đơn vị'],
        quota: { perUnit: 2, perCluster: 2 },
      },
      { id: 'bang-khen-ca-nhan', name: 'Bằng khen cá nhân', criteria: 'Có thành tích xuất sắc trong năm.', quota: { perUnit: 1 } },
    ],
    stages: {
      registration: { opensOn: `${year}-02-01`, deadline: `${year}-02-26`, reminders: [], escalations: [] },
      nominations: { opensOn: `${year}-04-01`, deadline: `${year}-04-16`, reminders: [1], grace: 1, escalations: [0] },
    },
    ...overrides,
  };
}

/** The form rows of a nominations link page, as a browser posts them. */
export function nominationForm(rows: { title: string; name: string; position: string; achievements: string }[]): Record<string, string> {
  return Object.fromEntries(rows.flatMap((r, i) => Object.entries(r).map(([k, v]) => [`n.${i}.${k}`, v])));
}
