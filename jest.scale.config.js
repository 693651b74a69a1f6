/* global module */
/**
 * The scale test (`npm run test:scale`): a generated 5,000-unit plan's whole year under `thidua simulate`.
 * Slow (tens of minutes on 2 cores), so it is kept out of `npm test` and `.ci/run` by its `.scale.ts` suffix.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/scale'],
  testMatch: ['**/*.scale.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/setup/quiet-sdk.ts'],
  testTimeout: 3 * 3600 * 1000,
  maxWorkers: 1,
  verbose: true,
  // Jest's summary, then the plain `Tests: N passed, N failed, N skipped` line that CI reads.
  reporters: ['default', '<rootDir>/test/setup/plain-summary.js'],
  forceExit: true,
};
