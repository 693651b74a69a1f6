/** `thidua plan check` as a coordinator runs it: a real child process, its output and exit code. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const thidua = (...args: string[]) =>
  spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['cli/index.ts', ...args], { cwd: root, encoding: 'utf8' });

test('a valid plan prints its timeline in local time, exit 0', () => {
  const r = thidua('plan', 'check', 'config/plans/example-registration.yaml');
  expect(r.status).toBe(0);
  // Deadline Friday 05/03/2027 17:00; reminders 7, 3, 1 working days before at 08:00; grace 2 working
  // days (ends Tuesday 09/03); escalations the next working day (Wednesday) and 3 working days later.
  expect(r.stdout).toContain('2 clusters, 6 units, times in Asia/Ho_Chi_Minh');
  for (const line of [
    'reminder 1   08:00 24/02/2027  (7 working days left)',
    'reminder 2   08:00 02/03/2027  (3 working days left)',
    'reminder 3   08:00 04/03/2027  (1 working day left)',
    'deadline     17:00 05/03/2027',
    'grace ends   17:00 09/03/2027',
    'escalation 1 08:00 10/03/2027',
    'escalation 2 08:00 15/03/2027',
  ]) {
    expect(r.stdout).toContain(line);
  }
});

test('an impossible plan lists every problem by path, exit 1', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-cli-')), 'bad.yaml');
  const plan = fs.readFileSync(path.join(root, 'config/plans/example-registration.yaml'), 'utf8')
    .replace('head: xa-phu-tan', 'head: tt-dinh-quan')
    .replace('email: phutan@xa.example', 'email: not-an-email');
  fs.writeFileSync(file, plan);
  const r = thidua('plan', 'check', file);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('2 problem(s)');
  expect(r.stderr).toContain('units[0].contacts[0].email: Invalid email address');
  expect(r.stderr).toContain('clusters[0].head: head "tt-dinh-quan" is not a member of the cluster');
});

test('a missing file or a bad command is a usage error, exit 2', () => {
  expect(thidua('plan', 'check', '/no/such/plan.yaml')).toMatchObject({ status: 2 });
  expect(thidua('plan', 'check', '/no/such/plan.yaml').stderr).toContain('cannot read /no/such/plan.yaml');
  expect(thidua('plan', 'bogus').status).toBe(2);
});
