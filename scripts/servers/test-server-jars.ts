/**
 * Fetch io.temporal:temporal-test-server and its dependencies from Maven
 * Central into <tools>/test-server/lib, driven by test-server/pom.xml.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVERS_SRC_DIR } from './paths';
import { runCommand } from './run-command';
import { hashFiles, readStamp, writeStamp } from './stamp';
import { tryRun } from './try-run';

export const TEST_SERVER_POM = path.join(SERVERS_SRC_DIR, 'test-server', 'pom.xml');

/** The test server version pinned in pom.xml, for reports. */
export function testServerVersion(): string {
  const pom = fs.readFileSync(TEST_SERVER_POM, 'utf8');
  return /<temporal\.test-server\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown';
}

/** True when `libDir` holds the jars of the current pom.xml. */
export function jarsCurrent(libDir: string): boolean {
  return fs.existsSync(libDir) && readStamp(stampFile(libDir)) === hashFiles([TEST_SERVER_POM]);
}

export async function ensureJars(libDir: string): Promise<void> {
  if (jarsCurrent(libDir)) return;

  if (!tryRun('mvn', ['--version'], 30_000)) {
    throw new Error(
      'Cannot fetch the Temporal test server: Maven (`mvn`) is not on PATH. ' +
        'Install it (`apt-get install maven`) and retry; jars come from Maven Central.',
    );
  }
  // Copy into a fresh folder and swap it in, so an interrupted fetch or a
  // version bump never leaves a mix of old and new jars on the classpath.
  const staging = `${libDir}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  await runCommand(
    'mvn',
    [
      '-q', '-B', '-f', TEST_SERVER_POM,
      'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime',
    ],
    {
      purpose: `fetch io.temporal:temporal-test-server:${testServerVersion()} from Maven Central`,
      hint: 'check that Maven Central is reachable (proxy settings in ~/.m2/settings.xml) and that the version in ' +
        `${TEST_SERVER_POM} exists.`,
    },
  );
  fs.rmSync(libDir, { recursive: true, force: true });
  fs.renameSync(staging, libDir);
  writeStamp(stampFile(libDir), hashFiles([TEST_SERVER_POM]));
}

function stampFile(libDir: string): string {
  return `${libDir}.stamp`;
}
