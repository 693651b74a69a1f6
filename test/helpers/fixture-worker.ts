/**
 * A worker for the tiny fixture workflows (test/servers/fixtures/workflows.ts) on the dev server of
 * the test run, with a client; both connections closed afterwards.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { required } from './env';

export async function withFixtureWorker<T>(name: string, activities: object, fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
  const address = required('THIDUA_TEST_TEMPORAL_ADDRESS');
  const taskQueue = `${name}-${process.pid}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: require.resolve('../servers/fixtures/workflows'), activities });
    return await worker.runUntil(() => fn(new Client({ connection }), taskQueue));
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}
