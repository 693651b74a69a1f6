/**
 * Simulated people, acting inside Temporal time on the same (time-skipping) server as the real
 * workflows, so every timer fires exactly as it would in a real year: a unit and its reviewer
 * (participantWorkflow), and the people of a cluster's year-end (yearEndParticipantWorkflow).
 *
 * They decide only *when* to act; *what* they enter is drawn from the seed by the activities, so no
 * choice (a ballot's marks above all) ever enters a workflow's history.
 */
import { defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { StepName, StepSchedule } from '../workflows/cycle/definitions';
import type { SimulationActivities, YearEndView } from './activities';
import type { Policy } from './policies';

const { simSubmit, simReview, simYearEndView, simInspect, simVote, simDecideTie, simCrossCheck } = proxyActivities<SimulationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface ParticipantInput {
  unitWorkflowId: string;
  /** Keys the unit's seeded draws (its self-scores); the workflow ID when absent. */
  unitId?: string;
  policy: Policy;
  steps: { step: StepName; schedule: StepSchedule }[];
}

async function sleepUntil(ms: number): Promise<void> {
  if (ms > Date.now()) await sleep(ms - Date.now());
}

/**
 * One reviewed step, played by policy: on time 3 days after opening (or half-way to the deadline),
 * late 2 days after the grace period; the reviewer answers a day after each submission (returning
 * round 1 under `returned-once`). `by`/`reviewer` name the people when the target is not a unit.
 *
 * Every action is at an instant computed from the plan (never "a day after now"): the servers take a
 * few milliseconds of real time per action, and relative sleeps would add them up over a year.
 * `from` is the earliest instant to act (the previous step's last action); returns this step's last.
 */
async function playStep(
  target: { workflowId: string; unitId?: string; by?: string; reviewer?: string },
  step: StepName,
  schedule: StepSchedule,
  policy: Policy,
  from: number,
): Promise<number> {
  if (policy === 'never') return from;
  const opens = Date.parse(schedule.opensAt);
  const due = Date.parse(schedule.dueAt);
  let at = Math.max(from, policy === 'late' ? Date.parse(schedule.graceEndsAt) + 2 * DAY : opens + Math.min(3 * DAY, (due - opens) / 2));
  const next = async () => {
    at += DAY;
    await sleepUntil(at);
  };
  const submit = (round: number) => simSubmit({ workflowId: target.workflowId, step, round, by: target.by, unitId: target.unitId });
  const review = (round: number, decision: 'approve' | 'return') => simReview({ workflowId: target.workflowId, step, round, decision, by: target.reviewer });
  await sleepUntil(at);
  await submit(1);
  await next();
  if (policy === 'returned-once') {
    await review(1, 'return');
    await next();
    await submit(2);
    await next();
    await review(2, 'approve');
  } else {
    await review(1, 'approve');
  }
  return at;
}

export async function participantWorkflow(input: ParticipantInput): Promise<void> {
  if (input.policy === 'never') return;
  // Steps in date order, one after the other, as a unit's staff would work through them.
  const steps = [...input.steps].sort((a, b) => Date.parse(a.schedule.opensAt) - Date.parse(b.schedule.opensAt));
  let at = 0;
  for (const { step, schedule } of steps) at = await playStep({ workflowId: input.unitWorkflowId, unitId: input.unitId }, step, schedule, input.policy, at);
}

// ---------------------------------------------------------------------------------------------
// A cluster's year-end

export interface YearEndParticipantInput {
  clusterWorkflowId: string;
  /** The member units in plan order, with their policies (a `never` unit's delegate casts no ballot). */
  members: { unitId: string; policy: Policy }[];
  inspection: { opensAt: string; dueAt: string };
  /** Units check each other's files: each checker (unless it never answers) sends its findings first. */
  crossCheck?: boolean;
  meeting?: { opensAt: string; closesAt: string };
  proposal?: { schedule: StepSchedule; headPolicy: Policy; head: string; council: string };
  /** The simulation's end: nobody waits past it. */
  endsAt: string;
}

/** What a simulated person did, in Temporal time: the summary's year-end timeline reads it. */
export interface SimulatedAction {
  at: string;
  actor: 'inspector' | 'delegate' | 'chair' | 'checker';
  action: 'inspected' | 'voted' | 'decided-tie' | 'cross-checked' | 'refused';
  unitId?: string;
  /** Cross-checked: the unit whose files were checked. */
  checked?: string;
  awardId?: string;
  round?: number;
  /** Inspected: the changes from the self-score; decided-tie: the units chosen; refused: why. */
  changes?: number;
  chosen?: string[];
  reason?: string;
}

export const simulationLogQuery = defineQuery<SimulatedAction[]>('simulationLog');

const settled = (a: YearEndView['awards'][number]) => a.status === 'decided' || a.status === 'no-candidates' || a.status === 'void';

/**
 * Units cross-check each other's files as soon as they are assigned (a minute apart; a unit that never
 * answers does not), then inspectors enter every unit's scores early in the inspection window, one hour apart; at the
 * meeting each delegate (in plan order, a minute apart) fills in every open ballot, the chair decides
 * a tie as soon as it is reported, second rounds are voted when they open; then the head plays the
 * award proposal by its unit's policy and the council reviews it.
 */
export async function yearEndParticipantWorkflow(input: YearEndParticipantInput): Promise<void> {
  const log: SimulatedAction[] = [];
  setHandler(simulationLogQuery, () => log);
  const note = (a: Omit<SimulatedAction, 'at'>) => log.push({ at: new Date(Date.now()).toISOString(), ...a });
  const endsAt = Date.parse(input.endsAt);
  const view = () => simYearEndView({ clusterWorkflowId: input.clusterWorkflowId });
  // The instant of the next action, computed from the plan and advanced by whole steps (see playStep).
  let at = 0;
  /** Polls from `at` until `ok`, `every` apart; undefined when the simulation ends first. */
  const waitFor = async (ok: (v: YearEndView) => boolean, every: number): Promise<YearEndView | undefined> => {
    for (;;) {
      await sleepUntil(at);
      const v = await view();
      if (ok(v)) return v;
      if (at + every > endsAt) return undefined;
      at += every;
    }
  };

  // The inspection: a day after it opens (or a quarter of the way to its deadline), one unit an hour
  // (closer together if the window is short).
  const opens = Date.parse(input.inspection.opensAt);
  const due = Date.parse(input.inspection.dueAt);
  const inspectAt = opens + Math.min(DAY, Math.floor((due - opens) / 4 / MINUTE) * MINUTE);
  if (input.crossCheck) {
    // Cross-checking (kiểm tra chéo) comes first, an hour after the opening (or half-way to the
    // inspectors), a minute apart: the inspectors see the findings when they score.
    at = opens + Math.min(HOUR, Math.floor((inspectAt - opens) / 2 / MINUTE) * MINUTE);
    const assigned = await waitFor((v) => v.phase !== 'waiting' && (v.crossChecks !== undefined || v.phase !== 'inspection'), 10 * MINUTE);
    if (!assigned) return;
    const policyOf = new Map(input.members.map((m) => [m.unitId, m.policy]));
    for (const c of assigned.crossChecks ?? []) {
      if (c.done || policyOf.get(c.checker) === 'never') continue;
      await sleepUntil(at);
      const r = await simCrossCheck({ clusterWorkflowId: input.clusterWorkflowId, checker: c.checker, checked: c.checked });
      note(r.ok ? { actor: 'checker', action: 'cross-checked', unitId: c.checker, checked: c.checked } : { actor: 'checker', action: 'refused', unitId: c.checker, checked: c.checked, reason: r.reason });
      at += MINUTE;
    }
  }
  at = Math.max(at, inspectAt);
  if (!(await waitFor((v) => v.phase !== 'waiting', HOUR))) return;
  const gap = Math.max(MINUTE, Math.min(HOUR, Math.floor((due - at) / (2 * input.members.length) / MINUTE) * MINUTE));
  for (const m of input.members) {
    await sleepUntil(at);
    const r = await simInspect({ clusterWorkflowId: input.clusterWorkflowId, unitId: m.unitId });
    note(r.ok ? { actor: 'inspector', action: 'inspected', unitId: m.unitId, changes: r.changes } : { actor: 'inspector', action: 'refused', unitId: m.unitId, reason: r.reason });
    at += gap;
  }

  if (input.meeting) {
    // The ballots open at the meeting's start; the delegates start five minutes later.
    at = Math.max(at, Date.parse(input.meeting.opensAt) + 5 * MINUTE);
    const done = new Set<string>();
    for (;;) {
      await sleepUntil(at);
      const v = await view();
      if (v.phase !== 'voting' && v.phase !== 'classified') break;
      if (v.awards.every(settled)) break;
      let acted = false;
      for (const a of v.awards.filter((x) => x.status === 'tie' && !done.has(`tie:${x.awardId}`))) {
        done.add(`tie:${a.awardId}`);
        const r = await simDecideTie({ clusterWorkflowId: input.clusterWorkflowId, awardId: a.awardId });
        note(r.ok ? { actor: 'chair', action: 'decided-tie', awardId: a.awardId, chosen: r.chosen } : { actor: 'chair', action: 'refused', awardId: a.awardId, reason: r.reason });
        acted = true;
      }
      // Each delegate in turn fills in every open ballot; the next one a minute later.
      for (const m of input.members.filter((x) => x.policy !== 'never')) {
        let voted = false;
        for (const a of v.awards) {
          const r = a.round;
          const key = `${a.awardId}:${r?.round}:${m.unitId}`;
          if (a.status !== 'voting' || r?.status !== 'open' || r.voted.includes(m.unitId) || done.has(key)) continue;
          done.add(key);
          await sleepUntil(at);
          const res = await simVote({ clusterWorkflowId: input.clusterWorkflowId, awardId: a.awardId, round: r.round, voterUnitId: m.unitId });
          note(res.ok ? { actor: 'delegate', action: 'voted', unitId: m.unitId, awardId: a.awardId, round: r.round } : { actor: 'delegate', action: 'refused', unitId: m.unitId, awardId: a.awardId, round: r.round, reason: res.reason });
          voted = acted = true;
        }
        if (voted) at += MINUTE;
      }
      if (acted) continue;
      // Nothing to do until a round closes on its own (a silent unit's ballot never comes): look again
      // on the first whole minute after it closes.
      const closes = v.awards.filter((a) => a.status === 'voting' && a.round?.status === 'open').map((a) => Date.parse(a.round!.closesAt));
      at = closes.length > 0 ? Math.max(at, (Math.floor(Math.min(...closes) / MINUTE) + 1) * MINUTE) : at + HOUR;
      if (at > endsAt) break;
    }
  }

  const p = input.proposal;
  if (p) {
    // The proposal opens once the results are out (and not before its own date).
    at = Math.max(at, Date.parse(p.schedule.opensAt));
    const open = await waitFor((v) => v.phase === 'done' || v.phase === 'cancelled' || (v.phase === 'proposal' && v.proposal?.status !== 'pending'), 10 * MINUTE);
    if (open?.phase === 'proposal' && open.proposal?.status === 'open') {
      await playStep({ workflowId: input.clusterWorkflowId, by: p.head, reviewer: p.council }, 'award-proposal', p.schedule, p.headPolicy, at);
    }
  }
}
