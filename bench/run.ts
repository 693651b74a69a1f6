/**
 * `npm run bench [-- --quick]`: runs every benchmark, one after the other, each in its own process
 * (each starts and stops its own servers), and exits non-zero if one fails to run. A figure that
 * misses its target is reported (console and BENCHMARKS.md), not turned into a failure.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHMARKS = ['cycle-start.ts', 'reminder-burst.ts', 'link-actions.ts', 'worker-memory.ts', 'year-simulate.ts'];
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');

let failed = 0;
for (const b of BENCHMARKS.filter((b) => only.length === 0 || only.some((o) => b.startsWith(o)))) {
  console.log(`\n════ bench/${b} ${flags.join(' ')}`);
  const r = spawnSync(tsx, [path.join(__dirname, b), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    console.error(`bench/${b} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
