import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { proxyWorkflowActivities, PROJECTION_ACTIVITIES } from './activity-options';
import type { Activities } from '../../activities';
import { SA } from '../search-attributes';
import {
  clusterFinishedSignal,
  clusterWorkflowId,
  cycleStateQuery,
  forwardSignal,
  type ClusterEnd,
  type CycleCarried,
  type CycleState,
  type CycleWorkflowInput,
  type ForwardInput,
} from './definitions';
import { clusterWorkflow } from './cluster-workflow';
import { ForwardDecisions, ForwardOutcomes } from './forward-decision';
import { RoleDelegations } from './role-delegation';

const { projectCycle, receiveForward, takePendingForwards } = proxyWorkflowActivities<Activities>(PROJECTION_ACTIVITIES);

/** Children are started in batches so one workflow task never carries thousands of commands. */
const START_BATCH = 50;
/**
 * A run continues as new once its history reaches this many events (or the server suggests it): far
 * below Temporal's 10,240-event warning and 51,200-event limit and the 2,000 pending children one run
 * may hold, and small enough that a run replays in milliseconds (~100 KB). Continuing is cheap: the next
 * run's input is the cluster ids and which have ended. Checked before each batch of starts and on each
 * wake-up, so a run may overshoot by a batch and the signals that arrive meanwhile (600 clusters
 * ending at once: runs of ~1,060 events, test/workflows/cycle-continue-as-new.test.ts).
 */
export const CYCLE_HISTORY_BUDGET = 500;

/** The year's cycle of one issuing body: one cluster workflow per cluster. */
export async function cycleWorkflow(input: CycleWorkflowInput): Promise<CycleState> {
  // Cycles started before continue-as-new existed replay exactly as they ran; a continued run is always new.
  if (!input.carried && !patched('cycle-continue-as-new')) return awaitingChildren(input);
  return continuing(input);
}

/**
 * The cycle that may continue as new: clusters are started with ParentClosePolicy.ABANDON (a new run
 * must not cancel the clusters of the run before it) and report their end by clusterFinishedSignal,
 * so no run waits on more than its own batch of child starts and the history stays bounded however
 * many clusters the plan has.
 */
async function continuing(input: CycleWorkflowInput): Promise<CycleState> {
  const { cycle } = input;
  const carried: CycleCarried = input.carried ?? { started: 0, finished: [], runs: 0 };
  const total = input.clusterIds.length;
  const finished = new Map<string, ClusterEnd>(carried.finished.map((f) => [f.clusterId, f.status]));
  let started = carried.started;
  let cancelling = false;
  const state: CycleState = {
    cycleId: cycle.cycleId,
    status: started < total ? 'starting' : 'running',
    clusters: input.clusterIds.map((clusterId) => ({ clusterId, workflowId: clusterWorkflowId(cycle.cycleId, clusterId), done: finished.has(clusterId) })),
    runs: carried.runs,
  };
  if (carried.inbound) state.inbound = carried.inbound;
  if (carried.outcomes) state.outcomes = carried.outcomes;
  const byId = new Map(state.clusters.map((c) => [c.clusterId, c]));
  setHandler(cycleStateQuery, () => state);
  const inbox = forwardInbox(state, carried, cycle.bodyName);
  // The loop never ends by itself; a failure of its activity fails the workflow task, as a thrown error would.
  void CancellationScope.nonCancellable(inbox.loop);
  setHandler(clusterFinishedSignal, ({ clusterId, status }) => {
    const c = byId.get(clusterId);
    if (!c) return;
    finished.set(clusterId, status);
    c.done = true;
  });

  const me = workflowInfo().workflowId;
  const longHistory = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= CYCLE_HISTORY_BUDGET;
  const carryOn = () =>
    continueAsNew<typeof cycleWorkflow>({
      cycle: input.cycle,
      clusterIds: input.clusterIds,
      ...(input.unitTaskQueue ? { unitTaskQueue: input.unitTaskQueue } : {}),
      carried: {
        started,
        finished: [...finished].map(([clusterId, status]) => ({ clusterId, status })),
        runs: carried.runs + 1,
        ...(inbox.pending().length ? { inbox: inbox.pending() } : {}),
        ...(state.inbound ? { inbound: state.inbound } : {}),
        ...inbox.carry(),
      },
    });
  const allStartedFinished = () => state.clusters.slice(0, started).every((c) => c.done);

  try {
    while (started < total) {
      if (longHistory()) await carryOn();
      const batch = state.clusters.slice(started, started + START_BATCH);
      // Started outside the cycle's cancellation scope: the SDK would cancel children of this run by
      // itself, those of earlier runs not; the handler below cancels every cluster, each once.
      await CancellationScope.nonCancellable(() => Promise.all(
        batch.map((c) =>
          startChild(clusterWorkflow, {
            workflowId: c.workflowId,
            args: [{ cycle, clusterId: c.clusterId, reportTo: me, ...(input.unitTaskQueue ? { unitTaskQueue: input.unitTaskQueue } : {}) }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            typedSearchAttributes: [
              { key: SA.body, value: cycle.bodyId },
              { key: SA.year, value: cycle.year },
              { key: SA.cluster, value: c.clusterId },
            ],
          }),
        ),
      ));
      started += batch.length;
    }
    // Projected by the run that started the last clusters (the first run, for most plans).
    if (state.status === 'starting' || !input.carried) {
      state.status = 'running';
      await projectCycle({ cycleId: cycle.cycleId, status: 'running' });
      // Forwards sent while this cycle was not running yet wait in the read model: take them now.
      for (const f of await takePendingForwards({ toCycleId: cycle.cycleId })) inbox.take(f);
    }
    for (;;) {
      await condition(() => finished.size >= total || longHistory());
      if (finished.size >= total) break;
      await carryOn();
    }
    // Runs recorded before 'close-before-outcomes' waited here for the parent's decisions on this cycle's
    // forwards; a parent without a deadline could hold the closed year open for ever. Now the cycle
    // closes when its own work is done: the parent mails a later decision and records it on the
    // forward's row (forward-decision.ts), where GET /forwards and the export read it.
    if (patched('forward-outcomes') && !patched('close-before-outcomes')) await inbox.outcomes.awaitAll();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled by the coordinator: the clusters are abandoned children, so each is asked to cancel.
    cancelling = true;
    await CancellationScope.nonCancellable(async () => {
      const open = state.clusters.slice(0, started).filter((c) => !c.done);
      for (let from = 0; from < open.length; from += START_BATCH) {
        // A cluster that has just ended cannot be cancelled any more: nothing to do for it.
        await Promise.all(open.slice(from, from + START_BATCH).map((c) => getExternalWorkflowHandle(c.workflowId).cancel().catch(() => undefined)));
      }
    });
  }
  if (cancelling) {
    // Not continued as new meanwhile: only this run holds the cancellation request (a new run would end
    // failed, not cancelled); the clusters end quickly once asked, ~7 events each.
    await CancellationScope.nonCancellable(async () => {
      await condition(allStartedFinished);
      await projectCycle({ cycleId: cycle.cycleId, status: 'cancelled' });
    });
    throw new CancelledFailure('the cycle was cancelled');
  }
  // A forward being received when the last cluster ended is finished first.
  await condition(inbox.drained);
  const failed = [...finished].filter(([, s]) => s === 'failed').map(([id]) => id);
  if (failed.length) throw ApplicationFailure.nonRetryable(`cluster workflow(s) failed: ${failed.join(', ')}`, 'ClusterFailed');
  state.status = 'completed';
  await projectCycle({ cycleId: cycle.cycleId, status: 'completed' });
  return state;
}

/** The cycle as it ran before continue-as-new: clusters are children (REQUEST_CANCEL) awaited in one run. */
async function awaitingChildren(input: CycleWorkflowInput): Promise<CycleState> {
  const { cycle } = input;
  const state: CycleState = {
    cycleId: cycle.cycleId,
    status: 'starting',
    clusters: input.clusterIds.map((clusterId) => ({ clusterId, workflowId: clusterWorkflowId(cycle.cycleId, clusterId), done: false })),
  };
  setHandler(cycleStateQuery, () => state);

  const inbox = forwardInbox(state, undefined, cycle.bodyName);

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
  if (patched('forward-inbox')) for (const f of await takePendingForwards({ toCycleId: cycle.cycleId })) inbox.take(f);
  try {
    await Promise.race([Promise.all(results), CancellationScope.nonCancellable(inbox.loop)]);
    // A forward being received when the last cluster ended is finished first.
    await condition(inbox.drained);
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

/**
 * Proposals forwarded by the councils of the bodies below (workflows/cycle/forward.ts): each taken
 * once by its id, received by an activity one at a time, and listed in the state's `inbound`; this
 * council then decides each (forward-decision.ts), and the parent's decisions on this cycle's own
 * forwards are taken back.
 */
function forwardInbox(state: CycleState, carried: CycleCarried | undefined, bodyName: string) {
  const roles = new RoleDelegations(() => true, carried?.delegations);
  if (carried?.delegations?.length) state.delegations = roles.list;
  roles.register((list) => (state.delegations = list));
  const decisions = new ForwardDecisions(state, roles, bodyName, carried?.decisions, carried?.decided);
  const outcomes = new ForwardOutcomes(state);
  const queue: ForwardInput[] = [...(carried?.inbox ?? [])];
  let receiving = false;
  const take = (f: ForwardInput) => {
    if (state.inbound?.some((x) => x.forwardId === f.forwardId) || queue.some((x) => x.forwardId === f.forwardId)) return;
    queue.push(f);
  };
  setHandler(forwardSignal, take);
  const receiving_ = async (): Promise<never> => {
    for (;;) {
      await condition(() => queue.length > 0);
      receiving = true;
      const f = queue[0];
      // Forwards received by earlier code were only stored; from now on the council decides each.
      const decide = patched('forward-decision');
      await receiveForward({ forward: f, ...(decide ? { decided: true } : {}) });
      queue.shift();
      (state.inbound ??= []).push({ forwardId: f.forwardId, fromCycleId: f.fromCycleId, kind: f.kind, items: f.items.length });
      if (decide) await decisions.start(f);
      receiving = false;
    }
  };
  const loop = (): Promise<never> => Promise.race([receiving_(), outcomes.loop(), roles.loop(state.cycleId, (d) => decisions.introduce(d.substitute), async () => undefined)]);
  return {
    take,
    loop,
    outcomes,
    drained: () => queue.length === 0 && !receiving && decisions.drained(),
    pending: () => [...queue],
    /** What a continued run takes over besides the queue. */
    carry: () => ({
      ...decisions.carry(),
      ...(state.outcomes ? { outcomes: state.outcomes } : {}),
      ...(roles.list.length ? { delegations: roles.list } : {}),
    }),
  };
}
