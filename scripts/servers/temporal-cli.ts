/**
 * Locate or build the Temporal CLI, which embeds the dev server we run.
 *
 * Temporal's own SDK helpers download a prebuilt binary from GitHub at run
 * time; that is not reachable here, so we build the CLI from the Go module
 * proxy instead and cache it under <tools>/bin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireGo } from './go';
import { toolsBinDir } from './paths';
import { runCommand } from './run-command';
import { withToolsLock } from './tools-lock';
import { tryRun } from './try-run';

/**
 * Pinned CLI version. v1.5.1 is the newest tag `go install` accepts: from
 * v1.6 on the module's go.mod has a replace directive, which go install
 * refuses for remote modules.
 */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;
/**
 * Upstream's release build stamps the version with -X (else `--version` says
 * 0.0.0-DEV, and we could not tell a stale cached build from a current one);
 * -s -w drops debug info as upstream does, which also makes the link faster.
 */
const TEMPORAL_CLI_LDFLAGS = `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;

/** Path of the binary we build; exported so setup can report it. */
export function cachedTemporalCliPath(): string {
  return path.join(toolsBinDir(), 'temporal');
}

/**
 * Return a runnable `temporal`: the one on PATH if it works, else our cached
 * build (building it on first use: several minutes on 2 cores, seconds once
 * Go's build cache is warm).
 */
export async function ensureTemporalCli(): Promise<string> {
  if (tryRun('temporal', ['--version'])) return 'temporal';

  const target = cachedTemporalCliPath();
  if (isPinnedVersion(target)) return target;
  return withToolsLock('temporal-cli', async () => {
    // Another process may have built it while we waited for the lock.
    if (!isPinnedVersion(target)) await buildTemporalCli(target);
    return target;
  });
}

async function buildTemporalCli(target: string): Promise<void> {
  requireGo('build the Temporal CLI');
  fs.mkdirSync(toolsBinDir(), { recursive: true });
  await runCommand('go', ['install', `-ldflags=${TEMPORAL_CLI_LDFLAGS}`, TEMPORAL_CLI_MODULE], {
    env: { ...process.env, GOBIN: toolsBinDir() },
    purpose: `build the Temporal CLI v${TEMPORAL_CLI_VERSION}`,
    hint: 'check that the Go module proxy is reachable (GOPROXY) and that there is disk space; ' +
      'or put a `temporal` binary on PATH.',
  });
  if (!isPinnedVersion(target)) {
    throw new Error(
      `Built ${TEMPORAL_CLI_MODULE} into ${target}, but \`${target} --version\` does not report ` +
        `${TEMPORAL_CLI_VERSION}. Delete ${target} and retry; if it persists, check GOFLAGS/GOBIN in your environment.`,
    );
  }
}

/** Version line of a temporal binary, e.g. "temporal version 1.5.1 (Server 1.29.1, UI 2.41.0)". */
export function temporalCliVersion(binary: string): string | undefined {
  return tryRun(binary, ['--version']);
}

function isPinnedVersion(binary: string): boolean {
  if (!fs.existsSync(binary)) return false;
  return temporalCliVersion(binary)?.includes(TEMPORAL_CLI_VERSION) ?? false;
}
