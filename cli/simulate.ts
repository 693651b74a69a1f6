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

/** The printed form: the timeline (units and year-ends together), then the summary. */
export function render(s: SimulationSummary): string {
  const at = (iso: string) => formatViDateTime(iso, s.timeZone);
  const lines = [`Timeline (${s.timeZone})`];
  // The units' steps and every cluster's year-end, in one time order (by the minute shown).
  const rows: { at: string; line: string }[] = s.timeline.map((e) => ({ at: e.at, line: `${e.unitId.padEnd(18)} ${e.step.padEnd(17)} ${e.event}${e.n ? ` ${e.n}` : ''}` }));
  for (const y of s.yearEnd) {
    for (const e of y.timeline) rows.push({ at: e.at, line: yearEndLine(y.clusterId, e) });
  }
  rows.sort((a, b) => a.at.slice(0, 16).localeCompare(b.at.slice(0, 16)));
  for (const r of rows) lines.push(`  ${at(r.at)}  ${r.line}`);
  lines.push('', `Summary — ${s.cycleId}, seed ${s.seed}`);
  for (const u of s.units) {
    const steps = Object.entries(u.steps).map(([step, st]) => `${step}: ${st!.status} (rounds ${st!.rounds}, reminders ${st!.reminders}, escalations ${st!.escalations})`);
    lines.push(`  ${u.clusterId} / ${u.unitName} [${u.policy}] — ${steps.join('; ')}`);
  }
  lines.push(`  outcome: ${Object.entries(s.outcome).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  for (const y of s.yearEnd) lines.push(...renderYearEnd(s, y));
  lines.push(`  emails: ${s.emails.total} — ${Object.entries(s.emails.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return lines.join('\n');
}

type YearEnd = SimulationSummary['yearEnd'][number];

function yearEndLine(clusterId: string, e: YearEnd['timeline'][number]): string {
  const who = (e.unitId ?? clusterId).padEnd(18);
  const ballot = `${e.awardId ?? ''} ${e.round ? `r${e.round}` : ''}`.trim();
  switch (e.event) {
    case 'inspection-opened':
      return `${who} ${'inspection'.padEnd(17)} opened`;
    case 'inspected':
      return `${who} ${'inspection'.padEnd(17)} inspected → ${e.detail} (${e.n} change${e.n === 1 ? '' : 's'})`;
    case 'cross-checked':
      return `${who} ${'cross-check'.padEnd(17)} checked the files of ${e.detail}`;
    case 'classes-locked':
      return `${who} ${'inspection'.padEnd(17)} classes locked`;
    case 'round-opened':
      return `${who} ${ballot.padEnd(17)} ballot opened`;
    case 'voted':
      return `${who} ${ballot.padEnd(17)} voted`;
    case 'tie-decided':
      return `${who} ${ballot.padEnd(17)} tie decided by the chair: ${e.detail}`;
    case 'refused':
      return `${who} ${(ballot || 'year-end').padEnd(17)} refused: ${e.detail}`;
    default:
      return `${who} ${'award-proposal'.padEnd(17)} ${e.event.slice('proposal-'.length)}${e.n ? ` ${e.n}` : ''}`;
  }
}

function renderYearEnd(s: SimulationSummary, y: YearEnd): string[] {
  const lines = [`  ${y.clusterId} / ${y.clusterName} — year-end: ${y.phase}`];
  for (const u of s.units.filter((x) => x.clusterId === y.clusterId && x.score)) {
    const sc = u.score!;
    const self = sc.self === undefined ? 'no self-score' : `self ${sc.self}`;
    const final = sc.final === undefined ? 'no class' : `final ${sc.final} (${sc.source}) → ${sc.className}`;
    lines.push(`    ${u.unitId.padEnd(18)} ${self}, ${final}${sc.changes ? `, ${sc.changes} change${sc.changes === 1 ? '' : 's'} by the inspector` : ''}`);
  }
  for (const a of y.awards) {
    const rounds = a.rounds.map((r) => {
      const votes = Object.entries(r.votes).map(([unit, n]) => `${unit} ${n}`).join(', ');
      return `round ${r.round} (${r.voted} voted): ${votes || 'no votes'}${r.tie ? ` — tie among ${r.tie.among.join(', ')}` : ''}`;
    });
    const elected = a.elected.length ? a.elected.join(', ') : 'nobody';
    const how = a.tieDecidedByChair ? ' (tie decided by the chair)' : '';
    lines.push(`    ${a.name} (quota ${a.quota}): ${rounds.join('; ') || a.status} → elected ${elected}${how}`);
  }
  if (y.nextHead) lines.push(`    next year's head: ${y.nextHead.head}${y.nextHead.deputy ? `, deputy ${y.nextHead.deputy}` : ''}`);
  if (y.proposal) lines.push(`    award proposal: ${y.proposal.status} (rounds ${y.proposal.rounds}, returns ${y.proposal.returns}, reminders ${y.proposal.reminders}, escalations ${y.proposal.escalations})`);
  return lines;
}
