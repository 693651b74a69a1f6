/** `thidua plan check FILE`: validate a plan and print its computed timeline in local time. */
import fs from 'node:fs';
import { parse } from 'yaml';
import { formatViDateTime } from '../rules/calendar';
import { compilePlan, PlanCompileError } from '../rules/compile';
import { validatePlan, type PlanProblem } from '../rules/plan';
import { STEP_KINDS, STEP_NAMES } from '../rules/steps';

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
  const tz = v.plan.timeZone;
  const at = (iso: string) => formatViDateTime(iso, tz);
  const units = compiled.clusters.reduce((n, c) => n + c.units.length, 0);
  const lines = [
    `${file}: valid`,
    `${v.plan.body.name} — ${v.plan.year} (${compiled.cycle.cycleId}), ${compiled.clusters.length} clusters, ${units} units, times in ${tz}`,
  ];
  const sample = compiled.clusters[0].units[0];
  for (const step of STEP_NAMES) {
    const s = sample.steps[step];
    if (!s) continue;
    lines.push('', `${STEP_KINDS[step].title.vi} / ${STEP_KINDS[step].title.en}`);
    lines.push(`  opens        ${at(s.opensAt)}`);
    for (const r of s.reminders) lines.push(`  reminder ${r.n}   ${at(r.at)}  (${r.daysLeft} working day${r.daysLeft === 1 ? '' : 's'} left)`);
    lines.push(`  deadline     ${at(s.dueAt)}`);
    if (s.graceEndsAt !== s.dueAt) lines.push(`  grace ends   ${at(s.graceEndsAt)}`);
    for (const e of s.escalations) lines.push(`  escalation ${e.level} ${at(e.at)}  (to the reviewer and the cluster head)`);
  }
  return lines.join('\n');
}
