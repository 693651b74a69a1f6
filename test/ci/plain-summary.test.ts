import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

// The reporter is plain JavaScript (Jest loads reporters untransformed).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PlainSummaryReporter = require('../setup/plain-summary.js');

const root = join(__dirname, '..', '..');
const script = join(root, 'test', 'setup', 'plain-summary.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'plain-summary-'));

function runResults(over: Partial<Record<string, number>>) {
  return { numPassedTests: 0, numFailedTests: 0, numRuntimeErrorTestSuites: 0, numPendingTests: 0, numTodoTests: 0, ...over };
}

function withTally<T>(file: string, fn: () => T): T {
  const saved = process.env.THIDUA_TEST_TALLY;
  process.env.THIDUA_TEST_TALLY = file;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.THIDUA_TEST_TALLY;
    else process.env.THIDUA_TEST_TALLY = saved;
  }
}

describe('the plain closing line CI reads', () => {
  it.each([
    ['all passed', runResults({ numPassedTests: 12 }), 'Tests: 12 passed, 0 failed, 0 skipped'],
    ['failed tests', runResults({ numPassedTests: 3, numFailedTests: 2 }), 'Tests: 3 passed, 2 failed, 0 skipped'],
    ['a suite that could not run counts as failed', runResults({ numPassedTests: 3, numRuntimeErrorTestSuites: 1 }), 'Tests: 3 passed, 1 failed, 0 skipped'],
    ['skipped and todo', runResults({ numPassedTests: 1, numPendingTests: 2, numTodoTests: 1 }), 'Tests: 1 passed, 0 failed, 3 skipped'],
  ])('%s', (_name, results, line) => {
    expect(PlainSummaryReporter.plainLine(PlainSummaryReporter.countsOf(results))).toBe(line);
  });

  it('appends each run to the tally, and the script prints their sum', () => {
    const tally = join(tmp(), 'tally');
    const exitHandlers = process.listenerCount('exit');
    withTally(tally, () => {
      new PlainSummaryReporter().onRunComplete(new Set(), runResults({ numPassedTests: 1202 }));
      new PlainSummaryReporter().onRunComplete(new Set(), runResults({ numPassedTests: 7, numFailedTests: 1, numPendingTests: 2 }));
    });
    // The lines themselves wait for this process's exit; drop them so this run's own line stays the last.
    process.listeners('exit').slice(exitHandlers).forEach((h) => process.removeListener('exit', h));
    expect(readFileSync(tally, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(execFileSync('node', [script, tally], { encoding: 'utf8' })).toBe('Tests: 1209 passed, 1 failed, 2 skipped\n');
  });

  it('refuses a tally with no run, and a call without a file', () => {
    const empty = join(tmp(), 'tally');
    writeFileSync(empty, '');
    const noRun = spawnSync('node', [script, empty], { encoding: 'utf8' });
    expect(noRun.status).toBe(1);
    expect(noRun.stderr).toContain('holds no run');
    const noFile = spawnSync('node', [script], { encoding: 'utf8' });
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain('usage');
  });

  it('is the last line a real Jest run prints, after its own summary', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'cases'));
    writeFileSync(join(dir, 'cases', 'a.test.js'), "test('one', () => expect(1).toBe(1));\ntest.skip('two', () => {});\ntest('three', () => expect(1).toBe(2));\n");
    const config = { rootDir: dir, roots: ['<rootDir>/cases'], testEnvironment: 'node', reporters: ['default', script] };
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', JSON.stringify(config), '--forceExit'], { encoding: 'utf8', cwd: dir, env: { ...process.env, THIDUA_TEST_TALLY: '' } });
    expect(run.status).toBe(1);
    const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
    expect(lines.at(-1)).toBe('Tests: 1 passed, 1 failed, 1 skipped');
    expect(run.stderr).toMatch(/Tests:\s+1 failed, 1 skipped, 1 passed, 3 total/);
  });
});
