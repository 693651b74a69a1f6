/**
 * `thidua simulate` on a plan with the whole year-end (test/helpers/plans.ts yearEndPlan): self-scores,
 * inspection, classes, the meeting's secret ballots, next year's head and the award proposal, all played
 * by seeded participants inside Temporal time. Expected instants are worked out by hand from the plan's
 * schedule and the participants' rules (simulation/participant-workflow.ts), not read back from a run.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { render } from '../../cli/simulate';
import { compilePlan } from '../../rules/compile';
import { validatePlan } from '../../rules/plan';
import type { Policy } from '../../simulation/policies';
import { simulate, type SimulationSummary } from '../../simulation/run';
import { yearEndPlan } from '../helpers/plans';

const root = path.resolve(__dirname, '../..');
const thidua = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(root, 'node_modules/.bin/tsx'), ['cli/index.ts', ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const year = new Date().getUTCFullYear() + 1;
const plan = yearEndPlan(year);
// cum-1: the head on time, a unit returned once, a silent one; cum-2: late, on time, and the head returned once.
const policies: Record<string, Policy> = {
  'xa-phu-tan': 'on-time',
  'xa-phu-vinh': 'returned-once',
  'xa-phu-loi': 'never',
  'xa-gia-canh': 'late',
  'xa-ngoc-dinh': 'on-time',
  'tt-dinh-quan': 'returned-once',
};
const SEED = 7;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const minute = (ms: number | string) => new Date(ms).toISOString().slice(0, 16);

/**
 * A summary as two runs can share it: participants act on whole minutes, and each recorded instant adds
 * the milliseconds the servers took (real time); `from`/`to` are the run's real start.
 */
const comparable = (s: SimulationSummary) =>
  JSON.parse(JSON.stringify({ ...s, from: undefined, to: undefined }, (_k, v: unknown) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? v.slice(0, 16) : v)));

describe('thidua simulate: the year-end', () => {
  let summary: SimulationSummary;

  beforeAll(async () => {
    summary = await simulate({ plan, seed: SEED, policies });
  }, 300_000); // a whole year-end on the test server: ~30 s alone, minutes beside other test files

  test('every member unit is scored and classed; inspectors act one hour apart a day after the opening', () => {
    const v = validatePlan(plan);
    if (!v.ok) throw new Error('yearEndPlan is not valid');
    const compiled = compilePlan(v.plan, new Date());
    const bands = plan.scoring!.bands.map((b) => b.id);
    expect(summary.units).toHaveLength(6);
    for (const u of summary.units) {
      const sc = u.score!;
      expect(bands).toContain(sc.classId);
      // Inspectors inspect every unit: the class rests on the inspected total.
      expect(sc).toMatchObject({ source: 'inspection', final: sc.inspected });
      // Max 100 from the criteria, 5 of bonus; every score on the default step of 0.25.
      expect(sc.final).toBeGreaterThanOrEqual(0);
      expect(sc.final).toBeLessThanOrEqual(105);
      expect(Number.isInteger(sc.final! * 4)).toBe(true);
      if (u.policy === 'never') {
        // No self-score: the inspector scores every one of the 3 criteria from scratch, each with a reason.
        expect(sc.self).toBeUndefined();
        expect(sc.changes).toBe(3);
      } else {
        expect(Number.isInteger(sc.self! * 4)).toBe(true);
        // Inspectors only ever lower a score (by 1–3 steps), never raise it.
        expect(sc.final).toBeLessThanOrEqual(sc.self!);
        expect(sc.final! < sc.self!).toBe(sc.changes > 0);
      }
    }
    for (const c of compiled.clusters) {
      const ye = summary.yearEnd.find((y) => y.clusterId === c.clusterId)!;
      const opens = Date.parse(c.yearEnd!.inspection.opensAt);
      // A day after the opening (the window is 10 days), the members in plan order, one hour apart.
      const inspected = ye.timeline.filter((e) => e.event === 'inspected');
      expect(inspected.map((e) => [e.unitId, minute(e.at)])).toEqual(c.units.map((u, i) => [u.unitId, minute(opens + DAY + i * HOUR)]));
      expect(inspected.every((e) => e.by === (c.clusterId === 'cum-1' ? 'an@mttq.test' : 'binh@mttq.test'))).toBe(true);
      // Every unit inspected: the classes lock at the deadline, not at the end of the grace period.
      expect(minute(ye.classesLockedAt!)).toBe(minute(c.yearEnd!.inspection.dueAt));
    }
  });

  test('units cross-check each other an hour after the inspection opens, a minute apart; a silent unit does not', () => {
    const v = validatePlan(plan);
    if (!v.ok) throw new Error('yearEndPlan is not valid');
    for (const c of compilePlan(v.plan, new Date()).clusters) {
      const ye = summary.yearEnd.find((y) => y.clusterId === c.clusterId)!;
      const opens = Date.parse(c.yearEnd!.inspection.opensAt);
      // One check per unit (checksPerUnit: 1): every member checks one other, never itself.
      expect(ye.crossChecks).toHaveLength(3);
      for (const x of ye.crossChecks!) {
        expect(x.checker).not.toBe(x.checked);
        expect(x.done).toBe(policies[x.checker] !== 'never');
      }
      const checked = ye.timeline.filter((e) => e.event === 'cross-checked');
      const expected = ye.crossChecks!.filter((x) => x.done);
      expect(checked.map((e) => [e.unitId, e.detail, minute(e.at)])).toEqual(expected.map((x, i) => [x.checker, x.checked, minute(opens + HOUR + i * MINUTE)]));
    }
  });

  test('ballots: candidates by class, the quota, no vote for oneself, a silent unit never votes', () => {
    const v = validatePlan(plan);
    if (!v.ok) throw new Error('yearEndPlan is not valid');
    const compiled = compilePlan(v.plan, new Date());
    for (const ye of summary.yearEnd) {
      // In plan order (the summary lists units by id).
      const members = plan.clusters.find((c) => c.id === ye.clusterId)!.members.map((id) => summary.units.find((u) => u.unitId === id)!);
      const voters = members.filter((u) => u.policy !== 'never').map((u) => u.unitId);
      const meetingOpens = Date.parse(compiled.clusters.find((c) => c.clusterId === ye.clusterId)!.yearEnd!.meeting!.opensAt);
      expect(ye.awards.map((a) => a.awardId)).toEqual(['co-thi-dua', 'bang-khen']);
      for (const a of ye.awards) {
        const rule = plan.awards!.find((r) => r.id === a.awardId)!;
        const eligible = members.filter((u) => rule.eligibleBands.includes(u.score!.classId!)).map((u) => u.unitId);
        expect(a.quota).toBe(rule.quota);
        expect(a.elected.length).toBeLessThanOrEqual(a.quota);
        expect(a.status).toBe(eligible.length === 0 ? 'no-candidates' : 'decided');
        if (eligible.length === 0) continue;
        expect([...a.rounds[0].candidates].sort()).toEqual([...eligible].sort());
        for (const r of a.rounds) {
          expect(r.voted).toBe(voters.length);
          expect(r.elected.every((u) => r.candidates.includes(u))).toBe(true);
          const total = Object.values(r.votes).reduce((x, y) => x + y, 0);
          expect(total).toBeLessThanOrEqual(r.voted * r.seats);
          // Nobody votes for itself: a voting unit gets at most the other voters' ballots.
          for (const [unit, n] of Object.entries(r.votes)) expect(n).toBeLessThanOrEqual(voters.length - (voters.includes(unit) ? 1 : 0));
        }
        expect(a.elected.every((u) => a.rounds[0].candidates.includes(u))).toBe(true);
        expect(a.tieDecidedByChair).toBe(a.decidedBy === 'chair');
        if (a.tieDecidedByChair) expect(ye.timeline.some((e) => e.event === 'tie-decided' && e.awardId === a.awardId)).toBe(true);
        // Round 1: the delegates in plan order, from 5 minutes after the ballots open, one a minute.
        const votes = ye.timeline.filter((e) => e.event === 'voted' && e.awardId === a.awardId && e.round === 1);
        expect(votes.map((e) => [e.unitId, minute(e.at)])).toEqual(voters.map((u, i) => [u, minute(meetingOpens + (5 + i) * MINUTE)]));
      }
      expect(ye.timeline.filter((e) => e.event === 'refused')).toEqual([]);
    }
  });

  test("next year's head rotates; the head sends the proposal by its policy and the council approves it", () => {
    const v = validatePlan(plan);
    if (!v.ok) throw new Error('yearEndPlan is not valid');
    const compiled = compilePlan(v.plan, new Date());
    const [one, two] = summary.yearEnd;
    // Members rotate in plan order: after Phú Tân comes Phú Vinh; after the town (last) the first, Gia Canh.
    expect(one.nextHead?.head).toBe('xa-phu-vinh');
    expect(two.nextHead?.head).toBe('xa-gia-canh');
    const schedule = compiled.clusters[0].yearEnd!.proposal!.schedule;
    // On time: 3 days after the proposal's opening (its deadline is 12 days on); the council a day later.
    const sent = Date.parse(schedule.opensAt) + Math.min(3 * DAY, (Date.parse(schedule.dueAt) - Date.parse(schedule.opensAt)) / 2);
    expect(one.phase).toBe('done');
    expect(one.proposal).toMatchObject({ status: 'approved', rounds: 1, returns: 0, submittedBy: 'xa-phu-tan@units.test', reviewedBy: 'council@mttq.test' });
    expect([minute(one.proposal!.submittedAt!), minute(one.proposal!.approvedAt!)]).toEqual([minute(sent), minute(sent + DAY)]);
    // Returned once: sent, returned a day later, sent again the next day, approved the day after.
    expect(two.phase).toBe('done');
    expect(two.proposal).toMatchObject({ status: 'approved', rounds: 2, returns: 1, submittedBy: 'tt-dinh-quan@units.test', reviewedBy: 'council@mttq.test' });
    expect(minute(two.proposal!.approvedAt!)).toBe(minute(sent + 3 * DAY));
    expect(two.timeline.filter((e) => e.event.startsWith('proposal-')).map((e) => e.event)).toEqual([
      'proposal-opened',
      'proposal-submitted',
      'proposal-returned',
      'proposal-submitted',
      'proposal-approved',
    ]);
    // The unit steps' outcome is the units' own: the proposal is not counted there.
    expect(summary.units.map((u) => u.unitId)).not.toContain('cum-1');
    expect(summary.timeline.some((e) => e.step === 'award-proposal')).toBe(false);
    // 3 self-scoring requests per cluster; one invitation per delegate and the chair, in both clusters.
    expect(summary.emails.byKind['self-scoring.request']).toBe(6);
    expect(summary.emails.byKind['meeting.invitation']).toBe(8);
  });

  test('the printed form shows the year-end in the timeline and the summary', () => {
    const text = render(summary);
    expect(text).toMatch(/xa-phu-tan +inspection +inspected → [\d.]+ \(\d+ changes?\)/);
    expect(text).toMatch(/xa-phu-tan +cross-check +checked the files of xa-phu-(vinh|loi)/);
    expect(text).toMatch(/xa-gia-canh +co-thi-dua r1 +voted/);
    expect(text).toMatch(/cum-1 +award-proposal +approved/);
    expect(text).toContain('cum-1 / Cụm thi đua số 1 — year-end: done');
    expect(text).toMatch(/xa-phu-loi +no self-score, final [\d.]+ \(inspection\) → /);
    expect(text).toMatch(/Cờ thi đua \(quota 1\): round 1 \(2 voted\): /);
    expect(text).toContain("next year's head: xa-phu-vinh");
    expect(text).toContain('award proposal: approved (rounds 2, returns 1, reminders 0, escalations 0)');
  });

  test('the same seed gives the same summary, through the command line as JSON', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-sim-ye-')), 'plan.yaml');
    fs.writeFileSync(file, stringify(plan));
    const r = await thidua('simulate', file, '--json', '--seed', String(SEED), ...Object.entries(policies).flatMap(([u, p]) => ['--policy', `${u}=${p}`]));
    expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(r.code).toBe(0);
    const again = JSON.parse(r.stdout) as SimulationSummary;
    expect(comparable(again)).toEqual(comparable(summary));
  }, 300_000);
});
