/** Tests run against real servers started once per run (test/setup/global-setup.ts). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `npm run typecheck`; here files are only transpiled, which is much faster.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/setup/quiet-sdk.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
  // Jest's summary, then the plain `Tests: N passed, N failed, N skipped` line that CI reads.
  reporters: ['default', '<rootDir>/test/setup/plain-summary.js'],
};
