/**
 * The Temporal CLI dev server: starts, runs a workflow on a real worker,
 * keeps workflows across a restart with the same db file, and stops.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import './quiet-worker-logs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTemporalDev, type TemporalDevServer } from '../../scripts/servers';
import { CYCLE_STAGE, CYCLE_YEAR, SEARCH_ATTRIBUTES } from './fixtures/search-attributes';
import { finishSignal, tagStage, waitForFinish } from './fixtures/workflows';

jest.setTimeout(240_000);

const NAMESPACE = 'thidua-test';
let tmp: string;
let server: TemporalDevServer | undefined;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-temporal-dev-'));
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function start(): Promise<TemporalDevServer> {
  return startTemporalDev({
    dbFile: path.join(tmp, 'temporal.db'),
    headless: true,
    namespace: NAMESPACE,
    searchAttributes: SEARCH_ATTRIBUTES,
  });
}

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection, namespace: NAMESPACE }));
  } finally {
    await connection.close();
  }
}

test('runs a workflow on a worker, and keeps workflows across a restart', async () => {
  server = await start();
  const taskQueue = 'servers-dev';

  // No worker yet: this workflow stays Running, and must survive the restart.
  await withClient(server.address, (client) =>
    client.workflow.start(waitForFinish, { taskQueue, workflowId: 'survives-restart' }),
  );

  await server.stop();
  server = await start();

  const connection = await NativeConnection.connect({ address: server.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: NAMESPACE,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/workflows'),
    });
    await worker.runUntil(
      withClient(server.address, async (client) => {
        const handle = client.workflow.getHandle('survives-restart');
        expect((await handle.describe()).status.name).toBe('RUNNING');
        await handle.signal(finishSignal, 'after restart');
        expect(await handle.result()).toBe('after restart');

        // Search attributes given at start are registered and usable.
        const tagged = await client.workflow.execute(tagStage, {
          taskQueue,
          workflowId: 'tag-stage',
          args: ['review'],
          typedSearchAttributes: [{ key: CYCLE_YEAR, value: 2026 }],
        });
        expect(tagged).toEqual({ year: 2026, stage: 'review' });
        const described = await client.workflow.getHandle('tag-stage').describe();
        expect(described.typedSearchAttributes.get(CYCLE_STAGE)).toBe('review');
      }),
    );
  } finally {
    await connection.close();
  }
});

test('stop() ends the server process', async () => {
  const running = server ?? (await start());
  server = undefined;
  await running.stop();
  await expect(Connection.connect({ address: running.address, connectTimeout: '1s' })).rejects.toThrow();
});
