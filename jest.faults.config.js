/* global module */
/**
 * Fault tests (`npm run test:faults`): the real worker process, Temporal dev server, MongoDB-compatible
 * server and SMTP server, each killed or stopped mid-cycle. One file at a time (each starts its own
 * servers and a worker process); kept out of `npm test` by their `.fault.ts` suffix.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.fault.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/setup/quiet-sdk.ts'],
  testTimeout: 300000,
  maxWorkers: 1,
  verbose: true,
  // Jest's summary, then the plain `Tests: N passed, N failed, N skipped` line that CI reads.
  reporters: ['default', '<rootDir>/test/setup/plain-summary.js'],
  // The SDK's lazy gRPC channel or a closed SMTP server's sockets can outlive a file by a few seconds; every
  // server and the worker are stopped in afterAll, so do not let a lingering handle hang CI.
  forceExit: true,
};
