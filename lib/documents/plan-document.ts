/** The year's plan (Kế hoạch) as an official document, from the plan file itself. */
import { localDate } from '../../rules/calendar';
import type { Plan } from '../../rules/plan';
import { STEP_KINDS, stepsOfStage, type StageName } from '../../rules/steps';
import { planDocument, type PlanStage } from './builders';
import type { OfficialDocument } from './model';

const STAGE_NAMES: Record<StageName, string> = {
  registration: 'Phát động, đăng ký thi đua và ký kết giao ước thi đua',
  midYear: 'Sơ kết 6 tháng; các đơn vị gửi báo cáo sơ kết',
  reports: 'Các đơn vị gửi báo cáo tổng kết, chấm điểm, mô hình điển hình',
};

export function yearPlanDocument(plan: Plan, now: Date): OfficialDocument {
  const settings = plan.document;
  const unitName = new Map(plan.units.map((u) => [u.id, u.name]));
  const stages: PlanStage[] = (Object.keys(STAGE_NAMES) as StageName[])
    .filter((s) => plan.stages[s])
    .map((s) => ({
      name: STAGE_NAMES[s],
      from: plan.stages[s]!.opensOn,
      deadline: plan.stages[s]!.deadline,
      owner: 'Các đơn vị trong cụm',
      tasks: stepsOfStage(s).map((step) => STEP_KINDS[step].title.vi),
    }));
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
