/**
 * The simulated council of the issuing body, deciding a cluster's individual nominations: it looks at
 * the cluster's list each day at 09:00 in Việt Nam (02:00 UTC) from the nominations stage's opening, and decides every
 * nomination waiting for it in one go, as its page would (simDecideNominations: the decisions are
 * drawn by seed in the activity, never here). A list verified later is decided on a later day.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { SimulationActivities } from './activities';

const { simNominationsView, simDecideNominations } = proxyActivities<SimulationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

const DAY = 24 * 3600 * 1000;

export interface CouncilParticipantInput {
  clusterWorkflowId: string;
  /** The nominations stage's opening: nothing reaches the council before. */
  opensAt: string;
  /** The simulation's end: the council stops looking. */
  endsAt: string;
}

export interface CouncilAction {
  at: string;
  decided?: number;
  refused?: string;
}

export async function councilParticipantWorkflow(input: CouncilParticipantInput): Promise<CouncilAction[]> {
  const log: CouncilAction[] = [];
  const endsAt = Date.parse(input.endsAt);
  // Instants from the plan, a whole day apart (never "a day after now": see playStep).
  let at = Math.floor(Date.parse(input.opensAt) / DAY) * DAY + DAY + 2 * 3600 * 1000;
  for (; at <= endsAt; at += DAY) {
    if (at > Date.now()) await sleep(at - Date.now());
    const v = await simNominationsView({ clusterWorkflowId: input.clusterWorkflowId });
    if (!v || v.phase === 'cancelled') break;
    if (v.phase !== 'deciding' || v.pending === 0) continue;
    const r = await simDecideNominations({ clusterWorkflowId: input.clusterWorkflowId });
    log.push(r.ok ? { at: new Date(Date.now()).toISOString(), decided: r.decided } : { at: new Date(Date.now()).toISOString(), refused: r.reason });
  }
  return log;
}
