import { CancellationScope, isCancellation, ParentClosePolicy, proxyActivities, setHandler, startChild } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { SA } from '../search-attributes';
import { clusterStateQuery, unitWorkflowId, type ClusterState, type ClusterWorkflowInput } from './definitions';
import { unitWorkflow } from './unit-workflow';

const { getClusterPlan, projectCluster } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});

/**
 * A cluster (cụm thi đua): starts one unit workflow per member. The cluster's units come from MongoDB
 * through an activity, so the cycle's input stays small however many units the plan has.
 */
export async function clusterWorkflow(input: ClusterWorkflowInput): Promise<ClusterState> {
  const { cycle, clusterId } = input;
  const plan = await getClusterPlan({ cycleId: cycle.cycleId, clusterId });
  const state: ClusterState = {
    cycleId: cycle.cycleId,
    clusterId,
    units: plan.units.map((u) => ({ unitId: u.unitId, workflowId: unitWorkflowId(cycle.cycleId, u.unitId), done: false })),
  };
  setHandler(clusterStateQuery, () => state);

  const handles = await Promise.all(
    plan.units.map((u, i) =>
      startChild(unitWorkflow, {
        workflowId: state.units[i].workflowId,
        args: [u],
        // A cancelled cluster asks its units to stop rather than killing them mid-activity.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: [
          { key: SA.body, value: cycle.bodyId },
          { key: SA.year, value: cycle.year },
          { key: SA.cluster, value: clusterId },
          { key: SA.unit, value: u.unitId },
          { key: SA.status, value: 'pending' },
        ],
      }),
    ),
  );
  await projectCluster({ cycleId: cycle.cycleId, clusterId, status: 'running' });
  try {
    await Promise.all(
      handles.map(async (h, i) => {
        await h.result();
        state.units[i].done = true;
      }),
    );
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() => projectCluster({ cycleId: cycle.cycleId, clusterId, status: 'cancelled' }));
    throw err;
  }
  await projectCluster({ cycleId: cycle.cycleId, clusterId, status: 'completed' });
  return state;
}
