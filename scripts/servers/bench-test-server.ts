/**
 * Measure how long the test server wrapper takes to answer, the way the SDK
 * checks it (gRPC connect + getSystemInfo), with and without the AppCDS
 * archive. The SDK allows 5 s, so this is the number to watch.
 *
 *   tsx scripts/servers/bench-test-server.ts [runs]
 */
import { Connection } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, tcpAccepts } from './ports';
import { spawnServer } from './server-process';
import { ensureTestServer } from './test-server';
import { waitUntil } from './wait';

async function timeOneStart(wrapper: string): Promise<number> {
  const port = await freePort();
  const logFile = path.join(os.tmpdir(), 'thidua-bench-test-server.log');
  const t0 = performance.now();
  const proc = spawnServer({ name: 'test server', command: wrapper, args: [String(port)], logFile });
  try {
    // Poll the TCP port first (see tcpAccepts), or every measurement would
    // be rounded up to whole seconds by gRPC's reconnect backoff.
    await waitUntil(() => tcpAccepts(port), { timeoutMs: 30_000, intervalMs: 20 });
    const c = await Connection.connect({ address: `127.0.0.1:${port}` });
    await c.workflowService.getSystemInfo({});
    await c.close();
    return performance.now() - t0;
  } finally {
    await proc.stop();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const wrapper = await ensureTestServer();
  // A copy of the wrapper that never finds the archive.
  const noCds = path.join(path.dirname(wrapper), 'temporal-test-server.no-cds');
  fs.writeFileSync(noCds, fs.readFileSync(wrapper, 'utf8').replace('if [[ -f ', 'if false && [[ -f '), { mode: 0o755 });
  try {
    for (const [label, exe] of [['with AppCDS', wrapper], ['without AppCDS', noCds]] as const) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timeOneStart(exe));
      const sorted = [...times].sort((a, b) => a - b);
      console.log(
        `${label}: median ${sorted[Math.floor(runs / 2)]!.toFixed(0)} ms, ` +
          `min ${sorted[0]!.toFixed(0)}, max ${sorted[runs - 1]!.toFixed(0)} (${runs} runs)`,
      );
    }
  } finally {
    fs.rmSync(noCds, { force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
