/* global module, require, process */
/**
 * The run's totals as one plain line, `Tests: N passed, N failed, N skipped`. CI judges a run by a closing
 * line of that form, and Jest's own summary (`Tests: 7 passed, 7 total`) is not one, so a green `.ci/run`
 * was reported as having run no test.
 *
 * As a Jest reporter it prints the line as Jest exits, and when THIDUA_TEST_TALLY names a file it also
 * appends the run's counts there. `.ci/run` runs Jest twice (`npm test`, then the fault tests), and
 * `node test/setup/plain-summary.js FILE` prints the sum of both as the last line of CI's output.
 */
const fs = require('fs');

function plainLine({ passed, failed, skipped }) {
  return `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

function countsOf(results) {
  return {
    passed: results.numPassedTests,
    // A suite that could not run (a syntax error, a failing beforeAll) has no failed test of its own.
    failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
    skipped: results.numPendingTests + results.numTodoTests,
  };
}

class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const counts = countsOf(results);
    const tally = process.env.THIDUA_TEST_TALLY;
    if (tally) fs.appendFileSync(tally, `${JSON.stringify(counts)}\n`);
    // Jest prints its own summary after every custom reporter, and may add a note as it exits, so the
    // line waits for the exit to be the last one. It is written to the descriptor itself: Jest's exit
    // (with --forceExit) silences process.stderr once it has drained it.
    process.once('exit', () => fs.writeSync(2, `${plainLine(counts)}\n`));
  }
}
PlainSummaryReporter.countsOf = countsOf;
PlainSummaryReporter.plainLine = plainLine;

function printTotal(file) {
  const runs = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  if (runs.length === 0) {
    process.stderr.write(`plain-summary: ${file} holds no run\n`);
    process.exit(1);
  }
  const total = runs.reduce(
    (sum, run) => ({ passed: sum.passed + run.passed, failed: sum.failed + run.failed, skipped: sum.skipped + run.skipped }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  process.stdout.write(`${plainLine(total)}\n`);
}

if (require.main === module) {
  if (!process.argv[2]) {
    process.stderr.write('usage: node test/setup/plain-summary.js TALLY_FILE\n');
    process.exit(2);
  }
  printTotal(process.argv[2]);
} else {
  module.exports = PlainSummaryReporter;
}
