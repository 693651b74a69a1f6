/**
 * The unit steps of a year that share the "unit submits → follower verifies or returns" shape, grouped
 * by the plan stage that schedules them. Pure data, importable by workflows, api and templates alike:
 * adding a step of this shape means adding an entry here (and, optionally, dedicated email templates).
 */
export type StageName = 'registration' | 'midYear' | 'reports';
export type StepName = 'registration' | 'midyear-report' | 'summary-report' | 'exemplars-report';

export interface Text {
  vi: string;
  en: string;
}

export interface StepField {
  id: string;
  label: Text;
  maxLength: number;
  rows: number;
}

export interface StepKind {
  stage: StageName;
  title: Text;
  fields: StepField[];
}

const reportField: StepField = {
  id: 'report',
  label: { vi: 'Nội dung báo cáo', en: 'Report' },
  maxLength: 50_000,
  rows: 12,
};

export const STEP_KINDS: Record<StepName, StepKind> = {
  registration: {
    stage: 'registration',
    title: { vi: 'Đăng ký thi đua', en: 'Emulation registration' },
    fields: [
      { id: 'content', label: { vi: 'Nội dung đăng ký thi đua', en: 'Emulation content' }, maxLength: 10_000, rows: 6 },
      { id: 'targets', label: { vi: 'Chỉ tiêu thi đua', en: 'Targets' }, maxLength: 10_000, rows: 4 },
    ],
  },
  'midyear-report': {
    stage: 'midYear',
    title: { vi: 'Báo cáo sơ kết 6 tháng', en: 'Six-month review report' },
    fields: [reportField],
  },
  'summary-report': {
    stage: 'reports',
    title: { vi: 'Báo cáo tổng kết công tác thi đua', en: 'Year-end summary report' },
    fields: [reportField],
  },
  'exemplars-report': {
    stage: 'reports',
    title: { vi: 'Báo cáo mô hình, điển hình', en: 'Models and exemplars report' },
    fields: [reportField],
  },
};

/** Plan order: the order in which steps are listed, shown and projected. */
export const STEP_NAMES = Object.keys(STEP_KINDS) as StepName[];

export const stepsOfStage = (stage: StageName): StepName[] => STEP_NAMES.filter((s) => STEP_KINDS[s].stage === stage);

export const isStepName = (s: string): s is StepName => Object.prototype.hasOwnProperty.call(STEP_KINDS, s);
