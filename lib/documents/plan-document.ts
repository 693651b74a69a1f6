/** The year's plan (Kế hoạch) as an official document, from the plan file itself. */
import { localDate } from '../../rules/calendar';
import type { Plan } from '../../rules/plan';
import { STEP_KINDS, stepsOfStage } from '../../rules/steps';
import { planDocument, type PlanStage } from './builders';
import type { OfficialDocument } from './model';

type PlanStageKey = keyof Plan['stages'];

/** Each stage as the plan document lists it: its name, who carries it out and what it asks for. */
const STAGES: Record<PlanStageKey, { name: string; owner: string; tasks: (plan: Plan) => string[] }> = {
  registration: { name: 'Phát động, đăng ký thi đua và ký kết giao ước thi đua', owner: 'Các đơn vị trong cụm', tasks: () => unitTasks('registration') },
  pact: { name: 'Ký kết giao ước thi đua của cụm', owner: 'Cụm trưởng; các đơn vị trong cụm', tasks: () => [STEP_KINDS['pact-signing'].title.vi] },
  heads: { name: 'Xác nhận cụm trưởng, cụm phó', owner: 'Cụm trưởng; Ban Thường trực', tasks: () => [STEP_KINDS['heads-confirmation'].title.vi] },
  midYear: { name: 'Sơ kết 6 tháng; các đơn vị gửi báo cáo sơ kết', owner: 'Các đơn vị trong cụm', tasks: () => unitTasks('midYear') },
  reports: {
    name: 'Các đơn vị gửi báo cáo tổng kết, chấm điểm, mô hình điển hình',
    owner: 'Các đơn vị trong cụm',
    tasks: (plan) => stepsOfStage('reports', { scoring: plan.scoring !== undefined }).map((step) => STEP_KINDS[step].title.vi),
  },
  inspection: { name: 'Kiểm tra, chấm điểm và xếp loại các đơn vị', owner: 'Đoàn kiểm tra; Ban Thường trực', tasks: () => ['Chấm điểm theo bảng chấm điểm', 'Công bố kết quả xếp loại'] },
  meeting: {
    name: 'Hội nghị tổng kết cụm, bỏ phiếu suy tôn',
    owner: 'Cụm trưởng; các đơn vị trong cụm',
    tasks: (plan) => plan.awards.map((a) => `Bỏ phiếu suy tôn ${a.name}`),
  },
  proposal: { name: 'Cụm gửi tờ trình đề nghị khen thưởng', owner: 'Cụm trưởng; Hội đồng Thi đua – Khen thưởng', tasks: () => [STEP_KINDS['award-proposal'].title.vi] },
  nominations: {
    name: 'Các đơn vị đề nghị khen thưởng cá nhân; Hội đồng Thi đua – Khen thưởng xét từng trường hợp',
    owner: 'Các đơn vị trong cụm; Hội đồng Thi đua – Khen thưởng',
    tasks: (plan) => plan.individualAwards.map((a) => `Đề nghị tặng ${a.name}`),
  },
};

const unitTasks = (stage: 'registration' | 'midYear') => stepsOfStage(stage).map((step) => STEP_KINDS[step].title.vi);

/** "109/KH-MTTQ-BTT", as the plan document prints it after "Số:"; undefined for a plan without a number. */
export function planDocumentNumber(plan: Pick<Plan, 'document'>): string | undefined {
  const settings = plan.document;
  return settings?.number ? `${settings.number}/${settings.symbol ?? 'KH-MTTQ-BTT'}` : undefined;
}

export function yearPlanDocument(plan: Plan, now: Date): OfficialDocument {
  const settings = plan.document;
  const unitName = new Map(plan.units.map((u) => [u.id, u.name]));
  const stages: PlanStage[] = (Object.keys(STAGES) as PlanStageKey[]).flatMap((key) => {
    const s = plan.stages[key];
    if (!s) return [];
    const when = 'deadline' in s ? { from: s.opensOn, deadline: s.deadline } : { from: s.date };
    return [{ name: STAGES[key].name, ...when, owner: STAGES[key].owner, tasks: STAGES[key].tasks(plan) }];
  });
  return planDocument({
    letterhead: {
      issuer: { parent: plan.body.name.toUpperCase(), body: settings?.issuingDepartment ?? 'BAN THƯỜNG TRỰC' },
      number: settings?.number,
      symbol: settings?.symbol ?? 'KH-MTTQ-BTT',
      place: plan.body.place ?? plan.body.name,
      date: localDate(now.toISOString(), plan.timeZone),
      signature: settings?.signer,
      recipients: settings?.recipients?.length ? settings.recipients : undefined,
    },
    year: plan.year,
    issuerName: `Ban Thường trực ${plan.body.name}`,
    stages,
    clusters: plan.clusters.map((c) => ({
      name: c.name,
      members: c.members.map((m) => unitName.get(m) ?? m),
      head: unitName.get(c.head),
      deputy: c.deputy ? unitName.get(c.deputy) : undefined,
    })),
  });
}
