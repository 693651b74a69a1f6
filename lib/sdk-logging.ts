import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * The SDK's own INFO lines (bundler output, worker states) drown ours, and its native core prints
 * straight to stdout unless told otherwise — which would corrupt `--json` output. Route everything
 * through one logger on stderr at the given level. Installing twice in a process is a no-op.
 */
export function installSdkLogging(level: LogLevel = 'WARN', coreLevel: LogLevel = level): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: { logging: { filter: { core: coreLevel, other: coreLevel }, forward: {} } },
    });
  } catch {
    // A runtime already exists in this process (e.g. another test file): keep it.
  }
}
