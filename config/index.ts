import fs from 'node:fs';
import dotenv from 'dotenv';
import { ConfigError, parseEnv, type Config } from './env';
import { resolveSecrets, type Secrets } from './secrets';

export type AppConfig = Config & Secrets;
export { ConfigError, parseEnv, resolveSecrets };

/** Loads `.env` (never overriding the real environment), validates, and fills in the secrets. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): AppConfig {
  const merged = { ...env };
  if (fs.existsSync(envFile)) {
    const fromFile = dotenv.parse(fs.readFileSync(envFile));
    for (const [k, v] of Object.entries(fromFile)) if (merged[k] === undefined) merged[k] = v;
  }
  return resolveSecrets(parseEnv(merged));
}

/** For process entry points: print the problems and exit non-zero instead of a stack trace. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
