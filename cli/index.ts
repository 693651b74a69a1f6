#!/usr/bin/env node
/** The `thidua` command line (run as `npm run thidua -- …`). */
import { Command, CommanderError } from 'commander';
import { cycleStart, cycleStatus } from './cycle';
import { cycleArchive, cycleExport } from './cycle-export';
import { CliError, planCheck } from './plan-check';
import { planNext } from './plan-next';
import { runSimulate } from './simulate';
import { staffAdd, staffList, type StaffAddOptions } from './staff';

const program = new Command('thidua').description('Thi đua – khen thưởng on Temporal').exitOverride();
const plan = program.command('plan').description('work with plan files');
plan
  .command('check')
  .argument('<file>', 'plan file (YAML or JSON)')
  .description('validate a plan and print its computed timeline (every deadline, reminder and escalation, local time)')
  .action((file: string) => {
    process.stdout.write(`${planCheck(file)}\n`);
  });
plan
  .command('next')
  .argument('<file>', 'this year\'s plan file (YAML or JSON)')
  .option('-o, --out <file>', 'write the draft (YAML) there instead of printing it')
  .description('draft next year\'s plan: dates moved a year, lunar holidays dropped, cluster heads rotated, document number cleared (notes on stderr)')
  .action((file: string, opts: { out?: string }) => planNext(file, opts, process));

const cycle = program.command('cycle').description('start and follow a cycle through the api (`npm start` or --api/--token)');
const apiOptions = (c: Command) =>
  c.option('--api <url>', 'api base URL (default: THIDUA_API_URL, or localhost:$PORT)').option('--token <token>', 'API token (default: API_TOKEN, or DATA_DIR/secrets.json)');
apiOptions(cycle.command('start'))
  .argument('<plan>', 'plan file (YAML or JSON)')
  .option('--no-wait', 'return once the cycle is started, without waiting for every unit')
  .option('--timeout <seconds>', 'how long to wait for every unit to be running', '600')
  .description('start a real cycle from a plan, with a progress bar while its units start')
  .action((plan: string, opts: { api?: string; token?: string; wait: boolean; timeout: string }) => cycleStart(plan, opts, process.stdout));
apiOptions(cycle.command('status'))
  .argument('<cycleId>', 'e.g. thidua:mttq-dinh-quan:2027')
  .description('where a cycle stands: steps by status, and who is overdue')
  .action(async (cycleId: string, opts: { api?: string; token?: string }) => {
    process.stdout.write(`${await cycleStatus(cycleId, opts)}\n`);
  });

apiOptions(cycle.command('export'))
  .argument('<cycleId>', 'a closed cycle (completed or cancelled)')
  .requiredOption('-o, --out <file>', 'where to write the zip')
  .description('export a closed year as a zip: documents, scores, ballot results, audit, read model, and a manifest with checksums')
  .action(async (cycleId: string, opts: { api?: string; token?: string; out: string }) => {
    process.stdout.write(`${await cycleExport(cycleId, opts)}\n`);
  });
apiOptions(cycle.command('archive'))
  .argument('<cycleId>', 'a closed cycle (completed or cancelled)')
  .option('--reason <text>', 'kept in the audit')
  .description('archive a closed year: read-only from then on (every change refused with 409); export it first or after')
  .action(async (cycleId: string, opts: { api?: string; token?: string; reason?: string }) => {
    process.stdout.write(`${await cycleArchive(cycleId, opts)}\n`);
  });

program
  .command('simulate')
  .argument('<plan>', 'plan file (YAML or JSON)')
  .option('--seed <n>', 'seed for the policies drawn at random', '1')
  .option('--policy <unit=policy>', 'fix one unit\'s behaviour: on-time | late | returned-once | never (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--json', 'print only the summary, as JSON (shape: SimulationSummary in simulation/run.ts)')
  .description('rehearse the plan\'s year in seconds on the time-skipping test server, with simulated participants')
  .action(async (plan: string, opts: { seed: string; policy: string[]; json?: boolean }) => {
    process.stdout.write(`${await runSimulate(plan, opts)}\n`);
  });

const collect = (v: string, acc: string[]) => [...acc, v];
const staff = program.command('staff').description('staff accounts, straight in MongoDB (MONGODB_URI, or the `npm start` server)');
staff
  .command('add')
  .option('--email <email>', 'the account\'s email (its login)')
  .option('--name <name>', 'full name')
  .option('--role <role>', 'coordinator | secretariat | council | viewer (repeatable)', collect, [] as string[])
  .option('--cluster <id>', 'limit the account to this cluster (repeatable; none: every cluster)', collect, [] as string[])
  .description('create an account; the password comes from THIDUA_STAFF_PASSWORD, or is generated and printed once')
  .action(async (opts: StaffAddOptions) => {
    process.stdout.write(`${await staffAdd(opts)}\n`);
  });
staff
  .command('list')
  .description('every account: email, name, roles, scope, state')
  .action(async () => {
    process.stdout.write(`${await staffList()}\n`);
  });

async function main(): Promise<void> {
  await program.parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof CliError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
