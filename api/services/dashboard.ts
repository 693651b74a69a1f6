/**
 * The secretariat's view (văn phòng): where every unit of a cycle stands, step by step, and which
 * units are stuck and why. The read model (`step_states`, `cluster_plans`, `outbox`) gives the picture;
 * Temporal adds what only it knows (activities failing again and again, workflows that stopped while
 * the read model still says open). Everything here except `loadDashboard` is a pure function over rows,
 * with `now` passed in.
 */
import { DEFAULT_TIME_ZONE, formatViDateTime, localDate } from '../../rules/calendar';
import { STEP_KINDS, STEP_NAMES, type StageName, type StepName } from '../../rules/steps';
import type { StepEvent, StepState, StepStatus, UnitWorkflowInput } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import type { Lang } from '../pages';
import { inspectWorkflows, type WorkflowFacts } from './dashboard-temporal';
import { yearEndView, type YearEndReasonCode, type YearEndRow, type YearEndView } from './dashboard-year-end';

export const DEFAULT_SLA_DAYS = 5;
export const DEFAULT_IDLE_DAYS = 5;
/** At most this many workflows are described in Temporal per request. */
export const MAX_TEMPORAL_CANDIDATES = 50;
/** How long one request may wait for Temporal's answers before showing the MongoDB part alone. */
export const TEMPORAL_BUDGET_MS = 3000;
/** An activity on this attempt or later is reported as stuck. */
export const MIN_STUCK_ATTEMPT = 4;

const DAY_MS = 24 * 3600 * 1000;
const ALL_STATUSES: StepStatus[] = ['pending', 'open', 'submitted', 'returned', 'approved', 'cancelled'];
/** Statuses in which a step is still moving (someone is expected to act). */
const ACTIVE: ReadonlySet<string> = new Set(['open', 'submitted', 'returned']);
/** Events that are not progress: the system nagging, not someone acting. */
const NOT_PROGRESS: ReadonlySet<StepEvent['event']> = new Set(['reminded', 'escalated']);

// ---------------------------------------------------------------------------------------------------
// Input rows (what the loaders read; tests build them by hand)

export interface CycleRow {
  _id: string;
  bodyId: string;
  bodyName: string;
  year: number;
  status: string;
  plan?: unknown;
}

export interface ClusterRow {
  cycleId: string;
  clusterId: string;
  name: string;
  units?: unknown;
}

export interface StepRow {
  cycleId: string;
  clusterId: string;
  unitId: string;
  unitName: string;
  workflowId: string;
  step: string;
  status: string;
  round: number;
  dueAt: Date | string;
  lastProgressAt: Date | string;
  state?: Partial<StepState> | null;
}

export interface OutboxRow {
  _id: string;
  cycleId?: string | null;
  kind: string;
  to: string;
  status: string;
  attempts?: number | null;
  lastError?: string | null;
  createdAt: Date | string;
}

export interface DashboardOptions {
  now: Date;
  lang: Lang;
  /** (b) a submitted step waiting for review longer than this many days is stuck. */
  slaDays: number;
  /** (c) an unfinished step with no progress for this many days is stuck. */
  idleDays: number;
  /** Base of the Temporal UI (no trailing slash) and the namespace; no links when unset. */
  temporalUiUrl?: string;
  namespace: string;
}

// ---------------------------------------------------------------------------------------------------
// Output

export type WaitingOn = 'unit' | 'reviewer' | null;

export interface StepCell {
  step: StepName;
  stepTitle: string;
  /** 'none': the unit has no row for this step (not started, or the plan does not schedule it for it). */
  status: StepStatus | 'none';
  statusLabel: string;
  round: number;
  dueAt?: string;
  /** Due date and time in the plan's time zone, 'HH:mm dd/MM/yyyy'. */
  dueLocal?: string;
  /** Calendar days (plan time zone) past the due date while not approved; 0 when not late. */
  daysOverdue: number;
  lastProgressAt?: string;
  lastProgressLocal?: string;
  waitingOn: WaitingOn;
  waitingOnLabel: string;
  /** The one-line summary shown in the matrix and the spreadsheet. */
  text: string;
  /** CSS class of the cell: ok, late, wait-unit, wait-review, idle. */
  tone: string;
}

export interface UnitView {
  unitId: string;
  unitName: string;
  workflowId?: string;
  reviewer?: string;
  cells: StepCell[];
}

export interface ClusterView {
  clusterId: string;
  name: string;
  units: UnitView[];
}

export type ReasonCode = 'overdue' | 'review_sla' | 'no_progress' | 'email_failed' | 'activity_retrying' | 'workflow_task_failing' | 'workflow_not_running';

export interface StuckReason {
  code: ReasonCode | YearEndReasonCode;
  text: string;
  /** activity_retrying: the activity "retry now" names. */
  activityId?: string;
}

export interface StuckItem {
  cycleId: string;
  clusterId: string;
  clusterName: string;
  unitId: string;
  unitName: string;
  workflowId: string;
  step?: StepName;
  stepTitle?: string;
  status?: string;
  statusLabel?: string;
  daysOverdue: number;
  reasons: StuckReason[];
  temporalUrl?: string;
}

export interface StatusCount {
  status: StepStatus;
  label: string;
  count: number;
}

export interface StageCount {
  stage: StageName;
  title: string;
  total: number;
  counts: StatusCount[];
}

export interface CycleView {
  cycleId: string;
  bodyId: string;
  bodyName: string;
  year: number;
  status: string;
  timeZone: string;
  steps: { step: StepName; title: string; stage: StageName }[];
  /** Columns of the matrix: the unit, then one per step. */
  columnCount: number;
  clusters: ClusterView[];
  counts: { total: number; byStatus: StatusCount[]; byStage: StageCount[] };
  stuck: StuckItem[];
  /** Each cluster's year-end (inspection, classes, ballots, proposal), when the plan has one. */
  yearEnds: YearEndView[];
}

export interface Dashboard {
  generatedAt: string;
  lang: Lang;
  slaDays: number;
  idleDays: number;
  cycles: CycleView[];
  /** Every cycle's stuck items, worst first. */
  stuck: StuckItem[];
  temporal: { available: boolean; candidates: number; checked: number };
  notices: string[];
}

// ---------------------------------------------------------------------------------------------------
// Wording

const tr = (lang: Lang) => (vi: string, en: string) => (lang === 'en' ? en : vi);

export function statusLabel(status: StepStatus | 'none', lang: Lang): string {
  const t = tr(lang);
  switch (status) {
    case 'pending':
      return t('Chưa mở', 'Not open yet');
    case 'open':
      return t('Chờ đơn vị gửi', 'Waiting for the unit');
    case 'submitted':
      return t('Chờ thẩm định', 'Waiting for review');
    case 'returned':
      return t('Trả lại, chờ gửi lại', 'Returned, waiting for the unit');
    case 'approved':
      return t('Đã duyệt', 'Approved');
    case 'cancelled':
      return t('Đã hủy', 'Cancelled');
    default:
      return t('Chưa có', 'Not started');
  }
}

const waitingOnOf = (status: string): WaitingOn => (status === 'open' || status === 'returned' ? 'unit' : status === 'submitted' ? 'reviewer' : null);

const waitingOnLabel = (w: WaitingOn, lang: Lang): string =>
  w === 'unit' ? tr(lang)('Đơn vị', 'The unit') : w === 'reviewer' ? tr(lang)('Người thẩm định', 'The reviewer') : '';

const stageTitle = (stage: StageName, lang: Lang): string =>
  ({
    registration: tr(lang)('Đăng ký thi đua', 'Registration'),
    pact: tr(lang)('Ký kết giao ước thi đua', 'Emulation pact'),
    heads: tr(lang)('Cụm trưởng, cụm phó', 'Cluster head and deputy'),
    midYear: tr(lang)('Sơ kết 6 tháng', 'Mid-year review'),
    reports: tr(lang)('Báo cáo tổng kết', 'Year-end reports'),
    proposal: tr(lang)('Đề nghị khen thưởng', 'Award proposal'),
    nominations: tr(lang)('Đề nghị khen thưởng cá nhân', 'Individual nominations'),
  })[stage];

export function reasonText(code: ReasonCode, p: Record<string, string | number>, lang: Lang): string {
  const t = tr(lang);
  switch (code) {
    case 'overdue':
      return t(`Quá hạn ${p.days} ngày, đã hết thời gian gia hạn (${p.graceLocal})`, `${p.days} day(s) overdue, grace period ended ${p.graceLocal}`);
    case 'review_sla':
      return t(`Chờ thẩm định ${p.days} ngày (quá ${p.sla} ngày cho phép)`, `Waiting for review for ${p.days} day(s) (over the ${p.sla}-day limit)`);
    case 'no_progress':
      return t(`Không có tiến triển trong ${p.days} ngày (từ ${p.sinceLocal})`, `No progress for ${p.days} day(s) (since ${p.sinceLocal})`);
    case 'email_failed':
      return t(`Thư không gửi được tới ${p.to}: ${p.error}`, `Email to ${p.to} refused: ${p.error}`);
    case 'activity_retrying':
      return t(`Tác vụ ${p.activity} đang thử lại (lần ${p.attempt}): ${p.error}`, `Activity ${p.activity} retrying (attempt ${p.attempt}): ${p.error}`);
    case 'workflow_task_failing':
      return t(
        `Mã luồng công việc gặp lỗi, Temporal đang thử lại (lần ${p.attempt}): xem lỗi trong Temporal UI`,
        `The workflow's code keeps failing and Temporal retries it (attempt ${p.attempt}): see the error in Temporal UI`,
      );
    case 'workflow_not_running':
      return t(
        `Luồng công việc trong Temporal ở trạng thái ${p.status} trong khi bảng theo dõi ghi là đang mở`,
        `The workflow is ${p.status} in Temporal while the read model says it is open`,
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// Pure computations

const stepTitle = (step: StepName, lang: Lang) => STEP_KINDS[step].title[lang];

const iso = (d: Date | string | undefined | null): string | undefined => (d ? new Date(d).toISOString() : undefined);

const dayNumber = (instant: string, tz: string): number => Date.parse(`${localDate(instant, tz)}T00:00:00Z`) / DAY_MS;

/**
 * Calendar days (in the plan's time zone) from the due date to today while the step is not approved
 * (nor cancelled). A step past its due instant counts at least 1 day, even on the due date itself.
 */
export function daysOverdue(row: Pick<StepRow, 'status' | 'dueAt'>, now: Date, tz: string): number {
  if (row.status === 'approved' || row.status === 'cancelled') return 0;
  const due = new Date(row.dueAt);
  if (!(now.getTime() > due.getTime())) return 0;
  return Math.max(1, dayNumber(now.toISOString(), tz) - dayNumber(due.toISOString(), tz));
}

/** The last time someone acted on the step: the newest event that is not a reminder or escalation. */
export function progressAt(row: Pick<StepRow, 'lastProgressAt' | 'state'>): Date {
  const history = row.state?.history;
  if (Array.isArray(history)) {
    for (let i = history.length - 1; i >= 0; i--) {
      if (!NOT_PROGRESS.has(history[i].event)) return new Date(history[i].at);
    }
  }
  return new Date(row.lastProgressAt);
}

/** When the current review wait started: the newest 'submitted' event. */
export function submittedAt(row: Pick<StepRow, 'lastProgressAt' | 'state'>): Date {
  const history = row.state?.history;
  if (Array.isArray(history)) {
    for (let i = history.length - 1; i >= 0; i--) if (history[i].event === 'submitted') return new Date(history[i].at);
  }
  return row.state?.submission?.at ? new Date(row.state.submission.at) : new Date(row.lastProgressAt);
}

export function stepCell(step: StepName, row: StepRow | undefined, now: Date, tz: string, lang: Lang, idleDays: number): StepCell {
  const t = tr(lang);
  if (!row) {
    return { step, stepTitle: stepTitle(step, lang), status: 'none', statusLabel: statusLabel('none', lang), round: 0, daysOverdue: 0, waitingOn: null, waitingOnLabel: '', text: '—', tone: 'none' };
  }
  const status = (ALL_STATUSES as string[]).includes(row.status) ? (row.status as StepStatus) : 'pending';
  const late = daysOverdue(row, now, tz);
  const progress = progressAt(row);
  const waitingOn = waitingOnOf(status);
  const idle = ACTIVE.has(status) && now.getTime() - progress.getTime() >= idleDays * DAY_MS;
  const parts = [statusLabel(status, lang)];
  if (row.round > 1) parts.push(t(`lần ${row.round}`, `round ${row.round}`));
  if (late > 0) parts.push(t(`quá hạn ${late} ngày`, `${late} day(s) overdue`));
  const tone = status === 'approved' ? 'ok' : late > 0 ? 'late' : idle ? 'idle' : waitingOn === 'unit' ? 'wait-unit' : waitingOn === 'reviewer' ? 'wait-review' : 'none';
  return {
    step,
    stepTitle: stepTitle(step, lang),
    status,
    statusLabel: statusLabel(status, lang),
    round: row.round,
    dueAt: iso(row.dueAt),
    dueLocal: formatViDateTime(new Date(row.dueAt).toISOString(), tz),
    daysOverdue: late,
    lastProgressAt: progress.toISOString(),
    lastProgressLocal: formatViDateTime(progress.toISOString(), tz),
    waitingOn,
    waitingOnLabel: waitingOnLabel(waitingOn, lang),
    text: parts.join(' · '),
    tone,
  };
}

/** The reasons the read model alone gives for one step row: (a) overdue past grace, (b) review SLA, (c) idle. */
export function rowReasons(row: StepRow, opts: Pick<DashboardOptions, 'now' | 'lang' | 'slaDays' | 'idleDays'>, tz: string): StuckReason[] {
  const { now, lang } = opts;
  const reasons: StuckReason[] = [];
  const graceEndsAt = row.state?.schedule?.graceEndsAt;
  if ((row.status === 'open' || row.status === 'returned') && graceEndsAt && Date.parse(graceEndsAt) < now.getTime()) {
    reasons.push({
      code: 'overdue',
      text: reasonText('overdue', { days: daysOverdue(row, now, tz), graceLocal: formatViDateTime(new Date(graceEndsAt).toISOString(), tz) }, lang),
    });
  }
  if (row.status === 'submitted') {
    const waited = now.getTime() - submittedAt(row).getTime();
    if (waited > opts.slaDays * DAY_MS) {
      reasons.push({ code: 'review_sla', text: reasonText('review_sla', { days: Math.floor(waited / DAY_MS), sla: opts.slaDays }, lang) });
    }
  }
  if (reasons.length === 0 && ACTIVE.has(row.status)) {
    const since = progressAt(row);
    const idle = now.getTime() - since.getTime();
    if (idle >= opts.idleDays * DAY_MS) {
      reasons.push({
        code: 'no_progress',
        text: reasonText('no_progress', { days: Math.floor(idle / DAY_MS), sinceLocal: formatViDateTime(since.toISOString(), tz) }, lang),
      });
    }
  }
  return reasons;
}

/** An outbox key is `<workflowId>:<step>:<kind…>:<email>`: the row it belongs to, if any. */
export function rowOfOutbox(mail: OutboxRow, rows: StepRow[]): StepRow | undefined {
  return rows.find((r) => mail._id.startsWith(`${r.workflowId}:${r.step}:`));
}

export const temporalUrl = (base: string | undefined, namespace: string, workflowId: string): string | undefined =>
  base ? `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;

/** A step row as a stuck item of cycle `cycleId`, with no reasons yet (the caller adds them). */
function stuckItemOf(row: StepRow, cycleId: string, clusterName: string, opts: Pick<DashboardOptions, 'now' | 'lang' | 'temporalUiUrl' | 'namespace'>, tz: string): StuckItem {
  const step = row.step as StepName;
  return {
    cycleId,
    clusterId: row.clusterId,
    clusterName,
    unitId: row.unitId,
    unitName: row.unitName,
    workflowId: row.workflowId,
    step,
    stepTitle: stepTitle(step, opts.lang),
    status: row.status,
    statusLabel: statusLabel(row.status as StepStatus, opts.lang),
    daysOverdue: daysOverdue(row, opts.now, tz),
    reasons: [],
    temporalUrl: temporalUrl(opts.temporalUiUrl, opts.namespace, row.workflowId),
  };
}

const timeZoneOf = (cycle: CycleRow): string => {
  const tz = (cycle.plan as { timeZone?: unknown } | undefined)?.timeZone;
  return typeof tz === 'string' && tz ? tz : DEFAULT_TIME_ZONE;
};

interface UnitInfo {
  unitId: string;
  unitName: string;
  reviewer?: string;
}

/** Clusters and units in plan order: the plan's clusters, then the compiled cluster plans, then the rows. */
function layout(cycle: CycleRow, clusters: ClusterRow[], rows: StepRow[]): { clusterId: string; name: string; units: UnitInfo[] }[] {
  const plan = cycle.plan as { clusters?: { id: string; name?: string; members?: string[] }[]; units?: { id: string; name: string }[] } | undefined;
  const order: string[] = [];
  const add = (id: string) => {
    if (!order.includes(id)) order.push(id);
  };
  for (const c of plan?.clusters ?? []) add(c.id);
  for (const c of [...clusters].sort((a, b) => a.clusterId.localeCompare(b.clusterId))) add(c.clusterId);
  for (const r of [...rows].sort((a, b) => a.clusterId.localeCompare(b.clusterId))) add(r.clusterId);

  return order.map((clusterId) => {
    const cp = clusters.find((c) => c.clusterId === clusterId);
    const pc = plan?.clusters?.find((c) => c.id === clusterId);
    const units: UnitInfo[] = [];
    const addUnit = (u: UnitInfo) => {
      const known = units.find((x) => x.unitId === u.unitId);
      if (known) known.reviewer ??= u.reviewer;
      else units.push(u);
    };
    for (const id of pc?.members ?? []) addUnit({ unitId: id, unitName: plan?.units?.find((u) => u.id === id)?.name ?? id });
    for (const u of Array.isArray(cp?.units) ? (cp.units as Partial<UnitWorkflowInput>[]) : []) {
      if (u.unitId) addUnit({ unitId: u.unitId, unitName: u.unitName ?? u.unitId, reviewer: u.reviewer?.name });
    }
    for (const r of rows.filter((x) => x.clusterId === clusterId).sort((a, b) => a.unitId.localeCompare(b.unitId))) {
      addUnit({ unitId: r.unitId, unitName: r.unitName });
    }
    // The read model has the name the workflow runs with.
    for (const u of units) u.unitName = rows.find((r) => r.unitId === u.unitId)?.unitName ?? u.unitName;
    return { clusterId, name: cp?.name ?? pc?.name ?? clusterId, units };
  });
}

/** One cycle: the matrix, the counts and the read-model part of the stuck list. */
export function buildCycleView(
  cycle: CycleRow,
  clusters: ClusterRow[],
  rowsIn: StepRow[],
  failedMail: OutboxRow[],
  opts: DashboardOptions,
  yearEndRows: YearEndRow[] = [],
): CycleView {
  const { lang, now } = opts;
  const tz = timeZoneOf(cycle);
  const rows = rowsIn.filter((r) => r.cycleId === cycle._id && (STEP_NAMES as string[]).includes(r.step));
  const stepsHere = STEP_NAMES.filter((s) => rows.some((r) => r.step === s));
  const steps = (stepsHere.length ? stepsHere : STEP_NAMES).map((step) => ({ step, title: stepTitle(step, lang), stage: STEP_KINDS[step].stage }));
  const shape = layout(cycle, clusters.filter((c) => c.cycleId === cycle._id), rows);
  const clusterName = new Map(shape.map((c) => [c.clusterId, c.name]));

  const views: ClusterView[] = shape.map((c) => ({
    clusterId: c.clusterId,
    name: c.name,
    units: c.units.map((u) => {
      const mine = rows.filter((r) => r.clusterId === c.clusterId && r.unitId === u.unitId);
      return {
        unitId: u.unitId,
        unitName: u.unitName,
        workflowId: mine[0]?.workflowId,
        reviewer: u.reviewer,
        cells: steps.map(({ step }) => stepCell(step, mine.find((r) => r.step === step), now, tz, lang, opts.idleDays)),
      };
    }),
  }));

  // Counts per status, and per stage × status.
  const count = (subset: StepRow[]): StatusCount[] =>
    ALL_STATUSES.map((status) => ({ status, label: statusLabel(status, lang), count: subset.filter((r) => r.status === status).length }));
  const stages = [...new Set(steps.map((s) => s.stage))];
  const counts = {
    total: rows.length,
    byStatus: count(rows),
    byStage: stages.map((stage) => {
      const subset = rows.filter((r) => STEP_KINDS[r.step as StepName].stage === stage);
      return { stage, title: stageTitle(stage, lang), total: subset.length, counts: count(subset) };
    }),
  };

  // The read model's stuck items: one per (unit, step), with every reason that applies.
  const items = new Map<string, StuckItem>();
  const itemFor = (row: StepRow): StuckItem => {
    const key = `${row.workflowId}:${row.step}`;
    let item = items.get(key);
    if (!item) {
      item = stuckItemOf(row, cycle._id, clusterName.get(row.clusterId) ?? row.clusterId, opts, tz);
      items.set(key, item);
    }
    return item;
  };
  for (const row of rows) {
    const reasons = rowReasons(row, opts, tz);
    if (reasons.length) itemFor(row).reasons.push(...reasons);
  }
  for (const mail of failedMail.filter((m) => m.cycleId === cycle._id && m.status === 'failed')) {
    const reason: StuckReason = { code: 'email_failed', text: reasonText('email_failed', { to: mail.to, error: mail.lastError ?? '?' }, lang) };
    const row = rowOfOutbox(mail, rows);
    if (row) {
      itemFor(row).reasons.push(reason);
    } else {
      // A message that is not about one unit's step (e.g. to the cycle's staff): listed on its own.
      const key = `mail:${mail._id}`;
      items.set(key, {
        cycleId: cycle._id,
        clusterId: '',
        clusterName: '',
        unitId: '',
        unitName: mail.kind,
        workflowId: '',
        daysOverdue: 0,
        reasons: [reason],
      });
    }
  }

  const unitNames = new Map(shape.flatMap((c) => c.units.map((u) => [u.unitId, u.unitName] as const)));
  const yearEnds: YearEndView[] = [];
  for (const row of yearEndRows.filter((r) => r.cycleId === cycle._id).sort((a, b) => a.clusterId.localeCompare(b.clusterId))) {
    const name = clusterName.get(row.clusterId) ?? row.clusterId;
    const { view, stuck } = yearEndView(row, name, unitNames, now, lang);
    yearEnds.push(view);
    for (const st of stuck) {
      items.set(`year-end:${row.clusterId}:${st.code}:${st.text}`, {
        cycleId: cycle._id,
        clusterId: row.clusterId,
        clusterName: name,
        unitId: row.clusterId,
        unitName: name,
        workflowId: row.workflowId,
        stepTitle: tr(lang)('Tổng kết cụm', "The cluster's year-end"),
        daysOverdue: st.daysOverdue,
        reasons: [{ code: st.code, text: st.text }],
        temporalUrl: temporalUrl(opts.temporalUiUrl, opts.namespace, row.workflowId),
      });
    }
  }

  return {
    cycleId: cycle._id,
    bodyId: cycle.bodyId,
    bodyName: cycle.bodyName,
    year: cycle.year,
    status: cycle.status,
    timeZone: tz,
    steps,
    columnCount: steps.length + 1,
    clusters: views,
    counts,
    stuck: sortStuck([...items.values()]),
    yearEnds,
  };
}

export const sortStuck = (items: StuckItem[]): StuckItem[] =>
  items.sort(
    (a, b) =>
      b.daysOverdue - a.daysOverdue ||
      a.cycleId.localeCompare(b.cycleId) ||
      a.clusterId.localeCompare(b.clusterId) ||
      a.unitId.localeCompare(b.unitId) ||
      STEP_NAMES.indexOf(a.step as StepName) - STEP_NAMES.indexOf(b.step as StepName),
  );

/**
 * The workflows worth asking Temporal about, worst first: those already stuck in the read model, then
 * any other workflow with a step still moving. At most `limit`.
 */
export function temporalCandidates(cycles: CycleView[], rows: StepRow[], limit = MAX_TEMPORAL_CANDIDATES): { ids: string[]; total: number } {
  const ids: string[] = [];
  const add = (id: string) => {
    if (!ids.includes(id)) ids.push(id);
  };
  for (const item of sortStuck(cycles.flatMap((c) => c.stuck))) if (item.step) add(item.workflowId);
  for (const r of rows) if (ACTIVE.has(r.status)) add(r.workflowId);
  return { ids: ids.slice(0, limit), total: ids.length };
}

/**
 * Adds Temporal's reasons: (e1) a pending activity on attempt ≥ MIN_STUCK_ATTEMPT with its last
 * failure, (e2) a workflow that is not running while the read model says one of its steps is open.
 */
export function applyTemporalFacts(cycle: CycleView, rows: StepRow[], facts: Map<string, WorkflowFacts>, opts: DashboardOptions): void {
  const { lang } = opts;
  const tz = cycle.timeZone;
  const mine = rows.filter((r) => r.cycleId === cycle.cycleId);
  const itemFor = (row: StepRow): StuckItem => {
    let item = cycle.stuck.find((s) => s.workflowId === row.workflowId && s.step === row.step);
    if (!item) {
      item = stuckItemOf(row, cycle.cycleId, cycle.clusters.find((c) => c.clusterId === row.clusterId)?.name ?? row.clusterId, opts, tz);
      cycle.stuck.push(item);
    }
    return item;
  };
  for (const [workflowId, f] of facts) {
    const wfRows = mine
      .filter((r) => r.workflowId === workflowId)
      .sort((a, b) => STEP_NAMES.indexOf(a.step as StepName) - STEP_NAMES.indexOf(b.step as StepName));
    if (wfRows.length === 0) continue;
    const active = wfRows.filter((r) => ACTIVE.has(r.status));
    // Workflow-wide facts go on the step that is moving (or the first one).
    const anchor = active[0] ?? wfRows[0];
    for (const a of f.pendingActivities) {
      if (a.attempt >= MIN_STUCK_ATTEMPT) {
        itemFor(anchor).reasons.push({
          code: 'activity_retrying',
          text: reasonText('activity_retrying', { activity: a.activityType, attempt: a.attempt, error: a.lastFailure ?? '?' }, lang),
          activityId: a.activityId,
        });
      }
    }
    // A workflow task tried more than once failed (a bug, or code that no longer replays): nothing moves until it is fixed.
    if (f.status === 'RUNNING' && (f.workflowTaskAttempt ?? 0) >= 2) {
      itemFor(anchor).reasons.push({ code: 'workflow_task_failing', text: reasonText('workflow_task_failing', { attempt: f.workflowTaskAttempt ?? 0 }, lang) });
    }
    if (f.status !== 'RUNNING') {
      for (const r of active) itemFor(r).reasons.push({ code: 'workflow_not_running', text: reasonText('workflow_not_running', { status: f.status }, lang) });
    }
  }
  sortStuck(cycle.stuck);
}

// ---------------------------------------------------------------------------------------------------
// Loading

export interface DashboardQuery {
  cycleId?: string;
  slaDays: number;
  idleDays: number;
  lang: Lang;
  /** Only the read model (the spreadsheet needs no Temporal facts). */
  skipTemporal?: boolean;
}

/** Reads the read model, builds every cycle's view, then asks Temporal (bounded) about the candidates. */
export async function loadDashboard(deps: AppDeps, q: DashboardQuery): Promise<Dashboard | undefined> {
  const { models } = deps.db;
  const now = deps.now();
  const cycles = (await models.Cycle.find(q.cycleId ? { _id: q.cycleId } : {})
    .sort({ year: -1, createdAt: -1 })
    .limit(q.cycleId ? 1 : 20)
    .lean()) as CycleRow[];
  if (q.cycleId && cycles.length === 0) return undefined;
  const ids = cycles.map((c) => c._id);
  const [clusters, rows, failed, yearEnds] = await Promise.all([
    models.ClusterPlan.find({ cycleId: { $in: ids } }).lean() as Promise<ClusterRow[]>,
    models.StepState.find({ cycleId: { $in: ids } }).lean() as Promise<StepRow[]>,
    models.Outbox.find({ cycleId: { $in: ids }, status: 'failed' }).sort({ createdAt: -1 }).limit(500).lean() as Promise<OutboxRow[]>,
    models.ClusterYearEnd.find({ cycleId: { $in: ids } }).lean() as Promise<YearEndRow[]>,
  ]);
  const opts: DashboardOptions = {
    now,
    lang: q.lang,
    slaDays: q.slaDays,
    idleDays: q.idleDays,
    temporalUiUrl: deps.config.TEMPORAL_UI_URL,
    namespace: deps.config.TEMPORAL_NAMESPACE,
  };
  const views = cycles.map((c) => buildCycleView(c, clusters, rows, failed, opts, yearEnds));

  const notices: string[] = [];
  const t = tr(q.lang);
  const candidates = temporalCandidates(views, rows);
  const temporal = { available: true, candidates: candidates.total, checked: 0 };
  if (candidates.ids.length > 0 && !q.skipTemporal) {
    const budgetMs = Math.min(deps.config.UPDATE_TIMEOUT_MS, TEMPORAL_BUDGET_MS);
    const result = await inspectWorkflows(deps.temporal, candidates.ids, budgetMs);
    temporal.checked = result.facts.size;
    if (result.unavailable) {
      temporal.available = false;
      notices.push(
        t(
          'Không kết nối được Temporal: danh sách dưới đây chỉ dựa trên dữ liệu MongoDB (không có thông tin tác vụ đang thử lại hay luồng công việc đã dừng).',
          'Temporal is unreachable: the list below comes from MongoDB only (no retrying activities or stopped workflows).',
        ),
      );
    }
    for (const e of result.errors) notices.push(t(`Temporal: ${e}`, `Temporal: ${e}`));
    if (candidates.total > candidates.ids.length) {
      notices.push(
        t(
          `Chỉ kiểm tra ${candidates.ids.length}/${candidates.total} luồng công việc trong Temporal (các đơn vị chậm nhất trước).`,
          `Only ${candidates.ids.length} of ${candidates.total} workflows were checked in Temporal (the worst first).`,
        ),
      );
    }
    for (const v of views) applyTemporalFacts(v, rows, result.facts, opts);
  }

  return {
    generatedAt: now.toISOString(),
    lang: q.lang,
    slaDays: q.slaDays,
    idleDays: q.idleDays,
    cycles: views,
    stuck: sortStuck(views.flatMap((v) => v.stuck)),
    temporal,
    notices,
  };
}
