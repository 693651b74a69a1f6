/**
 * What a simulated person does: the same updates a click on an emailed link sends.
 *
 * Every choice is drawn here, from the run's seed (simulation/policies.ts), never in the participant
 * workflows: a ballot's marks in particular go only into the ballot box (MongoDB), exactly as the
 * api's ballot page does it, and never into an activity's input or result, so no Temporal history
 * ever holds them.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { castBallot, discardBallot, receiptOf, sealBallot } from '../lib/ballot-box';
import type { Models } from '../lib/db';
import { checkMarksForVoter } from '../rules/ballot';
import { STEP_KINDS } from '../rules/steps';
import {
  ballotBoxId,
  castVoteUpdate,
  clusterStateQuery,
  decideNominationsUpdate,
  decideTieUpdate,
  enterInspectionUpdate,
  reviewStepUpdate,
  submitCrossCheckUpdate,
  submitStepUpdate,
  unitStateQuery,
  type ClusterNominationsInput,
  type ClusterYearEndInput,
  type IndividualAwardRule,
  type StepName,
  type StepStatus,
  type YearEndPhase,
} from '../workflows/cycle/definitions';
import { ballotConfig } from '../workflows/cycle/year-end';
import { drawChairChoice, drawCouncilDecisions, drawFindings, drawInspection, drawMarks, drawNominations, drawSelfScores, rngFor, type ScoringRules } from './policies';

export interface SimulationContext {
  /** The ballot box, for the delegates' ballots. */
  models?: Models;
  seed?: number;
  /** The plan's scoring sheet and step: a self-scoring submission is drawn on it. */
  scoring?: ScoringRules;
  /** Each cluster's compiled year-end, by cluster workflow ID: who inspects, votes, chairs, reviews. */
  yearEnds?: Record<string, ClusterYearEndInput>;
  /** The plan's individual award titles: a nominations step carries persons drawn within their per-unit quotas. */
  individualAwards?: IndividualAwardRule[];
  /** Each cluster's compiled nominations, by cluster workflow ID: the council deciding them, the titles' quotas. */
  nominations?: Record<string, ClusterNominationsInput>;
}

/** What the year-end participant needs to see of the cluster: participation and statuses, never a ballot. */
export interface YearEndView {
  phase: YearEndPhase;
  awards: {
    awardId: string;
    status: 'waiting' | 'voting' | 'tie' | 'decided' | 'no-candidates' | 'void';
    round?: { round: number; status: 'open' | 'closed'; closesAt: string; voted: string[] };
  }[];
  proposal?: { status: StepStatus; round: number };
  /** Who checks whose files, and whether they have sent their findings (once assigned). */
  crossChecks?: { checker: string; checked: string; done: boolean }[];
}

/** An update the workflow's validator refused: the simulation notes it and goes on. */
const refused = (err: unknown): string | undefined => (err instanceof WorkflowUpdateFailedError ? ((err.cause as Error | undefined)?.message ?? err.message) : undefined);

export function createSimulationActivities(client: Client, ctx: SimulationContext = {}) {
  const seed = ctx.seed ?? 1;
  const people = async (workflowId: string) => (await client.workflow.getHandle(workflowId).query(unitStateQuery)).people;
  const yearEndOf = (clusterWorkflowId: string): ClusterYearEndInput => {
    const ye = ctx.yearEnds?.[clusterWorkflowId];
    if (!ye) throw new Error(`no year-end is planned for ${clusterWorkflowId}`);
    return ye;
  };
  const memberOf = (ye: ClusterYearEndInput, unitId: string) => {
    const m = ye.members.find((x) => x.unitId === unitId);
    if (!m) throw new Error(`${unitId} is not a member of ${ye.clusterName}`);
    return m;
  };
  const yearEndState = async (clusterWorkflowId: string) => {
    const s = await client.workflow.getHandle(clusterWorkflowId).query(clusterStateQuery);
    if (!s.yearEnd) throw new Error(`${clusterWorkflowId} runs no year-end`);
    return s.yearEnd;
  };
  // A ballot's nonce: unguessable (a secret of this run only), yet the same on a retry of the same
  // ballot, so a retried activity completes its ballot instead of casting a second one.
  const nonceSecret = randomBytes(32);
  const nonceOf = (boxId: string, voterUnitId: string) => createHmac('sha256', nonceSecret).update(`${boxId}\u0000${voterUnitId}`).digest('base64url').slice(0, 32);

  return {
    /**
     * A unit's contact (or, with `by`, the given person: the cluster head for the proposal) sends a step.
     * A self-scoring step carries scores drawn on the plan's sheet, as the api builds them from the form.
     */
    async simSubmit(input: { workflowId: string; step: StepName; round: number; by?: string; unitId?: string }): Promise<void> {
      const by = input.by ?? (await people(input.workflowId)).contacts[0];
      let fields = Object.fromEntries(STEP_KINDS[input.step].fields.map((f) => [f.id, `(mô phỏng) ${f.label.vi}, lần ${input.round}`]));
      if (STEP_KINDS[input.step].scored) {
        if (!ctx.scoring) throw new Error(`step ${input.step} needs the plan's scoring sheet`);
        const { entry, evidence } = drawSelfScores(ctx.scoring, rngFor(seed, 'self-score', input.unitId ?? input.workflowId, input.round));
        fields = { ...fields, scores: JSON.stringify(entry), evidence: JSON.stringify(evidence) };
      }
      if (STEP_KINDS[input.step].nominated) {
        const { unitName } = await client.workflow.getHandle(input.workflowId).query(unitStateQuery);
        fields = { ...fields, nominations: JSON.stringify(drawNominations(ctx.individualAwards ?? [], unitName, rngFor(seed, 'nominations', input.unitId ?? input.workflowId, input.round))) };
      }
      await client.workflow.getHandle(input.workflowId).executeUpdate(submitStepUpdate, {
        args: [{ step: input.step, round: input.round, by, fields }],
        updateId: `sim:${input.step}:${input.round}:submit`,
      });
    },
    async simReview(input: { workflowId: string; step: StepName; round: number; decision: 'approve' | 'return'; by?: string }): Promise<void> {
      const by = input.by ?? (await people(input.workflowId)).reviewer;
      await client.workflow.getHandle(input.workflowId).executeUpdate(reviewStepUpdate, {
        args: [{ step: input.step, round: input.round, by, decision: input.decision, comment: input.decision === 'return' ? '(mô phỏng) Đề nghị bổ sung' : undefined }],
        updateId: `sim:${input.step}:${input.round}:${input.decision}`,
      });
    },

    async simYearEndView(input: { clusterWorkflowId: string }): Promise<YearEndView> {
      const s = await yearEndState(input.clusterWorkflowId);
      return {
        phase: s.phase,
        awards: s.awards.map((a) => {
          const r = a.rounds.at(-1);
          return { awardId: a.awardId, status: a.status, round: r && { round: r.round, status: r.status, closesAt: r.closesAt, voted: r.voted.map((v) => v.unitId) } };
        }),
        proposal: s.proposal && { status: s.proposal.status, round: s.proposal.round },
        ...(s.inspection.crossChecks ? { crossChecks: s.inspection.crossChecks.map((c) => ({ checker: c.checker, checked: c.checked, done: c.findings !== undefined })) } : {}),
      };
    },

    /** A unit checks another's files (kiểm tra chéo), as its contact would on the cross-check page: findings drawn by seed. */
    async simCrossCheck(input: { clusterWorkflowId: string; checker: string; checked: string }): Promise<{ ok: true } | { ok: false; reason: string }> {
      const ye = yearEndOf(input.clusterWorkflowId);
      const checker = memberOf(ye, input.checker);
      const checked = memberOf(ye, input.checked);
      const findings = drawFindings(checked.unitName, rngFor(seed, 'cross-check', input.clusterWorkflowId, input.checker, input.checked));
      try {
        await client.workflow.getHandle(input.clusterWorkflowId).executeUpdate(submitCrossCheckUpdate, {
          args: [{ checker: input.checker, checked: input.checked, by: checker.contacts[0].email, findings }],
          updateId: `sim:crosscheck:${input.checker}:${input.checked}`,
        });
        return { ok: true };
      } catch (err) {
        const reason = refused(err);
        if (reason === undefined) throw err;
        return { ok: false, reason };
      }
    },

    /** The unit's inspector confirms its self-score or changes items, each change with a reason. */
    async simInspect(input: { clusterWorkflowId: string; unitId: string }): Promise<{ ok: true; changes: number; total: number } | { ok: false; reason: string }> {
      const ye = yearEndOf(input.clusterWorkflowId);
      const member = memberOf(ye, input.unitId);
      const s = await yearEndState(input.clusterWorkflowId);
      const self = s.inspection.units.find((u) => u.unitId === input.unitId)?.self;
      const { entry, reasons } = drawInspection(ye.scoring, self, rngFor(seed, 'inspection', input.clusterWorkflowId, input.unitId));
      try {
        const r = await client.workflow.getHandle(input.clusterWorkflowId).executeUpdate(enterInspectionUpdate, {
          args: [{ unitId: input.unitId, by: member.inspector.email, ...entry, reasons }],
          updateId: `sim:inspection:${input.unitId}`,
        });
        return { ok: true, changes: r.inspected?.changes.length ?? 0, total: r.inspected?.total ?? 0 };
      } catch (err) {
        const reason = refused(err);
        if (reason === undefined) throw err;
        return { ok: false, reason };
      }
    },

    /**
     * A delegate's secret ballot, as the api's ballot page casts it: (1) the marks sealed in the box,
     * (2) the cluster told only that the unit voted (with a receipt), (3) the ballot marked cast — or
     * discarded if the cluster refused it. Only whether it counted leaves this activity.
     */
    async simVote(input: { clusterWorkflowId: string; awardId: string; round: number; voterUnitId: string }): Promise<{ ok: true } | { ok: false; reason: string }> {
      if (!ctx.models) throw new Error('simVote needs the ballot box');
      const ye = yearEndOf(input.clusterWorkflowId);
      const member = memberOf(ye, input.voterUnitId);
      const rule = ye.awards.find((a) => a.id === input.awardId);
      const award = (await yearEndState(input.clusterWorkflowId)).awards.find((a) => a.awardId === input.awardId);
      const current = award?.rounds.at(-1);
      if (!rule || !award || !current || current.round !== input.round || current.status !== 'open') return { ok: false, reason: 'the round is not open' };
      const marks = drawMarks(current, input.voterUnitId, rule.selfVoteAllowed, rngFor(seed, 'ballot', input.clusterWorkflowId, input.awardId, input.round, input.voterUnitId));
      // The same check the ballot page makes before anything is stored. The error names the rule
      // broken, never a marked unit: an activity's failure is written to the workflow's history.
      const config = { ...ballotConfig(rule, award.rounds[0].candidates), eligible: current.candidates, quota: current.seats };
      const problems = checkMarksForVoter(config, input.voterUnitId, marks);
      if (problems.length > 0) throw new Error(`simulated ballot is not valid: ${[...new Set(problems.map((p) => p.reason))].join(', ')}`);

      const boxId = ballotBoxId(input.clusterWorkflowId, input.awardId, input.round);
      const nonce = nonceOf(boxId, input.voterUnitId);
      const receipt = receiptOf(boxId, nonce);
      await sealBallot(ctx.models, boxId, nonce, marks);
      try {
        await client.workflow.getHandle(input.clusterWorkflowId).executeUpdate(castVoteUpdate, {
          args: [{ awardId: input.awardId, round: input.round, voterUnitId: input.voterUnitId, by: member.delegate.email, receipt }],
          updateId: `sim:vote:${input.awardId}:${input.round}:${input.voterUnitId}`,
        });
      } catch (err) {
        const reason = refused(err);
        if (reason === undefined) throw err;
        await discardBallot(ctx.models, boxId, nonce);
        return { ok: false, reason };
      }
      await castBallot(ctx.models, boxId, nonce);
      return { ok: true };
    },

    /** Where the cluster's list of nominations stands: its phase and how many wait for the council. */
    async simNominationsView(input: { clusterWorkflowId: string }): Promise<{ phase: string; pending: number } | undefined> {
      const list = (await client.workflow.getHandle(input.clusterWorkflowId).query(clusterStateQuery)).nominations;
      return list && { phase: list.phase, pending: list.items.filter((x) => !x.decision).length };
    },

    /**
     * The council decides every undecided nomination at once, as its page sends the form: the
     * cluster's `decideNominations` update, with decisions drawn by seed within the cluster quotas.
     * Keyed by the ids decided, so a retry is the same update and a later list gets its own.
     */
    async simDecideNominations(input: { clusterWorkflowId: string }): Promise<{ ok: true; decided: number } | { ok: false; reason: string }> {
      const n = ctx.nominations?.[input.clusterWorkflowId];
      if (!n) return { ok: false, reason: 'no nominations are planned for this cluster' };
      const list = (await client.workflow.getHandle(input.clusterWorkflowId).query(clusterStateQuery)).nominations;
      if (list?.phase !== 'deciding') return { ok: false, reason: 'the list is not with the council' };
      const ids = list.items.filter((x) => !x.decision).map((x) => x.id);
      if (ids.length === 0) return { ok: true, decided: 0 };
      const decisions = drawCouncilDecisions(n.titles, list.items, n.forwardTo !== undefined, rngFor(seed, 'council', input.clusterWorkflowId, ...ids));
      try {
        await client.workflow.getHandle(input.clusterWorkflowId).executeUpdate(decideNominationsUpdate, {
          args: [{ by: n.council.email, decisions }],
          updateId: `sim:nominations:decide:${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16)}`,
        });
        return { ok: true, decided: decisions.length };
      } catch (err) {
        const reason = refused(err);
        if (reason === undefined) throw err;
        return { ok: false, reason };
      }
    },

    /** The chair decides an award's tie: `seats` of the tied units, drawn by seed. */
    async simDecideTie(input: { clusterWorkflowId: string; awardId: string }): Promise<{ ok: true; chosen: string[] } | { ok: false; reason: string }> {
      const ye = yearEndOf(input.clusterWorkflowId);
      if (!ye.chair) return { ok: false, reason: 'the cluster has no chair' };
      const award = (await yearEndState(input.clusterWorkflowId)).awards.find((a) => a.awardId === input.awardId);
      if (award?.status !== 'tie' || !award.tie) return { ok: false, reason: 'no tie to decide' };
      const chosen = drawChairChoice(award.tie, rngFor(seed, 'chair', input.clusterWorkflowId, input.awardId));
      try {
        await client.workflow.getHandle(input.clusterWorkflowId).executeUpdate(decideTieUpdate, {
          args: [{ awardId: input.awardId, by: ye.chair.email, chosen }],
          updateId: `sim:tie:${input.awardId}`,
        });
        return { ok: true, chosen };
      } catch (err) {
        const reason = refused(err);
        if (reason === undefined) throw err;
        return { ok: false, reason };
      }
    },
  };
}

export type SimulationActivities = ReturnType<typeof createSimulationActivities>;
