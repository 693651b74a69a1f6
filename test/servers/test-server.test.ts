/**
 * The Java time-skipping test server through our wrapper: the SDK can start
 * it as an `existing-path` executable, timers are skipped, and registered
 * custom search attributes are accepted.
 */
import './quiet-worker-logs';
import { defineSearchAttributeKey } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawnSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { ensureTestServer, registerSearchAttributes } from '../../scripts/servers';
import { CYCLE_YEAR, SEARCH_ATTRIBUTES } from './fixtures/search-attributes';
import { sleepDays, tagStage } from './fixtures/workflows';

jest.setTimeout(180_000);

let env: TestWorkflowEnvironment;
let wrapper: string;

beforeAll(async () => {
  wrapper = await ensureTestServer();
  const path = wrapper;
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default', SEARCH_ATTRIBUTES);
});

afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./fixtures/workflows'),
  });
  return worker.runUntil(fn);
}

test('a workflow sleeping 30 days completes in seconds of wall time', async () => {
  const taskQueue = 'servers-time-skipping';
  await withWorker(taskQueue, async () => {
    const started = Date.now();
    const result = await env.client.workflow.execute(sleepDays, { taskQueue, workflowId: 'sleep-30d', args: [30] });
    expect(result).toBe('slept 30 days');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

test('a workflow started with a registered custom search attribute runs', async () => {
  const taskQueue = 'servers-search-attributes';
  const result = await withWorker(taskQueue, () =>
    env.client.workflow.execute(tagStage, {
      taskQueue,
      workflowId: 'tag-stage',
      args: ['nomination'],
      typedSearchAttributes: [{ key: CYCLE_YEAR, value: 2026 }],
    }),
  );
  expect(result).toEqual({ year: 2026, stage: 'nomination' });
});

test('registering the same search attributes again is fine', async () => {
  await expect(
    registerSearchAttributes(env.connection, env.namespace ?? 'default', SEARCH_ATTRIBUTES),
  ).resolves.toBeUndefined();
});

test('a workflow with an unregistered search attribute is rejected (registration is what makes it work)', async () => {
  const unknown = defineSearchAttributeKey('ThiduaNotRegistered', 'KEYWORD');
  const error = await env.client.workflow
    .start(tagStage, {
      taskQueue: 'servers-unregistered',
      workflowId: 'unregistered-attribute',
      args: ['x'],
      typedSearchAttributes: [{ key: unknown, value: 'x' }],
    })
    .then(() => undefined, (err: unknown) => err);
  // The client wraps the server's INVALID_ARGUMENT, which names the attribute.
  expect((error as Error | undefined)?.message).toBe('Failed to start Workflow');
  expect(String((error as { cause?: unknown }).cause)).toMatch(/ThiduaNotRegistered/);
});

test('the wrapper rejects arguments the Java server would not understand', () => {
  const res = spawnSync(wrapper, ['7233', '--log-level', 'debug'], { encoding: 'utf8' });
  expect(res.status).toBe(2);
  expect(res.stderr).toContain("unsupported argument '--log-level'");
});
