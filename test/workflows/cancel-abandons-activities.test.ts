/**
 * A workflow cancelled while one of its activities runs abandons the activity instead of asking it
 * to cancel (workflows/cycle/activity-options.ts): no cancel request in the history, the activity
 * runs to its end, the workflow ends cancelled at once.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import '../servers/quiet-worker-logs';
import { ABANDON_ON_CANCEL_PATCH } from '../../workflows/cycle/activity-options';
import { actsSlowly } from '../servers/fixtures/workflows';
import { withFixtureWorker } from '../helpers/fixture-worker';

jest.setTimeout(120_000);

test('a cancelled workflow abandons the activity under way, sending no cancel request', async () => {
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  let finished = false;
  const activities = {
    async slowly(ms: number) {
      started();
      await new Promise((r) => setTimeout(r, ms));
      finished = true;
    },
  };
  await withFixtureWorker('abandon-on-cancel', activities, async (client, taskQueue) => {
    const handle = await client.workflow.start(actsSlowly, { taskQueue, workflowId: `abandon-on-cancel-${process.pid}-${Date.now()}`, args: [3000] });
    await running;
    await handle.cancel();
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // Ended before the activity did: it was not waited for.
    expect(finished).toBe(false);
    const events = (await handle.fetchHistory()).events ?? [];
    const types = events.map((e) => e.eventType);
    expect(types).toContain(20); // WORKFLOW_EXECUTION_CANCEL_REQUESTED
    expect(types).toContain(21); // WORKFLOW_EXECUTION_CANCELED
    expect(types).not.toContain(15); // ACTIVITY_TASK_CANCEL_REQUESTED
    const markers = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    const patchIds = markers.map((m) => Object.values(m.markerRecordedEventAttributes!.details ?? {}).map((p) => Buffer.from(p.payloads![0].data!).toString()).join());
    expect(patchIds).toEqual([expect.stringContaining(ABANDON_ON_CANCEL_PATCH)]);
    await new Promise((r) => setTimeout(r, 3500));
    expect(finished).toBe(true);
  });
});
