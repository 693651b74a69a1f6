/**
 * The unit steps of a year that share the "unit submits → follower verifies or returns" shape, grouped
 * by the plan stage that schedules them. Pure data, importable by workflows, api and templates alike:
 * adding a step of this shape means adding an entry here (and, optionally, dedicated email templates).
 */
export type StageName = 'registration' | 'pact' | 'heads' | 'midYear' | 'reports' | 'proposal' | 'nominations';
export type StepName =
  | 'registration'
  | 'pact-signing'
  | 'heads-confirmation'
  | 'midyear-report'
  | 'summary-report'
  | 'self-scoring'
  | 'exemplars-report'
  | 'award-proposal'
  | 'nominations';

export interface Text {
  vi: string;
  en: string;
}

export interface StepField {
  id: string;
  label: Text;
  maxLength: number;
  rows: number;
  /** May be left empty. */
  optional?: boolean;
}

export interface StepKind {
  stage: StageName;
  title: Text;
  fields: StepField[];
  /** The form is the plan's scoring sheet (scores and evidence per item), not text fields. */
  scored?: boolean;
  /** A cluster's step (run by the cluster workflow for its head), not each unit's. */
  cluster?: boolean;
  /** The form lists persons nominated for the plan's individual awards (rules/nominations.ts), kept as JSON in `fields.nominations`. */
  nominated?: boolean;
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
  // The cluster's part of registration: its units sign the emulation pact (ký kết giao ước thi đua)
  // at a signing the head hosts; the head sends the signed pact, the approver accepts or returns it.
  'pact-signing': {
    stage: 'pact',
    title: { vi: 'Ký kết giao ước thi đua của cụm', en: "The cluster's emulation pact" },
    fields: [
      { id: 'pact', label: { vi: 'Nội dung giao ước thi đua', en: 'The pact' }, maxLength: 20_000, rows: 8 },
      { id: 'signing', label: { vi: 'Ngày, địa điểm ký kết và các đơn vị đã ký', en: 'Date and place of signing, units that signed' }, maxLength: 5_000, rows: 3 },
    ],
    cluster: true,
  },
  // The year's head and deputy (cụm trưởng, cụm phó): the head accepts the role for the named pair,
  // the standing committee (or the leader in charge) confirms it, or returns it with a comment.
  'heads-confirmation': {
    stage: 'heads',
    title: { vi: 'Xác nhận cụm trưởng, cụm phó năm', en: "The year's cluster head and deputy" },
    fields: [
      { id: 'head', label: { vi: 'Cụm trưởng (đơn vị, người đại diện)', en: 'Head (unit, representative)' }, maxLength: 1_000, rows: 2 },
      { id: 'deputy', label: { vi: 'Cụm phó (đơn vị, người đại diện)', en: 'Deputy (unit, representative)' }, maxLength: 1_000, rows: 2, optional: true },
      { id: 'note', label: { vi: 'Ý kiến (không bắt buộc)', en: 'Comment (optional)' }, maxLength: 5_000, rows: 3, optional: true },
    ],
    cluster: true,
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
  'self-scoring': {
    stage: 'reports',
    title: { vi: 'Báo cáo tự chấm điểm, tự xếp loại', en: 'Self-scoring and self-classification' },
    fields: [{ id: 'note', label: { vi: 'Thuyết minh (không bắt buộc)', en: 'Explanation (optional)' }, maxLength: 10_000, rows: 3, optional: true }],
    scored: true,
  },
  'exemplars-report': {
    stage: 'reports',
    title: { vi: 'Báo cáo mô hình, điển hình', en: 'Models and exemplars report' },
    fields: [reportField],
  },
  'award-proposal': {
    stage: 'proposal',
    title: { vi: 'Tờ trình đề nghị khen thưởng của cụm', en: "The cluster's award proposal" },
    fields: [{ id: 'proposal', label: { vi: 'Nội dung tờ trình', en: 'Proposal' }, maxLength: 20_000, rows: 8 }],
    cluster: true,
  },
  nominations: {
    stage: 'nominations',
    title: { vi: 'Đề nghị khen thưởng cá nhân', en: 'Nominations of individuals for awards' },
    fields: [{ id: 'note', label: { vi: 'Ghi chú (không bắt buộc)', en: 'Note (optional)' }, maxLength: 10_000, rows: 3, optional: true }],
    nominated: true,
  },
};

/** Plan order: the order in which steps are listed, shown and projected. */
export const STEP_NAMES = Object.keys(STEP_KINDS) as StepName[];

/** The unit steps a stage schedules; scored steps only when the plan has a scoring sheet. */
export const stepsOfStage = (stage: StageName, opts: { scoring?: boolean } = {}): StepName[] =>
  STEP_NAMES.filter((s) => STEP_KINDS[s].stage === stage && !STEP_KINDS[s].cluster && (opts.scoring || !STEP_KINDS[s].scored));

/** The cluster's own steps of registration (pact, head and deputy), run by its cluster workflow. */
export const CLUSTER_REGISTRATION_STEPS = ['pact-signing', 'heads-confirmation'] as const satisfies readonly StepName[];
export type ClusterRegistrationStep = (typeof CLUSTER_REGISTRATION_STEPS)[number];

export const isStepName = (s: string): s is StepName => Object.prototype.hasOwnProperty.call(STEP_KINDS, s);
