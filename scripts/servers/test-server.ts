/**
 * Temporal's time-skipping test server (the Java one from Maven Central),
 * as an executable for
 * `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`.
 *
 * The SDK normally downloads a native build of it from GitHub, which is not
 * reachable here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findJava, type JavaInfo } from './java';
import { toolsDir } from './paths';
import { hashInputs } from './stamp';
import { buildCdsArchive } from './test-server-cds';
import { ensureJars, jarsCurrent, TEST_SERVER_POM, testServerVersion } from './test-server-jars';
import { wrapperCurrent, wrapperScript, writeWrapper } from './test-server-wrapper';
import { withToolsLock } from './tools-lock';

export { testServerVersion } from './test-server-jars';

interface TestServerFiles {
  libDir: string;
  wrapper: string;
  archive: string;
}

function testServerFiles(java: JavaInfo): TestServerFiles {
  const dir = path.join(toolsDir(), 'test-server');
  // An AppCDS archive is only valid for the exact JVM and jars that made it.
  const archiveKey = hashInputs([java.executable, java.version, fs.readFileSync(TEST_SERVER_POM)]);
  return {
    libDir: path.join(dir, 'lib'),
    wrapper: path.join(dir, 'temporal-test-server'),
    archive: path.join(dir, `app-cds-${archiveKey}.jsa`),
  };
}

/**
 * Return the path of the wrapper script, fetching the jars with Maven and
 * building the AppCDS archive when missing (first time: ~10 s + ~5 s).
 * When cached it only reads a few files and runs `java -version`.
 */
export async function ensureTestServer(): Promise<string> {
  const java = findJava();
  const files = testServerFiles(java);
  const script = (): string =>
    wrapperScript({ java, libDir: files.libDir, archive: files.archive, version: testServerVersion() });

  const ready = (): boolean =>
    jarsCurrent(files.libDir) && fs.existsSync(files.archive) && wrapperCurrent(files.wrapper, script());
  if (ready()) return files.wrapper;

  return withToolsLock('test-server', async () => {
    fs.mkdirSync(path.dirname(files.wrapper), { recursive: true });
    await ensureJars(files.libDir);
    if (!fs.existsSync(files.archive)) await buildCdsArchive(java, files.libDir, files.archive);
    writeWrapper(files.wrapper, script());
    return files.wrapper;
  });
}
