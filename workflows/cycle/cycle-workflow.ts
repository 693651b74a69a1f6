import { CancellationScope, condition, isCancellation, ParentClosePolicy, patched, proxyActivities, setHandler, startChild } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { SA } from '../search-attributes';
import { clusterWorkflowId, cycleStateQuery, forwardSignal, type CycleState, type CycleWorkflowInput, type ForwardInput } from './definitions';
import { clusterWorkflow } from './cluster-workflow';

const { projectCycle, receiveForward, takePendingForwards } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } });

/** Children are started in batches so one workflow task never carries thousands of commands. */
const START_BATCH = 50;

/** The year's cycle of one issuing body: one cluster workflow per cluster. */
export async function cycleWorkflow(input: CycleWorkflowInput): Promise<CycleState> {
  const { cycle } = input;
  const state: CycleState = {
    cycleId: cycle.cycleId,
    status: 'starting',
    clusters: input.clusterIds.map((clusterId) => ({ clusterId, workflowId: clusterWorkflowId(cycle.cycleId, clusterId), done: false })),
  };
  setHandler(cycleStateQuery, () => state);

  // Proposals forwarded by the councils of the bodies below (workflows/cycle/forward.ts): each taken once.
  const inbox: ForwardInput[] = [];
  let receiving = false;
  const take = (f: ForwardInput) => {
    if (state.inbound?.some((x) => x.forwardId === f.forwardId) || inbox.some((x) => x.forwardId === f.forwardId)) return;
    inbox.push(f);
  };
  setHandler(forwardSignal, take);
  const receiveLoop = async () => {
    for (;;) {
      await condition(() => inbox.length > 0);
      receiving = true;
      const f = inbox[0];
      await receiveForward({ forward: f });
      inbox.shift();
      (state.inbound ??= []).push({ forwardId: f.forwardId, fromCycleId: f.fromCycleId, kind: f.kind, items: f.items.length });
      receiving = false;
    }
  };

  const results: Promise<void>[] = [];
  for (let from = 0; from < state.clusters.length; from += START_BATCH) {
    const batch = state.clusters.slice(from, from + START_BATCH);
    const handles = await Promise.all(
      batch.map((c) =>
        startChild(clusterWorkflow, {
          workflowId: c.workflowId,
          args: [{ cycle, clusterId: c.clusterId }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          typedSearchAttributes: [
            { key: SA.body, value: cycle.bodyId },
            { key: SA.year, value: cycle.year },
            { key: SA.cluster, value: c.clusterId },
          ],
        }),
      ),
    );
    handles.forEach((h, i) =>
      results.push(
        h.result().then(() => {
          batch[i].done = true;
        }),
      ),
    );
  }
  state.status = 'running';
  await projectCycle({ cycleId: cycle.cycleId, status: 'running' });
  // Forwards sent while this cycle was not running yet wait in the read model: take them now.
  if (patched('forward-inbox')) for (const f of await takePendingForwards({ toCycleId: cycle.cycleId })) take(f);
  try {
    await Promise.race([Promise.all(results), CancellationScope.nonCancellable(receiveLoop)]);
    // A forward being received when the last cluster ended is finished first.
    await condition(() => inbox.length === 0 && !receiving);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled by the coordinator: the children were asked to cancel and have closed their steps.
    await CancellationScope.nonCancellable(() => projectCycle({ cycleId: cycle.cycleId, status: 'cancelled' }));
    throw err;
  }
  state.status = 'completed';
  await projectCycle({ cycleId: cycle.cycleId, status: 'completed' });
  return state;
}
