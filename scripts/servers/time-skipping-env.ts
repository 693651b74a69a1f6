/**
 * A TestWorkflowEnvironment on our Java time-skipping test server (ensureTestServer's wrapper).
 *
 * sdk-core gives the server a fixed 5 s to answer on its port, which the JVM (with its CDS archive)
 * meets on a quiet machine but not always at load 10 or more (seen: "ephemeral server … did not
 * start within 5s" failing a whole test file). A start that timed out is tried again.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';

const SLOW_START = /did not start within/;

export async function createTimeSkippingEnv(path: string, attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
    } catch (err) {
      if (attempt >= attempts || !SLOW_START.test(String((err as Error)?.message ?? err))) throw err;
      console.warn(`the time-skipping test server did not answer within the SDK's 5 s (attempt ${attempt} of ${attempts}); starting it again`);
    }
  }
}
