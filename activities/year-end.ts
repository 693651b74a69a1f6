import { ballotsToCount } from '../lib/ballot-box';
import { isDuplicateKey } from '../lib/db';
import { secondRound, tally, type BallotConfig, type RoundResult, type TallyResult, type Tie } from '../rules/ballot';
import type { ScoreEntryState, YearEndState } from '../workflows/cycle/definitions';
import { unitWorkflowId } from '../workflows/cycle/definitions';
import type { ActivityDeps } from '.';

export interface CountBallotsInput {
  boxId: string;
  config: BallotConfig;
  members: string[];
  /** How many units the workflow recorded as having voted in this round. */
  participation: number;
  /** Set for a second round: only the tied units, for the tied seats. */
  tie?: Tie;
}

/** A unit's self-scoring submission, as the link form stores it (fields.scores is JSON). */
export function selfScoresOf(fields: Record<string, string> | undefined): ScoreEntryState | undefined {
  if (!fields?.scores) return undefined;
  try {
    const e = JSON.parse(fields.scores) as Partial<ScoreEntryState>;
    return { criteria: e.criteria ?? {}, bonuses: e.bonuses ?? {}, deductions: e.deductions ?? {} };
  } catch {
    return undefined;
  }
}

export function createYearEndActivities({ models }: Pick<ActivityDeps, 'models'>) {
  return {
    /** Each unit's latest self-scoring submission (sent or approved), read from the step read model. */
    async getSelfScores(input: { cycleId: string; unitIds: string[] }): Promise<Record<string, ScoreEntryState | undefined>> {
      const ids = input.unitIds.map((u) => `${unitWorkflowId(input.cycleId, u)}:self-scoring`);
      const rows = await models.StepState.find({ _id: { $in: ids } }).lean();
      const out: Record<string, ScoreEntryState | undefined> = {};
      for (const r of rows) {
        const state = r.state as { submission?: { fields: Record<string, string> } };
        out[r.unitId] = selfScoresOf(state.submission?.fields);
      }
      return out;
    },

    /**
     * Counts one round's ballot box. Only counts leave this activity: the ballots themselves never
     * enter the workflow's history.
     */
    async countBallots(input: CountBallotsInput): Promise<{ result: TallyResult | RoundResult; unresolved: number }> {
      const { ballots, unresolved } = await ballotsToCount(models, input.boxId, input.participation);
      const result = input.tie ? secondRound(input.config, input.tie, ballots) : tally(input.config, input.members, ballots);
      return { result, unresolved };
    },

    async projectYearEnd(input: { cycleId: string; clusterId: string; workflowId: string; state: YearEndState }): Promise<void> {
      const { state } = input;
      try {
        await models.ClusterYearEnd.updateOne(
          { _id: `${input.cycleId}:${input.clusterId}`, revision: { $lte: state.revision } },
          { $set: { cycleId: input.cycleId, clusterId: input.clusterId, workflowId: input.workflowId, phase: state.phase, revision: state.revision, state: JSON.stringify(state), updatedAt: new Date() } },
          { upsert: true },
        );
      } catch (err) {
        // A newer revision is already there (the guarded upsert collides on _id).
        if (!isDuplicateKey(err)) throw err;
      }
    },
  };
}
