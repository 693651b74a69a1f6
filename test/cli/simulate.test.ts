/**
 * `thidua simulate` rehearses a year on the time-skipping server. Expected numbers are worked out by
 * hand from the plan and the policies (see the comments), not read back from the code.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { simulate, SimulationInputError, type SimulationSummary } from '../../simulation/run';
import { smallPlan } from '../helpers/plans';

const root = path.resolve(__dirname, '../..');
const thidua = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(root, 'node_modules/.bin/tsx'), ['cli/index.ts', ...args], { cwd: root }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** Next year's March: opens on the first Monday, due on the Friday 18 days later (no holidays near). */
function planFile(): string {
  const year = new Date().getUTCFullYear() + 1;
  const first = new Date(Date.UTC(year, 2, 1));
  const monday = new Date(Date.UTC(year, 2, 1 + ((8 - first.getUTCDay()) % 7)));
  const day = (n: number) => new Date(monday.getTime() + n * 86400000).toISOString().slice(0, 10);
  const plan = smallPlan({ year, calendar: { holidays: [] }, stages: { registration: { opensOn: day(0), deadline: day(18), reminders: [7, 3, 1], grace: 2, escalations: [0, 3] } } });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-sim-')), 'plan.yaml');
  fs.writeFileSync(file, stringify(plan));
  return file;
}

test('a rehearsed year: policies, reminders, escalations and every email, as JSON', async () => {
  const r = await thidua(
    'simulate', planFile(), '--json',
    '--policy', 'xa-phu-tan=returned-once', '--policy', 'xa-phu-vinh=late', '--policy', 'xa-phu-loi=never',
    '--policy', 'xa-gia-canh=on-time', '--policy', 'xa-ngoc-dinh=on-time', '--policy', 'tt-dinh-quan=never',
  );
  expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('');
  expect(r.code).toBe(0);
  const s = JSON.parse(r.stdout) as SimulationSummary;
  const unit = (id: string) => s.units.find((u) => u.unitId === id)!.steps.registration!;
  // On time: acts 3 days after opening, before the first reminder (day 9): no reminder, approved.
  expect(unit('xa-gia-canh')).toMatchObject({ status: 'approved', rounds: 1, reminders: 0, escalations: 0 });
  expect(unit('xa-phu-tan')).toMatchObject({ status: 'approved', rounds: 2, reminders: 0, escalations: 0 });
  // Late: acts 2 days after the grace period (Tue 17:00) → after escalation 1 (Wed 08:00), before level 2.
  expect(unit('xa-phu-vinh')).toMatchObject({ status: 'approved', rounds: 1, reminders: 3, escalations: 1 });
  expect(unit('xa-phu-loi')).toMatchObject({ status: 'open', reminders: 3, escalations: 2 });
  expect(s.outcome).toEqual({ approved: 4, open: 2 });
  // No individual awards in this plan: nobody nominates.
  expect(s.nominations).toEqual([]);
  // launch notices 6 (one per unit's contact); requests 6; review requests 5 (Phú Tân twice); approvals 4;
  // one return; reminders 3 × 3 units; escalations: Phú Lợi 2 levels × (reviewer + head), the town
  // 2 × (reviewer + itself), Phú Vinh 1 × 2; overdue notices to the late units themselves, once each at
  // their first escalation: Phú Lợi, the town, Phú Vinh.
  expect(s.emails.byKind).toEqual({
    'launch.notice': 6,
    'registration.overdue': 3,
    'registration.request': 6,
    'registration.review-request': 5,
    'registration.approved': 4,
    'registration.returned': 1,
    'registration.reminder': 9,
    'registration.escalation': 10,
  });
  expect(s.emails.total).toBe(6 + 35 + 3);
  // an@ reviews cluster 1: review requests for Phú Tân ×2 and Phú Vinh; escalations for Phú Lợi ×2 and Phú Vinh ×1.
  expect(s.emails.byRecipient['an@mttq.test']).toBe(3 + 3);
  expect(s.timeline.filter((e) => e.unitId === 'xa-phu-tan').map((e) => e.event)).toEqual(['opened', 'submitted', 'returned', 'submitted', 'approved']);
  // No scoring, no inspection: no year-end (test/simulation/year-end.test.ts plays one).
  expect(s.yearEnd).toEqual([]);
  expect(s.units.every((u) => u.score === undefined)).toBe(true);
});

test('bad input is refused before anything runs', async () => {
  await expect(simulate({ plan: { apiVersion: 'thidua/v1' } })).rejects.toBeInstanceOf(SimulationInputError);
  await expect(simulate({ plan: smallPlan(), policies: { 'no-such-unit': 'never' } })).rejects.toThrow('--policy no-such-unit: unknown unit id');
  // smallPlan() is dated 2024: a rehearsal runs forward from today.
  await expect(simulate({ plan: smallPlan() })).rejects.toThrow('every deadline is before today');
  const bad = await thidua('simulate', planFile(), '--policy', 'xa-phu-tan=sometimes');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('expected <unitId>=<on-time|late|returned-once|never>');
});
