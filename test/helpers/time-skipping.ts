/**
 * A time-skipping test environment (the Java test server from the global setup, our search
 * attributes registered) with a harness on it, set up before and torn down after the file's tests.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../../scripts/servers';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { required } from './env';
import { createHarness, type Harness } from './harness';

export function useTimeSkipping(label: string): { env: () => TestWorkflowEnvironment; h: () => Harness } {
  let env: TestWorkflowEnvironment | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: required('THIDUA_TEST_SERVER_PATH') } },
    });
    await registerSearchAttributes(env.connection, 'default', { ...SEARCH_ATTRIBUTE_TYPES });
    h = await createHarness({ label, client: env.client, connection: env.nativeConnection, taskQueue: `${label}-test` });
  });
  afterAll(async () => {
    await h?.close();
    await env?.teardown();
  });
  const get = <T>(v: T | undefined, what: string): T => {
    if (!v) throw new Error(`${what} is not set up (used outside a test?)`);
    return v;
  };
  return { env: () => get(env, 'the time-skipping environment'), h: () => get(h, 'the harness') };
}
