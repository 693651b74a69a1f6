/** `thidua simulate PLAN`: print the rehearsed year (timeline + summary), or only the summary as JSON. */
import { installSdkLogging } from '../lib/sdk-logging';
import { formatViDateTime } from '../rules/calendar';
import { POLICIES, type Policy } from '../simulation/policies';
import { simulate, SimulationInputError, type SimulationSummary } from '../simulation/run';
import { CliError, readPlanFile } from './plan-check';

export function parsePolicies(values: string[]): Record<string, Policy> {
  const out: Record<string, Policy> = {};
  for (const v of values) {
    const [unit, policy] = v.split('=');
    if (!unit || !POLICIES.includes(policy as Policy)) throw new CliError(`--policy ${v}: expected <unitId>=<${POLICIES.join('|')}>`, 2);
    out[unit] = policy as Policy;
  }
  return out;
}

export async function runSimulate(file: string, opts: { seed: string; policy: string[]; json?: boolean }): Promise<string> {
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed)) throw new CliError(`--seed ${opts.seed}: expected a whole number`, 2);
  // Keep the SDK's chatter out of a coordinator's terminal (and out of --json on stdout).
  installSdkLogging('WARN', 'ERROR');
  let summary: SimulationSummary;
  try {
    summary = await simulate({
      plan: readPlanFile(file),
      seed,
      policies: parsePolicies(opts.policy),
      onProgress: opts.json ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
  } catch (err) {
    if (err instanceof SimulationInputError) throw new CliError(`${file}: cannot simulate\n${err.message.replace(/^/gm, '  ')}`);
    throw err;
  }
  return opts.json ? JSON.stringify(summary, null, 2) : render(summary);
}

function render(s: SimulationSummary): string {
  const at = (iso: string) => formatViDateTime(iso, s.timeZone);
  const lines = [`Timeline (${s.timeZone})`];
  for (const e of s.timeline) lines.push(`  ${at(e.at)}  ${e.unitId.padEnd(18)} ${e.step.padEnd(17)} ${e.event}${e.n ? ` ${e.n}` : ''}`);
  lines.push('', `Summary — ${s.cycleId}, seed ${s.seed}`);
  for (const u of s.units) {
    const steps = Object.entries(u.steps).map(([step, st]) => `${step}: ${st!.status} (rounds ${st!.rounds}, reminders ${st!.reminders}, escalations ${st!.escalations})`);
    lines.push(`  ${u.clusterId} / ${u.unitName} [${u.policy}] — ${steps.join('; ')}`);
  }
  lines.push(`  outcome: ${Object.entries(s.outcome).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  lines.push(`  emails: ${s.emails.total} — ${Object.entries(s.emails.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return lines.join('\n');
}
