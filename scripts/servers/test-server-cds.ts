/**
 * Build the AppCDS archive that makes the test server JVM start ~2x faster.
 *
 * Run the server once with -XX:ArchiveClassesAtExit, make it serve a few
 * calls so the request-path classes are loaded too, and stop it: the JVM
 * writes the archive on exit. ~5 s, once per JVM and jar version.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JavaInfo } from './java';
import { freePort, tcpAccepts } from './ports';
import { logTail, spawnServer } from './server-process';
import { QUIET_CDS_FLAGS, TEST_SERVER_JVM_FLAGS, TEST_SERVER_MAIN_CLASS } from './test-server-jvm';
import { waitUntil } from './wait';

export async function buildCdsArchive(java: JavaInfo, libDir: string, archive: string): Promise<void> {
  const port = await freePort();
  const tmpArchive = `${archive}.tmp`;
  fs.rmSync(tmpArchive, { force: true });
  const logFile = path.join(path.dirname(archive), 'app-cds-build.log');
  // Loaded lazily: setup.ts imports this module and must start fast.
  const { Connection } = await import('@temporalio/client');

  const args = [
    ...TEST_SERVER_JVM_FLAGS,
    `-XX:ArchiveClassesAtExit=${tmpArchive}`,
    ...QUIET_CDS_FLAGS,
    '-cp', path.join(libDir, '*'),
    TEST_SERVER_MAIN_CLASS,
    String(port),
  ];
  const proc = spawnServer({ name: 'Temporal test server (AppCDS run)', command: java.executable, args, logFile });
  try {
    await waitUntil(
      async () => {
        await tcpAccepts(port);
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
  } catch (err) {
    throw new Error(
      `The Temporal test server did not answer on 127.0.0.1:${port} during its first run: ` +
        `${err instanceof Error ? err.message : String(err)}\n` +
        `Command: ${java.executable} ${args.join(' ')}\nLog ${logFile}, last lines:\n${logTail(logFile)}\n` +
        `What to do: check the log; delete ${libDir} to refetch the jars.`, { cause: err }
    );
  } finally {
    // SIGTERM, not SIGKILL: the archive is written by the JVM's exit path.
    await proc.stop(30_000);
  }

  if (!fs.existsSync(tmpArchive)) {
    // Only costs start-up speed, so warn instead of failing.
    process.emitWarning(`AppCDS archive was not written (see ${logFile}); the test server will start slower.`);
    return;
  }
  // Archives of an older JVM or jar set are dead weight (~25 MB each).
  for (const old of fs.readdirSync(path.dirname(archive))) {
    if (/^app-cds-.*\.jsa$/.test(old)) fs.rmSync(path.join(path.dirname(archive), old), { force: true });
  }
  fs.renameSync(tmpArchive, archive);
}
