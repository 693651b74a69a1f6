// Keep the SDK's warnings and errors in test output, not its INFO chatter (worker states, bundler).
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed for this test file's module registry: nothing to do.
}
