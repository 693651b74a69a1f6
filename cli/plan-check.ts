/** `thidua plan check FILE`: validate a plan and print its computed timeline in local time. */
import fs from 'node:fs';
import { parse } from 'yaml';
import { votesNeeded } from '../rules/ballot';
import { formatViDateTime } from '../rules/calendar';
import { compilePlan, PlanCompileError, type CompiledPlan } from '../rules/compile';
import { validatePlan, type Plan, type PlanProblem } from '../rules/plan';
import { describeRelativeDate, type RelativeDate } from '../rules/relative-dates';
import { CLUSTER_REGISTRATION_STEPS, STEP_KINDS, STEP_NAMES } from '../rules/steps';
import { cycleIdOf } from '../workflows/cycle/definitions';
import type { AwardRule, ClusterYearEndInput, StepSchedule } from '../workflows/cycle/definitions';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function readPlanFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
  try {
    return parse(text, { maxAliasCount: 50 });
  } catch (err) {
    throw new CliError(`${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
}

const problemsText = (file: string, problems: PlanProblem[]) =>
  `${file}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`;

/** Returns the report to print; throws CliError (non-zero exit) listing every problem. */
export function planCheck(file: string, now = new Date()): string {
  const v = validatePlan(readPlanFile(file));
  if (!v.ok) throw new CliError(problemsText(file, v.problems));
  let compiled;
  try {
    compiled = compilePlan(v.plan, now);
  } catch (err) {
    if (err instanceof PlanCompileError) throw new CliError(problemsText(file, [{ path: err.path, message: err.message }]));
    throw err;
  }
  return [`${file}: valid`, ...planTimelineLines(v.plan, compiled)].join('\n');
}

/** The computed timeline of a valid plan, as `plan check` prints it after its first line (also shown by the web console). */
export function planTimelineLines(plan: Plan, compiled: CompiledPlan): string[] {
  const tz = plan.timeZone;
  const at = (iso: string) => formatViDateTime(iso, tz);
  const units = compiled.clusters.reduce((n, c) => n + c.units.length, 0);
  const lines = [`${plan.body.name} — ${plan.year} (${compiled.cycle.cycleId}), ${compiled.clusters.length} clusters, ${units} units, times in ${tz}`];
  const sample = compiled.clusters[0].units[0];
  for (const step of STEP_NAMES) {
    const s = sample.steps[step];
    if (!s) continue;
    lines.push('', `${STEP_KINDS[step].title.vi} / ${STEP_KINDS[step].title.en}`);
    lines.push(...scheduleLines(s, at, 'to the reviewer and the cluster head', plan.stages[STEP_KINDS[step].stage as 'registration']));
  }
  // The cluster's own registration steps (the same instants in every cluster; the approver may differ).
  for (const step of CLUSTER_REGISTRATION_STEPS) {
    const c = compiled.clusters[0].clusterSteps?.[step];
    if (!c) continue;
    const stage = STEP_KINDS[step].stage as 'pact' | 'heads';
    lines.push('', `${STEP_KINDS[step].title.vi} / ${STEP_KINDS[step].title.en}`);
    lines.push(...scheduleLines(c.schedule, at, 'to the approver and the cluster head', plan.stages[stage]));
    lines.push(`  sent by      each cluster's head; approved or returned by ${plan.stages[stage]!.approver === 'council' ? `the council (${c.approver.name})` : "the cluster's leader in charge"}`);
  }
  lines.push(...yearEndLines(plan, compiled, at));
  lines.push(...individualAwardLines(plan));
  return lines;
}

/** The individual award titles (nominated in the nominations step above), who decides them, and where forwards go. */
function individualAwardLines(plan: Plan): string[] {
  if (plan.individualAwards.length === 0) return [];
  const council = plan.staff.find((s) => s.id === plan.council);
  const parent = plan.body.parent ? `${plan.body.parentName ?? plan.body.parent} (${cycleIdOf(plan.body.parent, plan.year)})` : undefined;
  const lines = ['', 'Khen thưởng cá nhân / Individual awards'];
  for (const t of plan.individualAwards) {
    const q = [t.quota.perUnit !== undefined ? `${t.quota.perUnit} per unit` : undefined, t.quota.perCluster !== undefined ? `${t.quota.perCluster} per cluster` : undefined].filter(Boolean);
    lines.push(`  ${t.name} (${t.id})`);
    lines.push(`    quota         ${q.length > 0 ? q.join(', ') : 'none'}`);
    lines.push(`    decided by    ${t.decidedBy === 'parent' ? `the parent body: the council forwards it to ${parent}` : 'the council'}`);
    if (t.documents.length > 0) lines.push(`    documents     ${t.documents.join('; ')}`);
  }
  if (council) lines.push(`  council       ${council.name} <${council.email}> (receives each cluster's list when every unit's is verified, at the latest when the grace ends)`);
  if (parent) lines.push(`  forwards to   ${parent}`);
  return lines;
}

type At = (iso: string) => string;

/** A step's instants, one per line: the same layout for unit steps, the inspection and the proposal. */
function scheduleLines(s: StepSchedule, at: At, escalatedTo: string, written?: { opensOnRule?: RelativeDate; deadlineRule?: RelativeDate }): string[] {
  // A date the plan wrote relative to another shows its rule beside the date it came to.
  const rule = (r?: RelativeDate) => (r ? `  (${describeRelativeDate(r)})` : '');
  const lines = [`  opens        ${at(s.opensAt)}${rule(written?.opensOnRule)}`];
  for (const r of s.reminders) lines.push(`  reminder ${r.n}   ${at(r.at)}  (${r.daysLeft} working day${r.daysLeft === 1 ? '' : 's'} left)`);
  lines.push(`  deadline     ${at(s.dueAt)}${rule(written?.deadlineRule)}`);
  if (s.graceEndsAt !== s.dueAt) lines.push(`  grace ends   ${at(s.graceEndsAt)}`);
  for (const e of s.escalations) lines.push(`  escalation ${e.level} ${at(e.at)}  (${escalatedTo})`);
  return lines;
}

const WEEKDAYS_VI = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

/** A local 'YYYY-MM-DD' as 'dd/MM/yyyy (Thứ …)'. */
function localDay(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y} (${WEEKDAYS_VI[new Date(`${date}T00:00:00Z`).getUTCDay()]})`;
}

/** 0.5 → '50%', 0.3 → '30%', 2/3 → '2/3' (a share that is no whole hundredth of a percent). */
function shareText(share: number): string {
  const bp = share * 10_000;
  if (Math.abs(bp - Math.round(bp)) < 1e-6) return `${Math.round(bp) / 100}%`;
  for (let d = 2; d <= 12; d++) {
    const n = Math.round(share * d);
    if (Math.abs(share - n / d) < 1e-9) return `${n}/${d}`;
  }
  return `${Math.round(bp) / 100}%`;
}

function thresholdText(t: AwardRule['threshold']): string {
  return `${t.strict ? 'more than' : 'at least'} ${shareText(t.share)} of the ${t.of === 'members' ? 'member units' : 'valid ballots'}`;
}

/**
 * The cluster's year-end as compiled (CompiledCluster.yearEnd): the inspection and the proposal are
 * the same instants in every cluster, the meeting is each cluster's own day.
 */
function yearEndLines(plan: Plan, compiled: CompiledPlan, at: At): string[] {
  const lines: string[] = [];
  const yearEnds = compiled.clusters.flatMap((c) => (c.yearEnd ? [{ clusterId: c.clusterId, ye: c.yearEnd }] : []));
  if (plan.scoring) {
    const { sheet, bands } = plan.scoring;
    const sum = (items: { max: number }[]) => Math.round(items.reduce((n, i) => n + i.max * 100, 0)) / 100;
    const base = sum(sheet.groups.flatMap((g) => g.criteria));
    const bonus = sum(sheet.bonuses);
    const deduction = sum(sheet.deductions);
    lines.push('', 'Bảng chấm điểm / Scoring sheet');
    lines.push(`  points       ${base} in ${sheet.groups.length} group${sheet.groups.length === 1 ? '' : 's'} (${sheet.groups.map((g) => `${g.id}: ${sum(g.criteria)}`).join(', ')})`);
    if (sheet.bonuses.length > 0) lines.push(`  bonuses      up to ${sheet.bonusCap !== undefined && sheet.bonusCap < bonus ? `${sheet.bonusCap} (items add up to ${bonus})` : bonus}`);
    if (deduction > 0) lines.push(`  deductions   up to ${deduction}`);
    lines.push(`  step         ${plan.scoring.step ?? 0.25}`);
    for (const b of [...bands].sort((a, c) => c.minScore - a.minScore)) {
      const req = b.requires?.maxDeduction !== undefined ? `, deduction at most ${b.requires.maxDeduction}` : '';
      lines.push(`  band         ≥ ${b.minScore}${req}: ${b.name} (${b.id})`);
    }
  }
  if (yearEnds.length === 0) return lines;
  const first: ClusterYearEndInput = yearEnds[0].ye;

  lines.push('', 'Kiểm tra, chấm điểm, xếp loại / Inspection: final scores and classes');
  lines.push(...scheduleLines(first.inspection, at, "to the leader in charge, the council and the inspectors, when units were not inspected (until the ballots open)", plan.stages.inspection));
  lines.push(`  inspectors   each unit's reviewer enters its final scores; reminders go to those not done`);
  lines.push(
    first.inspection.graceEndsAt === first.inspection.dueAt
      ? '  closes       at the deadline; the classes are then locked and published'
      : '  closes       at the deadline once every unit is inspected, else when the grace ends; the classes are then locked and published',
  );
  if (first.team?.length) lines.push(`  team         ${first.team.map((p) => `${p.name} <${p.email}>`).join(', ')} (they get the whole timetable)`);
  if (first.crossCheck) lines.push(`  cross-check  each unit checks ${first.crossCheck.checksPerUnit} other unit${first.crossCheck.checksPerUnit === 1 ? "'s" : "s'"} files in its cluster (kiểm tra chéo), assigned when the inspection opens`);
  const visits = yearEnds.flatMap(({ clusterId, ye }) => (ye.visits ?? []).map((v) => ({ clusterId, ye, v })));
  if (visits.length > 0) {
    lines.push('  visits');
    for (const { clusterId, ye, v } of visits.sort((a, b) => Date.parse(a.v.startsAt) - Date.parse(b.v.startsAt))) {
      const unit = ye.members.find((m) => m.unitId === v.unitId)?.unitName ?? v.unitId;
      lines.push(`    ${at(v.startsAt).slice(0, 5)}–${at(v.endsAt)} (${v.slot})  ${unit} (${clusterId})${v.place ? `, ${v.place}` : ''}`);
    }
  }

  const meetings = yearEnds.filter((y) => y.ye.meeting);
  if (meetings.length > 0) {
    lines.push('', 'Hội nghị tổng kết cụm / Cluster meetings');
    for (const { clusterId, ye } of meetings) {
      const m = ye.meeting!;
      const head = ye.members.find((u) => u.unitId === ye.headUnitId);
      lines.push(`  ${clusterId}: ${ye.clusterName} — ${localDay(m.date)}`);
      lines.push(`    place         ${m.place ?? '(not in the plan)'}`);
      if (head) lines.push(`    head          ${head.unitName}`);
      if (ye.chair) lines.push(`    chair         ${ye.chair.name} <${ye.chair.email}>`);
      lines.push(`    invitation    ${at(m.inviteAt)}`);
      lines.push(`    ballot opens  ${at(m.opensAt)}`);
      lines.push(`    ballot closes ${at(m.closesAt)}  (a second round for a tie: ${m.secondRoundMinutes} minutes)`);
    }
  }

  if (first.awards.length > 0) {
    const bandName = new Map((plan.scoring?.bands ?? []).map((b) => [b.id, b.name]));
    lines.push('', 'Danh hiệu bỏ phiếu suy tôn / Award titles (voted at each cluster meeting)');
    for (const a of first.awards) {
      const needed = yearEnds.map(({ clusterId, ye }) => `${clusterId} ${votesNeeded(a.threshold, ye.members.length)}/${ye.members.length}`).join(', ');
      lines.push(`  ${a.name} (${a.id})`);
      lines.push(`    quota         ${a.quota} per cluster (a ballot marks at most ${a.quota})`);
      lines.push(`    eligible      ${a.eligibleBands.map((b) => `${bandName.get(b) ?? b} (${b})`).join(', ')}`);
      lines.push(`    threshold     ${thresholdText(a.threshold)}; votes needed${a.threshold.of === 'valid-ballots' ? ' if every ballot is valid' : ''}: ${needed}`);
      lines.push(`    tie           ${a.tie === 'chair' ? "the chair decides (the cluster's leader)" : 'a second round among the tied units'}`);
      lines.push(`    self-vote     ${a.selfVoteAllowed ? 'allowed' : 'not allowed'}`);
    }
  }

  if (first.proposal) {
    const { schedule, council } = first.proposal;
    const kind = STEP_KINDS['award-proposal'];
    lines.push('', `${kind.title.vi} / ${kind.title.en}`);
    lines.push(...scheduleLines(schedule, at, 'to the council and the cluster head', plan.stages.proposal));
    lines.push(`  sent by      the cluster head, once its meeting's results are out (not before it opens)`);
    lines.push(`  council      ${council.name} <${council.email}> approves or returns it`);
  }
  return lines;
}
