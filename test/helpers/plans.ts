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
