/**
 * Temporal's time-skipping test server (the Java one from Maven Central),
 * wrapped as an executable for
 * `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`.
 *
 * The SDK normally downloads a native build of it from GitHub, which is not
 * reachable here. The SDK gives the server 5 s to answer, so the wrapper
 * starts the JVM with an AppCDS archive and C1 only (see JVM_FLAGS).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findJava, type JavaInfo } from './java';
import { SERVERS_SRC_DIR, toolsDir } from './paths';
import { freePort } from './ports';
import { runCommand } from './run-command';
import { withToolsLock } from './tools-lock';
import { spawnServer } from './server-process';
import { hashFiles, hashInputs, readStamp, writeStamp } from './stamp';
import { waitUntil } from './wait';
import { tryRun } from './which';

const POM = path.join(SERVERS_SRC_DIR, 'test-server', 'pom.xml');
const MAIN_CLASS = 'io.temporal.testserver.TestServer';

/**
 * Startup-oriented JVM flags. Measured on the 2-core dev machine (see
 * scripts/servers/README.md): C1-only and SerialGC cut JIT and GC threads
 * competing for the two cores; the AppCDS archive skips parsing and verifying
 * ~5000 classes (gRPC, Netty, protobuf), which is most of the start time.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'];

export interface TestServerPaths {
  dir: string;
  lib: string;
  wrapper: string;
  archive: string;
}

export function testServerPaths(java?: JavaInfo): TestServerPaths {
  const dir = path.join(toolsDir(), 'test-server');
  // The archive is only valid for the JVM and the jars it was made with.
  const archiveKey = java ? hashInputs([java.executable, java.version, fs.readFileSync(POM)]) : 'none';
  return {
    dir,
    lib: path.join(dir, 'lib'),
    wrapper: path.join(dir, 'temporal-test-server'),
    archive: path.join(dir, `app-cds-${archiveKey}.jsa`),
  };
}

/** The test server version pinned in pom.xml, for reports. */
export function testServerVersion(): string {
  const pom = fs.readFileSync(POM, 'utf8');
  return /<temporal\.test-server\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown';
}

/**
 * Return the path of the wrapper script, fetching jars with Maven and
 * building the AppCDS archive when missing. Cached runs only stat files
 * and run `java -version`.
 */
export async function ensureTestServer(): Promise<string> {
  const java = findJava();
  const paths = testServerPaths(java);
  if (isReady(paths)) return paths.wrapper;
  // The wrapper is (re)written under the lock too: a half-written script
  // read by a concurrent test run would fail in confusing ways.
  return withToolsLock('test-server', async () => {
    fs.mkdirSync(paths.dir, { recursive: true });
    await ensureJars(paths);
    writeWrapper(paths, java);
    if (!fs.existsSync(paths.archive)) await buildArchive(paths, java);
    return paths.wrapper;
  });
}

/** Fast path: jars current, archive present, wrapper naming this java and archive. */
function isReady(paths: TestServerPaths): boolean {
  return (
    jarsCurrent(paths) &&
    fs.existsSync(paths.archive) &&
    fs.existsSync(paths.wrapper) &&
    fs.readFileSync(paths.wrapper, 'utf8') === wrapperScript(paths, findJava())
  );
}

function jarsCurrent(paths: TestServerPaths): boolean {
  return fs.existsSync(paths.lib) && readStamp(libStampFile(paths)) === hashFiles([POM]);
}

function libStampFile(paths: TestServerPaths): string {
  return path.join(paths.dir, 'lib.stamp');
}

async function ensureJars(paths: TestServerPaths): Promise<void> {
  if (jarsCurrent(paths)) return;

  if (!tryRun('mvn', ['--version'], 30_000)) {
    throw new Error(
      'Cannot fetch the Temporal test server: Maven (`mvn`) is not on PATH. ' +
        'Install it (`apt-get install maven`) and retry; jars come from Maven Central.',
    );
  }
  // Copy into a fresh folder and swap it in, so an interrupted fetch or a
  // version bump never leaves a mix of old and new jars on the classpath.
  const staging = `${paths.lib}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  await runCommand(
    'mvn',
    ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
    {
      purpose: `fetch io.temporal:temporal-test-server:${testServerVersion()} from Maven Central`,
      hint: 'check that Maven Central is reachable (proxy settings in ~/.m2/settings.xml) and that the version in ' +
        `${POM} exists.`,
    },
  );
  fs.rmSync(paths.lib, { recursive: true, force: true });
  fs.renameSync(staging, paths.lib);
  writeStamp(libStampFile(paths), hashFiles([POM]));
}

/**
 * Write the bash wrapper. It is regenerated on every ensure (cheap) so it
 * always names the current java and archive.
 *
 * The SDK (sdk-core ephemeral_server, TestServerConfig) runs the executable
 * as `<path> <port> [extraArgs...]` and stops it with SIGKILL; the Java main
 * accepts `<port> [--enable-time-skipping]`. Hence `exec` (so the kill hits
 * the JVM, not a shell that would leave Java orphaned) and the argument
 * filter below.
 */
function writeWrapper(paths: TestServerPaths, java: JavaInfo): void {
  const script = wrapperScript(paths, java);
  const current = fs.existsSync(paths.wrapper) ? fs.readFileSync(paths.wrapper, 'utf8') : '';
  if (current !== script) {
    const tmp = `${paths.wrapper}.tmp`;
    fs.writeFileSync(tmp, script, { mode: 0o755 });
    fs.renameSync(tmp, paths.wrapper);
  }
}

function wrapperScript(paths: TestServerPaths, java: JavaInfo): string {
  const q = shellQuote;
  return `#!/usr/bin/env bash
# Generated by scripts/servers/test-server.ts (ensureTestServer); do not edit.
# Temporal time-skipping test server ${testServerVersion()} on ${java.version}.
# Usage (as the Temporal SDK calls it): temporal-test-server <port> [--enable-time-skipping]
set -euo pipefail

if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <port> [--enable-time-skipping]" >&2
  exit 2
fi
port="$1"; shift
flags=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --enable-time-skipping) flags+=("$1") ;;
    --search-attribute)
      # The SDK turns server.searchAttributes into these; the Java server has
      # no such flag (it would print usage and never listen).
      echo "temporal-test-server: ignoring --search-attribute $2; register it with registerSearchAttributes() instead" >&2
      shift ;;
    *) echo "temporal-test-server: unsupported argument '$1' (the Java test server takes only <port> [--enable-time-skipping])" >&2
       exit 2 ;;
  esac
  shift
done

cds=()
# Without the archive the JVM still starts, ~2x slower; never fail on it.
if [[ -f ${q(paths.archive)} ]]; then
  cds=(-XX:SharedArchiveFile=${q(paths.archive)} -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)
fi

exec ${q(java.executable)} ${JVM_FLAGS.join(' ')} "\${cds[@]}" -cp ${q(path.join(paths.lib, '*'))} ${MAIN_CLASS} "$port" "\${flags[@]}"
`;
}

/**
 * Run the server once with -XX:ArchiveClassesAtExit, make it serve a few
 * calls so the request-path classes are loaded too, and stop it: the JVM
 * writes the archive on exit. Takes ~5 s, once per JVM/jar version.
 */
async function buildArchive(paths: TestServerPaths, java: JavaInfo): Promise<void> {
  const port = await freePort();
  const tmpArchive = `${paths.archive}.tmp`;
  fs.rmSync(tmpArchive, { force: true });
  const logFile = path.join(paths.dir, 'app-cds-build.log');
  // Loaded lazily: setup.ts imports this module and must start fast.
  const { Connection } = await import('@temporalio/client');
  const proc = spawnServer({
    name: 'Temporal test server (AppCDS training run)',
    command: java.executable,
    args: [
      ...JVM_FLAGS,
      `-XX:ArchiveClassesAtExit=${tmpArchive}`,
      '-Xlog:cds=off',
      '-Xlog:cds+dynamic=off',
      '-cp',
      path.join(paths.lib, '*'),
      MAIN_CLASS,
      String(port),
    ],
    logFile,
  });
  try {
    await waitUntil(
      async () => {
        const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: '2s' });
        try {
          await connection.workflowService.getSystemInfo({});
          await connection.workflowService.describeNamespace({ namespace: 'default' }).catch(() => undefined);
        } finally {
          await connection.close();
        }
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } finally {
    await proc.stop(30_000);
  }
  // A failed training run only costs start-up speed: warn, do not fail.
  if (fs.existsSync(tmpArchive)) fs.renameSync(tmpArchive, paths.archive);
  else process.emitWarning(`AppCDS archive was not written (see ${logFile}); the test server will start slower.`);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
