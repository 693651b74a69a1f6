/**
 * A click whose update meets a failing workflow task must be kept, not answered 500.
 *
 * Since server 1.27 a workflow task that fails while an update is in flight aborts the update with a
 * non-retryable WorkflowNotReady (gRPC FAILED_PRECONDITION). A worker killed and restarted mid-task
 * can cause exactly that. The api must treat it as "not answered now" (503, or the action inbox),
 * because the same update id can be delivered later, when the task succeeds.
 */
import '../servers/quiet-worker-logs';
import { isUnavailable } from '../../api/errors';
import { buggyUpdate, pokeUpdate } from '../servers/fixtures/workflows';
import { withFixtureWorker } from '../helpers/fixture-worker';

jest.setTimeout(120_000);

test('an update aborted by a failing workflow task counts as unavailable', async () => {
  await withFixtureWorker('update-not-ready', {}, async (client, taskQueue) => {
    const handle = await client.workflow.start(buggyUpdate, { taskQueue, workflowId: `buggy-update-${process.pid}-${Date.now()}` });
    const err = await handle.executeUpdate(pokeUpdate, { updateId: 'poke-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    // The real shape: a ServiceError whose cause is the gRPC FAILED_PRECONDITION of WorkflowNotReady.
    const cause = (err as { cause?: { code?: number; details?: string } }).cause;
    expect(cause?.code).toBe(9);
    expect(cause?.details).toMatch(/^Unable to perform workflow execution update/);
    expect(isUnavailable(err)).toBe(true);
    await handle.terminate('test done');
  });
});

test('other failed preconditions are not mistaken for it', () => {
  expect(isUnavailable({ code: 9, details: 'namespace is not active' })).toBe(false);
});

test('a cancelled gRPC call is unavailable; MongoDB error code 1 (InternalError) is not', () => {
  expect(isUnavailable({ code: 1, details: 'Call cancelled', metadata: {} })).toBe(true);
  expect(isUnavailable({ name: 'MongoServerError', code: 1, message: 'internal error' })).toBe(false);
});
