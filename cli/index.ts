#!/usr/bin/env node
/** The `thidua` command line (run as `npm run thidua -- …`). */
import { Command, CommanderError } from 'commander';
import { CliError, planCheck } from './plan-check';

const program = new Command('thidua').description('Thi đua – khen thưởng on Temporal').exitOverride();
const plan = program.command('plan').description('work with plan files');
plan
  .command('check')
  .argument('<file>', 'plan file (YAML or JSON)')
  .description('validate a plan and print its computed timeline (every deadline, reminder and escalation, local time)')
  .action((file: string) => {
    process.stdout.write(`${planCheck(file)}\n`);
  });

try {
  program.parse();
} catch (err) {
  if (err instanceof CliError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  throw err;
}
