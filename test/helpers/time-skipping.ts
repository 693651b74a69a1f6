/**
 * A time-skipping test environment (the Java test server from the global setup, our search
 * attributes registered) with a harness on it, set up before and torn down after the file's tests;
 * `begin()` at the start of a test gives it the environment, the harness, the year to plan and its clock.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv, registerSearchAttributes } from '../../scripts/servers';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { required } from './env';
import { createHarness, type Harness } from './harness';

/** What a test on the time-skipping server begins with. */
export interface TimeSkippingTest {
  env: TestWorkflowEnvironment;
  h: Harness;
  /** The year after the test server's current one: a plan for it starts in the future. */
  year: number;
  /** Skips the test server's clock to `at`, an ISO instant or epoch milliseconds (at once if it is already past). */
  sleepUntil(at: string | number): Promise<void>;
}

export function useTimeSkipping(label: string): { env: () => TestWorkflowEnvironment; h: () => Harness; begin: () => Promise<TimeSkippingTest> } {
  let env: TestWorkflowEnvironment | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    env = await createTimeSkippingEnv(required('THIDUA_TEST_SERVER_PATH'));
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
  const getEnv = () => get(env, 'the time-skipping environment');
  const getH = () => get(h, 'the harness');
  return {
    env: getEnv,
    h: getH,
    async begin() {
      const e = getEnv();
      const year = new Date(await e.currentTimeMs()).getUTCFullYear() + 1;
      return { env: e, h: getH(), year, sleepUntil: async (at: string | number) => e.sleep(Math.max((typeof at === 'number' ? at : Date.parse(at)) - (await e.currentTimeMs()), 0)) };
    },
  };
}
