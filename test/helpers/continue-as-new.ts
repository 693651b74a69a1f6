/**
 * Makes a running cycle workflow continue as new by its own rule (CYCLE_HISTORY_BUDGET), without a
 * test-only knob: its history is grown with clusterFinished signals for a cluster it does not have
 * (ignored by the handler, but each one an event and a workflow task) until the run ends and the
 * next one has started.
 */
import type { Client } from '@temporalio/client';
import { CYCLE_HISTORY_BUDGET } from '../../workflows/cycle/cycle-workflow';
import { clusterFinishedSignal } from '../../workflows/cycle/definitions';
import { eventually } from './harness';

/** Returns the new run's id once it has started and its first workflow task has completed. */
export async function continueCycleAsNew(client: Client, workflowId: string): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const first = (await handle.describe()).runId;
  // A signal adds at least one event: the budget's worth of them is always enough.
  for (let i = 0; i < CYCLE_HISTORY_BUDGET; i++) {
    if (i % 25 === 0 && (await handle.describe()).runId !== first) break;
    await handle.signal(clusterFinishedSignal, { clusterId: 'no-such-cluster', status: 'completed' });
  }
  return eventually(async () => {
    const d = await handle.describe();
    // historyLength > 3: past the new run's first workflow task (started, scheduled, started, completed).
    return d.runId !== first && d.status.name === 'RUNNING' && d.historyLength > 3 && d.runId;
  }, `a new run of ${workflowId}`);
}
