/**
 * Real servers for dev, CI and tests, obtained from package registries and
 * cached under `.tools/` (or $THIDUA_TOOLS_DIR):
 *  - Temporal CLI dev server (Go module proxy)      -> startTemporalDev
 *  - MongoDB: mongod if installed, else FerretDB     -> startMongo
 *  - Java time-skipping test server (Maven Central) -> ensureTestServer
 */
export { freePort } from './ports';
export { toolsDir, toolsBinDir } from './paths';
export { ensureTemporalCli, temporalCliVersion, TEMPORAL_CLI_VERSION } from './temporal-cli';
export { startTemporalDev } from './temporal-dev';
export type { SearchAttributeType, TemporalDevOptions, TemporalDevServer } from './temporal-dev';
export { ensureFerretDb, ferretDbVersion } from './ferretdb';
export { startMongo, mongodOnPath } from './mongo';
export type { MongoKind, MongoOptions, MongoServer } from './mongo';
export { ensureTestServer, testServerVersion } from './test-server';
export { createTimeSkippingEnv } from './time-skipping-env';
export { registerSearchAttributes } from './search-attributes';
