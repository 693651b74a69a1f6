/**
 * Keep worker INFO logs (state changes, webpack stats) out of the test output;
 * warnings and errors still show. Import before creating any worker.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed by an earlier import in this process: keep that one.
}
